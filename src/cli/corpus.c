/* corpus.c - tcpstate corpus: every capture under some directories, in parallel, one line each */
#define _DEFAULT_SOURCE /* d_type and DT_* of readdir */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

struct item {
	char *path;                /* as found: ROOT/REL */
	char *rel;                 /* relative to the argument it was found under */
	char *baseline;            /* its baseline's path */
	struct capture_result r;
	char *out, *err;           /* its report lines and messages */
	size_t outlen, errlen;
	bool sniff;                /* found in a directory: a capture only if its first bytes say so */
	bool skip;                 /* not a capture after all: left out of every output */
};

struct corpus {
	struct item *it;
	size_t n, cap;
	const struct options *o;
	pthread_mutex_t lock;
	size_t next, done, failed; /* under lock */
	bool progress;             /* stderr is a terminal */
	bool read_ahead;           /* one job on a machine of several CPUs */
	bool oom;
};

/* ---- finding the captures ---- */

/* pcap (both byte orders, micro- and nanoseconds), pcapng, gzip. */
static bool is_capture(const char *path)
{
	unsigned char m[4];
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t got = fread(m, 1, sizeof m, f);
	fclose(f);
	if (got >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return true;
	if (got < 4)
		return false;
	static const unsigned char magic[5][4] = {
		{ 0xa1, 0xb2, 0xc3, 0xd4 }, { 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d },
		{ 0x4d, 0x3c, 0xb2, 0xa1 }, { 0x0a, 0x0d, 0x0d, 0x0a },
	};
	for (int i = 0; i < 5; i++)
		if (!memcmp(m, magic[i], 4))
			return true;
	return false;
}

static char *join_path(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s%s%s", a, *a && a[strlen(a) - 1] != '/' ? "/" : "", b);
	return s;
}

static bool add_item(struct corpus *c, const char *path, const char *rel, bool sniff)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct item *it = realloc(c->it, cap * sizeof *it);
		if (!it)
			return false;
		c->it = it;
		c->cap = cap;
	}
	struct item *i = &c->it[c->n];
	memset(i, 0, sizeof *i);
	i->path = strdup(path);
	i->rel = strdup(rel);
	i->sniff = sniff;
	if (!i->path || !i->rel) {
		free(i->path);
		free(i->rel);
		return false;
	}
	c->n++;
	return true;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

/* Walks dir (rel below its argument); symbolic links to directories are
 * not followed, so a loop cannot trap the walk. */
static bool walk(struct corpus *c, const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "tcpstate: corpus: %s: %s\n", dir, strerror(errno));
		return false;
	}
	bool ok = true;
	struct dirent *de;
	while (ok && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *path = join_path(dir, de->d_name), *r = join_path(rel, de->d_name);
		struct stat st;
		/* d_type saves a stat per file; a symbolic link is followed to a
		 * file, never to a directory. Whether a file is a capture is told
		 * by its first bytes, read by the jobs in parallel. */
		bool is_dir = de->d_type == DT_DIR, is_reg = de->d_type == DT_REG;
		if (path && (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK)) {
			struct stat lst;
			is_dir = lstat(path, &lst) == 0 && S_ISDIR(lst.st_mode);
			is_reg = !is_dir && stat(path, &st) == 0 && S_ISREG(st.st_mode);
		}
		if (!path || !r)
			ok = false;
		else if (is_dir)
			ok = walk(c, path, r);
		else if (is_reg && !has_suffix(path, ".baseline"))
			ok = add_item(c, path, r, true);
		free(path);
		free(r);
	}
	closedir(d);
	return ok;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->path, ((const struct item *)b)->path);
}

/* Creates the directories above path (mkdir -p of its dirname). */
static void make_parents(const char *path)
{
	char *p = strdup(path);
	if (!p)
		return;
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0777);
		*s = '/';
	}
	free(p);
}

/* ---- running them ---- */

static void progress(struct corpus *c, bool final)
{
	if (!c->progress)
		return;
	if (final)
		fputs("\r\033[K", stderr);
	else
		fprintf(stderr, "\rtcpstate corpus: %zu/%zu captures, %zu failed", c->done, c->n, c->failed);
	fflush(stderr);
}

