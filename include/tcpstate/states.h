/* states.h - endpoint states, events, findings and the records of a connection */
#ifndef TCPSTATE_STATES_H
#define TCPSTATE_STATES_H

#include <stdint.h>

/* Endpoint states, RFC 9293 §3.3.2, spelled as in every output. */
enum tcps_state {
	TCPS_ST_CLOSED = 0,
	TCPS_ST_LISTEN,
	TCPS_ST_SYN_SENT,
	TCPS_ST_SYN_RCVD,
	TCPS_ST_ESTABLISHED,
	TCPS_ST_FIN_WAIT_1,
	TCPS_ST_FIN_WAIT_2,
	TCPS_ST_CLOSING,
	TCPS_ST_TIME_WAIT,
	TCPS_ST_CLOSE_WAIT,
	TCPS_ST_LAST_ACK,
	TCPS_ST__COUNT
};

/*
 * What one segment means to one endpoint. The sender of a segment gets a
 * SND_ event, the receiver a RCV_ event; both look up the same table. A
 * segment may give its receiver two events, applied in this order:
 * RCV_ACK_CTL (of our SYN) before RCV_FIN. A FIN that acknowledges our FIN is
 * one event, RCV_FIN_ACK_CTL, because RFC 9293 moves FIN-WAIT-1 straight to
 * TIME-WAIT on it. Append-only; names are stable.
 */
enum tcps_event {
	TCPS_EV_SND_SYN = 0,   /* sent SYN */
	TCPS_EV_SND_SYNACK,    /* sent SYN+ACK */
	TCPS_EV_SND_ACK,       /* sent a segment with ACK and neither SYN, FIN nor RST */
	TCPS_EV_SND_FIN,       /* sent FIN */
	TCPS_EV_SND_RST,       /* sent RST */
	TCPS_EV_RCV_SYN,       /* received SYN */
	TCPS_EV_RCV_SYNACK,    /* received SYN+ACK */
	TCPS_EV_RCV_ACK,       /* received an ACK that covers none of our SYN or FIN */
	TCPS_EV_RCV_ACK_CTL,   /* received the ACK of our SYN or of our FIN */
	TCPS_EV_RCV_FIN,       /* received FIN */
	TCPS_EV_RCV_RST,       /* received an acceptable RST */
	TCPS_EV_TIMEOUT_2MSL,  /* the TIME_WAIT wait (--time-wait) ran out in capture time */
	TCPS_EV_RCV_FIN_ACK_CTL, /* received a FIN that also acknowledges our FIN */
	TCPS_EV_TUPLE_REUSED,  /* a new connection took the tuple while this endpoint was in TIME_WAIT */
	TCPS_EV__COUNT
};

/* "ESTABLISHED", "snd_syn", ... (stable spellings). */
const char *tcps_state_name(enum tcps_state s);
const char *tcps_event_name(enum tcps_event e);

/* How bad a finding is. */
enum tcps_severity { TCPS_SEV_INFO = 0, TCPS_SEV_WARNING, TCPS_SEV_ERROR };

/* What kind of fact a finding is: keeps protocol violations apart from what
 * the capture or the network lost. */
enum tcps_category {
	TCPS_CAT_ILLEGAL = 0,   /* an endpoint did what its state does not allow */
	TCPS_CAT_CAPTURE_LOSS,  /* the endpoints saw a segment the capture does not hold */
	TCPS_CAT_NETWORK,       /* the capture holds a segment its receiver evidently never got */
	TCPS_CAT_CAPTURE_ARTEFACT, /* the capture made it (a packet recorded twice) */
};

/*
 * Finding codes. Stable and append-only: numbers and names never change, so
 * CI baselines survive new versions. docs/findings.md describes each.
 */
