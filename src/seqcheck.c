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
