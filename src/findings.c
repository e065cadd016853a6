/* findings.c - the finding catalogue: stable names, severities, categories, rules, wording
 *
 * Codes are append-only: a code keeps its number, name, severity and
 * category for ever, so that CI baselines written by one version compare
 * with the next. docs/findings.md describes each with an example.
 */
#include <stdio.h>
#include "findings.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	uint8_t sev, cat;
	const char *text;
	const char *rule;
} cat[] = {
	[TCPS_F_NONE] = { "none", TCPS_SEV_INFO, TCPS_CAT_ILLEGAL, "no finding", "-" },
	[TCPS_F_ILLEGAL_EVENT] = { "illegal_event", TCPS_SEV_ERROR, TCPS_CAT_ILLEGAL,
		"the endpoint's state does not allow this event",
		"RFC 9293 3.10: no rule allows this event in this state" },
	[TCPS_F_INVALID_FLAGS] = { "invalid_flags", TCPS_SEV_ERROR, TCPS_CAT_ILLEGAL,
		"an invalid combination of TCP flags (SYN+FIN, SYN+RST, or none)",
		"RFC 9293 3.1/3.10.7: SYN, FIN and RST exclude one another; a segment carries at least one control bit" },
	[TCPS_F_MISSING_ACK] = { "missing_ack", TCPS_SEV_ERROR, TCPS_CAT_ILLEGAL,
		"a segment other than SYN or RST without the ACK flag",
		"RFC 9293 3.10.7.4 fifth check: once synchronized every segment carries ACK; one without is dropped" },
	[TCPS_F_DATA_IN_SYN_SENT] = { "data_in_syn_sent", TCPS_SEV_ERROR, TCPS_CAT_ILLEGAL,
		"data sent from SYN_SENT on a segment other than the SYN",
		"RFC 9293 3.10.2/RFC 7413: before the SYN,ACK only the SYN itself may carry data (Fast Open)" },
	[TCPS_F_SYN_NEW_ISN] = { "syn_new_isn", TCPS_SEV_ERROR, TCPS_CAT_ILLEGAL,
		"a SYN with a new ISN from an endpoint in a synchronized state",
		"RFC 9293 3.10.7.4 / RFC 5961 4: a SYN in a synchronized state is answered by a challenge ACK" },
	[TCPS_F_DATA_AFTER_FIN] = { "data_after_fin", TCPS_SEV_ERROR, TCPS_CAT_ILLEGAL,
		"data beyond the sender's own FIN",
		"RFC 9293 3.10.4: after CLOSE the user may send no more; the FIN is the last sequence number" },
	[TCPS_F_SEGMENT_FROM_CLOSED] = { "segment_from_closed", TCPS_SEV_ERROR, TCPS_CAT_ILLEGAL,
		"a segment other than RST or SYN from an endpoint in CLOSED",
		"RFC 9293 3.10.7.1: an endpoint with no connection sends nothing but RST" },
	[TCPS_F_RST_AFTER_RST] = { "rst_after_rst", TCPS_SEV_WARNING, TCPS_CAT_ILLEGAL,
		"an RST that answers the peer's RST",
		"RFC 9293 3.10.7.1: an incoming RST is discarded, never answered" },
	[TCPS_F_RST_UNACCEPTABLE] = { "rst_unacceptable", TCPS_SEV_WARNING, TCPS_CAT_ILLEGAL,
		"an RST in SYN_SENT that does not acknowledge the SYN, so it is ignored",
		"RFC 9293 3.10.7.3 first/second check: in SYN-SENT an RST is acceptable only if it acknowledges the SYN" },
	[TCPS_F_ACK_OF_UNSEEN] = { "ack_of_unseen", TCPS_SEV_WARNING, TCPS_CAT_CAPTURE_LOSS,
		"an acknowledgement of sequence space the capture never saw",
		"an endpoint acknowledges only what it received: the capture missed what the peer sent" },
	[TCPS_F_NOT_RECEIVED] = { "not_received", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"a captured segment its receiver evidently never got (lost beyond the capture point)",
		"RFC 9293 3.8.1: a sender retransmits only what was not acknowledged to it" },
	[TCPS_F_REUSE_UNACCEPTABLE] = { "reuse_unacceptable", TCPS_SEV_WARNING, TCPS_CAT_ILLEGAL,
		"a new SYN on a tuple whose peer cannot accept it yet",
		"RFC 6191 / RFC 9293 3.10.7.4: TIME-WAIT accepts a new SYN only with a higher ISN or a newer timestamp" },
	[TCPS_F_SYNACK_BAD_ACK] = { "synack_bad_ack", TCPS_SEV_ERROR, TCPS_CAT_ILLEGAL,
		"a SYN,ACK that acknowledges neither ISN+1 nor the SYN's data",
		"RFC 9293 3.5/3.10.7.2: the SYN,ACK acknowledges the SYN (ISN+1), and with Fast Open its data (RFC 7413)" },
	[TCPS_F_HANDSHAKE_BAD_SEQ] = { "handshake_bad_seq", TCPS_SEV_ERROR, TCPS_CAT_ILLEGAL,
		"the handshake's final ACK does not carry seq ISN+1 (after SYN data the server acknowledged, ISN+1+len)",
		"RFC 9293 3.5: the SYN takes one sequence number; the next segment starts at ISN+1" },
	[TCPS_F_FIN_SEQ_CHANGED] = { "fin_seq_changed", TCPS_SEV_ERROR, TCPS_CAT_ILLEGAL,
		"a FIN at a sequence number other than the sender's first FIN",
		"RFC 9293 3.5/3.8.1: the FIN takes one sequence number and is retransmitted with it" },
	[TCPS_F_ACK_WITHOUT_FLAG] = { "ack_without_flag", TCPS_SEV_WARNING, TCPS_CAT_ILLEGAL,
		"an acknowledgement number other than zero while the ACK flag is off",
		"RFC 9293 3.1: the acknowledgment number is meaningful only with ACK; senders set it to zero otherwise" },
	[TCPS_F_CAPTURE_DUPLICATE] = { "capture_duplicate", TCPS_SEV_INFO, TCPS_CAT_CAPTURE_ARTEFACT,
		"the same IPv4 packet recorded twice: the copy is ignored",
		"a retransmission is a new IP datagram with its own IP id (RFC 6864); the same id and bytes is one datagram seen twice" },
	[TCPS_F_RETRANSMISSION] = { "retransmission", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"sequence space sent again: a retransmission after a timeout or tail-loss probe",
		"RFC 9293 3.8.1 / RFC 6298: a sender retransmits what was not acknowledged" },
	[TCPS_F_FAST_RETRANSMISSION] = { "fast_retransmission", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"a retransmission after the receiver's duplicate ACKs or SACK blocks showed the loss",
		"RFC 5681 3.2 / RFC 6675: duplicate ACKs or SACK above a hole make the sender resend it without waiting" },
	[TCPS_F_SPURIOUS_RETRANSMISSION] = { "spurious_retransmission", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"a retransmission of bytes the receiver had already acknowledged",
		"RFC 9293 3.8.1: acknowledged bytes need no retransmission; the ACK had not reached the sender yet" },
	[TCPS_F_OUT_OF_ORDER] = { "out_of_order", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"a segment that fills a gap and was sent before the segment beyond the gap: reordered",
		"its TSval or IP id is older than the segment beyond the gap, or no loss was signalled: it was sent first" },
	[TCPS_F_SEGMENT_NOT_CAPTURED] = { "segment_not_captured", TCPS_SEV_WARNING, TCPS_CAT_CAPTURE_LOSS,
		"bytes before this segment that the capture never saw, although the receiver acknowledged them",
		"an endpoint acknowledges (or SACKs) only bytes it received: they passed, the capture missed them" },
	[TCPS_F_SEGMENT_LOST] = { "segment_lost", TCPS_SEV_WARNING, TCPS_CAT_NETWORK,
		"bytes before this segment that were never seen, filled or acknowledged until the end",
		"the receiver never acknowledged them and no retransmission was captured: lost before the capture point or by it" },
	[TCPS_F_DUP_ACK] = { "dup_ack", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"a duplicate ACK: the same ack and window again, no data, while data is outstanding",
		"RFC 5681 2: a receiver repeats its ACK for each segment that arrives beyond a hole" },
	[TCPS_F_ACK_BACKWARDS] = { "ack_backwards", TCPS_SEV_WARNING, TCPS_CAT_NETWORK,
		"an acknowledgement number below one the endpoint sent before",
		"RFC 9293 3.10.7.4 fifth check: an old ACK (below SND.UNA) is ignored; ACKs were reordered on the way" },
	[TCPS_F_RETRANSMISSION_DIFFERS] = { "retransmission_differs", TCPS_SEV_ERROR, TCPS_CAT_ILLEGAL,
		"a retransmission whose bytes differ from the first copy of the same sequence numbers",
		"RFC 9293 3.4: a sequence number names one byte; a retransmission repeats it (else injection or corruption)" },
	[TCPS_F_BEYOND_WINDOW] = { "beyond_window", TCPS_SEV_WARNING, TCPS_CAT_ILLEGAL,
		"data beyond the right edge of every window the receiver advertised",
		"RFC 9293 3.8.6 / 3.10.7.4 first check: a sender stays within the offered window; the receiver trims the excess" },
	[TCPS_F_ZERO_WINDOW] = { "zero_window", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"the endpoint advertises a zero window: its receive buffer is full",
		"RFC 9293 3.8.6.1: a zero window stops the peer, which then probes it" },
	[TCPS_F_ZERO_WINDOW_PROBE] = { "zero_window_probe", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"a probe of the peer's zero window",
		"RFC 9293 3.8.6.1: a sender facing a zero window probes it periodically" },
	[TCPS_F_ZERO_WINDOW_PROBE_ACK] = { "zero_window_probe_ack", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"the answer to a zero-window probe, the window still zero",
		"RFC 9293 3.8.6.1: the receiver answers every probe with its current window" },
	[TCPS_F_WINDOW_UPDATE] = { "window_update", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"a pure ACK that changes only the window",
		"RFC 9293 3.8.6.2.2: a receiver announces its opened window" },
	[TCPS_F_WINDOW_FULL] = { "window_full", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"data up to exactly the receiver's window edge: the sender must now wait",
		"RFC 9293 3.8.6: the sender may send up to SND.UNA + SND.WND and no more" },
	[TCPS_F_WINDOW_SHRINK] = { "window_shrink", TCPS_SEV_WARNING, TCPS_CAT_NETWORK,
		"the right edge of the window moves left",
		"RFC 9293 3.8.6.2.2: a receiver should not shrink the window (move its right edge left)" },
	[TCPS_F_WSCALE_INVALID] = { "wscale_invalid", TCPS_SEV_WARNING, TCPS_CAT_ILLEGAL,
		"a window scale shift above 14; 14 is used",
		"RFC 7323 2.3: a shift above 14 is logged and 14 used instead" },
	[TCPS_F_KEEP_ALIVE] = { "keep_alive", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"a keep-alive: at most one byte at the sequence number before the next, everything acknowledged",
		"RFC 9293 3.8.4: a keep-alive carries SEG.SEQ = SND.NXT-1 to draw an ACK; it is no retransmission" },
	[TCPS_F_KEEP_ALIVE_ACK] = { "keep_alive_ack", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"the answer to a keep-alive",
		"RFC 9293 3.8.4 / 3.10.7.4: an unacceptable segment is answered with an ACK" },
	[TCPS_F_RST_OUT_OF_WINDOW] = { "rst_out_of_window", TCPS_SEV_WARNING, TCPS_CAT_ILLEGAL,
		"an RST whose sequence number lies outside the receiver's window: it is ignored",
		"RFC 9293 3.10.7.4 / RFC 5961 3.2: an RST outside the window is discarded" },
	[TCPS_F_RST_NOT_EXACT] = { "rst_not_exact", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"an RST in the window but not at the next expected sequence number: answered by a challenge ACK",
		"RFC 5961 3.2: only an RST at exactly RCV.NXT resets; one elsewhere in the window draws a challenge ACK" },
	[TCPS_F_TS_BACKWARDS] = { "ts_backwards", TCPS_SEV_WARNING, TCPS_CAT_NETWORK,
		"a TSval more than one tick older than TS.Recent: PAWS makes the receiver drop the segment",
		"RFC 7323 5.3 R1: a segment with SEG.TSval < TS.Recent is not acceptable (PAWS); Linux lets one tick pass" },
	[TCPS_F_SUPER_SEGMENT] = { "super_segment", TCPS_SEV_INFO, TCPS_CAT_CAPTURE_ARTEFACT,
		"a segment larger than the receiver's MSS: an offloaded segment captured on a host (TSO/GSO/GRO)",
		"RFC 9293 3.7.1: no segment exceeds the peer's MSS on the wire; the NIC splits it (TSO) or the receiver merged it (GRO)" },
	[TCPS_F_NETWORK_DUPLICATE] = { "network_duplicate", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"the same IPv4 datagram as an earlier one (same IP id, seq and length), after other packets: duplicated on the way",
		"a retransmission is a new IP datagram with its own IP id (RFC 6864); the same id again is one datagram delivered twice" },
	[TCPS_F_TS_ECHO_UNSENT] = { "ts_echo_unsent", TCPS_SEV_WARNING, TCPS_CAT_ILLEGAL,
		"a segment to an endpoint in SYN_SENT echoing a TSval it never sent (outside its SYN's TSval to its clock now): no answer to that SYN, so it is dropped and no state moves",
		"RFC 7323 3.2 (TSecr echoes a TSval the receiver sent); Linux tcp_rcv_synsent_state_process: "
		"a TSecr outside [the SYN's TSval, now] rejects the segment, an RST too (PAWSActiveRejected)" },
	[TCPS_F_RST_NOT_FROM_ENDPOINT] = { "rst_not_from_endpoint", TCPS_SEV_WARNING, TCPS_CAT_ILLEGAL,
		"an RST in the endpoint's name, after which the endpoint went on sending its sequence space: its stack did not send the RST (injected, or a middlebox's), and it did not close",
		"RFC 9293 3.10.7.1 and 3.10.4: an endpoint that sends RST has closed the connection and sends nothing more on it; "
		"Suricata stream.suspected_rst_inject" },
	[TCPS_F_SYNACK_SECOND_ISN] = { "synack_second_isn", TCPS_SEV_WARNING, TCPS_CAT_NETWORK,
		"SYN,ACKs with a second ISN answering the same SYN: two stacks answer for this endpoint (a middlebox, a load balancer, a SYN proxy); the one the peer's ACK chooses is followed, the other's SYN,ACKs are set aside",
		"RFC 9293 3.4: an endpoint picks one ISN per connection and a SYN,ACK acknowledges the SYN; "
		"the peer synchronizes with the SYN,ACK it acknowledges (3.10.7.3)" },
	[TCPS_F_CHALLENGE_ACK] = { "challenge_ack", TCPS_SEV_INFO, TCPS_CAT_NETWORK,
		"the receiver's first segment after an RST in its window but not at its next expected sequence number, or after a SYN in a synchronized state, an ACK at its snd_nxt: the challenge ACK that refuses it",
		"RFC 5961 3.2 and 4.2: an RST not at exactly RCV.NXT, or a SYN, is answered with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and resets nothing" },
};
_Static_assert(N_ELEMS(cat) == TCPS_F__COUNT, "a finding code has no catalogue entry");

