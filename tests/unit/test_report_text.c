/* test_report_text.c - the text writer's numbers, times, endpoints and
 * timeline lines, each against an independent printf formulation: the line
 * builder writes digits straight into the line and transitions take a fast
 * path, and both must give exactly what the general appends gave. */
#define _DEFAULT_SOURCE /* open_memstream, gmtime_r */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "suites.h"
#include "report_int.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void) /* xorshift64: the same cases on every run */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A value of every magnitude: random bits cut to a random width, or a
 * power of ten and its neighbours. */
static uint64_t any_value(void)
{
	uint64_t r = rnd();
	if (r % 4 == 0) {
		uint64_t p = 1;
		for (unsigned k = (unsigned)(rnd() % 20); k; k--)
			p *= 10;
		return p + (rnd() % 3) - 1;
	}
	unsigned bits = (unsigned)(rnd() % 65);
	return bits == 64 ? rnd() : rnd() & ((UINT64_C(1) << bits) - 1);
}

static void test_uint(void)
{
	for (int i = 0; i < 200000; i++) {
		uint64_t v = any_value();
		int width = (int)(rnd() % 25) - 2;
		char want[64];
		snprintf(want, sizeof want, "%0*" PRIu64, width < 0 ? 0 : width > 20 ? 20 : width, v);
		struct linebuf l;
		l.n = 0;
		lb_uint(&l, v, width);
		CU_ASSERT_EQUAL_FATAL(l.n, strlen(want));
		CU_ASSERT_FATAL(memcmp(l.b, want, l.n) == 0);
		/* near the end of the line: the leading digits that fit */
		size_t room = (size_t)(rnd() % 24);
		l.n = LINEBUF_CAP - room;
		lb_uint(&l, v, width);
		size_t keep = strlen(want) < room ? strlen(want) : room;
		CU_ASSERT_EQUAL_FATAL(l.n, LINEBUF_CAP - room + keep);
		CU_ASSERT_FATAL(memcmp(l.b + LINEBUF_CAP - room, want, keep) == 0);
	}
}

static void test_ns_and_delta(void)
{
	for (int i = 0; i < 100000; i++) {
		uint64_t ns = any_value();
		char want[64];
		snprintf(want, sizeof want, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
		struct linebuf l;
		l.n = 0;
		lb_ns(&l, ns);
		CU_ASSERT_EQUAL_FATAL(l.n, strlen(want));
		CU_ASSERT_FATAL(memcmp(l.b, want, l.n) == 0);
		size_t room = (size_t)(rnd() % 32);
		l.n = LINEBUF_CAP - room;
		lb_ns(&l, ns);
		size_t keep = strlen(want) < room ? strlen(want) : room;
		CU_ASSERT_EQUAL_FATAL(l.n, LINEBUF_CAP - room + keep);
		CU_ASSERT_FATAL(memcmp(l.b + LINEBUF_CAP - room, want, keep) == 0);

		struct tcps_ts a = { (int64_t)(rnd() % 4000000000u), (uint32_t)(rnd() % 1000000000u) };
		struct tcps_ts b = { a.sec + (int64_t)(rnd() % 200000) - 100000, (uint32_t)(rnd() % 1000000000u) };
		int64_t d = (b.sec - a.sec) * 1000000000 + ((int64_t)b.nsec - (int64_t)a.nsec);
		uint64_t m = d < 0 ? (uint64_t)-d : (uint64_t)d;
		snprintf(want, sizeof want, "%s%" PRIu64 ".%09" PRIu64, d < 0 ? "-" : "", m / 1000000000u,
			 m % 1000000000u);
		l.n = 0;
		lb_delta(&l, &a, &b);
		CU_ASSERT_EQUAL_FATAL(l.n, strlen(want));
		CU_ASSERT_FATAL(memcmp(l.b, want, l.n) == 0);
	}
}

static void test_utc(void)
{
	for (int i = 0; i < 100000; i++) {
		/* years 1 to about 20000, and the usual decades more often */
		int64_t sec = i % 2 ? (int64_t)(rnd() % 4102444800u) : (int64_t)(rnd() % 568000000000u) - 62135596800;
		uint32_t nsec = i % 97 ? (uint32_t)(rnd() % 1000000000u) : (uint32_t)(1000000000u + rnd() % 3000000000u);
		time_t t = (time_t)sec;
		struct tm tm;
		CU_ASSERT_PTR_NOT_NULL_FATAL(gmtime_r(&t, &tm));
		char want[80];
		snprintf(want, sizeof want, "%lld-%02d-%02d %02d:%02d:%02d.%09u", (long long)tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nsec);
		struct tcps_ts ts = { sec, nsec };
		struct linebuf l;
		l.n = 0;
		lb_utc(&l, &ts);
		CU_ASSERT_EQUAL_FATAL(l.n, strlen(want));
		CU_ASSERT_FATAL(memcmp(l.b, want, l.n) == 0);
	}
}

static void test_endpoint(void)
{
	for (int i = 0; i < 100000; i++) {
		struct tcps_addr a = { .family = 4, .port = (uint16_t)(i % 7 ? rnd() : i % 2 ? 0 : 65535) };
		for (int k = 0; k < 4; k++) /* every byte value often, at all four places */
			a.addr[k] = (uint8_t)(i % 3 ? rnd() : (uint64_t)i + (uint64_t)k * 64);
		char ip[INET6_ADDRSTRLEN], want[80];
		inet_ntop(AF_INET, a.addr, ip, sizeof ip);
		snprintf(want, sizeof want, "%s:%u", ip, a.port);
		struct linebuf l;
		l.n = 0;
		lb_endpoint(&l, &a);
		CU_ASSERT_EQUAL_FATAL(l.n, strlen(want));
		CU_ASSERT_FATAL(memcmp(l.b, want, l.n) == 0);
		size_t room = (size_t)(rnd() % 24);
		l.n = LINEBUF_CAP - room;
		lb_endpoint(&l, &a);
		size_t keep = strlen(want) < room ? strlen(want) : room;
		CU_ASSERT_EQUAL_FATAL(l.n, LINEBUF_CAP - room + keep);
		CU_ASSERT_FATAL(memcmp(l.b + LINEBUF_CAP - room, want, keep) == 0);
	}
}

/* ---- timeline lines through the writer ---- */

static void addr4(struct tcps_addr *a, uint32_t ip, uint16_t port)
{
	memset(a, 0, sizeof *a);
	a->family = 4;
	a->addr[0] = (uint8_t)(ip >> 24);
	a->addr[1] = (uint8_t)(ip >> 16);
	a->addr[2] = (uint8_t)(ip >> 8);
	a->addr[3] = (uint8_t)ip;
	a->port = port;
}

static void endpoint_text(const struct tcps_addr *a, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, ip, sizeof ip);
	snprintf(out, len, a->family == 4 ? "%s:%u" : "[%s]:%u", ip, a->port);
}

