/* engine.h - the analysis engine: raw packets in, connection records out */
#ifndef TCPSTATE_ENGINE_H
#define TCPSTATE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tcpstate/states.h"

/*
 * The engine knows nothing of libpcap: it takes raw bytes, a link type and a
 * timestamp, so that tests and fuzzers can feed it directly.
 */

/* Capture time, nanosecond resolution, seconds since the Unix epoch (UTC). */
struct tcps_ts {
	int64_t sec;
	uint32_t nsec;
};

/* Link types the decoder understands (LINKTYPE_ values, as stored in files). */
enum tcps_linktype {
	TCPS_LINK_NULL = 0,        /* BSD loopback, host-order address family */
	TCPS_LINK_ETHERNET = 1,
	TCPS_LINK_RAW_DLT = 12,    /* DLT_RAW as libpcap reports it on most systems */
	TCPS_LINK_RAW_DLT_OBSD = 14,
	TCPS_LINK_RAW = 101,       /* LINKTYPE_RAW */
	TCPS_LINK_LOOP = 108,      /* OpenBSD loopback, network-order family */
	TCPS_LINK_LINUX_SLL = 113,
	TCPS_LINK_IPV4 = 228,
	TCPS_LINK_IPV6 = 229,
	TCPS_LINK_LINUX_SLL2 = 276,
};

/* True when the decoder supports this link type. */
bool tcps_linktype_supported(int linktype);

/*
 * Every packet read ends in exactly one category; the categories add up to the
 * packets read. Append-only.
 */
enum tcps_pkt_class {
	TCPS_PKT_TCP = 0,          /* TCP segment decoded whole */
	TCPS_PKT_TCP_TRUNCATED,    /* TCP header whole, payload cut by the snap length */
	TCPS_PKT_MALFORMED,        /* could not be decoded; see enum tcps_malformed */
	TCPS_PKT_NOT_TCP,          /* a valid packet of another protocol */
	TCPS_PKT_UNSUPPORTED_LINK, /* link type the decoder does not know */
	TCPS_PKT_FRAGMENT,         /* IP fragment absorbed into a reassembled datagram */
	TCPS_PKT_FRAGMENT_PENDING, /* IP fragment whose datagram never completed */
	TCPS_PKT_FILTERED,         /* excluded by the user's BPF filter */
	TCPS_PKT__COUNT
};

/*
 * Why a packet is malformed. "_CUT" reasons mean the capture ended inside a
 * header (snap length too small); the others mean field values that cannot be
 * right. Append-only: numbers and names are stable for CI baselines.
 */
enum tcps_malformed {
	TCPS_MAL_NONE = 0,
	TCPS_MAL_EMPTY_RECORD,        /* record with no captured bytes */
	TCPS_MAL_LINK_CUT,            /* capture ends inside the link header */
	TCPS_MAL_VLAN_DEPTH,          /* more VLAN tags than any real network stacks */
	TCPS_MAL_MPLS_DEPTH,          /* MPLS label stack without bottom of stack */
	TCPS_MAL_IP_VERSION,          /* IP version nibble does not match the link */
	TCPS_MAL_IPV4_CUT,
	TCPS_MAL_IPV4_BAD_IHL,        /* header length below 20 bytes */
	TCPS_MAL_IPV4_BAD_LENGTH,     /* total length below the header length */
	TCPS_MAL_IPV4_BEYOND_WIRE,    /* total length larger than the packet on the wire */
	TCPS_MAL_IPV6_CUT,
	TCPS_MAL_IPV6_BEYOND_WIRE,    /* payload length larger than the packet on the wire */
	TCPS_MAL_IPV6_EXT_BAD,        /* extension header chain runs past the payload */
	TCPS_MAL_TCP_CUT,             /* capture ends inside the TCP header */
	TCPS_MAL_TCP_BAD_DOFF,        /* data offset below 5 words */
	TCPS_MAL_TCP_DOFF_BEYOND,     /* data offset past the end of the segment */
	TCPS_MAL_FRAG_BAD,            /* fragment inconsistent or over 65535 bytes */
	TCPS_MAL_TCP_SHORT,           /* IP payload shorter than a TCP header */
	TCPS_MAL__COUNT
};

/* Stable lower-case names: "tcp", "tcp_truncated", ...; "ipv4_cut", ... */
const char *tcps_pkt_class_name(enum tcps_pkt_class c);
const char *tcps_malformed_name(enum tcps_malformed m);
/* One-line English explanation of a malformed reason. */
const char *tcps_malformed_text(enum tcps_malformed m);

