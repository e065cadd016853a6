/* baseline.h - what a capture's connections went through, kept to compare later runs with */
#ifndef TCPSTATE_BASELINE_H
#define TCPSTATE_BASELINE_H

#include <stddef.h>
#include <stdio.h>
#include "tcpstate/engine.h"

/*
 * A baseline holds, per connection and endpoint, the sequence of states it
 * went through and how many of each finding it had. A connection is named
 * by its tuple ("initiator > responder", VLANs if tagged) and its order
 * among the connections on that tuple ("#1", "#2" after a reuse), never by
 * an id or a time, so the file stays the same across tcpstate versions as
 * long as the results do. The file is text, one sorted line per endpoint
 * (docs/baselines.md):
 *
 *   10.0.0.1:40012 > 10.0.0.2:80 #1 initiator: CLOSED SYN_SENT ESTABLISHED | retransmission=2
 *
 * States: the first is where the endpoint started ("~" in front when the
 * capture began midstream and it was inferred), then each state it moved
 * to ("?" after one the endpoint's own segments never confirmed). Findings:
 * name=count in code order, only those it had.
 */
struct tcps_baseline;

struct tcps_baseline *tcps_baseline_new(void);
void tcps_baseline_free(struct tcps_baseline *b);

/* Adds a connection, from a reporter's connection callback. Its timeline
 * is needed: the reporter must not be summary_only. TCPS_OK or TCPS_E_NOMEM. */
int tcps_baseline_add(struct tcps_baseline *b, const struct tcps_conn_summary *c);

/* Writes the baseline, sorted, after a header naming the capture. Returns
 * TCPS_OK, or TCPS_E_IO (errno set) when the stream failed. */
int tcps_baseline_write(struct tcps_baseline *b, FILE *f, const char *capture);

/* Reads a baseline file. Returns TCPS_OK and *out, or an error status and
 * errbuf naming the line that is not a baseline line. */
int tcps_baseline_load(struct tcps_baseline **out, const char *path, char *errbuf);

/* One difference between a baseline and a run. */
enum tcps_diff_kind {
	TCPS_DIFF_MISSING = 0,   /* in the baseline, not in the run */
	TCPS_DIFF_NEW,           /* in the run, not in the baseline */
	TCPS_DIFF_STATES,        /* another sequence of states */
	TCPS_DIFF_FINDING,       /* another count of one finding */
};
const char *tcps_diff_kind_name(enum tcps_diff_kind k);  /* "missing", "new", "states", "finding" */

struct tcps_baseline_diff {
	enum tcps_diff_kind kind;
	const char *conn;            /* "10.0.0.1:40012 > 10.0.0.2:80 #1" */
	const char *role;            /* "initiator" or "responder" */
	const char *finding;         /* TCPS_DIFF_FINDING: its name; else NULL */
	const char *expected, *got;  /* states, a count, or the whole line ("" for none) */
};

/* Compares a run (got) with a baseline (expected), calling diff for each
 * difference in sorted order; returns how many there were. */
size_t tcps_baseline_compare(struct tcps_baseline *expected, struct tcps_baseline *got,
			     void (*diff)(void *ctx, const struct tcps_baseline_diff *d), void *ctx);

#endif
