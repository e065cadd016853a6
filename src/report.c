/* report.c - built-in writers: human text and JSON lines */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "tcpstate/tcpstate.h"
#include "linebuf.h"
#include "report_int.h"

/* An IPv4 byte in decimal at p; returns the end. */
static char *put_octet(char *p, unsigned v)
{
	if (v >= 100) {
		*p++ = (char)('0' + v / 100);
		v %= 100;
		memcpy(p, lb_pairs + 2 * v, 2);
		return p + 2;
	}
	if (v >= 10) {
		memcpy(p, lb_pairs + 2 * v, 2);
		return p + 2;
	}
	*p = (char)('0' + v);
	return p + 1;
}

/* Appends "ip:port" ("[v6]:port"). */
void lb_endpoint(struct linebuf *l, const struct tcps_addr *a)
{
	char ip[INET6_ADDRSTRLEN];
	if (a->family == 4 && LINEBUF_CAP - l->n >= sizeof "255.255.255.255:65535") { /* straight into the line */
		char *p = l->b + l->n;
		for (int i = 0; i < 4; i++) {
			p = put_octet(p, a->addr[i]);
			*p++ = i < 3 ? '.' : ':';
		}
		unsigned nd = lb_digits(a->port);
		lb_put_digits(p + nd, a->port, nd);
		l->n = (size_t)(p + nd - l->b);
		return;
	}
	if (a->family == 4) {
		for (int i = 0; i < 4; i++) {
			if (i)
				lb_chr(l, '.');
			lb_uint(l, a->addr[i], 1);
		}
	} else {
		inet_ntop(AF_INET6, a->addr, ip, sizeof ip);
		lb_chr(l, '[');
		lb_str(l, ip);
		lb_chr(l, ']');
	}
	lb_chr(l, ':');
	lb_uint(l, a->port, 1);
}

/* Appends "seconds.nanoseconds". */
void lb_epoch(struct linebuf *l, const struct tcps_ts *t)
{
	lb_int(l, t->sec);
	lb_chr(l, '.');
	lb_uint(l, t->nsec, 9);
}

/* Appends "2026-11-21 10:00:00.123456789" (UTC, tcpdump -tttt style). The
 * date comes from Howard Hinnant's days-to-civil algorithm, exact for every
 * proleptic Gregorian date, so no gmtime call per record. */
void lb_utc(struct linebuf *l, const struct tcps_ts *t)
{
	int64_t days = t->sec / 86400, rem = t->sec % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t day = doy - (153 * mp + 2) / 5 + 1;
	int64_t month = mp < 10 ? mp + 3 : mp - 9;
	int64_t year = yoe + era * 400 + (month <= 2);
	if (year >= 1000 && year <= 9999 && t->nsec < 1000000000u && LINEBUF_CAP - l->n >= sizeof "2026-11-21 10:00:00.123456789") {
		char *p = l->b + l->n; /* straight into the line */
		lb_put_digits(p + 4, (uint64_t)year, 4);
		p[4] = '-';
		memcpy(p + 5, lb_pairs + 2 * month, 2);
		p[7] = '-';
		memcpy(p + 8, lb_pairs + 2 * day, 2);
		p[10] = ' ';
		memcpy(p + 11, lb_pairs + 2 * (rem / 3600), 2);
		p[13] = ':';
		memcpy(p + 14, lb_pairs + 2 * (rem / 60 % 60), 2);
		p[16] = ':';
		memcpy(p + 17, lb_pairs + 2 * (rem % 60), 2);
		p[19] = '.';
		lb_put_digits(p + 29, t->nsec, 9);
		l->n += 29;
		return;
	}
	lb_int(l, year);
	lb_chr(l, '-');
	lb_uint(l, (uint64_t)month, 2);
	lb_chr(l, '-');
	lb_uint(l, (uint64_t)day, 2);
	lb_chr(l, ' ');
	lb_uint(l, (uint64_t)(rem / 3600), 2);
	lb_chr(l, ':');
	lb_uint(l, (uint64_t)(rem / 60 % 60), 2);
	lb_chr(l, ':');
	lb_uint(l, (uint64_t)(rem % 60), 2);
	lb_chr(l, '.');
	lb_uint(l, t->nsec, 9);
}

