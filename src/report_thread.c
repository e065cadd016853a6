/* report_thread.c - a reporter whose callbacks run on a thread of their own
 *
 * Formatting the timelines is a third of a full text run. Here the engine's
 * callbacks only copy what they are given (a summary with its records and
 * their detail texts, a packet note) into chunks, and a writer thread calls
 * the inner reporter with the copies, in the same order. The analysis so
 * goes on while the other core formats and writes.
 *
 * Same pattern as readahead.c: a ring of RT_CHUNKS chunks, filled without
 * a lock and handed over whole; one lock and wake-up per chunk (a hundred
 * or so connections), never per record. A copy's pointers (records,
 * details) point into its own chunk, which stays put until the writer is
 * done with it. Rules are static strings and are not copied.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tcpstate/report.h"
#include "tcpstate/tcpstate.h"

#define RT_CHUNKS 8 /* 2 MiB of slack for the writer, which shares a core with the reader */
/* 256 KiB, about 120 connections with their timelines: a lock per chunk is
 * negligible, and a chunk still fits in the writer core's L2. */
#define RT_CHUNK_BYTES (1u << 18)
#define RT_RESUME 2 /* chunks filled (freed) before a waiting writer (producer) is woken */
#define RT_ALIGN 8

enum msg_kind { MSG_NOTE, MSG_CONN, MSG_RECORD, MSG_OPEN };

struct msg {
	uint32_t kind;
	uint32_t size; /* of the whole message, header included, aligned */
};

struct chunk {
	unsigned char *mem;
	size_t cap, used;
};

struct tcps_report_thread {
	struct tcps_reporter inner;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t filled, emptied;
	unsigned nfull;   /* chunks handed to the writer and not yet done, under lock */
	bool stop;        /* under lock */
	bool urgent;      /* a sync waits: the writer takes even one chunk, under lock */
	unsigned fill;    /* the producer's chunk */
	bool direct;      /* out of memory once: every later call goes straight to inner */
	struct chunk c[RT_CHUNKS];
};

static size_t align_up(size_t n) { return (n + RT_ALIGN - 1) & ~(size_t)(RT_ALIGN - 1); }

static void run_msg(const struct tcps_reporter *in, const struct msg *m)
{
	const void *p = m + 1;
	switch ((enum msg_kind)m->kind) {
	case MSG_NOTE:
		in->packet_note(in->ctx, p);
		break;
	case MSG_CONN:
		in->connection(in->ctx, p);
		break;
	case MSG_RECORD: {
		const struct tcps_conn_summary *s = p;
		in->record(in->ctx, s, (const struct tcps_record *)(s + 1));
		break;
	}
	case MSG_OPEN:
		in->open(in->ctx, p);
		break;
	}
}

static void *writer(void *arg)
{
	struct tcps_report_thread *t = arg;
	for (unsigned take = 0;; take = (take + 1) % RT_CHUNKS) {
		pthread_mutex_lock(&t->lock);
		if (t->nfull == 0) /* woken once RT_RESUME chunks are there, or one for a sync, or the stop */
			while (!t->stop && (t->nfull == 0 || (t->nfull < RT_RESUME && !t->urgent)))
				pthread_cond_wait(&t->filled, &t->lock);
		bool done = t->nfull == 0; /* stopped with nothing left */
		pthread_mutex_unlock(&t->lock);
		if (done)
			return NULL;
		const struct chunk *c = &t->c[take];
		for (size_t off = 0; off < c->used;) {
			const struct msg *m = (const struct msg *)(c->mem + off);
			run_msg(&t->inner, m);
			off += m->size;
		}
		pthread_mutex_lock(&t->lock);
		if (--t->nfull == RT_CHUNKS - RT_RESUME || t->nfull == 0) /* what a waiting producer or sync waits for */
			pthread_cond_signal(&t->emptied);
		pthread_mutex_unlock(&t->lock);
	}
}

