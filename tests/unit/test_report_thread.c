/* test_report_thread.c - a reporter on its own thread calls the inner one
 * with the same arguments, in the same order, whatever their size */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "suites.h"
#include "tcpstate/report.h"
#include "tcpstate/tcpstate.h"

/* An inner reporter that writes down everything it is given, deeply:
 * every summary field the writers use, every record with its detail text,
 * and the rule pointer itself (rules are static strings, passed as is). */
struct log {
	char *b;
	size_t n, cap;
	unsigned calls;
};

static void log_add(struct log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_add(struct log *l, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int k = vsnprintf(l->b + l->n, l->cap - l->n, fmt, ap);
		va_end(ap);
		if (k >= 0 && (size_t)k < l->cap - l->n) {
			l->n += (size_t)k;
			return;
		}
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->b = realloc(l->b, l->cap);
	}
}

static void log_summary(struct log *l, const struct tcps_conn_summary *c)
{
	log_add(l, " id=%llu pkts=%llu/%llu first=%llu last=%llu end=%d rtt=%llu port=%u hs=%llu dropped=%llu nrec=%zu rec?%d",
		(unsigned long long)c->id, (unsigned long long)c->pkts[0], (unsigned long long)c->pkts[1],
		(unsigned long long)c->first_pkt, (unsigned long long)c->last_pkt, (int)c->end,
		(unsigned long long)c->flow[1].rtt_max_ns, c->ep[1].port, (unsigned long long)c->hs_synack_ack_ns,
		(unsigned long long)c->records_dropped, c->nrecords, c->records != NULL);
	/* every count, zero or not (they cross packed: only those not zero) */
	for (int side = 0; side < 2; side++)
		for (int code = 0; code < TCPS_F__COUNT; code++)
			log_add(l, "%s%u", code ? "," : " f=", c->findings[side][code]);
}

static void log_record(struct log *l, const struct tcps_record *r)
{
	log_add(l, " [%d pkt=%llu %d.%u role=%u ev=%u %u>%u code=%u after=%llu unc=%u rev=%u rule=%p \"%s\"]",
		(int)r->kind, (unsigned long long)r->pkt, (int)r->sec, r->nsec, r->role, r->event, r->from, r->to,
		r->code, (unsigned long long)r->after_pkt, r->unconfirmed, r->revises, (const void *)r->rule, r->detail);
}

static void in_note(void *ctx, const struct tcps_packet_note *n)
{
	struct log *l = ctx;
	l->calls++;
	log_add(l, "note pkt=%llu kind=%d reason=%d \"%s\"\n", (unsigned long long)n->pkt, (int)n->kind,
		(int)n->reason, n->detail);
}

static void in_conn(void *ctx, const struct tcps_conn_summary *c)
{
	struct log *l = ctx;
	l->calls++;
	log_add(l, "conn");
	log_summary(l, c);
	for (size_t i = 0; c->records && i < c->nrecords; i++)
		log_record(l, &c->records[i]);
	log_add(l, "\n");
}

static void in_record(void *ctx, const struct tcps_conn_summary *c, const struct tcps_record *r)
{
	struct log *l = ctx;
	l->calls++;
	log_add(l, "record");
	log_summary(l, c);
	log_record(l, r);
	log_add(l, "\n");
}

static void in_open(void *ctx, const struct tcps_conn_summary *c)
{
	struct log *l = ctx;
	l->calls++;
	log_add(l, "open");
	log_summary(l, c);
	log_add(l, "\n");
}

static const char rule_a[] = "RFC 9293 3.10.7.4", rule_b[] = "RFC 5681 2";

/* A deterministic mix of every callback: timelines from empty to larger
 * than a chunk (nrec_max), details from none to long. */
