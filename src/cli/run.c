/* run.c - one capture: read, analyse, report, then the policy and the baseline */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "cli.h"

/* The writer's callbacks, and a baseline that takes every connection too. */
struct tee {
	struct tcps_reporter inner;
	struct tcps_baseline *base;
	bool oom;
};

static void tee_note(void *ctx, const struct tcps_packet_note *n)
{
	struct tee *t = ctx;
	if (t->inner.packet_note)
		t->inner.packet_note(t->inner.ctx, n);
}

static void tee_conn(void *ctx, const struct tcps_conn_summary *c)
{
	struct tee *t = ctx;
	if (t->inner.connection)
		t->inner.connection(t->inner.ctx, c);
	if (tcps_baseline_add(t->base, c) != TCPS_OK)
		t->oom = true;
}

double now_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int worst(int a, int b) { return a > b ? a : b; }

/* A reader thread pays for itself past a few MiB; below, starting it and
 * its batches costs more than it saves (bench/README.md, corpus). */
#define READ_AHEAD_MIN_BYTES (4 << 20)

static bool worth_reading_ahead(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= READ_AHEAD_MIN_BYTES;
}

/* Writes the run's baseline to path; false (reported) on failure. */
static bool write_baseline(struct tcps_writer *w, struct tcps_baseline *b, const char *path, const char *capture)
{
	char msg[TCPS_ERRBUF_SIZE];
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(msg, sizeof msg, "cannot write the baseline %s: %s", path, strerror(errno));
		tcps_writer_error(w, 0, msg);
		return false;
	}
	int rc = tcps_baseline_write(b, f, capture);
	if (fclose(f) != 0 || rc != TCPS_OK) {
		snprintf(msg, sizeof msg, "writing the baseline %s: %s", path, strerror(errno));
		tcps_writer_error(w, 0, msg);
		return false;
	}
	return true;
}

