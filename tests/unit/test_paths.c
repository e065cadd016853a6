/* test_paths.c - every path of issue 3, segment by segment through the engine
 *
 * Each scenario feeds Ethernet frames between A = 10.0.0.1:5000 and
 * B = 10.0.0.2:80 and compares the whole timeline with the expected one,
 * written as "#pkt role event FROM>TO", "#pkt role !finding STATE", and an
 * "end" line per connection (I = initiator, R = responder; * = starting
 * state inferred, ~ = the endpoint sent nothing).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "decode.h"
#include "pktbuild.h"
#include "suites.h"
#include "tcpstate/tcpstate.h"

struct step {
	int64_t sec;
	char from;                   /* 'A' or 'B' */
	uint16_t flags;
	uint32_t seq, ack;
	uint16_t len;
	const uint8_t *opts;         /* raw option bytes, a multiple of 4 */
	uint8_t optlen;
};

static char tl[16384];
static size_t tln;

static void put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void put(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tl + tln, sizeof tl - tln, fmt, ap);
	va_end(ap);
	if (n > 0)
		tln += (size_t)n < sizeof tl - tln ? (size_t)n : sizeof tl - tln - 1;
}

static void on_conn(void *ctx, const struct tcps_conn_summary *c)
{
	(void)ctx;
	put("conn %llu", (unsigned long long)c->id);
	if (c->reuse != TCPS_REUSE_NONE)
		put(" reuses %llu %s", (unsigned long long)c->reuse_of, tcps_reuse_name(c->reuse));
	put("\n");
	for (size_t i = 0; i < c->nrecords; i++) {
		const struct tcps_record *r = &c->records[i];
		char who = r->role == TCPS_INITIATOR ? 'I' : 'R';
		if (r->pkt)
			put("#%llu %c ", (unsigned long long)r->pkt, who);
		else
			put("- %c ", who);
		if (r->kind == TCPS_REC_TRANSITION)
			put("%s %s>%s", tcps_event_name((enum tcps_event)r->event),
			    tcps_state_name((enum tcps_state)r->from), tcps_state_name((enum tcps_state)r->to));
		else
			put("!%s %s", tcps_finding_name((enum tcps_finding_code)r->code),
			    tcps_state_name((enum tcps_state)r->from));
		if (r->after_pkt)
			put(" %s#%llu", r->kind == TCPS_REC_TRANSITION ? "after" : "other",
			    (unsigned long long)r->after_pkt);
		put("%s\n", r->unconfirmed ? "?" : "");
	}
	put("end %s I=%s%s%s R=%s%s%s\n", tcps_end_name(c->end), tcps_state_name(c->final[0]),
	    c->inferred[0] ? "*" : "", c->silent[0] ? "~" : "", tcps_state_name(c->final[1]),
	    c->inferred[1] ? "*" : "", c->silent[1] ? "~" : "");
}

/* Feeds the steps (packet i at sec + i ms, IPv4 id 0x100 + i, except that
 * step `copy` repeats the previous packet's id) and returns the timeline. */