static void run_item(struct corpus *c, struct item *i)
{
	const struct options *o = c->o;
	if (i->sniff && !is_capture(i->path)) {
		i->skip = true;
		return;
	}
	FILE *out = open_memstream(&i->out, &i->outlen), *err = open_memstream(&i->err, &i->errlen);
	if (!out || !err) {
		if (out)
			fclose(out);
		if (err)
			fclose(err);
		i->r.status = EXIT_USAGE_OR_INPUT;
		i->r.input_error = true;
		return;
	}
	bool exists = access(i->baseline, R_OK) == 0;
	if (o->write_baselines)
		make_parents(i->baseline);
	struct run_io io = { out, err, false, c->read_ahead,
			     !o->write_baselines && exists ? i->baseline : NULL,
			     o->write_baselines ? i->baseline : NULL };
	run_capture(i->path, o, &io, &i->r);
	fclose(out);
	fclose(err);
}

static void *worker(void *arg)
{
	struct corpus *c = arg;
	for (;;) {
		pthread_mutex_lock(&c->lock);
		size_t k = c->next++;
		pthread_mutex_unlock(&c->lock);
		if (k >= c->n)
			return NULL;
		run_item(c, &c->it[k]);
		pthread_mutex_lock(&c->lock);
		c->done++;
		c->failed += !c->it[k].skip && c->it[k].r.status != EXIT_OK;
		progress(c, false);
		pthread_mutex_unlock(&c->lock);
	}
}

/* ---- the summary ---- */

static const char *base_name(enum base_verdict b)
{
	static const char *const n[] = { "none", "same", "DIFFERS", "written", "ERROR" };
	return n[b];
}

static const char *policy_name(const struct options *o, const struct capture_result *r)
{
	return !o->has_policy ? "-" : r->input_error && !r->packets ? "-" : r->policy_matched ? "FAIL" : "pass";
}

/* What the summary line and the JUnit suite count. */
struct tally {
	uint64_t packets, connections;
	size_t passed, failed, unreadable;
};

static struct tally tally(const struct corpus *c)
{
	struct tally t = { 0 };
	for (size_t k = 0; k < c->n; k++) {
		const struct capture_result *r = &c->it[k].r;
		t.packets += r->packets;
		t.connections += r->connections;
		if (r->input_error)
			t.unreadable++;
		else if (r->status)
			t.failed++;
		else
			t.passed++;
	}
	return t;
}

static void text_summary(const struct corpus *c, double secs, unsigned jobs)
{
	int w = 7;
	for (size_t k = 0; k < c->n; k++)
		if ((int)strlen(c->it[k].path) > w)
			w = (int)strlen(c->it[k].path);
	printf("%-*s %10s %7s %7s %8s %8s  %-8s %-6s %8s\n", w, "capture", "packets", "conns", "errors", "warnings",
	       "info", "baseline", "policy", "time");
	for (size_t k = 0; k < c->n; k++) {
		const struct item *i = &c->it[k];
		const struct capture_result *r = &i->r;
		printf("%-*s %10llu %7llu %7llu %8llu %8llu  %-8s %-6s %7.2fs%s\n", w, i->path,
		       (unsigned long long)r->packets, (unsigned long long)r->connections,
		       (unsigned long long)r->by_severity[TCPS_SEV_ERROR], (unsigned long long)r->by_severity[TCPS_SEV_WARNING],
		       (unsigned long long)r->by_severity[TCPS_SEV_INFO], base_name(r->base), policy_name(c->o, r),
		       r->seconds, r->input_error ? "  UNREADABLE" : "");
	}
	struct tally t = tally(c);
	printf("%zu captures: %zu passed, %zu failed, %zu unreadable; %llu packets, %llu connections; %.2f s with "
	       "%u job%s\n",
	       c->n, t.passed, t.failed, t.unreadable, (unsigned long long)t.packets,
	       (unsigned long long)t.connections, secs, jobs, jobs == 1 ? "" : "s");
	for (size_t k = 0; k < c->n; k++) {
		const struct item *i = &c->it[k];
		if (i->r.status == EXIT_OK)
			continue;
		printf("\n%s:\n", i->path);
		/* Its verdicts are in out; err repeats them, but alone tells why it could not be read. */
		if (i->err && i->r.input_error)
			fwrite(i->err, 1, i->errlen, stdout);
		if (i->out)
			fwrite(i->out, 1, i->outlen, stdout);
	}
}