/* Appends a duration in nanoseconds as "S.NNNNNNNNN". */
void lb_ns(struct linebuf *l, uint64_t ns)
{
	uint64_t sec = ns / UINT64_C(1000000000);
	unsigned nd = lb_digits(sec);
	if (LINEBUF_CAP - l->n >= nd + 10) { /* straight into the line */
		char *p = l->b + l->n;
		lb_put_digits(p + nd, sec, nd);
		p[nd] = '.';
		lb_put_digits(p + nd + 10, ns % UINT64_C(1000000000), 9);
		l->n += nd + 10;
		return;
	}
	lb_uint(l, sec, 1);
	lb_chr(l, '.');
	lb_uint(l, ns % UINT64_C(1000000000), 9);
}

/* Appends the seconds from a to b as "S.NNNNNNNNN" (negative if b is earlier). */
void lb_delta(struct linebuf *l, const struct tcps_ts *a, const struct tcps_ts *b)
{
	int64_t ns = (b->sec - a->sec) * INT64_C(1000000000) + ((int64_t)b->nsec - (int64_t)a->nsec);
	if (ns < 0) {
		lb_chr(l, '-');
		ns = -ns;
	}
	lb_ns(l, (uint64_t)ns);
}

static char *lb_copy_out(const struct linebuf *l, char *buf, size_t len)
{
	size_t n = l->n < len ? l->n : len - 1;
	memcpy(buf, l->b, n);
	buf[n] = '\0';
	return buf;
}

char *tcps_format_endpoint(const struct tcps_addr *a, char *buf, size_t len)
{
	struct linebuf l = { 0 };
	lb_endpoint(&l, a);
	return lb_copy_out(&l, buf, len);
}

char *tcps_format_epoch(const struct tcps_ts *t, char *buf, size_t len)
{
	struct linebuf l = { 0 };
	lb_epoch(&l, t);
	return lb_copy_out(&l, buf, len);
}

/* One byte of a JSON string, with RFC 8259 escapes (at most 6 bytes); bytes
 * >= 0x80 pass through (file names are written as the system gave them). */
static void json_char_lb(struct linebuf *l, unsigned char ch)
{
	static const char hex[] = "0123456789abcdef";
	if (ch == '"' || ch == '\\') {
		lb_chr(l, '\\');
		lb_chr(l, (char)ch);
	} else if (ch == '\n') {
		lb_str(l, "\\n");
	} else if (ch == '\t') {
		lb_str(l, "\\t");
	} else if (ch < 0x20) {
		lb_str(l, "\\u00");
		lb_chr(l, hex[ch >> 4]);
		lb_chr(l, hex[ch & 15]);
	} else {
		lb_chr(l, (char)ch);
	}
}

void json_str_lb(struct linebuf *l, const char *s)
{
	lb_chr(l, '"');
	for (; *s; s++)
		json_char_lb(l, (unsigned char)*s);
	lb_chr(l, '"');
}

/* Written in pieces, so that no length is cut at the line buffer's size. */
void tcps_json_string(FILE *f, const char *s)
{
	struct linebuf l;
	l.n = 0;
	lb_chr(&l, '"');
	for (; *s; s++) {
		if (l.n > LINEBUF_CAP - 8) {
			lb_write(&l, f);
			l.n = 0;
		}
		json_char_lb(&l, (unsigned char)*s);
	}
	lb_chr(&l, '"');
	lb_write(&l, f);
}

void json_head(struct tcps_writer *w, const char *kind)
{
	fprintf(w->out, "{\"kind\":\"%s\",\"file\":", kind);
	tcps_json_string(w->out, w->file);
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
		tcps_json_string(w->out, n->detail);
		fputs("}\n", w->out);
	} else if (n->kind == TCPS_NOTE_MALFORMED) {
		fprintf(w->out, "packet %" PRIu64 ": malformed (%s): %s\n", n->pkt, tcps_malformed_name(n->reason),
			n->detail);
	} else {
		fprintf(w->out, "packet %" PRIu64 ": %s: %s\n", n->pkt, kind, n->detail);
	}
}