/* The timeline line of r as the text format defines it (README, "Text
 * output"), written with printf: lead, "#pkt" (or "-") padded to the
 * widest packet number, the time, the endpoint padded to the wider one,
 * then the event padded to 18 and the states. */
static void expected_line(const struct tcps_conn_summary *c, const struct tcps_record *r,
			  enum tcps_time_format fmt, char *out, size_t len)
{
	char pkt[32], when[64], ep[2][80];
	int pktw = snprintf(pkt, sizeof pkt, "%" PRIu64, c->last_pkt) + 1;
	if (r->pkt)
		snprintf(pkt, sizeof pkt, "#%" PRIu64, r->pkt);
	else
		snprintf(pkt, sizeof pkt, "-");
	if (fmt == TCPS_TIME_RELATIVE) {
		int64_t d = (r->sec - c->first_ts.sec) * 1000000000 + ((int64_t)r->nsec - (int64_t)c->first_ts.nsec);
		uint64_t m = d < 0 ? (uint64_t)-d : (uint64_t)d;
		snprintf(when, sizeof when, "%s%" PRIu64 ".%09" PRIu64, d < 0 ? "-" : "", m / 1000000000u,
			 m % 1000000000u);
	} else if (fmt == TCPS_TIME_EPOCH) {
		snprintf(when, sizeof when, "%" PRId64 ".%09u", r->sec, r->nsec);
	} else {
		time_t t = (time_t)r->sec;
		struct tm tm;
		gmtime_r(&t, &tm);
		snprintf(when, sizeof when, "%d-%02d-%02d %02d:%02d:%02d.%09u", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, r->nsec);
	}
	endpoint_text(&c->ep[0], ep[0], sizeof ep[0]);
	endpoint_text(&c->ep[1], ep[1], sizeof ep[1]);
	int epw = (int)(strlen(ep[0]) > strlen(ep[1]) ? strlen(ep[0]) : strlen(ep[1]));
	int n = snprintf(out, len, "  %-*s  %s  %-*s  %-18s  %s \xe2\x86\x92 %s", pktw, pkt, when, epw, ep[r->role],
			 tcps_event_name((enum tcps_event)r->event), tcps_state_name((enum tcps_state)r->from),
			 tcps_state_name((enum tcps_state)r->to));
	if (r->after_pkt)
		n += snprintf(out + n, len - (size_t)n,
			      "  (received after its #%" PRIu64 ": ack evidence over capture order)", r->after_pkt);
	if (r->unconfirmed)
		n += snprintf(out + n, len - (size_t)n,
			      "  (unconfirmed: no later segment from this endpoint acknowledges it)");
	snprintf(out + n, len - (size_t)n, "\n");
}

