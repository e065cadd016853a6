/* track.c - the two endpoint machines of a connection, driven by its segments
 *
 * A segment on the wire was sent by one endpoint: the sender's machine moves
 * at once, on the send (the segment itself is the evidence). Whether and when
 * the other endpoint received it the capture does not say, so its receive
 * event waits in a short per-endpoint queue ("pending receipts") until the
 * receiver's own segments give evidence:
 *
 * - the ack field of a segment tells what its sender had received when it
 *   sent it: a pending SYN or FIN that the receiver acknowledges had arrived
 *   and is applied just before that segment's own send event; one that the
 *   receiver sent a segment without acknowledging had not arrived yet (it is
 *   "held": the capture point is nearer its sender, and the report says so);
 * - the kind of segment tells its sender's state: an endpoint that
 *   retransmits its SYN,ACK (or its FIN) had not received the ACK of it, so a
 *   captured ACK of it never arrived (lost beyond the capture point);
 * - what nothing contradicts is taken as received, in capture order; when the
 *   connection ends whatever is still pending is applied.
 *
 * So FINs that cross (neither acknowledging the other) make both ends
 * FIN_WAIT_1 -> CLOSING -> TIME_WAIT whatever order the capture shows them in.
 *
 * Records (transitions and findings) are held per connection and written when
 * it ends, ordered by a causal key: a send is placed at its own packet, a
 * receipt at the later of the packet received and the receiver's last packet
 * that shows it had not arrived yet. Each endpoint's chain of states stays
 * consistent in that order.
 */
#include <stdlib.h>
#include <string.h>
#include "track.h"
#include "tcpsm.h"
#include "findings.h"
#include "track_int.h"

/* Findings stop being kept a little before the cap so that transitions,
 * which are few and bounded by the table, always find room. */
#define FINDING_CAP (TRACK_MAX_RECORDS - 32)

/* ---- the record pool ---- */

static bool rec_grow(struct recpool *p, uint32_t n)
{
	if (p->cap - p->used >= n)
		return true;
	uint32_t cap = p->cap ? p->cap * 2 : 1024;
	struct rec *r = cap > p->cap ? realloc(p->r, (size_t)cap * sizeof *r) : NULL;
	if (!r) {
		p->failed = true;
		return false;
	}
	p->r = r;
	p->cap = cap;
	return true;
}

/*
 * When timelines are written at a connection's end, a connection's records
 * come from blocks of TRACK_REC_BLOCK adjacent slots of its own: writing the
 * timeline then walks a few runs of adjacent lines instead of taking a
 * cache miss on every record (each allocated, packets apart, wherever the
 * free list pointed), and an append finds its slot next to the last one.
 * A block is freed whole when its connection is. Streaming frees records
 * one by one as they are written, so it allocates them one by one.
 */
static uint32_t rec_alloc_in_block(struct recpool *p, struct conn *c)
{
	if (c->rec_room) {
		c->rec_room--;
		return c->rec_tail + 1;
	}
	uint32_t i;
	if (p->free_head != NONE) {
		i = p->free_head;
		p->free_head = p->r[i].next;
	} else {
		if (!rec_grow(p, TRACK_REC_BLOCK))
			return NONE;
		i = p->used;
		p->used += TRACK_REC_BLOCK;
	}
	c->rec_room = TRACK_REC_BLOCK - 1;
	return i;
}

static uint32_t rec_alloc(struct recpool *p)
{
	if (p->free_head != NONE) {
		uint32_t i = p->free_head;
		p->free_head = p->r[i].next;
		return i;
	}
	if (!rec_grow(p, 1))
		return NONE;
	return p->used++;
}

static struct rec *rec_add(struct tracker *t, struct conn *c, uint8_t kind, unsigned cap)
{
	if (c->nrec >= cap)
		return NULL;
	uint32_t i = t->rec_blocks ? rec_alloc_in_block(&t->pool, c) : rec_alloc(&t->pool);
	if (i == NONE)
		return NULL;
	struct rec *r = &t->pool.r[i];
	memset(r, 0, sizeof *r);
	r->next = NONE;
	r->kind = kind;
	if (c->rec_tail != NONE)
		t->pool.r[c->rec_tail].next = i;
	else
		c->rec_head = i;
	c->rec_tail = i;
	c->nrec++;
	return r;
}

struct conn_ext *track_ext(struct tracker *t, struct conn *c)
{
	struct extpool *p = &t->ext;
	if (c->ext != NONE)
		return &p->x[c->ext];
	uint32_t i;
	if (p->free_head != NONE) {
		i = p->free_head;
		p->free_head = p->x[i].next_free;
	} else {
		if (p->used == p->cap) {
			uint32_t cap = p->cap ? p->cap * 2 : 256;
			struct conn_ext *x = cap > p->cap ? realloc(p->x, (size_t)cap * sizeof *x) : NULL;
			if (!x)
				return NULL;
			p->x = x;
			p->cap = cap;
		}
		i = p->used++;
	}
	memset(&p->x[i], 0, sizeof p->x[i]);
	c->ext = i;
	return &p->x[i];
}

