/* test_source_fast.c - the fast classic pcap read gives exactly what
 * libpcap gives: every packet, its time, lengths and bytes, the end, and
 * every error in libpcap's words */
#define _DEFAULT_SOURCE /* mkstemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "readout.h"
#include "suites.h"
#include "tcpstate/tcpstate.h"

/* readout_source, which must open path. */
static void read_source(const char *path, bool ahead, struct readout *o, bool *fast_at_open, bool *fast_at_end)
{
	bool opened = readout_source(path, ahead, o, fast_at_open, fast_at_end);
	if (!opened)
		fprintf(stderr, "\n%s: %s\n", path, o->err);
	CU_ASSERT_FATAL(opened);
}

/* The two reads agree, directly and read ahead; returns whether the fast
 * path read the file. A gzip file is compared with libpcap's read of the
 * file it was made from (libpcap reads no gzip). */
static bool check_same(const char *path)
{
	struct readout lib, src;
	bool fast = false, fast_end = false;
	char plain[512];
	size_t len = strlen(path);
	snprintf(plain, sizeof plain, "%.*s", (int)(len > 3 && !strcmp(path + len - 3, ".gz") ? len - 3 : len), path);
	CU_ASSERT_FATAL(readout_libpcap(plain, &lib));
	for (int ahead = 0; ahead < 2; ahead++) {
		read_source(path, ahead, &src, &fast, &fast_end);
		if (src.n != lib.n || src.digest != lib.digest || src.end != lib.end || strcmp(src.err, lib.err))
			fprintf(stderr, "\n%s%s: %u packets end %d \"%s\"; libpcap %u end %d \"%s\"\n", path,
				ahead ? " (ahead)" : "", src.n, src.end, src.err, lib.n, lib.end, lib.err);
		CU_ASSERT_EQUAL(src.n, lib.n);
		CU_ASSERT_EQUAL(src.digest, lib.digest);
		CU_ASSERT_EQUAL(src.end, lib.end);
		CU_ASSERT_STRING_EQUAL(src.err, lib.err);
	}
	return fast;
}

static void sample(char *path, size_t size, const char *name)
{
	snprintf(path, size, "%s/%s", TCPS_SAMPLES_DIR, name);
}

/* Every sample reads the same; the plain pcap files through the fast path. */
static void test_samples_as_libpcap(void)
{
	static const struct {
		const char *name;
		bool fast;
	} files[] = {
		{ "handshake-close.pcap", true },
		{ "three-conns.pcap", true },
		{ "nano.pcap", true },                 /* nanosecond magic */
		{ "frag-v6.pcap", true },
		{ "malformed.pcap", true },
		{ "snaplen-cut.pcap", true },
		{ "retrans/mix-client.pcap", true },
		{ "bad-files/cut-mid-record.pcap", true },
		{ "bad-files/cut-mid-header.pcap", true },
		{ "bad-files/oversized-record.pcap", true },
		{ "bad-files/caplen-gt-len.pcap", true },
		{ "bad-files/zero-length-record.pcap", true },
		{ "bad-files/header-only.pcap", true },
		{ "handshake-close.pcap.gz", false },  /* zlib's stream: libpcap reads */
		{ "nano.pcapng", false },
		{ "multi-if-same.pcapng", false },
	};
	char path[512];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		sample(path, sizeof path, files[i].name);
		bool fast = check_same(path);
		if (fast != files[i].fast)
			fprintf(stderr, "\n%s: fast path %d, expected %d\n", files[i].name, fast, files[i].fast);
		CU_ASSERT_EQUAL(fast, files[i].fast);
	}
}

/* ---- crafted files: what the fast path hands back to libpcap ---- */

struct crafted {
	FILE *f;
	char path[64];
	unsigned n;
	bool nsec;                    /* the nanosecond magic */
	bool swapped;                 /* written in the other byte order */
};

static void put32(struct crafted *c, uint32_t v)
{
	if (c->swapped)
		v = __builtin_bswap32(v);
	fwrite(&v, sizeof v, 1, c->f);
}

static void craft_open(struct crafted *c, bool swapped, uint16_t minor, uint32_t snaplen, uint32_t linktype)
{
	strcpy(c->path, "/tmp/tcps-unit-fast-XXXXXX");
	int fd = mkstemp(c->path);
	CU_ASSERT_FATAL(fd >= 0);
	c->f = fdopen(fd, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->f);
	c->n = 0;
	c->swapped = swapped;
	uint16_t version[2] = { 2, minor };
	put32(c, c->nsec ? 0xa1b23c4du : 0xa1b2c3d4u);
	for (int i = 0; i < 2; i++) {
		uint16_t v = swapped ? __builtin_bswap16(version[i]) : version[i];
		fwrite(&v, sizeof v, 1, c->f);
	}
	put32(c, 0);
	put32(c, 0);
	put32(c, snaplen);
	put32(c, linktype);
}

