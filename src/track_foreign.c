/* track_foreign.c - segments in an endpoint's name that its own stack did not send
 *
 * The capture shows one address and port per endpoint; sometimes what came
 * in its name was not its stack's: a segment to SYN_SENT echoing a
 * timestamp it never sent, an RST after which it goes on sending (injected,
 * or a middlebox's), a SYN,ACK with a second ISN (a second stack answering
 * for it). Each is told by what the endpoint's own segments show, reported,
 * and kept from moving the endpoint's machine (track.c calls these).
 */
#include <string.h>
#include "findings.h"
#include "tcpsm.h"
#include "track_int.h"

/* Linux's test in SYN_SENT, between(TSecr, the SYN's TSval, its clock now),
 * as unsigned distances from the SYN's TSval (a plain modular comparison
 * misjudges a TSecr 2^31 or more away). Its clock now is at most its last
 * TSval plus the capture time since it entered SYN_SENT at a tick per
 * microsecond (Linux ticks each millisecond, or each microsecond when
 * asked), plus a second: a TSecr beyond that is from no clock of its. */
bool echo_unsent(const struct conn *c, unsigned side, uint32_t tsecr, const struct tcps_ts *now)
{
	const struct endpoint *y = &c->ep[side];
	const struct tcps_ts *since = &c->state_ts[side];
	int64_t us = (now->sec - since->sec) * 1000000 + ((int64_t)now->nsec - (int64_t)since->nsec) / 1000;
	uint64_t room = (uint64_t)(uint32_t)(y->tsval - y->syn_tsval) + (uint64_t)(us > 0 ? us : 0) + 1000000;
	if (room >= UINT64_C(1) << 31)
		return false; /* too wide to tell a stale echo from a fresh one */
	return (uint32_t)(tsecr - y->syn_tsval) > room;
}

/*
 * The endpoint in whose name an RST came (held) sent segment s, new to its
 * sequence space (the RST's own seq may lie anywhere in the window, RFC 5961,
 * and moves nothing): its stack had not sent the RST, since a stack
 * that resets sends nothing more on the connection (Suricata calls it a
 * suspected RST injection). It never closed: it goes back to the state the
 * RST had left, and the RST's transition becomes this finding in its place.
 * The peer may still have taken it (an injected RST reaches the peer, not
 * the endpoint): if its receipt waits for evidence, the peer's next segment
 * decides, an RST (its answer to the endpoint's data) that it did, anything
 * else that it did not (resolve).
 */
void rst_disowned(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, uint64_t pkt)
{
	struct rst_held *h = &c->rst_held;
	struct endpoint *x = &c->ep[dir], *y = &c->ep[!dir];
	enum tcps_finding_code code = TCPS_F_RST_NOT_FROM_ENDPOINT;
	const uint32_t v[4] = { h->seq, s->seq, 0, 0 };
	x->state = h->state;
	x->rst_held = false;
	c->state_ts[dir] = h->state_ts;
	x->rst_sent = h->rst_sent;
	c->rst_seen = x->rst_sent || y->rst_sent;
	t->tot->transitions--;
	if (h->rec != NONE) {
		count_finding(t, c, dir, code);
		struct rec *r = &t->pool.r[h->rec];
		r->kind = TCPS_REC_FINDING;
		r->code = (uint8_t)code;
		r->state_from = r->state_to = h->state;
		r->unconfirmed = 0;
		r->after_pkt = pkt;
		memcpy(r->v, v, sizeof r->v);
		r->rule = tcps_finding_rule(code);
	} else { /* no record was kept of it (-q, or the cap): counted only */
		struct evctx ev = { .pkt = h->pkt, .key = h->pkt, .after = pkt };
		finding4(t, c, dir, code, TCPS_EV_SND_RST, &ev, h->state, v);
	}
	for (unsigned i = 0; i < y->npend; i++)
		if (c->pend[!dir][i].pkt == h->pkt && (c->pend[!dir][i].flags & TH_RST))
			c->pend[!dir][i].disowned = 1;
}

/* The send of RST s by key side dir; one that closes its sender is held
 * until that sender's next segment (rst_disowned). */
bool step_rst(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, uint64_t pkt,
		     const struct evctx *ev)
{
	struct endpoint *x = &c->ep[dir];
	struct rst_held h = { .pkt = pkt, .state_ts = c->state_ts[dir], .seq = s->seq, .state = x->state,
			      .rst_sent = x->rst_sent };
	uint32_t tail = c->rec_tail;
	bool ok = step(t, c, dir, TCPS_EV_SND_RST, ev);
	if (x->state != h.state) {
		h.rec = c->rec_tail != tail ? c->rec_tail : NONE;
		c->rst_held = h;
		x->rst_held = true;
		c->ep[!dir].rst_held = false; /* one held at a time: the peer's stands */
	}
	return ok;
}

