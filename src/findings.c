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
		snprintf(buf, len, "SYN with ISN %u while the connection's ISN is %u", v[0], v[1]);
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
		snprintf(buf, len, "answers the peer's RST, its last segment");
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
	case TCPS_F_CAPTURE_DUPLICATE:
		snprintf(buf, len, "IP id %u, seq %u, %u bytes: the same as this endpoint's previous packet", v[0],
			 self_seq(a, v[1]), v[2]);
		break;
	case TCPS_F_ACK_WITHOUT_FLAG:
		flag_names(v[1], fl, sizeof fl);
		snprintf(buf, len, "ack field %u with flags %s", v[0], fl);
		break;
	default:
		snprintf(buf, len, "%s", tcps_finding_text(c));
		break;
	}
}