uint64_t track_settled_upto(const struct tracker *t, const struct conn *c, uint64_t next_pkt)
{
	/* Later records come from later packets, from receipts still waiting
	 * for evidence (placed at or after the packet received), and from
	 * holes still open (placed at the packet that revealed them). */
	uint64_t upto = next_pkt;
	if (c->rst_held.pkt && c->rst_held.pkt - 1 < upto)
		upto = c->rst_held.pkt - 1; /* its transition may yet become a finding in place */
	for (unsigned side = 0; side < 2; side++) {
		for (unsigned i = 0; i < c->ep[side].npend; i++)
			if (c->pend[side][i].pkt < upto)
				upto = c->pend[side][i].pkt;
		const struct conn_ext *x = track_ext_peek(t, c);
		for (unsigned i = 0; x && i < c->ep[side].st.nholes; i++)
			if (x->cold[side].holes[i].pkt < upto)
				upto = x->cold[side].holes[i].pkt;
	}
	return upto;
}

bool track_rec_revisable(const struct tracker *t, const struct conn *c, uint32_t i)
{
	const struct rec *r = &t->pool.r[i];
	const struct conn_ext *x = track_ext_peek(t, c);
	if (!x || r->kind != TCPS_REC_FINDING ||
	    (r->code != TCPS_F_RETRANSMISSION && r->code != TCPS_F_FAST_RETRANSMISSION))
		return false;
	for (unsigned k = 0; k < EP_RESENT; k++)
		if (x->cold[r->side].resent[k].rec == i && x->cold[r->side].resent[k].code)
			return true;
	return false;
}

void track_rec_free(struct tracker *t, struct conn *c, uint32_t prev, uint32_t i)
{
	struct rec *r = &t->pool.r[i];
	if (prev == NONE)
		c->rec_head = r->next;
	else
		t->pool.r[prev].next = r->next;
	if (c->rec_tail == i)
		c->rec_tail = prev;
	r->next = t->pool.free_head;
	t->pool.free_head = i;
	c->nrec--;
}

void track_release(struct tracker *t, struct conn *c)
{
	if (c->ext != NONE) {
		t->ext.x[c->ext].next_free = t->ext.free_head;
		t->ext.free_head = c->ext;
		c->ext = NONE;
	}
	if (t->rec_blocks) {
		/* every block's first slot is on the list: the block goes whole */
		for (uint32_t i = c->rec_head; i != NONE;) {
			uint32_t next = t->pool.r[i].next;
			if (i % TRACK_REC_BLOCK == 0) {
				t->pool.r[i].next = t->pool.free_head;
				t->pool.free_head = i;
			}
			i = next;
		}
		c->rec_room = 0;
	} else if (c->rec_tail != NONE) {
		t->pool.r[c->rec_tail].next = t->pool.free_head;
		t->pool.free_head = c->rec_head;
	}
	c->rec_head = c->rec_tail = NONE;
	c->nrec = 0;
}

void track_pool_free(struct tracker *t)
{
	free(t->pool.r);
	memset(&t->pool, 0, sizeof t->pool);
	t->pool.free_head = NONE;
	free(t->ext.x);
	memset(&t->ext, 0, sizeof t->ext);
	t->ext.free_head = NONE;
}

/* ---- records ---- */

/* A new record of side's event at x, or NULL when none is kept (-q) or the
 * connection's cap is reached (then counted as dropped). */
static struct rec *rec_new(struct tracker *t, struct conn *c, uint8_t kind, unsigned cap, unsigned side,
			   enum tcps_event ev, const struct evctx *x)
{
	if (!t->keep_records)
		return NULL;
	struct rec *r = rec_add(t, c, kind, cap);
	if (!r) {
		c->rec_dropped++;
		return NULL;
	}
	r->side = (uint8_t)side;
	r->event = (uint8_t)ev;
	r->key = x->key;
	r->pkt = x->pkt;
	r->after_pkt = x->after;
	r->sec = x->sec;
	r->nsec = x->nsec;
	return r;
}

/* Counts a finding of side's, per connection and in the totals. */
void count_finding(struct tracker *t, struct conn *c, unsigned side, enum tcps_finding_code code)
{
	struct conn_ext *e = track_ext(t, c);
	if (e)
		e->findings[side][code]++;
	t->tot->findings[code]++;
}

/* Counts a finding and keeps its record; the record's index, or NONE. */
uint32_t finding4(struct tracker *t, struct conn *c, unsigned side, enum tcps_finding_code code,
			 enum tcps_event ev, const struct evctx *x, uint8_t state, const uint32_t v[4])
{
	count_finding(t, c, side, code);
	struct rec *r = rec_new(t, c, TCPS_REC_FINDING, FINDING_CAP, side, ev, x);
	if (!r)
		return NONE;
	r->state_from = r->state_to = state;
	r->code = (uint8_t)code;
	memcpy(r->v, v, sizeof r->v);
	r->rule = tcps_finding_rule(code);
	return c->rec_tail;
}

void add_finding(struct tracker *t, struct conn *c, unsigned side, enum tcps_finding_code code,
			enum tcps_event ev, const struct evctx *x, uint32_t v0, uint32_t v1, uint32_t v2)
{
	const uint32_t v[4] = { v0, v1, v2, 0 };
	finding4(t, c, side, code, ev, x, track_state_of(t, c, side), v);
}