static void json_summary(const struct corpus *c, double secs, unsigned jobs)
{
	static const char *const base_json[] = { "none", "same", "differs", "written", "error" };
	for (size_t k = 0; k < c->n; k++) {
		const struct item *i = &c->it[k];
		const struct capture_result *r = &i->r;
		if (i->out)
			fwrite(i->out, 1, i->outlen, stdout); /* its errors and differences, as JSON lines */
		fputs("{\"kind\":\"corpus_capture\",\"file\":", stdout);
		tcps_json_string(stdout, i->path);
		printf(",\"packets\":%llu,\"connections\":%llu,\"findings\":{\"error\":%llu,\"warning\":%llu,\"info\":%llu}"
		       ",\"baseline\":\"%s\",\"differences\":%zu,\"policy\":\"%s\",\"matched\":%llu,\"status\":%d"
		       ",\"seconds\":%.3f}\n",
		       (unsigned long long)r->packets, (unsigned long long)r->connections,
		       (unsigned long long)r->by_severity[TCPS_SEV_ERROR], (unsigned long long)r->by_severity[TCPS_SEV_WARNING],
		       (unsigned long long)r->by_severity[TCPS_SEV_INFO],
		       base_json[r->base],
		       r->ndiff, !c->o->has_policy ? "none" : r->policy_matched ? "fail" : "pass",
		       (unsigned long long)r->policy_matched, r->status, r->seconds);
	}
	struct tally t = tally(c);
	printf("{\"kind\":\"corpus\",\"captures\":%zu,\"passed\":%zu,\"failed\":%zu,\"unreadable\":%zu,\"packets\":%llu,"
	       "\"connections\":%llu,\"jobs\":%u,\"seconds\":%.3f}\n",
	       c->n, t.passed, t.failed, t.unreadable, (unsigned long long)t.packets, (unsigned long long)t.connections,
	       jobs, secs);
}

/* XML 1.0 text: the five escapes, and '?' for the control characters it forbids. */
static void xml_text(FILE *f, const char *s, size_t n)
{
	for (size_t k = 0; k < n && s[k]; k++) {
		unsigned char ch = (unsigned char)s[k];
		switch (ch) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r' ? '?' : ch, f);
		}
	}
}

static void xml_attr(FILE *f, const char *name, const char *v)
{
	fprintf(f, " %s=\"", name);
	xml_text(f, v, strlen(v));
	fputc('"', f);
}

static int write_junit(const struct corpus *c, const char *path, double secs)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "tcpstate: --junit %s: %s\n", path, strerror(errno));
		return EXIT_USAGE_OR_INPUT;
	}
	struct tally t = tally(c);
	size_t failures = t.failed, errors = t.unreadable;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"tcpstate corpus\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
		c->n, failures, errors, secs);
	fprintf(f, "  <testsuite name=\"tcpstate corpus\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" "
		   "time=\"%.3f\">\n",
		c->n, failures, errors, secs);
	for (size_t k = 0; k < c->n; k++) {
		const struct item *i = &c->it[k];
		const struct capture_result *r = &i->r;
		char msg[256];
		fputs("    <testcase classname=\"tcpstate.corpus\"", f);
		xml_attr(f, "name", i->path);
		fprintf(f, " time=\"%.3f\">\n", r->seconds);
		if (r->status) {
			if (r->input_error)
				snprintf(msg, sizeof msg, "the capture or its baseline could not be read whole");
			else if (r->ndiff && r->policy_matched)
				snprintf(msg, sizeof msg, "%zu differences from its baseline; --fail-on matched %llu findings",
					 r->ndiff, (unsigned long long)r->policy_matched);
			else if (r->ndiff)
				snprintf(msg, sizeof msg, "%zu difference%s from its baseline", r->ndiff,
					 r->ndiff == 1 ? "" : "s");
			else
				snprintf(msg, sizeof msg, "--fail-on matched %llu finding%s",
					 (unsigned long long)r->policy_matched, r->policy_matched == 1 ? "" : "s");
			fprintf(f, "      <%s", r->input_error ? "error" : "failure");
			xml_attr(f, "message", msg);
			xml_attr(f, "type", r->input_error ? "input" : r->ndiff ? "baseline" : "policy");
			fputs(">", f);
			if (i->err)
				xml_text(f, i->err, i->errlen);
			if (i->out)
				xml_text(f, i->out, i->outlen);
			fprintf(f, "</%s>\n", r->input_error ? "error" : "failure");
		}
		fprintf(f, "      <system-out>packets %llu, connections %llu; findings: %llu errors, %llu warnings, "
			   "%llu info; baseline %s; policy %s</system-out>\n",
			(unsigned long long)r->packets, (unsigned long long)r->connections,
			(unsigned long long)r->by_severity[TCPS_SEV_ERROR], (unsigned long long)r->by_severity[TCPS_SEV_WARNING],
			(unsigned long long)r->by_severity[TCPS_SEV_INFO], base_name(r->base), policy_name(c->o, r));
		fputs("    </testcase>\n", f);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	if (fclose(f) != 0) {
		fprintf(stderr, "tcpstate: --junit %s: %s\n", path, strerror(errno));
		return EXIT_USAGE_OR_INPUT;
	}
	return EXIT_OK;
}

