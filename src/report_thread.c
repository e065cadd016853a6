/* report_thread.c - a reporter whose callbacks run on a thread of their own
 *
 * Formatting the timelines is a third of a full text run. Here the engine's
 * callbacks only copy what they are given (a summary with its records and
 * their detail texts, a packet note) into chunks, and a writer thread calls
 * the inner reporter with the copies, in the same order. The analysis so
 * goes on while the other core formats and writes.
 *
 * A summary and its records cross in a packed form (struct sum_wire,
 * struct rec_wire): writing the chunk is a store into lines the writer's
 * core last held, so each byte costs the analysis a cache line transfer,
 * and the copy was a tenth of its time in a full text run. The writer
 * unpacks them into the public structs before it calls the inner reporter.
 *
 * Same pattern as readahead.c: a ring of RT_CHUNKS chunks, filled without
 * a lock and handed over whole; one lock and wake-up per chunk (a hundred
 * or so connections), never per record. An unpacked copy's details point
 * into its chunk, which stays put until the writer is done with it, and its
 * records into the writer's own array. Rules are static strings and are not
 * copied.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
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
	/* The writer's unpacked records. Grown only by the producer, and only
	 * while the writer is idle (after a sync), so never under its feet. */
	struct tcps_record *unpacked;
	size_t unpacked_cap;
};

/*
 * A summary on the wire: the public struct less its finding counts, which
 * are nearly all zero (a third of its bytes); the counts that are not
 * follow the records as (side, code, count).
 */
#define SUM_HEAD offsetof(struct tcps_conn_summary, findings)
#define SUM_TAIL (SUM_HEAD + sizeof ((struct tcps_conn_summary *)0)->findings)

struct sum_wire {
	_Alignas(8) unsigned char head[SUM_HEAD]; /* (the records after it hold 64-bit fields) */
	unsigned char tail[sizeof(struct tcps_conn_summary) - SUM_TAIL];
	uint32_t nrecords;
	uint16_t nfindings;      /* struct count_wire entries after the records */
	bool has_records;        /* records not NULL (NULL: the reporter wants no timeline) */
};

struct count_wire {
	uint8_t side, code;
	uint32_t count;
};

/* A record on the wire: 48 bytes against 80. Its detail, when it has one,
 * follows the counts, the records' details one after the other. */
struct rec_wire {
	uint64_t pkt, after_pkt;
	int64_t sec;
	const char *rule;
	uint32_t nsec;
	uint16_t detail_len;     /* without the NUL; 0: "" (the engine's fit in TCPS_DETAIL_SIZE) */
	uint8_t kind, role, event, from, to, code, unconfirmed, revises;
};
_Static_assert(TCPS_DETAIL_SIZE <= UINT16_MAX, "a detail's length fits rec_wire's");
_Static_assert(sizeof(struct tcps_record) == 80, "a field added to struct tcps_record must cross in rec_wire too");

static size_t align_up(size_t n) { return (n + RT_ALIGN - 1) & ~(size_t)(RT_ALIGN - 1); }

/* Unpacks a summary and its records (into t->unpacked). */
static void unpack_conn(const struct tcps_report_thread *t, const struct sum_wire *w, struct tcps_conn_summary *s)
{
	memcpy(s, w->head, sizeof w->head);
	memset(s->findings, 0, sizeof s->findings);
	memcpy((unsigned char *)s + SUM_TAIL, w->tail, sizeof w->tail);
	const struct rec_wire *rw = (const struct rec_wire *)(w + 1);
	const struct count_wire *cw = (const struct count_wire *)(rw + w->nrecords);
	const char *text = (const char *)(cw + w->nfindings);
	for (unsigned i = 0; i < w->nfindings; i++)
		s->findings[cw[i].side][cw[i].code] = cw[i].count;
	struct tcps_record *r = t->unpacked;
	for (uint32_t i = 0; i < w->nrecords; i++) {
		r[i] = (struct tcps_record){
			.kind = rw[i].kind, .pkt = rw[i].pkt, .sec = rw[i].sec, .nsec = rw[i].nsec,
			.role = rw[i].role, .event = rw[i].event, .from = rw[i].from, .to = rw[i].to,
			.code = rw[i].code, .after_pkt = rw[i].after_pkt, .unconfirmed = rw[i].unconfirmed,
			.rule = rw[i].rule, .detail = "", .revises = rw[i].revises,
		};
		if (rw[i].detail_len) {
			r[i].detail = text;
			text += rw[i].detail_len + 1;
		}
	}
	s->records = w->has_records ? r : NULL;
	s->nrecords = w->nrecords;
}

