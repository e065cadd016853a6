/* names.c - stable names of status codes, packet categories and malformed reasons */
#include <stddef.h>
#include "tcpstate/tcpstate.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Names are part of the output contract: append only, never rename. */
static const char *const class_names[] = {
	[TCPS_PKT_TCP] = "tcp",
	[TCPS_PKT_TCP_TRUNCATED] = "tcp_truncated",
	[TCPS_PKT_MALFORMED] = "malformed",
	[TCPS_PKT_NOT_TCP] = "not_tcp",
	[TCPS_PKT_UNSUPPORTED_LINK] = "unsupported_link",
	[TCPS_PKT_FRAGMENT] = "fragment",
	[TCPS_PKT_FRAGMENT_PENDING] = "fragment_pending",
	[TCPS_PKT_FILTERED] = "filtered",
};
_Static_assert(N_ELEMS(class_names) == TCPS_PKT__COUNT, "a packet category has no name");

static const struct {
	const char *name, *text;
} mal[] = {
	[TCPS_MAL_NONE] = { "none", "not malformed" },
	[TCPS_MAL_EMPTY_RECORD] = { "empty_record", "the capture record holds no bytes" },
	[TCPS_MAL_LINK_CUT] = { "link_cut", "the capture ends inside the link-layer header" },
	[TCPS_MAL_VLAN_DEPTH] = { "vlan_depth", "too many stacked VLAN tags" },
	[TCPS_MAL_MPLS_DEPTH] = { "mpls_depth", "MPLS label stack without a bottom label" },
	[TCPS_MAL_IP_VERSION] = { "ip_version", "IP version does not match the link's protocol" },
	[TCPS_MAL_IPV4_CUT] = { "ipv4_cut", "the capture ends inside the IPv4 header" },
	[TCPS_MAL_IPV4_BAD_IHL] = { "ipv4_bad_ihl", "IPv4 header length below 20 bytes" },
	[TCPS_MAL_IPV4_BAD_LENGTH] = { "ipv4_bad_length", "IPv4 total length below the header length" },
	[TCPS_MAL_IPV4_BEYOND_WIRE] = { "ipv4_beyond_wire", "IPv4 total length exceeds the packet on the wire" },
	[TCPS_MAL_IPV6_CUT] = { "ipv6_cut", "the capture ends inside an IPv6 header" },
	[TCPS_MAL_IPV6_BEYOND_WIRE] = { "ipv6_beyond_wire", "IPv6 payload length exceeds the packet on the wire" },
	[TCPS_MAL_IPV6_EXT_BAD] = { "ipv6_ext_bad", "IPv6 extension headers run past the payload" },
	[TCPS_MAL_TCP_CUT] = { "tcp_cut", "the capture ends inside the TCP header" },
	[TCPS_MAL_TCP_BAD_DOFF] = { "tcp_bad_doff", "TCP data offset below 5 words" },
	[TCPS_MAL_TCP_DOFF_BEYOND] = { "tcp_doff_beyond", "TCP data offset past the end of the segment" },
	[TCPS_MAL_FRAG_BAD] = { "frag_bad", "IP fragment inconsistent with its datagram" },
	[TCPS_MAL_TCP_SHORT] = { "tcp_short", "IP payload too short for a TCP header" },
};
_Static_assert(N_ELEMS(mal) == TCPS_MAL__COUNT, "a malformed reason has no name");

static const char *const note_names[] = {
	[TCPS_NOTE_MALFORMED] = "malformed",
	[TCPS_NOTE_BAD_OPTIONS] = "bad_options",
	[TCPS_NOTE_FRAGMENT_LOST] = "fragment_lost",
	[TCPS_NOTE_BAD_RECORD] = "bad_record",
	[TCPS_NOTE_NO_MEMORY] = "no_memory",
	[TCPS_NOTE_TIME_BACKWARDS] = "time_backwards",
};
_Static_assert(N_ELEMS(note_names) == TCPS_NOTE__COUNT, "a note kind has no name");

static const char *const basis_names[] = {
	[TCPS_ROLES_SYN] = "syn",
	[TCPS_ROLES_SYNACK] = "synack",
	[TCPS_ROLES_PORT] = "port",
	[TCPS_ROLES_FIRST] = "first",
};

const char *tcps_pkt_class_name(enum tcps_pkt_class c)
{
	return (unsigned)c < N_ELEMS(class_names) ? class_names[c] : "unknown";
}

