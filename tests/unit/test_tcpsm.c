/* test_tcpsm.c - the endpoint transition table: golden dump and invariants */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "suites.h"
#include "tcpsm.h"

#ifndef TCPS_UNIT_EXPECTED_DIR
#error "TCPS_UNIT_EXPECTED_DIR must name tests/unit/expected"
#endif
#define GOLDEN TCPS_UNIT_EXPECTED_DIR "/sm_table.txt"

/* One line per cell: "STATE event -> verdict [NEXT] : rule". */
static size_t dump(char *buf, size_t cap)
{
	static const char *const verdicts[] = { "ILLEGAL", "MOVE", "REPEAT" };
	size_t n = 0;
	for (int s = 0; s < TCPS_ST__COUNT; s++)
		for (int e = 0; e < TCPS_EV__COUNT; e++) {
			const struct tcps_cell *c = tcps_sm_cell((enum tcps_state)s, (enum tcps_event)e);
			int w = snprintf(buf + n, cap - n, "%-11s %-14s -> %-7s %-11s : %s\n",
					 tcps_state_name((enum tcps_state)s), tcps_event_name((enum tcps_event)e),
					 verdicts[c->verdict],
					 c->verdict == TCPS_V_MOVE ? tcps_state_name((enum tcps_state)c->next) : "-",
					 c->rule ? c->rule : "-");
			n += (size_t)w < cap - n ? (size_t)w : cap - n - 1;
		}
	return n;
}

