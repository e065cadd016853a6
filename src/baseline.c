/* baseline.c - per endpoint: states gone through and finding counts; written, read, compared */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tcpstate/tcpstate.h"

struct entry {
	char *tuple;                  /* "10.0.0.1:40012 > 10.0.0.2:80" (+ " vlan 10") */
	uint64_t id;                  /* from a run: orders connections on one tuple */
	uint32_t ordinal;             /* 1, 2, ... among its tuple's connections */
	uint8_t role;                 /* enum tcps_role */
	char *states;
	char *findings;               /* "" when none */
};

struct tcps_baseline {
	struct entry *e;
	size_t n, cap;
	bool ordered;                 /* ordinals given and entries sorted */
};

static const char *const role_names[2] = { "initiator", "responder" };

struct tcps_baseline *tcps_baseline_new(void)
{
	return calloc(1, sizeof(struct tcps_baseline));
}

void tcps_baseline_free(struct tcps_baseline *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		free(b->e[i].tuple);
		free(b->e[i].states);
		free(b->e[i].findings);
	}
	free(b->e);
	free(b);
}

static struct entry *push(struct tcps_baseline *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct entry *e = realloc(b->e, cap * sizeof *e);
		if (!e)
			return NULL;
		b->e = e;
		b->cap = cap;
	}
	b->ordered = false;
	struct entry *e = &b->e[b->n++];
	memset(e, 0, sizeof *e);
	return e;
}

/* A string built piece by piece (open_memstream would need a FILE per line). */
struct sbuf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void sb_add(struct sbuf *s, const char *str)
{
	size_t k = strlen(str);
	if (s->oom)
		return;
	if (s->n + k + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 64;
		while (cap < s->n + k + 1)
			cap *= 2;
		char *p = realloc(s->p, cap);
		if (!p) {
			s->oom = true;
			return;
		}
		s->p = p;
		s->cap = cap;
	}
	memcpy(s->p + s->n, str, k + 1);
	s->n += k;
}

/* The finished string ("" when nothing was added), or NULL without memory. */
static char *sb_take(struct sbuf *s)
{
	if (s->oom) {
		free(s->p);
		return NULL;
	}
	return s->p ? s->p : strdup("");
}

int tcps_baseline_add(struct tcps_baseline *b, const struct tcps_conn_summary *c)
{
	char a[64], z[64], tuple[160];
	tcps_format_endpoint(&c->ep[TCPS_INITIATOR], a, sizeof a);
	tcps_format_endpoint(&c->ep[TCPS_RESPONDER], z, sizeof z);
	int k = snprintf(tuple, sizeof tuple, "%s > %s", a, z);
	if (c->vlan[0] && k > 0 && (size_t)k < sizeof tuple)
		snprintf(tuple + k, sizeof tuple - (size_t)k, c->vlan[1] ? " vlan %u.%u" : " vlan %u", c->vlan[0],
			 c->vlan[1]);
	for (int role = 0; role < 2; role++) {
		struct sbuf st = { 0 }, fi = { 0 };
		char num[32];
		if (c->inferred[role])
			sb_add(&st, "~");
		sb_add(&st, tcps_state_name(c->initial[role]));
		for (size_t i = 0; i < c->nrecords; i++) {
			const struct tcps_record *r = &c->records[i];
			if (r->kind != TCPS_REC_TRANSITION || r->role != role)
				continue;
			sb_add(&st, " ");
			sb_add(&st, tcps_state_name((enum tcps_state)r->to));
			if (r->unconfirmed)
				sb_add(&st, "?");
		}
		for (int f = 1; f < TCPS_F__COUNT; f++) {
			if (!c->findings[role][f])
				continue;
			snprintf(num, sizeof num, "=%" PRIu32, c->findings[role][f]);
			if (fi.n)
				sb_add(&fi, " ");
			sb_add(&fi, tcps_finding_name((enum tcps_finding_code)f));
			sb_add(&fi, num);
		}
		struct entry *e = push(b);
		char *states = sb_take(&st), *findings = sb_take(&fi), *t = strdup(tuple);
		if (!e || !states || !findings || !t) {
			free(states);
			free(findings);
			free(t);
			if (e)
				b->n--;
			return TCPS_E_NOMEM;
		}
		e->tuple = t;
		e->id = c->id;
		e->role = (uint8_t)role;
		e->states = states;
		e->findings = findings;
	}
	return TCPS_OK;
}

static int by_tuple_id(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int d = strcmp(a->tuple, b->tuple);
	if (d)
		return d;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return (int)a->role - (int)b->role;
}