uint32_t track_finding_at(struct tracker *t, struct conn *c, unsigned side, enum tcps_finding_code code,
			  const struct find_at *at, uint32_t v0, uint32_t v1, uint32_t v2, uint32_t v3)
{
	struct evctx x = { .pkt = at->pkt, .key = at->pkt, .after = at->other, .sec = at->sec, .nsec = at->nsec };
	const uint32_t v[4] = { v0, v1, v2, v3 };
	return finding4(t, c, side, code, (enum tcps_event)at->event, &x, at->state, v);
}

void track_recode(struct tracker *t, struct conn *c, unsigned side, uint32_t rec, enum tcps_finding_code from,
		  enum tcps_finding_code to, uint64_t other, uint32_t v3_bits)
{
	struct conn_ext *e = track_ext_peek(t, c);
	if (e) {
		e->findings[side][from]--;
		e->findings[side][to]++;
	}
	t->tot->findings[from]--;
	t->tot->findings[to]++;
	if (rec == NONE)
		return;
	struct rec *r = &t->pool.r[rec];
	if (r->emitted) { /* streamed as `from`: it goes out again, revised */
		r->emitted = 0;
		r->revises = (uint8_t)from;
	}
	r->code = (uint8_t)to;
	r->rule = tcps_finding_rule(to);
	r->after_pkt = other;
	r->v[3] |= v3_bits;
}

void track_challenge_due(struct tracker *t, struct conn *c, unsigned dir, uint64_t pkt, uint32_t seq,
			 enum track_challenged what)
{
	struct conn_ext *e = track_ext(t, c);
	if (!e)
		return;
	e->challenged[dir].pkt = pkt;
	e->challenged[dir].seq = seq;
	e->challenged[dir].what = (uint8_t)what;
	c->ep[dir].st.challenged = true;
}

void track_finding(struct tracker *t, struct conn *c, unsigned side, enum tcps_finding_code code,
		   enum tcps_event ev, uint64_t pkt, const struct tcps_ts *ts, uint32_t v0, uint32_t v1, uint32_t v2)
{
	struct evctx x = { .pkt = pkt, .key = pkt, .sec = ts->sec, .nsec = ts->nsec };
	add_finding(t, c, side, code, ev, &x, v0, v1, v2);
}

/* The table's cell for the event: moves, repeats, or reports why not. */
bool step_cell(struct tracker *t, struct conn *c, unsigned side, enum tcps_event ev, const struct evctx *x,
	       const struct tcps_cell *cell)
{
	struct endpoint *e = &c->ep[side];
	if (cell->verdict == TCPS_V_ILLEGAL) {
		if (x->quiet_illegal)
			return false;
		enum tcps_finding_code code = TCPS_F_ILLEGAL_EVENT;
		if (e->state == TCPS_ST_CLOSED && ev < TCPS_EV_RCV_SYN)
			code = TCPS_F_SEGMENT_FROM_CLOSED;
		else if (ev == TCPS_EV_SND_ACK && e->state == TCPS_ST_SYN_SENT && x->len)
			code = TCPS_F_DATA_IN_SYN_SENT;
		add_finding(t, c, side, code, ev, x, code == TCPS_F_SEGMENT_FROM_CLOSED ? x->flags : x->len, x->seq, 0);
		return false;
	}
	if (cell->verdict == TCPS_V_MOVE && cell->next != e->state) {
		t->tot->transitions++;
		struct rec *r = rec_new(t, c, TCPS_REC_TRANSITION, TRACK_MAX_RECORDS, side, ev, x);
		if (r) {
			r->state_from = e->state;
			r->state_to = cell->next;
			r->unconfirmed = x->unconfirmed;
			r->rule = cell->rule;
		}
		e->state = cell->next;
		c->state_ts[side].sec = x->sec;
		c->state_ts[side].nsec = x->nsec;
	} else if (e->state == TCPS_ST_TIME_WAIT && ev == TCPS_EV_RCV_FIN) {
		c->state_ts[side].sec = x->sec; /* 3.10.7.4: a retransmitted FIN restarts the 2 MSL wait */
		c->state_ts[side].nsec = x->nsec;
	}
	return true;
}

/* ---- receipts ---- */

/* The state x would be in after taking in p, the table's way, changing nothing. */
static uint8_t state_after(const struct endpoint *x, const struct pend *p)
{
	enum tcps_event ev[2];
	int n = 0;
	uint16_t f = p->flags;
	if (f & TH_RST)
		ev[n++] = TCPS_EV_RCV_RST;
	else if (f & TH_SYN)
		ev[n++] = (f & TH_ACK) ? TCPS_EV_RCV_SYNACK : TCPS_EV_RCV_SYN;
	else {
		bool asyn = acks_syn_of(x, f, p->ack), afin = acks_fin_of(x, f, p->ack);
		if ((f & TH_FIN) && afin)
			ev[n++] = TCPS_EV_RCV_FIN_ACK_CTL;
		else {
			if (asyn || afin)
				ev[n++] = TCPS_EV_RCV_ACK_CTL;
			if (f & TH_FIN)
				ev[n++] = TCPS_EV_RCV_FIN;
		}
	}
	uint8_t st = x->state;
	for (int i = 0; i < n; i++) {
		const struct tcps_cell *c = tcps_sm_cell((enum tcps_state)st, ev[i]);
		if (c->verdict == TCPS_V_MOVE)
			st = c->next;
	}
	return st;
}

