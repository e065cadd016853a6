/* test_stream.c - the seq/ack checks of issue 4, one crafted exchange each
 *
 * A = 10.0.0.1:5000 (ISN 1000 unless a case says otherwise) talks to
 * B = 10.0.0.2:80 (ISN 5000). Each case lists its segments and the exact
 * findings it must give, "#pkt I|R code: detail" (details show sequence
 * numbers relative to the ISNs), or nothing at all.
 */
#include <stdio.h>
#include <string.h>
#include "decode.h"
#include "pktbuild.h"
#include "suites.h"
#include "tcpstate/tcpstate.h"

struct seg_step {
	char from;                   /* 'A' or 'B' */
	uint16_t flags;
	uint32_t seq, ack;
	uint16_t len;
	uint32_t win;                /* 0: 1000; WIN0: a zero window */
	uint32_t tsval;              /* 0: no timestamp option */
	uint32_t sack_lo, sack_hi;   /* one SACK block when sack_hi != 0 */
	uint8_t syn_ws;              /* on a SYN: window scale option shift + 1 (0 none) */
	uint16_t syn_mss;            /* on a SYN: MSS option (0 none) */
	uint16_t ip_id;              /* 0: 0x100 + packet index */
	uint8_t fill;                /* payload byte, 0 = 'x' */
	int64_t usec;                /* time after the previous packet, 0 = 1 ms */
};

#define WIN0 0x10000u

enum { S = TH_SYN, A = TH_ACK, F = TH_FIN, R = TH_RST, P = TH_PSH };

static char out[16384];
static size_t outn;
static char states[4096];             /* "#pkt code in STATE on EVENT" per finding */
static size_t statesn;

static void on_conn(void *ctx, const struct tcps_conn_summary *c)
{
	struct tcps_conn_summary *last = ctx;
	*last = *c;
	last->records = NULL;
	for (size_t i = 0; i < c->nrecords; i++) {
		const struct tcps_record *r = &c->records[i];
		if (r->kind != TCPS_REC_FINDING)
			continue;
		int n = snprintf(out + outn, sizeof out - outn, "#%llu %c %s: %s\n", (unsigned long long)r->pkt,
				 r->role == TCPS_INITIATOR ? 'I' : 'R', tcps_finding_name((enum tcps_finding_code)r->code),
				 r->detail);
		if (n > 0 && (size_t)n < sizeof out - outn)
			outn += (size_t)n;
		n = snprintf(states + statesn, sizeof states - statesn, "#%llu %s in %s on %s\n",
			     (unsigned long long)r->pkt, tcps_finding_name((enum tcps_finding_code)r->code),
			     tcps_state_name(r->from), tcps_event_name(r->event));
		if (n > 0 && (size_t)n < sizeof states - statesn)
			statesn += (size_t)n;
	}
}

static size_t options(const struct seg_step *s, uint8_t *o)
{
	size_t n = 0;
	if ((s->flags & TH_SYN) && s->syn_mss) {
		o[n++] = 2, o[n++] = 4, o[n++] = (uint8_t)(s->syn_mss >> 8), o[n++] = (uint8_t)s->syn_mss;
	}
	if ((s->flags & TH_SYN) && s->syn_ws) {
		o[n++] = 1, o[n++] = 3, o[n++] = 3, o[n++] = (uint8_t)(s->syn_ws - 1);
	}
	if (s->tsval) {
		o[n++] = 1, o[n++] = 1, o[n++] = 8, o[n++] = 10;
		for (int i = 3; i >= 0; i--)
			o[n++] = (uint8_t)(s->tsval >> (8 * i));
		for (int i = 0; i < 4; i++)
			o[n++] = 0;
	}
	if (s->sack_hi) {
		o[n++] = 1, o[n++] = 1, o[n++] = 5, o[n++] = 10;
		for (int i = 3; i >= 0; i--)
			o[n++] = (uint8_t)(s->sack_lo >> (8 * i));
		for (int i = 3; i >= 0; i--)
			o[n++] = (uint8_t)(s->sack_hi >> (8 * i));
	}
	return n;
}

static struct tcps_conn_summary last;