static unsigned idx(enum tcps_finding_code c) { return (unsigned)c < TCPS_F__COUNT ? (unsigned)c : 0; }

const char *tcps_finding_name(enum tcps_finding_code c) { return cat[idx(c)].name; }
const char *tcps_finding_text(enum tcps_finding_code c) { return cat[idx(c)].text; }
const char *tcps_finding_rule(enum tcps_finding_code c) { return cat[idx(c)].rule; }
enum tcps_severity tcps_finding_severity(enum tcps_finding_code c) { return (enum tcps_severity)cat[idx(c)].sev; }
enum tcps_category tcps_finding_category(enum tcps_finding_code c) { return (enum tcps_category)cat[idx(c)].cat; }

const char *tcps_severity_name(enum tcps_severity s)
{
	static const char *const n[] = { "info", "warning", "error" };
	return (unsigned)s < N_ELEMS(n) ? n[s] : "unknown";
}

const char *tcps_category_name(enum tcps_category c)
{
	static const char *const n[] = { "illegal", "capture-loss", "network", "capture-artefact" };
	return (unsigned)c < N_ELEMS(n) ? n[c] : "unknown";
}

/* "SYN+FIN+ACK", tcpdump's letters would be terser but these read at a glance. */
static void flag_names(uint32_t f, char *buf, size_t len)
{
	static const char *const names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };
	size_t n = 0;
	buf[0] = '\0';
	for (int i = 0; i < 8; i++)
		if (f & (1u << i)) {
			int w = snprintf(buf + n, len - n, "%s%s", n ? "+" : "", names[i]);
			if (w < 0 || (size_t)w >= len - n)
				return;
			n += (size_t)w;
		}
	if (!n)
		snprintf(buf, len, "none");
}