static void drive(const struct tcps_reporter *r, unsigned nconn, size_t nrec_max)
{
	static struct tcps_record recs[6000];
	static char details[6000][256];
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (unsigned k = 0; k < nconn; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		struct tcps_conn_summary s;
		memset(&s, 0, sizeof s);
		s.id = k + 1;
		s.pkts[0] = x % 1000;
		s.pkts[1] = x % 777;
		s.first_pkt = k * 3 + 1;
		s.last_pkt = k * 3 + 100;
		s.findings[0][3] = (uint32_t)(x % 5);
		s.findings[1][TCPS_F__COUNT - 1] = (uint32_t)(x % 3);
		s.findings[k & 1][k % TCPS_F__COUNT] += (uint32_t)(x % 70000);
		s.hs_synack_ack_ns = x % 12345;
		s.records_dropped = k % 7;
		s.flow[1].rtt_max_ns = x % 100000;
		s.ep[1].port = (uint16_t)(1000 + k);
		s.end = (enum tcps_end)(k % 3);
		if (r->open && k % 4 == 0)
			r->open(r->ctx, &s);
		if (r->packet_note && k % 5 == 1) {
			char d[64];
			snprintf(d, sizeof d, "bad thing %u", k);
			struct tcps_packet_note n = { k, { k, k }, TCPS_NOTE_MALFORMED, TCPS_MAL_NONE, d };
			r->packet_note(r->ctx, &n);
		}
		size_t n = k == nconn / 2 ? nrec_max : (size_t)(x % 20);
		for (size_t i = 0; i < n; i++) {
			struct tcps_record *rc = &recs[i];
			memset(rc, 0, sizeof *rc);
			rc->kind = i % 3 == 0 ? TCPS_REC_FINDING : TCPS_REC_TRANSITION;
			rc->pkt = k * 100 + i;
			rc->sec = (int64_t)i;
			rc->nsec = (uint32_t)(x % 1000000000u);
			rc->role = (uint8_t)(i & 1);
			rc->event = (uint8_t)(i % 7);
			rc->from = (uint8_t)(i % 11);
			rc->to = (uint8_t)((i + 1) % 11);
			rc->code = (uint8_t)(i % 30);
			rc->after_pkt = i * 2;
			rc->unconfirmed = (uint8_t)(i % 5 == 4);
			if (i % 9 == 8) {
				rc->kind = TCPS_REC_REVISION;
				rc->revises = (uint8_t)(i % 40);
			}
			rc->rule = i & 1 ? rule_a : rule_b;
			if (rc->kind != TCPS_REC_TRANSITION) {
				snprintf(details[i], sizeof details[i], "expected seq %zu, seen %llu%.*s", i,
					 (unsigned long long)(x % 99999), (int)(i % 120),
					 "................................................................"
					 "........................................................");
				rc->detail = details[i];
			} else {
				rc->detail = "";
			}
		}
		if (r->record && k % 3 == 2) {
			for (size_t i = 0; i < n; i++)
				r->record(r->ctx, &s, &recs[i]);
		}
		s.records = n || k % 2 ? recs : NULL;
		s.nrecords = n;
		if (r->connection)
			r->connection(r->ctx, &s);
		/* the caller's buffers change at once: copies must not follow them */
		memset(details, 'X', sizeof details[0] * (n < 6000 ? n : 6000));
	}
}

