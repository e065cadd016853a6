/* test_source.c - reading ahead in a thread gives exactly what a direct read gives */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "suites.h"
#include "tcpstate/tcpstate.h"

/* What one read of a whole capture gave: every packet, then the end. */
struct readout {
	unsigned n;
	uint64_t digest;              /* FNV-1a over each packet's fields and bytes, in order */
	int end;                      /* 0 end of capture, else the error status */
	char err[TCPS_ERRBUF_SIZE];
};

static void mix(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ull;
}

/* Reads path whole; with batch (SIZE_MAX: directly) through a reader thread
 * with that batch size; stop_after > 0 closes the source after that many. */
static int read_all(const char *path, const char *filter, size_t batch, unsigned stop_after, struct readout *o)
{
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_source *s;
	memset(o, 0, sizeof *o);
	o->digest = 0xcbf29ce484222325ull;
	int rc = tcps_source_open_file(&s, path, err);
	if (rc != TCPS_OK)
		return rc;
	if (filter)
		CU_ASSERT_EQUAL(tcps_source_set_filter(s, filter, err), TCPS_OK);
	if (batch != SIZE_MAX)
		CU_ASSERT_EQUAL(tcps_source_read_ahead(s, batch, err), TCPS_OK);
	struct tcps_packet p;
	int r;
	while ((r = tcps_source_next(s, &p, o->err)) == 1) {
		mix(&o->digest, &p.ts.sec, sizeof p.ts.sec); /* not the struct: its padding is undefined */
		mix(&o->digest, &p.ts.nsec, sizeof p.ts.nsec);
		mix(&o->digest, &p.caplen, sizeof p.caplen);
		mix(&o->digest, &p.wirelen, sizeof p.wirelen);
		mix(&o->digest, &p.filtered_out, sizeof p.filtered_out);
		mix(&o->digest, p.bytes, p.caplen);
		if (++o->n == stop_after)
			break;
	}
	o->end = r == 1 ? 1 : r;
	/* With a reader thread the end is kept: asking again says the same
	 * (libpcap itself promises nothing after an error). */
	if (r <= 0 && batch != SIZE_MAX) {
		char again[TCPS_ERRBUF_SIZE] = "";
		CU_ASSERT_EQUAL(tcps_source_next(s, &p, again), r);
		if (r < 0)
			CU_ASSERT_STRING_EQUAL(again, o->err);
	}
	tcps_source_close(s);
	return TCPS_OK;
}

static const char *const captures[] = {
	"handshake-close.pcap", "handshake-close.pcap.gz", "three-conns.pcap", "frag-v6.pcap", "malformed.pcap",
	"multi-if-same.pcapng", "nano.pcapng", "snaplen-cut.pcap", "retrans/mix-client.pcap",
	"bad-files/cut-mid-record.pcap", "bad-files/cut-mid-header.pcap", "bad-files/oversized-record.pcap",
	"bad-files/caplen-gt-len.pcap", "bad-files/zero-length-record.pcap", "bad-files/header-only.pcap",
};

/* Batch sizes: the default; one byte (every batch grows to its packet);
 * 700 bytes (packets carried over to the next batch); 64 KiB. */
static const size_t batches[] = { 0, 1, 700, 1u << 16 };

static void check_same(const char *name, const char *filter)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", TCPS_SAMPLES_DIR, name);
	struct readout direct, ahead;
	CU_ASSERT_EQUAL_FATAL(read_all(path, filter, SIZE_MAX, 0, &direct), TCPS_OK);
	for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++) {
		CU_ASSERT_EQUAL_FATAL(read_all(path, filter, batches[i], 0, &ahead), TCPS_OK);
		if (ahead.n != direct.n || ahead.digest != direct.digest || ahead.end != direct.end ||
		    strcmp(ahead.err, direct.err))
			fprintf(stderr, "\n%s, batch %zu: %u packets end %d \"%s\"; direct %u end %d \"%s\"\n", name,
				batches[i], ahead.n, ahead.end, ahead.err, direct.n, direct.end, direct.err);
		CU_ASSERT_EQUAL(ahead.n, direct.n);
		CU_ASSERT_EQUAL(ahead.digest, direct.digest);
		CU_ASSERT_EQUAL(ahead.end, direct.end);
		CU_ASSERT_STRING_EQUAL(ahead.err, direct.err);
	}
}