/* The whole table equals the reviewed golden file. TCPS_UPDATE=1 rewrites it. */
static void test_golden_dump(void)
{
	static char now[64 * 1024], want[64 * 1024];
	size_t n = dump(now, sizeof now);
	if (getenv("TCPS_UPDATE") && !strcmp(getenv("TCPS_UPDATE"), "1")) {
		FILE *f = fopen(GOLDEN, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fwrite(now, 1, n, f);
		fclose(f);
	}
	FILE *f = fopen(GOLDEN, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	size_t m = fread(want, 1, sizeof want - 1, f);
	fclose(f);
	want[m] = '\0';
	CU_ASSERT_EQUAL(n, m);
	CU_ASSERT_STRING_EQUAL(now, want);
}

/* Every allowed cell says why; every illegal one says nothing. */
static void test_every_cell_justified(void)
{
	for (int s = 0; s < TCPS_ST__COUNT; s++)
		for (int e = 0; e < TCPS_EV__COUNT; e++) {
			const struct tcps_cell *c = tcps_sm_cell((enum tcps_state)s, (enum tcps_event)e);
			CU_ASSERT_EQUAL(c->verdict == TCPS_V_ILLEGAL, c->rule == NULL);
			CU_ASSERT(c->next < TCPS_ST__COUNT);
		}
}

/* An RST sent or received in any synchronized state ends in CLOSED; TIME_WAIT
 * is left only for CLOSED; CLOSED is reached from every state. */
static void test_invariants(void)
{
	for (int s = TCPS_ST_SYN_RCVD; s < TCPS_ST__COUNT; s++) {
		const struct tcps_cell *c = tcps_sm_cell((enum tcps_state)s, TCPS_EV_RCV_RST);
		CU_ASSERT_TRUE(c->verdict == TCPS_V_MOVE && c->next == TCPS_ST_CLOSED);
		c = tcps_sm_cell((enum tcps_state)s, TCPS_EV_SND_RST);
		if (s != TCPS_ST_TIME_WAIT) /* a TIME-WAIT reset answers a stray segment */
			CU_ASSERT_TRUE(c->verdict == TCPS_V_MOVE && c->next == TCPS_ST_CLOSED);
	}
	for (int e = 0; e < TCPS_EV__COUNT; e++) {
		const struct tcps_cell *c = tcps_sm_cell(TCPS_ST_TIME_WAIT, (enum tcps_event)e);
		if (c->verdict == TCPS_V_MOVE)
			CU_ASSERT_EQUAL(c->next, TCPS_ST_CLOSED);
	}
	/* Reachability from CLOSED and LISTEN over allowed moves. */
	bool seen[TCPS_ST__COUNT] = { [TCPS_ST_CLOSED] = true, [TCPS_ST_LISTEN] = true };
	for (int round = 0; round < TCPS_ST__COUNT; round++)
		for (int s = 0; s < TCPS_ST__COUNT; s++)
			for (int e = 0; seen[s] && e < TCPS_EV__COUNT; e++) {
				const struct tcps_cell *c = tcps_sm_cell((enum tcps_state)s, (enum tcps_event)e);
				if (c->verdict == TCPS_V_MOVE)
					seen[c->next] = true;
			}
	for (int s = 0; s < TCPS_ST__COUNT; s++)
		CU_ASSERT_TRUE(seen[s]);
}

/* Walks a sequence of events and returns the final state (or -1 on an
 * illegal event). */
static int walk(enum tcps_state s, const enum tcps_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct tcps_cell *c = tcps_sm_cell(s, ev[i]);
		if (c->verdict == TCPS_V_ILLEGAL)
			return -1;
		if (c->verdict == TCPS_V_MOVE)
			s = (enum tcps_state)c->next;
	}
	return (int)s;
}

/* The paths of RFC 9293 figure 5 and of kernel-facts.md, endpoint by endpoint. */
static void test_paths(void)
{
	/* Three-way handshake, initiator closes first. */
	static const enum tcps_event ini[] = { TCPS_EV_SND_SYN, TCPS_EV_RCV_SYNACK, TCPS_EV_SND_ACK,
					       TCPS_EV_SND_FIN, TCPS_EV_RCV_ACK_CTL, TCPS_EV_RCV_FIN,
					       TCPS_EV_SND_ACK };
	static const enum tcps_event res[] = { TCPS_EV_RCV_SYN, TCPS_EV_SND_SYNACK, TCPS_EV_RCV_ACK_CTL,
					       TCPS_EV_RCV_FIN, TCPS_EV_SND_ACK, TCPS_EV_SND_FIN,
					       TCPS_EV_RCV_ACK_CTL };
	CU_ASSERT_EQUAL(walk(TCPS_ST_CLOSED, ini, 7), TCPS_ST_TIME_WAIT);
	CU_ASSERT_EQUAL(walk(TCPS_ST_LISTEN, res, 7), TCPS_ST_CLOSED);
	/* Simultaneous open, then simultaneous close through CLOSING. */
	static const enum tcps_event sim[] = { TCPS_EV_SND_SYN, TCPS_EV_RCV_SYN, TCPS_EV_SND_SYNACK,
					       TCPS_EV_RCV_SYNACK, TCPS_EV_SND_FIN, TCPS_EV_RCV_FIN,
					       TCPS_EV_SND_ACK, TCPS_EV_RCV_ACK_CTL };
	CU_ASSERT_EQUAL(walk(TCPS_ST_CLOSED, sim, 8), TCPS_ST_TIME_WAIT);
	/* FIN+ACK acknowledging our FIN in FIN_WAIT_1: straight on to TIME_WAIT. */
	static const enum tcps_event finack[] = { TCPS_EV_SND_FIN, TCPS_EV_RCV_ACK_CTL, TCPS_EV_RCV_FIN };
	CU_ASSERT_EQUAL(walk(TCPS_ST_ESTABLISHED, finack, 3), TCPS_ST_TIME_WAIT);
	/* SYN to a closed port: the responder refuses, the initiator is reset. */
	static const enum tcps_event refused_ini[] = { TCPS_EV_SND_SYN, TCPS_EV_SND_SYN, TCPS_EV_RCV_RST };
	static const enum tcps_event refused_res[] = { TCPS_EV_RCV_SYN, TCPS_EV_SND_RST };
	CU_ASSERT_EQUAL(walk(TCPS_ST_CLOSED, refused_ini, 3), TCPS_ST_CLOSED);
	CU_ASSERT_EQUAL(walk(TCPS_ST_LISTEN, refused_res, 2), TCPS_ST_CLOSED);
	/* Illegal: data from SYN_SENT, FIN from CLOSED, SYN in ESTABLISHED. */
	CU_ASSERT_EQUAL(tcps_sm_cell(TCPS_ST_SYN_SENT, TCPS_EV_SND_ACK)->verdict, TCPS_V_ILLEGAL);
	CU_ASSERT_EQUAL(tcps_sm_cell(TCPS_ST_CLOSED, TCPS_EV_SND_FIN)->verdict, TCPS_V_ILLEGAL);
	CU_ASSERT_EQUAL(tcps_sm_cell(TCPS_ST_ESTABLISHED, TCPS_EV_SND_SYN)->verdict, TCPS_V_ILLEGAL);
	CU_ASSERT_EQUAL(tcps_sm_cell(TCPS_ST_TIME_WAIT, TCPS_EV_SND_FIN)->verdict, TCPS_V_ILLEGAL);
}

int suite_tcpsm(void)
{
	static const CU_TestInfo t[] = {
		{ "tcpsm: the whole table equals the reviewed golden dump", test_golden_dump },
		{ "tcpsm: every allowed cell cites its rule", test_every_cell_justified },
		{ "tcpsm: RST closes, TIME_WAIT only closes, every state reachable", test_invariants },
		{ "tcpsm: handshake, simultaneous open/close, FIN+ACK, refused SYN", test_paths },
		CU_TEST_INFO_NULL,
	};
	return add_suite("tcpsm", t);
}
