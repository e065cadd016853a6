/* fuzz_source.c - libFuzzer harness: arbitrary bytes as a capture file, read
 * by tcpstate's source and by libpcap alone, which must agree
 *
 * The bytes become a file (memfd) that tcps_source reads (its fast classic
 * pcap path, or libpcap for what that leaves) and that libpcap reads by
 * itself. Any difference in a packet's time, lengths or bytes, in the
 * packet count, in how the read ends or in its message aborts. Seeds: the
 * .pcap files under samples/. Build as fuzz_engine; run:
 * ./tests/fuzz/fuzz_source -max_total_time=60 corpus_dir
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "tcpstate/tcpstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct readout {
	unsigned n;
	uint64_t digest;
	int end; /* 0 the end of the capture, 1 an error, 2 not opened */
	char err[TCPS_ERRBUF_SIZE];
};

static void mix(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ull;
}

static void mix_packet(uint64_t *h, int64_t sec, uint32_t nsec, uint32_t caplen, uint32_t wirelen, const uint8_t *b)
{
	mix(h, &sec, sizeof sec);
	mix(h, &nsec, sizeof nsec);
	mix(h, &caplen, sizeof caplen);
	mix(h, &wirelen, sizeof wirelen);
	mix(h, b, caplen);
}

/* The message as tcps_source words it: without a leading "path: ". */
static void message(const char *path, const char *m, char *out)
{
	size_t n = strlen(path);
	if (!strncmp(m, path, n) && !strncmp(m + n, ": ", 2))
		m += n + 2;
	snprintf(out, TCPS_ERRBUF_SIZE, "%s", m);
}

static void by_libpcap(const char *path, struct readout *o)
{
	char perr[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!p) {
		o->end = 2;
		return;
	}
	struct pcap_pkthdr *h;
	const u_char *b;
	int r;
	while ((r = pcap_next_ex(p, &h, &b)) == 1) {
		int64_t sec = (int64_t)h->ts.tv_sec; /* as source_file.c reads libpcap's times */
		uint32_t nsec = (uint32_t)h->ts.tv_usec;
		if (h->ts.tv_usec < 0 || h->ts.tv_usec >= 1000000000) {
			sec += (int64_t)(h->ts.tv_usec / 1000000000);
			nsec = (uint32_t)(h->ts.tv_usec % 1000000000);
		}
		mix_packet(&o->digest, sec, nsec, h->caplen, h->len, b);
		o->n++;
	}
	o->end = r == PCAP_ERROR_BREAK ? 0 : 1;
	if (o->end)
		message(path, pcap_geterr(p), o->err);
	pcap_close(p);
}

static void by_source(const char *path, struct readout *o)
{
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_source *s;
	if (tcps_source_open_file(&s, path, err) != TCPS_OK) {
		o->end = 2;
		return;
	}
	struct tcps_packet k;
	int r;
	while ((r = tcps_source_next(s, &k, o->err)) == 1) {
		mix_packet(&o->digest, k.ts.sec, k.ts.nsec, k.caplen, k.wirelen, k.bytes);
		o->n++;
	}
	o->end = r == 0 ? 0 : 1;
	if (!o->end)
		o->err[0] = '\0';
	tcps_source_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-capture", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct readout lib = { 0, 0xcbf29ce484222325ull, 0, "" }, src = lib;
	by_libpcap(path, &lib);
	by_source(path, &src);
	close(fd);
	if (lib.end == 2 || size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
		return 0; /* not a capture libpcap opens, or gzip (tcpstate's own) */
	if (src.n != lib.n || src.digest != lib.digest || src.end != lib.end || strcmp(src.err, lib.err)) {
		fprintf(stderr, "source: %u packets end %d \"%s\"; libpcap: %u end %d \"%s\"\n", src.n, src.end,
			src.err, lib.n, lib.end, lib.err);
		abort();
	}
	return 0;
}
