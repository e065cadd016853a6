/* readahead.c - a reader thread filling batches of packets for the analysis
 *
 * A ring of RA_BATCHES batches, each an arena of packet bytes and a table of
 * packet headers. The reader fills a free batch without any lock and hands it
 * over whole; the analysis takes one at a time and gives it back when it asks
 * for the packet after its last. So the lock and the wake-ups cost a few
 * microseconds per batch (some thousand packets), never a call per packet,
 * and a packet's bytes stay put until the next ra_next() as the source's
 * contract says.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "readahead.h"

/* 16 batches of 256 KiB (4 MiB) ahead: with three threads on two cores the
 * reader is now and then off its core while the writer runs; 4 batches left
 * the analysis waiting for it (30 ms of a 260 ms run, perf sched), 16 cut
 * the benchmark's median by 4 to 8 %. Larger batches or more of them measured
 * no faster. */
#define RA_BATCHES 16
/* Batches freed (filled) before a waiting reader (analysis) is woken. With
 * reads that outrun the analysis (source_fast.c) the reader waits at every
 * turn; woken each 2 batches, it cost the analysis thread 6-30 ms a run
 * (bench/README.md, ninth pass), each 8 nothing measurable. */
#define RA_RESUME 8
#define RA_DEFAULT_BATCH (1u << 18)
#define RA_MIN_HEADERS 64
#define RA_PREFETCH 4              /* packets ahead whose headers are fetched early */

struct ra_pkt {
	struct tcps_ts ts;
	size_t off;
	uint32_t caplen, wirelen;
	bool filtered_out;
};

struct batch {
	uint8_t *arena;
	size_t cap, used;
	struct ra_pkt *pk;
	unsigned npk, maxpk;
	int end;                      /* after its packets: 0 more to come, 1 end of capture, <0 the read's error */
	char err[TCPS_ERRBUF_SIZE];
};

struct readahead {
	ra_read_fn next;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t filled, emptied;
	unsigned nfull;               /* batches handed to the analysis, under lock */
	bool stop;                    /* under lock */
	bool finished;                /* the last batch is handed over, under lock */
	/* the analysis's side, touched by it alone, on every packet: on a cache
	 * line of its own, away from what the reader writes (false sharing) */
	_Alignas(64) unsigned take;   /* the batch it reads */
	unsigned pos;                 /* its next packet in that batch */
	bool holding;                 /* it holds batch `take` */
	_Alignas(64) struct batch b[RA_BATCHES];
};

/* Copies one packet into b; false when it does not fit. */
static bool batch_put(struct batch *b, const struct tcps_packet *p)
{
	if (b->npk == b->maxpk || p->caplen > b->cap - b->used)
		return false;
	struct ra_pkt *k = &b->pk[b->npk++];
	k->ts = p->ts;
	k->off = b->used;
	k->caplen = p->caplen;
	k->wirelen = p->wirelen;
	k->filtered_out = p->filtered_out;
	if (p->caplen)
		memcpy(b->arena + b->used, p->bytes, p->caplen);
	b->used += p->caplen;
	return true;
}

/* Puts p in b, which is empty, growing its arena once if p is larger: a
 * rare jumbo record costs one allocation, not one per packet. */
static bool batch_put_first(struct batch *b, const struct tcps_packet *p)
{
	if (p->caplen > b->cap) {
		uint8_t *a = realloc(b->arena, p->caplen);
		if (!a) {
			snprintf(b->err, sizeof b->err, "out of memory for a packet of %u bytes", p->caplen);
			b->end = TCPS_E_NOMEM;
			return false;
		}
		b->arena = a;
		b->cap = p->caplen;
	}
	return batch_put(b, p);
}

/* Hands the batch just filled to the analysis and waits until the next one
 * is free; false when told to stop. Batches are taken in order, so the
 * next is free as soon as fewer than all are full. When all are full it
 * waits until RA_RESUME are free: each wake-up (a futex call, and on a VM an
 * interrupt to the other CPU) then serves RA_RESUME batches, not one. */
static bool hand_over(struct readahead *ra, bool last)
{
	pthread_mutex_lock(&ra->lock);
	ra->nfull++;
	ra->finished = last;
	if (ra->nfull == RA_RESUME || last) /* what a waiting analysis waits for */
		pthread_cond_signal(&ra->filled);
	if (ra->nfull == RA_BATCHES)
		while (ra->nfull > RA_BATCHES - RA_RESUME && !ra->stop)
			pthread_cond_wait(&ra->emptied, &ra->lock);
	bool go = !ra->stop;
	pthread_mutex_unlock(&ra->lock);
	return go;
}