static void run_msg(const struct tcps_report_thread *t, const struct msg *m)
{
	const struct tcps_reporter *in = &t->inner;
	const void *p = m + 1;
	struct tcps_conn_summary s;
	switch ((enum msg_kind)m->kind) {
	case MSG_NOTE:
		in->packet_note(in->ctx, p);
		break;
	case MSG_CONN:
		unpack_conn(t, p, &s);
		in->connection(in->ctx, &s);
		break;
	case MSG_RECORD:
		unpack_conn(t, p, &s);
		s.records = NULL;
		s.nrecords = 0;
		in->record(in->ctx, &s, t->unpacked);
		break;
	case MSG_OPEN:
		unpack_conn(t, p, &s);
		in->open(in->ctx, &s);
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
			run_msg(t, m);
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

/* Copies a detail text; returns where it went. */
static const char *put_text(char **at, const char *s, size_t len)
{
	char *d = *at;
	memcpy(d, s, len + 1);
	*at += len + 1;
	return d;
}

/* Room for n unpacked records on the writer's side; false when memory is
 * short (then the caller reports directly). */
static bool unpacked_room(struct tcps_report_thread *t, size_t n)
{
	if (n <= t->unpacked_cap)
		return true;
	tcps_report_thread_sync(t); /* the writer is idle: its array can move */
	size_t cap = t->unpacked_cap ? t->unpacked_cap : 64;
	while (cap < n)
		cap *= 2;
	struct tcps_record *r = realloc(t->unpacked, cap * sizeof *r);
	if (!r) {
		t->direct = true; /* as reserve() does: everything before went out */
		return false;
	}
	t->unpacked = r;
	t->unpacked_cap = cap;
	return true;
}

/* Packs summary s with records r[0..n) (s's own records, or the one to
 * stream) into a message of the given kind; false when it cannot. */
static bool put_conn(struct tcps_report_thread *t, enum msg_kind kind, const struct tcps_conn_summary *s,
		     const struct tcps_record *r, size_t n, bool has_records)
{
	if (t->direct || n > UINT32_MAX || !unpacked_room(t, n))
		return false;
	struct count_wire found[2 * TCPS_F__COUNT];
	size_t nfind = 0, text = 0;
	for (int side = 0; side < 2; side++)
		for (int code = 0; code < TCPS_F__COUNT; code++)
			if (s->findings[side][code])
				found[nfind++] = (struct count_wire){ (uint8_t)side, (uint8_t)code, s->findings[side][code] };
	for (size_t i = 0; i < n; i++)
		if (r[i].detail[0])
			text += strlen(r[i].detail) + 1;
	struct msg *m = reserve(t, kind, align_up(sizeof *m + sizeof(struct sum_wire) + n * sizeof(struct rec_wire) +
						   nfind * sizeof(struct count_wire) + text));
	if (!m)
		return false;
	struct sum_wire *w = (struct sum_wire *)(m + 1);
	memcpy(w->head, s, sizeof w->head);
	memcpy(w->tail, (const unsigned char *)s + SUM_TAIL, sizeof w->tail);
	w->nrecords = (uint32_t)n;
	w->nfindings = (uint16_t)nfind;
	w->has_records = has_records;
	struct rec_wire *rw = (struct rec_wire *)(w + 1);
	struct count_wire *cw = (struct count_wire *)(rw + n);
	char *at = (char *)(cw + nfind);
	for (size_t i = 0; i < n; i++) {
		size_t len = r[i].detail[0] ? strlen(r[i].detail) : 0;
		rw[i] = (struct rec_wire){
			.pkt = r[i].pkt, .after_pkt = r[i].after_pkt, .sec = r[i].sec, .rule = r[i].rule,
			.nsec = r[i].nsec, .detail_len = (uint16_t)len, .kind = (uint8_t)r[i].kind, .role = r[i].role,
			.event = r[i].event, .from = r[i].from, .to = r[i].to, .code = r[i].code,
			.unconfirmed = r[i].unconfirmed, .revises = r[i].revises,
		};
		if (len)
			put_text(&at, r[i].detail, len);
	}
	if (nfind)
		memcpy(cw, found, nfind * sizeof *found);
	return true;
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
	if (!put_conn(t, MSG_CONN, s, s->records, s->records ? s->nrecords : 0, s->records != NULL))
		t->inner.connection(t->inner.ctx, s);
}

static void q_record(void *ctx, const struct tcps_conn_summary *s, const struct tcps_record *r)
{
	struct tcps_report_thread *t = ctx;
	if (!put_conn(t, MSG_RECORD, s, r, 1, false))
		t->inner.record(t->inner.ctx, s, r);
}

static void q_open(void *ctx, const struct tcps_conn_summary *s)
{
	struct tcps_report_thread *t = ctx;
	if (!put_conn(t, MSG_OPEN, s, NULL, 0, false))
		t->inner.open(t->inner.ctx, s);
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
	free(t->unpacked);
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
