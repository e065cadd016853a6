/* track.h - the two endpoint machines of a connection, driven by its segments */
#ifndef TCPS_TRACK_H
#define TCPS_TRACK_H

#include "conn.h"
#include "decode.h"

/* Records a connection keeps at most; findings beyond are counted, not kept. */
#define TRACK_MAX_RECORDS 256

/* A record as held until its connection ends (worded then, to stay small). */
struct rec {
	uint32_t next;                /* index in the pool; UINT32_MAX ends */
	uint8_t kind, side, event, state_from, state_to, code, unconfirmed;
	uint8_t emitted;              /* streaming: written already */
	uint8_t revises;              /* streaming: written, then recoded; the code it was written with */
	uint8_t other_isn;            /* its endpoint's numbers are its other SYN,ACK source's (struct synack_alt) */
	uint64_t key;                 /* causal order: see track.c */
	uint64_t pkt, after_pkt;
	int64_t sec;
	uint32_t nsec;
	uint32_t v[4];                /* finding numbers */
	const char *rule;
};

/* Where every connection's records live: one array, grown by doubling,
 * reused through a free list, so steady state allocates nothing. */
struct recpool {
	struct rec *r;
	uint32_t cap, free_head, used;
	bool failed;                  /* out of memory once: later records are dropped (counted) */
};

/* The connections' extensions (conn.h): grown by doubling, reused through
 * a free list. Indices stay valid; pointers only until the next allocation. */
struct extpool {
	struct conn_ext *x;
	uint32_t cap, used, free_head;
};

/* Records per block when a connection's records are allocated in blocks
 * of their own (track.c). */
#define TRACK_REC_BLOCK 4

struct tracker {
	struct recpool pool;
	struct extpool ext;
	uint32_t time_wait_sec;
	bool keep_records;            /* false when nobody reads the timelines (-q): only count */
	bool rec_blocks;              /* records in per-connection blocks (not streaming: see track.c) */
	/* While a segment's sender is judged after its step: that side and the
	 * state it sent in (its findings name that state, as its transition
	 * does, not the one the segment moved it to); -1 otherwise. */
	int8_t judged_side;
	uint8_t judged_state;
	struct tcps_totals *tot;
};

/* Sets both endpoints' starting states from the connection's first segment. */
void track_init(struct conn *c, const struct seg *s, const struct tcps_ts *ts);

/* Drives both machines with one segment sent by key side dir. */
void track_segment(struct tracker *t, struct conn *c, const struct seg *s, unsigned dir, uint64_t pkt,
		   const struct tcps_ts *ts);

/* True when a SYN from key side dir opens a new connection on c's tuple
 * (its sender had closed, or abandoned an earlier attempt). May apply the
 * sender's pending receipts, as its SYN is evidence of them. */
bool track_syn_opens_new(struct tracker *t, struct conn *c, const struct seg *s, unsigned dir, uint64_t pkt);

/* How the peer of dir in c (now ended) judges a new SYN s from dir (RFC 6191);
 * v gets the numbers a reuse_unacceptable finding names. */
enum tcps_reuse track_judge_reuse(const struct conn *c, const struct seg *s, unsigned dir, uint32_t v[3]);

/* The connection ends at `now`: applies what is still pending, then the
 * TIME_WAIT timeouts that capture time has reached. */
void track_end(struct tracker *t, struct conn *c, const struct tcps_ts *now);

/* A new connection takes the tuple at packet pkt (its SYN sent by key side
 * dir): the SYN's sender leaves TIME_WAIT, and so does its peer when the
 * reuse is acceptable to it. Call after track_end. */
void track_reused(struct tracker *t, struct conn *c, unsigned dir, bool acceptable, uint64_t pkt,
		  const struct tcps_ts *ts);

/* Adds a finding against key side `side` of c, on event ev of packet pkt. */
void track_finding(struct tracker *t, struct conn *c, unsigned side, enum tcps_finding_code code,
		   enum tcps_event ev, uint64_t pkt, const struct tcps_ts *ts, uint32_t v0, uint32_t v1, uint32_t v2);

/* What drew a challenge ACK; the challenge_ack finding's third number. */
enum track_challenged { TRACK_CHALLENGED_RST, TRACK_CHALLENGED_SYN, TRACK_CHALLENGED_SYNACK };

/* Side dir sent an RST, a SYN or a SYN,ACK that RFC 5961 has its peer answer
 * with a challenge ACK: the peer's next segment, if that ACK, is named as the
 * answer to packet pkt (ackwin.c). */
void track_challenge_due(struct tracker *t, struct conn *c, unsigned dir, uint64_t pkt, uint32_t seq,
			 enum track_challenged what);

/* Where a finding decided later belongs: the packet it is about (its
 * position in the timeline), its time, the endpoint's state then, and a
 * second packet its detail names (0 none). */