int corpus_main(const struct options *o)
{
#ifdef M_MMAP_THRESHOLD
	/* Each capture's engine takes a 4 MiB flow-table chunk and frees it at the
	 * end. From mmap, every one would be mapped and unmapped again, and in a
	 * process with several jobs each unmap stops the other CPUs to flush
	 * their TLBs: measured, it kept -j 2 from scaling. Kept in the heap
	 * (and not trimmed), the jobs reuse the memory instead. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
	struct corpus c = { .o = o, .progress = isatty(STDERR_FILENO) };
	int status = EXIT_OK;
	double t0 = now_seconds();
	for (int k = 0; k < o->ninputs; k++) {
		const char *a = o->inputs[k];
		struct stat st;
		if (stat(a, &st) != 0) {
			fprintf(stderr, "tcpstate: corpus: %s: %s\n", a, strerror(errno));
			status = EXIT_USAGE_OR_INPUT;
		} else if (S_ISDIR(st.st_mode)) {
			if (!walk(&c, a, ""))
				status = EXIT_USAGE_OR_INPUT;
		} else {
			const char *base = strrchr(a, '/');
			if (!add_item(&c, a, base ? base + 1 : a, false))
				c.oom = true;
		}
	}
	if (c.n)
		qsort(c.it, c.n, sizeof *c.it, by_path);
	for (size_t k = 0; k < c.n && !c.oom; k++) {
		struct item *i = &c.it[k];
		char *name = NULL;
		if (o->baseline_dir) {
			name = join_path(o->baseline_dir, i->rel);
		} else {
			name = strdup(i->path);
		}
		size_t n = name ? strlen(name) + sizeof ".baseline" : 0;
		i->baseline = name ? malloc(n) : NULL;
		if (!i->baseline)
			c.oom = true;
		else
			snprintf(i->baseline, n, "%s.baseline", name);
		free(name);
	}
	if (c.oom) {
		fprintf(stderr, "tcpstate: corpus: out of memory\n");
		status = EXIT_USAGE_OR_INPUT;
		goto out;
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned jobs = o->jobs ? o->jobs : ncpu > 0 ? (unsigned)ncpu : 1;
	if (jobs > c.n)
		jobs = c.n ? (unsigned)c.n : 1;
	/* With one job the second CPU reads ahead; with more, the jobs have them. */
	c.read_ahead = jobs == 1 && !o->one_thread && ncpu > 1;
	pthread_mutex_init(&c.lock, NULL);
	pthread_t tid[1024];
	unsigned started = 0;
	for (; started + 1 < jobs; started++)
		if (pthread_create(&tid[started], NULL, worker, &c) != 0)
			break;
	worker(&c); /* this thread is a job too */
	for (unsigned k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	pthread_mutex_destroy(&c.lock);
	progress(&c, true);
	/* What the jobs found not to be captures leaves no trace. */
	size_t kept = 0;
	for (size_t k = 0; k < c.n; k++) {
		if (c.it[k].skip) {
			free(c.it[k].path);
			free(c.it[k].rel);
			free(c.it[k].baseline);
		} else {
			c.it[kept++] = c.it[k];
		}
	}
	c.n = kept;
	if (!c.n && status == EXIT_OK)
		fprintf(stderr, "tcpstate: corpus: no capture found\n");
	double secs = now_seconds() - t0;
	if (o->fmt == TCPS_FMT_JSON)
		json_summary(&c, secs, jobs);
	else
		text_summary(&c, secs, jobs);
	for (size_t k = 0; k < c.n; k++)
		if (c.it[k].r.status > status)
			status = c.it[k].r.status;
	if (o->junit) {
		int j = write_junit(&c, o->junit, secs);
		if (j > status)
			status = j;
	}
out:
	for (size_t k = 0; k < c.n; k++) {
		free(c.it[k].path);
		free(c.it[k].rel);
		free(c.it[k].baseline);
		free(c.it[k].out);
		free(c.it[k].err);
	}
	free(c.it);
	return status;
}
