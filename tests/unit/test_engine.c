/* test_engine.c - connections from segments fed straight into the engine */
#include <string.h>
#include "decode.h"
#include "pktbuild.h"
#include "suites.h"
#include "tcpstate/tcpstate.h"

#define MAXREC 64
static struct tcps_conn_summary conns[MAXREC];
static unsigned nconns, nnotes;
static struct tcps_packet_note notes[MAXREC];

static void rec_conn(void *ctx, const struct tcps_conn_summary *c)
{
	(void)ctx;
	if (nconns < MAXREC)
		conns[nconns] = *c;
	nconns++;
}

static void rec_note(void *ctx, const struct tcps_packet_note *n)
{
	(void)ctx;
	if (nnotes < MAXREC) {
		notes[nnotes] = *n;
		notes[nnotes].detail = NULL;
	}
	nnotes++;
}

static struct tcps_engine *engine(uint32_t time_wait)
{
	struct tcps_config cfg;
	struct tcps_reporter rep = { NULL, rec_note, rec_conn, false, NULL, NULL };
	char err[TCPS_ERRBUF_SIZE];
	tcps_config_init(&cfg);
	cfg.time_wait_sec = time_wait;
	cfg.initial_flows = 4;
	nconns = nnotes = 0;
	return tcps_engine_new(&cfg, &rep, err);
}

/* Feeds one Ethernet frame: a -> b when dir is 0, b -> a otherwise. */
static void feed(struct tcps_engine *e, int64_t sec, const char *a, uint16_t ap, const char *b, uint16_t bp,
		 int dir, uint16_t flags, uint32_t seq, uint32_t ack, size_t payload, uint16_t vlan)
{
	uint8_t buf[2048];
	struct pkt_spec s = { .family = strchr(a, ':') ? 6 : 4, .src = dir ? b : a, .dst = dir ? a : b,
			      .sport = dir ? bp : ap, .dport = dir ? ap : bp, .seq = seq, .ack = ack,
			      .flags = flags, .win = 1000, .payload = payload, .nvlan = vlan ? 1 : 0,
			      .vlan = { vlan, 0 } };
	uint32_t n = (uint32_t)pb_ether(buf, &s);
	struct tcps_ts ts = { sec, 0 };
	tcps_engine_feed(e, TCPS_LINK_ETHERNET, &ts, buf, n, n);
}

#define C "10.0.0.1"
#define S "10.0.0.2"

static void test_handshake_roles_and_counts(void)
{
	struct tcps_engine *e = engine(60);
	feed(e, 1, C, 5000, S, 80, 0, TH_SYN, 100, 0, 0, 0);
	feed(e, 1, C, 5000, S, 80, 1, TH_SYN | TH_ACK, 900, 101, 0, 0);
	feed(e, 1, C, 5000, S, 80, 0, TH_ACK, 101, 901, 0, 0);
	feed(e, 2, C, 5000, S, 80, 0, TH_ACK | TH_PSH, 101, 901, 10, 0);
	feed(e, 2, C, 5000, S, 80, 1, TH_ACK | TH_PSH, 901, 111, 300, 0);
	feed(e, 3, C, 5000, S, 80, 0, TH_ACK | TH_FIN, 111, 1201, 0, 0);
	feed(e, 3, C, 5000, S, 80, 1, TH_ACK | TH_FIN, 1201, 112, 0, 0);
	feed(e, 3, C, 5000, S, 80, 0, TH_ACK, 112, 1202, 0, 0);
	CU_ASSERT_EQUAL(nconns, 0); /* closed, but kept for late segments */
	tcps_engine_finish(e);
	CU_ASSERT_EQUAL_FATAL(nconns, 1);
	const struct tcps_conn_summary *c = &conns[0];
	CU_ASSERT_EQUAL(c->id, 1);
	CU_ASSERT_EQUAL(c->roles, TCPS_ROLES_SYN);
	CU_ASSERT_EQUAL(c->ep[TCPS_INITIATOR].port, 5000);
	CU_ASSERT_EQUAL(c->ep[TCPS_RESPONDER].port, 80);
	CU_ASSERT_EQUAL(c->pkts[TCPS_INITIATOR], 5);
	CU_ASSERT_EQUAL(c->pkts[TCPS_RESPONDER], 3);
	CU_ASSERT_EQUAL(c->bytes[TCPS_INITIATOR], 10);
	CU_ASSERT_EQUAL(c->bytes[TCPS_RESPONDER], 300);
	CU_ASSERT_EQUAL(c->first_pkt, 1);
	CU_ASSERT_EQUAL(c->last_pkt, 8);
	CU_ASSERT_EQUAL(c->first_ts.sec, 1);
	CU_ASSERT_EQUAL(c->last_ts.sec, 3);
	CU_ASSERT_EQUAL(c->end, TCPS_END_CAPTURE);
	CU_ASSERT_EQUAL(c->final[TCPS_INITIATOR], TCPS_ST_TIME_WAIT);
	CU_ASSERT_EQUAL(c->final[TCPS_RESPONDER], TCPS_ST_CLOSED);
	struct tcps_totals t;
	tcps_engine_totals(e, &t);
	CU_ASSERT_EQUAL(t.packets, 8);
	CU_ASSERT_EQUAL(t.by_class[TCPS_PKT_TCP], 8);
	CU_ASSERT_EQUAL(t.connections, 1);
	tcps_engine_free(e);
}