/* The receiver (key side `side`) takes in a segment its peer sent. */
static void apply_receipt(struct tracker *t, struct conn *c, unsigned side, const struct pend *p, bool at_end)
{
	struct endpoint *x = &c->ep[side];
	struct evctx ev = {
		.pkt = p->pkt, .key = p->held_by > p->pkt ? p->held_by : p->pkt, .after = p->held_by,
		.sec = p->sec, .nsec = p->nsec,
		.unconfirmed = at_end && ((p->held_by && (p->flags & (TH_SYN | TH_FIN))) || p->retx),
		.quiet_illegal = p->sender_illegal, .seq = p->seq, .flags = p->flags,
	};
	uint16_t f = p->flags;
	if (f & TH_RST) {
		if (x->state == TCPS_ST_SYN_SENT && !((f & TH_ACK) && p->ack == x->isn + 1)) {
			ev.after = 0;
			add_finding(t, c, side, TCPS_F_RST_UNACCEPTABLE, TCPS_EV_RCV_RST, &ev, p->ack, x->isn + 1,
				    (f & TH_ACK) != 0);
			return;
		}
		step(t, c, side, TCPS_EV_RCV_RST, &ev);
		return;
	}
	if (f & TH_SYN) {
		bool acked = acks_syn_of(x, f, p->ack);
		step(t, c, side, (f & TH_ACK) ? TCPS_EV_RCV_SYNACK : TCPS_EV_RCV_SYN, &ev);
		if (acked)
			x->syn_acked = true;
		return;
	}
	bool asyn = acks_syn_of(x, f, p->ack), afin = acks_fin_of(x, f, p->ack);
	if ((f & TH_FIN) && afin) {
		/* One event: RFC 9293 goes FIN-WAIT-1 -> TIME-WAIT on it. */
		if (asyn) {
			step(t, c, side, TCPS_EV_RCV_ACK_CTL, &ev);
			x->syn_acked = true;
		}
		step(t, c, side, TCPS_EV_RCV_FIN_ACK_CTL, &ev);
		x->fin_acked = true;
		return;
	}
	if (asyn || afin) {
		step(t, c, side, TCPS_EV_RCV_ACK_CTL, &ev);
		x->syn_acked |= asyn;
		x->fin_acked |= afin;
	}
	if (f & TH_FIN)
		step(t, c, side, TCPS_EV_RCV_FIN, &ev);
}

static void pop_pending(struct conn *c, unsigned side)
{
	struct pend *q = c->pend[side];
	memmove(&q[0], &q[1], (size_t)(c->ep[side].npend - 1) * sizeof q[0]);
	c->ep[side].npend--;
}

/*
 * Segment s, sent by key side dir as packet pkt, is evidence of what dir had
 * received: apply the pending receipts it shows arrived, drop those it shows
 * were lost, and hold the rest.
 */
static void resolve(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, uint64_t pkt,
		    enum tcps_event sev)
{
	struct endpoint *x = &c->ep[dir];
	uint16_t f = s->flags;
	bool s_syn = f & TH_SYN, s_ack = f & TH_ACK, s_rst = f & TH_RST;
	bool s_fin_retx = (f & TH_FIN) && x->fin_sent && s->seq + s->payload_len + s_syn == x->fin_seq;
	/* A segment whose ack moved on answers something just received; a
	 * timer's retransmission acknowledges nothing new. */
	bool s_new_ack = s_ack && (!x->ack_known || seq_gt(s->ack, x->ack_hi));
	while (x->npend) {
		struct pend *p = &c->pend[dir][0];
		if (p->disowned && !s_rst) { /* it did not take the RST: still talking */
			pop_pending(c, dir);
			continue;
		}
		bool p_syn = p->flags & TH_SYN, p_fin = p->flags & TH_FIN, p_rst = p->flags & TH_RST;
		bool consumes = p_syn || p_fin;
		if (!consumes && !p_rst && !s_new_ack &&
		    ((s_syn && acks_syn_of(x, p->flags, p->ack)) || (s_fin_retx && acks_fin_of(x, p->flags, p->ack)))) {
			/* A pure ACK of our SYN or FIN that never arrived: the
			 * timer retransmitted what it acknowledged. */
			struct evctx ev = { .pkt = p->pkt, .key = pkt, .after = pkt, .sec = p->sec, .nsec = p->nsec };
			add_finding(t, c, dir, TCPS_F_NOT_RECEIVED, TCPS_EV_RCV_ACK_CTL, &ev, 1, 0, 0);
			pop_pending(c, dir);
			continue;
		}
		bool not_yet = (s_syn && !s_ack && p_syn) ||                 /* it would have answered with SYN,ACK */
			       (consumes && s_ack && seq_lt(s->ack, p->ctl_end)) || /* its ack does not cover it */
			       (p_rst && !s_rst && !s_syn);                     /* still sending after the peer's RST */
		/* s is legal only before p arrived: it was sent before (crossing). */
		bool crossing = tcps_sm_cell((enum tcps_state)state_after(x, p), sev)->verdict == TCPS_V_ILLEGAL &&
				tcps_sm_cell((enum tcps_state)x->state, sev)->verdict != TCPS_V_ILLEGAL;
		if (not_yet || crossing) {
			p->held_by = pkt;
			if (s_syn && !s_ack) /* its SYN again: no SYN,ACK queued had arrived (two sources: several) */
				for (unsigned i = 1; i < x->npend; i++)
					if (c->pend[dir][i].flags & TH_SYN)
						c->pend[dir][i].held_by = pkt;
			return;
		}
		/* No ack field: no evidence either way, except a bare RST at a
		 * SYN,ACK's ack: only a stack that got the SYN,ACK sends it (RFC
		 * 9293 3.10.7.1, <SEQ=SEG.ACK><CTL=RST>: a SYN scanner's kernel
		 * answering the SYN,ACK to a raw SYN). From SYN-SENT no stack
		 * resets unasked, and a synchronized one resets with ACK. */
		if (consumes && !s_ack && !(s_rst && p_syn && (p->flags & TH_ACK) && s->seq == p->ack))
			return;
		apply_receipt(t, c, dir, p, false);
		pop_pending(c, dir);
	}
}