/* Hands the producer's chunk to the writer and waits until the next is free
 * (chunks are taken in order: it is free once fewer than all are full).
 * Either side, when it has to wait, waits for RT_RESUME chunks: a wake-up
 * (a futex call, and on a VM an interrupt to the other CPU) so serves
 * several chunks, not one. */
static void hand_over(struct tcps_report_thread *t)
{
	pthread_mutex_lock(&t->lock);
	t->nfull++;
	if (t->nfull == RT_RESUME) /* a sync wakes the writer itself */
		pthread_cond_signal(&t->filled);
	if (t->nfull == RT_CHUNKS)
		while (t->nfull > RT_CHUNKS - RT_RESUME)
			pthread_cond_wait(&t->emptied, &t->lock);
	pthread_mutex_unlock(&t->lock);
	t->fill = (t->fill + 1) % RT_CHUNKS;
	t->c[t->fill].used = 0;
}

void tcps_report_thread_sync(struct tcps_report_thread *t)
{
	if (!t)
		return;
	if (t->c[t->fill].used)
		hand_over(t);
	pthread_mutex_lock(&t->lock);
	t->urgent = true;
	pthread_cond_signal(&t->filled);
	while (t->nfull)
		pthread_cond_wait(&t->emptied, &t->lock);
	t->urgent = false;
	pthread_mutex_unlock(&t->lock);
}

/* Room for a message of `size` bytes (aligned) of the given kind; NULL when a
 * chunk cannot be grown to hold it, after which the caller reports directly. */
static struct msg *reserve(struct tcps_report_thread *t, enum msg_kind kind, size_t size)
{
	if (t->direct)
		return NULL;
	struct chunk *c = &t->c[t->fill];
	if (size > c->cap - c->used) {
		if (c->used) {
			hand_over(t);
			c = &t->c[t->fill];
		}
		if (size > c->cap) { /* a timeline larger than a chunk: this chunk grows, once */
			unsigned char *mem = size <= UINT32_MAX ? realloc(c->mem, size) : NULL;
			if (!mem) {
				tcps_report_thread_sync(t); /* what came before goes out first */
				t->direct = true;
				return NULL;
			}
			c->mem = mem;
			c->cap = size;
		}
	}
	struct msg *m = (struct msg *)(c->mem + c->used);
	m->kind = kind;
	m->size = (uint32_t)size;
	c->used += size;
	return m;
}

/* Copies a detail text after the records; returns where it went. */
static const char *put_text(char **at, const char *s, size_t len)
{
	char *d = *at;
	memcpy(d, s, len + 1);
	*at += len + 1;
	return d;
}

static size_t texts_size(const struct tcps_record *r, size_t n)
{
	size_t sz = 0;
	for (size_t i = 0; i < n; i++)
		if (r[i].detail[0])
			sz += strlen(r[i].detail) + 1;
	return sz;
}

/* Copies n records after s (already copied) with their details, and points
 * the copies at them. */
static void put_records(struct tcps_conn_summary *s, const struct tcps_record *r, size_t n)
{
	struct tcps_record *rc = (struct tcps_record *)(s + 1);
	char *text = (char *)(rc + n);
	if (n)
		memcpy(rc, r, n * sizeof *r);
	for (size_t i = 0; i < n; i++)
		rc[i].detail = r[i].detail[0] ? put_text(&text, r[i].detail, strlen(r[i].detail)) : "";
}

static void q_note(void *ctx, const struct tcps_packet_note *n)
{
	struct tcps_report_thread *t = ctx;
	size_t len = strlen(n->detail);
	struct msg *m = reserve(t, MSG_NOTE, align_up(sizeof *m + sizeof *n + len + 1));
	if (!m) {
		t->inner.packet_note(t->inner.ctx, n);
		return;
	}
	struct tcps_packet_note *nc = (struct tcps_packet_note *)(m + 1);
	*nc = *n;
	char *text = (char *)(nc + 1);
	nc->detail = put_text(&text, n->detail, len);
}

