/* report_conn.c - writing a connection: its timeline, its summary, and the end-state tally */
#define _DEFAULT_SOURCE /* fwrite_unlocked (linebuf.h) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_int.h"

/* ---- the end-state tally: endpoints per final state, overall and per server port ---- */

/* The tally entry of a server port, added if new; NULL without memory.
 * Found through a table indexed by port (256 KiB, made on the first
 * connection): inserting in port order moved half the array each time, and
 * a scan of all 65,535 ports in a random order took 8 s. Without the table,
 * the entries are kept in port order (binary search, insertion). */
static struct port_tally *port_entry(struct tcps_end_states *t, uint16_t port)
{
	if (!t->nports && !t->slot_of)
		t->slot_of = calloc(UINT16_MAX + 1, sizeof *t->slot_of);
	size_t lo = t->nports;
	if (t->slot_of) {
		if (t->slot_of[port])
			return &t->ports[t->slot_of[port] - 1];
		if (t->nports && t->ports[t->nports - 1].port > port)
			t->unsorted = true;
	} else {
		size_t hi = t->nports;
		lo = 0;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (t->ports[mid].port < port)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < t->nports && t->ports[lo].port == port)
			return &t->ports[lo];
	}
	if (t->nports == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct port_tally *p = realloc(t->ports, cap * sizeof *p);
		if (!p)
			return NULL;
		t->ports = p;
		t->cap = cap;
	}
	memmove(&t->ports[lo + 1], &t->ports[lo], (t->nports - lo) * sizeof *t->ports);
	t->nports++;
	memset(&t->ports[lo], 0, sizeof t->ports[lo]);
	t->ports[lo].port = port;
	if (t->slot_of)
		t->slot_of[port] = (uint32_t)t->nports; /* (lo is the end: appended) */
	return &t->ports[lo];
}

static int by_port(const void *a, const void *b)
{
	uint16_t x = ((const struct port_tally *)a)->port, y = ((const struct port_tally *)b)->port;
	return x < y ? -1 : x > y;
}

/* Puts the ports in port order for writing (the table's indices are then
 * stale: the tally is written once, then forgotten). */
static void ports_in_order(struct tcps_end_states *t)
{
	if (t->unsorted)
		qsort(t->ports, t->nports, sizeof *t->ports, by_port);
	t->unsorted = false;
	free(t->slot_of);
	t->slot_of = NULL;
}

void tcps_writer_tally(struct tcps_writer *w, const struct tcps_conn_summary *c)
{
	if (!w->states && !(w->states = calloc(1, sizeof *w->states)))
		return;
	struct tcps_end_states *t = w->states;
	t->conns++;
	struct port_tally *p = port_entry(t, c->ep[TCPS_RESPONDER].port);
	for (int r = 0; r < 2; r++) {
		t->all[c->final[r]]++;
		if (p)
			p->n[r][c->final[r]]++;
	}
}

static void tally_free(struct tcps_writer *w)
{
	if (w->states) {
		free(w->states->slot_of);
		free(w->states->ports);
		free(w->states);
		w->states = NULL;
	}
}

void tcps_writer_close(struct tcps_writer *w)
{
	tally_free(w);
}

/* Spaces up to `width` bytes after `from`. */
static void lb_pad(struct linebuf *l, size_t from, size_t width)
{
	if (l->n - from < width)
		lb_fill(l, ' ', width - (l->n - from));
}

static void lb_uint_right(struct linebuf *l, uint64_t v, size_t width)
{
	struct linebuf d;
	d.n = 0;
	lb_uint(&d, v, 1);
	if (d.n < width)
		lb_fill(l, ' ', width - d.n);
	lb_mem(l, d.b, d.n);
}

/* One row of the table: label, then the count under each column. */
static void states_row(struct linebuf *l, const char *label, uint16_t port, const uint64_t *n, const bool *col)
{
	size_t start = l->n;
	lb_str(l, "  ");
	if (port) {
		lb_chr(l, ':');
		lb_uint(l, port, 1);
		lb_chr(l, ' ');
	}
	lb_str(l, label);
	lb_pad(l, start, 20);
	for (int s = 0; s < TCPS_ST__COUNT; s++)
		if (col[s]) {
			lb_chr(l, ' ');
			lb_uint_right(l, n[s], strlen(tcps_state_name((enum tcps_state)s)));
		}
	lb_chr(l, '\n');
}

#define TEXT_PORTS 20   /* server ports in the text table */