/* Totals of one capture. */
struct tcps_totals {
	uint64_t packets;                        /* packets read = sum of by_class */
	uint64_t by_class[TCPS_PKT__COUNT];
	uint64_t malformed[TCPS_MAL__COUNT];     /* breakdown of TCPS_PKT_MALFORMED */
	uint64_t bad_options;                    /* TCP segments whose options were invalid */
	uint64_t bad_records;                    /* records with caplen above the original length */
	uint64_t connections;
	uint64_t fragments_reassembled;          /* datagrams rebuilt from fragments */
	uint64_t wire_bytes;                     /* sum of original packet lengths */
	uint64_t max_tracked_connections;        /* most held at once: open, or closed and waiting out time_wait */
	uint64_t time_backwards;                 /* packets stamped earlier than the one before */
	uint64_t transitions;                    /* endpoint state changes reported */
	uint64_t findings[TCPS_F__COUNT];        /* findings reported, by code */
};

/* Which side of a connection; index of per-direction arrays. */
enum tcps_role { TCPS_INITIATOR = 0, TCPS_RESPONDER = 1 };

/* How the roles were decided. */
enum tcps_role_basis {
	TCPS_ROLES_SYN = 0,    /* initiator sent the first SYN we saw */
	TCPS_ROLES_SYNACK,     /* inferred: the SYN-ACK sender is the responder */
	TCPS_ROLES_PORT,       /* inferred: the well-known or lower port is the responder */
	TCPS_ROLES_FIRST,      /* inferred: equal ports, the first sender initiates */
};
const char *tcps_role_basis_name(enum tcps_role_basis b);

/* One endpoint address. IPv4 addresses use the first four bytes of addr. */
struct tcps_addr {
	uint8_t family;        /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
};

/* Why a connection's record was written. Append-only; names are stable. */
enum tcps_end {
	TCPS_END_CAPTURE = 0,  /* the capture ended: every endpoint stays in the state it reached */
	TCPS_END_CLOSED,       /* closed (RST, or both FINs acknowledged) and --time-wait passed */
	TCPS_END_IDLE,         /* no packet for --idle-timeout seconds */
	TCPS_END_REUSED,       /* a new connection took over its tuple */
};
const char *tcps_end_name(enum tcps_end e);

/*
 * Idle timeouts are per class of connection, decided by the states its two
 * endpoints are in (conntrack's classes, for two machines): the least
 * advanced end of a closing connection decides. Append-only; names are
 * stable ("syn_sent", ...).
 */
enum tcps_timeout_class {
	TCPS_TO_SYN_SENT = 0,  /* a SYN sent, no SYN,ACK yet */
	TCPS_TO_SYN_RCVD,      /* a SYN,ACK sent, the handshake not complete */
	TCPS_TO_ESTABLISHED,   /* synchronized, no FIN yet */
	TCPS_TO_FIN_WAIT,      /* one FIN sent, the peer has not received it or not answered */
	TCPS_TO_CLOSE_WAIT,    /* a FIN received, the receiver's application has not closed */
	TCPS_TO_LAST_ACK,      /* both FINs sent, the last one not yet acknowledged */
	TCPS_TO__COUNT
};
const char *tcps_timeout_class_name(enum tcps_timeout_class k);
/* The class of a connection whose endpoints are in states a and b. */
enum tcps_timeout_class tcps_timeout_class_of(enum tcps_state a, enum tcps_state b);

/* How a connection that reuses a tuple was judged (RFC 6191). Append-only. */
enum tcps_reuse {
	TCPS_REUSE_NONE = 0,        /* not a reuse */
	TCPS_REUSE_PEER_CLOSED,     /* acceptable: the peer had no connection left */
	TCPS_REUSE_HIGHER_ISN,      /* acceptable: peer in TIME_WAIT, ISN above its rcv_nxt */
	TCPS_REUSE_NEWER_TS,        /* acceptable: peer in TIME_WAIT, newer timestamp */
	TCPS_REUSE_TIME_WAIT_REJECTS, /* not acceptable: peer in TIME_WAIT, neither */
	TCPS_REUSE_PEER_OPEN,       /* not acceptable: the peer was still synchronized */
};
const char *tcps_reuse_name(enum tcps_reuse r);
/* True for the acceptable kinds of reuse. */
bool tcps_reuse_acceptable(enum tcps_reuse r);