/* queue_receipt() (track_int.h) of a segment that can move the receiver. */
void queue_receipt_of(struct tracker *t, struct conn *c, unsigned side, const struct seg *s, uint64_t pkt,
		      const struct tcps_ts *ts, bool sender_illegal)
{
	struct endpoint *y = &c->ep[side];
	uint16_t f = s->flags;
	bool syn = f & TH_SYN, fin = f & TH_FIN, rst = f & TH_RST;
	uint32_t ctl_end = syn ? s->seq + 1 : fin ? s->seq + s->payload_len + 1 : s->seq;
	uint16_t cmask = TH_SYN | TH_FIN | TH_RST | TH_ACK;
	for (unsigned i = 0; i < y->npend; i++) {
		struct pend *q = &c->pend[side][i];
		if ((syn || fin) && (q->flags & cmask) == (f & cmask) && q->seq == s->seq && q->ctl_end == ctl_end) {
			/* A retransmission. If the receiver showed it had not got the
			 * first copy, that copy was lost: the new one counts. */
			if (q->held_by) {
				struct evctx ev = { .pkt = q->pkt, .key = pkt, .after = q->held_by, .sec = q->sec,
						    .nsec = q->nsec };
				enum tcps_event kind = !syn ? TCPS_EV_RCV_FIN
						       : (f & TH_ACK) ? TCPS_EV_RCV_SYNACK : TCPS_EV_RCV_SYN;
				add_finding(t, c, side, TCPS_F_NOT_RECEIVED, kind, &ev, 0, 0, 0);
				q->pkt = pkt;
				q->sec = ts->sec;
				q->nsec = ts->nsec;
				q->held_by = 0;
			} else {
				q->retx = 1;
			}
			return;
		}
		if (!(syn || fin || rst) && !(q->flags & (TH_SYN | TH_FIN | TH_RST)))
			return; /* an ACK of our SYN or FIN is already waiting */
	}
	if (y->npend == EP_PENDING) {
		apply_receipt(t, c, side, &c->pend[side][0], false);
		pop_pending(c, side);
	}
	struct pend *p = &c->pend[side][y->npend++];
	memset(p, 0, sizeof *p);
	p->pkt = pkt;
	p->sec = ts->sec;
	p->nsec = ts->nsec;
	p->seq = s->seq;
	p->ctl_end = ctl_end;
	p->ack = s->ack;
	p->flags = f;
	p->sender_illegal = sender_illegal;
}

/* ---- the public steps ---- */

void track_init(struct conn *c, const struct seg *s, const struct tcps_ts *ts)
{
	unsigned ini = c->init_side, res = !c->init_side;
	bool syn = s->flags & TH_SYN, ack = s->flags & TH_ACK;
	memset(c->ep, 0, sizeof c->ep);
	c->rec_head = c->rec_tail = NONE;
	c->ext = NONE;
	if (syn && !ack) {
		/* The SYN's sender opens; its peer is assumed to listen. */
		c->ep[ini].state = TCPS_ST_CLOSED;
		c->ep[res].state = TCPS_ST_LISTEN;
	} else if (syn) {
		/* The SYN was not captured: the SYN,ACK tells it was sent. */
		c->ep[ini].state = TCPS_ST_SYN_SENT;
		c->ep[ini].isn = s->ack - 1;
		c->ep[ini].isn_known = true;
		c->ep[ini].inferred = c->ep[res].inferred = true;
		c->ep[res].state = TCPS_ST_LISTEN;
	} else {
		/* Midstream: the handshake happened before the capture. */
		c->ep[ini].state = c->ep[res].state = TCPS_ST_ESTABLISHED;
		c->ep[ini].inferred = c->ep[res].inferred = true;
	}
	for (int i = 0; i < 2; i++) {
		c->ep[i].initial = c->ep[i].state;
		c->state_ts[i] = *ts;
	}
}

