/* tcpsm.c - the RFC 9293 endpoint state machine: one table serves both endpoints
 *
 * Each connection runs two copies of this machine, one per endpoint. A
 * segment on the wire gives its sender a SND_ event and its receiver a RCV_
 * event; both are looked up here. The table says whether the state allows
 * the event (a move, possibly to the same state, or an allowed repetition
 * such as a retransmitted FIN) or not (a finding). Every allowed cell cites
 * the rule that allows it; an omitted cell is illegal, and the golden dump in
 * tests/unit/expected/sm_table.txt makes every change of a cell visible in
 * review. Section numbers are RFC 9293's unless another RFC is named.
 *
 * Judgement calls, made once here:
 * - A responder in LISTEN that receives a SYN stays in LISTEN until its
 *   SYN,ACK is seen: Linux keeps a request socket, not a SYN-RECEIVED one,
 *   and a closed port answers the SYN with RST without ever being
 *   SYN-RECEIVED. The SYN,ACK on the wire is the evidence of the move.
 * - Resets answering unacceptable segments (SYN-SENT, TIME-WAIT) leave the
 *   state alone, as the RFC says; a reset that aborts moves to CLOSED.
 * - A segment received by an endpoint in CLOSED or LISTEN is the peer's
 *   doing, never a finding against the receiver.
 */
#include <stddef.h>
#include "tcpsm.h"

#define MOVE(to, why) { TCPS_V_MOVE, TCPS_ST_##to, why }
#define REPEAT(why) { TCPS_V_REPEAT, 0, why }

/* Rules shared by many cells. */
#define R_ABORT "3.10.4 ABORT: send RST, enter CLOSED"
#define R_RST_SYNC "3.10.7.4 first check: an acceptable RST in a synchronized state enters CLOSED"
#define R_DATA "3.10.7.4 fifth/seventh check: data and acknowledgements in a synchronized state"
#define R_SYN_SYNC "RFC 5961 4.2: a SYN in a synchronized state is answered by a challenge ACK"
#define R_SYNACK_DUP "3.10.7.4: a retransmitted SYN,ACK (the final ACK was lost) is answered by an ACK"
#define R_FIN_RETX "3.8.1: a FIN is retransmitted, with its sequence number, until acknowledged"
#define R_FIN_DUP "3.10.7.4 eighth check: a retransmitted FIN leaves the state as it is"
#define R_CTL_DUP "3.10.7.4 fifth check: a duplicate ACK of our SYN or FIN changes nothing"
#define R_CLOSED_RCV "3.10.7.1 CLOSED: a segment other than RST is answered by RST; nothing changes"