static const char *run_copy(const struct step *st, size_t n, uint32_t time_wait, size_t copy)
{
	struct tcps_config cfg;
	struct tcps_reporter rep = { NULL, NULL, on_conn, false, NULL, NULL };
	char err[TCPS_ERRBUF_SIZE];
	tcps_config_init(&cfg);
	cfg.time_wait_sec = time_wait;
	tln = 0;
	tl[0] = '\0';
	struct tcps_engine *e = tcps_engine_new(&cfg, &rep, err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	for (size_t i = 0; i < n; i++) {
		uint8_t buf[2048];
		bool a = st[i].from == 'A';
		struct pkt_spec s = { .family = 4, .src = a ? "10.0.0.1" : "10.0.0.2", .dst = a ? "10.0.0.2" : "10.0.0.1",
				      .sport = a ? 5000 : 80, .dport = a ? 80 : 5000, .seq = st[i].seq, .ack = st[i].ack,
				      .flags = st[i].flags, .win = 1000, .payload = st[i].len, .opts = st[i].opts,
				      .optlen = st[i].optlen, .ip_id = (uint16_t)(0x100 + i - (i == copy)) };
		uint32_t len = (uint32_t)pb_ether(buf, &s);
		struct tcps_ts ts = { st[i].sec, (uint32_t)(i * 1000000) };
		tcps_engine_feed(e, TCPS_LINK_ETHERNET, &ts, buf, len, len);
	}
	tcps_engine_finish(e);
	tcps_engine_free(e);
	return tl;
}

static const char *run(const struct step *st, size_t n, uint32_t time_wait)
{
	return run_copy(st, n, time_wait, SIZE_MAX);
}

#define RUN(steps) run(steps, sizeof steps / sizeof steps[0], 60)
#define CHECK(steps, want)                                              \
	do {                                                            \
		const char *got_ = RUN(steps);                          \
		CU_ASSERT_STRING_EQUAL(got_, want);                     \
		if (strcmp(got_, want))                                 \
			fprintf(stderr, "\n--- got\n%s--- want\n%s", got_, want); \
	} while (0)

/* Asserts that case i's timeline contains want (or, want NULL, has no
 * finding at all), and shows the timeline when it does not. */
static void expect_line(const char *got, const char *want, size_t i)
{
	bool ok = want ? strstr(got, want) != NULL : strchr(got, '!') == NULL;
	CU_ASSERT(ok);
	if (!ok)
		fprintf(stderr, "\ncase %zu: want %s in\n%s", i, want ? want : "no finding", got);
}

enum { S = TH_SYN, A = TH_ACK, F = TH_FIN, R = TH_RST, P = TH_PSH };

/* A's ISN is 100, B's 900. */
#define HANDSHAKE { 1, 'A', S, 100, 0, 0, NULL, 0 }, { 1, 'B', S | A, 900, 101, 0, NULL, 0 }, \
		  { 1, 'A', A, 101, 901, 0, NULL, 0 }
#define HANDSHAKE_TL "conn 1\n#1 I snd_syn CLOSED>SYN_SENT\n#2 R snd_synack LISTEN>SYN_RCVD\n" \
		     "#2 I rcv_synack SYN_SENT>ESTABLISHED\n#3 R rcv_ack_of_ctl SYN_RCVD>ESTABLISHED\n"

static void test_initiator_closes(void)
{
	static const struct step st[] = {
		HANDSHAKE,
		{ 2, 'A', A | P, 101, 901, 10, NULL, 0 },
		{ 2, 'B', A, 901, 111, 0, NULL, 0 },
		{ 3, 'A', F | A, 111, 901, 0, NULL, 0 },
		{ 3, 'B', A, 901, 112, 0, NULL, 0 },
		{ 3, 'B', F | A, 901, 112, 0, NULL, 0 },
		{ 3, 'A', A, 112, 902, 0, NULL, 0 },
	};
	CHECK(st, HANDSHAKE_TL
	      "#6 I snd_fin ESTABLISHED>FIN_WAIT_1\n#6 R rcv_fin ESTABLISHED>CLOSE_WAIT\n"
	      "#7 I rcv_ack_of_ctl FIN_WAIT_1>FIN_WAIT_2\n#8 R snd_fin CLOSE_WAIT>LAST_ACK\n"
	      "#8 I rcv_fin FIN_WAIT_2>TIME_WAIT\n#9 R rcv_ack_of_ctl LAST_ACK>CLOSED\n"
	      "end capture_end I=TIME_WAIT R=CLOSED\n");
}

static void test_responder_closes(void)
{
	static const struct step st[] = {
		HANDSHAKE,
		{ 2, 'B', F | A, 901, 101, 0, NULL, 0 },
		{ 2, 'A', A, 101, 902, 0, NULL, 0 },
		{ 3, 'A', F | A, 101, 902, 0, NULL, 0 },
		{ 3, 'B', A, 902, 102, 0, NULL, 0 },
	};
	CHECK(st, HANDSHAKE_TL
	      "#4 R snd_fin ESTABLISHED>FIN_WAIT_1\n#4 I rcv_fin ESTABLISHED>CLOSE_WAIT\n"
	      "#5 R rcv_ack_of_ctl FIN_WAIT_1>FIN_WAIT_2\n#6 I snd_fin CLOSE_WAIT>LAST_ACK\n"
	      "#6 R rcv_fin FIN_WAIT_2>TIME_WAIT\n#7 I rcv_ack_of_ctl LAST_ACK>CLOSED\n"
	      "end capture_end I=CLOSED R=TIME_WAIT\n");
}

/* The FIN+ACK acknowledges our FIN: FIN_WAIT_1 straight to TIME_WAIT. */
static void test_fin_ack_straight_to_time_wait(void)
{
	static const struct step st[] = {
		HANDSHAKE,
		{ 2, 'A', F | A, 101, 901, 0, NULL, 0 },
		{ 2, 'B', F | A, 901, 102, 0, NULL, 0 },
		{ 2, 'A', A, 102, 902, 0, NULL, 0 },
	};
	CHECK(st, HANDSHAKE_TL
	      "#4 I snd_fin ESTABLISHED>FIN_WAIT_1\n#4 R rcv_fin ESTABLISHED>CLOSE_WAIT\n"
	      "#5 R snd_fin CLOSE_WAIT>LAST_ACK\n#5 I rcv_fin_ack_of_fin FIN_WAIT_1>TIME_WAIT\n"
	      "#6 R rcv_ack_of_ctl LAST_ACK>CLOSED\nend capture_end I=TIME_WAIT R=CLOSED\n");
}

/* FINs cross: the capture shows A's first, but B's FIN does not acknowledge
 * it, so B had not received it: both go through CLOSING. */
static void test_simultaneous_close(void)
{
	static const struct step st[] = {
		HANDSHAKE,
		{ 2, 'A', F | A, 101, 901, 0, NULL, 0 },
		{ 2, 'B', F | A, 901, 101, 0, NULL, 0 },
		{ 2, 'A', A, 102, 902, 0, NULL, 0 },
		{ 2, 'B', A, 902, 102, 0, NULL, 0 },
	};
	CHECK(st, HANDSHAKE_TL
	      "#4 I snd_fin ESTABLISHED>FIN_WAIT_1\n#5 R snd_fin ESTABLISHED>FIN_WAIT_1\n"
	      "#5 I rcv_fin FIN_WAIT_1>CLOSING\n#4 R rcv_fin FIN_WAIT_1>CLOSING after#5\n"
	      "#6 R rcv_ack_of_ctl CLOSING>TIME_WAIT\n#7 I rcv_ack_of_ctl CLOSING>TIME_WAIT\n"
	      "end capture_end I=TIME_WAIT R=TIME_WAIT\n");
}

/* SYNs cross: both CLOSED -> SYN_SENT -> SYN_RCVD -> ESTABLISHED. */
static void test_simultaneous_open(void)
{
	static const struct step st[] = {
		{ 1, 'A', S, 100, 0, 0, NULL, 0 },
		{ 1, 'B', S, 900, 0, 0, NULL, 0 },
		{ 1, 'A', S | A, 100, 901, 0, NULL, 0 },
		{ 1, 'B', S | A, 900, 101, 0, NULL, 0 },
		{ 1, 'A', A, 101, 901, 0, NULL, 0 },
	};
	CHECK(st, "conn 1\n#1 I snd_syn CLOSED>SYN_SENT\n#2 R snd_syn CLOSED>SYN_SENT\n"
		  "#2 I rcv_syn SYN_SENT>SYN_RCVD\n#1 R rcv_syn SYN_SENT>SYN_RCVD after#2\n"
		  "#4 I rcv_synack SYN_RCVD>ESTABLISHED\n#3 R rcv_synack SYN_RCVD>ESTABLISHED after#4?\n"
		  "end capture_end I=ESTABLISHED R=ESTABLISHED\n");
}

static void test_refused(void)
{
	static const struct step st[] = {
		{ 1, 'A', S, 100, 0, 0, NULL, 0 },
		{ 1, 'B', R | A, 0, 101, 0, NULL, 0 },
	};
	CHECK(st, "conn 1\n#1 I snd_syn CLOSED>SYN_SENT\n#2 R snd_rst LISTEN>CLOSED\n"
		  "#2 I rcv_rst SYN_SENT>CLOSED\nend capture_end I=CLOSED R=CLOSED\n");
}

/* Retransmitted SYNs with the same ISN are one connection; the peer, which
 * never answered, is assumed to listen and said to be silent. */
static void test_syn_unanswered(void)
{
	static const struct step st[] = {
		{ 1, 'A', S, 100, 0, 0, NULL, 0 },
		{ 2, 'A', S, 100, 0, 0, NULL, 0 },
		{ 4, 'A', S, 100, 0, 0, NULL, 0 },
	};
	CHECK(st, "conn 1\n#1 I snd_syn CLOSED>SYN_SENT\n#2 I !retransmission SYN_SENT\n#3 I !retransmission SYN_SENT\n"
		  "end capture_end I=SYN_SENT R=LISTEN~\n");
}

/* The final ACK is lost beyond the capture point: the SYN,ACK comes again,
 * so B was still in SYN_RCVD; the second ACK establishes it. */
static void test_lost_final_ack(void)
{
	static const struct step st[] = {
		HANDSHAKE,
		{ 2, 'B', S | A, 900, 101, 0, NULL, 0 },
		{ 2, 'A', A, 101, 901, 0, NULL, 0 },
		{ 2, 'B', A | P, 901, 101, 10, NULL, 0 },
		{ 2, 'A', A, 101, 911, 0, NULL, 0 },
	};
	CHECK(st, "conn 1\n#1 I snd_syn CLOSED>SYN_SENT\n#2 R snd_synack LISTEN>SYN_RCVD\n"
		  "#2 I rcv_synack SYN_SENT>ESTABLISHED\n#3 R !not_received SYN_RCVD other#4\n"
		  "#4 R !spurious_retransmission SYN_RCVD other#3\n"
		  "#5 R rcv_ack_of_ctl SYN_RCVD>ESTABLISHED\nend capture_end I=ESTABLISHED R=ESTABLISHED\n");
}

/* B's FIN is retransmitted because A's ACK was lost; A re-ACKs from TIME_WAIT. */
static void test_fin_retransmitted(void)
{
	static const struct step st[] = {
		HANDSHAKE,
		{ 2, 'A', F | A, 101, 901, 0, NULL, 0 },
		{ 2, 'B', A, 901, 102, 0, NULL, 0 },
		{ 2, 'B', F | A, 901, 102, 0, NULL, 0 },
		{ 2, 'A', A, 102, 902, 0, NULL, 0 },
		{ 3, 'B', F | A, 901, 102, 0, NULL, 0 },
		{ 3, 'A', A, 102, 902, 0, NULL, 0 },
	};
	CHECK(st, HANDSHAKE_TL
	      "#4 I snd_fin ESTABLISHED>FIN_WAIT_1\n#4 R rcv_fin ESTABLISHED>CLOSE_WAIT\n"
	      "#5 I rcv_ack_of_ctl FIN_WAIT_1>FIN_WAIT_2\n#6 R snd_fin CLOSE_WAIT>LAST_ACK\n"
	      "#6 I rcv_fin FIN_WAIT_2>TIME_WAIT\n#7 R !not_received LAST_ACK other#8\n"
	      "#8 R !spurious_retransmission LAST_ACK other#7\n"
	      "#9 R rcv_ack_of_ctl LAST_ACK>CLOSED\nend capture_end I=TIME_WAIT R=CLOSED\n");
}

/* After A's FIN, B keeps sending and A keeps acknowledging. */
static void test_half_close(void)
{
	static const struct step st[] = {
		HANDSHAKE,
		{ 2, 'A', F | A, 101, 901, 0, NULL, 0 },
		{ 2, 'B', A, 901, 102, 0, NULL, 0 },
		{ 2, 'B', A | P, 901, 102, 100, NULL, 0 },
		{ 2, 'A', A, 102, 1001, 0, NULL, 0 },
		{ 3, 'B', F | A, 1001, 102, 0, NULL, 0 },
		{ 3, 'A', A, 102, 1002, 0, NULL, 0 },
	};
	CHECK(st, HANDSHAKE_TL
	      "#4 I snd_fin ESTABLISHED>FIN_WAIT_1\n#4 R rcv_fin ESTABLISHED>CLOSE_WAIT\n"
	      "#5 I rcv_ack_of_ctl FIN_WAIT_1>FIN_WAIT_2\n#8 R snd_fin CLOSE_WAIT>LAST_ACK\n"
	      "#8 I rcv_fin FIN_WAIT_2>TIME_WAIT\n#9 R rcv_ack_of_ctl LAST_ACK>CLOSED\n"
	      "end capture_end I=TIME_WAIT R=CLOSED\n");
}

/* Fast Open: 21 bytes on the SYN, data from B before the final ACK. */
static void test_fast_open(void)
{
	static const uint8_t tfo[] = { 34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1 };
	static const struct step st[] = {
		{ 1, 'A', S, 100, 0, 21, tfo, sizeof tfo },
		{ 1, 'B', S | A, 900, 122, 0, NULL, 0 },
		{ 1, 'B', A | P, 901, 122, 50, NULL, 0 },
		{ 1, 'A', A, 122, 951, 0, NULL, 0 },
	};
	CHECK(st, "conn 1\n#1 I snd_syn CLOSED>SYN_SENT\n#2 R snd_synack LISTEN>SYN_RCVD\n"
		  "#2 I rcv_synack SYN_SENT>ESTABLISHED\n#4 R rcv_ack_of_ctl SYN_RCVD>ESTABLISHED\n"
		  "end capture_end I=ESTABLISHED R=ESTABLISHED\n");
}

/* The capture starts after the handshake: both start ESTABLISHED, inferred,
 * and the close is tracked. */
static void test_midstream(void)
{
	static const struct step st[] = {
		{ 1, 'A', A | P, 5000, 7000, 10, NULL, 0 },
		{ 1, 'B', A, 7000, 5010, 0, NULL, 0 },
		{ 1, 'A', F | A, 5010, 7000, 0, NULL, 0 },
		{ 1, 'B', F | A, 7000, 5011, 0, NULL, 0 },
		{ 1, 'A', A, 5011, 7001, 0, NULL, 0 },
	};
	CHECK(st, "conn 1\n#3 I snd_fin ESTABLISHED>FIN_WAIT_1\n#3 R rcv_fin ESTABLISHED>CLOSE_WAIT\n"
		  "#4 R snd_fin CLOSE_WAIT>LAST_ACK\n#4 I rcv_fin_ack_of_fin FIN_WAIT_1>TIME_WAIT\n"
		  "#5 R rcv_ack_of_ctl LAST_ACK>CLOSED\nend capture_end I=TIME_WAIT* R=CLOSED*\n");
}

/* The 2MSL wait ends in capture time when the capture goes on long enough. */
static void test_time_wait_expiry(void)
{
	static const struct step st[] = {
		HANDSHAKE,
		{ 2, 'A', F | A, 101, 901, 0, NULL, 0 },
		{ 2, 'B', F | A, 901, 102, 0, NULL, 0 },
		{ 2, 'A', A, 102, 902, 0, NULL, 0 },
		{ 100, 'B', A, 902, 102, 0, NULL, 0 }, /* a late ACK after the wait: a new midstream connection */
	};
	const char *got = run(st, sizeof st / sizeof st[0], 10);
	if (!strstr(got, "- I timeout_2msl"))
		fprintf(stderr, "\n%s", got);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "- I timeout_2msl TIME_WAIT>CLOSED\nend closed I=CLOSED R=CLOSED\nconn 2\n"));
	/* Within the wait, the endpoint stays in TIME_WAIT at the end. */
	got = run(st, sizeof st / sizeof st[0] - 1, 10);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "end capture_end I=TIME_WAIT R=CLOSED\n"));
	CU_ASSERT_PTR_NULL(strstr(got, "timeout_2msl"));
}

