/* live.c - tcpstate -i: analyse an interface's traffic as it passes, and -D
 *
 * One thread: read what the kernel has ready, feed it to the engine, and
 * when nothing is ready, let the clock tick (idle expiry, --every) and
 * wait. A signal only sets a flag; the wait is short enough that the
 * loop sees it at once, and everything is then flushed and summed up.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

/* Longest wait for packets: how late a signal or a tick can be seen. */
#define WAIT_MS 200
/* A tick expires connections as of this long ago, so that a packet the
 * kernel stamped just before the tick, still on its way to us, does not
 * find its connection gone. */
#define TICK_MARGIN_SEC 1
/* Under load the loop reads the clock once per this many packets. */
#define PACKETS_PER_CLOCK 1024

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void catch_stop_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the wait returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static struct tcps_ts wall_clock(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (struct tcps_ts){ (int64_t)t.tv_sec, (uint32_t)t.tv_nsec };
}

struct live {
	const struct options *o;
	struct tcps_writer w;
	struct tcps_engine *e;
	bool redraw;               /* --every redraws in place (text on a terminal) */
	int64_t next_table;        /* wall-clock second of the next --every table */
};

/* The clock ticks: connections idle past their timeout are reported,
 * and the --every table is due or not. */
static void tick(struct live *l)
{
	struct tcps_ts now = wall_clock();
	struct tcps_ts then = { now.sec - TICK_MARGIN_SEC, now.nsec };
	tcps_engine_advance(l->e, &then);
	if (l->o->every && now.sec >= l->next_table) {
		tcps_writer_state_table(&l->w, l->e, &now, l->redraw);
		l->next_table = now.sec + l->o->every;
	}
}

/* Opens the interface, as the user asked; exit status 0 or 2. */
static int open_interface(const struct options *o, struct tcps_source **src)
{
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_live_options lo = { o->snaplen_set ? o->snaplen : 0, o->buffer_kib, o->no_promisc };
	if (tcps_source_open_live(src, o->iface, &lo, err) != TCPS_OK) {
		fprintf(stderr, "tcpstate: %s\n", err);
		return EXIT_USAGE_OR_INPUT;
	}
	const char *warn = tcps_source_warning(*src);
	if (warn)
		fprintf(stderr, "tcpstate: %s: warning: %s\n", o->iface, warn);
	if (o->filter && tcps_source_set_filter(*src, o->filter, err) != TCPS_OK) {
		fprintf(stderr, "tcpstate: %s: %s\n", o->iface, err);
		return EXIT_USAGE_OR_INPUT;
	}
	/* tcpdump's order: the device is open, then privileges go, then the
	 * output file is made (owned by the user it runs as). */
	if (o->user && tcps_drop_privileges(o->user, err) != TCPS_OK) {
		fprintf(stderr, "tcpstate: -Z %s: %s\n", o->user, err);
		return EXIT_USAGE_OR_INPUT;
	}
	if (o->write_file && tcps_source_dump(*src, o->write_file, err) != TCPS_OK) {
		fprintf(stderr, "tcpstate: -w %s: %s\n", o->write_file, err);
		return EXIT_USAGE_OR_INPUT;
	}
	return EXIT_OK;
}

int live_main(const struct options *o)
{
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_source *src = NULL;
	int status = open_interface(o, &src);
	if (status != EXIT_OK) {
		tcps_source_close(src);
		return status;
	}
	struct live l = { .o = o };
	l.w = (struct tcps_writer){ stdout, o->fmt, o->quiet, o->iface, o->time_fmt, NULL, NULL, true, true };
	l.redraw = o->fmt == TCPS_FMT_TEXT && isatty(fileno(stdout));
	struct tcps_reporter rep = tcps_writer_reporter(&l.w);
	if (!(l.e = tcps_engine_new(&o->cfg, &rep, err))) {
		fprintf(stderr, "tcpstate: %s\n", err);
		tcps_source_close(src);
		return EXIT_USAGE_OR_INPUT;
	}
	int lt = tcps_source_linktype(src);
	tcps_writer_begin(&l.w, lt);
	fflush(stdout);
	if (!tcps_linktype_supported(lt)) {
		snprintf(err, sizeof err, "link type %d (%s) is not supported: its packets are counted, not analysed",
			 lt, tcps_linktype_name(lt));
		tcps_writer_error(&l.w, 0, err);
		status = EXIT_USAGE_OR_INPUT;
	}
	catch_stop_signals();
	l.next_table = wall_clock().sec + o->every;
	struct tcps_packet p;
	uint64_t n = 0;
	while (!stop_signal && (!o->count || n < o->count)) {
		int rd = tcps_source_next(src, &p, err);
		if (rd == 1) {
			tcps_engine_feed(l.e, lt, &p.ts, p.bytes, p.caplen, p.wirelen);
			if (++n % PACKETS_PER_CLOCK == 0 && o->every && wall_clock().sec >= l.next_table)
				tick(&l);
			continue;
		}
		if (rd == 0)
			break;
		if (rd != TCPS_SOURCE_IDLE) {
			tcps_writer_error(&l.w, n + 1, err);
			status = EXIT_USAGE_OR_INPUT;
			break;
		}
		/* Nothing ready: the moment to tick, and to put the -w file on disk. */
		tick(&l);
		if (o->write_file && tcps_source_flush_dump(src, err) != TCPS_OK) {
			fprintf(stderr, "tcpstate: -w %s: %s\n", o->write_file, err);
			status = EXIT_USAGE_OR_INPUT;
			break;
		}
		if (tcps_source_wait(src, WAIT_MS, err) < 0) {
			tcps_writer_error(&l.w, n + 1, err);
			status = EXIT_USAGE_OR_INPUT;
			break;
		}
	}
	tcps_engine_finish(l.e);
	struct tcps_totals t;
	tcps_engine_totals(l.e, &t);
	tcps_writer_totals(&l.w, &t, status == EXIT_OK);
	struct tcps_capture_stats cs;
	if (tcps_source_stats(src, &cs, err) == TCPS_OK)
		tcps_writer_capture_stats(&l.w, cs.received, cs.dropped, cs.if_dropped);
	else
		fprintf(stderr, "tcpstate: %s: no capture counters: %s\n", o->iface, err);
	if (status == EXIT_OK && o->has_policy && tcps_writer_policy(&l.w, &o->policy, &t))
		status = EXIT_FAILED;
	tcps_writer_close(&l.w);
	tcps_engine_free(l.e);
	tcps_source_close(src); /* flushes and closes the -w file */
	return status;
}

static void print_device(void *ctx, const struct tcps_device *d)
{
	unsigned *n = ctx;
	printf("%u.%s", ++*n, d->name);
	if (d->description)
		printf(" (%s)", d->description);
	printf(" [%s%s%s%s]\n", d->up ? "Up" : "Down", d->running ? ", Running" : "", d->loopback ? ", Loopback" : "",
	       d->wireless ? ", Wireless" : "");
}

int list_devices_main(void)
{
	char err[TCPS_ERRBUF_SIZE];
	unsigned n = 0;
	if (tcps_source_list_devices(print_device, &n, err) != TCPS_OK) {
		fprintf(stderr, "tcpstate: cannot list interfaces: %s\n", err);
		return EXIT_USAGE_OR_INPUT;
	}
	if (!n) {
		fprintf(stderr, "tcpstate: no interface to capture on (is this user allowed to capture?)\n");
		return EXIT_USAGE_OR_INPUT;
	}
	return EXIT_OK;
}
