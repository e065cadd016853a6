/* ackwin.c - what an endpoint's acknowledgements and windows say about its peer's stream
 *
 * The ack field moves forward or repeats: a repeat with no data, the same
 * window and data outstanding is a duplicate ACK (RFC 5681), unless it
 * answers a keep-alive or a zero-window probe; a pure ACK that changes only
 * the window is a window update; one below an earlier ack went backwards.
 * Acks and SACK blocks that cover a hole in the peer's stream prove the
 * capture lost those bytes (stream.c). The window, scaled by RFC 7323 only
 * when both SYNs carried the option (never in a SYN itself), gives the
 * right edge the peer may send up to: data reaching it exactly fills the
 * window, data beyond every edge offered breaks it. RTT samples are taken
 * from the ACK of a timed segment (stream.c times one at a time and drops
 * it when it is sent again: Karn's rule).
 */
#include "track.h"

static bool lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static bool le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

/* The shift of dir's window fields (not those of SYNs), -1 while unknown:
 * a SYN was not captured, so nobody can tell whether scaling is on. */
static int shift_of(const struct conn *c, unsigned dir)
{
	const struct stream *a = &c->ep[dir].st, *b = &c->ep[!dir].st;
	if (!a->syn.known || !b->syn.known)
		return -1;
	return a->syn.has_ws && b->syn.has_ws ? a->syn.wscale : 0;
}

struct syn_opts syn_opts_of(const struct seg *s)
{
	/* RFC 9293 3.7.1: without the option the MSS is 536 (IPv4), 1220 (IPv6). */
	return (struct syn_opts){ .mss = s->opt.has_mss ? s->opt.mss : s->family == 6 ? 1220 : 536,
				  .wscale = s->opt.wscale > 14 ? 14 : s->opt.wscale, .known = true,
				  .has_ws = s->opt.has_wscale, .sack_ok = s->opt.sack_perm };
}

static void syn_options(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, enum tcps_event ev,
			uint64_t pkt, const struct tcps_ts *ts)
{
	c->ep[dir].st.syn = syn_opts_of(s);
	if (s->opt.has_wscale && s->opt.wscale > 14)
		track_finding(t, c, dir, TCPS_F_WSCALE_INVALID, ev, pkt, ts, s->opt.wscale, 0, 0);
}

static void rtt_sample(struct stream *st, struct rtt_acc *r, const struct tcps_ts *now)
{
	int64_t ns = (now->sec - r->timed_sec) * INT64_C(1000000000) + ((int64_t)now->nsec - r->timed_nsec);
	st->timing = false;
	if (ns < 0)
		return;
	uint64_t v = (uint64_t)ns;
	if (!r->n || v < r->min)
		r->min = v;
	if (v > r->max)
		r->max = v;
	r->sum += v;
	r->n++;
}

/* SACK blocks (RFC 2018): the highest right edge, and the holes they cover.
 * A block at or below the ack is a D-SACK (RFC 2883): a duplicate arrived.
 * True when a block reports bytes not SACKed before (new SACK information). */
static bool sack_blocks(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, uint64_t pkt)
{
	struct stream *xs = &c->ep[dir].st;
	bool news = false;
	for (unsigned i = 0; i < s->opt.nsack && i < TCPS_MAX_SACK; i++) {
		uint32_t lo = s->opt.sack[i][0], hi = s->opt.sack[i][1];
		if (!lt(lo, hi))
			continue;
		/* RFC 2883: a first block below the ack, or inside the second, reports a duplicate. */
		if (i == 0 && (le(hi, s->ack) || (s->opt.nsack > 1 && le(s->opt.sack[1][0], lo) &&
						    le(hi, s->opt.sack[1][1]))))
			stream_dsack(t, c, !dir, lo, hi, pkt);
		if (le(hi, s->ack))
			continue;
		if (!xs->sack_known || lt(xs->sack_hi, hi)) {
			xs->sack_hi = hi;
			news = true;
		}
		xs->sack_known = true;
		if (c->ep[!dir].st.nholes)
			stream_received(t, c, !dir, lo, hi, pkt, true);
	}
	return news;
}