/* A record of caplen bytes (an Ethernet frame's worth of varied bytes). */
static void craft_record(struct crafted *c, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t wirelen)
{
	put32(c, sec);
	put32(c, frac);
	put32(c, caplen);
	put32(c, wirelen);
	for (uint32_t i = 0; i < caplen; i++)
		fputc((int)((i * 7 + c->n * 13) & 0xff), c->f);
	c->n++;
}

static void craft_close(struct crafted *c)
{
	fclose(c->f);
}

/* Records of every size from 1 to 1,600 bytes, 6,000 of them: many cross
 * the edge of the fast path's 128 KiB buffer. */
static void test_records_across_buffer_edges(void)
{
	struct crafted c;
	c.nsec = false;
	craft_open(&c, false, 4, 65535, DLT_EN10MB);
	for (uint32_t i = 0; i < 6000; i++)
		craft_record(&c, 1700000000u + i, (i * 997) % 1000000, 1 + (i * 37) % 1600, 1600);
	craft_close(&c);
	CU_ASSERT_TRUE(check_same(c.path));
	unlink(c.path);
}

/* A record larger than the buffer, one above the snapshot length, a
 * fraction of a second or more, a time past 2038: libpcap reads each, and
 * the fast path goes on after it. */
static void test_odd_records_read_by_libpcap(void)
{
	struct crafted c;
	c.nsec = false;
	craft_open(&c, false, 4, 262144, DLT_EN10MB);
	craft_record(&c, 1700000000u, 1, 60, 60);
	craft_record(&c, 1700000001u, 2, 200000, 200000); /* larger than 128 KiB */
	craft_record(&c, 1700000002u, 1500000, 60, 60);   /* 1.5 s in microseconds */
	craft_record(&c, 0x80000001u, 3, 60, 60);         /* a signed 32-bit second */
	craft_record(&c, 1700000003u, 4, 70, 60);
	craft_close(&c);
	struct readout src;
	bool fast, fast_end;
	CU_ASSERT_TRUE(check_same(c.path));
	read_source(c.path, false, &src, &fast, &fast_end);
	CU_ASSERT_EQUAL(src.n, 5);
	CU_ASSERT_TRUE(fast_end); /* still reading fast after the odd ones */
	unlink(c.path);

	c.nsec = true; /* nanoseconds, snapshot 100 */
	craft_open(&c, false, 4, 100, DLT_EN10MB);
	craft_record(&c, 1700000000u, 999999999, 60, 60);
	craft_record(&c, 1700000001u, 5, 150, 150); /* above the snapshot length */
	craft_record(&c, 1700000002u, 1000000000, 60, 60);
	craft_record(&c, 1700000003u, 6, 100, 1500);
	craft_close(&c);
	CU_ASSERT_TRUE(check_same(c.path));
	unlink(c.path);
}

/* Files the fast path leaves to libpcap whole: version 2.3 (its lengths
 * may be swapped), the other byte order, a link type libpcap rewrites. */
static void test_files_left_to_libpcap(void)
{
	struct crafted c;
	c.nsec = false;
	craft_open(&c, false, 3, 65535, DLT_EN10MB);
	craft_record(&c, 1700000000u, 1, 60, 50); /* 2.3: libpcap swaps caplen and len */
	craft_record(&c, 1700000001u, 2, 60, 60);
	craft_close(&c);
	CU_ASSERT_FALSE(check_same(c.path));
	unlink(c.path);

	craft_open(&c, true, 4, 65535, DLT_EN10MB); /* the other byte order */
	craft_record(&c, 1700000000u, 1, 60, 60);
	craft_record(&c, 1700000001u, 2, 61, 61);
	craft_close(&c);
	CU_ASSERT_FALSE(check_same(c.path));
	unlink(c.path);

	craft_open(&c, false, 4, 65535, 220 /* DLT_USB_LINUX_MMAPPED */);
	craft_record(&c, 1700000000u, 1, 64, 64);
	craft_close(&c);
	CU_ASSERT_FALSE(check_same(c.path));
	unlink(c.path);
}

int suite_source_fast(void)
{
	static const CU_TestInfo tests[] = {
		{ "samples read as libpcap reads them", test_samples_as_libpcap },
		{ "records across the buffer's edges", test_records_across_buffer_edges },
		{ "odd records read by libpcap, then fast again", test_odd_records_read_by_libpcap },
		{ "files left to libpcap", test_files_left_to_libpcap },
		CU_TEST_INFO_NULL,
	};
	return add_suite("source_fast", tests);
}