static void *reader(void *arg)
{
	struct readahead *ra = arg;
	struct tcps_packet p;
	bool carry = false; /* p was read but did not fit in the previous batch */
	for (unsigned fill = 0;; fill = (fill + 1) % RA_BATCHES) {
		struct batch *b = &ra->b[fill];
		b->used = 0;
		b->npk = 0;
		b->end = 0;
		/* A carried packet's bytes are still the source's: valid until its next read. */
		if (carry) {
			carry = false;
			batch_put_first(b, &p);
		}
		while (!b->end) {
			int r = ra->next(ra->ctx, &p, b->err);
			if (r <= 0) {
				b->end = r == 0 ? 1 : r;
				break;
			}
			if (batch_put(b, &p))
				continue;
			if (b->npk == 0) {
				batch_put_first(b, &p);
				continue;
			}
			carry = true;
			break;
		}
		if (!hand_over(ra, b->end != 0) || b->end)
			return NULL;
	}
}

/* Frees the batches and ra itself. */
static void ra_free(struct readahead *ra)
{
	for (int i = 0; i < RA_BATCHES; i++) {
		free(ra->b[i].arena);
		free(ra->b[i].pk);
	}
	free(ra);
}

struct readahead *ra_start(ra_read_fn next, void *ctx, size_t batch_bytes, char *errbuf)
{
	if (!batch_bytes)
		batch_bytes = RA_DEFAULT_BATCH;
	struct readahead *ra = aligned_alloc(_Alignof(struct readahead), sizeof *ra);
	if (!ra)
		goto nomem;
	memset(ra, 0, sizeof *ra);
	ra->next = next;
	ra->ctx = ctx;
	/* Headers for packets of 64 bytes on average: only a capture of
	 * smaller packets hands a batch over before its arena is full. */
	unsigned maxpk = (unsigned)(batch_bytes / 64) < RA_MIN_HEADERS ? RA_MIN_HEADERS : (unsigned)(batch_bytes / 64);
	for (int i = 0; i < RA_BATCHES; i++) {
		struct batch *b = &ra->b[i];
		b->arena = malloc(batch_bytes);
		b->pk = malloc(maxpk * sizeof *b->pk);
		if (!b->arena || !b->pk)
			goto nomem;
		b->cap = batch_bytes;
		b->maxpk = maxpk;
	}
	pthread_mutex_init(&ra->lock, NULL);
	pthread_cond_init(&ra->filled, NULL);
	pthread_cond_init(&ra->emptied, NULL);
	int rc = pthread_create(&ra->thread, NULL, reader, ra);
	if (rc != 0) {
		pthread_mutex_destroy(&ra->lock);
		pthread_cond_destroy(&ra->filled);
		pthread_cond_destroy(&ra->emptied);
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot start the reader thread: %s", strerror(rc));
		goto fail;
	}
	pthread_setname_np(ra->thread, "tcps-reader"); /* for top -H and perf */
	return ra;
nomem:
	snprintf(errbuf, TCPS_ERRBUF_SIZE, "out of memory");
fail:
	if (ra)
		ra_free(ra);
	return NULL;
}

int ra_next(struct readahead *ra, struct tcps_packet *pkt, char *errbuf)
{
	for (;;) {
		if (ra->holding) {
			const struct batch *b = &ra->b[ra->take];
			if (ra->pos < b->npk) {
				const struct ra_pkt *k = &b->pk[ra->pos++];
				/* The reader's core wrote the bytes: ask for the
				 * headers of a packet further on while this one is
				 * analysed. */
				if (ra->pos + RA_PREFETCH < b->npk) {
					const struct ra_pkt *f = &b->pk[ra->pos + RA_PREFETCH];
					const uint8_t *q = b->arena + f->off;
					__builtin_prefetch(q);
					__builtin_prefetch(q + 64);
				}
				pkt->ts = k->ts;
				pkt->bytes = b->arena + k->off;
				pkt->caplen = k->caplen;
				pkt->wirelen = k->wirelen;
				pkt->filtered_out = k->filtered_out;
				return 1;
			}
			if (b->end) { /* kept: every later call says the same */
				if (b->end < 0)
					snprintf(errbuf, TCPS_ERRBUF_SIZE, "%s", b->err);
				return b->end == 1 ? 0 : b->end;
			}
			pthread_mutex_lock(&ra->lock);
			if (--ra->nfull == RA_BATCHES - RA_RESUME) /* what a waiting reader waits for */
				pthread_cond_signal(&ra->emptied);
			pthread_mutex_unlock(&ra->lock);
			ra->take = (ra->take + 1) % RA_BATCHES;
			ra->pos = 0;
			ra->holding = false;
		}
		pthread_mutex_lock(&ra->lock);
		if (ra->nfull == 0) /* the same way: woken once RA_RESUME batches are there, or the last */
			while (ra->nfull == 0 || (ra->nfull < RA_RESUME && !ra->finished))
				pthread_cond_wait(&ra->filled, &ra->lock);
		pthread_mutex_unlock(&ra->lock);
		ra->holding = true;
	}
}

void ra_stop(struct readahead *ra)
{
	if (!ra)
		return;
	pthread_mutex_lock(&ra->lock);
	ra->stop = true;
	pthread_cond_signal(&ra->emptied);
	pthread_mutex_unlock(&ra->lock);
	pthread_join(ra->thread, NULL);
	pthread_mutex_destroy(&ra->lock);
	pthread_cond_destroy(&ra->filled);
	pthread_cond_destroy(&ra->emptied);
	ra_free(ra);
}