/* The handshake's times, for its RTT: the last SYN before the SYN,ACK
 * (the one it answers, most likely), the first SYN,ACK, the ACK of it. */
static void handshake_time(struct conn *c, const struct seg *s, const struct tcps_ts *ts)
{
	if (!(s->flags & TH_ACK)) {
		c->last_syn_ts = *ts;
		if (!(c->hs_seen & 2)) {
			c->hs_ts[0] = *ts;
			c->hs_seen |= 1;
		}
	} else if ((s->flags & TH_ACK) && c->hs_seen == 1) {
		c->hs_ts[1] = *ts;
		c->hs_seen |= 2;
	}
}

static void dup_ack(struct tracker *t, struct conn *c, unsigned dir, uint32_t ack, enum tcps_event ev, uint64_t pkt,
		    const struct tcps_ts *ts)
{
	struct endpoint *x = &c->ep[dir];
	x->st.dupacks++;
	struct find_at at = { .pkt = pkt, .other = x->st.ack_pkt, .sec = ts->sec, .nsec = ts->nsec, .event = (uint8_t)ev,
			      .state = x->state };
	track_finding_at(t, c, dir, TCPS_F_DUP_ACK, &at, x->st.dupacks, ack, 0, 0);
}

/* dir's ACK answers its peer's RST or SYN as RFC 5961 says: the finding names it. */
static void challenge_ack(struct tracker *t, struct conn *c, unsigned dir, uint32_t ack, enum tcps_event ev,
			  uint64_t pkt, const struct tcps_ts *ts)
{
	const struct conn_ext *e = track_ext_peek(t, c);
	struct find_at at = { .pkt = pkt, .other = e ? e->challenged[!dir].pkt : 0, .sec = ts->sec, .nsec = ts->nsec,
			      .event = (uint8_t)ev, .state = track_state_of(t, c, dir) };
	track_finding_at(t, c, dir, TCPS_F_CHALLENGE_ACK, &at, ack, e ? e->challenged[!dir].seq : 0,
			 e ? e->challenged[!dir].what : TRACK_CHALLENGED_RST, 0);
}

