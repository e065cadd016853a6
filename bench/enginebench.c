/*
 * enginebench.c - times the tcpstate engine alone, many times in one process.
 *
 * Usage: enginebench [-r RUNS] [-f] FILE
 *
 * Reads every packet of FILE into memory once (through tcps_source, as the
 * command does), then feeds them to a fresh engine RUNS times (default 15)
 * with the built-in writer on /dev/null: the -q report, or with -f the full
 * text report. Prints the CPU time of each pass and the minimum and median.
 *
 * A development tool for comparing two builds of the engine: without the
 * file reads, the process start and the page cache, and with many passes
 * on a busy shared machine, the minimum moves by a few tenths of a percent
 * where hyperfine's means move by 10 %. Packet bytes come from memory that
 * is not in cache; each is copied into one small buffer before it is fed,
 * as libpcap copies it out of stdio's buffer. The absolute figures are close
 * to, not equal to, those of `tcpstate -q FILE` minus pcaploop.
 *
 * Build (from the repository root, after building the library):
 *   cc -O2 -Iinclude -o bench/out/enginebench bench/enginebench.c \
 *      build/libtcpstate.a -lpcap -lz
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tcpstate/tcpstate.h"

struct pkt {
	struct tcps_ts ts;
	size_t off;
	uint32_t caplen, wirelen;
};

static double cpu_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int runs = 15, full = 0, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-r") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-f"))
			full = 1;
		else
			break;
	}
	if (i + 1 != argc || runs < 1) {
		fprintf(stderr, "usage: enginebench [-r RUNS] [-f] FILE\n");
		return 2;
	}
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_source *src;
	if (tcps_source_open_file(&src, argv[i], err) != TCPS_OK) {
		fprintf(stderr, "enginebench: %s: %s\n", argv[i], err);
		return 1;
	}
	int lt = tcps_source_linktype(src);
	size_t n = 0, cap = 1 << 16, bytes = 0, bcap = 1 << 26, maxcap = 0;
	struct pkt *pk = malloc(cap * sizeof *pk);
	uint8_t *data = malloc(bcap);
	struct tcps_packet p;
	int r;
	while ((r = tcps_source_next(src, &p, err)) > 0) {
		if (n == cap)
			pk = realloc(pk, (cap *= 2) * sizeof *pk);
		while (bytes + p.caplen > bcap)
			data = realloc(data, bcap *= 2);
		if (!pk || !data) {
			fprintf(stderr, "enginebench: out of memory\n");
			return 1;
		}
		memcpy(data + bytes, p.bytes, p.caplen);
		pk[n++] = (struct pkt){ p.ts, bytes, p.caplen, p.wirelen };
		bytes += p.caplen;
		if (p.caplen > maxcap)
			maxcap = p.caplen;
	}
	tcps_source_close(src);
	if (r < 0) {
		fprintf(stderr, "enginebench: %s: %s\n", argv[i], err);
		return 1;
	}
	uint8_t *buf = malloc(maxcap ? maxcap : 1);
	FILE *devnull = fopen("/dev/null", "w");
	double *ms = malloc(runs * sizeof *ms);
	struct tcps_totals t;
	for (int run = 0; run < runs; run++) {
		struct tcps_writer w = { devnull, TCPS_FMT_TEXT, !full, argv[i], TCPS_TIME_RELATIVE, NULL };
		struct tcps_reporter rep = tcps_writer_reporter(&w);
		struct tcps_config cfg;
		tcps_config_init(&cfg);
		double t0 = cpu_ms();
		struct tcps_engine *e = tcps_engine_new(&cfg, &rep, err);
		if (!e) {
			fprintf(stderr, "enginebench: %s\n", err);
			return 1;
		}
		tcps_writer_begin(&w, lt);
		for (size_t k = 0; k < n; k++) {
			/* libpcap copies each record into its buffer: so do we */
			memcpy(buf, data + pk[k].off, pk[k].caplen);
			tcps_engine_feed(e, lt, &pk[k].ts, buf, pk[k].caplen, pk[k].wirelen);
		}
		tcps_engine_finish(e);
		tcps_engine_totals(e, &t);
		tcps_writer_totals(&w, &t, true);
		tcps_writer_close(&w);
		tcps_engine_free(e);
		ms[run] = cpu_ms() - t0;
		fprintf(stderr, "pass %d: %.1f ms\n", run + 1, ms[run]);
	}
	qsort(ms, runs, sizeof *ms, cmp_double);
	printf("%zu packets, %d passes: min %.1f ms, median %.1f ms, %.1f ns/packet (min)\n", n, runs, ms[0],
	       ms[runs / 2], ms[0] * 1e6 / n);
	return 0;
}
