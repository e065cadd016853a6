/* report.h - built-in writers: human text and JSON lines */
#ifndef TCPSTATE_REPORT_H
#define TCPSTATE_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "tcpstate/engine.h"
#include "tcpstate/policy.h"
#include "tcpstate/baseline.h"

enum tcps_format { TCPS_FMT_TEXT = 0, TCPS_FMT_JSON };

/* Version of the JSON-lines schema (docs/json-schema.md); bumped on any change
 * that is not a pure addition. */
#define TCPS_JSON_SCHEMA_VERSION 2

/*
 * A writer turns engine records into lines on a stdio stream. Text is for
 * people; JSON lines (one object per record, fixed key order) for programs.
 */
/* How text output shows a record's time (JSON always has seconds.nanoseconds). */
enum tcps_time_format {
	TCPS_TIME_RELATIVE = 0,  /* seconds since the connection's first packet (default) */
	TCPS_TIME_EPOCH,         /* -tt: seconds since the Unix epoch */
	TCPS_TIME_UTC,           /* -tttt: date and time, UTC */
};

struct tcps_end_states;

struct tcps_writer {
	FILE *out;
	enum tcps_format fmt;
	bool quiet;              /* totals and end states only */
	const char *file;        /* capture name shown in every record */
	enum tcps_time_format time_fmt;
	struct tcps_end_states *states;  /* the writer's own tally; NULL to start */
	FILE *err;               /* where errors and failed verdicts are also told; NULL: stderr */
	bool stream;             /* records as the engine settles them (live, --stream), not per connection */
	bool flush;              /* flush the stream after every record (live) */
};

/* Reporter callbacks that write through w. */
struct tcps_reporter tcps_writer_reporter(struct tcps_writer *w);

/* Writes the line that opens a capture's report. */
void tcps_writer_begin(struct tcps_writer *w, int linktype);

/* Writes an input error record: the file, the packet number it concerns
 * (0 for the file as a whole) and the message. Text goes to the stream and to
 * stderr; JSON to the stream only. */
void tcps_writer_error(struct tcps_writer *w, uint64_t pkt, const char *msg);

/* Writes the capture's totals and the table of the states its endpoints
 * ended in, overall and per server port. complete is false when the
 * capture was cut. */
void tcps_writer_totals(struct tcps_writer *w, const struct tcps_totals *t, bool complete);

/* Writes the verdict of a --fail-on policy on a capture's totals, and on
 * stderr which findings made it fail. Returns the number matched. */
uint64_t tcps_writer_policy(struct tcps_writer *w, const struct tcps_policy *p, const struct tcps_totals *t);

/* Writes one difference from a baseline (a tcps_baseline_compare callback
 * whose ctx is the writer). */
void tcps_writer_baseline_diff(void *w, const struct tcps_baseline_diff *d);

/* Writes the verdict of a comparison with baseline (a path), after its
 * differences, and on stderr when there were any. */
void tcps_writer_baseline_end(struct tcps_writer *w, const char *baseline, size_t ndiff);

/* Writes the table of the states the endpoints of e's connections are in
 * now, overall and per server port (--every), stamped with now. redraw
 * (text on a terminal) first clears the screen, as top does. */
void tcps_writer_state_table(struct tcps_writer *w, struct tcps_engine *e, const struct tcps_ts *now, bool redraw);

/* Writes a live capture's counters from libpcap: packets the filter
 * received, and those dropped by the kernel (its buffer was full) and by
 * the interface. */
void tcps_writer_capture_stats(struct tcps_writer *w, uint64_t received, uint64_t dropped, uint64_t if_dropped);

/* Frees what the writer holds (its end-state tally). */
void tcps_writer_close(struct tcps_writer *w);

/*
 * A reporter that runs another on a thread of its own: its callbacks copy
 * what they get (summaries, records and their details, packet notes) and
 * the thread calls inner's with the copies, in the same order. For a file's
 * analysis on a machine of several CPUs, where formatting the timelines
 * would otherwise wait for the analysis and the analysis for it. Whatever
 * inner writes to must not be written by anyone else until
 * tcps_report_thread_sync() (or _stop()) returns. If memory runs out, the
 * callbacks call inner directly, after what was queued: nothing is lost.
 */
struct tcps_report_thread;

/* Starts the thread; NULL with errbuf filled when it cannot. */
struct tcps_report_thread *tcps_report_thread_start(const struct tcps_reporter *inner, char *errbuf);

/* The callbacks to give the engine: those inner has, queued. */
struct tcps_reporter tcps_report_thread_reporter(struct tcps_report_thread *t);

/* Returns when inner has had everything given so far. NULL: no-op. */
void tcps_report_thread_sync(struct tcps_report_thread *t);

/* Syncs, ends the thread and frees it. NULL: no-op. */
void tcps_report_thread_stop(struct tcps_report_thread *t);

/* Formats "ip:port" ("[v6]:port" for IPv6) into buf; returns buf. */
char *tcps_format_endpoint(const struct tcps_addr *a, char *buf, size_t len);

/* Writes s to f as a JSON string: quoted, with '"', '\\' and control
 * characters escaped. */
void tcps_json_string(FILE *f, const char *s);

/* Formats a time as "seconds.nanoseconds" (JSON) into buf; returns buf. */
char *tcps_format_epoch(const struct tcps_ts *t, char *buf, size_t len);

#endif