static void compare(const struct tcps_reporter *inner_proto, unsigned nconn, size_t nrec_max)
{
	struct log want = { 0 }, got = { 0 };
	struct tcps_reporter in = *inner_proto;
	in.ctx = &want;
	drive(&in, nconn, nrec_max);

	in.ctx = &got;
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_report_thread *t = tcps_report_thread_start(&in, err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	struct tcps_reporter q = tcps_report_thread_reporter(t);
	CU_ASSERT_EQUAL(q.summary_only, in.summary_only);
	CU_ASSERT_EQUAL(q.packet_note == NULL, in.packet_note == NULL);
	CU_ASSERT_EQUAL(q.record == NULL, in.record == NULL);
	CU_ASSERT_EQUAL(q.open == NULL, in.open == NULL);
	drive(&q, nconn, nrec_max);
	tcps_report_thread_sync(t);
	/* after sync, inner has had everything: read without the thread's help */
	CU_ASSERT_EQUAL(got.calls, want.calls);
	CU_ASSERT_EQUAL(got.n, want.n);
	tcps_report_thread_stop(t);
	CU_ASSERT_EQUAL(got.n, want.n);
	CU_ASSERT(want.n > 0);
	CU_ASSERT(got.b && want.b && memcmp(got.b, want.b, want.n) == 0);
	free(want.b);
	free(got.b);
}

static void test_same_calls_same_order(void)
{
	struct tcps_reporter in = { NULL, in_note, in_conn, false, in_record, in_open };
	compare(&in, 3000, 40);
}

/* One timeline of 6,000 records with details (about 700 KiB) does not fit
 * a 256 KiB chunk: that chunk grows, before and after come in order. */
static void test_timeline_larger_than_a_chunk(void)
{
	struct tcps_reporter in = { NULL, in_note, in_conn, false, in_record, in_open };
	compare(&in, 41, 6000);
}

/* Callbacks the inner reporter lacks stay NULL, so the engine skips them. */
static void test_only_connection(void)
{
	struct tcps_reporter in = { NULL, NULL, in_conn, true, NULL, NULL };
	compare(&in, 500, 10);
}

/* Sync with nothing queued, twice; stop right after start; NULL is a no-op. */
static void test_sync_and_stop_edges(void)
{
	struct log l = { 0 };
	struct tcps_reporter in = { &l, in_note, in_conn, false, NULL, NULL };
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_report_thread *t = tcps_report_thread_start(&in, err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	tcps_report_thread_sync(t);
	tcps_report_thread_sync(t);
	struct tcps_reporter q = tcps_report_thread_reporter(t);
	struct tcps_packet_note n = { 7, { 1, 2 }, TCPS_NOTE_BAD_OPTIONS, TCPS_MAL_NONE, "x" };
	q.packet_note(q.ctx, &n);
	tcps_report_thread_sync(t);
	CU_ASSERT_EQUAL(l.calls, 1);
	CU_ASSERT_STRING_EQUAL(l.b, "note pkt=7 kind=1 reason=0 \"x\"\n");
	tcps_report_thread_stop(t);
	tcps_report_thread_stop(tcps_report_thread_start(&in, err));
	tcps_report_thread_stop(NULL);
	tcps_report_thread_sync(NULL);
	CU_ASSERT_EQUAL(l.calls, 1);
	free(l.b);
}

/* Syncs between calls, many times: the writer must wait again after each
 * (it once took the sync's wake-up, found nothing and ended, and the next
 * sync waited for ever). */
static void test_many_syncs(void)
{
	struct log l = { 0 };
	struct tcps_reporter in = { &l, in_note, NULL, false, NULL, NULL };
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_report_thread *t = tcps_report_thread_start(&in, err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	struct tcps_reporter q = tcps_report_thread_reporter(t);
	for (unsigned i = 1; i <= 3000; i++) {
		struct tcps_packet_note n = { i, { 0, 0 }, TCPS_NOTE_MALFORMED, TCPS_MAL_NONE, "s" };
		q.packet_note(q.ctx, &n);
		if (i % 3 == 0)
			tcps_report_thread_sync(t);
		if (i % 3 == 0 && l.calls != i)
			break;
	}
	tcps_report_thread_stop(t);
	CU_ASSERT_EQUAL(l.calls, 3000);
	free(l.b);
}

int suite_report_thread(void)
{
	static const CU_TestInfo tests[] = {
		{ "same calls, same order", test_same_calls_same_order },
		{ "timeline larger than a chunk", test_timeline_larger_than_a_chunk },
		{ "only connection", test_only_connection },
		{ "sync and stop edges", test_sync_and_stop_edges },
		{ "many syncs", test_many_syncs },
		{ NULL, NULL },
	};
	return add_suite("report_thread", tests);
}
