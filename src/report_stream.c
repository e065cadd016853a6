/* report_stream.c - writing records as they are settled: live capture and --stream
 *
 * Records of many connections interleave, so every line names its
 * connection: text lines start "conn ID", JSON objects carry "conn". A
 * connection is announced when first seen (text: its header line; JSON:
 * an "open" object) and summed up when it ends (the usual summary,
 * without the timeline, which has gone out already).
 */
#define _DEFAULT_SOURCE /* fwrite_unlocked (linebuf.h) */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "report_int.h"

static void flush_record(struct tcps_writer *w)
{
	if (w->flush)
		fflush(w->out);
}

void tcps_writer_on_open(void *ctx, const struct tcps_conn_summary *c)
{
	struct tcps_writer *w = ctx;
	if (w->quiet)
		return;
	if (w->fmt == TCPS_FMT_TEXT) {
		struct cols k;
		text_cols(c, &k);
		conn_header_text(w, c, &k);
	} else {
		struct linebuf l;
		l.n = 0;
		json_conn_head(&l, w, "open", c);
		lb_str(&l, ",\"pkt\":");
		lb_uint(&l, c->first_pkt, 1);
		lb_str(&l, ",\"ts\":\"");
		lb_epoch(&l, &c->first_ts);
		lb_str(&l, "\",\"initiator\":\"");
		lb_endpoint(&l, &c->ep[TCPS_INITIATOR]);
		lb_str(&l, "\",\"responder\":\"");
		lb_endpoint(&l, &c->ep[TCPS_RESPONDER]);
		lb_str(&l, "\",\"roles\":\"");
		lb_str(&l, tcps_role_basis_name(c->roles));
		lb_str(&l, "\",\"reuse_of\":");
		if (c->reuse_of)
			lb_uint(&l, c->reuse_of, 1);
		else
			lb_str(&l, "null");
		lb_str(&l, "}\n");
		lb_write(&l, w->out);
	}
	flush_record(w);
}

void tcps_writer_on_record(void *ctx, const struct tcps_conn_summary *c, const struct tcps_record *r)
{
	struct tcps_writer *w = ctx;
	if (w->quiet)
		return;
	if (w->fmt == TCPS_FMT_JSON) {
		json_record(w, c, r);
	} else {
		char lead[32];
		struct cols k;
		text_cols(c, &k);
		k.pkt = 0; /* lines of many connections: no common column */
		snprintf(lead, sizeof lead, "conn %" PRIu64 " ", c->id);
		text_record(w, c, r, &k, lead);
	}
	flush_record(w);
}

static void count_conn(void *ctx, const struct tcps_conn_summary *c)
{
	tcps_writer_tally(ctx, c);
}

void tcps_writer_state_table(struct tcps_writer *w, struct tcps_engine *e, const struct tcps_ts *now, bool redraw)
{
	struct tcps_writer t = *w; /* a tally of its own: the end-state one keeps counting */
	t.states = NULL;
	tcps_engine_foreach(e, count_conn, &t);
	char ts[48];
	if (w->fmt == TCPS_FMT_JSON) {
		json_head(w, "states");
		fprintf(w->out, ",\"ts\":\"%s\"", tcps_format_epoch(now, ts, sizeof ts));
		tcps_end_states_json(&t, "states");
		fputs("}\n", w->out);
	} else {
		struct linebuf l;
		l.n = 0;
		if (redraw)
			lb_str(&l, "\x1b[H\x1b[2J"); /* home, clear screen */
		lb_str(&l, "states now (");
		lb_utc(&l, now);
		lb_chr(&l, ')');
		lb_write(&l, w->out);
		if (t.states && t.states->conns) {
			tcps_end_states_text(&t, ""); /* " of N endpoints (M connections)", the table */
		} else {
			fputs(": no connection held\n", w->out);
		}
	}
	tcps_writer_close(&t);
	fflush(w->out);
}

void tcps_writer_capture_stats(struct tcps_writer *w, uint64_t received, uint64_t dropped, uint64_t if_dropped)
{
	if (w->fmt == TCPS_FMT_JSON) {
		json_head(w, "capture_stats");
		fprintf(w->out, ",\"received\":%" PRIu64 ",\"dropped\":%" PRIu64 ",\"if_dropped\":%" PRIu64 "}\n",
			received, dropped, if_dropped);
	} else {
		fprintf(w->out,
			"capture: %" PRIu64 " packets received by the filter, %" PRIu64 " dropped by the kernel, %" PRIu64
			" dropped by the interface\n",
			received, dropped, if_dropped);
	}
	fflush(w->out);
}