const char *tcps_malformed_name(enum tcps_malformed m)
{
	return (unsigned)m < N_ELEMS(mal) ? mal[m].name : "unknown";
}

const char *tcps_malformed_text(enum tcps_malformed m)
{
	return (unsigned)m < N_ELEMS(mal) ? mal[m].text : "unknown reason";
}

const char *tcps_note_kind_name(enum tcps_note_kind k)
{
	return (unsigned)k < N_ELEMS(note_names) ? note_names[k] : "unknown";
}

const char *tcps_role_basis_name(enum tcps_role_basis b)
{
	return (unsigned)b < N_ELEMS(basis_names) ? basis_names[b] : "unknown";
}

const char *tcps_strerror(int status)
{
	switch (status) {
	case TCPS_OK: return "success";
	case TCPS_E_NOMEM: return "out of memory";
	case TCPS_E_IO: return "input/output error";
	case TCPS_E_FORMAT: return "not a capture file libpcap can read";
	case TCPS_E_BADARG: return "invalid argument";
	case TCPS_E_FILTER: return "invalid filter expression";
	case TCPS_E_DAMAGED: return "capture cut or damaged";
	case TCPS_E_PERM: return "permission denied";
	case TCPS_E_NODEV: return "no such device";
	default: return "unknown status";
	}
}

const char *tcps_version(void)
{
	return TCPS_VERSION;
}

const char *tcps_end_name(enum tcps_end e)
{
	static const char *const n[] = { "capture_end", "closed", "idle", "reused" };
	return (unsigned)e < N_ELEMS(n) ? n[e] : "unknown";
}

static const char *const reuse_names[] = {
	[TCPS_REUSE_NONE] = "none",
	[TCPS_REUSE_PEER_CLOSED] = "peer_closed",
	[TCPS_REUSE_HIGHER_ISN] = "higher_isn",
	[TCPS_REUSE_NEWER_TS] = "newer_timestamp",
	[TCPS_REUSE_TIME_WAIT_REJECTS] = "time_wait_rejects",
	[TCPS_REUSE_PEER_OPEN] = "peer_still_open",
};

const char *tcps_reuse_name(enum tcps_reuse r)
{
	return (unsigned)r < N_ELEMS(reuse_names) ? reuse_names[r] : "unknown";
}

bool tcps_reuse_acceptable(enum tcps_reuse r)
{
	return r != TCPS_REUSE_TIME_WAIT_REJECTS && r != TCPS_REUSE_PEER_OPEN;
}

const char *tcps_timeout_class_name(enum tcps_timeout_class k)
{
	static const char *const n[] = { "syn_sent", "syn_rcvd", "established", "fin_wait", "close_wait", "last_ack" };
	_Static_assert(N_ELEMS(n) == TCPS_TO__COUNT, "a name for every timeout class");
	return (unsigned)k < N_ELEMS(n) ? n[k] : "unknown";
}

/* The least advanced end of a closing connection decides, as in conntrack,
 * whose one state follows the later of the two: both FINs out and one
 * unacknowledged (LAST_ACK, CLOSING) is nearly over; a FIN received and not
 * answered (CLOSE_WAIT) waits on an application; one FIN out waits on the
 * peer. Before that, the handshake's own classes. */
enum tcps_timeout_class tcps_timeout_class_of(enum tcps_state a, enum tcps_state b)
{
	unsigned m = 1u << a | 1u << b;
	if (m & (1u << TCPS_ST_LAST_ACK | 1u << TCPS_ST_CLOSING))
		return TCPS_TO_LAST_ACK;
	if (m & 1u << TCPS_ST_CLOSE_WAIT)
		return TCPS_TO_CLOSE_WAIT;
	if (m & (1u << TCPS_ST_FIN_WAIT_1 | 1u << TCPS_ST_FIN_WAIT_2 | 1u << TCPS_ST_TIME_WAIT))
		return TCPS_TO_FIN_WAIT;
	/* The peer ESTABLISHED has acknowledged the SYN,ACK: on the wire the
	 * handshake is over, though the receipt waits for evidence. */
	if (m & 1u << TCPS_ST_SYN_RCVD)
		return m & 1u << TCPS_ST_ESTABLISHED ? TCPS_TO_ESTABLISHED : TCPS_TO_SYN_RCVD;
	if (m & 1u << TCPS_ST_SYN_SENT)
		return TCPS_TO_SYN_SENT;
	return TCPS_TO_ESTABLISHED;
}