struct tcps_reporter tcps_writer_reporter(struct tcps_writer *w)
{
	struct tcps_reporter r = { w, on_note, tcps_writer_on_conn, w->quiet, NULL, NULL };
	if (w->stream) {
		r.record = tcps_writer_on_record;
		r.open = tcps_writer_on_open;
	}
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
	fprintf(w->err ? w->err : stderr, "tcpstate: %s:%s %s\n", w->file, where, msg);
	if (w->fmt == TCPS_FMT_JSON) {
		json_head(w, "error");
		fprintf(w->out, ",\"pkt\":%" PRIu64 ",\"message\":", pkt);
		tcps_json_string(w->out, msg);
		fputs("}\n", w->out);
	}
}

/* What the capture itself missed or made, apart from what the endpoints did:
 * "  capture quality: missed segment_not_captured 2, ack_of_unseen 1; made
 * capture_duplicate 3; 5 segments cut by the snap length; time went ...". */
static void capture_quality(FILE *f, const struct tcps_totals *t)
{
	static const enum tcps_category cats[2] = { TCPS_CAT_CAPTURE_LOSS, TCPS_CAT_CAPTURE_ARTEFACT };
	static const char *const label[2] = { "missed ", "made " };
	const char *sep = "  capture quality: ";
	for (int k = 0; k < 2; k++) {
		const char *first = label[k];
		for (int i = 1; i < TCPS_F__COUNT; i++)
			if (t->findings[i] && tcps_finding_category((enum tcps_finding_code)i) == cats[k]) {
				fprintf(f, "%s%s%s %" PRIu64, first ? sep : ", ", first ? first : "",
					tcps_finding_name((enum tcps_finding_code)i), t->findings[i]);
				first = NULL;
				sep = "; ";
			}
	}
	uint64_t cut = t->by_class[TCPS_PKT_TCP_TRUNCATED];
	if (cut) {
		fprintf(f, "%s%" PRIu64 " segment%s cut by the snap length", sep, cut, cut == 1 ? "" : "s");
		sep = "; ";
	}
	if (t->time_backwards) {
		fprintf(f, "%stime went backwards at %" PRIu64 " packet%s (see the notes)", sep, t->time_backwards,
			t->time_backwards == 1 ? "" : "s");
		sep = "; ";
	}
	if (sep[0] == ';')
		fputc('\n', f);
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
			"},\"bad_options\":%" PRIu64 ",\"bad_records\":%" PRIu64 ",\"connections\":%" PRIu64 ",\"max_tracked_connections\":%" PRIu64
			",\"fragments_reassembled\":%" PRIu64 ",\"wire_bytes\":%" PRIu64 ",\"time_backwards\":%" PRIu64
			",\"transitions\":%" PRIu64
			",\"findings\":{",
			t->bad_options, t->bad_records, t->connections, t->max_tracked_connections, t->fragments_reassembled,
			t->wire_bytes, t->time_backwards, t->transitions);
		for (int i = 1, n = 0; i < TCPS_F__COUNT; i++)
			if (t->findings[i])
				fprintf(f, "%s\"%s\":%" PRIu64, n++ ? "," : "", tcps_finding_name((enum tcps_finding_code)i),
					t->findings[i]);
		fputc('}', f);
		tcps_end_states_json(w, "end_states");
		fputs("}\n", f);
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
	fprintf(f, "  connections %" PRIu64 " (at most %" PRIu64 " tracked at once), bad options %" PRIu64 ", bad records %" PRIu64
		   ", datagrams reassembled %" PRIu64 ", wire bytes %" PRIu64 "%s\n",
		t->connections, t->max_tracked_connections, t->bad_options, t->bad_records, t->fragments_reassembled,
		t->wire_bytes,
		complete ? "" : " (capture cut: totals up to the damage)");
	uint64_t nf = 0;
	for (int i = 1; i < TCPS_F__COUNT; i++)
		nf += t->findings[i];
	capture_quality(f, t);
	fprintf(f, "  transitions %" PRIu64 ", findings %" PRIu64, t->transitions, nf);
	for (int i = 1, n = 0; i < TCPS_F__COUNT; i++)
		if (t->findings[i])
			fprintf(f, "%s%s %" PRIu64, n++ ? ", " : ": ", tcps_finding_name((enum tcps_finding_code)i),
				t->findings[i]);
	fputc('\n', f);
	tcps_end_states_text(w, "end states");
}