/* A new SYN from the endpoint in TIME_WAIT: a new connection, accepted
 * because the peer has closed. */
static void test_reuse_by_client(void)
{
	static const struct step st[] = {
		HANDSHAKE,
		{ 2, 'A', F | A, 101, 901, 0, NULL, 0 },
		{ 2, 'B', F | A, 901, 102, 0, NULL, 0 },
		{ 2, 'A', A, 102, 902, 0, NULL, 0 },
		{ 5, 'A', S, 7000, 0, 0, NULL, 0 },
		{ 5, 'B', S | A, 300, 7001, 0, NULL, 0 },
	};
	const char *got = RUN(st);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "#7 I tuple_reused TIME_WAIT>CLOSED\nend reused I=CLOSED R=CLOSED\nconn 2 reuses 1 peer_closed\n"
					   "#7 I snd_syn CLOSED>SYN_SENT\n#8 R snd_synack LISTEN>SYN_RCVD\n"));
}

/* The server closed first and sits in TIME_WAIT: a new SYN needs a higher
 * ISN than the old connection's end (RFC 6191), or a newer timestamp. */
static void test_reuse_into_time_wait(void)
{
	static const uint8_t ts_old[] = { 1, 1, 8, 10, 0, 0, 0, 50, 0, 0, 0, 0 };
	static const uint8_t ts_new[] = { 1, 1, 8, 10, 0, 0, 0, 99, 0, 0, 0, 0 };
#define SERVER_CLOSES(isn, opts)                                                                       \
	{ 1, 'A', S, 100, 0, 0, ts_old, sizeof ts_old }, { 1, 'B', S | A, 900, 101, 0, NULL, 0 },      \
	{ 1, 'A', A, 101, 901, 0, ts_old, sizeof ts_old }, { 2, 'B', F | A, 901, 101, 0, NULL, 0 },    \
	{ 2, 'A', F | A, 101, 902, 0, ts_old, sizeof ts_old }, { 2, 'B', A, 902, 102, 0, NULL, 0 },    \
	{ 3, 'A', S, isn, 0, 0, opts, sizeof ts_old }
	static const struct step low[] = { SERVER_CLOSES(50, ts_old) };
	static const struct step high[] = { SERVER_CLOSES(5000, ts_old) };
	static const struct step newer[] = { SERVER_CLOSES(50, ts_new) };
	const char *got = RUN(low);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "end reused I=CLOSED R=TIME_WAIT\nconn 2 reuses 1 time_wait_rejects\n"
					   "#7 I !reuse_unacceptable CLOSED\n"));
	got = RUN(high);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "#7 R tuple_reused TIME_WAIT>CLOSED\nend reused I=CLOSED R=CLOSED\n"
					   "conn 2 reuses 1 higher_isn\n#7 I snd_syn"));
	got = RUN(newer);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "conn 2 reuses 1 newer_timestamp\n#7 I snd_syn"));
}