/*
 * A connection, reported once when it ends. Per-direction arrays are indexed
 * by enum tcps_role: [TCPS_INITIATOR] is what the initiator sent.
 */
/* One endpoint's stream as the capture saw it. Times run from the capture
 * point to the peer and back, so they are the RTT only for a capture taken
 * at this endpoint. */
struct tcps_flow_figures {
	uint32_t rtt_samples;            /* ACKs of a timed segment sent once (Karn's rule) */
	uint64_t rtt_min_ns, rtt_mean_ns, rtt_max_ns;
	uint32_t max_in_flight;          /* most bytes sent and not yet acknowledged */
};

struct tcps_conn_summary {
	uint64_t id;                     /* 1, 2, ... in order of first appearance */
	struct tcps_addr ep[2];          /* [TCPS_INITIATOR], [TCPS_RESPONDER] */
	uint16_t vlan[2];                /* outer and inner VLAN id, 0 when absent */
	enum tcps_role_basis roles;
	uint64_t pkts[2];
	uint64_t bytes[2];               /* TCP payload bytes, from the IP lengths */
	uint64_t truncated[2];           /* segments whose payload the capture cut */
	uint64_t first_pkt, last_pkt;    /* packet numbers in the file, from 1 */
	struct tcps_ts first_ts, last_ts;
	enum tcps_end end;
	/* TCPS_END_IDLE: the class whose timeout ran out, and its seconds */
	enum tcps_timeout_class idle_class;
	uint32_t idle_sec;
	enum tcps_state initial[2];      /* state each endpoint started in */
	enum tcps_state final[2];        /* state each endpoint ended in */
	bool inferred[2];                /* initial state inferred: the capture began midstream */
	bool silent[2];                  /* never sent a segment: its states are assumed */
	enum tcps_reuse reuse;           /* TCPS_REUSE_NONE unless the tuple was used before */
	uint64_t reuse_of;               /* id of the earlier connection, 0 if none */
	uint32_t findings[2][TCPS_F__COUNT];   /* count of each finding code per endpoint */
	struct tcps_flow_figures flow[2];      /* per endpoint, of the stream it sent */
	/* The handshake seen from the capture point: the SYN the SYN,ACK
	 * answers (the last one sent before it) to the SYN,ACK, and the
	 * SYN,ACK to the ACK of it; their sum is the handshake RTT. */
	bool hs_rtt_known;
	uint64_t hs_syn_synack_ns, hs_synack_ack_ns;
	/* The timeline: transitions and findings in causal order (see
	 * docs/state-machine.md). Valid during the callback only. */
	const struct tcps_record *records;
	size_t nrecords;
	uint64_t records_dropped;        /* findings beyond the per-connection cap (counted above) */
};

/* What a packet note is about. Append-only; names are stable. */
enum tcps_note_kind {
	TCPS_NOTE_MALFORMED = 0,   /* packet counted as malformed; see reason */
	TCPS_NOTE_BAD_OPTIONS,     /* TCP options invalid; the segment is still used */
	TCPS_NOTE_FRAGMENT_LOST,   /* IP datagram whose fragments never all arrived */
	TCPS_NOTE_BAD_RECORD,      /* capture record inconsistent (captured > original length) */
	TCPS_NOTE_NO_MEMORY,       /* segment not tracked for lack of memory */
	TCPS_NOTE_TIME_BACKWARDS,  /* its timestamp is earlier than the previous packet's */
	TCPS_NOTE__COUNT
};
const char *tcps_note_kind_name(enum tcps_note_kind k);

/* A packet the engine could not use, or used with a reservation. */
struct tcps_packet_note {
	uint64_t pkt;                    /* packet number in the file, from 1 */
	struct tcps_ts ts;
	enum tcps_note_kind kind;
	enum tcps_malformed reason;      /* for TCPS_NOTE_MALFORMED, else TCPS_MAL_NONE */
	const char *detail;              /* English, with the numbers; valid during the call */
};