static uint32_t self_seq(const struct finding_args *a, uint32_t v) { return a->self_rel ? v - a->self_isn : v; }
static uint32_t peer_seq(const struct finding_args *a, uint32_t v) { return a->peer_rel ? v - a->peer_isn : v; }

/* How an out-of-order segment or a late first copy was placed (stream.c). */
static const char *why_order(uint32_t by)
{
	switch (by) {
	case 1: return "its TSval is older";
	case 2: return "its IP id is lower";
	case 3: return "the receiver had signalled the loss";
	default: return "and nothing signalled a loss";
	}
}

/* The retransmission family: v = bytes seen before, seq, end, bits (stream.c):
 * 1 SYN, 2 FIN, 4 first copy not captured, 8 a D-SACK showed it spurious, bits 4-7 how a late first copy was told,
 * bits 8 on the duplicate ACKs that preceded a fast retransmission. */
static void retransmission(enum tcps_finding_code c, const struct finding_args *a, char *buf, size_t len)
{
	const uint32_t *v = a->v;
	char what[48] = "";
	if (v[3] & 3)
		snprintf(what, sizeof what, " with %s", (v[3] & 1) ? ((v[3] & 2) ? "SYN+FIN" : "SYN") : "FIN");
	char why[96] = "";
	if (c == TCPS_F_FAST_RETRANSMISSION)
		snprintf(why, sizeof why, (v[3] >> 8) ? "; after %u duplicate ACKs" : "; after SACK showed later bytes arrived",
			 v[3] >> 8);
	unsigned long long p = (unsigned long long)a->pkt2;
	if (c == TCPS_F_SPURIOUS_RETRANSMISSION && (v[3] & 8))
		snprintf(buf, len, "seq %u to %u%s again; the receiver got it twice (D-SACK in packet %llu)",
			 self_seq(a, v[1]), self_seq(a, v[2]), what, p);
	else if (v[3] & 4)
		snprintf(buf, len, "seq %u to %u%s; its first copy was lost before the capture point (sent after packet %llu: %s)%s",
			 self_seq(a, v[1]), self_seq(a, v[2]), what, p,
			 ((v[3] >> 4) & 15) == 1 ? "newer TSval" : ((v[3] >> 4) & 15) == 2 ? "higher IP id" : "loss signalled",
			 why);
	else if (c == TCPS_F_SPURIOUS_RETRANSMISSION)
		snprintf(buf, len, "seq %u to %u%s again (%u seen before); the receiver had acknowledged it in packet %llu",
			 self_seq(a, v[1]), self_seq(a, v[2]), what, v[0], p);
	else if (p)
		snprintf(buf, len, "seq %u to %u%s again (%u seen before, first in packet %llu)%s", self_seq(a, v[1]),
			 self_seq(a, v[2]), what, v[0], p, why);
	else
		snprintf(buf, len, "seq %u to %u%s again (%u seen before)%s", self_seq(a, v[1]), self_seq(a, v[2]), what,
			 v[0], why);
}