/* sv-paws-evasion-linux: an RST,ACK and a FIN,ACK in the server's name
 * echo TSval 100 to a client in SYN_SENT whose SYN had TSval 5000. The
 * stack that got the SYN did not send them, and Linux drops them
 * (PAWSActiveRejected): flagged, and neither machine moves; the client's
 * RST answering the FIN leaves it in SYN_SENT, and the real SYN,ACK
 * opens the connection. A SYN,ACK that echoes the first of two SYNs is
 * no finding. */
static void test_ts_echo_unsent(void)
{
	static const uint8_t syn1[] = { 1, 1, 8, 10, 0, 0, 0x13, 0x88, 0, 0, 0, 0 };    /* TSval 5000 */
	static const uint8_t syn2[] = { 1, 1, 8, 10, 0, 0, 0x17, 0x70, 0, 0, 0, 0 };    /* TSval 6000 */
	static const uint8_t stale[] = { 1, 1, 8, 10, 0, 0, 0, 100, 0, 0, 0, 100 };     /* TSecr 100 */
	static const uint8_t echo1[] = { 1, 1, 8, 10, 0, 0, 0, 200, 0, 0, 0x13, 0x88 }; /* TSecr 5000 */
	static const struct step injected[] = {
		{ 1, 'A', S, 100, 0, 0, syn1, sizeof syn1 },
		{ 1, 'B', R | A, 0, 101, 0, stale, sizeof stale },
		{ 1, 'B', F | A, 0, 101, 0, stale, sizeof stale },
		{ 1, 'A', R, 101, 0, 0, NULL, 0 },
		{ 1, 'B', S | A, 900, 101, 0, echo1, sizeof echo1 },
		{ 1, 'A', A, 101, 901, 0, NULL, 0 },
	};
	CHECK(injected, "conn 1\n#1 I snd_syn CLOSED>SYN_SENT\n#2 R !ts_echo_unsent LISTEN\n#3 R !ts_echo_unsent LISTEN\n"
			"#5 R snd_synack LISTEN>SYN_RCVD\n#5 I rcv_synack SYN_SENT>ESTABLISHED\n"
			"#6 R rcv_ack_of_ctl SYN_RCVD>ESTABLISHED\nend capture_end I=ESTABLISHED R=ESTABLISHED\n");
	static const struct step first_syn_answered[] = {
		{ 1, 'A', S, 100, 0, 0, syn1, sizeof syn1 },
		{ 2, 'A', S, 100, 0, 0, syn2, sizeof syn2 },
		{ 2, 'B', S | A, 900, 101, 0, echo1, sizeof echo1 },
	};
	const char *got = RUN(first_syn_answered);
	CU_ASSERT_PTR_NULL(strstr(got, "ts_echo_unsent"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "#3 I rcv_synack SYN_SENT>ESTABLISHED\n"));
	/* Distances, not a modular comparison: a SYN's TSval of 3029037062 (one
	 * this machine's kernel gave in a make-paws.sh run) is more than 2^31
	 * above TSecr 100; and an echo from beyond its clock is stale too. */
	static const uint8_t syn_high[] = { 1, 1, 8, 10, 0xb4, 0x8b, 0x3f, 0x06, 0, 0, 0, 0 };
	static const uint8_t ahead[] = { 1, 1, 8, 10, 0, 0, 0, 100, 0xc4, 0x8b, 0x3f, 0x06, };
	static const struct step high[] = {
		{ 1, 'A', S, 100, 0, 0, syn_high, sizeof syn_high },
		{ 1, 'B', R | A, 0, 101, 0, stale, sizeof stale },
		{ 1, 'B', R | A, 0, 101, 0, ahead, sizeof ahead },
	};
	CHECK(high, "conn 1\n#1 I snd_syn CLOSED>SYN_SENT\n#2 R !ts_echo_unsent LISTEN\n#3 R !ts_echo_unsent LISTEN\n"
		    "end capture_end I=SYN_SENT R=LISTEN~\n");
}

/* RST from either side in each state: the sender goes to CLOSED on the
 * send, the receiver on the receipt (TIME_WAIT answers with RST and stays). */