struct find_at {
	uint64_t pkt, other;
	int64_t sec;
	uint32_t nsec;
	uint8_t event, state;
};

/* Adds a finding with four numbers, placed and worded as `at` says.
 * Returns its record's index (UINT32_MAX when none is kept), valid until
 * the connection ends, for track_recode. */
uint32_t track_finding_at(struct tracker *t, struct conn *c, unsigned side, enum tcps_finding_code code,
			  const struct find_at *at, uint32_t v0, uint32_t v1, uint32_t v2, uint32_t v3);

/* Later packets showed a finding to be another: moves its count from one
 * code to the other and rewrites its record (if kept), naming packet
 * `other` and adding v3_bits to its fourth number. */
void track_recode(struct tracker *t, struct conn *c, unsigned side, uint32_t rec, enum tcps_finding_code from,
		  enum tcps_finding_code to, uint64_t other, uint32_t v3_bits);

/* The sequence-number checks of one segment sent by key side dir (seqcheck.c),
 * before the sender's knowledge is updated with it. */
void seqcheck_send(struct tracker *t, struct conn *c, const struct seg *s, unsigned dir, enum tcps_event ev,
		   uint64_t pkt, const struct tcps_ts *ts);

/* RST acceptability (RFC 5961), PAWS (RFC 7323) and segments above the MSS. */
void seqcheck_numbers(struct tracker *t, struct conn *c, const struct seg *s, unsigned dir, enum tcps_event ev,
		      uint64_t pkt, const struct tcps_ts *ts);

/* What the sender's sequence space was: new, sent again, reordered, a
 * keep-alive or probe, or beyond a stretch the capture missed (stream.c).
 * Before the sender's knowledge is updated with s. */
void stream_send(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, enum tcps_event ev,
		 uint64_t pkt, const struct tcps_ts *ts);

/* Key side `side`'s bytes [lo, hi) reached its peer, which acknowledged
 * (or SACKed) them in packet pkt: those the capture missed are reported. */
void stream_received(struct tracker *t, struct conn *c, unsigned side, uint32_t lo, uint32_t hi, uint64_t pkt,
		     bool sack);

/* Key side `side`'s bytes [lo, hi) arrived twice at its peer, which said
 * so with a D-SACK block (RFC 2883) in packet pkt: the retransmission of
 * them was spurious. */
void stream_dsack(struct tracker *t, struct conn *c, unsigned side, uint32_t lo, uint32_t hi, uint64_t pkt);

/* The connection ends: gaps never filled nor acknowledged are reported. */
void stream_end(struct tracker *t, struct conn *c);

/* The options a SYN or SYN,ACK announces, with RFC 9293's defaults. */
struct syn_opts syn_opts_of(const struct seg *s);

/* What dir's ack field, SACK blocks and window say (ackwin.c); before its
 * knowledge is updated with s. */
void ackwin_segment(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, enum tcps_event ev,
		    uint64_t pkt, const struct tcps_ts *ts);

/* dir's data against the window its peer offered (ackwin.c). */
void ackwin_data(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, enum tcps_event ev,
		 uint64_t pkt, const struct tcps_ts *ts);

/* RTT and flight figures of key side `side`'s stream. */
void ackwin_figures(const struct conn *c, unsigned side, struct tcps_flow_figures *f);

/* c's extension, allocated on first use; NULL without memory (then its
 * per-connection finding counts and gap tracking are lost, totals are not). */
struct conn_ext *track_ext(struct tracker *t, struct conn *c);

/* The state a finding against side names: while its segment is judged after
 * its step, the state it sent the segment in; otherwise its state now. */
static inline uint8_t track_state_of(const struct tracker *t, const struct conn *c, unsigned side)
{
	return (int)side == t->judged_side ? t->judged_state : c->ep[side].state;
}

/* c's extension, or NULL when it has none yet. */
static inline struct conn_ext *track_ext_peek(const struct tracker *t, const struct conn *c)
{
	return c->ext == UINT32_MAX ? NULL : &t->ext.x[c->ext];
}

/* Streaming: the lowest causal key a record of c yet to come can have,
 * packets up to next_pkt - 1 being in. Records with a key up to it are
 * settled: a later record of the same key sorts after them (the sort is
 * stable), so nothing can come before them any more. */
uint64_t track_settled_upto(const struct tracker *t, const struct conn *c, uint64_t next_pkt);

/* Streaming: true while a later D-SACK may still recode record i of c. */
bool track_rec_revisable(const struct tracker *t, const struct conn *c, uint32_t i);

/* Unlinks record i of c (prev: the record before it in c's list, UINT32_MAX
 * when it is the first) and gives it back to the pool. */
void track_rec_free(struct tracker *t, struct conn *c, uint32_t prev, uint32_t i);

/* Gives a connection's records back to the pool. */
void track_release(struct tracker *t, struct conn *c);

void track_pool_free(struct tracker *t);

#endif
