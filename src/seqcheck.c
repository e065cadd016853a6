/* seqcheck.c - sequence-number arithmetic of the segments an endpoint sends
 *
 * The state machines (track.c) judge what a segment is; these checks judge
 * its numbers: the SYN and the FIN each take one sequence number, the
 * SYN,ACK acknowledges exactly the SYN (and its Fast Open data), the
 * handshake's final ACK continues at ISN+1, a FIN keeps its sequence number
 * when retransmitted, and an acknowledgement number means nothing without
 * the ACK flag. Arithmetic is modulo 2^32 throughout.
 */
#include "track.h"

void seqcheck_send(struct tracker *t, struct conn *c, const struct seg *s, unsigned dir, enum tcps_event ev,
		   uint64_t pkt, const struct tcps_ts *ts)
{
	struct endpoint *x = &c->ep[dir];
	const struct endpoint *y = &c->ep[!dir];
	uint16_t f = s->flags;
	bool syn = f & TH_SYN, ack = f & TH_ACK, fin = f & TH_FIN;

	if (!ack && s->ack)
		track_finding(t, c, dir, TCPS_F_ACK_WITHOUT_FLAG, ev, pkt, ts, s->ack, f & 0xff, 0);

	if (syn && ack && y->isn_known) {
		uint32_t want = y->isn + 1;
		if (s->ack != want && !(y->syn_len && s->ack == want + y->syn_len))
			track_finding(t, c, dir, TCPS_F_SYNACK_BAD_ACK, ev, pkt, ts, s->ack, want, y->syn_len != 0);
	}

	/* The first segment after its own SYN, once the peer's SYN is known. */
	if (!syn && ack && !x->hs_checked && x->isn_known && y->isn_known) {
		x->hs_checked = true;
		uint32_t want = x->isn + 1;
		if (s->seq != want && !(x->syn_len && s->seq == want + x->syn_len))
			track_finding(t, c, dir, TCPS_F_HANDSHAKE_BAD_SEQ, ev, pkt, ts, s->seq, want, 0);
	}

	if (fin && x->fin_sent) {
		uint32_t at = s->seq + syn + s->payload_len;
		if (at != x->fin_seq)
			track_finding(t, c, dir, TCPS_F_FIN_SEQ_CHANGED, ev, pkt, ts, at, x->fin_seq, 0);
	}
}

static bool lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static bool le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

static bool synchronized(uint8_t st)
{
	return st >= TCPS_ST_ESTABLISHED;
}

/*
 * RFC 9293 3.10.7.4 / RFC 5961 3.2: an RST resets only at RCV.NXT; elsewhere
 * in the window it draws a challenge ACK, outside it is dropped. What the
 * receiver had acknowledged (its last ack) and what the sender had sent
 * (its snd_nxt) bracket RCV.NXT when the RST arrives, so both count as exact.
 */
static void rst_check(struct tracker *t, struct conn *c, const struct seg *s, unsigned dir, enum tcps_event ev,
		      uint64_t pkt, const struct tcps_ts *ts)
{
	const struct endpoint *x = &c->ep[dir], *y = &c->ep[!dir];
	if (!synchronized(y->state) || !y->ack_known || !y->st.redge_known)
		return;
	uint32_t nxt = y->ack_hi, seq = s->seq;
	if (le(nxt, seq) && (!x->nxt_known || le(seq, x->snd_nxt)))
		return;
	if (x->fin_sent && seq == x->fin_seq && nxt == x->fin_seq + 1)
		return; /* at its FIN, already acknowledged: Linux takes it (tcp_reset_check) */
	uint32_t wnd = le(nxt, y->st.redge) ? y->st.redge - nxt : 0;
	if (le(nxt, seq) && seq - nxt < wnd) {
		track_finding(t, c, dir, TCPS_F_RST_NOT_EXACT, ev, pkt, ts, seq, x->snd_nxt, nxt);
		track_challenge_due(t, c, dir, pkt, seq, TRACK_CHALLENGED_RST);
	} else
		track_finding(t, c, dir, TCPS_F_RST_OUT_OF_WINDOW, ev, pkt, ts, seq, nxt, wnd);
}

/* RFC 7323 5.3: the receiver keeps TS.Recent, the TSval of the last
 * segment at or below what it acknowledged, and drops one older (PAWS).
 * One tick older passes, as in Linux (TCP_PAWS_WINDOW): two segments sent
 * a tick apart and swapped on the way are ordinary reordering, not a stale
 * or wrapped segment (seen in live-sniff: an ACK and the data sent just
 * after it, TSvals 904 and 905, reached the capture data first). Such a
 * TSval leaves TS.Recent as it is (tcp_replace_ts_recent). */
#define PAWS_WINDOW 1u

static void paws_check(struct tracker *t, struct conn *c, const struct seg *s, unsigned dir, enum tcps_event ev,
		       uint64_t pkt, const struct tcps_ts *ts)
{
	struct stream *st = &c->ep[dir].st;
	const struct endpoint *y = &c->ep[!dir];
	uint32_t v = s->opt.tsval;
	if (s->flags & TH_SYN) {
		st->ts_recent = v;
		st->ts_recent_known = true;
		return;
	}
	if (st->ts_recent_known && lt(v, st->ts_recent)) {
		if (st->ts_recent - v > PAWS_WINDOW)
			track_finding(t, c, dir, TCPS_F_TS_BACKWARDS, ev, pkt, ts, v, st->ts_recent, 0);
		return;
	}
	if (!st->ts_recent_known || !y->ack_known || le(s->seq, y->ack_hi)) {
		st->ts_recent = v;
		st->ts_recent_known = true;
	}
}

void seqcheck_numbers(struct tracker *t, struct conn *c, const struct seg *s, unsigned dir, enum tcps_event ev,
		      uint64_t pkt, const struct tcps_ts *ts)
{
	const struct stream *peer = &c->ep[!dir].st;
	if (s->flags & TH_RST) {
		rst_check(t, c, s, dir, ev, pkt, ts);
		return; /* RFC 7323: an RST is taken whatever its timestamp */
	}
	if (s->opt.has_ts)
		paws_check(t, c, s, dir, ev, pkt, ts);
	if (s->payload_len && (s->tso || (peer->syn.known && s->payload_len > peer->syn.mss)))
		track_finding(t, c, dir, TCPS_F_SUPER_SEGMENT, ev, pkt, ts, s->payload_len, peer->syn.known ? peer->syn.mss : 0,
			      s->tso);
}