static void test_rst_everywhere(void)
{
	static const struct {
		struct step st[8];
		size_t n;
		const char *want[2];
	} cases[] = {
		{ { { 1, 'A', S, 100, 0, 0, NULL, 0 }, { 1, 'B', S | A, 900, 101, 0, NULL, 0 },
		    { 1, 'B', R, 901, 0, 0, NULL, 0 } }, 3,
		  { "#3 R snd_rst SYN_RCVD>CLOSED\n", "#3 I rcv_rst ESTABLISHED>CLOSED\n" } },
		{ { { 1, 'A', S, 100, 0, 0, NULL, 0 }, { 1, 'B', S | A, 900, 101, 0, NULL, 0 },
		    { 1, 'A', R | A, 101, 901, 0, NULL, 0 } }, 3,
		  { "#3 I snd_rst ESTABLISHED>CLOSED\n", "#3 R rcv_rst SYN_RCVD>CLOSED\n" } },
		/* a SYN scanner's kernel answers the SYN,ACK to its raw SYN with a
		 * bare RST at the SYN,ACK's ack (RFC 9293 3.10.7.1): it shows the
		 * SYN,ACK arrived as surely as RST,ACK does */
		{ { { 1, 'A', S, 100, 0, 0, NULL, 0 }, { 1, 'B', S | A, 900, 101, 0, NULL, 0 },
		    { 1, 'A', R, 101, 0, 0, NULL, 0 } }, 3,
		  { "#2 I rcv_synack SYN_SENT>ESTABLISHED\n#3 I snd_rst ESTABLISHED>CLOSED\n",
		    "#3 R rcv_rst SYN_RCVD>CLOSED\nend capture_end I=CLOSED R=CLOSED\n" } },
		{ { HANDSHAKE, { 2, 'A', R | A, 101, 901, 0, NULL, 0 } }, 4,
		  { "#4 I snd_rst ESTABLISHED>CLOSED\n", "#4 R rcv_rst ESTABLISHED>CLOSED\n" } },
		{ { HANDSHAKE, { 2, 'B', R | A, 901, 101, 0, NULL, 0 } }, 4,
		  { "#4 R snd_rst ESTABLISHED>CLOSED\n", "#4 I rcv_rst ESTABLISHED>CLOSED\n" } },
		{ { HANDSHAKE, { 2, 'A', F | A, 101, 901, 0, NULL, 0 }, { 2, 'A', R | A, 102, 901, 0, NULL, 0 } }, 5,
		  { "#5 I snd_rst FIN_WAIT_1>CLOSED\n", "#5 R rcv_rst CLOSE_WAIT>CLOSED\n" } },
		{ { HANDSHAKE, { 2, 'A', F | A, 101, 901, 0, NULL, 0 }, { 2, 'B', R | A, 901, 102, 0, NULL, 0 } }, 5,
		  { "#5 R snd_rst CLOSE_WAIT>CLOSED\n", "#5 I rcv_rst FIN_WAIT_1>CLOSED\n" } },
		{ { HANDSHAKE, { 2, 'A', F | A, 101, 901, 0, NULL, 0 }, { 2, 'B', A, 901, 102, 0, NULL, 0 },
		    { 2, 'A', R | A, 102, 901, 0, NULL, 0 } }, 6,
		  { "#6 I snd_rst FIN_WAIT_2>CLOSED\n", "#6 R rcv_rst CLOSE_WAIT>CLOSED\n" } },
		{ { HANDSHAKE, { 2, 'A', F | A, 101, 901, 0, NULL, 0 }, { 2, 'B', A, 901, 102, 0, NULL, 0 },
		    { 2, 'B', F | A, 901, 102, 0, NULL, 0 }, { 2, 'B', R | A, 902, 102, 0, NULL, 0 } }, 7,
		  { "#7 R snd_rst LAST_ACK>CLOSED\n", "#7 I rcv_rst TIME_WAIT>CLOSED\n" } },
		{ { HANDSHAKE, { 2, 'A', F | A, 101, 901, 0, NULL, 0 }, { 2, 'B', F | A, 901, 101, 0, NULL, 0 },
		    { 2, 'A', A, 102, 902, 0, NULL, 0 }, { 2, 'A', R, 102, 0, 0, NULL, 0 } }, 7,
		  { "#7 I snd_rst CLOSING>CLOSED\n", "#7 R rcv_rst TIME_WAIT>CLOSED\n" } },
		{ { HANDSHAKE, { 2, 'A', F | A, 101, 901, 0, NULL, 0 }, { 2, 'B', F | A, 901, 102, 0, NULL, 0 },
		    { 2, 'A', R | A, 102, 902, 0, NULL, 0 } }, 6,
		  { "end capture_end I=TIME_WAIT R=CLOSED\n", "#6 R rcv_rst LAST_ACK>CLOSED\n" } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = run(cases[i].st, cases[i].n, 60);
		for (int k = 0; k < 2; k++) {
			expect_line(got, cases[i].want[k], i);
		}
	}
}

/* An RST in an endpoint's name, after which that endpoint goes on with its
 * sequence space: its stack did not send the RST, and it never closed. */
static void test_rst_not_from_endpoint(void)
{
	static const struct step injected[] = {
		HANDSHAKE,
		{ 2, 'A', R | A, 101, 901, 0, NULL, 0 },
		{ 2, 'A', A | P, 101, 901, 5, NULL, 0 },
		{ 2, 'B', A, 901, 106, 0, NULL, 0 },
	};
	CHECK(injected, HANDSHAKE_TL "#4 I !rst_not_from_endpoint ESTABLISHED other#5\n"
				     "end capture_end I=ESTABLISHED R=ESTABLISHED\n");
	/* The peer's data in between changes nothing; the connection then closes normally. */
	static const struct step between[] = {
		HANDSHAKE,
		{ 2, 'B', R | A, 901, 101, 0, NULL, 0 },
		{ 2, 'A', A | P, 101, 901, 5, NULL, 0 },
		{ 2, 'B', F | A, 901, 106, 0, NULL, 0 },
		{ 2, 'A', F | A, 106, 902, 0, NULL, 0 },
		{ 2, 'B', A, 902, 107, 0, NULL, 0 },
	};
	CHECK(between, HANDSHAKE_TL "#4 R !rst_not_from_endpoint ESTABLISHED other#6\n"
				    "#6 R snd_fin ESTABLISHED>FIN_WAIT_1\n#6 I rcv_fin ESTABLISHED>CLOSE_WAIT\n"
				    "#7 I snd_fin CLOSE_WAIT>LAST_ACK\n#7 R rcv_fin_ack_of_fin FIN_WAIT_1>TIME_WAIT\n"
				    "#8 I rcv_ack_of_ctl LAST_ACK>CLOSED\nend capture_end I=CLOSED R=TIME_WAIT\n");
	/* The RST's seq is ahead of the endpoint (in the window, not exact: a
	 * challenge ACK answers it, RFC 5961); the endpoint goes on at its
	 * snd_nxt, which the RST did not move. */
	static const struct step ahead[] = {
		HANDSHAKE,
		{ 2, 'A', R | A, 201, 901, 0, NULL, 0 },
		{ 2, 'B', A, 901, 101, 0, NULL, 0 },
		{ 2, 'A', A | P, 101, 901, 5, NULL, 0 },
		{ 2, 'B', A, 901, 106, 0, NULL, 0 },
	};
	const char *got = RUN(ahead);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "#4 I !rst_not_from_endpoint ESTABLISHED other#6\n"));
	CU_ASSERT_PTR_NULL(strstr(got, "retransmission"));
	CU_ASSERT_PTR_NULL(strstr(got, "segment_from_closed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "end capture_end I=ESTABLISHED R=ESTABLISHED\n"));
	/* The RST reached the peer, not the endpoint (injected towards the
	 * peer): the peer answers the endpoint's data with an RST. */
	static const struct step taken[] = {
		HANDSHAKE,
		{ 2, 'A', R | A, 101, 901, 0, NULL, 0 },
		{ 2, 'A', A | P, 101, 901, 5, NULL, 0 },
		{ 2, 'B', R, 901, 0, 0, NULL, 0 },
	};
	CHECK(taken, HANDSHAKE_TL "#4 I !rst_not_from_endpoint ESTABLISHED other#5\n#4 R rcv_rst ESTABLISHED>CLOSED\n"
				  "#6 I rcv_rst ESTABLISHED>CLOSED\nend capture_end I=CLOSED R=CLOSED\n");
	/* Across 2^32. The peer says nothing after: what nothing contradicts
	 * is taken as received, so it took the RST. */
	static const struct step wrap[] = {
		{ 1, 'A', S, 0xfffffffeu, 0, 0, NULL, 0 },
		{ 1, 'B', S | A, 900, 0xffffffffu, 0, NULL, 0 },
		{ 1, 'A', A, 0xffffffffu, 901, 0, NULL, 0 },
		{ 2, 'A', R | A, 0xffffffffu, 901, 0, NULL, 0 },
		{ 2, 'A', A | P, 0xffffffffu, 901, 5, NULL, 0 },
	};
	CHECK(wrap, HANDSHAKE_TL "#4 I !rst_not_from_endpoint ESTABLISHED other#5\n#4 R rcv_rst ESTABLISHED>CLOSED\n"
				 "end capture_end I=ESTABLISHED R=CLOSED\n");
	/* Its own: nothing, or another RST, follows; or what follows is no
	 * continuation (below the RST's seq, or beyond what the peer allowed). */
	static const struct step alone[] = { HANDSHAKE, { 2, 'A', R | A, 101, 901, 0, NULL, 0 } };
	CHECK(alone, HANDSHAKE_TL "#4 I snd_rst ESTABLISHED>CLOSED\n#4 R rcv_rst ESTABLISHED>CLOSED\n"
				  "end capture_end I=CLOSED R=CLOSED\n");
	static const struct step again[] = {
		HANDSHAKE,
		{ 2, 'A', R | A, 101, 901, 0, NULL, 0 },
		{ 2, 'A', R | A, 101, 901, 0, NULL, 0 },
	};
	got = RUN(again);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "#4 I snd_rst ESTABLISHED>CLOSED\n"));
	CU_ASSERT_PTR_NULL(strstr(got, "rst_not_from_endpoint"));
	static const struct step far[] = {
		HANDSHAKE,
		{ 2, 'A', R | A, 101, 901, 0, NULL, 0 },
		{ 2, 'A', A | P, 101 + 5000, 901, 5, NULL, 0 }, /* the window is 1000 */
	};
	got = RUN(far);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "#4 I snd_rst ESTABLISHED>CLOSED\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "#5 I !segment_from_closed CLOSED\n"));
	CU_ASSERT_PTR_NULL(strstr(got, "rst_not_from_endpoint"));
}

