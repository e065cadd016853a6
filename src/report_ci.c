/* report_ci.c - the writer's lines for CI: --fail-on verdicts and baseline differences */
#include <inttypes.h>
#include <stdio.h>
#include "report_int.h"

uint64_t tcps_writer_policy(struct tcps_writer *w, const struct tcps_policy *p, const struct tcps_totals *t)
{
	uint64_t n = tcps_policy_matches(p, t);
	char what[TCPS_ERRBUF_SIZE];
	tcps_policy_describe(p, t, what, sizeof what);
	if (w->fmt == TCPS_FMT_JSON) {
		json_head(w, "policy");
		fprintf(w->out, ",\"verdict\":\"%s\",\"matched\":%" PRIu64 ",\"findings\":{", n ? "fail" : "pass", n);
		const char *sep = "";
		for (int c = 1; c < TCPS_F__COUNT; c++)
			if (p->fail[c] && t->findings[c]) {
				fprintf(w->out, "%s\"%s\":%" PRIu64, sep, tcps_finding_name((enum tcps_finding_code)c),
					t->findings[c]);
				sep = ",";
			}
		fputs("}}\n", w->out);
	} else if (n) {
		fprintf(w->out, "  policy: FAILED, --fail-on matched %" PRIu64 " finding%s: %s\n", n, n == 1 ? "" : "s",
			what);
	} else {
		fputs("  policy: passed, --fail-on matched no finding\n", w->out);
	}
	if (n) {
		fflush(w->out);
		fprintf(w->err ? w->err : stderr, "tcpstate: %s: --fail-on matched %" PRIu64 " finding%s: %s\n", w->file, n,
			n == 1 ? "" : "s", what);
	}
	return n;
}

void tcps_writer_baseline_diff(void *ctx, const struct tcps_baseline_diff *d)
{
	struct tcps_writer *w = ctx;
	if (w->fmt == TCPS_FMT_JSON) {
		json_head(w, "baseline_difference");
		fputs(",\"connection\":", w->out);
		tcps_json_string(w->out, d->conn);
		fprintf(w->out, ",\"role\":\"%s\",\"what\":\"%s\",\"finding\":", d->role, tcps_diff_kind_name(d->kind));
		if (d->finding)
			tcps_json_string(w->out, d->finding);
		else
			fputs("null", w->out);
		fputs(",\"expected\":", w->out);
		tcps_json_string(w->out, d->expected);
		fputs(",\"got\":", w->out);
		tcps_json_string(w->out, d->got);
		fputs("}\n", w->out);
		return;
	}
	fprintf(w->out, "  baseline: %s %s: ", d->conn, d->role);
	switch (d->kind) {
	case TCPS_DIFF_MISSING:
		fprintf(w->out, "missing, expected %s\n", d->expected);
		break;
	case TCPS_DIFF_NEW:
		fprintf(w->out, "new, got %s\n", d->got);
		break;
	case TCPS_DIFF_STATES:
		fprintf(w->out, "states: expected %s, got %s\n", d->expected, d->got);
		break;
	case TCPS_DIFF_FINDING:
		fprintf(w->out, "%s: expected %s, got %s\n", d->finding, d->expected, d->got);
		break;
	}
}

void tcps_writer_baseline_end(struct tcps_writer *w, const char *baseline, size_t ndiff)
{
	if (w->fmt == TCPS_FMT_JSON) {
		json_head(w, "baseline");
		fputs(",\"baseline\":", w->out);
		tcps_json_string(w->out, baseline);
		fprintf(w->out, ",\"verdict\":\"%s\",\"differences\":%zu}\n", ndiff ? "differs" : "same", ndiff);
	} else if (ndiff) {
		fprintf(w->out, "  baseline %s: FAILED, %zu difference%s\n", baseline, ndiff, ndiff == 1 ? "" : "s");
	} else {
		fprintf(w->out, "  baseline %s: same\n", baseline);
	}
	if (ndiff) {
		fflush(w->out);
		fprintf(w->err ? w->err : stderr, "tcpstate: %s: %zu difference%s from baseline %s\n", w->file, ndiff,
			ndiff == 1 ? "" : "s", baseline);
	}
}