/* The writer's text for connection c, in *text (to free). */
static void write_conn(const struct tcps_conn_summary *c, enum tcps_time_format fmt, char **text)
{
	size_t size;
	FILE *f = open_memstream(text, &size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	struct tcps_writer w = { .out = f, .fmt = TCPS_FMT_TEXT, .file = "t.pcap", .time_fmt = fmt };
	struct tcps_reporter rep = tcps_writer_reporter(&w);
	rep.connection(rep.ctx, c);
	tcps_writer_close(&w);
	fclose(f);
}

static void test_timeline_lines(void)
{
	enum { N = 40 };
	static struct tcps_record recs[N];
	for (int round = 0; round < 3000; round++) {
		struct tcps_conn_summary c;
		memset(&c, 0, sizeof c);
		c.id = rnd() % 1000 + 1;
		if (round % 5 == 4) { /* IPv6 endpoints: wider columns */
			for (int r = 0; r < 2; r++) {
				c.ep[r].family = 6;
				for (int k = 0; k < 16; k++)
					c.ep[r].addr[k] = (uint8_t)(k % 3 ? rnd() : 0);
				c.ep[r].port = (uint16_t)rnd();
			}
		} else {
			addr4(&c.ep[0], (uint32_t)rnd(), (uint16_t)rnd());
			addr4(&c.ep[1], (uint32_t)rnd(), (uint16_t)rnd());
		}
		c.first_pkt = any_value() % (UINT64_MAX / 2) + 1;
		c.last_pkt = c.first_pkt + any_value() % 100000;
		c.first_ts.sec = (int64_t)(rnd() % 4000000000u);
		c.first_ts.nsec = (uint32_t)(rnd() % 1000000000u);
		c.last_ts = c.first_ts;
		c.end = TCPS_END_CLOSED;
		size_t n = (size_t)(rnd() % N) + 1;
		for (size_t i = 0; i < n; i++) {
			struct tcps_record *r = &recs[i];
			memset(r, 0, sizeof *r);
			r->kind = TCPS_REC_TRANSITION;
			/* mostly inside the connection; now and then a packet number wider
			 * than the column, none (a timer), or a time before its start */
			uint64_t pick = rnd() % 20;
			r->pkt = pick == 0 ? 0 : pick == 1 ? any_value() : c.first_pkt + rnd() % (c.last_pkt - c.first_pkt + 1);
			r->sec = c.first_ts.sec + (int64_t)(pick == 2 ? -(int64_t)(rnd() % 5) : (int64_t)(any_value() % 100000));
			r->nsec = (uint32_t)(rnd() % 1000000000u);
			r->role = (uint8_t)(rnd() % 2);
			r->event = (uint8_t)(rnd() % TCPS_EV__COUNT);
			r->from = (uint8_t)(rnd() % TCPS_ST__COUNT);
			r->to = (uint8_t)(rnd() % TCPS_ST__COUNT);
			r->after_pkt = rnd() % 9 == 0 ? any_value() : 0;
			r->unconfirmed = rnd() % 11 == 0;
			r->rule = "rule";
			r->detail = "";
		}
		c.records = recs;
		c.nrecords = n;
		enum tcps_time_format fmt = round % 7 == 5 ? TCPS_TIME_EPOCH : round % 7 == 6 ? TCPS_TIME_UTC
											: TCPS_TIME_RELATIVE;
		char *text = NULL;
		write_conn(&c, fmt, &text);
		const char *line = strchr(text, '\n'); /* after the "conn ..." header */
		CU_ASSERT_PTR_NOT_NULL_FATAL(line);
		line++;
		for (size_t i = 0; i < n; i++) {
			char want[1024];
			expected_line(&c, &recs[i], fmt, want, sizeof want);
			size_t len = strlen(want);
			if (strncmp(line, want, len) != 0) {
				fprintf(stderr, "\nround %d record %zu:\nwant %sgot  %.*s\n", round, i, want,
					(int)(strchr(line, '\n') - line + 1), line);
				CU_FAIL_FATAL("timeline line differs");
			}
			line += len;
		}
		CU_ASSERT_FATAL(strncmp(line, "  end (closed): ", 16) == 0);
		free(text);
	}
}

int suite_report_text(void)
{
	static const CU_TestInfo tests[] = {
		{ "lb_uint against printf, near the line's end too", test_uint },
		{ "lb_ns and lb_delta against printf", test_ns_and_delta },
		{ "lb_utc against gmtime", test_utc },
		{ "IPv4 endpoints against inet_ntop", test_endpoint },
		{ "timeline lines of every shape against printf", test_timeline_lines },
		CU_TEST_INFO_NULL,
	};
	return add_suite("report_text", tests);
}