/* SYN,ACKs with a second ISN answering the same SYN: two stacks answer for
 * the responder. The one the initiator's ACK chooses is followed (its
 * numbers, no handshake_bad_seq); the other's SYN,ACKs are set aside as
 * that stack's retransmissions. */
static void test_synack_second_isn(void)
{
	static const struct step second_wins[] = {
		{ 1, 'A', S, 100, 0, 0, NULL, 0 },
		{ 1, 'B', S | A, 900, 101, 0, NULL, 0 },
		{ 1, 'B', S | A, 5000, 101, 0, NULL, 0 },
		{ 1, 'A', A, 101, 5001, 0, NULL, 0 },
		{ 2, 'B', A | P, 5001, 101, 5, NULL, 0 },
		{ 2, 'A', A, 101, 5006, 0, NULL, 0 },
		{ 3, 'B', S | A, 900, 101, 0, NULL, 0 },
	};
	CHECK(second_wins, "conn 1\n#1 I snd_syn CLOSED>SYN_SENT\n#2 R snd_synack LISTEN>SYN_RCVD\n"
			   "#3 R !synack_second_isn SYN_RCVD\n#3 I rcv_synack SYN_SENT>ESTABLISHED\n"
			   "#4 R rcv_ack_of_ctl SYN_RCVD>ESTABLISHED\n#7 R !retransmission ESTABLISHED\n"
			   "end capture_end I=ESTABLISHED R=ESTABLISHED\n");
	static const struct step first_wins[] = {
		{ 1, 'A', S, 100, 0, 0, NULL, 0 },
		{ 1, 'B', S | A, 900, 101, 0, NULL, 0 },
		{ 1, 'B', S | A, 5000, 101, 0, NULL, 0 },
		{ 1, 'A', A, 101, 901, 0, NULL, 0 },
		{ 2, 'B', S | A, 5000, 101, 0, NULL, 0 },
		{ 2, 'B', A | P, 901, 101, 5, NULL, 0 },
		{ 2, 'A', A, 101, 906, 0, NULL, 0 },
	};
	CHECK(first_wins, "conn 1\n#1 I snd_syn CLOSED>SYN_SENT\n#2 R snd_synack LISTEN>SYN_RCVD\n"
			  "#2 I rcv_synack SYN_SENT>ESTABLISHED\n#3 R !synack_second_isn SYN_RCVD\n"
			  "#4 R rcv_ack_of_ctl SYN_RCVD>ESTABLISHED\n#5 R !retransmission SYN_RCVD\n"
			  "end capture_end I=ESTABLISHED R=ESTABLISHED\n");
	/* Across the wrap: the second ISN's SYN,ACK ends at 0. */
	static const struct step wrap[] = {
		{ 1, 'A', S, 100, 0, 0, NULL, 0 },
		{ 1, 'B', S | A, 0xfffffff0u, 101, 0, NULL, 0 },
		{ 1, 'B', S | A, 0xffffffffu, 101, 0, NULL, 0 },
		{ 1, 'A', A, 101, 0, 0, NULL, 0 },
		{ 2, 'B', A | P, 0, 101, 5, NULL, 0 },
		{ 2, 'A', A, 101, 5, 0, NULL, 0 },
	};
	CHECK(wrap, "conn 1\n#1 I snd_syn CLOSED>SYN_SENT\n#2 R snd_synack LISTEN>SYN_RCVD\n"
		    "#3 R !synack_second_isn SYN_RCVD\n#3 I rcv_synack SYN_SENT>ESTABLISHED\n"
		    "#4 R rcv_ack_of_ctl SYN_RCVD>ESTABLISHED\nend capture_end I=ESTABLISHED R=ESTABLISHED\n");
	/* A third ISN, or a SYN,ACK answering another SYN, is no second source. */
	static const struct step third[] = {
		{ 1, 'A', S, 100, 0, 0, NULL, 0 },
		{ 1, 'B', S | A, 900, 101, 0, NULL, 0 },
		{ 1, 'B', S | A, 5000, 101, 0, NULL, 0 },
		{ 1, 'B', S | A, 7000, 101, 0, NULL, 0 },
	};
	const char *got = RUN(third);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "#3 R !synack_second_isn SYN_RCVD\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "#4 R !syn_new_isn SYN_RCVD\n"));
	static const struct step other_syn[] = {
		{ 1, 'A', S, 100, 0, 0, NULL, 0 },
		{ 1, 'B', S | A, 900, 101, 0, NULL, 0 },
		{ 1, 'B', S | A, 5000, 77, 0, NULL, 0 },
	};
	got = RUN(other_syn);
	CU_ASSERT_PTR_NULL(strstr(got, "synack_second_isn"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "#3 R !syn_new_isn SYN_RCVD\n"));
}