void track_segment(struct tracker *t, struct conn *c, const struct seg *s, unsigned dir, uint64_t pkt,
		   const struct tcps_ts *ts)
{
	struct endpoint *x = &c->ep[dir], *y = &c->ep[!dir];
	uint16_t f = s->flags;
	bool syn = f & TH_SYN, ack = f & TH_ACK, fin = f & TH_FIN, rst = f & TH_RST;
	uint32_t len = s->payload_len;
	struct evctx ev = { .pkt = pkt, .key = pkt, .sec = ts->sec, .nsec = ts->nsec, .seq = s->seq, .len = len,
			    .flags = f };
	enum tcps_event sev = rst ? TCPS_EV_SND_RST
			    : syn ? (ack ? TCPS_EV_SND_SYNACK : TCPS_EV_SND_SYN)
			    : fin ? TCPS_EV_SND_FIN : TCPS_EV_SND_ACK;

	/* The same IPv4 datagram recorded twice (a capture on both the bond and
	 * its slave, a span port mirroring both ways): not a retransmission,
	 * which would carry a new IP id. The copy moves nothing. */
	if (s->family == 4 && s->ip_id && x->last_valid && s->ip_id == x->last_ip_id && s->seq == x->last_seq &&
	    s->ack == x->last_ack && f == x->last_flags && len == x->last_len) {
		add_finding(t, c, dir, TCPS_F_CAPTURE_DUPLICATE, sev, &ev, s->ip_id, s->seq, len);
		return;
	}
	x->last_valid = true;
	x->last_ip_id = s->ip_id;
	x->last_seq = s->seq;
	x->last_ack = s->ack;
	x->last_flags = f;
	x->last_len = len;

	/* Segments no receiver acts on: judged, and no state moves. */
	if ((syn && (fin || rst)) || !(f & (TH_FIN | TH_SYN | TH_RST | TH_PSH | TH_ACK | TH_URG))) {
		add_finding(t, c, dir, TCPS_F_INVALID_FLAGS, sev, &ev, f & 0xff, 0, 0);
		return;
	}
	if (!syn && !rst && !ack) {
		add_finding(t, c, dir, TCPS_F_MISSING_ACK, sev, &ev, f & 0xff, 0, 0);
		return;
	}

	if (syn && ack && x->isn_known && s->seq != x->isn && synack_second_source(t, c, dir, s, pkt, ts, &ev))
		return;
	/* An ACK of either SYN,ACK source of the peer chooses it. */
	if (ack && !syn && y->synack_alt && !c->synack_alt.decided && !y->syn_acked &&
	    (s->ack == c->synack_alt.isn + 1 + c->synack_alt.len || s->ack == y->isn + 1 + y->syn_len))
		synack_chosen(t, c, !dir, s->ack, pkt);

	/* The next segment of an RST's sender decides whose the RST was. */
	if (x->rst_held) {
		/* New to its sequence space (not a late copy of what it sent
		 * before), and within what the peer let it send. */
		if (!rst && !syn && x->state == TCPS_ST_CLOSED && seq_geq(s->seq, x->snd_nxt) &&
		    (s->seq == x->snd_nxt || (y->st.redge_known && seq_lt(s->seq, y->st.redge_max))))
			rst_disowned(t, c, dir, s, pkt);
		x->rst_held = false;
		c->rst_held.pkt = 0;
	}

	/* To an endpoint in SYN_SENT, a TSecr outside its SYN's TSval to its
	 * clock now echoes nothing it sent for this connection: the stack that
	 * got the SYN did not send the segment (a stale one, or one injected in
	 * its name), and Linux drops it, an RST too. Judged, no state moves. */
	if (ack && s->opt.has_ts && s->opt.tsecr && y->state == TCPS_ST_SYN_SENT && y->syn_ts_known &&
	    echo_unsent(c, !dir, s->opt.tsecr, ts)) {
		add_finding(t, c, dir, TCPS_F_TS_ECHO_UNSENT, sev, &ev, s->opt.tsecr, y->syn_tsval, 0);
		return;
	}

	if (x->npend) /* most segments: nothing waits for what this one shows */
		resolve(t, c, dir, s, pkt, sev);
	if (ack && !syn && x->state == TCPS_ST_SYN_SENT && !y->sent_any) {
		/* It acknowledges a SYN,ACK the capture does not hold (one-sided
		 * capture, or loss at the capture point): the peer sent it and
		 * this endpoint received it. Capture loss, not a violation. */
		add_finding(t, c, dir, TCPS_F_ACK_OF_UNSEEN, sev, &ev, 1, s->ack - 1, s->ack);
		y->isn = s->ack - 1;
		y->isn_known = y->nxt_known = true;
		y->snd_nxt = s->ack;
		if (y->state == TCPS_ST_LISTEN)
			step(t, c, !dir, TCPS_EV_SND_SYNACK, &ev);
		step(t, c, dir, TCPS_EV_RCV_SYNACK, &ev);
		x->syn_acked = true;
	} else if (ack && y->nxt_known && seq_gt(s->ack, y->snd_nxt)) {
		add_finding(t, c, dir, TCPS_F_ACK_OF_UNSEEN, sev, &ev, s->ack - y->snd_nxt, y->snd_nxt, s->ack);
		y->snd_nxt = s->ack; /* report each gap once */
		if (x->state == TCPS_ST_SYN_RCVD && y->isn_known && seq_gt(s->ack, y->isn + 1)) {
			/* The peer sent data after its SYN, which it does only once
			 * it has acknowledged ours: that ACK arrived here unseen. */
			step(t, c, dir, TCPS_EV_RCV_ACK_CTL, &ev);
			x->syn_acked = true;
		}
	}
	/* An RST from CLOSED answers the peer's RST only when it has the form
	 * of that answer (RFC 9293 3.10.7.1: <SEQ=SEG.ACK><CTL=RST> to a segment
	 * with ACK, <ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> to one without) and
	 * could not be answering an earlier segment instead: one that crossed
	 * the peer's RST in flight is no fault, and an RST without that form
	 * (its own abort, sent again) answers nothing. */
	if (rst && x->state == TCPS_ST_CLOSED && y->last_rst && (y->last_flags & TH_RST)) {
		if ((y->last_flags & TH_ACK) && !ack && s->seq == y->last_ack && y->rst_ack_new)
			add_finding(t, c, dir, TCPS_F_RST_AFTER_RST, sev, &ev, 1, s->seq, 0);
		else if (!(y->last_flags & TH_ACK) && ack && s->ack == y->last_seq + y->last_len &&
			 !(y->isn_known && s->ack == y->isn + 1 + y->syn_len))
			/* (not the answer a closed port gives to the peer's SYN, which
			 * a late copy of it would get) */
			add_finding(t, c, dir, TCPS_F_RST_AFTER_RST, sev, &ev, 2, s->ack, 0);
	}

	if (sev == TCPS_EV_SND_SYN && x->state == TCPS_ST_LISTEN && !x->sent_any)
		x->state = x->initial = TCPS_ST_CLOSED; /* it opens actively: it was not listening */
	t->judged_state = x->state;
	bool ok;
	if (syn && x->isn_known && s->seq != x->isn && x->state != TCPS_ST_CLOSED && x->state != TCPS_ST_LISTEN &&
	    x->state != TCPS_ST_TIME_WAIT) {
		add_finding(t, c, dir, TCPS_F_SYN_NEW_ISN, sev, &ev, s->seq, x->isn, ack);
		if (y->state >= TCPS_ST_ESTABLISHED && y->state != TCPS_ST_TIME_WAIT) {
			/* A SYN to a synchronized receiver, which answers it with a
			 * challenge ACK and stays (RFC 5961 4.2, R_SYN_SYNC; Linux
			 * so answers a SYN,ACK too, tcp_validate_incoming). Its
			 * numbers are another sequence space's (a restarted
			 * client's, or an injected SYN's): they move nothing of
			 * this stream's and are judged against nothing of it,
			 * a SYN,ACK's ack and window neither. No receipt either:
			 * no ACK of this space would ever confirm it, and it
			 * would hold back those queued after. */
			track_challenge_due(t, c, dir, pkt, s->seq, ack ? TRACK_CHALLENGED_SYNACK : TRACK_CHALLENGED_SYN);
			y->st.challenged = false; /* (ackwin's: only its next segment answers the peer) */
			x->sent_any = true;
			x->last_rst = x->rst_ack_new = false;
			return;
		}
		ok = false;
	} else {
		if (syn && (!x->isn_known || x->state == TCPS_ST_CLOSED || x->state == TCPS_ST_LISTEN)) {
			x->isn = s->seq;
			x->isn_known = true;
			x->syn_acked = false;
			x->syn_tsval = s->opt.tsval;
			x->syn_ts_known = s->opt.has_ts;
		}
		if (rst)
			ok = step_rst(t, c, dir, s, pkt, &ev);
		else
			ok = step(t, c, dir, sev, &ev);
	}
	t->judged_side = (int8_t)dir;
	if (len && x->fin_sent && seq_gt(s->seq + syn + len, x->fin_seq)) {
		/* Bytes at or after the FIN's own sequence number. */
		uint32_t from = seq_gt(s->seq + syn, x->fin_seq) ? s->seq + syn : x->fin_seq;
		add_finding(t, c, dir, TCPS_F_DATA_AFTER_FIN, sev, &ev, s->seq + syn + len - from,
			    s->seq + syn + len, x->fin_seq);
	}

	seqcheck_send(t, c, s, dir, sev, pkt, ts);
	seqcheck_numbers(t, c, s, dir, sev, pkt, ts);
	ackwin_segment(t, c, dir, s, sev, pkt, ts);
	stream_send(t, c, dir, s, sev, pkt, ts);
	t->judged_side = -1;

	/* What the sender's segments tell about its sequence space. */
	uint32_t end = s->seq + syn + len + fin;
	if (fin && !x->fin_sent) {
		x->fin_sent = true;
		x->fin_seq = s->seq + syn + len;
	}
	/* An RST takes no sequence space, and its seq may lie anywhere in the
	 * window (RFC 5961 3.2): it says where the sender is only when nothing
	 * else has. */
	if (!x->nxt_known || (!rst && seq_gt(end, x->snd_nxt))) {
		x->snd_nxt = end;
		x->nxt_known = true;
	}
	if (s->opt.has_ts) {
		x->tsval = s->opt.tsval;
		x->ts_known = true;
	}
	x->sent_any = true;
	x->last_rst = rst;
	if (syn)
		x->syn_len = len;
	bool new_ack = ack && (!x->ack_known || seq_gt(s->ack, x->ack_hi));
	x->rst_ack_new = rst && new_ack; /* an RST answering this one could answer no earlier segment */
	if (new_ack) {
		x->ack_hi = s->ack;
		x->ack_known = true;
	}
	if (rst) {
		c->rst_seen = true;
		x->rst_sent = true;
	}
	if (ack && y->fin_sent && seq_geq(s->ack, y->fin_seq + 1))
		y->fin_ack_seen = true;

	queue_receipt(t, c, !dir, s, pkt, ts, !ok);
}

