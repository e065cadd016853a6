/* track_int.h - what track.c and track_foreign.c share (internal to the tracker) */
#ifndef TCPS_TRACK_INT_H
#define TCPS_TRACK_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "track.h"

#define NONE UINT32_MAX

static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return seq_lt(b, a); }
static inline bool seq_geq(uint32_t a, uint32_t b) { return !seq_lt(a, b); }

/* Where and when an event happens, and how it is to be reported. */
struct evctx {
	uint64_t pkt, key, after;
	int64_t sec;
	uint32_t nsec;
	bool unconfirmed;
	bool quiet_illegal;          /* the sender was already judged for this segment */
	uint32_t seq, len;           /* the segment, for wording findings */
	uint16_t flags;
};

/* track.c: counting and recording findings, moving a machine, queueing a receipt. */
void count_finding(struct tracker *t, struct conn *c, unsigned side, enum tcps_finding_code code);
/* Counts a finding and keeps its record; the record's index, or NONE. */
uint32_t finding4(struct tracker *t, struct conn *c, unsigned side, enum tcps_finding_code code, enum tcps_event ev,
		  const struct evctx *x, uint8_t state, const uint32_t v[4]);
void add_finding(struct tracker *t, struct conn *c, unsigned side, enum tcps_finding_code code, enum tcps_event ev,
		 const struct evctx *x, uint32_t v0, uint32_t v1, uint32_t v2);
/* Event ev of side's machine; false when the table refuses it (then a finding). */
bool step(struct tracker *t, struct conn *c, unsigned side, enum tcps_event ev, const struct evctx *x);
/* Queues, at key side `side`, the receipt of segment s if it can move that endpoint. */
void queue_receipt(struct tracker *t, struct conn *c, unsigned side, const struct seg *s, uint64_t pkt,
		   const struct tcps_ts *ts, bool sender_illegal);

/* track_foreign.c: segments in an endpoint's name that its own stack did not send. */
bool echo_unsent(const struct conn *c, unsigned side, uint32_t tsecr, const struct tcps_ts *now);
void rst_disowned(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, uint64_t pkt);
bool step_rst(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, uint64_t pkt,
	      const struct evctx *ev);
bool synack_second_source(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, uint64_t pkt,
			  const struct tcps_ts *ts, struct evctx *ev);
void synack_chosen(struct tracker *t, struct conn *c, unsigned side, uint32_t ack, uint64_t pkt);

#endif
