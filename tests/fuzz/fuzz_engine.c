/* fuzz_engine.c - libFuzzer harness: arbitrary bytes through the whole engine
 *
 * The first byte picks the link type; the rest is cut into packets by
 * 2-byte length prefixes, each fed with its own timestamp, so the decoder,
 * the fragment reassembler and the flow table all see hostile input.
 * Build: cmake -DTCPS_BUILD_FUZZ=ON -DCMAKE_C_COMPILER=clang; run:
 * ./tests/fuzz/fuzz_engine -max_total_time=60 corpus_dir
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "tcpstate/tcpstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = {
	TCPS_LINK_ETHERNET, TCPS_LINK_RAW, TCPS_LINK_LINUX_SLL, TCPS_LINK_LINUX_SLL2,
	TCPS_LINK_NULL, TCPS_LINK_LOOP, TCPS_LINK_IPV4, TCPS_LINK_IPV6,
};

/* Reads every record as a writer would, so that the sanitizers see it. */
static size_t seen;

static void on_record(void *ctx, const struct tcps_conn_summary *c, const struct tcps_record *r)
{
	(void)ctx;
	seen += c->id + r->pkt + strlen(r->detail) + strlen(r->rule);
}

static void on_conn(void *ctx, const struct tcps_conn_summary *c)
{
	for (size_t i = 0; i < c->nrecords; i++)
		on_record(ctx, c, &c->records[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_config cfg;
	if (size < 1)
		return 0;
	tcps_config_init(&cfg);
	cfg.time_wait_sec = 1;
	/* The first byte also picks streaming (as live capture does) and
	 * conntrack's per-class timeouts, shortened, with clock ticks. */
	bool streaming = data[0] & 0x10, ticks = data[0] & 0x20;
	if (ticks)
		for (int k = 0; k < TCPS_TO__COUNT; k++)
			cfg.timeout_sec[k] = 1 + k % 3;
	struct tcps_reporter rep = { NULL, NULL, on_conn, false, streaming ? on_record : NULL, NULL };
	struct tcps_engine *e = tcps_engine_new(&cfg, &rep, err);
	if (!e)
		return 0;
	int lt = links[data[0] % (sizeof links / sizeof links[0])];
	size_t off = 1;
	struct tcps_ts ts = { 0, 0 };
	while (off + 2 <= size) {
		size_t n = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (n > size - off)
			n = size - off;
		/* Wire length: sometimes longer than captured, to exercise cuts. */
		uint32_t wire = (uint32_t)n + (n && (data[off] & 1) ? data[off] : 0);
		tcps_engine_feed(e, lt, &ts, data + off, (uint32_t)n, wire);
		off += n;
		ts.nsec += 300000000;
		if (ts.nsec >= 1000000000) {
			ts.sec++;
			ts.nsec -= 1000000000;
			if (ticks) {
				struct tcps_ts later = { ts.sec + 1, ts.nsec };
				tcps_engine_advance(e, &later);
			}
		}
	}
	tcps_engine_finish(e);
	tcps_engine_free(e);
	return 0;
}
