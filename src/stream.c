/* stream.c - what a sender's sequence space was: new, sent again, reordered, or missed by the capture
 *
 * Each endpoint's stream is followed as the capture shows it: snd_nxt is the
 * highest sequence number seen, and the holes below it are stretches the
 * capture skipped. A segment at or beyond snd_nxt is new (beyond it opens a
 * hole). One below it either repeats bytes the capture saw (a
 * retransmission: spurious when the receiver had acknowledged them, fast
 * when its duplicate ACKs or SACK blocks had shown the loss) or fills a
 * hole. A filler is decided with what the packets carry, never with a
 * timer: sent before the segment beyond the hole (an older TSval, or IPv4
 * id) it was reordered; sent after, the first copy was lost before the
 * capture point. A hole the receiver acknowledges was capture loss; one that
 * nothing fills or acknowledges is reported when the connection ends.
 * Arithmetic is modulo 2^32.
 */
#include <string.h>
#include "track.h"

static bool lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static bool le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static uint32_t smax(uint32_t a, uint32_t b) { return lt(a, b) ? b : a; }
static uint32_t smin(uint32_t a, uint32_t b) { return lt(a, b) ? a : b; }

/* Why a filler is judged as it is (the fourth number of its finding). */
enum { BY_TSVAL = 1, BY_IP_ID = 2, BY_LOSS_SIGNAL = 3, BY_NO_SIGNAL = 4 };
/* Bits of a retransmission's fourth number. */
enum { RX_SYN = 1, RX_FIN = 2, RX_UNCAPTURED = 4, RX_DSACK = 8 };

/* Key side `side`'s gaps and retransmissions, NULL when it has none and
 * alloc is false (or memory is short). */
static struct stream_cold *cold_of(struct tracker *t, struct conn *c, unsigned side, bool alloc)
{
	struct conn_ext *x = alloc ? track_ext(t, c) : track_ext_peek(t, c);
	return x ? &x->cold[side] : NULL;
}

static struct find_at hole_at(const struct hole *h, uint64_t other)
{
	struct find_at at = { .pkt = h->pkt, .other = other, .sec = h->sec, .nsec = h->nsec, .event = h->event,
			      .state = h->state };
	return at;
}

/* Bytes of [lo, hi) that lie in the sender's holes. */
static uint32_t in_holes(const struct stream *st, const struct stream_cold *sc, uint32_t lo, uint32_t hi)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < st->nholes; i++) {
		uint32_t a = smax(lo, sc->holes[i].lo), b = smin(hi, sc->holes[i].hi);
		if (lt(a, b))
			n += b - a;
	}
	return n;
}

static void hole_remove(struct stream *st, struct stream_cold *sc, unsigned i)
{
	memmove(&sc->holes[i], &sc->holes[i + 1], (size_t)(st->nholes - i - 1) * sizeof sc->holes[0]);
	st->nholes--;
}

/* [lo, hi) has been seen (or accounted for): takes it out of the holes. */
static void hole_cut(struct stream *st, struct stream_cold *sc, uint32_t lo, uint32_t hi)
{
	for (unsigned i = 0; i < st->nholes; i++) {
		struct hole *h = &sc->holes[i];
		if (!lt(lo, h->hi) || !lt(h->lo, hi))
			continue;
		if (le(lo, h->lo) && le(h->hi, hi)) {
			hole_remove(st, sc, i--);
		} else if (le(lo, h->lo)) {
			h->lo = hi;
		} else if (le(h->hi, hi)) {
			h->hi = lo;
		} else if (st->nholes < EP_HOLES) { /* split: both sides stay unseen */
			sc->holes[st->nholes] = *h;
			sc->holes[st->nholes++].lo = hi;
			h->hi = lo;
		} else {
			h->hi = lo; /* no room: the right part is forgotten, as if seen */
		}
	}
}

static void report_lost(struct tracker *t, struct conn *c, unsigned side, const struct hole *h, bool evicted)
{
	struct find_at at = hole_at(h, 0);
	track_finding_at(t, c, side, TCPS_F_SEGMENT_LOST, &at, h->hi - h->lo, h->lo, h->hi, evicted);
}

