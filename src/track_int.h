/* track_int.h - what track.c and track_foreign.c share (internal to the tracker) */
#ifndef TCPS_TRACK_INT_H
#define TCPS_TRACK_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "track.h"
#include "tcpsm.h"

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
/* step() when the cell moves the machine or refuses the event. */
bool step_cell(struct tracker *t, struct conn *c, unsigned side, enum tcps_event ev, const struct evctx *x,
	       const struct tcps_cell *cell);
/* queue_receipt() for a segment that can move the receiver. */
void queue_receipt_of(struct tracker *t, struct conn *c, unsigned side, const struct seg *s, uint64_t pkt,
		      const struct tcps_ts *ts, bool sender_illegal);

/* Does ack (with flags) acknowledge e's SYN, or its FIN, for the first time? */
static inline bool acks_syn_of(const struct endpoint *e, uint16_t flags, uint32_t ack)
{
	return (flags & TH_ACK) && e->isn_known && !e->syn_acked && seq_geq(ack, e->isn + 1);
}

static inline bool acks_fin_of(const struct endpoint *e, uint16_t flags, uint32_t ack)
{
	return (flags & TH_ACK) && e->fin_sent && !e->fin_acked && seq_geq(ack, e->fin_seq + 1);
}

/*
 * Event ev of side's machine; false when the table refuses it (then a
 * finding). Inline for the common answer, a repetition that moves nothing
 * (every segment sent in ESTABLISHED): no call for most segments.
 */
static inline bool step(struct tracker *t, struct conn *c, unsigned side, enum tcps_event ev, const struct evctx *x)
{
	const struct tcps_cell *cell = tcps_sm_cell((enum tcps_state)c->ep[side].state, ev);
	if (cell->verdict == TCPS_V_REPEAT && ev != TCPS_EV_RCV_FIN) /* (a FIN again restarts TIME-WAIT's clock) */
		return true;
	return step_cell(t, c, side, ev, x, cell);
}

/* Queues, at key side `side`, the receipt of segment s if it can move that
 * endpoint. Data and plain ACKs never do: most segments stop here. */
static inline void queue_receipt(struct tracker *t, struct conn *c, unsigned side, const struct seg *s, uint64_t pkt,
				 const struct tcps_ts *ts, bool sender_illegal)
{
	const struct endpoint *y = &c->ep[side];
	if ((s->flags & (TH_SYN | TH_FIN | TH_RST)) || acks_syn_of(y, s->flags, s->ack) || acks_fin_of(y, s->flags, s->ack))
		queue_receipt_of(t, c, side, s, pkt, ts, sender_illegal);
}

/* track_foreign.c: segments in an endpoint's name that its own stack did not send. */
bool echo_unsent(const struct conn *c, unsigned side, uint32_t tsecr, const struct tcps_ts *now);
void rst_disowned(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, uint64_t pkt);
bool step_rst(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, uint64_t pkt,
	      const struct evctx *ev);
bool synack_second_source(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, uint64_t pkt,
			  const struct tcps_ts *ts, struct evctx *ev);
void synack_chosen(struct tracker *t, struct conn *c, unsigned side, uint32_t ack, uint64_t pkt);

#endif