/* What the table or the checks refuse, each with its code. */
static void test_illegal(void)
{
	static const struct {
		struct step st[6];
		size_t n;
		const char *want;
	} cases[] = {
		{ { { 1, 'A', S, 100, 0, 0, NULL, 0 }, { 1, 'B', S | A, 900, 101, 0, NULL, 0 },
		    { 1, 'A', A | P, 101, 1, 10, NULL, 0 } }, 3,
		  "#3 I !data_in_syn_sent SYN_SENT\n" },
		{ { HANDSHAKE, { 2, 'A', S, 5555, 0, 0, NULL, 0 } }, 4, "#4 I !syn_new_isn ESTABLISHED\n" },
		{ { HANDSHAKE, { 2, 'A', F | A, 101, 901, 0, NULL, 0 }, { 2, 'A', A | P, 102, 901, 10, NULL, 0 } }, 5,
		  "#5 I !data_after_fin FIN_WAIT_1\n" },
		{ { HANDSHAKE, { 2, 'A', A | P, 101, 901, 5, NULL, 0 }, { 2, 'A', R | A, 106, 901, 0, NULL, 0 },
		    { 2, 'A', A | P, 101, 901, 5, NULL, 0 } }, 6,
		  "#6 I !segment_from_closed CLOSED\n" },
		{ { HANDSHAKE, { 2, 'A', P, 101, 0, 5, NULL, 0 } }, 4, "#4 I !missing_ack ESTABLISHED\n" },
		{ { HANDSHAKE, { 2, 'A', S | F, 101, 0, 0, NULL, 0 } }, 4, "#4 I !invalid_flags ESTABLISHED\n" },
		{ { HANDSHAKE, { 2, 'A', S | R, 101, 0, 0, NULL, 0 } }, 4, "#4 I !invalid_flags ESTABLISHED\n" },
		{ { HANDSHAKE, { 2, 'A', 0, 101, 0, 0, NULL, 0 } }, 4, "#4 I !invalid_flags ESTABLISHED\n" },
		{ { HANDSHAKE, { 2, 'A', 0x3f, 101, 901, 0, NULL, 0 } }, 4, "#4 I !invalid_flags ESTABLISHED\n" },
		/* a closed port's answers to an RST, by their form (RFC 9293 3.10.7.1) */
		{ { HANDSHAKE, { 2, 'A', A | P, 101, 901, 10, NULL, 0 }, { 2, 'A', R, 111, 0, 0, NULL, 0 },
		    { 2, 'B', R | A, 0, 111, 0, NULL, 0 } }, 6,
		  "#6 R !rst_after_rst CLOSED\n" },
		{ { HANDSHAKE, { 2, 'B', A | P, 901, 101, 10, NULL, 0 }, { 2, 'A', R | A, 101, 911, 0, NULL, 0 },
		    { 2, 'B', R, 911, 0, 0, NULL, 0 } }, 6,
		  "#6 R !rst_after_rst CLOSED\n" },
		{ { HANDSHAKE, { 2, 'A', A | P, 101, 901, 10, NULL, 0 }, { 2, 'B', A, 901, 121, 0, NULL, 0 } }, 5,
		  "#5 R !ack_of_unseen ESTABLISHED\n" },
		{ { { 1, 'A', S, 100, 0, 0, NULL, 0 }, { 1, 'B', R, 0, 0, 0, NULL, 0 } }, 2,
		  "#2 I !rst_unacceptable SYN_SENT\n" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = run(cases[i].st, cases[i].n, 60);
		expect_line(got, cases[i].want, i);
	}
}

/* Only the client's direction was captured: its ACK proves the SYN,ACK it
 * got, so the handshake completes as capture loss, not as a violation. */
static void test_one_sided(void)
{
	static const struct step st[] = {
		{ 1, 'A', S, 100, 0, 0, NULL, 0 },
		{ 1, 'A', A, 101, 901, 0, NULL, 0 },
		{ 1, 'A', A | P, 101, 901, 10, NULL, 0 },
		{ 2, 'A', F | A, 111, 901, 0, NULL, 0 },
	};
	CHECK(st, "conn 1\n#1 I snd_syn CLOSED>SYN_SENT\n#2 I !ack_of_unseen SYN_SENT\n"
		  "#2 R snd_synack LISTEN>SYN_RCVD\n#2 I rcv_synack SYN_SENT>ESTABLISHED\n"
		  "#2 R rcv_ack_of_ctl SYN_RCVD>ESTABLISHED\n#4 I snd_fin ESTABLISHED>FIN_WAIT_1\n"
		  "#4 R rcv_fin ESTABLISHED>CLOSE_WAIT\nend capture_end I=FIN_WAIT_1 R=CLOSE_WAIT~\n");
}

/* Three crossings seen in real captures (td-ssh-session, sv-ftp-80-flows):
 * an ACK sent in LAST_ACK just before the final ACK arrived; a FIN that
 * carries a new ack (an answer, not the timer's retransmission) while the
 * ACK of it is in flight; a second RST that answers a segment in flight. */
static void test_crossings_are_not_findings(void)
{
	static const struct step dup_ack[] = {
		HANDSHAKE,
		{ 2, 'A', F | A, 101, 901, 0, NULL, 0 },
		{ 2, 'B', A, 901, 102, 0, NULL, 0 },
		{ 2, 'B', F | A, 901, 102, 0, NULL, 0 },
		{ 2, 'A', A, 102, 902, 0, NULL, 0 },
		{ 2, 'B', A, 902, 102, 0, NULL, 0 }, /* sent in LAST_ACK before #7 arrived */
	};
	CHECK(dup_ack, HANDSHAKE_TL
	      "#4 I snd_fin ESTABLISHED>FIN_WAIT_1\n#4 R rcv_fin ESTABLISHED>CLOSE_WAIT\n"
	      "#5 I rcv_ack_of_ctl FIN_WAIT_1>FIN_WAIT_2\n#6 R snd_fin CLOSE_WAIT>LAST_ACK\n"
	      "#6 I rcv_fin FIN_WAIT_2>TIME_WAIT\n#7 R rcv_ack_of_ctl LAST_ACK>CLOSED after#8\n"
	      "end capture_end I=TIME_WAIT R=CLOSED\n");
	static const struct step fin_answer[] = {
		HANDSHAKE,
		{ 2, 'B', F | A, 901, 101, 0, NULL, 0 },
		{ 2, 'A', F | A, 101, 901, 0, NULL, 0 }, /* crosses B's FIN */
		{ 2, 'A', A, 102, 902, 0, NULL, 0 },
		{ 2, 'B', F | A, 901, 102, 0, NULL, 0 }, /* acks A's FIN, FIN still set; #6 in flight */
	};
	/* Only B's FIN sent again, already acknowledged by #6 in flight. */
	CHECK(fin_answer, HANDSHAKE_TL
	      "#4 R snd_fin ESTABLISHED>FIN_WAIT_1\n#5 I snd_fin ESTABLISHED>FIN_WAIT_1\n"
	      "#4 I rcv_fin FIN_WAIT_1>CLOSING after#5\n#5 R rcv_fin FIN_WAIT_1>CLOSING\n"
	      "#7 R !spurious_retransmission CLOSING other#6\n#7 I rcv_fin_ack_of_fin CLOSING>TIME_WAIT\n"
	      "#6 R rcv_ack_of_ctl CLOSING>TIME_WAIT after#7\nend capture_end I=TIME_WAIT R=TIME_WAIT\n");
	static const struct step two_rst[] = {
		HANDSHAKE,
		{ 2, 'B', A, 901, 101, 0, NULL, 0 },
		{ 2, 'A', R, 101, 0, 0, NULL, 0 },
		{ 2, 'A', R, 101, 0, 0, NULL, 0 }, /* answers #4, which arrived after the first RST */
	};
	const char *got = RUN(two_rst);
	CU_ASSERT_PTR_NULL(strstr(got, "rst_after_rst"));
	/* Not answers to the peer's RST, by their form: */
	static const struct {
		struct step st[6];
		size_t n;
	} not_answers[] = {
		/* both abort at once, without ACK (the RSTs cross) */
		{ { HANDSHAKE, { 2, 'A', R, 101, 0, 0, NULL, 0 }, { 2, 'B', R, 901, 0, 0, NULL, 0 } }, 5 },
		/* B answers A's data (sv-tfo-syn-data-nack #28, #29): seq = its ack,
		 * no ACK flag, which no answer to A's RST without ACK has */
		{ { HANDSHAKE, { 2, 'B', A | P, 901, 101, 10, NULL, 0 }, { 2, 'B', R, 911, 0, 0, NULL, 0 },
		    { 2, 'A', R, 101, 0, 0, NULL, 0 } }, 6 },
		/* B's RST,ACK acknowledges what A's RST does: the answer to A's SYN,
		 * a late copy of which B may have got */
		{ { HANDSHAKE, { 2, 'A', R, 101, 0, 0, NULL, 0 }, { 2, 'B', R | A, 0, 101, 0, NULL, 0 } }, 5 },
		/* A's RST,ACK acknowledges nothing new: B may answer A's ACK #3 */
		{ { HANDSHAKE, { 2, 'A', R | A, 101, 901, 0, NULL, 0 }, { 2, 'B', R, 901, 0, 0, NULL, 0 } }, 5 },
	};
	for (size_t i = 0; i < sizeof not_answers / sizeof not_answers[0]; i++) {
		got = run(not_answers[i].st, not_answers[i].n, 60);
		if (strstr(got, "rst_after_rst"))
			fprintf(stderr, "\nnot_answers[%zu] flagged:\n%s", i, got);
		CU_ASSERT_PTR_NULL(strstr(got, "rst_after_rst"));
	}
}

/* The sequence-number checks of seqcheck.c, and a connection whose
 * sequence numbers wrap around 2^32 without a finding. */
static void test_seq_arithmetic(void)
{
	static const uint8_t tfo[] = { 34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1 };
	static const struct {
		struct step st[5];
		size_t n;
		const char *want;    /* NULL: no finding at all */
	} cases[] = {
		{ { { 1, 'A', S, 100, 0, 0, NULL, 0 }, { 1, 'B', S | A, 900, 105, 0, NULL, 0 } }, 2,
		  "#2 R !synack_bad_ack LISTEN\n" },
		{ { { 1, 'A', S, 100, 0, 21, tfo, sizeof tfo }, { 1, 'B', S | A, 900, 122, 0, NULL, 0 },
		    { 1, 'A', A, 122, 901, 0, NULL, 0 } }, 3, NULL },
		/* Fast Open data the SYN,ACK did not acknowledge is sent again. */
		{ { { 1, 'A', S, 100, 0, 21, tfo, sizeof tfo }, { 1, 'B', S | A, 900, 101, 0, NULL, 0 },
		    { 1, 'A', A | P, 101, 901, 21, NULL, 0 } }, 3, "#3 I !retransmission ESTABLISHED other#1\n" },
		{ { { 1, 'A', S, 100, 0, 0, NULL, 0 }, { 1, 'B', S | A, 900, 101, 0, NULL, 0 },
		    { 1, 'A', A, 100, 901, 0, NULL, 0 } }, 3, "#3 I !handshake_bad_seq ESTABLISHED\n" },
		{ { HANDSHAKE, { 2, 'A', F | A, 101, 901, 0, NULL, 0 }, { 3, 'A', F | A, 105, 901, 0, NULL, 0 } }, 5,
		  "#5 I !fin_seq_changed FIN_WAIT_1\n" },
		{ { { 1, 'A', S, 100, 7, 0, NULL, 0 } }, 1, "#1 I !ack_without_flag CLOSED\n" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = run(cases[i].st, cases[i].n, 60);
		expect_line(got, cases[i].want, i);
	}
	/* Both streams wrap: A from 0xfffffff0, B from 0xfffffffa. */
	static const struct step wrap[] = {
		{ 1, 'A', S, 0xfffffff0u, 0, 0, NULL, 0 },
		{ 1, 'B', S | A, 0xfffffffau, 0xfffffff1u, 0, NULL, 0 },
		{ 1, 'A', A | P, 0xfffffff1u, 0xfffffffbu, 40, NULL, 0 },
		{ 1, 'B', A | P, 0xfffffffbu, 0x19u, 30, NULL, 0 },
		{ 1, 'A', F | A, 0x19u, 0x19u, 0, NULL, 0 },
		{ 1, 'B', F | A, 0x19u, 0x1au, 0, NULL, 0 },
		{ 1, 'A', A, 0x1au, 0x1au, 0, NULL, 0 },
	};
	const char *got = RUN(wrap);
	CU_ASSERT_PTR_NULL(strchr(got, '!'));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "end capture_end I=TIME_WAIT R=CLOSED\n"));
	if (strchr(got, '!') || !strstr(got, "I=TIME_WAIT R=CLOSED"))
		fprintf(stderr, "\nwrap:\n%s", got);
}