static void test_same_packets_and_end(void)
{
	for (size_t i = 0; i < sizeof captures / sizeof captures[0]; i++)
		check_same(captures[i], NULL);
}

/* The filter runs in the reader thread: the same packets are flagged. */
static void test_same_filter_flags(void)
{
	check_same("three-conns.pcap", "tcp port 40012");
}

/* The cut file's error comes after exactly the packets before the cut. */
static void test_error_after_the_packets_before_it(void)
{
	char path[512];
	struct readout o;
	snprintf(path, sizeof path, "%s/bad-files/cut-mid-record.pcap", TCPS_SAMPLES_DIR);
	CU_ASSERT_EQUAL_FATAL(read_all(path, NULL, 1, 0, &o), TCPS_OK);
	CU_ASSERT_EQUAL(o.end, TCPS_E_DAMAGED);
	CU_ASSERT(o.n > 0);
	CU_ASSERT(strstr(o.err, "truncated") != NULL);
}

/* Closing mid-capture stops a reader that is waiting for a free batch. */
static void test_close_before_the_end(void)
{
	char path[512];
	struct readout o;
	snprintf(path, sizeof path, "%s/retrans/mix-client.pcap", TCPS_SAMPLES_DIR);
	for (unsigned stop = 1; stop < 40; stop += 13) {
		CU_ASSERT_EQUAL_FATAL(read_all(path, NULL, 700, stop, &o), TCPS_OK);
		CU_ASSERT_EQUAL(o.n, stop);
		CU_ASSERT_EQUAL(o.end, 1);
	}
	struct tcps_source *s;
	char err[TCPS_ERRBUF_SIZE];
	CU_ASSERT_EQUAL_FATAL(tcps_source_open_file(&s, path, err), TCPS_OK);
	CU_ASSERT_EQUAL(tcps_source_read_ahead(s, 700, err), TCPS_OK);
	tcps_source_close(s); /* never read at all */
}

/* Order of calls: a filter and reading ahead both come before reading. */
static void test_calls_out_of_order(void)
{
	char path[512], err[TCPS_ERRBUF_SIZE];
	struct tcps_source *s;
	struct tcps_packet p;
	snprintf(path, sizeof path, "%s/three-conns.pcap", TCPS_SAMPLES_DIR);
	CU_ASSERT_EQUAL_FATAL(tcps_source_open_file(&s, path, err), TCPS_OK);
	CU_ASSERT_EQUAL(tcps_source_read_ahead(s, 0, err), TCPS_OK);
	CU_ASSERT_EQUAL(tcps_source_read_ahead(s, 0, err), TCPS_E_BADARG);
	CU_ASSERT_EQUAL(tcps_source_set_filter(s, "tcp", err), TCPS_E_BADARG);
	CU_ASSERT_STRING_EQUAL(err, "a filter must be set before reading starts");
	tcps_source_close(s);
	CU_ASSERT_EQUAL_FATAL(tcps_source_open_file(&s, path, err), TCPS_OK);
	CU_ASSERT_EQUAL(tcps_source_next(s, &p, err), 1);
	CU_ASSERT_EQUAL(tcps_source_read_ahead(s, 0, err), TCPS_E_BADARG);
	CU_ASSERT_STRING_EQUAL(err, "reading ahead must start before reading does");
	tcps_source_close(s);
}

int suite_source(void)
{
	static const CU_TestInfo tests[] = {
		{ "same packets and end, every batch size", test_same_packets_and_end },
		{ "same filter flags", test_same_filter_flags },
		{ "error after the packets before it", test_error_after_the_packets_before_it },
		{ "close before the end", test_close_before_the_end },
		{ "calls out of order", test_calls_out_of_order },
		CU_TEST_INFO_NULL,
	};
	return add_suite("source", tests);
}