bool track_syn_opens_new(struct tracker *t, struct conn *c, const struct seg *s, unsigned dir, uint64_t pkt)
{
	struct endpoint *x = &c->ep[dir];
	if ((s->flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) != TH_SYN)
		return false;
	if (x->isn_known && x->isn == s->seq)
		return false; /* a retransmission */
	resolve(t, c, dir, s, pkt, TCPS_EV_SND_SYN);
	if (x->sent_any && (x->state == TCPS_ST_CLOSED || x->state == TCPS_ST_TIME_WAIT))
		return true;
	/* An attempt given up in silence, then a new one (new ISN). */
	return x->state == TCPS_ST_SYN_SENT && x->isn_known;
}

enum tcps_reuse track_judge_reuse(const struct conn *c, const struct seg *s, unsigned dir, uint32_t v[3])
{
	const struct endpoint *x = &c->ep[dir], *y = &c->ep[!dir];
	v[0] = s->seq;
	v[1] = x->snd_nxt;
	v[2] = 0;
	if (y->state == TCPS_ST_CLOSED || y->state == TCPS_ST_LISTEN)
		return TCPS_REUSE_PEER_CLOSED;
	if (y->state == TCPS_ST_TIME_WAIT) {
		/* Linux's tcp_timewait_state_process: a higher sequence number,
		 * or a newer timestamp, opens; anything else is answered by
		 * the old connection's ACK. */
		if (x->nxt_known && seq_gt(s->seq, x->snd_nxt))
			return TCPS_REUSE_HIGHER_ISN;
		if (s->opt.has_ts && x->ts_known && seq_gt(s->opt.tsval, x->tsval))
			return TCPS_REUSE_NEWER_TS;
		return TCPS_REUSE_TIME_WAIT_REJECTS;
	}
	v[0] = y->state;
	v[2] = 1;
	return TCPS_REUSE_PEER_OPEN;
}

