/* tcpsm.h - the RFC 9293 endpoint state machine: one table serves both endpoints */
#ifndef TCPS_TCPSM_H
#define TCPS_TCPSM_H

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
 * What one segment means to one endpoint. The role is part of the event:
 * the sender of a segment gets a SND_ event, the receiver a RCV_ event, and
 * both look up the same table. A segment may give an endpoint several events,
 * applied in this order: RCV_ACK_CTL before RCV_FIN (a FIN that acknowledges
 * our FIN first completes our close, then starts the peer's).
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
	TCPS_EV__COUNT
};

/* How the table judges an event in a state. */
enum tcps_verdict {
	TCPS_V_ILLEGAL = 0,    /* the state does not allow it: a finding */
	TCPS_V_MOVE,           /* allowed; the endpoint goes to `next` (may equal the state) */
	TCPS_V_REPEAT,         /* allowed repetition (retransmitted SYN/FIN, re-ACK): no move */
};

struct tcps_cell {
	uint8_t verdict;       /* enum tcps_verdict */
	uint8_t next;          /* enum tcps_state, for TCPS_V_MOVE */
	const char *rule;      /* RFC section that justifies the cell; NULL when illegal */
};

/* The cell for an event in a state. */
const struct tcps_cell *tcps_sm_cell(enum tcps_state s, enum tcps_event e);

/* "ESTABLISHED", "snd_syn", ... (stable spellings). */
const char *tcps_state_name(enum tcps_state s);
const char *tcps_event_name(enum tcps_event e);

#endif