static const struct tcps_cell table[TCPS_ST__COUNT][TCPS_EV__COUNT] = {
	[TCPS_ST_CLOSED] = {
		[TCPS_EV_SND_SYN] = MOVE(SYN_SENT, "3.10.1 OPEN (active): send SYN, enter SYN-SENT"),
		[TCPS_EV_SND_RST] = REPEAT("3.10.7.1 CLOSED: a segment arriving for no connection is answered by RST"),
		[TCPS_EV_RCV_SYN] = REPEAT(R_CLOSED_RCV),
		[TCPS_EV_RCV_SYNACK] = REPEAT(R_CLOSED_RCV),
		[TCPS_EV_RCV_ACK] = REPEAT(R_CLOSED_RCV),
		[TCPS_EV_RCV_ACK_CTL] = REPEAT(R_CLOSED_RCV),
		[TCPS_EV_RCV_FIN] = REPEAT(R_CLOSED_RCV),
		[TCPS_EV_RCV_RST] = REPEAT("3.10.7.1 CLOSED: an incoming RST is discarded"),
	},
	[TCPS_ST_LISTEN] = {
		[TCPS_EV_SND_SYN] = MOVE(SYN_SENT, "3.10.2 SEND in LISTEN: the passive end turns active, sends SYN, enters SYN-SENT"),
		[TCPS_EV_SND_SYNACK] = MOVE(SYN_RCVD, "3.10.7.2 LISTEN: a SYN is answered by SYN,ACK; enter SYN-RECEIVED"),
		[TCPS_EV_SND_RST] = MOVE(CLOSED, "3.10.7.1/3.10.7.2: a refused SYN is answered by RST; no connection remains"),
		[TCPS_EV_RCV_SYN] = REPEAT("3.10.7.2 LISTEN: SYN queued; SYN-RECEIVED begins when the SYN,ACK leaves"),
		[TCPS_EV_RCV_SYNACK] = REPEAT("3.10.7.2 LISTEN: a segment with ACK is answered by RST"),
		[TCPS_EV_RCV_ACK] = REPEAT("3.10.7.2 LISTEN: a segment with ACK is answered by RST"),
		[TCPS_EV_RCV_ACK_CTL] = REPEAT("3.10.7.2 LISTEN: a segment with ACK is answered by RST"),
		[TCPS_EV_RCV_FIN] = REPEAT("3.10.7.2 LISTEN: any other segment is dropped"),
		[TCPS_EV_RCV_RST] = REPEAT("3.10.7.2 LISTEN: an incoming RST is ignored"),
	},
	[TCPS_ST_SYN_SENT] = {
		[TCPS_EV_SND_SYN] = REPEAT("3.8.1: the SYN is retransmitted, same ISN, until answered"),
		[TCPS_EV_SND_SYNACK] = MOVE(SYN_RCVD, "3.10.7.3 SYN-SENT: a SYN without ACK (simultaneous open) is answered by SYN,ACK; enter SYN-RECEIVED"),
		[TCPS_EV_SND_RST] = REPEAT("3.10.7.3 SYN-SENT: an unacceptable ACK is answered by RST; the state stays"),
		[TCPS_EV_RCV_SYN] = MOVE(SYN_RCVD, "3.10.7.3 SYN-SENT fourth check: a SYN without ACK (simultaneous open): enter SYN-RECEIVED"),
		[TCPS_EV_RCV_SYNACK] = MOVE(ESTABLISHED, "3.10.7.3 SYN-SENT fourth check: SYN,ACK acknowledging our SYN: enter ESTABLISHED"),
		[TCPS_EV_RCV_ACK] = REPEAT("3.10.7.3 SYN-SENT first check: an unacceptable ACK is answered by RST"),
		[TCPS_EV_RCV_ACK_CTL] = REPEAT("3.10.7.3 SYN-SENT fifth check: a segment with neither SYN nor RST is dropped"),
		[TCPS_EV_RCV_FIN] = REPEAT("3.10.7.3 SYN-SENT fifth check: a segment with neither SYN nor RST is dropped"),
		[TCPS_EV_RCV_RST] = MOVE(CLOSED, "3.10.7.3 SYN-SENT second check: an RST acknowledging our SYN: connection refused, enter CLOSED"),
	},
	[TCPS_ST_SYN_RCVD] = {
		[TCPS_EV_SND_SYN] = REPEAT("3.8.1: our SYN is retransmitted, same ISN, until acknowledged"),
		[TCPS_EV_SND_SYNACK] = REPEAT("3.8.1: the SYN,ACK is retransmitted until acknowledged"),
		[TCPS_EV_SND_ACK] = REPEAT("RFC 7413 4.2 / 3.10.7.4: acknowledgements (and Fast Open data) before our SYN is acknowledged"),
		[TCPS_EV_SND_FIN] = MOVE(FIN_WAIT_1, "3.10.4 CLOSE in SYN-RECEIVED: send FIN, enter FIN-WAIT-1"),
		[TCPS_EV_SND_RST] = MOVE(CLOSED, R_ABORT),
		[TCPS_EV_RCV_SYN] = REPEAT("3.10.7.4: a retransmitted SYN is answered by the SYN,ACK again"),
		[TCPS_EV_RCV_SYNACK] = MOVE(ESTABLISHED, "3.10.7.4 SYN-RECEIVED fifth check (simultaneous open): the peer's SYN,ACK acknowledges our SYN: enter ESTABLISHED"),
		[TCPS_EV_RCV_ACK] = REPEAT("3.10.7.4 SYN-RECEIVED fifth check: an ACK not covering our SYN is answered by RST"),
		[TCPS_EV_RCV_ACK_CTL] = MOVE(ESTABLISHED, "3.10.7.4 SYN-RECEIVED fifth check: our SYN acknowledged: enter ESTABLISHED"),
		[TCPS_EV_RCV_FIN] = MOVE(CLOSE_WAIT, "3.10.7.4 eighth check: FIN in SYN-RECEIVED: enter CLOSE-WAIT"),
		[TCPS_EV_RCV_RST] = MOVE(CLOSED, "3.10.7.4 first check: RST in SYN-RECEIVED: the connection is refused or reset, enter CLOSED"),
	},
	[TCPS_ST_ESTABLISHED] = {
		[TCPS_EV_SND_ACK] = REPEAT(R_DATA),
		[TCPS_EV_SND_FIN] = MOVE(FIN_WAIT_1, "3.10.4 CLOSE in ESTABLISHED: send FIN, enter FIN-WAIT-1"),
		[TCPS_EV_SND_RST] = MOVE(CLOSED, R_ABORT),
		[TCPS_EV_RCV_SYN] = REPEAT(R_SYN_SYNC),
		[TCPS_EV_RCV_SYNACK] = REPEAT(R_SYNACK_DUP),
		[TCPS_EV_RCV_ACK] = REPEAT(R_DATA),
		[TCPS_EV_RCV_ACK_CTL] = REPEAT(R_CTL_DUP),
		[TCPS_EV_RCV_FIN] = MOVE(CLOSE_WAIT, "3.10.7.4 eighth check: FIN in ESTABLISHED: enter CLOSE-WAIT"),
		[TCPS_EV_RCV_RST] = MOVE(CLOSED, R_RST_SYNC),
	},
	[TCPS_ST_FIN_WAIT_1] = {
		[TCPS_EV_SND_ACK] = REPEAT("3.10.7.4: after our FIN we still acknowledge the peer's data and retransmit ours"),
		[TCPS_EV_SND_FIN] = REPEAT(R_FIN_RETX),
		[TCPS_EV_SND_RST] = MOVE(CLOSED, R_ABORT),
		[TCPS_EV_RCV_SYN] = REPEAT(R_SYN_SYNC),
		[TCPS_EV_RCV_SYNACK] = REPEAT(R_SYNACK_DUP),
		[TCPS_EV_RCV_ACK] = REPEAT("3.10.7.4 FIN-WAIT-1: data and ACKs that do not yet cover our FIN"),
		[TCPS_EV_RCV_ACK_CTL] = MOVE(FIN_WAIT_2, "3.10.7.4 FIN-WAIT-1: our FIN acknowledged: enter FIN-WAIT-2"),
		[TCPS_EV_RCV_FIN] = MOVE(CLOSING, "3.10.7.4 eighth check: FIN in FIN-WAIT-1, ours not acknowledged: enter CLOSING"),
		[TCPS_EV_RCV_FIN_ACK_CTL] = MOVE(TIME_WAIT, "3.10.7.4 eighth check: FIN in FIN-WAIT-1 with our FIN acknowledged in this segment: enter TIME-WAIT"),
		[TCPS_EV_RCV_RST] = MOVE(CLOSED, R_RST_SYNC),
	},
	[TCPS_ST_FIN_WAIT_2] = {
		[TCPS_EV_SND_ACK] = REPEAT("3.6 half-close: FIN-WAIT-2 still acknowledges what the peer sends"),
		[TCPS_EV_SND_FIN] = REPEAT(R_FIN_RETX),
		[TCPS_EV_SND_RST] = MOVE(CLOSED, R_ABORT),
		[TCPS_EV_RCV_SYN] = REPEAT(R_SYN_SYNC),
		[TCPS_EV_RCV_SYNACK] = REPEAT(R_SYNACK_DUP),
		[TCPS_EV_RCV_ACK] = REPEAT("3.6 half-close: the peer may still send data in FIN-WAIT-2"),
		[TCPS_EV_RCV_ACK_CTL] = REPEAT(R_CTL_DUP),
		[TCPS_EV_RCV_FIN] = MOVE(TIME_WAIT, "3.10.7.4 eighth check: FIN in FIN-WAIT-2: enter TIME-WAIT"),
		[TCPS_EV_RCV_RST] = MOVE(CLOSED, R_RST_SYNC),
	},
	[TCPS_ST_CLOSING] = {
		[TCPS_EV_SND_ACK] = REPEAT("3.10.7.4: CLOSING acknowledges the peer's FIN"),
		[TCPS_EV_SND_FIN] = REPEAT(R_FIN_RETX),
		[TCPS_EV_SND_RST] = MOVE(CLOSED, R_ABORT),
		[TCPS_EV_RCV_SYN] = REPEAT(R_SYN_SYNC),
		[TCPS_EV_RCV_ACK] = REPEAT(R_DATA),
		[TCPS_EV_RCV_ACK_CTL] = MOVE(TIME_WAIT, "3.10.7.4 CLOSING: our FIN acknowledged: enter TIME-WAIT"),
		[TCPS_EV_RCV_FIN] = REPEAT(R_FIN_DUP),
		[TCPS_EV_RCV_FIN_ACK_CTL] = MOVE(TIME_WAIT, "3.10.7.4 CLOSING: a retransmitted FIN that acknowledges ours: enter TIME-WAIT"),
		[TCPS_EV_RCV_RST] = MOVE(CLOSED, R_RST_SYNC),
	},
	[TCPS_ST_TIME_WAIT] = {
		[TCPS_EV_SND_ACK] = REPEAT("3.10.7.4 TIME-WAIT: the re-ACK of a retransmitted FIN"),
		[TCPS_EV_SND_RST] = REPEAT("3.10.7.4 TIME-WAIT: an unacceptable segment may be answered by RST; the state stays"),
		[TCPS_EV_RCV_SYN] = REPEAT("RFC 6191 / 3.10.7.4: a SYN may reopen the tuple (a new connection, not this one)"),
		[TCPS_EV_RCV_ACK] = REPEAT("3.10.7.4 TIME-WAIT: late segments are acknowledged or dropped"),
		[TCPS_EV_RCV_ACK_CTL] = REPEAT(R_CTL_DUP),
		[TCPS_EV_RCV_FIN] = REPEAT("3.10.7.4 TIME-WAIT: a retransmitted FIN is acknowledged and the 2 MSL wait restarted"),
		[TCPS_EV_RCV_RST] = MOVE(CLOSED, "3.10.7.4 first check: RST in TIME-WAIT enters CLOSED (the hazard of RFC 1337; Linux's default too)"),
		[TCPS_EV_TIMEOUT_2MSL] = MOVE(CLOSED, "3.10.8 time-wait timeout: after 2 MSL delete the TCB, enter CLOSED"),
		[TCPS_EV_TUPLE_REUSED] = MOVE(CLOSED, "RFC 6191 / 3.10.7.4: an acceptable new SYN ends TIME-WAIT early (Linux kills the timewait socket; tcp_tw_reuse lets a client reuse its own)"),
	},
	[TCPS_ST_CLOSE_WAIT] = {
		[TCPS_EV_SND_ACK] = REPEAT("3.6 half-close: CLOSE-WAIT may still send data"),
		[TCPS_EV_SND_FIN] = MOVE(LAST_ACK, "3.10.4 CLOSE in CLOSE-WAIT: send FIN, enter LAST-ACK"),
		[TCPS_EV_SND_RST] = MOVE(CLOSED, R_ABORT),
		[TCPS_EV_RCV_SYN] = REPEAT(R_SYN_SYNC),
		[TCPS_EV_RCV_SYNACK] = REPEAT(R_SYNACK_DUP),
		[TCPS_EV_RCV_ACK] = REPEAT("3.10.7.4 CLOSE-WAIT: acknowledgements of the data we still send"),
		[TCPS_EV_RCV_ACK_CTL] = REPEAT(R_CTL_DUP),
		[TCPS_EV_RCV_FIN] = REPEAT(R_FIN_DUP),
		[TCPS_EV_RCV_RST] = MOVE(CLOSED, R_RST_SYNC),
	},
	[TCPS_ST_LAST_ACK] = {
		[TCPS_EV_SND_ACK] = REPEAT("3.10.7.4 LAST-ACK: re-ACK of a retransmitted FIN, or data sent before our FIN retransmitted"),
		[TCPS_EV_SND_FIN] = REPEAT(R_FIN_RETX),
		[TCPS_EV_SND_RST] = MOVE(CLOSED, R_ABORT),
		[TCPS_EV_RCV_SYN] = REPEAT(R_SYN_SYNC),
		[TCPS_EV_RCV_ACK] = REPEAT("3.10.7.4 LAST-ACK: ACKs that do not yet cover our FIN"),
		[TCPS_EV_RCV_ACK_CTL] = MOVE(CLOSED, "3.10.7.4 LAST-ACK: our FIN acknowledged: enter CLOSED"),
		[TCPS_EV_RCV_FIN] = REPEAT(R_FIN_DUP),
		[TCPS_EV_RCV_FIN_ACK_CTL] = MOVE(CLOSED, "3.10.7.4 LAST-ACK: a retransmitted FIN that acknowledges ours: enter CLOSED"),
		[TCPS_EV_RCV_RST] = MOVE(CLOSED, R_RST_SYNC),
	},
};