void track_reused(struct tracker *t, struct conn *c, unsigned dir, bool acceptable, uint64_t pkt,
		  const struct tcps_ts *ts)
{
	struct evctx ev = { .pkt = pkt, .key = UINT64_MAX, .sec = ts->sec, .nsec = ts->nsec };
	if (c->ep[dir].state == TCPS_ST_TIME_WAIT)
		step(t, c, dir, TCPS_EV_TUPLE_REUSED, &ev);
	if (acceptable && c->ep[!dir].state == TCPS_ST_TIME_WAIT)
		step(t, c, !dir, TCPS_EV_TUPLE_REUSED, &ev);
}

static bool reached(int64_t sec, uint32_t nsec, const struct tcps_ts *now)
{
	return now->sec > sec || (now->sec == sec && now->nsec >= nsec);
}

void track_end(struct tracker *t, struct conn *c, const struct tcps_ts *now)
{
	c->rst_held.pkt = 0; /* its sender sent nothing more: the RST was its own */
	c->ep[0].rst_held = c->ep[1].rst_held = false;
	unsigned order[2] = { c->init_side, !c->init_side };
	for (int i = 0; i < 2; i++) {
		struct endpoint *x = &c->ep[order[i]];
		while (x->npend) {
			apply_receipt(t, c, order[i], &c->pend[order[i]][0], true);
			pop_pending(c, order[i]);
		}
	}
	for (int i = 0; i < 2; i++) {
		struct endpoint *x = &c->ep[order[i]];
		if (x->state != TCPS_ST_TIME_WAIT)
			continue;
		int64_t sec = c->state_ts[order[i]].sec + t->time_wait_sec;
		if (!reached(sec, c->state_ts[order[i]].nsec, now))
			continue;
		struct evctx ev = { .pkt = 0, .key = UINT64_MAX, .sec = sec, .nsec = c->state_ts[order[i]].nsec };
		step(t, c, order[i], TCPS_EV_TIMEOUT_2MSL, &ev);
	}
	stream_end(t, c);
}