static int by_key(const struct entry *a, const struct entry *b)
{
	int d = strcmp(a->tuple, b->tuple);
	if (d)
		return d;
	if (a->ordinal != b->ordinal)
		return a->ordinal < b->ordinal ? -1 : 1;
	return (int)a->role - (int)b->role;
}

static int by_key_q(const void *a, const void *b)
{
	return by_key(a, b);
}

/* Numbers a run's connections on each tuple in id order, then sorts by name. */
static void order(struct tcps_baseline *b)
{
	if (b->ordered || !b->n) /* qsort must not see the NULL array of an empty baseline */
		return;
	bool from_run = b->n && b->e[0].ordinal == 0;
	if (from_run) {
		qsort(b->e, b->n, sizeof *b->e, by_tuple_id);
		for (size_t i = 0; i < b->n; i++) {
			const struct entry *p = i ? &b->e[i - 1] : NULL;
			if (!p || strcmp(p->tuple, b->e[i].tuple))
				b->e[i].ordinal = 1;
			else
				b->e[i].ordinal = p->ordinal + (p->id != b->e[i].id);
		}
	}
	qsort(b->e, b->n, sizeof *b->e, by_key_q);
	b->ordered = true;
}

int tcps_baseline_write(struct tcps_baseline *b, FILE *f, const char *capture)
{
	order(b);
	fprintf(f, "# tcpstate baseline 1: %s\n"
		   "# per endpoint: states it went through | findings=count (docs/baselines.md)\n",
		capture);
	for (size_t i = 0; i < b->n; i++) {
		const struct entry *e = &b->e[i];
		fprintf(f, "%s #%" PRIu32 " %s: %s%s%s\n", e->tuple, e->ordinal, role_names[e->role], e->states,
			*e->findings ? " | " : "", e->findings);
	}
	return ferror(f) ? TCPS_E_IO : TCPS_OK;
}

/* Parses "TUPLE #N ROLE: STATES[ | FINDINGS]" into e; false if it is not one. */
static bool parse_line(char *line, struct entry *e)
{
	char *role = NULL;
	int r;
	for (r = 0; r < 2 && !role; r++) {
		char pat[16];
		snprintf(pat, sizeof pat, " %s: ", role_names[r]);
		role = strstr(line, pat);
	}
	if (!role)
		return false;
	e->role = (uint8_t)(r - 1);
	*role = '\0';
	char *states = role + strlen(role_names[e->role]) + 3;
	char *hash = strrchr(line, '#');
	if (!hash || hash == line || hash[-1] != ' ')
		return false;
	char *end;
	errno = 0;
	unsigned long ord = strtoul(hash + 1, &end, 10);
	if (errno || *end || ord == 0 || ord > UINT32_MAX)
		return false;
	e->ordinal = (uint32_t)ord;
	hash[-1] = '\0';
	char *bar = strstr(states, " | ");
	const char *findings = "";
	if (bar) {
		*bar = '\0';
		findings = bar + 3;
	}
	if (!*line || !*states)
		return false;
	e->tuple = strdup(line);
	e->states = strdup(states);
	e->findings = strdup(findings);
	return e->tuple && e->states && e->findings;
}

int tcps_baseline_load(struct tcps_baseline **out, const char *path, char *errbuf)
{
	*out = NULL;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "%s", strerror(errno));
		return TCPS_E_IO;
	}
	struct tcps_baseline *b = tcps_baseline_new();
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	int rc = b ? TCPS_OK : TCPS_E_NOMEM;
	while (rc == TCPS_OK && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		struct entry *e = push(b);
		if (!e) {
			rc = TCPS_E_NOMEM;
			break;
		}
		if (!parse_line(line, e)) {
			snprintf(errbuf, TCPS_ERRBUF_SIZE,
				 "line %u is not \"ADDR:PORT > ADDR:PORT #N initiator|responder: STATES [| FINDINGS]\"",
				 lineno);
			rc = TCPS_E_FORMAT;
		}
	}
	if (rc == TCPS_OK && ferror(f)) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "%s", strerror(errno));
		rc = TCPS_E_IO;
	}
	if (rc == TCPS_E_NOMEM)
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "out of memory");
	free(line);
	fclose(f);
	if (rc != TCPS_OK) {
		tcps_baseline_free(b);
		return rc;
	}
	/* A line may be duplicated by hand: the later one would be ignored. */
	order(b);
	for (size_t i = 1; i < b->n; i++)
		if (!by_key(&b->e[i - 1], &b->e[i])) {
			snprintf(errbuf, TCPS_ERRBUF_SIZE, "%s #%" PRIu32 " %s is listed twice", b->e[i].tuple,
				 b->e[i].ordinal, role_names[b->e[i].role]);
			tcps_baseline_free(b);
			return TCPS_E_FORMAT;
		}
	*out = b;
	return TCPS_OK;
}