int run_capture(const char *path, const struct options *o, const struct run_io *io, struct capture_result *r)
{
	char err[TCPS_ERRBUF_SIZE];
	const char *name = strcmp(path, "-") ? path : "(stdin)";
	struct tcps_writer w = { io->out, o->fmt, o->quiet, name, o->time_fmt, NULL, io->err, o->stream, false };
	struct tcps_source *src = NULL;
	struct tcps_engine *e = NULL;
	struct tcps_report_thread *rt = NULL;
	struct tcps_baseline *expected = NULL, *got = NULL;
	double t0 = now_seconds();
	memset(r, 0, sizeof *r);
	r->status = EXIT_USAGE_OR_INPUT;
	r->input_error = true;

	if (io->baseline_in && tcps_baseline_load(&expected, io->baseline_in, err) != TCPS_OK) {
		char msg[TCPS_ERRBUF_SIZE + 64];
		snprintf(msg, sizeof msg, "baseline %s: %s", io->baseline_in, err);
		tcps_writer_error(&w, 0, msg);
		r->base = BASE_ERROR;
		goto out;
	}
	if (tcps_source_open_file(&src, path, err) != TCPS_OK) {
		tcps_writer_error(&w, 0, err);
		goto out;
	}
	int lt = tcps_source_linktype(src);
	if (o->filter && tcps_source_set_filter(src, o->filter, err) != TCPS_OK) {
		tcps_writer_error(&w, 0, err);
		goto out;
	}
	if (o->write_file && tcps_source_dump(src, o->write_file, err) != TCPS_OK) {
		char msg[TCPS_ERRBUF_SIZE + 64];
		snprintf(msg, sizeof msg, "-w %s: %s", o->write_file, err);
		tcps_writer_error(&w, 0, msg);
		goto out;
	}
	bool ahead = io->read_ahead && worth_reading_ahead(path);
	if (ahead && tcps_source_read_ahead(src, 0, err) != TCPS_OK) {
		tcps_writer_error(&w, 0, err);
		goto out;
	}
	struct tcps_reporter rep = { 0 };
	if (io->report)
		rep = tcps_writer_reporter(&w);
	/* Timelines to format: on the other core, beside the reader thread
	 * (bench/README.md); the totals alone (-q) are not worth a thread. */
	if (io->report && !o->quiet && ahead) {
		if (!(rt = tcps_report_thread_start(&rep, err))) {
			tcps_writer_error(&w, 0, err);
			goto out;
		}
		rep = tcps_report_thread_reporter(rt);
	}
	struct tee tee = { rep, NULL, false };
	if (io->baseline_in || io->baseline_out) {
		if (!(got = tcps_baseline_new())) {
			tcps_writer_error(&w, 0, "out of memory");
			goto out;
		}
		tee.base = got;
		rep = (struct tcps_reporter){ &tee, tee_note, tee_conn, false, NULL, NULL }; /* a baseline needs the timeline */
	}
	if (!(e = tcps_engine_new(&o->cfg, &rep, err))) {
		tcps_writer_error(&w, 0, err);
		goto out;
	}
	int status = EXIT_OK;
	if (io->report)
		tcps_writer_begin(&w, lt);
	if (!tcps_linktype_supported(lt)) {
		snprintf(err, sizeof err, "link type %d (%s) is not supported: its packets are counted, not analysed",
			 lt, tcps_linktype_name(lt));
		tcps_writer_error(&w, 0, err);
		status = EXIT_USAGE_OR_INPUT;
	}
	struct tcps_packet p;
	uint64_t n = 0;
	bool complete = true;
	int rd;
	while ((!o->count || n < o->count) && (rd = tcps_source_next(src, &p, err)) != 0) {
		if (rd < 0) {
			tcps_report_thread_sync(rt);
			tcps_writer_error(&w, n + 1, err);
			complete = false;
			status = EXIT_USAGE_OR_INPUT;
			break;
		}
		n++;
		if (p.filtered_out)
			tcps_engine_skip_filtered(e);
		else
			tcps_engine_feed(e, lt, &p.ts, p.bytes, p.caplen, p.wirelen);
	}
	tcps_engine_finish(e);
	tcps_report_thread_stop(rt); /* every record written before the totals */
	rt = NULL;
	struct tcps_totals t;
	tcps_engine_totals(e, &t);
	if (t.packets == 0 && complete)
		tcps_writer_error(&w, 0, "the capture holds no packets");
	if (io->report)
		tcps_writer_totals(&w, &t, complete);
	r->packets = t.packets;
	r->connections = t.connections;
	for (int c = 1; c < TCPS_F__COUNT; c++)
		r->by_severity[tcps_finding_severity((enum tcps_finding_code)c)] += t.findings[c];
	if (o->has_policy && (r->policy_matched = tcps_writer_policy(&w, &o->policy, &t)))
		status = worst(status, EXIT_FAILED);
	if (tee.oom) {
		tcps_writer_error(&w, 0, "out of memory for the baseline");
		status = EXIT_USAGE_OR_INPUT;
	} else if (io->baseline_out) {
		const char *slash = strrchr(name, '/'); /* the header names the file, wherever it was run from */
		if (write_baseline(&w, got, io->baseline_out, slash ? slash + 1 : name)) {
			r->base = BASE_WRITTEN;
		} else {
			r->base = BASE_ERROR;
			status = EXIT_USAGE_OR_INPUT;
		}
	} else if (expected) {
		r->ndiff = tcps_baseline_compare(expected, got, tcps_writer_baseline_diff, &w);
		tcps_writer_baseline_end(&w, io->baseline_in, r->ndiff);
		r->base = r->ndiff ? BASE_DIFFERS : BASE_SAME;
		if (r->ndiff)
			status = worst(status, EXIT_FAILED);
	}
	r->input_error = status == EXIT_USAGE_OR_INPUT;
	r->status = status;
out:
	tcps_report_thread_stop(rt);
	tcps_writer_close(&w);
	tcps_engine_free(e);
	tcps_source_close(src);
	tcps_baseline_free(expected);
	tcps_baseline_free(got);
	r->seconds = now_seconds() - t0;
	return r->status;
}