static void hole_open(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, uint32_t lo,
		      uint64_t pkt, const struct tcps_ts *ts, enum tcps_event ev)
{
	struct stream *st = &c->ep[dir].st;
	struct stream_cold *sc = cold_of(t, c, dir, true);
	if (!sc)
		return; /* no memory: the gap is taken as seen */
	if (st->nholes == EP_HOLES) {
		report_lost(t, c, dir, &sc->holes[0], true);
		hole_remove(st, sc, 0);
	}
	struct hole *h = &sc->holes[st->nholes++];
	h->pkt = pkt;
	h->sec = ts->sec;
	h->nsec = ts->nsec;
	h->lo = lo;
	h->hi = s->seq;
	h->has_ts = s->opt.has_ts;
	h->tsval = s->opt.tsval;
	h->has_id = s->family == 4 && s->ip_id != 0;
	h->ip_id = (uint16_t)s->ip_id;
	h->event = (uint8_t)ev;
	h->state = c->ep[dir].state;
}

void stream_received(struct tracker *t, struct conn *c, unsigned side, uint32_t lo, uint32_t hi, uint64_t pkt,
		     bool sack)
{
	struct stream *st = &c->ep[side].st;
	if (!st->nholes)
		return;
	struct stream_cold *sc = cold_of(t, c, side, false);
	for (unsigned i = 0; i < st->nholes;) {
		struct hole *h = &sc->holes[i];
		uint32_t a = smax(lo, h->lo), b = smin(hi, h->hi);
		if (!lt(a, b)) {
			i++;
			continue;
		}
		struct find_at at = hole_at(h, pkt);
		track_finding_at(t, c, side, TCPS_F_SEGMENT_NOT_CAPTURED, &at, b - a, a, b, sack);
		hole_cut(st, sc, a, b);
		i = 0; /* the array changed */
	}
}

/* Had the receiver sent at least n duplicate ACKs of lo? */
static bool dupacks_of(const struct endpoint *rcv, uint32_t lo, unsigned n)
{
	return rcv->ack_known && rcv->ack_hi == lo && rcv->st.dupacks >= n;
}

/* Did the receiver show the sender, before this segment, that bytes from lo on were missing? */
static bool loss_signalled(const struct endpoint *rcv, uint32_t lo, uint32_t end, unsigned dupacks)
{
	const struct stream *r = &rcv->st;
	if (dupacks_of(rcv, lo, dupacks))
		return true;
	/* SACK above the segment: later bytes arrived, these did not (RFC 6675). */
	return r->sack_known && rcv->ack_known && le(rcv->ack_hi, lo) && le(end, r->sack_hi) && lt(lo, r->sack_hi);
}

/* The duplicate ACKs a fast retransmission followed, for its detail (bits 8
 * on); 0 when SACK, not two or more duplicates, showed the loss. */
static uint32_t dupack_bits(const struct endpoint *rcv, uint32_t lo)
{
	return dupacks_of(rcv, lo, 2) ? rcv->st.dupacks << 8 : 0;
}

/* Was the filler s sent before (-1) or after (+1) the segment beyond hole h, 0 when nothing says? */
static int filler_order(const struct hole *h, const struct seg *s, int *by)
{
	if (h->has_ts && s->opt.has_ts && s->opt.tsval != h->tsval) {
		*by = BY_TSVAL;
		return lt(s->opt.tsval, h->tsval) ? -1 : 1;
	}
	if (h->has_id && s->family == 4 && s->ip_id) {
		/* Linux, Windows and the BSDs count IP ids up per packet; a
		 * random id (a large jump) says nothing. */
		int16_t d = (int16_t)((uint16_t)s->ip_id - h->ip_id);
		if (d != 0 && d > -256 && d < 256) {
			*by = BY_IP_ID;
			return d < 0 ? -1 : 1;
		}
	}
	return 0;
}

static const struct sent *first_copy(const struct stream *st, const struct sent *ring, uint32_t lo, uint32_t hi)
{
	const struct sent *best = NULL;
	for (unsigned i = 0; i < st->nsent; i++) {
		const struct sent *e = &ring[i];
		if (lt(lo, e->seq + e->len) && lt(e->seq, hi) && (!best || e->pkt < best->pkt))
			best = e;
	}
	return best;
}

/* Compares the captured payload of s with the bytes remembered of e; the
 * sequence number of the first that differs, through *at. */