static uint64_t port_total(const struct port_tally *p)
{
	uint64_t n = 0;
	for (int s = 0; s < TCPS_ST__COUNT; s++)
		n += p->n[TCPS_RESPONDER][s];
	return n;
}

/* More connections first, then the lower port. */
static int busiest_first(const void *a, const void *b)
{
	const struct port_tally *x = *(const struct port_tally *const *)a, *y = *(const struct port_tally *const *)b;
	uint64_t nx = port_total(x), ny = port_total(y);
	if (nx != ny)
		return nx > ny ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

void tcps_end_states_text(struct tcps_writer *w, const char *title)
{
	struct tcps_end_states *t = w->states;
	if (!t || !t->conns)
		return;
	ports_in_order(t);
	bool col[TCPS_ST__COUNT];
	struct linebuf l;
	l.n = 0;
	lb_str(&l, title);
	lb_str(&l, " of ");
	lb_uint(&l, t->conns * 2, 1);
	lb_str(&l, " endpoints (");
	lb_uint(&l, t->conns, 1);
	lb_str(&l, t->conns == 1 ? " connection)\n" : " connections)\n");
	size_t start = l.n;
	lb_pad(&l, start, 20);
	for (int s = 0; s < TCPS_ST__COUNT; s++)
		if ((col[s] = t->all[s] != 0)) {
			lb_chr(&l, ' ');
			lb_str(&l, tcps_state_name((enum tcps_state)s));
		}
	lb_chr(&l, '\n');
	states_row(&l, "all", 0, t->all, col);
	lb_write(&l, w->out);
	/* The busiest ports first; a capture of a scan or of a client host can
	 * have thousands, which JSON lists all. */
	size_t shown = t->nports < TEXT_PORTS ? t->nports : TEXT_PORTS;
	struct port_tally **order = malloc(t->nports * sizeof *order);
	if (order) {
		for (size_t i = 0; i < t->nports; i++)
			order[i] = &t->ports[i];
		qsort(order, t->nports, sizeof *order, busiest_first);
	}
	for (size_t i = 0; i < shown; i++) {
		const struct port_tally *p = order ? order[i] : &t->ports[i];
		l.n = 0;
		states_row(&l, "server", p->port, p->n[TCPS_RESPONDER], col);
		states_row(&l, "client", p->port, p->n[TCPS_INITIATOR], col);
		lb_write(&l, w->out);
	}
	if (shown < t->nports)
		fprintf(w->out, "  (%zu more server ports, fewer connections each; --json lists them all)\n",
			t->nports - shown);
	free(order);
	tally_free(w);
}

static void json_counts(struct linebuf *l, const uint64_t *n)
{
	lb_chr(l, '{');
	for (int s = 0, k = 0; s < TCPS_ST__COUNT; s++)
		if (n[s]) {
			if (k++)
				lb_chr(l, ',');
			lb_chr(l, '"');
			lb_str(l, tcps_state_name((enum tcps_state)s));
			lb_str(l, "\":");
			lb_uint(l, n[s], 1);
		}
	lb_chr(l, '}');
}

void tcps_end_states_json(struct tcps_writer *w, const char *member)
{
	static const uint64_t none[TCPS_ST__COUNT];
	struct tcps_end_states *t = w->states;
	if (t)
		ports_in_order(t);
	struct linebuf l;
	l.n = 0;
	lb_str(&l, ",\"");
	lb_str(&l, member);
	lb_str(&l, "\":{\"all\":");
	json_counts(&l, t ? t->all : none);
	lb_str(&l, ",\"ports\":[");
	lb_write(&l, w->out);
	for (size_t i = 0; t && i < t->nports; i++) {
		l.n = 0; /* one port per write: any number of ports fits */
		if (i)
			lb_chr(&l, ',');
		lb_str(&l, "{\"port\":");
		lb_uint(&l, t->ports[i].port, 1);
		lb_str(&l, ",\"server\":");
		json_counts(&l, t->ports[i].n[TCPS_RESPONDER]);
		lb_str(&l, ",\"client\":");
		json_counts(&l, t->ports[i].n[TCPS_INITIATOR]);
		lb_chr(&l, '}');
		lb_write(&l, w->out);
	}
	fputs("]}", w->out);
	tally_free(w);
}

/* ---- JSON ---- */

static const char *role_name(unsigned r) { return r == TCPS_INITIATOR ? "initiator" : "responder"; }

void json_conn_head(struct linebuf *l, const struct tcps_writer *w, const char *kind,
		    const struct tcps_conn_summary *c)
{
	lb_str(l, "{\"kind\":\"");
	lb_str(l, kind);
	lb_str(l, "\",\"file\":");
	json_str_lb(l, w->file);
	lb_str(l, ",\"conn\":");
	lb_uint(l, c->id, 1);
}

static void json_rec_head(struct linebuf *l, const struct tcps_writer *w, const char *kind,
			  const struct tcps_conn_summary *c, const struct tcps_record *r)
{
	struct tcps_ts ts = { r->sec, r->nsec };
	json_conn_head(l, w, kind, c);
	lb_str(l, ",\"pkt\":");
	if (r->pkt)
		lb_uint(l, r->pkt, 1);
	else
		lb_str(l, "null");
	lb_str(l, ",\"ts\":\"");
	lb_epoch(l, &ts);
	lb_str(l, "\",\"endpoint\":\"");
	lb_endpoint(l, &c->ep[r->role]);
	lb_str(l, "\",\"role\":\"");
	lb_str(l, role_name(r->role));
	lb_str(l, "\",\"event\":\"");
	lb_str(l, tcps_event_name((enum tcps_event)r->event));
	lb_chr(l, '"');
}

void json_record(struct tcps_writer *w, const struct tcps_conn_summary *c, const struct tcps_record *r)
{
	struct linebuf l;
	l.n = 0;
	if (r->kind == TCPS_REC_TRANSITION) {
		json_rec_head(&l, w, "transition", c, r);
		lb_str(&l, ",\"from\":\"");
		lb_str(&l, tcps_state_name((enum tcps_state)r->from));
		lb_str(&l, "\",\"to\":\"");
		lb_str(&l, tcps_state_name((enum tcps_state)r->to));
		lb_str(&l, "\",\"after_pkt\":");
	} else {
		enum tcps_finding_code code = (enum tcps_finding_code)r->code;
		json_rec_head(&l, w, r->kind == TCPS_REC_REVISION ? "revision" : "finding", c, r);
		lb_str(&l, ",\"code\":\"");
		lb_str(&l, tcps_finding_name(code));
		lb_str(&l, "\",\"code_num\":");
		lb_uint(&l, code, 1);
		if (r->kind == TCPS_REC_REVISION) {
			lb_str(&l, ",\"revises\":\"");
			lb_str(&l, tcps_finding_name((enum tcps_finding_code)r->revises));
			lb_chr(&l, '"');
		}
		lb_str(&l, ",\"severity\":\"");
		lb_str(&l, tcps_severity_name(tcps_finding_severity(code)));
		lb_str(&l, "\",\"category\":\"");
		lb_str(&l, tcps_category_name(tcps_finding_category(code)));
		lb_str(&l, "\",\"state\":\"");
		lb_str(&l, tcps_state_name((enum tcps_state)r->from));
		lb_str(&l, "\",\"detail\":");
		json_str_lb(&l, r->detail);
		lb_str(&l, ",\"other_pkt\":");
	}
	if (r->after_pkt)
		lb_uint(&l, r->after_pkt, 1);
	else
		lb_str(&l, "null");
	if (r->kind == TCPS_REC_TRANSITION)
		lb_str(&l, r->unconfirmed ? ",\"unconfirmed\":true" : ",\"unconfirmed\":false");
	lb_str(&l, ",\"rule\":");
	json_str_lb(&l, r->rule);
	lb_str(&l, "}\n");
	lb_write(&l, w->out);
}

static void conn_json(struct tcps_writer *w, const struct tcps_conn_summary *c)
{
	static const char *const pair_keys[3] = { "pkts", "bytes", "truncated" };
	const uint64_t *pairs[3] = { c->pkts, c->bytes, c->truncated };
	for (size_t i = 0; i < c->nrecords; i++)
		json_record(w, c, &c->records[i]);
	struct linebuf l;
	l.n = 0;
	json_conn_head(&l, w, "connection", c);
	lb_str(&l, ",\"initiator\":\"");
	lb_endpoint(&l, &c->ep[TCPS_INITIATOR]);
	lb_str(&l, "\",\"responder\":\"");
	lb_endpoint(&l, &c->ep[TCPS_RESPONDER]);
	lb_str(&l, "\",\"vlan\":[");
	if (c->vlan[0])
		lb_uint(&l, c->vlan[0], 1);
	if (c->vlan[1]) {
		lb_chr(&l, ',');
		lb_uint(&l, c->vlan[1], 1);
	}
	lb_str(&l, "],\"roles\":\"");
	lb_str(&l, tcps_role_basis_name(c->roles));
	lb_str(&l, c->roles == TCPS_ROLES_SYN ? "\",\"roles_inferred\":false" : "\",\"roles_inferred\":true");
	lb_str(&l, ",\"states\":{");
	for (unsigned r = 0; r < 2; r++) {
		lb_str(&l, r ? ",\"" : "\"");
		lb_str(&l, role_name(r));
		lb_str(&l, "\":{\"initial\":\"");
		lb_str(&l, tcps_state_name(c->initial[r]));
		lb_str(&l, "\",\"final\":\"");
		lb_str(&l, tcps_state_name(c->final[r]));
		lb_str(&l, c->inferred[r] ? "\",\"inferred\":true" : "\",\"inferred\":false");
		lb_str(&l, c->silent[r] ? ",\"silent\":true}" : ",\"silent\":false}");
	}
	lb_str(&l, "},\"end\":\"");
	lb_str(&l, tcps_end_name(c->end));
	if (c->end == TCPS_END_IDLE) {
		lb_str(&l, "\",\"idle_timeout\":{\"class\":\"");
		lb_str(&l, tcps_timeout_class_name(c->idle_class));
		lb_str(&l, "\",\"seconds\":");
		lb_uint(&l, c->idle_sec, 1);
		lb_chr(&l, '}');
	} else {
		lb_chr(&l, '"');
	}
	lb_str(&l, ",\"reuse\":");
	if (c->reuse == TCPS_REUSE_NONE) {
		lb_str(&l, "null");
	} else {
		lb_str(&l, "{\"of\":");
		lb_uint(&l, c->reuse_of, 1);
		lb_str(&l, ",\"verdict\":\"");
		lb_str(&l, tcps_reuse_name(c->reuse));
		lb_str(&l, tcps_reuse_acceptable(c->reuse) ? "\",\"acceptable\":true}" : "\",\"acceptable\":false}");
	}
	lb_str(&l, ",\"findings\":{");
	for (unsigned r = 0; r < 2; r++) {
		lb_str(&l, r ? ",\"" : "\"");
		lb_str(&l, role_name(r));
		lb_str(&l, "\":{");
		for (int f = 1, k = 0; f < TCPS_F__COUNT; f++)
			if (c->findings[r][f]) {
				if (k++)
					lb_chr(&l, ',');
				lb_chr(&l, '"');
				lb_str(&l, tcps_finding_name((enum tcps_finding_code)f));
				lb_str(&l, "\":");
				lb_uint(&l, c->findings[r][f], 1);
			}
		lb_chr(&l, '}');
	}
	lb_str(&l, "},\"records_dropped\":");
	lb_uint(&l, c->records_dropped, 1);
	for (int i = 0; i < 3; i++) {
		lb_str(&l, ",\"");
		lb_str(&l, pair_keys[i]);
		lb_str(&l, "\":{\"initiator\":");
		lb_uint(&l, pairs[i][0], 1);
		lb_str(&l, ",\"responder\":");
		lb_uint(&l, pairs[i][1], 1);
		lb_chr(&l, '}');
	}
	lb_str(&l, ",\"handshake_rtt\":");
	if (c->hs_rtt_known) {
		lb_str(&l, "{\"syn_synack\":\"");
		lb_ns(&l, c->hs_syn_synack_ns);
		lb_str(&l, "\",\"synack_ack\":\"");
		lb_ns(&l, c->hs_synack_ack_ns);
		lb_str(&l, "\",\"total\":\"");
		lb_ns(&l, c->hs_syn_synack_ns + c->hs_synack_ack_ns);
		lb_str(&l, "\"}");
	} else {
		lb_str(&l, "null");
	}
	lb_str(&l, ",\"rtt\":{");
	for (unsigned r = 0; r < 2; r++) {
		const struct tcps_flow_figures *f = &c->flow[r];
		lb_str(&l, r ? ",\"" : "\"");
		lb_str(&l, role_name(r));
		lb_str(&l, "\":{\"samples\":");
		lb_uint(&l, f->rtt_samples, 1);
		if (f->rtt_samples) {
			const uint64_t v[3] = { f->rtt_min_ns, f->rtt_mean_ns, f->rtt_max_ns };
			static const char *const k[3] = { ",\"min\":\"", "\",\"mean\":\"", "\",\"max\":\"" };
			for (int i = 0; i < 3; i++) {
				lb_str(&l, k[i]);
				lb_ns(&l, v[i]);
			}
			lb_chr(&l, '"');
		}
		lb_chr(&l, '}');
	}
	lb_str(&l, "},\"max_in_flight\":{\"initiator\":");
	lb_uint(&l, c->flow[0].max_in_flight, 1);
	lb_str(&l, ",\"responder\":");
	lb_uint(&l, c->flow[1].max_in_flight, 1);
	lb_str(&l, "},\"first\":{\"pkt\":");
	lb_uint(&l, c->first_pkt, 1);
	lb_str(&l, ",\"ts\":\"");
	lb_epoch(&l, &c->first_ts);
	lb_str(&l, "\"},\"last\":{\"pkt\":");
	lb_uint(&l, c->last_pkt, 1);
	lb_str(&l, ",\"ts\":\"");
	lb_epoch(&l, &c->last_ts);
	lb_str(&l, "\"}}\n");
	lb_write(&l, w->out);
}

/* ---- text ---- */

/* "A > B" per-direction pair, the text format's way of showing both sides. */
static void lb_pair(struct linebuf *l, const char *label, const uint64_t v[2])
{
	lb_str(l, label);
	lb_uint(l, v[0], 1);
	lb_str(l, " > ");
	lb_uint(l, v[1], 1);
	lb_str(l, " <");
}

/* One connection's timeline layout: column widths, and both endpoints
 * formatted once, not on every line. */
void text_cols(const struct tcps_conn_summary *c, struct cols *k)
{
	k->pkt = lb_digits(c->last_pkt);
	k->ep = 0;
	for (int r = 0; r < 2; r++) {
		struct linebuf e;
		e.n = 0;
		lb_endpoint(&e, &c->ep[r]);
		k->name_len[r] = e.n < sizeof k->name[r] ? e.n : sizeof k->name[r];
		memset(k->name[r], ' ', sizeof k->name[r]);
		memcpy(k->name[r], e.b, k->name_len[r]);
		if (e.n > k->ep)
			k->ep = e.n;
	}
}

/* Names as a transition line shows them, each in a fixed 32-byte slot so
 * that it is copied whole and the line moves on by its length: the event
 * padded to its column and followed by two spaces, the states plain. Made
 * once, from the library's names. */
#define EVENT_COL 18
struct name_slot {
	char s[32];
	size_t len;
};
static struct name_slot event_slot[TCPS_EV__COUNT], state_slot[TCPS_ST__COUNT];
static pthread_once_t slots_once = PTHREAD_ONCE_INIT;

static void make_slots(void)
{
	for (int e = 0; e < TCPS_EV__COUNT; e++) {
		const char *n = tcps_event_name((enum tcps_event)e);
		size_t len = strlen(n), col = len > EVENT_COL ? len : EVENT_COL;
		memset(event_slot[e].s, ' ', sizeof event_slot[e].s);
		memcpy(event_slot[e].s, n, len);
		event_slot[e].len = col + 2 <= sizeof event_slot[e].s ? col + 2 : 0; /* 0: too long, the slow path */
	}
	for (int st = 0; st < TCPS_ST__COUNT; st++) {
		const char *n = tcps_state_name((enum tcps_state)st);
		size_t len = strlen(n);
		memset(state_slot[st].s, 0, sizeof state_slot[st].s);
		memcpy(state_slot[st].s, n, len < sizeof state_slot[st].s ? len : 0);
		state_slot[st].len = len < sizeof state_slot[st].s ? len : 0;
	}
}

/* The bytes a transition line's fixed part may take, slack of the whole-slot
 * copies included: lead, "#pkt" column, time, endpoint, event, states. */
#define TRANSITION_MAX (32 + 32 + 32 + sizeof ((struct cols *)0)->name[0] + 32 + 32 + 8 + 32)

/* The fixed part of a transition line straight into the line's bytes: the
 * general appends cost about 800 instructions a line, most of the writer's
 * time (bench/README.md, eleventh pass). The same bytes as the slow path. */
static bool transition_fast(struct linebuf *l, const struct tcps_conn_summary *c, const struct tcps_record *r,
			    const struct cols *k, const char *lead, size_t lead_len)
{
	if (r->event >= TCPS_EV__COUNT || r->from >= TCPS_ST__COUNT || r->to >= TCPS_ST__COUNT)
		return false;
	pthread_once(&slots_once, make_slots);
	const struct name_slot *ev = &event_slot[r->event], *from = &state_slot[r->from], *to = &state_slot[r->to];
	int64_t ns = (r->sec - c->first_ts.sec) * INT64_C(1000000000) + ((int64_t)r->nsec - (int64_t)c->first_ts.nsec);
	if (!ev->len || !from->len || !to->len || lead_len > 32 || k->pkt > 20 || k->ep > sizeof k->name[0] - 2 ||
	    ns < 0 || LINEBUF_CAP - l->n < TRANSITION_MAX)
		return false;
	static const char spaces[32] = "                                ";
	static const char arrow[8] = " \xe2\x86\x92 "; /* → */
	char *p = l->b + l->n;
	memcpy(p, lead, lead_len);
	p += lead_len;
	/* "#pkt" padded to the column, two spaces */
	memcpy(p, spaces, sizeof spaces);
	size_t w = k->pkt + 1;
	if (r->pkt) {
		unsigned nd = lb_digits(r->pkt);
		*p = '#';
		lb_put_digits(p + 1 + nd, r->pkt, nd);
		if (nd + 1 > w)
			w = nd + 1;
	} else {
		*p = '-';
	}
	p += w + 2;
	/* seconds since the connection's first packet */
	uint64_t sec = (uint64_t)ns / 1000000000u;
	unsigned nd = lb_digits(sec);
	lb_put_digits(p + nd, sec, nd);
	p += nd;
	*p++ = '.';
	lb_put_digits(p + 9, (uint64_t)ns % 1000000000u, 9);
	p += 9;
	memcpy(p, spaces, 2);
	p += 2;
	memcpy(p, k->name[r->role], sizeof k->name[0]); /* padded with spaces */
	p += k->ep + 2;
	memcpy(p, ev->s, sizeof ev->s);
	p += ev->len;
	memcpy(p, from->s, sizeof from->s);
	p += from->len;
	memcpy(p, arrow, sizeof arrow);
	p += 5;
	memcpy(p, to->s, sizeof to->s);
	p += to->len;
	l->n = (size_t)(p - l->b);
	return true;
}

/* What a transition line adds after its states when it has to. */
static void transition_notes(struct linebuf *l, const struct tcps_record *r)
{
	if (r->after_pkt) {
		lb_str(l, "  (received after its #");
		lb_uint(l, r->after_pkt, 1);
		lb_str(l, ": ack evidence over capture order)");
	}
	if (r->unconfirmed)
		lb_str(l, "  (unconfirmed: no later segment from this endpoint acknowledges it)");
}

/* Appends record r of c as a text line that starts with lead. */
static void text_line(struct linebuf *l, const struct tcps_writer *w, const struct tcps_conn_summary *c,
		      const struct tcps_record *r, const struct cols *k, const char *lead)
{
	struct tcps_ts ts = { r->sec, r->nsec };
	size_t lead_len = strlen(lead);
	if (r->kind == TCPS_REC_TRANSITION && w->time_fmt != TCPS_TIME_UTC && w->time_fmt != TCPS_TIME_EPOCH &&
	    transition_fast(l, c, r, k, lead, lead_len)) {
		transition_notes(l, r);
		lb_chr(l, '\n');
		return;
	}
	lb_mem(l, lead, lead_len);
	size_t start = l->n;
	if (r->pkt) {
		lb_chr(l, '#');
		lb_uint(l, r->pkt, 1);
	} else {
		lb_chr(l, '-');
	}
	lb_pad(l, start, k->pkt + 1);
	lb_str(l, "  ");
	if (w->time_fmt == TCPS_TIME_UTC)
		lb_utc(l, &ts);
	else if (w->time_fmt == TCPS_TIME_EPOCH)
		lb_epoch(l, &ts);
	else
		lb_delta(l, &c->first_ts, &ts);
	lb_str(l, "  ");
	start = l->n;
	lb_mem(l, k->name[r->role], k->name_len[r->role]);
	lb_pad(l, start, k->ep);
	lb_str(l, "  ");
	if (r->kind == TCPS_REC_TRANSITION) {
		start = l->n;
		lb_str(l, tcps_event_name((enum tcps_event)r->event));
		lb_pad(l, start, EVENT_COL);
		lb_str(l, "  ");
		lb_str(l, tcps_state_name((enum tcps_state)r->from));
		lb_str(l, " \xe2\x86\x92 "); /* → */
		lb_str(l, tcps_state_name((enum tcps_state)r->to));
		transition_notes(l, r);
	} else {
		enum tcps_finding_code code = (enum tcps_finding_code)r->code;
		lb_str(l, "! ");
		if (r->kind == TCPS_REC_REVISION) {
			lb_str(l, "revised: ");
			lb_str(l, tcps_finding_name((enum tcps_finding_code)r->revises));
			lb_str(l, " \xe2\x86\x92 "); /* → */
		}
		lb_str(l, tcps_finding_name(code));
		lb_str(l, " (");
		lb_str(l, tcps_severity_name(tcps_finding_severity(code)));
		lb_str(l, ", ");
		lb_str(l, tcps_category_name(tcps_finding_category(code)));
		lb_str(l, ") in ");
		lb_str(l, tcps_state_name((enum tcps_state)r->from));
		lb_str(l, " on ");
		lb_str(l, tcps_event_name((enum tcps_event)r->event));
		lb_str(l, ": ");
		lb_str(l, r->detail);
		lb_str(l, " [");
		lb_str(l, r->rule);
		lb_chr(l, ']');
	}
	lb_chr(l, '\n');
}

void text_record(struct tcps_writer *w, const struct tcps_conn_summary *c, const struct tcps_record *r,
		 const struct cols *k, const char *lead)
{
	struct linebuf l;
	l.n = 0;
	text_line(&l, w, c, r, k, lead);
	lb_write(&l, w->out);
}

/* The connection's figures: handshake RTT, RTT samples and flight per
 * direction, and its findings counted per endpoint. */
static void figures_text(struct linebuf *l, const struct tcps_conn_summary *c)
{
	if (c->hs_rtt_known) {
		lb_str(l, "\n  handshake rtt ");
		lb_ns(l, c->hs_syn_synack_ns + c->hs_synack_ack_ns);
		lb_str(l, " (SYN to SYN,ACK ");
		lb_ns(l, c->hs_syn_synack_ns);
		lb_str(l, ", SYN,ACK to ACK ");
		lb_ns(l, c->hs_synack_ack_ns);
		lb_chr(l, ')');
	}
	if (c->flow[0].rtt_samples || c->flow[1].rtt_samples || c->flow[0].max_in_flight || c->flow[1].max_in_flight) {
		lb_str(l, "\n  rtt (min/mean/max)");
		for (int r = 0; r < 2; r++) {
			const struct tcps_flow_figures *f = &c->flow[r];
			lb_chr(l, ' ');
			if (f->rtt_samples) {
				lb_ns(l, f->rtt_min_ns);
				lb_chr(l, '/');
				lb_ns(l, f->rtt_mean_ns);
				lb_chr(l, '/');
				lb_ns(l, f->rtt_max_ns);
				lb_str(l, " (");
				lb_uint(l, f->rtt_samples, 1);
				lb_str(l, f->rtt_samples == 1 ? " sample)" : " samples)");
			} else {
				lb_chr(l, '-');
			}
			lb_str(l, r ? " <" : " >");
		}
		const uint64_t flight[2] = { c->flow[0].max_in_flight, c->flow[1].max_in_flight };
		lb_pair(l, "  in flight max ", flight);
	}
	for (int r = 0; r < 2; r++) {
		uint32_t any = 0; /* most connections have none: one pass that vectorises */
		for (int f = 1; f < TCPS_F__COUNT; f++)
			any |= c->findings[r][f];
		if (!any)
			continue;
		int k = 0;
		for (int f = 1; f < TCPS_F__COUNT; f++) {
			if (!c->findings[r][f])
				continue;
			lb_str(l, k++ ? ", " : r ? "\n  findings < " : "\n  findings > ");
			lb_str(l, tcps_finding_name((enum tcps_finding_code)f));
			lb_chr(l, ' ');
			lb_uint(l, c->findings[r][f], 1);
		}
	}
}

void conn_header_text(struct tcps_writer *w, const struct tcps_conn_summary *c, const struct cols *k)
{
	struct linebuf l;
	l.n = 0;
	lb_str(&l, "conn ");
	lb_uint(&l, c->id, 1);
	lb_chr(&l, ' ');
	lb_mem(&l, k->name[TCPS_INITIATOR], k->name_len[TCPS_INITIATOR]);
	lb_str(&l, " > ");
	lb_mem(&l, k->name[TCPS_RESPONDER], k->name_len[TCPS_RESPONDER]);
	if (c->vlan[0]) {
		lb_str(&l, " vlan ");
		lb_uint(&l, c->vlan[0], 1);
		if (c->vlan[1]) {
			lb_chr(&l, '.');
			lb_uint(&l, c->vlan[1], 1);
		}
	}
	lb_str(&l, " roles ");
	lb_str(&l, tcps_role_basis_name(c->roles));
	if (c->roles != TCPS_ROLES_SYN)
		lb_str(&l, " (inferred)");
	if (c->inferred[0] || c->inferred[1])
		lb_str(&l, c->initial[0] == TCPS_ST_ESTABLISHED ? ", midstream: starting states inferred"
								 : ", SYN not captured: starting states inferred");
	if (c->reuse != TCPS_REUSE_NONE) {
		lb_str(&l, ", reuses the tuple of conn ");
		lb_uint(&l, c->reuse_of, 1);
		lb_str(&l, " (");
		lb_str(&l, tcps_reuse_name(c->reuse));
		lb_str(&l, tcps_reuse_acceptable(c->reuse) ? ", acceptable)" : ", not acceptable)");
	}
	lb_chr(&l, '\n');
	lb_write(&l, w->out);
}

static void conn_text(struct tcps_writer *w, const struct tcps_conn_summary *c)
{
	static const char *const end_text[] = { "capture ended, states as reached", "closed", "idle timeout",
						"tuple reused" };
	struct cols k;
	text_cols(c, &k);
	conn_header_text(w, c, &k);
	struct linebuf l;
	l.n = 0;
	for (size_t i = 0; i < c->nrecords; i++) { /* lines gathered, written a few thousand bytes at a time */
		if (LINEBUF_CAP - l.n < LINEBUF_LINE) {
			lb_write(&l, w->out);
			l.n = 0;
		}
		text_line(&l, w, c, &c->records[i], &k, "  ");
	}
	lb_write(&l, w->out);
	l.n = 0;
	if (c->records_dropped) {
		lb_str(&l, "  (");
		lb_uint(&l, c->records_dropped, 1);
		lb_str(&l, " more records counted but not shown)\n");
	}
	lb_str(&l, "  end (");
	lb_str(&l, end_text[c->end <= TCPS_END_REUSED ? c->end : 0]);
	if (c->end == TCPS_END_IDLE) {
		lb_str(&l, ": no packet for ");
		lb_uint(&l, c->idle_sec, 1);
		lb_str(&l, " s in class ");
		lb_str(&l, tcps_timeout_class_name(c->idle_class));
	}
	lb_str(&l, "): ");
	for (int r = 0; r < 2; r++) {
		if (r)
			lb_str(&l, ", ");
		lb_mem(&l, k.name[r], k.name_len[r]);
		lb_chr(&l, ' ');
		lb_str(&l, tcps_state_name(c->final[r]));
		if (c->silent[r])
			lb_str(&l, " (assumed: it sent nothing)");
	}
	lb_pair(&l, "\n  pkts ", c->pkts);
	lb_pair(&l, "  bytes ", c->bytes);
	if (c->truncated[0] || c->truncated[1]) {
		lb_str(&l, " (truncated ");
		lb_uint(&l, c->truncated[0], 1);
		lb_str(&l, " > ");
		lb_uint(&l, c->truncated[1], 1);
		lb_chr(&l, ')');
	}
	figures_text(&l, c);
	lb_str(&l, "\n  first #");
	lb_uint(&l, c->first_pkt, 1);
	lb_chr(&l, ' ');
	lb_utc(&l, &c->first_ts);
	lb_str(&l, "  last #");
	lb_uint(&l, c->last_pkt, 1);
	lb_chr(&l, ' ');
	lb_utc(&l, &c->last_ts);
	lb_str(&l, "  duration ");
	lb_delta(&l, &c->first_ts, &c->last_ts);
	lb_chr(&l, '\n');
	lb_write(&l, w->out);
}

void tcps_writer_on_conn(void *ctx, const struct tcps_conn_summary *c)
{
	struct tcps_writer *w = ctx;
	tcps_writer_tally(w, c);
	if (w->quiet)
		return;
	if (w->fmt == TCPS_FMT_JSON)
		conn_json(w, c);
	else
		conn_text(w, c);
	if (w->flush) /* live: an expiry on a clock tick must show at once too */
		fflush(w->out);
}
