/* frag.h - IPv4/IPv6 fragment reassembly with bounded memory and a timeout */
#ifndef TCPS_FRAG_H
#define TCPS_FRAG_H

#include <stdint.h>
#include "decode.h"

struct frag_table;

enum frag_result {
	FRAG_HELD = 0,   /* piece stored, datagram not complete yet */
	FRAG_COMPLETE,   /* datagram complete: see struct frag_done */
	FRAG_BAD,        /* piece inconsistent; detail in the caller's decoder_out */
};

struct frag_done {
	uint8_t proto;
	struct cur data;          /* the captured prefix of the datagram payload */
	uint32_t len;             /* payload length declared by the fragments */
	uint32_t pieces;          /* fragments the datagram was built from */
};

/* A datagram given up on (timeout, table full, end of capture). */
struct frag_lost {
	uint64_t first_pkt;
	uint32_t pieces;
	uint32_t id;
	uint8_t family;
};

typedef void (*frag_lost_fn)(void *ctx, const struct frag_lost *lost);

/* Creates a table of at most max_datagrams in flight. NULL on allocation failure. */
struct frag_table *tcps_frag_new(unsigned max_datagrams, frag_lost_fn lost, void *ctx);
void tcps_frag_free(struct frag_table *t);

/*
 * Adds a piece seen in packet pkt at time now. On FRAG_COMPLETE, *done points
 * into the table's buffer, valid until the next call. On FRAG_BAD, detail
 * (160 bytes) tells why.
 */
enum frag_result tcps_frag_add(struct frag_table *t, const struct frag_piece *p, uint64_t pkt,
			       const struct tcps_ts *now, struct frag_done *done, char *detail);

/* Gives up on datagrams older than their timeout (RFC 791's reassembly timer:
 * Linux ipfrag_time 30 s, ip6frag_time 60 s). */
void tcps_frag_expire(struct frag_table *t, const struct tcps_ts *now);

/* Gives up on every datagram still pending (end of capture). */
void tcps_frag_flush(struct frag_table *t);

#endif