/* The same datagram recorded twice is a capture artefact and moves nothing;
 * a retransmission (a new IP id) is not. */
static void test_capture_duplicate(void)
{
	static const struct step st[] = {
		HANDSHAKE,
		{ 2, 'A', F | A, 101, 901, 0, NULL, 0 },
		{ 2, 'A', F | A, 101, 901, 0, NULL, 0 },
	};
	const char *got = run_copy(st, 5, 60, 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "#5 I !capture_duplicate FIN_WAIT_1\n"));
	got = run(st, 5, 60);
	CU_ASSERT_PTR_NULL(strstr(got, "capture_duplicate"));
}

int suite_paths(void)
{
	static const CU_TestInfo t[] = {
		{ "paths: handshake, initiator closes", test_initiator_closes },
		{ "paths: responder closes", test_responder_closes },
		{ "paths: FIN+ACK of our FIN goes straight to TIME_WAIT", test_fin_ack_straight_to_time_wait },
		{ "paths: crossing FINs, ack evidence over capture order", test_simultaneous_close },
		{ "paths: simultaneous open", test_simultaneous_open },
		{ "paths: SYN refused by RST", test_refused },
		{ "paths: SYN retransmitted, never answered", test_syn_unanswered },
		{ "paths: lost final ACK, SYN,ACK retransmitted", test_lost_final_ack },
		{ "paths: FIN retransmitted, re-ACK from TIME_WAIT", test_fin_retransmitted },
		{ "paths: half-close with data the other way", test_half_close },
		{ "paths: TCP Fast Open", test_fast_open },
		{ "paths: midstream pickup", test_midstream },
		{ "paths: TIME_WAIT ends after --time-wait of capture time", test_time_wait_expiry },
		{ "paths: tuple reuse by the client in TIME_WAIT", test_reuse_by_client },
		{ "paths: tuple reuse into a server's TIME_WAIT (RFC 6191)", test_reuse_into_time_wait },
		{ "paths: RST in every state from either side", test_rst_everywhere },
		{ "paths: a TSecr outside the SYN's TSval to its clock, to SYN_SENT (PAWS evasion)", test_ts_echo_unsent },
		{ "paths: an RST in an endpoint's name, then it goes on sending", test_rst_not_from_endpoint },
		{ "paths: SYN,ACKs with a second ISN, the peer's ACK chooses", test_synack_second_isn },
		{ "paths: every illegal segment has its code", test_illegal },
		{ "paths: one-sided capture, the SYN,ACK is capture loss", test_one_sided },
		{ "paths: crossings in flight are not findings", test_crossings_are_not_findings },
		{ "paths: SYN/FIN arithmetic checks; sequence wraparound", test_seq_arithmetic },
		{ "paths: a packet recorded twice is a capture artefact", test_capture_duplicate },
		CU_TEST_INFO_NULL,
	};
	return add_suite("paths", t);
}