/* Callbacks the engine calls; any may be NULL. Records are valid only during the call. */
struct tcps_reporter {
	void *ctx;
	void (*packet_note)(void *ctx, const struct tcps_packet_note *n);
	void (*connection)(void *ctx, const struct tcps_conn_summary *c);
	/* True when connection() needs no timeline (records stays NULL):
	 * spares the work of ordering and wording it. */
	bool summary_only;
	/*
	 * Streaming (live capture, --stream). When record is set, records are
	 * not held for connection(): each goes to record() as soon as nothing
	 * later can come before it (its place in the causal order is final),
	 * so the records of a connection come in the order its timeline would
	 * show them. A retransmission that a later D-SACK shows to be spurious
	 * comes again, as a TCPS_REC_REVISION. open() is called when a
	 * connection is first seen; c holds what is known then (no records,
	 * no end). connection() then gets the summary without records.
	 */
	void (*record)(void *ctx, const struct tcps_conn_summary *c, const struct tcps_record *r);
	void (*open)(void *ctx, const struct tcps_conn_summary *c);
};

struct tcps_config {
	/* Seconds of capture time a closed connection is kept for late segments
	 * (retransmitted FINs, the last ACK) before it is reported and freed. */
	uint32_t time_wait_sec;
	/* Seconds without a packet after which an open connection is reported and
	 * freed; 0 keeps it until the end of the capture. timeout_sec[class],
	 * when not 0, replaces it for that class. */
	uint32_t idle_timeout_sec;
	uint32_t timeout_sec[TCPS_TO__COUNT];
	/* Flow table size to start with; it doubles when full. */
	uint32_t initial_flows;
	/* Findings show sequence numbers as they are on the wire, not
	 * relative to the ISN of their stream (tcpdump's -S). */
	bool absolute_seq;
	/* Ignore VLAN tags when grouping packets into connections (for
	 * captures where one direction is tagged and the other not, like
	 * Suricata's vlan.use-for-tracking: false). Default: a tuple on two
	 * VLANs is two connections. */
	bool ignore_vlan;
	/* Seed of the flow-table hash; 0 uses a built-in constant. Output never
	 * depends on hash order, so any seed gives the same report. */
	uint64_t hash_seed;
};

/* Defaults: time_wait 60 s (Linux), no idle timeout, 4096 flows. */
void tcps_config_init(struct tcps_config *cfg);

/* Sets the per-class timeouts to Linux conntrack's defaults (nf_conntrack_tcp_timeout_*):
 * syn_sent 120, syn_rcvd 60, established 432000 (5 days), fin_wait 120,
 * close_wait 60, last_ack 30 seconds. The live capture's defaults. */
void tcps_config_conntrack_timeouts(struct tcps_config *cfg);

struct tcps_engine;

/* Creates an engine. Returns NULL and fills errbuf (TCPS_ERRBUF_SIZE) on failure.
 * The reporter is copied. */
struct tcps_engine *tcps_engine_new(const struct tcps_config *cfg,
				    const struct tcps_reporter *rep, char *errbuf);

/*
 * Feeds one packet: its link type, capture time, captured bytes (caplen of
 * them, borrowed for the call only) and original length on the wire.
 * Packets are numbered from 1 in the order fed. Never fails: a packet that
 * cannot be decoded is counted and reported through packet_note.
 */
void tcps_engine_feed(struct tcps_engine *e, int linktype, const struct tcps_ts *ts,
		      const uint8_t *bytes, uint32_t caplen, uint32_t wirelen);

/*
 * Capture time has reached `now` without a packet (a live capture's clock
 * tick): connections whose timeout ran out before it are reported and
 * freed, as the next packet would have done. The packet clock does not
 * move, so a packet stamped earlier that is still on its way is not
 * taken as going back in time.
 */
void tcps_engine_advance(struct tcps_engine *e, const struct tcps_ts *now);

/* Calls cb for every connection held now, in no particular order, with
 * its summary so far: states as reached, no records, end TCPS_END_CAPTURE. */
void tcps_engine_foreach(struct tcps_engine *e, void (*cb)(void *ctx, const struct tcps_conn_summary *c),
			 void *ctx);

/* Counts one packet that was read but excluded by the user's filter. */
void tcps_engine_skip_filtered(struct tcps_engine *e);

/* Ends the capture: reports every connection still in the table, in id order,
 * and every pending fragment. Call once, after the last feed. */
void tcps_engine_finish(struct tcps_engine *e);

/* Totals so far (complete after tcps_engine_finish). */
void tcps_engine_totals(const struct tcps_engine *e, struct tcps_totals *out);

/* Frees the engine; NULL is a no-op. */
void tcps_engine_free(struct tcps_engine *e);

#endif