static void q_conn(void *ctx, const struct tcps_conn_summary *s)
{
	struct tcps_report_thread *t = ctx;
	size_t n = s->records ? s->nrecords : 0;
	struct msg *m = reserve(t, MSG_CONN,
				align_up(sizeof *m + sizeof *s + n * sizeof *s->records + texts_size(s->records, n)));
	if (!m) {
		t->inner.connection(t->inner.ctx, s);
		return;
	}
	struct tcps_conn_summary *sc = (struct tcps_conn_summary *)(m + 1);
	*sc = *s;
	put_records(sc, s->records, n);
	sc->records = s->records ? (const struct tcps_record *)(sc + 1) : NULL;
}

static void q_record(void *ctx, const struct tcps_conn_summary *s, const struct tcps_record *r)
{
	struct tcps_report_thread *t = ctx;
	struct msg *m = reserve(t, MSG_RECORD, align_up(sizeof *m + sizeof *s + sizeof *r + texts_size(r, 1)));
	if (!m) {
		t->inner.record(t->inner.ctx, s, r);
		return;
	}
	struct tcps_conn_summary *sc = (struct tcps_conn_summary *)(m + 1);
	*sc = *s;
	sc->records = NULL;
	sc->nrecords = 0;
	put_records(sc, r, 1);
}

static void q_open(void *ctx, const struct tcps_conn_summary *s)
{
	struct tcps_report_thread *t = ctx;
	struct msg *m = reserve(t, MSG_OPEN, align_up(sizeof *m + sizeof *s));
	if (!m) {
		t->inner.open(t->inner.ctx, s);
		return;
	}
	struct tcps_conn_summary *sc = (struct tcps_conn_summary *)(m + 1);
	*sc = *s;
	sc->records = NULL;
	sc->nrecords = 0;
}

struct tcps_reporter tcps_report_thread_reporter(struct tcps_report_thread *t)
{
	const struct tcps_reporter *in = &t->inner;
	struct tcps_reporter r = { t,
				   in->packet_note ? q_note : NULL,
				   in->connection ? q_conn : NULL,
				   in->summary_only,
				   in->record ? q_record : NULL,
				   in->open ? q_open : NULL };
	return r;
}

static void rt_free(struct tcps_report_thread *t)
{
	for (int i = 0; i < RT_CHUNKS; i++)
		free(t->c[i].mem);
	free(t);
}

struct tcps_report_thread *tcps_report_thread_start(const struct tcps_reporter *inner, char *errbuf)
{
	struct tcps_report_thread *t = calloc(1, sizeof *t);
	if (!t)
		goto nomem;
	t->inner = *inner;
	for (int i = 0; i < RT_CHUNKS; i++) {
		if (!(t->c[i].mem = malloc(RT_CHUNK_BYTES)))
			goto nomem;
		t->c[i].cap = RT_CHUNK_BYTES;
	}
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->filled, NULL);
	pthread_cond_init(&t->emptied, NULL);
	int rc = pthread_create(&t->thread, NULL, writer, t);
	if (rc != 0) {
		pthread_mutex_destroy(&t->lock);
		pthread_cond_destroy(&t->filled);
		pthread_cond_destroy(&t->emptied);
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot start the writer thread: %s", strerror(rc));
		rt_free(t);
		return NULL;
	}
	pthread_setname_np(t->thread, "tcps-writer"); /* for top -H and perf */
	return t;
nomem:
	snprintf(errbuf, TCPS_ERRBUF_SIZE, "out of memory");
	if (t)
		rt_free(t);
	return NULL;
}

void tcps_report_thread_stop(struct tcps_report_thread *t)
{
	if (!t)
		return;
	tcps_report_thread_sync(t);
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->filled);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->filled);
	pthread_cond_destroy(&t->emptied);
	rt_free(t);
}
