/* tcpsm.h - the RFC 9293 endpoint state machine: one table serves both endpoints */
#ifndef TCPS_TCPSM_H
#define TCPS_TCPSM_H

#include <stdint.h>
#include "tcpstate/states.h"

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


#endif