static bool bytes_differ(const struct sent *e, const struct seg *s, uint32_t pseq, uint32_t *at)
{
	for (int part = 0; part < 2; part++) {
		uint32_t base = part ? e->seq + e->len - e->ntail : e->seq;
		const uint8_t *mine = part ? e->tail : e->head;
		unsigned n = part ? e->ntail : e->nhead;
		for (unsigned k = 0; k < n; k++) {
			uint32_t off = base + k - pseq;
			uint8_t b;
			if (off < s->payload_cap && cur_peek_u8(&s->payload, off, &b) && b != mine[k]) {
				*at = base + k;
				return true;
			}
		}
	}
	return false;
}

static void remember(struct stream *st, struct sent *ring, const struct seg *s, uint32_t pseq, uint64_t pkt)
{
	struct sent *e = &ring[st->sent_next];
	st->sent_next = (uint8_t)((st->sent_next + 1) % EP_SENT);
	if (st->nsent < EP_SENT)
		st->nsent++;
	e->pkt = pkt;
	e->seq = pseq;
	e->len = s->payload_len;
	e->ip_id = s->family == 4 ? (uint16_t)s->ip_id : 0;
	uint32_t cap = s->payload_cap < s->payload_len ? s->payload_cap : s->payload_len;
	e->nhead = (uint8_t)(cap < 8 ? cap : 8);
	struct cur p = s->payload;
	if (!cur_copy(&p, e->head, e->nhead))
		e->nhead = 0;
	/* The tail only when captured: the bytes up to seq+len. */
	e->ntail = 0;
	if (cap == s->payload_len && cap > 8) {
		uint32_t n = cap - 8 < 8 ? cap - 8 : 8;
		p = s->payload;
		if (cur_skip(&p, cap - n) && cur_copy(&p, e->tail, n))
			e->ntail = (uint8_t)n;
	}
}

/* A segment (SYN, FIN or data) that lies at least partly below snd_nxt. */
static void sent_again(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, uint32_t end,
		       uint64_t pkt, const struct tcps_ts *ts, enum tcps_event ev)
{
	struct endpoint *x = &c->ep[dir], *y = &c->ep[!dir];
	struct stream *st = &x->st;
	struct stream_cold *sc = st->nholes ? cold_of(t, c, dir, false) : NULL; /* NULL: no gap to look at */
	const struct sent *ring = c->sent[dir];
	bool syn = s->flags & TH_SYN, fin = s->flags & TH_FIN;
	uint32_t old_hi = smin(end, x->snd_nxt);
	uint32_t unseen = in_holes(st, sc, s->seq, old_hi);
	uint32_t seen = old_hi - s->seq - unseen;
	uint32_t bits = (syn ? RX_SYN : 0) | (fin ? RX_FIN : 0);
	struct find_at at = { .pkt = pkt, .sec = ts->sec, .nsec = ts->nsec, .event = (uint8_t)ev, .state = x->state };
	if (s->family == 4 && s->ip_id && s->payload_len) {
		/* One datagram delivered twice (a duplicating link, a loop): its
		 * sender sent it once. */
		for (unsigned i = 0; i < st->nsent; i++) {
			const struct sent *e = &ring[i];
			if (e->ip_id == (uint16_t)s->ip_id && e->seq == s->seq + syn && e->len == s->payload_len) {
				at.other = e->pkt;
				track_finding_at(t, c, dir, TCPS_F_NETWORK_DUPLICATE, &at, s->ip_id, s->seq,
						 s->payload_len, 0);
				return;
			}
		}
	}
	if (st->timing && lt(s->seq, st->timed_end))
		st->timing = false; /* Karn: an ACK of it would not say which copy it answers */

	if (!seen) {
		/* It fills a hole: the first hole it touches decides. */
		const struct hole *h = NULL;
		for (unsigned i = 0; i < st->nholes && !h; i++)
			if (lt(s->seq, sc->holes[i].hi) && lt(sc->holes[i].lo, old_hi))
				h = &sc->holes[i];
		int by = 0, order = h ? filler_order(h, s, &by) : 0;
		bool signal = loss_signalled(y, s->seq, end, 3);
		at.other = h ? h->pkt : 0;
		if (order < 0 || (order == 0 && !signal)) {
			track_finding_at(t, c, dir, TCPS_F_OUT_OF_ORDER, &at, unseen, s->seq, old_hi,
					 order ? (uint32_t)by : BY_NO_SIGNAL);
		} else {
			bool fast = order == 0 || loss_signalled(y, s->seq, end, 2);
			track_finding_at(t, c, dir, fast ? TCPS_F_FAST_RETRANSMISSION : TCPS_F_RETRANSMISSION, &at,
					 unseen, s->seq, old_hi,
					 bits | RX_UNCAPTURED | (uint32_t)(order ? by : BY_LOSS_SIGNAL) << 4 |
						 (fast ? dupack_bits(y, s->seq) : 0));
		}
		hole_cut(st, sc, s->seq, old_hi);
		return;
	}

	const struct sent *e = first_copy(st, ring, s->seq + syn, old_hi);
	at.other = e ? e->pkt : 0;
	enum tcps_finding_code code = TCPS_F_RETRANSMISSION;
	if (y->ack_known && le(end, y->ack_hi)) {
		code = TCPS_F_SPURIOUS_RETRANSMISSION;
		at.other = y->st.ack_pkt;
	} else if (loss_signalled(y, s->seq, end, 2)) {
		code = TCPS_F_FAST_RETRANSMISSION;
		bits |= dupack_bits(y, s->seq);
	}
	uint32_t rec = track_finding_at(t, c, dir, code, &at, seen, s->seq, old_hi, bits);
	struct stream_cold *rc = code != TCPS_F_SPURIOUS_RETRANSMISSION ? cold_of(t, c, dir, true) : NULL;
	sc = st->nholes ? cold_of(t, c, dir, false) : NULL; /* the pool may have moved */
	if (rc) {
		struct resent *r = &rc->resent[st->resent_next];
		st->resent_next = (uint8_t)((st->resent_next + 1) % EP_RESENT);
		*r = (struct resent){ .lo = s->seq, .hi = old_hi, .rec = rec, .code = (uint8_t)code };
	}
	if (unseen)
		hole_cut(st, sc, s->seq, old_hi);

	uint32_t where;
	if (s->payload_len && e && bytes_differ(e, s, s->seq + syn, &where)) {
		at.other = e->pkt;
		track_finding_at(t, c, dir, TCPS_F_RETRANSMISSION_DIFFERS, &at, where, e->seq, e->len, 0);
	}
}

