/* report.c - built-in writers: human text and JSON lines */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "tcpstate/tcpstate.h"

char *tcps_format_endpoint(const struct tcps_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	if (a->family == 4) {
		inet_ntop(AF_INET, a->addr, ip, sizeof ip);
		snprintf(buf, len, "%s:%u", ip, a->port);
	} else {
		inet_ntop(AF_INET6, a->addr, ip, sizeof ip);
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	}
	return buf;
}

char *tcps_format_epoch(const struct tcps_ts *t, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRId64 ".%09" PRIu32, t->sec, t->nsec);
	return buf;
}

/* "2026-11-21 10:00:00.123456789", UTC, tcpdump -tttt style. */
static char *format_utc(const struct tcps_ts *t, char *buf, size_t len)
{
	struct tm tm;
	time_t s = (time_t)t->sec;
	if (!gmtime_r(&s, &tm)) {
		snprintf(buf, len, "%" PRId64 ".%09" PRIu32, t->sec, t->nsec);
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%09" PRIu32, tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t->nsec);
	return buf;
}

/* Seconds from a to b as "S.NNNNNNNNN" (negative when b is earlier). */
static char *format_delta(const struct tcps_ts *a, const struct tcps_ts *b, char *buf, size_t len)
{
	int64_t ns = (b->sec - a->sec) * INT64_C(1000000000) + ((int64_t)b->nsec - (int64_t)a->nsec);
	const char *sign = ns < 0 ? "-" : "";
	if (ns < 0)
		ns = -ns;
	snprintf(buf, len, "%s%" PRId64 ".%09" PRId64, sign, ns / INT64_C(1000000000), ns % INT64_C(1000000000));
	return buf;
}

/* JSON string with RFC 8259 escapes; bytes >= 0x80 pass through (file names
 * are written as the system gave them). */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_head(struct tcps_writer *w, const char *kind)
{
	fprintf(w->out, "{\"kind\":\"%s\",\"file\":", kind);
	json_str(w->out, w->file);
}

static void on_note(void *ctx, const struct tcps_packet_note *n)
{
	struct tcps_writer *w = ctx;
	if (w->quiet)
		return;
	const char *kind = tcps_note_kind_name(n->kind);
	if (w->fmt == TCPS_FMT_JSON) {
		char ts[48];
		json_head(w, "packet");
		fprintf(w->out, ",\"pkt\":%" PRIu64 ",\"ts\":\"%s\",\"note\":\"%s\",\"reason\":\"%s\",\"detail\":",
			n->pkt, tcps_format_epoch(&n->ts, ts, sizeof ts), kind, tcps_malformed_name(n->reason));
		json_str(w->out, n->detail);
		fputs("}\n", w->out);
	} else if (n->kind == TCPS_NOTE_MALFORMED) {
		fprintf(w->out, "packet %" PRIu64 ": malformed (%s): %s\n", n->pkt, tcps_malformed_name(n->reason),
			n->detail);
	} else {
		fprintf(w->out, "packet %" PRIu64 ": %s: %s\n", n->pkt, kind, n->detail);
	}
}

static void vlan_text(const struct tcps_conn_summary *c, char *buf, size_t len)
{
	if (c->vlan[1])
		snprintf(buf, len, " vlan %u.%u", c->vlan[0], c->vlan[1]);
	else if (c->vlan[0])
		snprintf(buf, len, " vlan %u", c->vlan[0]);
	else
		buf[0] = '\0';
}

static void on_conn(void *ctx, const struct tcps_conn_summary *c)
{
	struct tcps_writer *w = ctx;
	char a[64], b[64], t1[48], t2[48], d[48];
	if (w->quiet)
		return;
	tcps_format_endpoint(&c->ep[TCPS_INITIATOR], a, sizeof a);
	tcps_format_endpoint(&c->ep[TCPS_RESPONDER], b, sizeof b);
	if (w->fmt == TCPS_FMT_JSON) {
		json_head(w, "connection");
		fprintf(w->out, ",\"conn\":%" PRIu64 ",\"initiator\":\"%s\",\"responder\":\"%s\",\"vlan\":[", c->id, a, b);
		if (c->vlan[0])
			fprintf(w->out, c->vlan[1] ? "%u,%u" : "%u", c->vlan[0], c->vlan[1]);
		fprintf(w->out,
			"],\"roles\":\"%s\",\"roles_inferred\":%s,"
			"\"pkts\":{\"initiator\":%" PRIu64 ",\"responder\":%" PRIu64 "},"
			"\"bytes\":{\"initiator\":%" PRIu64 ",\"responder\":%" PRIu64 "},"
			"\"truncated\":{\"initiator\":%" PRIu64 ",\"responder\":%" PRIu64 "},"
			"\"first\":{\"pkt\":%" PRIu64 ",\"ts\":\"%s\"},\"last\":{\"pkt\":%" PRIu64 ",\"ts\":\"%s\"},"
			"\"closed\":%s,\"reused\":%s}\n",
			tcps_role_basis_name(c->roles), c->roles == TCPS_ROLES_SYN ? "false" : "true",
			c->pkts[0], c->pkts[1], c->bytes[0], c->bytes[1], c->truncated[0], c->truncated[1],
			c->first_pkt, tcps_format_epoch(&c->first_ts, t1, sizeof t1), c->last_pkt,
			tcps_format_epoch(&c->last_ts, t2, sizeof t2), c->closed ? "true" : "false",
			c->reused ? "true" : "false");
		return;
	}
	char vl[24], tr[64] = "";
	vlan_text(c, vl, sizeof vl);
	if (c->truncated[0] || c->truncated[1])
		snprintf(tr, sizeof tr, " (truncated %" PRIu64 " > %" PRIu64 ")", c->truncated[0], c->truncated[1]);
	fprintf(w->out, "conn %" PRIu64 " %s > %s%s roles %s%s%s%s\n", c->id, a, b, vl,
		tcps_role_basis_name(c->roles), c->roles == TCPS_ROLES_SYN ? "" : " (inferred)",
		c->closed ? " closed" : " open", c->reused ? " reused" : "");
	fprintf(w->out, "  pkts %" PRIu64 " > %" PRIu64 " <  bytes %" PRIu64 " > %" PRIu64 " <%s\n",
		c->pkts[0], c->pkts[1], c->bytes[0], c->bytes[1], tr);
	fprintf(w->out, "  first #%" PRIu64 " %s  last #%" PRIu64 " %s  duration %s\n", c->first_pkt,
		format_utc(&c->first_ts, t1, sizeof t1), c->last_pkt, format_utc(&c->last_ts, t2, sizeof t2),
		format_delta(&c->first_ts, &c->last_ts, d, sizeof d));
}

struct tcps_reporter tcps_writer_reporter(struct tcps_writer *w)
{
	struct tcps_reporter r = { w, on_note, on_conn };
	return r;
}

void tcps_writer_begin(struct tcps_writer *w, int linktype)
{
	if (w->fmt == TCPS_FMT_JSON) {
		json_head(w, "capture");
		fprintf(w->out, ",\"schema\":%d,\"version\":\"%s\",\"link\":\"%s\",\"linktype\":%d}\n",
			TCPS_JSON_SCHEMA_VERSION, TCPS_VERSION, tcps_linktype_name(linktype), linktype);
	} else {
		fprintf(w->out, "== %s (link %s)\n", w->file, tcps_linktype_name(linktype));
	}
}

void tcps_writer_error(struct tcps_writer *w, uint64_t pkt, const char *msg)
{
	char where[48] = "";
	if (pkt)
		snprintf(where, sizeof where, " packet %" PRIu64 ":", pkt);
	fflush(w->out);
	fprintf(stderr, "tcpstate: %s:%s %s\n", w->file, where, msg);
	if (w->fmt == TCPS_FMT_JSON) {
		json_head(w, "error");
		fprintf(w->out, ",\"pkt\":%" PRIu64 ",\"message\":", pkt);
		json_str(w->out, msg);
		fputs("}\n", w->out);
	}
}

void tcps_writer_totals(struct tcps_writer *w, const struct tcps_totals *t, bool complete)
{
	FILE *f = w->out;
	if (w->fmt == TCPS_FMT_JSON) {
		json_head(w, "totals");
		fprintf(f, ",\"complete\":%s,\"packets\":%" PRIu64 ",\"categories\":{", complete ? "true" : "false",
			t->packets);
		for (int i = 0; i < TCPS_PKT__COUNT; i++)
			fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", tcps_pkt_class_name((enum tcps_pkt_class)i),
				t->by_class[i]);
		fputs("},\"malformed\":{", f);
		for (int i = 1, n = 0; i < TCPS_MAL__COUNT; i++)
			if (t->malformed[i])
				fprintf(f, "%s\"%s\":%" PRIu64, n++ ? "," : "", tcps_malformed_name((enum tcps_malformed)i),
					t->malformed[i]);
		fprintf(f,
			"},\"bad_options\":%" PRIu64 ",\"bad_records\":%" PRIu64 ",\"connections\":%" PRIu64 ",\"max_live_connections\":%" PRIu64
			",\"fragments_reassembled\":%" PRIu64 ",\"wire_bytes\":%" PRIu64 "}\n",
			t->bad_options, t->bad_records, t->connections, t->max_live_connections, t->fragments_reassembled,
			t->wire_bytes);
		return;
	}
	fprintf(f, "totals: %" PRIu64 " packets =", t->packets);
	for (int i = 0; i < TCPS_PKT__COUNT; i++)
		fprintf(f, "%s %s %" PRIu64, i ? " +" : "", tcps_pkt_class_name((enum tcps_pkt_class)i), t->by_class[i]);
	fputc('\n', f);
	if (t->by_class[TCPS_PKT_MALFORMED]) {
		fputs("  malformed:", f);
		for (int i = 1, n = 0; i < TCPS_MAL__COUNT; i++)
			if (t->malformed[i])
				fprintf(f, "%s %s %" PRIu64, n++ ? "," : "", tcps_malformed_name((enum tcps_malformed)i),
					t->malformed[i]);
		fputc('\n', f);
	}
	fprintf(f, "  connections %" PRIu64 " (at most %" PRIu64 " live), bad options %" PRIu64 ", bad records %" PRIu64
		   ", datagrams reassembled %" PRIu64 ", wire bytes %" PRIu64 "%s\n",
		t->connections, t->max_live_connections, t->bad_options, t->bad_records, t->fragments_reassembled,
		t->wire_bytes,
		complete ? "" : " (capture cut: totals up to the damage)");
}