void tcps_finding_format(enum tcps_finding_code c, enum tcps_state st, enum tcps_event ev,
			 const struct finding_args *a, char *buf, size_t len)
{
	char fl[64];
	const uint32_t *v = a->v;
	switch (c) {
	case TCPS_F_ILLEGAL_EVENT:
		snprintf(buf, len, "%s is not allowed in %s", tcps_event_name(ev), tcps_state_name(st));
		break;
	case TCPS_F_INVALID_FLAGS:
	case TCPS_F_MISSING_ACK:
		flag_names(v[0], fl, sizeof fl);
		snprintf(buf, len, "flags %s; the receiver drops the segment and no state changes", fl);
		break;
	case TCPS_F_DATA_IN_SYN_SENT:
		snprintf(buf, len, "%u bytes at seq %u before the SYN,ACK arrived", v[0], self_seq(a, v[1]));
		break;
	case TCPS_F_SYN_NEW_ISN:
		snprintf(buf, len, "%s with ISN %u while the connection's ISN is %u", v[2] ? "SYN,ACK" : "SYN", v[0], v[1]);
		break;
	case TCPS_F_DATA_AFTER_FIN:
		snprintf(buf, len, "%u bytes up to seq %u, beyond its FIN at seq %u", v[0], self_seq(a, v[1]),
			 self_seq(a, v[2]));
		break;
	case TCPS_F_SEGMENT_FROM_CLOSED:
		flag_names(v[0], fl, sizeof fl);
		snprintf(buf, len, "%s (flags %s) sent with no connection", tcps_event_name(ev), fl);
		break;
	case TCPS_F_RST_AFTER_RST:
		if (v[0] == 1)
			snprintf(buf, len, "seq %u is the ack of the peer's RST,ACK, its last segment: a closed port's answer to it",
				 self_seq(a, v[1]));
		else
			snprintf(buf, len, "ack %u is the seq (+len) of the peer's RST, its last segment: a closed port's answer to it",
				 peer_seq(a, v[1]));
		break;
	case TCPS_F_RST_UNACCEPTABLE:
		if (v[2])
			snprintf(buf, len, "RST acknowledges %u, the SYN needs %u (ISN+1): ignored", self_seq(a, v[0]),
				 self_seq(a, v[1]));
		else
			snprintf(buf, len, "RST without ACK while the SYN (ISN %u) is outstanding: ignored", v[1] - 1);
		break;
	case TCPS_F_ACK_OF_UNSEEN:
		snprintf(buf, len, "acknowledges %u bytes of the peer's sequence space (%u to %u) that the capture never saw",
			 v[0], peer_seq(a, v[1]), peer_seq(a, v[2]));
		break;
	case TCPS_F_NOT_RECEIVED:
		snprintf(buf, len, "this endpoint's packet %llu shows it had not received it: %s",
			 (unsigned long long)a->pkt2,
			 v[0] ? "it retransmitted what the segment acknowledged" : "a retransmission of the segment followed");
		break;
	case TCPS_F_REUSE_UNACCEPTABLE:
		if (v[2])
			snprintf(buf, len, "the peer is still in %s", tcps_state_name((enum tcps_state)v[0]));
		else
			snprintf(buf, len, "ISN %u is not above the peer's rcv_nxt %u and no newer timestamp", v[0], v[1]);
		break;
	case TCPS_F_SYNACK_BAD_ACK:
		snprintf(buf, len, "acknowledges %u; the SYN needs %u%s", peer_seq(a, v[0]), peer_seq(a, v[1]),
			 v[2] ? " (or more, with its data)" : "");
		break;
	case TCPS_F_HANDSHAKE_BAD_SEQ:
		snprintf(buf, len, "seq %u; after its SYN the next is %u", self_seq(a, v[0]), self_seq(a, v[1]));
		break;
	case TCPS_F_FIN_SEQ_CHANGED:
		snprintf(buf, len, "FIN at seq %u; its first FIN was at seq %u", self_seq(a, v[0]), self_seq(a, v[1]));
		break;
	case TCPS_F_NETWORK_DUPLICATE:
		snprintf(buf, len, "IP id %u, seq %u, %u bytes: the datagram of packet %llu again", v[0], self_seq(a, v[1]),
			 v[2], (unsigned long long)a->pkt2);
		break;
	case TCPS_F_CAPTURE_DUPLICATE:
		snprintf(buf, len, "IP id %u, seq %u, %u bytes: the same as this endpoint's previous packet", v[0],
			 self_seq(a, v[1]), v[2]);
		break;
	case TCPS_F_ACK_WITHOUT_FLAG:
		flag_names(v[1], fl, sizeof fl);
		snprintf(buf, len, "ack field %u with flags %s", v[0], fl);
		break;
	case TCPS_F_RETRANSMISSION:
	case TCPS_F_FAST_RETRANSMISSION:
	case TCPS_F_SPURIOUS_RETRANSMISSION:
		retransmission(c, a, buf, len);
		break;
	case TCPS_F_OUT_OF_ORDER:
		snprintf(buf, len, "seq %u to %u (%u bytes) fills a gap; sent before packet %llu, %s", self_seq(a, v[1]),
			 self_seq(a, v[2]), v[0], (unsigned long long)a->pkt2, why_order(v[3]));
		break;
	case TCPS_F_SEGMENT_NOT_CAPTURED:
		snprintf(buf, len, "seq %u to %u (%u bytes) before this segment never captured; the receiver %s them in packet %llu",
			 self_seq(a, v[1]), self_seq(a, v[2]), v[0], v[3] ? "SACKed" : "acknowledged",
			 (unsigned long long)a->pkt2);
		break;
	case TCPS_F_SEGMENT_LOST:
		snprintf(buf, len, "seq %u to %u (%u bytes) before this segment never captured, %s", self_seq(a, v[1]),
			 self_seq(a, v[2]), v[0],
			 v[3] ? "and no longer followed (more gaps open at once than tracked)"
			      : "filled or acknowledged up to the end");
		break;
	case TCPS_F_DUP_ACK:
		snprintf(buf, len, "duplicate ACK #%u of ack %u (packet %llu)", v[0], peer_seq(a, v[1]),
			 (unsigned long long)a->pkt2);
		break;
	case TCPS_F_ACK_BACKWARDS:
		snprintf(buf, len, "ack %u, below its earlier ack %u", peer_seq(a, v[0]), peer_seq(a, v[1]));
		break;
	case TCPS_F_RETRANSMISSION_DIFFERS:
		snprintf(buf, len, "the byte at seq %u differs from packet %llu's (seq %u, %u bytes)", self_seq(a, v[0]),
			 (unsigned long long)a->pkt2, self_seq(a, v[1]), v[2]);
		break;
	case TCPS_F_BEYOND_WINDOW:
		snprintf(buf, len, "data up to seq %u, %u bytes beyond the farthest right edge offered, seq %u",
			 self_seq(a, v[0]), v[2], self_seq(a, v[1]));
		break;
	case TCPS_F_ZERO_WINDOW:
		snprintf(buf, len, "window 0 (it was %u)", v[0]);
		break;
	case TCPS_F_ZERO_WINDOW_PROBE:
		snprintf(buf, len, "seq %u, %u byte%s, while the peer's window is 0", self_seq(a, v[0]), v[1],
			 v[1] == 1 ? "" : "s");
		break;
	case TCPS_F_ZERO_WINDOW_PROBE_ACK:
		snprintf(buf, len, "ack %u, window still 0", peer_seq(a, v[0]));
		break;
	case TCPS_F_WINDOW_UPDATE:
		snprintf(buf, len, "window %u -> %u%s", v[0], v[1], v[2] ? " (unscaled: a SYN was not captured)" : "");
		break;
	case TCPS_F_WINDOW_FULL:
		snprintf(buf, len, "data up to seq %u fills the receiver's window of %u bytes", self_seq(a, v[0]), v[1]);
		break;
	case TCPS_F_WINDOW_SHRINK:
		snprintf(buf, len, "right edge moves left from seq %u to %u (%u bytes)", peer_seq(a, v[0]),
			 peer_seq(a, v[1]), v[0] - v[1]);
		break;
	case TCPS_F_WSCALE_INVALID:
		snprintf(buf, len, "window scale shift %u; 14 is used", v[0]);
		break;
	case TCPS_F_KEEP_ALIVE:
		snprintf(buf, len, "seq %u, %u byte%s, one below its next sequence number", self_seq(a, v[0]), v[1],
			 v[1] == 1 ? "" : "s");
		break;
	case TCPS_F_KEEP_ALIVE_ACK:
		snprintf(buf, len, "ack %u answers the keep-alive", peer_seq(a, v[0]));
		break;
	case TCPS_F_CHALLENGE_ACK: /* v[2]: what it answers, 0 an RST, 1 a SYN, 2 a SYN,ACK */
		if (v[2])
			snprintf(buf, len, "ack %u answers the %s with ISN %u in packet %llu: the connection goes on",
				 peer_seq(a, v[0]), v[2] == 2 ? "SYN,ACK" : "SYN", v[1], (unsigned long long)a->pkt2);
		else
			snprintf(buf, len, "ack %u answers the RST at seq %u in packet %llu: the RST did not reset it",
				 peer_seq(a, v[0]), peer_seq(a, v[1]), (unsigned long long)a->pkt2);
		break;
	case TCPS_F_RST_OUT_OF_WINDOW:
		snprintf(buf, len, "RST at seq %u; the receiver's window is seq %u to %u", self_seq(a, v[0]),
			 self_seq(a, v[1]), self_seq(a, v[1] + v[2]));
		break;
	case TCPS_F_RST_NOT_EXACT:
		snprintf(buf, len, "RST at seq %u; the receiver expects seq %u to %u", self_seq(a, v[0]),
			 self_seq(a, v[2]), self_seq(a, v[1]));
		break;
	case TCPS_F_TS_BACKWARDS:
		snprintf(buf, len, "TSval %u, below TS.Recent %u", v[0], v[1]);
		break;
	case TCPS_F_TS_ECHO_UNSENT:
		snprintf(buf, len, "TSecr %u, outside the peer's TSvals from its SYN's (%u) to its clock now: not from the stack that got it",
			 v[0], v[1]);
		break;
	case TCPS_F_SYNACK_SECOND_ISN:
		snprintf(buf, len, "SYN,ACK with ISN %u, answering the same SYN as the SYN,ACK with ISN %u", v[0], v[1]);
		break;
	case TCPS_F_RST_NOT_FROM_ENDPOINT:
		snprintf(buf, len, "RST at seq %u, then the endpoint went on sending at seq %u in packet %llu: not from its stack",
			 self_seq(a, v[0]), self_seq(a, v[1]), (unsigned long long)a->pkt2);
		break;
	case TCPS_F_SUPER_SEGMENT:
		if (v[1])
			snprintf(buf, len, "%u bytes, above the receiver's MSS of %u%s", v[0], v[1],
				 v[2] ? " (IP total length 0: TSO)" : "");
		else
			snprintf(buf, len, "%u bytes with IP total length 0 (TSO)", v[0]);
		break;
	default:
		snprintf(buf, len, "%s", tcps_finding_text(c));
		break;
	}
}