/* Keep-alives and zero-window probes: segments that sit just below or at the
 * edge to draw an ACK, and are no retransmission. True when s is one. */
static bool probe(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, enum tcps_event ev,
		  uint64_t pkt, const struct tcps_ts *ts)
{
	struct endpoint *x = &c->ep[dir];
	const struct endpoint *y = &c->ep[!dir];
	uint32_t len = s->payload_len;
	if ((s->flags & (TH_SYN | TH_FIN | TH_RST)) || len > 1 || !x->nxt_known)
		return false;
	bool all_acked = y->ack_known && y->ack_hi == x->snd_nxt;
	/* RFC 9293 3.8.6.1 probes a zero window with one new byte; Linux
	 * sends no byte at SND.UNA-1 (tcp_xmit_probe_skb), like a keep-alive. */
	if (y->st.win_known && y->st.win == 0 && y->ack_known &&
	    ((len == 1 && s->seq == y->ack_hi) || (len == 0 && s->seq == y->ack_hi - 1))) {
		track_finding(t, c, dir, TCPS_F_ZERO_WINDOW_PROBE, ev, pkt, ts, s->seq, len, 0);
		x->st.zwp_pending = true;
		return true;
	}
	/* A keep-alive repeats the last sequence number with at most one
	 * (garbage) byte; one byte is a keep-alive only once all is acknowledged. */
	if (s->seq == x->snd_nxt - 1 && (len == 0 || all_acked)) {
		track_finding(t, c, dir, TCPS_F_KEEP_ALIVE, ev, pkt, ts, s->seq, len, 0);
		x->st.ka_pending = true;
		return true;
	}
	return false;
}