/* Feeds the segments; returns the findings of every connection. */
static const char *feed(const struct seg_step *st, size_t n)
{
	struct tcps_config cfg;
	struct tcps_reporter rep = { &last, NULL, on_conn, false, NULL, NULL };
	char err[TCPS_ERRBUF_SIZE];
	tcps_config_init(&cfg);
	outn = statesn = 0;
	out[0] = states[0] = '\0';
	memset(&last, 0, sizeof last);
	struct tcps_engine *e = tcps_engine_new(&cfg, &rep, err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	struct tcps_ts ts = { 1700000000, 0 };
	for (size_t i = 0; i < n; i++) {
		uint8_t buf[16384], opt[40];
		const struct seg_step *s = &st[i];
		bool a = s->from == 'A';
		struct pkt_spec p = { .family = 4, .src = a ? "10.0.0.1" : "10.0.0.2", .dst = a ? "10.0.0.2" : "10.0.0.1",
				      .sport = a ? 5000 : 80, .dport = a ? 80 : 5000, .seq = s->seq, .ack = s->ack,
				      .flags = s->flags, .win = (uint16_t)(s->win == WIN0 ? 0 : s->win ? s->win : 1000), .payload = s->len,
				      .opts = opt, .optlen = options(s, opt),
				      .ip_id = s->ip_id ? s->ip_id : (uint16_t)(0x100 + i), .fill = s->fill };
		uint32_t len = (uint32_t)pb_ether(buf, &p);
		int64_t us = s->usec ? s->usec : 1000;
		ts.nsec += (uint32_t)(us * 1000);
		ts.sec += ts.nsec / 1000000000;
		ts.nsec %= 1000000000;
		tcps_engine_feed(e, TCPS_LINK_ETHERNET, &ts, buf, len, len);
	}
	tcps_engine_finish(e);
	tcps_engine_free(e);
	return out;
}

#define EXPECT(steps, want)                                                                 \
	do {                                                                                \
		const char *got_ = feed(steps, sizeof steps / sizeof steps[0]);             \
		CU_ASSERT_STRING_EQUAL(got_, want);                                         \
		if (strcmp(got_, want))                                                     \
			fprintf(stderr, "\n%s:%d\n--- got\n%s--- want\n%s", __FILE__, __LINE__, got_, want); \
	} while (0)

/* A handshake with timestamps (TSval = 10 * packet) and window scaling 2 on both sides. */
#define HS { 'A', S, 1000, 0, 0, 1000, 10, 0, 0, 3, 1460, 0, 0, 0 }, \
	   { 'B', S | A, 5000, 1001, 0, 1000, 20, 0, 0, 3, 1460, 0, 0, 0 }, \
	   { 'A', A, 1001, 5001, 0, 1000, 30, 0, 0, 0, 0, 0, 0, 0 }
/* The same with a 9000-byte MSS, and B's first scaled window (4000 bytes) sent. */
#define HS9 { 'A', S, 1000, 0, 0, 1000, 10, 0, 0, 3, 9000, 0, 0, 0 }, \
	    { 'B', S | A, 5000, 1001, 0, 1000, 20, 0, 0, 3, 9000, 0, 0, 0 }, \
	    { 'A', A, 1001, 5001, 0, 1000, 30, 0, 0, 0, 0, 0, 0, 0 }, \
	    { 'B', A, 5001, 1001, 0, 1000, 35, 0, 0, 0, 0, 0, 0, 0 }
#define D(from, seq, ack, len, tsval) { from, A | P, seq, ack, len, 1000, tsval, 0, 0, 0, 0, 0, 0, 0 }
#define K(from, seq, ack, tsval) { from, A, seq, ack, 0, 1000, tsval, 0, 0, 0, 0, 0, 0, 0 }

static void test_retransmissions(void)
{
	static const struct seg_step rto[] = {
		HS, D('A', 1001, 5001, 100, 40), D('A', 1001, 5001, 100, 50), K('B', 5001, 1101, 60),
		D('A', 1001, 5001, 100, 70),
	};
	EXPECT(rto, "#5 I retransmission: seq 1 to 101 again (100 seen before, first in packet 4)\n"
		    "#7 I spurious_retransmission: seq 1 to 101 again (100 seen before); the receiver had acknowledged it in packet 6\n");
	/* Duplicate ACKs, then the hole's start again: fast. */
	static const struct seg_step fast[] = {
		HS, D('A', 1001, 5001, 100, 40), D('A', 1101, 5001, 100, 40), D('A', 1201, 5001, 100, 40),
		D('A', 1301, 5001, 100, 40), K('B', 5001, 1001, 50), K('B', 5001, 1001, 50), K('B', 5001, 1001, 50),
		D('A', 1001, 5001, 100, 60), K('B', 5001, 1401, 70),
	};
	/* (#8 is no duplicate: its window is the first scaled one after the SYN,ACK's) */
	EXPECT(fast, "#9 R dup_ack: duplicate ACK #1 of ack 1 (packet 2)\n"
		     "#10 R dup_ack: duplicate ACK #2 of ack 1 (packet 2)\n"
		     "#11 I fast_retransmission: seq 1 to 101 again (100 seen before, first in packet 4); after 2 duplicate ACKs\n");
	/* A retransmission the receiver reports as a duplicate (D-SACK): spurious. */
	static const struct seg_step dsack[] = {
		HS, D('A', 1001, 5001, 100, 40), D('A', 1001, 5001, 100, 50),
		{ 'B', A, 5001, 1101, 0, 1000, 60, 1001, 1101, 0, 0, 0, 0, 0 },
	};
	EXPECT(dsack, "#5 I spurious_retransmission: seq 1 to 101 again; the receiver got it twice (D-SACK in packet 6)\n");
	/* The same sequence numbers with other bytes. */
	static const struct seg_step differs[] = {
		HS, D('A', 1001, 5001, 100, 40),
		{ 'A', A | P, 1001, 5001, 100, 1000, 50, 0, 0, 0, 0, 0, 'y', 0 },
	};
	EXPECT(differs, "#5 I retransmission: seq 1 to 101 again (100 seen before, first in packet 4)\n"
			"#5 I retransmission_differs: the byte at seq 1 differs from packet 4's (seq 1, 100 bytes)\n");
	/* The same datagram (IP id) again after others: delivered twice, sent once. */
	static const struct seg_step dup[] = {
		HS, { 'A', A | P, 1001, 5001, 100, 1000, 40, 0, 0, 0, 0, 0x777, 0, 0 }, D('A', 1101, 5001, 100, 50),
		{ 'A', A | P, 1001, 5001, 100, 1000, 40, 0, 0, 0, 0, 0x777, 0, 0 },
	};
	/* (TS.Recent is still 40: #5 lay beyond what B had acknowledged) */
	EXPECT(dup, "#6 I network_duplicate: IP id 1911, seq 1, 100 bytes: the datagram of packet 4 again\n");
	/* SYN and FIN sent again count too. */
	static const struct seg_step ctl[] = {
		{ 'A', S, 1000, 0, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 0 }, { 'A', S, 1000, 0, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 'B', S | A, 5000, 1001, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 0 }, K('A', 1001, 5001, 0),
		{ 'A', F | A, 1001, 5001, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 'A', F | A, 1001, 5001, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 0 },
	};
	EXPECT(ctl, "#2 I retransmission: seq 0 to 1 with SYN again (1 seen before)\n"
		    "#6 I retransmission: seq 1 to 2 with FIN again (1 seen before)\n");
}

static void test_gaps(void)
{
	/* The capture misses 101..201; the receiver acknowledges it. */
	static const struct seg_step acked[] = {
		HS, D('A', 1001, 5001, 100, 40), D('A', 1201, 5001, 100, 50), K('B', 5001, 1301, 60),
	};
	EXPECT(acked, "#5 I segment_not_captured: seq 101 to 201 (100 bytes) before this segment never captured; "
		      "the receiver acknowledged them in packet 6\n");
	/* ... or SACKs it. */
	static const struct seg_step sacked[] = {
		HS, D('A', 1001, 5001, 100, 40), D('A', 1201, 5001, 100, 50),
		{ 'B', A, 5001, 1001, 0, 1000, 60, 1101, 1301, 0, 0, 0, 0, 0 },
	};
	/* (#6 is also a duplicate ACK: new SACK information, RFC 6675) */
	EXPECT(sacked, "#5 I segment_not_captured: seq 101 to 201 (100 bytes) before this segment never captured; "
		       "the receiver SACKed them in packet 6\n"
		       "#6 R dup_ack: duplicate ACK #1 of ack 1 (packet 2)\n");
	/* Filled later by a segment with an older TSval: reordered. */
	static const struct seg_step ooo[] = {
		HS, D('A', 1001, 5001, 100, 40), D('A', 1201, 5001, 100, 50), D('A', 1101, 5001, 100, 45),
	};
	EXPECT(ooo, "#6 I out_of_order: seq 101 to 201 (100 bytes) fills a gap; sent before packet 5, its TSval is older\n");
	/* ... with a newer TSval: the first copy was lost before the capture point. */
	static const struct seg_step late[] = {
		HS, D('A', 1001, 5001, 100, 40), D('A', 1201, 5001, 100, 50), D('A', 1101, 5001, 100, 90),
	};
	EXPECT(late, "#6 I retransmission: seq 101 to 201; its first copy was lost before the capture point "
		     "(sent after packet 5: newer TSval)\n");
	/* No timestamps: the IP id tells (lower: sent first). */
	static const struct seg_step by_id[] = {
		{ 'A', S, 1000, 0, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 0 }, { 'B', S | A, 5000, 1001, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 0 },
		K('A', 1001, 5001, 0), D('A', 1001, 5001, 100, 0),
		{ 'A', A | P, 1201, 5001, 100, 1000, 0, 0, 0, 0, 0, 0x300, 0, 0 },
		{ 'A', A | P, 1101, 5001, 100, 1000, 0, 0, 0, 0, 0, 0x2ff, 0, 0 },
	};
	EXPECT(by_id, "#6 I out_of_order: seq 101 to 201 (100 bytes) fills a gap; sent before packet 5, its IP id is lower\n");
	/* Never filled, never acknowledged. */
	static const struct seg_step lost[] = { HS, D('A', 1001, 5001, 100, 40), D('A', 1201, 5001, 100, 50) };
	EXPECT(lost, "#5 I segment_lost: seq 101 to 201 (100 bytes) before this segment never captured, "
		     "filled or acknowledged up to the end\n");
}

static void test_acks(void)
{
	static const struct seg_step st[] = {
		HS, D('A', 1001, 5001, 100, 40), K('B', 5001, 1101, 50), K('B', 5001, 1001, 60), K('B', 5001, 1101, 70),
		D('A', 1101, 5001, 100, 80), K('B', 5001, 1101, 90), K('B', 5001, 1101, 100), K('B', 5001, 1201, 110),
		K('B', 5001, 1201, 120), /* nothing outstanding: no duplicate */
	};
	EXPECT(st, "#6 R ack_backwards: ack 1, below its earlier ack 101\n"
		   "#9 R dup_ack: duplicate ACK #1 of ack 101 (packet 5)\n"
		   "#10 R dup_ack: duplicate ACK #2 of ack 101 (packet 5)\n");
}

static void test_windows(void)
{
	/* B's window: 1000 << 2 = 4000 bytes beyond its ack. */
	static const struct seg_step full[] = {
		HS9, D('A', 1001, 5001, 4000, 40), K('B', 5001, 5001, 50), D('A', 5001, 5001, 4100, 60),
	};
	EXPECT(full, "#5 I window_full: data up to seq 4001 fills the receiver's window of 4000 bytes\n"
		     "#7 I beyond_window: data up to seq 8101, 100 bytes beyond the farthest right edge offered, seq 8001\n");
	/* Before the peer's first scaled window, its SYN's unscaled one rules (RFC 7323 2.2). */
	static const struct seg_step syn_win[] = { HS, D('A', 1001, 5001, 1001, 40) };
	EXPECT(syn_win, "#4 I beyond_window: data up to seq 1002, 1 bytes beyond the farthest right edge offered, seq 1001\n");
	static const struct seg_step zero[] = {
		HS9, D('A', 1001, 5001, 100, 40),
		{ 'B', A, 5001, 1101, 0, 0xffff, 50, 0, 0, 0, 0, 0, 0, 0 }, /* edge 101 + 262140 */
		{ 'B', A, 5001, 1101, 0, 10, 60, 0, 0, 0, 0, 0, 0, 0 },     /* edge moves left */
		{ 'B', A, 5001, 1101, 0, WIN0, 70, 0, 0, 0, 0, 0, 0, 0 },
		K('A', 1100, 5001, 80),                                       /* Linux's probe: SND.UNA-1, no byte */
		{ 'B', A, 5001, 1101, 0, WIN0, 90, 0, 0, 0, 0, 0, 0, 0 },
		{ 'B', A, 5001, 1101, 0, 500, 100, 0, 0, 0, 0, 0, 0, 0 },
	};
	/* (#6 moves the ack on: a plain ACK, no window update) */
	EXPECT(zero, "#7 R window_update: window 262140 -> 40\n"
		     "#7 R window_shrink: right edge moves left from seq 262241 to 141 (262100 bytes)\n"
		     "#8 R zero_window: window 0 (it was 40)\n"
		     "#8 R window_shrink: right edge moves left from seq 141 to 101 (40 bytes)\n"
		     "#9 I zero_window_probe: seq 100, 0 bytes, while the peer's window is 0\n"
		     "#10 R zero_window_probe_ack: ack 101, window still 0\n"
		     "#11 R window_update: window 0 -> 2000\n");
	static const struct seg_step wscale[] = {
		{ 'A', S, 1000, 0, 0, 1000, 0, 0, 0, 16, 0, 0, 0, 0 },
	};
	EXPECT(wscale, "#1 I wscale_invalid: window scale shift 15; 14 is used\n");
	/* Only one SYN with the option: no scaling, the raw 1000 is the window. */
	static const struct seg_step one_ws[] = {
		{ 'A', S, 1000, 0, 0, 1000, 0, 0, 0, 3, 1460, 0, 0, 0 },
		{ 'B', S | A, 5000, 1001, 0, 1000, 0, 0, 0, 0, 1460, 0, 0, 0 },
		K('A', 1001, 5001, 0), K('B', 5001, 1001, 0), D('A', 1001, 5001, 1000, 0),
	};
	EXPECT(one_ws, "#5 I window_full: data up to seq 1001 fills the receiver's window of 1000 bytes\n");
}

static void test_keepalive_rst_paws_mss(void)
{
	static const struct seg_step ka[] = {
		HS, D('A', 1001, 5001, 100, 40), K('B', 5001, 1101, 50), K('A', 1100, 5001, 60), K('B', 5001, 1101, 70),
		{ 'A', A, 1100, 5001, 1, 1000, 80, 0, 0, 0, 0, 0, 0, 0 }, K('B', 5001, 1101, 90),
	};
	EXPECT(ka, "#6 I keep_alive: seq 100, 0 bytes, one below its next sequence number\n"
		   "#7 R keep_alive_ack: ack 101 answers the keep-alive\n"
		   "#8 I keep_alive: seq 100, 1 byte, one below its next sequence number\n"
		   "#9 R keep_alive_ack: ack 101 answers the keep-alive\n");
	/* One byte below snd_nxt while it is unacknowledged is a retransmission. */
	static const struct seg_step one_byte[] = {
		HS, D('A', 1001, 5001, 1, 40), D('A', 1001, 5001, 1, 50),
	};
	EXPECT(one_byte, "#5 I retransmission: seq 1 to 2 again (1 seen before, first in packet 4)\n");
	static const struct seg_step rst_exact[] = { HS, D('A', 1001, 5001, 100, 40), { 'A', R, 1101, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } };
	EXPECT(rst_exact, "");
	static const struct seg_step rst_in[] = { HS, K('B', 5001, 1001, 40), { 'A', R, 2001, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } };
	EXPECT(rst_in, "#5 I rst_not_exact: RST at seq 1001; the receiver expects seq 1 to 1\n");
	/* B's next segment, an ACK at its snd_nxt, is the RFC 5961 challenge ACK;
	 * not when it carries data, nor after an RST outside the window. */
	static const struct seg_step rst_chal[] = {
		HS, K('B', 5001, 1001, 40), { 'A', R, 2001, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, K('B', 5001, 1001, 50),
		K('B', 5001, 1001, 60),
	};
	EXPECT(rst_chal, "#5 I rst_not_exact: RST at seq 1001; the receiver expects seq 1 to 1\n"
			 "#6 R challenge_ack: ack 1 answers the RST at seq 1001 in packet 5: the RST did not reset it\n");
	/* A SYN with a new ISN to a synchronized peer (RFC 5961 4.2): a half-open
	 * connection's restarted client; the server challenges, the client resets. */
	static const struct seg_step syn_chal[] = {
		HS, D('A', 1001, 5001, 10, 40), K('B', 5001, 1011, 50), { 'A', S, 90000, 0, 0, 1000, 60, 0, 0, 3, 1460, 0, 0, 0 },
		K('B', 5001, 1011, 70), { 'A', R, 1011, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	};
	EXPECT(syn_chal, "#6 I syn_new_isn: SYN with ISN 90000 while the connection's ISN is 1000\n"
			 "#7 R challenge_ack: ack 11 answers the SYN with ISN 90000 in packet 6: the connection goes on\n");
	/* The same SYN injected (2^31 ahead, a sequence space of its own): the
	 * sender's kernel never sent it and goes on where it was, which is new
	 * data, neither a retransmission nor a gap, within the window the SYN
	 * did not change (samples/rst-inject.pcap, port 7003). */
	static const struct seg_step syn_inject[] = {
		HS, D('A', 1001, 5001, 10, 40), K('B', 5001, 1011, 50), { 'A', S, 2147484649u, 0, 0, 1000, 0, 0, 0, 3, 1460, 0, 0, 0 },
		K('B', 5001, 1011, 70), D('A', 1011, 5001, 10, 80), K('B', 5001, 1021, 90),
		{ 'A', F | A, 1021, 5001, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0 }, { 'B', F | A, 5001, 1022, 0, 0, 110, 0, 0, 0, 0, 0, 0, 0 },
		K('A', 1022, 5002, 120),
	};
	EXPECT(syn_inject, "#6 I syn_new_isn: SYN with ISN 2147484649 while the connection's ISN is 1000\n"
			   "#7 R challenge_ack: ack 11 answers the SYN with ISN 2147484649 in packet 6: the connection goes on\n");
	/* and its receipt holds back none after it: B got A's FIN before it
	 * sent its own (its ack says so), a passive close */
	CU_ASSERT_EQUAL(last.final[TCPS_INITIATOR], TCPS_ST_TIME_WAIT);
	CU_ASSERT_EQUAL(last.final[TCPS_RESPONDER], TCPS_ST_CLOSED);
	/* A SYN,ACK injected in the server's name, 2^31 from its ISN: Linux
	 * challenges any SYN in a synchronized state (tcp_validate_incoming),
	 * and the server goes on with its own numbers; then the server closes
	 * first, which the SYN,ACK's receipt must not hold back. */
	static const struct seg_step synack_inject[] = {
		HS, D('A', 1001, 5001, 10, 40), K('B', 5001, 1011, 50),
		{ 'B', S | A, 2147488648u, 1011, 0, 1000, 0, 0, 0, 3, 1460, 0, 0, 0 },
		K('A', 1011, 5001, 70), D('B', 5001, 1011, 10, 80), K('A', 1011, 5011, 90),
		{ 'B', F | A, 5011, 1011, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0 }, { 'A', F | A, 1011, 5012, 0, 0, 110, 0, 0, 0, 0, 0, 0, 0 },
		K('B', 5012, 1012, 120),
	};
	EXPECT(synack_inject, "#6 R syn_new_isn: SYN,ACK with ISN 2147488648 while the connection's ISN is 5000\n"
			      "#7 I challenge_ack: ack 1 answers the SYN,ACK with ISN 2147488648 in packet 6: the connection goes on\n");
	CU_ASSERT_EQUAL(last.final[TCPS_INITIATOR], TCPS_ST_CLOSED);
	CU_ASSERT_EQUAL(last.final[TCPS_RESPONDER], TCPS_ST_TIME_WAIT);
	static const struct seg_step rst_data[] = {
		HS, K('B', 5001, 1001, 40), { 'A', R, 2001, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, D('B', 5001, 1001, 10, 50),
		K('B', 5011, 1001, 60),
	};
	EXPECT(rst_data, "#5 I rst_not_exact: RST at seq 1001; the receiver expects seq 1 to 1\n");
	static const struct seg_step rst_out_ack[] = {
		HS, K('B', 5001, 1001, 40), { 'A', R, 9001, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, K('B', 5001, 1001, 50),
	};
	EXPECT(rst_out_ack, "#5 I rst_out_of_window: RST at seq 8001; the receiver's window is seq 1 to 4001\n");
	static const struct seg_step rst_out[] = { HS, K('B', 5001, 1001, 40), { 'A', R, 9001, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } };
	EXPECT(rst_out, "#5 I rst_out_of_window: RST at seq 8001; the receiver's window is seq 1 to 4001\n");
	static const struct seg_step paws[] = {
		HS, D('A', 1001, 5001, 100, 40), K('B', 5001, 1101, 50), D('A', 1101, 5001, 100, 60),
		D('A', 1201, 5001, 100, 55),
	};
	EXPECT(paws, "#7 I ts_backwards: TSval 55, below TS.Recent 60\n");
	/* One tick below is Linux's TCP_PAWS_WINDOW: no finding, and TS.Recent
	 * stays (so the next, two below it, is flagged against 60, not 59). */
	static const struct seg_step paws_tick[] = {
		HS, D('A', 1001, 5001, 100, 40), K('B', 5001, 1101, 50), D('A', 1101, 5001, 100, 60),
		K('A', 1201, 5001, 59), K('A', 1201, 5001, 58),
	};
	EXPECT(paws_tick, "#8 I ts_backwards: TSval 58, below TS.Recent 60\n");
	static const struct seg_step tso[] = { HS, K('B', 5001, 1001, 35), D('A', 1001, 5001, 2920, 40) };
	EXPECT(tso, "#5 I super_segment: 2920 bytes, above the receiver's MSS of 1460\n");
}

/* Both streams wrap 2^32; a retransmission and a gap across the wrap keep exact numbers. */
static void test_wraparound(void)
{
	static const struct seg_step st[] = {
		{ 'A', S, 0xffffff00u, 0, 0, 1000, 10, 0, 0, 3, 1460, 0, 0, 0 },
		{ 'B', S | A, 0xfffffff0u, 0xffffff01u, 0, 1000, 20, 0, 0, 3, 1460, 0, 0, 0 },
		K('A', 0xffffff01u, 0xfffffff1u, 30),
		D('A', 0xffffff01u, 0xfffffff1u, 1000, 40),        /* crosses 0 */
		K('B', 0xfffffff1u, 0x000002e9u, 50),
		D('B', 0xfffffff1u, 0x000002e9u, 100, 60),          /* crosses 0 */
		D('A', 0x000002e9u, 0x00000055u, 100, 70),
		D('A', 0x000002e9u, 0x00000055u, 100, 80),          /* sent again */
		D('A', 0x000003b1u, 0x00000055u, 100, 90),          /* 0x34d..0x3b1 missing */
		K('B', 0x00000055u, 0x00000415u, 100),
	};
	EXPECT(st, "#4 I window_full: data up to seq 1001 fills the receiver's window of 1000 bytes\n"
		   "#8 I retransmission: seq 1001 to 1101 again (100 seen before, first in packet 7)\n"
		   "#9 I segment_not_captured: seq 1101 to 1201 (100 bytes) before this segment never captured; "
		   "the receiver acknowledged them in packet 10\n");
	CU_ASSERT_EQUAL(last.flow[0].max_in_flight, 1000);
}

/* Figures: handshake RTT and Karn's rule. */
static void test_figures(void)
{
	static const struct seg_step st[] = {
		{ 'A', S, 1000, 0, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 'B', S | A, 5000, 1001, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 2000 },
		{ 'A', A, 1001, 5001, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 3000 },
		{ 'A', A | P, 1001, 5001, 100, 1000, 0, 0, 0, 0, 0, 0, 0, 1000 },
		{ 'B', A, 5001, 1101, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 4000 },   /* sample: 4 ms */
		{ 'A', A | P, 1101, 5001, 100, 1000, 0, 0, 0, 0, 0, 0, 0, 1000 },
		{ 'A', A | P, 1101, 5001, 100, 1000, 0, 0, 0, 0, 0, 0, 0, 9000 }, /* sent again: no sample */
		{ 'B', A, 5001, 1201, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 1000 },
		{ 'A', A | P, 1201, 5001, 50, 1000, 0, 0, 0, 0, 0, 0, 0, 1000 },
		{ 'B', A, 5001, 1251, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 6000 },   /* sample: 6 ms */
	};
	feed(st, sizeof st / sizeof st[0]);
	CU_ASSERT(last.hs_rtt_known);
	CU_ASSERT_EQUAL(last.hs_syn_synack_ns, 2000000);
	CU_ASSERT_EQUAL(last.hs_synack_ack_ns, 3000000);
	CU_ASSERT_EQUAL(last.flow[0].rtt_samples, 2);
	CU_ASSERT_EQUAL(last.flow[0].rtt_min_ns, 4000000);
	CU_ASSERT_EQUAL(last.flow[0].rtt_max_ns, 6000000);
	CU_ASSERT_EQUAL(last.flow[0].rtt_mean_ns, 5000000);
	CU_ASSERT_EQUAL(last.flow[0].max_in_flight, 100);
	CU_ASSERT_EQUAL(last.findings[0][TCPS_F_RETRANSMISSION], 1);
}

/* A finding on a segment that moves its sender names the state the sender
 * was in when it sent it, as the transition does: not the one it moved to. */
static void test_finding_state(void)
{
	static const struct seg_step rst_in[] = { HS, K('B', 5001, 1001, 40), { 'A', R, 2001, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } };
	feed(rst_in, sizeof rst_in / sizeof rst_in[0]);
	CU_ASSERT_STRING_EQUAL(states, "#5 rst_not_exact in ESTABLISHED on snd_rst\n");
	static const struct seg_step fin_tso[] = {
		HS, K('B', 5001, 1001, 35), { 'A', A | F, 1001, 5001, 2920, 1000, 40, 0, 0, 0, 0, 0, 0, 0 },
	};
	feed(fin_tso, sizeof fin_tso / sizeof fin_tso[0]);
	CU_ASSERT_STRING_EQUAL(states, "#5 super_segment in ESTABLISHED on snd_fin\n");
	/* The peer's findings on the same segment keep the peer's state. */
	static const struct seg_step fin_unseen[] = {
		HS, { 'B', A | F, 5001, 1101, 0, 1000, 40, 0, 0, 0, 0, 0, 0, 0 },
	};
	feed(fin_unseen, sizeof fin_unseen / sizeof fin_unseen[0]);
	CU_ASSERT_STRING_EQUAL(states, "#4 ack_of_unseen in ESTABLISHED on snd_fin\n");
	if (strcmp(states, "#4 ack_of_unseen in ESTABLISHED on snd_fin\n"))
		fprintf(stderr, "\n%s", states);
}

int suite_stream(void)
{
	static CU_TestInfo t[] = {
		{ "stream: retransmissions (timeout, fast, spurious, D-SACK, other bytes, SYN, FIN)", test_retransmissions },
		{ "stream: gaps (acknowledged, SACKed, reordered, lost first copy, lost)", test_gaps },
		{ "stream: ACK backwards, duplicate ACKs", test_acks },
		{ "stream: windows (full, beyond, zero, probe, update, shrink, scaling)", test_windows },
		{ "stream: keep-alive, RST acceptability, PAWS, super-segment", test_keepalive_rst_paws_mss },
		{ "stream: sequence numbers wrap 2^32", test_wraparound },
		{ "stream: handshake RTT, RTT samples (Karn), flight", test_figures },
		{ "stream: a finding names the state its sender sent in", test_finding_state },
		CU_TEST_INFO_NULL,
	};
	return add_suite("stream", t);
}