/* Drops side's pending receipts of the SYN,ACKs with ISN isn, the other
 * stack's, which side did not synchronize with (packet pkt shows it): one
 * its own segments showed it had not taken is not_received. */
static void drop_synack_receipts(struct tracker *t, struct conn *c, unsigned side, uint32_t isn, uint64_t pkt)
{
	struct pend *q = c->pend[side];
	unsigned n = 0;
	for (unsigned i = 0; i < c->ep[side].npend; i++) {
		if ((q[i].flags & (TH_SYN | TH_ACK)) != (TH_SYN | TH_ACK) || q[i].seq != isn) {
			q[n++] = q[i];
		} else if (q[i].held_by) {
			struct evctx ev = { .pkt = q[i].pkt, .key = pkt, .after = q[i].held_by, .sec = q[i].sec,
					    .nsec = q[i].nsec };
			/* (its SYN again: it retransmitted what the SYN,ACK acknowledged) */
			add_finding(t, c, side, TCPS_F_NOT_RECEIVED, TCPS_EV_RCV_SYNACK, &ev, 1, 0, 0);
		}
	}
	c->ep[side].npend = (uint8_t)n;
}

/*
 * A SYN,ACK from dir with an ISN other than its endpoint's: true when it is
 * a second stack's answer to the same SYN (struct synack_alt), which is
 * then reported once and set aside: it moves no state of the endpoint
 * modelled, and until the peer has chosen, the peer may take it. That
 * stack's SYN,ACKs again are its retransmissions.
 */
bool synack_second_source(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, uint64_t pkt,
				 const struct tcps_ts *ts, struct evctx *ev)
{
	struct endpoint *x = &c->ep[dir];
	struct synack_alt *a = &c->synack_alt;
	if (x->synack_alt) {
		if (s->seq != a->isn)
			return false; /* a third ISN */
		const uint32_t v[4] = { 1, s->seq, s->seq + 1 + s->payload_len, 1 };
		uint32_t r = finding4(t, c, dir, TCPS_F_RETRANSMISSION, TCPS_EV_SND_SYNACK, ev, x->state, v);
		if (r != NONE)
			t->pool.r[r].other_isn = 1;
	} else {
		/* Both answer the SYN the endpoint's own SYN,ACK answered,
		 * and the peer has acknowledged neither yet. */
		if (x->state != TCPS_ST_SYN_RCVD || x->syn_acked || !x->ack_known || s->ack != x->ack_hi)
			return false;
		x->synack_alt = true;
		*a = (struct synack_alt){ .ts = *ts, .syn_ts = c->last_syn_ts, .isn = s->seq, .len = s->payload_len,
					  .opts = syn_opts_of(s) };
		add_finding(t, c, dir, TCPS_F_SYNACK_SECOND_ISN, TCPS_EV_SND_SYNACK, ev, s->seq, x->isn, 0);
	}
	if (!a->decided)
		queue_receipt(t, c, !dir, s, pkt, ts, false);
	return true;
}

/* The peer of `side` acknowledges one of side's two SYN,ACK sources: side
 * follows that one from now on (hindsight: what side sent before, only
 * SYN,ACKs, is read again in its light), and the other's SYN,ACKs are no
 * longer the peer's to take. */
void synack_chosen(struct tracker *t, struct conn *c, unsigned side, uint32_t ack, uint64_t pkt)
{
	struct endpoint *y = &c->ep[side];
	struct synack_alt *a = &c->synack_alt, won = *a;
	a->decided = true;
	if (ack == y->isn + 1 + y->syn_len) {
		drop_synack_receipts(t, c, !side, a->isn, pkt);
		return;
	}
	/* The second source won: it and the endpoint's numbers trade places. */
	a->isn = y->isn;
	a->len = y->syn_len;
	a->opts = y->st.syn;
	y->isn = won.isn;
	y->syn_len = won.len;
	y->snd_nxt = won.isn + 1 + won.len;
	y->st.syn = won.opts;
	/* Timestamps were the other stack's clock. */
	y->ts_known = y->syn_ts_known = false;
	y->st.ts_recent_known = false;
	y->st.timing = false;
	if (c->hs_seen & 2) { /* the handshake's RTT: this source's SYN,ACK and the SYN it answered */
		c->hs_ts[0] = won.syn_ts;
		c->hs_ts[1] = won.ts;
	}
	drop_synack_receipts(t, c, !side, a->isn, pkt);
	/* What was said of side's numbers so far was said in the other ISN's. */
	for (uint32_t i = c->rec_head; i != UINT32_MAX; i = t->pool.r[i].next)
		if (t->pool.r[i].side == side)
			t->pool.r[i].other_isn ^= 1;
}