enum tcps_finding_code {
	TCPS_F_NONE = 0,
	TCPS_F_ILLEGAL_EVENT,       /* the endpoint's state does not allow the event */
	TCPS_F_INVALID_FLAGS,       /* SYN+FIN, SYN+RST, or no flag at all */
	TCPS_F_MISSING_ACK,         /* a segment other than SYN or RST without the ACK flag */
	TCPS_F_DATA_IN_SYN_SENT,    /* data sent from SYN_SENT on a segment other than the SYN */
	TCPS_F_SYN_NEW_ISN,         /* SYN with a new ISN from a synchronized state */
	TCPS_F_DATA_AFTER_FIN,      /* data beyond the sender's own FIN */
	TCPS_F_SEGMENT_FROM_CLOSED, /* a segment other than RST or SYN from an endpoint in CLOSED */
	TCPS_F_RST_AFTER_RST,       /* RST that answers the peer's RST */
	TCPS_F_RST_UNACCEPTABLE,    /* RST in SYN_SENT that does not acknowledge the SYN */
	TCPS_F_ACK_OF_UNSEEN,       /* ACK of sequence space the capture never saw */
	TCPS_F_NOT_RECEIVED,        /* a captured segment its receiver evidently never got */
	TCPS_F_REUSE_UNACCEPTABLE,  /* new SYN on a tuple whose peer cannot accept it (RFC 6191) */
	TCPS_F_SYNACK_BAD_ACK,      /* SYN,ACK acknowledging neither ISN+1 nor ISN+1+SYN data */
	TCPS_F_HANDSHAKE_BAD_SEQ,   /* the handshake's final ACK does not continue at ISN+1 */
	TCPS_F_FIN_SEQ_CHANGED,     /* a retransmitted FIN at another sequence number */
	TCPS_F_ACK_WITHOUT_FLAG,    /* acknowledgement number non-zero, ACK flag off */
	TCPS_F_CAPTURE_DUPLICATE,   /* the same IPv4 packet recorded twice (same IP id, seq, ack, flags, length) */
	TCPS_F_RETRANSMISSION,      /* sequence space sent again (or first captured late after a loss) */
	TCPS_F_FAST_RETRANSMISSION, /* ... after the receiver's duplicate ACKs or SACK showed the loss */
	TCPS_F_SPURIOUS_RETRANSMISSION, /* ... of bytes the receiver had already acknowledged */
	TCPS_F_OUT_OF_ORDER,        /* fills a gap, and was sent before the segment beyond the gap */
	TCPS_F_SEGMENT_NOT_CAPTURED, /* bytes the receiver acknowledged that the capture never saw */
	TCPS_F_SEGMENT_LOST,        /* a gap never filled nor acknowledged until the end */
	TCPS_F_DUP_ACK,             /* a duplicate ACK (RFC 5681), with its running count */
	TCPS_F_ACK_BACKWARDS,       /* an acknowledgement below one the endpoint sent before */
	TCPS_F_RETRANSMISSION_DIFFERS, /* retransmitted bytes differ from the first copy */
	TCPS_F_BEYOND_WINDOW,       /* data beyond the receiver's advertised window */
	TCPS_F_ZERO_WINDOW,         /* the endpoint closes its window to zero */
	TCPS_F_ZERO_WINDOW_PROBE,   /* a probe of the peer's zero window */
	TCPS_F_ZERO_WINDOW_PROBE_ACK, /* the answer to a probe, window still zero */
	TCPS_F_WINDOW_UPDATE,       /* a pure ACK that only changes the window */
	TCPS_F_WINDOW_FULL,         /* data up to exactly the receiver's window edge */
	TCPS_F_WINDOW_SHRINK,       /* the window's right edge moves left */
	TCPS_F_WSCALE_INVALID,      /* window scale shift above 14 */
	TCPS_F_KEEP_ALIVE,          /* a keep-alive probe */
	TCPS_F_KEEP_ALIVE_ACK,      /* the answer to a keep-alive */
	TCPS_F_RST_OUT_OF_WINDOW,   /* an RST outside the receiver's window: ignored */
	TCPS_F_RST_NOT_EXACT,       /* an RST in the window but not at rcv_nxt: a challenge ACK (RFC 5961) */
	TCPS_F_TS_BACKWARDS,        /* a TSval below TS.Recent: PAWS drops the segment (RFC 7323) */
	TCPS_F_SUPER_SEGMENT,       /* a segment above the MSS: offloaded (TSO/GRO), seen on a host */
	TCPS_F_NETWORK_DUPLICATE,   /* the same IPv4 datagram again, later: duplicated on the way, not resent */
	TCPS_F_TS_ECHO_UNSENT,      /* to an endpoint in SYN_SENT, a TSecr it never sent: not an answer to its SYN */
	TCPS_F_RST_NOT_FROM_ENDPOINT, /* an RST in an endpoint's name that went on sending: its stack did not send it */
	TCPS_F_SYNACK_SECOND_ISN,   /* SYN,ACKs with a second ISN answer the same SYN: two stacks answer for the endpoint */
	TCPS_F_CHALLENGE_ACK,       /* the receiver's challenge ACK to an RST in its window but not at rcv_nxt, or to a SYN while synchronized (RFC 5961) */
	TCPS_F__COUNT
};

const char *tcps_finding_name(enum tcps_finding_code c);   /* "illegal_event", ... */
const char *tcps_finding_text(enum tcps_finding_code c);   /* one-line English description */
enum tcps_severity tcps_finding_severity(enum tcps_finding_code c);
enum tcps_category tcps_finding_category(enum tcps_finding_code c);
const char *tcps_severity_name(enum tcps_severity s);      /* "info", "warning", "error" */
const char *tcps_category_name(enum tcps_category c);      /* "illegal", "capture-loss", "network" */

/* Room a finding's detail needs, NUL included. */
#define TCPS_DETAIL_SIZE 192

/* One line of a connection's timeline. */
/* A revision (streaming only) is a finding written before, at the same
 * packet, that later packets showed to be another: revises is its old code. */
enum tcps_record_kind { TCPS_REC_TRANSITION = 0, TCPS_REC_FINDING, TCPS_REC_REVISION };

struct tcps_record {
	enum tcps_record_kind kind;
	uint64_t pkt;                /* the segment that caused it; 0 for a timer (2MSL) */
	int64_t sec;                 /* its capture time */
	uint32_t nsec;
	uint8_t role;                /* enum tcps_role: the endpoint it concerns */
	uint8_t event;               /* enum tcps_event */
	uint8_t from, to;            /* enum tcps_state; a finding has the state in both */
	uint8_t code;                /* enum tcps_finding_code, findings only */
	uint64_t after_pkt;          /* receive transitions: when the ack evidence places the
	                              * receipt after this endpoint sent that packet, its number;
	                              * findings: the other packet the detail names; else 0 */
	uint8_t unconfirmed;         /* receive transition applied at the connection's end
	                              * although this endpoint's last segment did not reflect it */
	const char *rule;            /* RFC rule of the cell or check; never NULL */
	const char *detail;          /* findings: English with the numbers; else "" */
	uint8_t revises;             /* TCPS_REC_REVISION: the code it was written with */
};

#endif
