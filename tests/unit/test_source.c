/* test_source.c - reading ahead in a thread gives exactly what a direct read
 * gives; a dump holds exactly the packets returned (test_source_live.c: the rest) */
#define _DEFAULT_SOURCE /* mkstemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "readout.h"
#include "suites.h"
#include "tcpstate/tcpstate.h"

/* Reads path whole; with batch (SIZE_MAX: directly) through a reader thread
 * with that batch size; stop_after > 0 closes the source after that many. */
static int read_all(const char *path, const char *filter, size_t batch, unsigned stop_after, struct readout *o)
{
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_source *s;
	readout_init(o);
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
		mix_packet(&o->digest, &p);
		mix(&o->digest, &p.filtered_out, sizeof p.filtered_out);
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

/* A named pipe (or bash's <(...)) cannot seek: it is read as standard
 * input is, gzip or not, and never ahead (a pipe may block for ever). It
 * was refused with "Illegal seek". */
static void test_named_pipe(void)
{
	static const char *const names[] = { "three-conns.pcap", "handshake-close.pcap.gz" };
	for (int i = 0; i < 2; i++) {
		char dir[] = "/tmp/tcps-unit-fifo-XXXXXX", fifo[600], path[512];
		CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
		snprintf(fifo, sizeof fifo, "%s/p", dir);
		CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
		snprintf(path, sizeof path, "%s/%s", TCPS_SAMPLES_DIR, names[i]);
		struct readout file, piped;
		CU_ASSERT_EQUAL_FATAL(read_all(path, NULL, SIZE_MAX, 0, &file), TCPS_OK);
		pid_t pid = fork();
		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0) { /* the writer */
			FILE *in = fopen(path, "rb"), *out = fopen(fifo, "wb");
			char buf[4096];
			size_t n;
			while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
				fwrite(buf, 1, n, out);
			if (out)
				fclose(out);
			_exit(0);
		}
		int rc = read_all(fifo, NULL, 0, 0, &piped); /* reading ahead asked for, not started */
		int status;
		waitpid(pid, &status, 0);
		if (rc != TCPS_OK)
			fprintf(stderr, "\n%s through a pipe: %d\n", names[i], rc);
		CU_ASSERT_EQUAL(rc, TCPS_OK);
		CU_ASSERT_EQUAL(piped.n, file.n);
		CU_ASSERT_EQUAL(piped.digest, file.digest);
		CU_ASSERT_EQUAL(piped.end, 0);
		unlink(fifo);
		rmdir(dir);
	}
}

static struct tcps_source *open_sample(const char *name)
{
	char path[512], err[TCPS_ERRBUF_SIZE];
	struct tcps_source *s;
	snprintf(path, sizeof path, "%s/%s", TCPS_SAMPLES_DIR, name);
	CU_ASSERT_EQUAL_FATAL(tcps_source_open_file(&s, path, err), TCPS_OK);
	return s;
}

/* Order of calls: a filter and reading ahead both come before reading. */
static void test_calls_out_of_order(void)
{
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_source *s = open_sample("three-conns.pcap");
	struct tcps_packet p;
	CU_ASSERT_EQUAL(tcps_source_read_ahead(s, 0, err), TCPS_OK);
	CU_ASSERT_EQUAL(tcps_source_read_ahead(s, 0, err), TCPS_E_BADARG);
	CU_ASSERT_EQUAL(tcps_source_set_filter(s, "tcp", err), TCPS_E_BADARG);
	CU_ASSERT_STRING_EQUAL(err, "a filter must be set before reading starts");
	tcps_source_close(s);
	s = open_sample("three-conns.pcap");
	CU_ASSERT_EQUAL(tcps_source_next(s, &p, err), 1);
	CU_ASSERT_EQUAL(tcps_source_read_ahead(s, 0, err), TCPS_E_BADARG);
	CU_ASSERT_STRING_EQUAL(err, "reading ahead must start before reading does");
	tcps_source_close(s);
}

/* What a read through a dump gave, and the dump read back. */
struct dump_check {
	unsigned passed, excluded;    /* packets after the dump started: kept, filtered out */
	unsigned sub_us;              /* of those kept, with a fraction finer than a microsecond */
	uint64_t digest, back_digest;
	unsigned back_n, back_flagged;
	int linktype, back_linktype;
	uint8_t head[24], back_head[24];  /* the pcap file headers */
};

static void read_head(const char *path, uint8_t head[24])
{
	FILE *f = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fread(head, 1, 24, f), 24);
	fclose(f);
}

/* Reads samples/name (filtered, read ahead or not), dumping from packet
 * dump_from on (0: all), then reads the dump back. */