static const char *const state_names[] = {
	[TCPS_ST_CLOSED] = "CLOSED",
	[TCPS_ST_LISTEN] = "LISTEN",
	[TCPS_ST_SYN_SENT] = "SYN_SENT",
	[TCPS_ST_SYN_RCVD] = "SYN_RCVD",
	[TCPS_ST_ESTABLISHED] = "ESTABLISHED",
	[TCPS_ST_FIN_WAIT_1] = "FIN_WAIT_1",
	[TCPS_ST_FIN_WAIT_2] = "FIN_WAIT_2",
	[TCPS_ST_CLOSING] = "CLOSING",
	[TCPS_ST_TIME_WAIT] = "TIME_WAIT",
	[TCPS_ST_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCPS_ST_LAST_ACK] = "LAST_ACK",
};
_Static_assert(sizeof state_names / sizeof state_names[0] == TCPS_ST__COUNT, "a state has no name");

static const char *const event_names[] = {
	[TCPS_EV_SND_SYN] = "snd_syn",
	[TCPS_EV_SND_SYNACK] = "snd_synack",
	[TCPS_EV_SND_ACK] = "snd_ack",
	[TCPS_EV_SND_FIN] = "snd_fin",
	[TCPS_EV_SND_RST] = "snd_rst",
	[TCPS_EV_RCV_SYN] = "rcv_syn",
	[TCPS_EV_RCV_SYNACK] = "rcv_synack",
	[TCPS_EV_RCV_ACK] = "rcv_ack",
	[TCPS_EV_RCV_ACK_CTL] = "rcv_ack_of_ctl",
	[TCPS_EV_RCV_FIN] = "rcv_fin",
	[TCPS_EV_RCV_RST] = "rcv_rst",
	[TCPS_EV_TIMEOUT_2MSL] = "timeout_2msl",
	[TCPS_EV_RCV_FIN_ACK_CTL] = "rcv_fin_ack_of_fin",
	[TCPS_EV_TUPLE_REUSED] = "tuple_reused",
};
_Static_assert(sizeof event_names / sizeof event_names[0] == TCPS_EV__COUNT, "an event has no name");

const struct tcps_cell *tcps_sm_cell(enum tcps_state s, enum tcps_event e)
{
	static const struct tcps_cell illegal = { TCPS_V_ILLEGAL, 0, NULL };
	if ((unsigned)s >= TCPS_ST__COUNT || (unsigned)e >= TCPS_EV__COUNT)
		return &illegal;
	return &table[s][e];
}

const char *tcps_state_name(enum tcps_state s)
{
	return (unsigned)s < TCPS_ST__COUNT ? state_names[s] : "UNKNOWN";
}

const char *tcps_event_name(enum tcps_event e)
{
	return (unsigned)e < TCPS_EV__COUNT ? event_names[e] : "unknown";
}