void stream_send(struct tracker *t, struct conn *c, unsigned dir, const struct seg *s, enum tcps_event ev,
		 uint64_t pkt, const struct tcps_ts *ts)
{
	struct endpoint *x = &c->ep[dir];
	const struct endpoint *y = &c->ep[!dir];
	struct stream *st = &x->st;
	uint16_t f = s->flags;
	bool syn = f & TH_SYN, fin = f & TH_FIN;
	st->ka_pending = st->zwp_pending = false;
	if ((f & TH_RST) || (syn && s->seq != x->isn))
		return; /* an RST's number is judged by rst checks; a new ISN by the machines */
	if (probe(t, c, dir, s, ev, pkt, ts))
		return;
	ackwin_data(t, c, dir, s, ev, pkt, ts);
	uint32_t end = s->seq + syn + s->payload_len + fin;
	bool answer = false;
	if (syn && (f & TH_ACK) && !st->synack_sent) {
		/* A simultaneous open's SYN,ACK repeats the SYN's number as the
		 * state machine asks (RFC 9293 3.5, figure 8): no retransmission. */
		st->synack_sent = true;
		answer = true;
	}
	if (!x->nxt_known || (syn && lt(x->snd_nxt, s->seq))) {
		/* The stream starts here: nothing precedes a SYN, whatever
		 * the endpoint sent before it (illegally) from LISTEN. */
	} else if (!syn && x->isn_known && s->seq == x->isn) {
		/* Data on the SYN's own number: handshake_bad_seq says it. */
	} else if (lt(x->snd_nxt, s->seq)) {
		hole_open(t, c, dir, s, x->snd_nxt, pkt, ts, ev);
	} else if (lt(s->seq, x->snd_nxt) && lt(s->seq, end) && !(answer && end == x->snd_nxt)) {
		sent_again(t, c, dir, s, end, pkt, ts, ev);
	}
	if (!x->nxt_known || lt(x->snd_nxt, end)) {
		uint32_t from = x->nxt_known && lt(s->seq, x->snd_nxt) ? x->snd_nxt : s->seq;
		if (s->payload_len && lt(from, s->seq + syn + s->payload_len))
			remember(st, c->sent[dir], s, s->seq + syn, pkt);
		if (!st->timing && (s->payload_len || fin)) {
			st->timing = true;
			st->timed_end = end;
			c->rtt[dir].timed_sec = ts->sec;
			c->rtt[dir].timed_nsec = ts->nsec;
		}
		if (y->ack_known && !syn && lt(y->ack_hi, end) && end - y->ack_hi > st->max_flight &&
		    end - y->ack_hi < 0x40000000u)
			st->max_flight = end - y->ack_hi;
	}
}

void stream_dsack(struct tracker *t, struct conn *c, unsigned side, uint32_t lo, uint32_t hi, uint64_t pkt)
{
	/* Each retransmission inside the block was a duplicate (the oldest
	 * of those that resent the same range: one block, one arrival);
	 * failing that, the oldest one that overlaps it. */
	const struct stream *st = &c->ep[side].st;
	struct stream_cold *sc = cold_of(t, c, side, false);
	if (!sc)
		return;
	struct resent *oldest = NULL, *done[EP_RESENT];
	unsigned ndone = 0;
	for (unsigned k = 0; k < EP_RESENT; k++) {
		struct resent *r = &sc->resent[(st->resent_next + k) % EP_RESENT];
		if (!r->code || !lt(lo, r->hi) || !lt(r->lo, hi))
			continue;
		if (!oldest)
			oldest = r;
		bool again = false;
		for (unsigned j = 0; j < ndone; j++)
			again |= done[j]->lo == r->lo && done[j]->hi == r->hi;
		if (!again && le(lo, r->lo) && le(r->hi, hi)) {
			done[ndone++] = r;
			track_recode(t, c, side, r->rec, (enum tcps_finding_code)r->code,
				     TCPS_F_SPURIOUS_RETRANSMISSION, pkt, RX_DSACK);
			r->code = 0;
		}
	}
	if (!ndone && oldest) {
		track_recode(t, c, side, oldest->rec, (enum tcps_finding_code)oldest->code,
			     TCPS_F_SPURIOUS_RETRANSMISSION, pkt, RX_DSACK);
		oldest->code = 0;
	}
}

void stream_end(struct tracker *t, struct conn *c)
{
	for (unsigned side = 0; side < 2; side++) {
		struct stream *st = &c->ep[side].st;
		for (unsigned i = 0; i < st->nholes; i++)
			report_lost(t, c, side, &cold_of(t, c, side, false)->holes[i], false);
		st->nholes = 0;
	}
}