const char *tcps_diff_kind_name(enum tcps_diff_kind k)
{
	static const char *const n[] = { "missing", "new", "states", "finding" };
	return (unsigned)k < sizeof n / sizeof n[0] ? n[k] : "unknown";
}

/* Steps through a findings list ("a=1 b=2"): false at its end, else the
 * next item's name (nlen bytes at *name) and count, and *p moves past it. */
static bool next_finding(const char **p, const char **name, size_t *nlen, unsigned long *count)
{
	while (**p == ' ')
		(*p)++;
	if (!**p)
		return false;
	size_t w = strcspn(*p, " ");
	const char *eq = memchr(*p, '=', w);
	*name = *p;
	*nlen = eq ? (size_t)(eq - *p) : w;
	*count = eq ? strtoul(eq + 1, NULL, 10) : 0;
	*p += w;
	return true;
}

/* The count of `name` in a findings list, 0 when absent. */
static unsigned long count_of(const char *list, const char *name, size_t nlen)
{
	const char *n;
	size_t len;
	unsigned long count;
	while (next_finding(&list, &n, &len, &count))
		if (len == nlen && !memcmp(n, name, nlen))
			return count;
	return 0;
}

/* Calls diff for every name of `from` whose count in `other` differs;
 * with skip_known, only names `other` lacks (the second pass). */
static size_t diff_findings(const char *from, const char *other, bool from_expected, bool skip_known,
			    struct tcps_baseline_diff *d, void (*diff)(void *, const struct tcps_baseline_diff *),
			    void *ctx)
{
	size_t n = 0, nlen;
	const char *p = from, *nm;
	unsigned long mine;
	while (next_finding(&p, &nm, &nlen, &mine)) {
		unsigned long theirs = count_of(other, nm, nlen);
		if (mine == theirs || (skip_known && theirs))
			continue;
		char name[64], a[24], b[24];
		snprintf(name, sizeof name, "%.*s", (int)nlen, nm);
		snprintf(a, sizeof a, "%lu", from_expected ? mine : theirs);
		snprintf(b, sizeof b, "%lu", from_expected ? theirs : mine);
		d->kind = TCPS_DIFF_FINDING;
		d->finding = name;
		d->expected = a;
		d->got = b;
		diff(ctx, d);
		n++;
	}
	return n;
}

/* The line an entry has in a baseline file, after its name. */
static char *describe(const struct entry *e)
{
	size_t len = strlen(e->states) + strlen(e->findings) + 4;
	char *s = malloc(len);
	if (s)
		snprintf(s, len, "%s%s%s", e->states, *e->findings ? " | " : "", e->findings);
	return s;
}

size_t tcps_baseline_compare(struct tcps_baseline *expected, struct tcps_baseline *got,
			     void (*diff)(void *ctx, const struct tcps_baseline_diff *d), void *ctx)
{
	order(expected);
	order(got);
	size_t i = 0, j = 0, n = 0;
	while (i < expected->n || j < got->n) {
		const struct entry *x = i < expected->n ? &expected->e[i] : NULL;
		const struct entry *y = j < got->n ? &got->e[j] : NULL;
		int cmp = !x ? 1 : !y ? -1 : by_key(x, y);
		const struct entry *e = cmp <= 0 ? x : y;
		char conn[200];
		snprintf(conn, sizeof conn, "%s #%" PRIu32, e->tuple, e->ordinal);
		struct tcps_baseline_diff d = { .conn = conn, .role = role_names[e->role] };
		if (cmp) {
			char *line = describe(e);
			d.kind = cmp < 0 ? TCPS_DIFF_MISSING : TCPS_DIFF_NEW;
			d.expected = cmp < 0 && line ? line : "";
			d.got = cmp > 0 && line ? line : "";
			diff(ctx, &d);
			free(line);
			n++;
			if (cmp < 0)
				i++;
			else
				j++;
			continue;
		}
		if (strcmp(x->states, y->states)) {
			d.kind = TCPS_DIFF_STATES;
			d.expected = x->states;
			d.got = y->states;
			diff(ctx, &d);
			n++;
		}
		n += diff_findings(x->findings, y->findings, true, false, &d, diff, ctx);
		n += diff_findings(y->findings, x->findings, false, true, &d, diff, ctx);
		i++;
		j++;
	}
	return n;
}