void ackwin_segment(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, enum tcps_event ev,
		    uint64_t pkt, const struct tcps_ts *ts)
{
	struct endpoint *x = &c->ep[dir], *y = &c->ep[!dir];
	struct stream *xs = &x->st, *ys = &y->st;
	uint16_t f = s->flags;
	bool syn = f & TH_SYN;
	if (syn && s->seq == x->isn) {
		syn_options(t, c, dir, s, ev, pkt, ts);
		handshake_time(c, s, ts);
	} else if (c->hs_seen == 3 && (f & TH_ACK) && y->isn_known && s->ack == y->isn + 1 && dir == c->init_side) {
		c->hs_ts[2] = *ts;
		c->hs_seen |= 4;
	}
	bool chal = ys->challenged; /* only its next segment can answer */
	ys->challenged = false;
	if (f & TH_RST)
		return; /* an RST's window and ack mean nothing to the peer */
	bool ka = ys->ka_pending, zwp = ys->zwp_pending;
	ys->ka_pending = ys->zwp_pending = false;
	int shift = syn ? 0 : shift_of(c, dir);
	uint32_t win = shift > 0 ? (uint32_t)s->win << shift : s->win;
	if (!(f & TH_ACK)) { /* a SYN: its window, no edge yet */
		xs->win_raw = s->win;
		xs->win = win;
		xs->win_known = xs->win_syn = true;
		return;
	}
	uint32_t ack = s->ack;
	if (x->ack_known && lt(ack, x->ack_hi)) {
		/* Reordered on the way, or stale: its window is no news either. */
		track_finding(t, c, dir, TCPS_F_ACK_BACKWARDS, ev, pkt, ts, ack, x->ack_hi, 0);
		return;
	}
	bool advanced = !x->ack_known || lt(x->ack_hi, ack);
	bool pure = !s->payload_len && !(f & (TH_SYN | TH_FIN));
	bool outstanding = y->nxt_known && lt(ack, y->snd_nxt); /* RFC 5681's first condition of a duplicate */

	/* RFC 5961's <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, the first segment
	 * after the RST (3.2) or SYN (4.2): what it acknowledges may have
	 * grown meanwhile. */
	bool challenge = chal && pure && (!x->nxt_known || s->seq == x->snd_nxt);
	if (challenge)
		challenge_ack(t, c, dir, ack, ev, pkt, ts);

	bool new_sack = s->opt.nsack && sack_blocks(t, c, dir, s, pkt);
	if (advanced) {
		if (ys->nholes)
			stream_received(t, c, !dir, ack - 0x40000000u, ack, pkt, false);
		if (ys->timing && le(ys->timed_end, ack))
			rtt_sample(ys, &c->rtt[!dir], ts);
		xs->dupacks = 0;
		xs->ack_pkt = pkt;
	} else if (pure && !challenge) {
		if (ka) {
			track_finding(t, c, dir, TCPS_F_KEEP_ALIVE_ACK, ev, pkt, ts, ack, 0, 0);
		} else if (zwp && s->win == 0) {
			track_finding(t, c, dir, TCPS_F_ZERO_WINDOW_PROBE_ACK, ev, pkt, ts, ack, 0, 0);
		} else if (new_sack && s->win && outstanding) {
			/* RFC 6675 2: with SACK, an ACK with new SACK information
			 * is a duplicate whatever its window. */
			dup_ack(t, c, dir, ack, ev, pkt, ts);
		} else if (xs->win_known && (s->win != xs->win_raw || xs->win_syn)) {
			/* (after a SYN's unscaled window, the first scaled one is no update) */
			if (s->win && !xs->win_syn)
				track_finding(t, c, dir, TCPS_F_WINDOW_UPDATE, ev, pkt, ts, xs->win, win, shift < 0);
		} else if (s->win && xs->win_known && outstanding && s->seq == x->snd_nxt) {
			dup_ack(t, c, dir, ack, ev, pkt, ts);
		}
	}

	if (s->win == 0 && !(f & (TH_SYN | TH_FIN)) && (!xs->win_known || xs->win_raw != 0))
		track_finding(t, c, dir, TCPS_F_ZERO_WINDOW, ev, pkt, ts, xs->win, 0, 0);
	xs->win_raw = s->win;
	xs->win = win;
	xs->win_known = true;
	xs->win_syn = syn;
	if (shift < 0)
		return;
	uint32_t edge = ack + win;
	/* Scaling drops the low bits of the window: a move left by less
	 * than one unit is rounding, not shrinking. Nor is the step from the
	 * SYN's unscaled window (at most 65535) to the first scaled one. */
	if (xs->redge_known && !xs->redge_syn && lt(edge, xs->redge) && xs->redge - edge >= (1u << shift))
		track_finding(t, c, dir, TCPS_F_WINDOW_SHRINK, ev, pkt, ts, xs->redge, edge, 0);
	xs->redge = edge;
	xs->redge_syn = syn;
	if (!xs->redge_known || lt(xs->redge_max, edge))
		xs->redge_max = edge;
	xs->redge_known = true;
}

void ackwin_data(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, enum tcps_event ev,
		 uint64_t pkt, const struct tcps_ts *ts)
{
	const struct stream *ys = &c->ep[!dir].st;
	if (!s->payload_len || !ys->redge_known || (s->flags & TH_RST))
		return;
	uint32_t end = s->seq + ((s->flags & TH_SYN) != 0) + s->payload_len;
	if (lt(ys->redge_max, end))
		track_finding(t, c, dir, TCPS_F_BEYOND_WINDOW, ev, pkt, ts, end, ys->redge_max, end - ys->redge_max);
	else if (end == ys->redge && ys->win)
		track_finding(t, c, dir, TCPS_F_WINDOW_FULL, ev, pkt, ts, end, ys->win, 0);
}

void ackwin_figures(const struct conn *c, unsigned side, struct tcps_flow_figures *f)
{
	const struct rtt_acc *r = &c->rtt[side];
	f->rtt_samples = r->n;
	f->rtt_min_ns = r->min;
	f->rtt_max_ns = r->max;
	f->rtt_mean_ns = r->n ? r->sum / r->n : 0;
	f->max_in_flight = c->ep[side].st.max_flight;
}