/* Without a SYN the roles are inferred, and said to be. */
static void test_inferred_roles(void)
{
	struct tcps_engine *e = engine(60);
	feed(e, 1, C, 5000, S, 80, 1, TH_SYN | TH_ACK, 900, 101, 0, 0);      /* conn 1: SYN-ACK first */
	feed(e, 1, C, 6000, S, 443, 1, TH_ACK, 5, 5, 10, 0);                 /* conn 2: server speaks first */
	feed(e, 1, C, 40000, S, 50000, 1, TH_ACK, 5, 5, 10, 0);              /* conn 3: lower port serves */
	feed(e, 1, C, 7000, S, 7000, 1, TH_ACK, 5, 5, 10, 0);                /* conn 4: equal ports */
	tcps_engine_finish(e);
	CU_ASSERT_EQUAL_FATAL(nconns, 4);
	CU_ASSERT_EQUAL(conns[0].roles, TCPS_ROLES_SYNACK);
	CU_ASSERT_EQUAL(conns[0].ep[TCPS_RESPONDER].port, 80);
	CU_ASSERT_EQUAL(conns[1].roles, TCPS_ROLES_PORT);
	CU_ASSERT_EQUAL(conns[1].ep[TCPS_RESPONDER].port, 443);
	CU_ASSERT_EQUAL(conns[1].pkts[TCPS_RESPONDER], 1);
	CU_ASSERT_EQUAL(conns[2].ep[TCPS_RESPONDER].port, 40000);
	CU_ASSERT_EQUAL(conns[3].roles, TCPS_ROLES_FIRST);
	CU_ASSERT_EQUAL(conns[3].ep[TCPS_INITIATOR].addr[3], 2); /* the first sender */
	for (unsigned i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(conns[i].id, i + 1); /* reported in id order at the end */
	tcps_engine_free(e);
}

/* One tuple on two VLANs is two connections (Zeek's rule). */
static void test_vlan_splits_connections(void)
{
	struct tcps_engine *e = engine(60);
	feed(e, 1, C, 5000, S, 80, 0, TH_SYN, 100, 0, 0, 10);
	feed(e, 1, C, 5000, S, 80, 0, TH_SYN, 100, 0, 0, 20);
	feed(e, 1, C, 5000, S, 80, 1, TH_SYN | TH_ACK, 7, 101, 0, 20);
	tcps_engine_finish(e);
	CU_ASSERT_EQUAL_FATAL(nconns, 2);
	CU_ASSERT_EQUAL(conns[0].vlan[0], 10);
	CU_ASSERT_EQUAL(conns[0].pkts[TCPS_RESPONDER], 0);
	CU_ASSERT_EQUAL(conns[1].vlan[0], 20);
	CU_ASSERT_EQUAL(conns[1].pkts[TCPS_RESPONDER], 1);
	tcps_engine_free(e);
}

/* A closed connection is reported once quiet for the TIME_WAIT period;
 * a new SYN with a new ISN on its tuple starts connection 2; a SYN with the
 * old ISN is a retransmission. */
static void test_close_expiry_and_reuse(void)
{
	struct tcps_engine *e = engine(10);
	feed(e, 100, C, 5000, S, 80, 0, TH_SYN, 100, 0, 0, 0);
	feed(e, 100, C, 5000, S, 80, 0, TH_SYN, 100, 0, 0, 0); /* retransmitted SYN */
	feed(e, 101, C, 5000, S, 80, 1, TH_RST | TH_ACK, 0, 101, 0, 0);
	feed(e, 102, C, 5000, S, 80, 0, TH_SYN, 100, 0, 0, 0); /* same ISN: same connection */
	CU_ASSERT_EQUAL(nconns, 0);
	feed(e, 103, C, 5000, S, 80, 0, TH_SYN, 5000, 0, 0, 0); /* new ISN on a closed tuple */
	CU_ASSERT_EQUAL_FATAL(nconns, 1);
	CU_ASSERT_EQUAL(conns[0].id, 1);
	CU_ASSERT_EQUAL(conns[0].pkts[TCPS_INITIATOR], 3);
	CU_ASSERT_EQUAL(conns[0].reuse, TCPS_REUSE_NONE);
	CU_ASSERT_EQUAL(conns[0].end, TCPS_END_REUSED);
	feed(e, 104, C, 5000, S, 80, 1, TH_RST | TH_ACK, 0, 5001, 0, 0);
	feed(e, 114, C, 6000, S, 80, 0, TH_SYN, 1, 0, 0, 0); /* exactly 10 s later: kept */
	CU_ASSERT_EQUAL(nconns, 1);
	feed(e, 115, C, 6001, S, 80, 0, TH_SYN, 1, 0, 0, 0); /* 11 s: reported and freed */
	CU_ASSERT_EQUAL_FATAL(nconns, 2);
	CU_ASSERT_EQUAL(conns[1].id, 2);
	CU_ASSERT_EQUAL(conns[1].reuse, TCPS_REUSE_PEER_CLOSED);
	CU_ASSERT_EQUAL(conns[1].reuse_of, 1);
	CU_ASSERT_EQUAL(conns[1].end, TCPS_END_CLOSED);
	tcps_engine_finish(e);
	CU_ASSERT_EQUAL(nconns, 4);
	struct tcps_totals t;
	tcps_engine_totals(e, &t);
	CU_ASSERT_EQUAL(t.connections, 4);
	CU_ASSERT_EQUAL(t.max_tracked_connections, 2);
	tcps_engine_free(e);
}

/* An idle timeout ends a silent connection but never a busy one, however
 * long it lives; a packet after the timeout starts a new connection even
 * before the expiry scan has written the old one. */
static void test_idle_timeout(void)
{
	struct tcps_engine *e = engine(60);
	tcps_engine_free(e);
	struct tcps_config cfg;
	struct tcps_reporter rep = { NULL, rec_note, rec_conn, false, NULL, NULL };
	char err[TCPS_ERRBUF_SIZE];
	tcps_config_init(&cfg);
	cfg.idle_timeout_sec = 10;
	nconns = nnotes = 0;
	e = tcps_engine_new(&cfg, &rep, err);
	for (int64_t t = 0; t <= 100; t += 5) /* busy: a packet every 5 s */
		feed(e, t, C, 5000, S, 80, t % 10 ? 1 : 0, TH_ACK, 1, 1, 1, 0);
	feed(e, 100, C, 6000, S, 80, 0, TH_ACK, 1, 1, 1, 0);
	CU_ASSERT_EQUAL(nconns, 0);
	feed(e, 111, C, 6000, S, 80, 0, TH_ACK, 1, 1, 1, 0); /* 11 s of silence on both */
	CU_ASSERT_EQUAL_FATAL(nconns, 2);
	CU_ASSERT_EQUAL(conns[0].id, 1);
	CU_ASSERT_EQUAL(conns[0].pkts[TCPS_INITIATOR] + conns[0].pkts[TCPS_RESPONDER], 21);
	CU_ASSERT_EQUAL(conns[1].id, 2);
	CU_ASSERT_EQUAL(conns[1].pkts[TCPS_INITIATOR], 1);
	tcps_engine_finish(e);
	CU_ASSERT_EQUAL_FATAL(nconns, 3);
	CU_ASSERT_EQUAL(conns[2].id, 3);
	tcps_engine_free(e);
}

/* Per-class timeouts: each connection expires after the timeout of the
 * class its two endpoints' states put it in, at the moment it ran out,
 * whether a packet or a clock tick finds it; the summary names the class. */
static void test_class_timeouts(void)
{
	struct tcps_config cfg;
	struct tcps_reporter rep = { NULL, rec_note, rec_conn, false, NULL, NULL };
	char err[TCPS_ERRBUF_SIZE];
	tcps_config_init(&cfg);
	tcps_config_conntrack_timeouts(&cfg);
	CU_ASSERT_EQUAL(cfg.timeout_sec[TCPS_TO_ESTABLISHED], 432000);
	cfg.timeout_sec[TCPS_TO_ESTABLISHED] = 50;
	nconns = nnotes = 0;
	struct tcps_engine *e = tcps_engine_new(&cfg, &rep, err);
	/* conn 1: a SYN, unanswered: syn_sent, 120 s */
	feed(e, 0, C, 5001, S, 80, 0, TH_SYN, 100, 0, 0, 0);
	/* conn 2: established, then the client's FIN, acknowledged: close_wait, 60 s */
	feed(e, 0, C, 5002, S, 80, 0, TH_SYN, 100, 0, 0, 0);
	feed(e, 0, C, 5002, S, 80, 1, TH_SYN | TH_ACK, 900, 101, 0, 0);
	feed(e, 0, C, 5002, S, 80, 0, TH_ACK, 101, 901, 0, 0);
	feed(e, 1, C, 5002, S, 80, 0, TH_ACK | TH_FIN, 101, 901, 0, 0);
	feed(e, 1, C, 5002, S, 80, 1, TH_ACK, 901, 102, 0, 0);
	/* conn 3: established, 50 s */
	feed(e, 2, C, 5003, S, 80, 0, TH_SYN, 100, 0, 0, 0);
	feed(e, 2, C, 5003, S, 80, 1, TH_SYN | TH_ACK, 900, 101, 0, 0);
	feed(e, 2, C, 5003, S, 80, 0, TH_ACK, 101, 901, 0, 0);
	struct tcps_ts t = { 52, 0 };
	tcps_engine_advance(e, &t);
	CU_ASSERT_EQUAL(nconns, 0); /* 50 s since its last packet, not more */
	t.sec = 53;
	tcps_engine_advance(e, &t);
	CU_ASSERT_EQUAL_FATAL(nconns, 1);
	CU_ASSERT_EQUAL(conns[0].id, 3);
	CU_ASSERT_EQUAL(conns[0].end, TCPS_END_IDLE);
	CU_ASSERT_EQUAL(conns[0].idle_class, TCPS_TO_ESTABLISHED);
	CU_ASSERT_EQUAL(conns[0].idle_sec, 50);
	feed(e, 62, C, 5009, S, 80, 0, TH_SYN, 100, 0, 0, 0); /* a packet finds conn 2 past 60 s */
	CU_ASSERT_EQUAL_FATAL(nconns, 2);
	CU_ASSERT_EQUAL(conns[1].id, 2);
	CU_ASSERT_EQUAL(conns[1].idle_class, TCPS_TO_CLOSE_WAIT);
	CU_ASSERT_EQUAL(conns[1].final[TCPS_RESPONDER], TCPS_ST_CLOSE_WAIT);
	t.sec = 121;
	tcps_engine_advance(e, &t);
	CU_ASSERT_EQUAL_FATAL(nconns, 3);
	CU_ASSERT_EQUAL(conns[2].id, 1);
	CU_ASSERT_EQUAL(conns[2].idle_class, TCPS_TO_SYN_SENT);
	CU_ASSERT_EQUAL(conns[2].idle_sec, 120);
	tcps_engine_finish(e);
	CU_ASSERT_EQUAL(nconns, 4);
	CU_ASSERT_EQUAL(conns[3].end, TCPS_END_CAPTURE);
	CU_ASSERT_EQUAL(nnotes, 0); /* ticks ahead of the packets' clock are no time going back */
	tcps_engine_free(e);
}

static void count_held(void *ctx, const struct tcps_conn_summary *c)
{
	unsigned *n = ctx;
	n[0]++;
	n[1] += c->final[TCPS_RESPONDER] == TCPS_ST_CLOSE_WAIT;
}

/* The live table sees the connections held, in the states reached. */
static void test_foreach(void)
{
	struct tcps_engine *e = engine(60);
	feed(e, 0, C, 5002, S, 80, 0, TH_SYN, 100, 0, 0, 0);
	feed(e, 0, C, 5002, S, 80, 1, TH_SYN | TH_ACK, 900, 101, 0, 0);
	feed(e, 0, C, 5002, S, 80, 0, TH_ACK | TH_FIN, 101, 901, 0, 0);
	feed(e, 1, C, 5002, S, 80, 1, TH_ACK, 901, 102, 0, 0);
	feed(e, 2, C, 5003, S, 80, 0, TH_SYN, 100, 0, 0, 0);
	unsigned n[2] = { 0, 0 };
	tcps_engine_foreach(e, count_held, n);
	CU_ASSERT_EQUAL(n[0], 2);
	CU_ASSERT_EQUAL(n[1], 1);
	tcps_engine_free(e);
}

static char streamed[16][48];
static unsigned nstreamed;

static void on_record(void *ctx, const struct tcps_conn_summary *c, const struct tcps_record *r)
{
	(void)ctx;
	if (nstreamed < 16)
		snprintf(streamed[nstreamed], sizeof streamed[0], "%u #%u %s", (unsigned)c->id, (unsigned)r->pkt,
			 r->kind == TCPS_REC_TRANSITION ? tcps_state_name((enum tcps_state)r->to)
							 : tcps_finding_name((enum tcps_finding_code)r->code));
	nstreamed++;
}

/* Streaming: a record goes out once nothing can come before it. The
 * server's receipts (its ESTABLISHED on the client's ACK, its CLOSE_WAIT on
 * the FIN) wait until the server's own ACK shows they had arrived, and the
 * client's FIN_WAIT_1 waits behind them, as the timeline orders them. The
 * summary then comes without records. */
static void test_streaming(void)
{
	struct tcps_config cfg;
	struct tcps_reporter rep = { NULL, rec_note, rec_conn, false, on_record, NULL };
	char err[TCPS_ERRBUF_SIZE];
	tcps_config_init(&cfg);
	nconns = nnotes = nstreamed = 0;
	struct tcps_engine *e = tcps_engine_new(&cfg, &rep, err);
	feed(e, 0, C, 5002, S, 80, 0, TH_SYN, 100, 0, 0, 0);
	CU_ASSERT_EQUAL(nstreamed, 1);
	feed(e, 0, C, 5002, S, 80, 1, TH_SYN | TH_ACK, 900, 101, 0, 0);
	feed(e, 0, C, 5002, S, 80, 0, TH_ACK, 101, 901, 0, 0);
	CU_ASSERT_EQUAL(nstreamed, 3);
	feed(e, 1, C, 5002, S, 80, 0, TH_ACK | TH_FIN, 101, 901, 0, 0);
	CU_ASSERT_EQUAL(nstreamed, 3);
	feed(e, 2, C, 5002, S, 80, 1, TH_ACK, 901, 102, 0, 0);
	CU_ASSERT_EQUAL_FATAL(nstreamed, 6);
	CU_ASSERT_STRING_EQUAL(streamed[0], "1 #1 SYN_SENT");
	CU_ASSERT_STRING_EQUAL(streamed[1], "1 #2 SYN_RCVD");
	CU_ASSERT_STRING_EQUAL(streamed[2], "1 #2 ESTABLISHED");
	CU_ASSERT_STRING_EQUAL(streamed[3], "1 #3 ESTABLISHED");
	CU_ASSERT_STRING_EQUAL(streamed[4], "1 #4 FIN_WAIT_1");
	CU_ASSERT_STRING_EQUAL(streamed[5], "1 #4 CLOSE_WAIT");
	tcps_engine_finish(e);
	CU_ASSERT_EQUAL_FATAL(nstreamed, 7); /* FIN_WAIT_2: no later client segment; applied at the end */
	CU_ASSERT_STRING_EQUAL(streamed[6], "1 #5 FIN_WAIT_2");
	CU_ASSERT_EQUAL_FATAL(nconns, 1);
	CU_ASSERT_EQUAL(conns[0].nrecords, 0);
	tcps_engine_free(e);
}

/* Every packet lands in exactly one category. */
static void test_totals_add_up(void)
{
	struct tcps_engine *e = engine(60);
	uint8_t buf[2048];
	struct pkt_spec s = { .family = 4, .src = C, .dst = S, .sport = 40000, .dport = 80, .flags = TH_ACK,
			      .payload = 40 };
	uint32_t n = (uint32_t)pb_ether(buf, &s);
	struct tcps_ts ts = { 1, 5 };
	tcps_engine_feed(e, 1, &ts, buf, n, n);          /* tcp */
	tcps_engine_feed(e, 1, &ts, buf, n - 10, n);     /* tcp_truncated */
	tcps_engine_feed(e, 1, &ts, buf, 20, n);         /* malformed: ipv4_cut */
	tcps_engine_feed(e, 147, &ts, buf, n, n);        /* unsupported_link */
	tcps_engine_feed(e, 1, &ts, buf, 0, 0);          /* malformed: empty_record */
	buf[23] = 17;
	tcps_engine_feed(e, 1, &ts, buf, n, n);          /* not_tcp */
	tcps_engine_skip_filtered(e);                    /* filtered */
	tcps_engine_finish(e);
	struct tcps_totals t;
	tcps_engine_totals(e, &t);
	uint64_t sum = 0;
	for (int i = 0; i < TCPS_PKT__COUNT; i++)
		sum += t.by_class[i];
	CU_ASSERT_EQUAL(t.packets, 7);
	CU_ASSERT_EQUAL(sum, 7);
	CU_ASSERT_EQUAL(t.by_class[TCPS_PKT_TCP], 1);
	CU_ASSERT_EQUAL(t.by_class[TCPS_PKT_TCP_TRUNCATED], 1);
	CU_ASSERT_EQUAL(t.by_class[TCPS_PKT_MALFORMED], 2);
	CU_ASSERT_EQUAL(t.malformed[TCPS_MAL_IPV4_CUT], 1);
	CU_ASSERT_EQUAL(t.malformed[TCPS_MAL_EMPTY_RECORD], 1);
	CU_ASSERT_EQUAL(t.by_class[TCPS_PKT_NOT_TCP], 1);
	CU_ASSERT_EQUAL(t.by_class[TCPS_PKT_UNSUPPORTED_LINK], 1);
	CU_ASSERT_EQUAL(t.by_class[TCPS_PKT_FILTERED], 1);
	CU_ASSERT_EQUAL_FATAL(nnotes, 2);
	CU_ASSERT_EQUAL(notes[0].pkt, 3);
	CU_ASSERT_EQUAL(notes[0].reason, TCPS_MAL_IPV4_CUT);
	CU_ASSERT_EQUAL(notes[0].kind, TCPS_NOTE_MALFORMED);
	CU_ASSERT_EQUAL(notes[1].pkt, 5);
	CU_ASSERT_EQUAL(nconns, 1);
	CU_ASSERT_EQUAL(conns[0].truncated[TCPS_INITIATOR], 1);
	CU_ASSERT_EQUAL(conns[0].bytes[TCPS_INITIATOR], 80); /* the cut segment still counts its 40 */
	tcps_engine_free(e);
}

/* Opens connections 1..n (client port 6000+i) at time 1; resets ids
 * lo_gone..hi_gone at time 2 (reported when their 10 s TIME_WAIT ends, at
 * time 21) and the ids in late at time 20 (still waiting at the end, on the
 * closed list, while the others stay on the open one). At the end the rest
 * must come out in id order, the two lists merged. Id n + 1, at time 21,
 * only moves the clock on. */
static void check_end_order(unsigned n, unsigned lo_gone, unsigned hi_gone, const unsigned *late, unsigned nlate)
{
	struct tcps_engine *e = engine(10);
	for (unsigned i = 1; i <= n; i++) {
		uint16_t p = (uint16_t)(6000 + i);
		feed(e, 1, C, p, S, 80, 0, TH_SYN, 100, 0, 0, 0);
		feed(e, 1, C, p, S, 80, 1, TH_SYN | TH_ACK, 900, 101, 0, 0);
		feed(e, 1, C, p, S, 80, 0, TH_ACK, 101, 901, 0, 0);
	}
	for (unsigned i = lo_gone; i && i <= hi_gone; i++)
		feed(e, 2, C, (uint16_t)(6000 + i), S, 80, 1, TH_RST | TH_ACK, 901, 101, 0, 0);
	for (unsigned k = 0; k < nlate; k++)
		feed(e, 20, C, (uint16_t)(6000 + late[k]), S, 80, 1, TH_RST | TH_ACK, 901, 101, 0, 0);
	feed(e, 21, "10.9.9.9", 1, "10.9.9.8", 2, 0, TH_SYN, 1, 0, 0, 0);
	unsigned gone = lo_gone ? hi_gone - lo_gone + 1 : 0;
	CU_ASSERT_EQUAL_FATAL(nconns, gone);
	tcps_engine_finish(e);
	CU_ASSERT_EQUAL_FATAL(nconns, n + 1);
	uint64_t want = 1;
	for (unsigned i = gone; i <= n; i++, want++) {
		if (want == lo_gone)
			want = hi_gone + 1;
		CU_ASSERT_EQUAL(conns[i].id, want);
	}
	tcps_engine_free(e);
}

static void test_end_order_by_id(void)
{
	static const unsigned late_near[] = { 1, 3, 4 };
	static const unsigned late_far[] = { 2 };
	/* ids 1..7 left, close together: each goes straight to its place */
	check_end_order(6, 0, 0, late_near, 3);
	/* ids 1, 2, 59, 60, 61 left: a span of 61 for 5, sorted */
	check_end_order(60, 3, 58, late_far, 1);
}

int suite_engine(void)
{
	static const CU_TestInfo t[] = {
		{ "engine: handshake, data, close: roles and counts", test_handshake_roles_and_counts },
		{ "engine: roles inferred from SYN-ACK, well-known and lower port", test_inferred_roles },
		{ "engine: the same tuple on two VLANs is two connections", test_vlan_splits_connections },
		{ "engine: closed connections expire; a new ISN reuses the tuple", test_close_expiry_and_reuse },
		{ "engine: idle timeout ends silent connections, never busy ones", test_idle_timeout },
		{ "engine: per-class timeouts, by packet or by clock tick", test_class_timeouts },
		{ "engine: foreach sees the connections held", test_foreach },
		{ "engine: streaming writes records once settled", test_streaming },
		{ "engine: every packet lands in exactly one category", test_totals_add_up },
		{ "engine: connections left at the end come out in id order", test_end_order_by_id },
		CU_TEST_INFO_NULL,
	};
	return add_suite("engine", t);
}