static void dump_and_reread(const char *name, const char *filter, bool ahead, unsigned dump_from,
			    struct dump_check *c)
{
	char path[512], out[] = "/tmp/tcps-unit-dump-XXXXXX", err[TCPS_ERRBUF_SIZE];
	struct tcps_source *s;
	struct tcps_packet p;
	int r;
	memset(c, 0, sizeof *c);
	c->digest = c->back_digest = DIGEST_INIT;
	int fd = mkstemp(out);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	snprintf(path, sizeof path, "%s/%s", TCPS_SAMPLES_DIR, name);
	CU_ASSERT_EQUAL_FATAL(tcps_source_open_file(&s, path, err), TCPS_OK);
	if (filter)
		CU_ASSERT_EQUAL(tcps_source_set_filter(s, filter, err), TCPS_OK);
	if (ahead)
		CU_ASSERT_EQUAL(tcps_source_read_ahead(s, 700, err), TCPS_OK);
	for (unsigned n = 0;; n++) {
		if (n == dump_from)
			CU_ASSERT_EQUAL(tcps_source_dump(s, out, err), TCPS_OK);
		if ((r = tcps_source_next(s, &p, err)) != 1)
			break;
		if (n < dump_from)
			continue;
		if (p.filtered_out) {
			c->excluded++;
			continue;
		}
		c->passed++;
		c->sub_us += p.ts.nsec % 1000 != 0;
		mix_packet(&c->digest, &p);
	}
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(tcps_source_flush_dump(s, err), TCPS_OK);
	c->linktype = tcps_source_linktype(s);
	tcps_source_close(s);
	read_head(path, c->head);
	read_head(out, c->back_head);
	CU_ASSERT_EQUAL_FATAL(tcps_source_open_file(&s, out, err), TCPS_OK);
	c->back_linktype = tcps_source_linktype(s);
	while ((r = tcps_source_next(s, &p, err)) == 1) {
		c->back_n++;
		c->back_flagged += p.filtered_out;
		mix_packet(&c->back_digest, &p);
	}
	CU_ASSERT_EQUAL(r, 0);
	tcps_source_close(s);
	unlink(out);
}

/* The checks every dump passes: the same packets, to the nanosecond, in a
 * nanosecond pcap file of the source's link type and snap length. */
static void check_dump(const struct dump_check *c)
{
	static const uint8_t nano_magic[4] = { 0x4d, 0x3c, 0xb2, 0xa1 }; /* little-endian host */
	CU_ASSERT_EQUAL(c->back_n, c->passed);
	CU_ASSERT_EQUAL(c->back_digest, c->digest);
	CU_ASSERT_EQUAL(c->back_flagged, 0);
	CU_ASSERT_EQUAL(c->back_linktype, c->linktype);
	CU_ASSERT_EQUAL(memcmp(c->back_head, nano_magic, 4), 0);
	if (c->head[2] == 0xb2 && c->head[3] == 0xa1) /* a pcap source (little-endian, as all in samples/) */
		CU_ASSERT_EQUAL(memcmp(c->back_head + 16, c->head + 16, 4), 0); /* snap length */
}

/* tcpdump -nr nano.pcap 'src port 8080': 5 of its 11 packets. */
static void test_dump_keeps_what_passed(void)
{
	struct dump_check c;
	for (int ahead = 0; ahead < 2; ahead++) {
		dump_and_reread("nano.pcap", "src port 8080", ahead, 0, &c);
		check_dump(&c);
		CU_ASSERT_EQUAL(c.passed, 5);
		CU_ASSERT_EQUAL(c.excluded, 6);
		CU_ASSERT(c.sub_us > 0); /* would be lost in a microsecond file */
	}
	dump_and_reread("three-conns.pcap", "tcp port 40012", true, 0, &c);
	check_dump(&c);
	CU_ASSERT_EQUAL(c.passed, 11);
	CU_ASSERT_EQUAL(c.excluded, 22);
	dump_and_reread("nano.pcapng", NULL, false, 0, &c); /* pcapng in, pcap out */
	check_dump(&c);
	CU_ASSERT(c.passed > 0 && c.sub_us > 0);
}

/* "From now on": a dump started after 10 packets holds the 23 after them. */
static void test_dump_from_the_middle(void)
{
	struct dump_check c;
	for (int ahead = 0; ahead < 2; ahead++) {
		dump_and_reread("three-conns.pcap", NULL, ahead, 10, &c);
		check_dump(&c);
		CU_ASSERT_EQUAL(c.passed, 23);
	}
}

/* What a file source says to the calls meant for live ones, and dump errors. */
static void test_file_source_live_calls(void)
{
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_source *s = open_sample("three-conns.pcap");
	struct tcps_capture_stats st;
	CU_ASSERT_FALSE(tcps_source_is_live(s));
	CU_ASSERT_PTR_NULL(tcps_source_warning(s));
	CU_ASSERT_EQUAL(tcps_source_wait(s, 1000, err), 1);
	CU_ASSERT_EQUAL(tcps_source_stats(s, &st, err), TCPS_E_BADARG);
	CU_ASSERT_STRING_EQUAL(err, "a capture file has no capture counters");
	CU_ASSERT_EQUAL(tcps_source_flush_dump(s, err), TCPS_OK); /* none open */
	CU_ASSERT_EQUAL(tcps_source_dump(s, "/nonexistent-dir/out.pcap", err), TCPS_E_IO);
	CU_ASSERT_STRING_EQUAL(err, "cannot write /nonexistent-dir/out.pcap: No such file or directory");
	CU_ASSERT_EQUAL(tcps_source_dump(s, "/dev/null", err), TCPS_OK);
	CU_ASSERT_EQUAL(tcps_source_dump(s, "/dev/null", err), TCPS_E_BADARG);
	CU_ASSERT_STRING_EQUAL(err, "a dump is already being written");
	tcps_source_close(s);
}

int suite_source(void)
{
	static const CU_TestInfo tests[] = {
		{ "same packets and end, every batch size", test_same_packets_and_end },
		{ "same filter flags", test_same_filter_flags },
		{ "error after the packets before it", test_error_after_the_packets_before_it },
		{ "close before the end", test_close_before_the_end },
		{ "named pipe", test_named_pipe },
		{ "calls out of order", test_calls_out_of_order },
		{ "dump keeps what passed, to the nanosecond", test_dump_keeps_what_passed },
		{ "dump from the middle", test_dump_from_the_middle },
		{ "file source: live calls, dump errors", test_file_source_live_calls },
		CU_TEST_INFO_NULL,
	};
	return add_suite("source", tests);
}
