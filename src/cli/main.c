/* main.c - the tcpstate command; written only against include/tcpstate */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tcpstate/tcpstate.h"

/* Exit codes (README "Exit codes"). */
enum {
	EXIT_OK = 0,
	EXIT_USAGE_OR_INPUT = 2,   /* bad usage, or an input that could not be read whole */
};

struct options {
	const char **inputs;
	int ninputs;
	char *filter;              /* NULL: none */
	uint64_t count;            /* -c: 0 means all */
	bool quiet;
	bool one_thread;           /* --one-thread: no reader thread */
	enum tcps_format fmt;
	enum tcps_time_format time_fmt;
	struct tcps_config cfg;
};

static void usage(FILE *f)
{
	fputs("Usage: tcpstate [options] FILE... [filter expression]\n"
	      "       tcpstate [options] -r FILE [-r FILE...] [filter expression]\n"
	      "Reconstructs what each end of every TCP connection in a capture went through.\n"
	      "FILE is a pcap or pcapng capture, optionally gzip-compressed; - reads standard input.\n"
	      "A trailing filter expression (pcap-filter(7) syntax) selects the packets analysed.\n"
	      "\n"
	      "  -r FILE            read FILE (may be repeated; then all other arguments are the filter)\n"
	      "  -c N               analyse at most N packets of each capture\n"
	      "  -n                 accepted for tcpdump habit: tcpstate never resolves names\n"
	      "  -q                 print only each capture's totals and end states\n"
	      "  -S                 absolute sequence numbers in findings (default: relative to the ISN)\n"
	      "  -tt                timeline times as seconds since the epoch\n"
	      "  -tttt              timeline times as UTC date and time (default: since the connection began)\n"
	      "      --json         JSON lines, one object per record (docs/json-schema.md)\n"
	      "      --time-wait S  seconds a closed connection is kept for late segments (default 60)\n"
	      "      --idle-timeout S  report and forget a connection idle for S seconds (default 0: never)\n"
	      "      --no-vlan-tracking  one connection per 4-tuple whatever its VLAN tags\n"
	      "      --one-thread   read and analyse in one thread (default: with two or more CPUs,\n"
	      "                     a second thread reads the file ahead; the output is the same)\n"
	      "  -h, --help         this help\n"
	      "  -V, --version      version of tcpstate and libpcap\n"
	      "\n"
	      "Exit status: 0 success; 2 usage error, or an input that could not be read whole.\n",
	      f);
}

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "tcpstate: %s%s%s\nTry 'tcpstate --help'.\n", msg, arg ? ": " : "", arg ? arg : "");
	return EXIT_USAGE_OR_INPUT;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (!*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* A positional argument names a capture if it exists, is "-", or looks like
 * a path; the first one that does not starts the filter expression (a filter
 * always begins with a keyword such as "tcp", "host" or "not"). */
static bool looks_like_input(const char *a)
{
	struct stat st;
	size_t n = strlen(a);
	if (!strcmp(a, "-") || stat(a, &st) == 0 || strchr(a, '/'))
		return true;
	static const char *const ext[] = { ".pcap", ".pcapng", ".cap", ".gz", ".dmp", ".pcap.gz" };
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		size_t m = strlen(ext[i]);
		if (n > m && !strcmp(a + n - m, ext[i]))
			return true;
	}
	return false;
}

static char *join(char **v, int n)
{
	size_t len = 1;
	for (int i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	char *s = calloc(1, len);
	if (!s)
		return NULL;
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, v[i]);
	}
	return s;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_JSON = 1000, OPT_TIME_WAIT, OPT_IDLE, OPT_NO_VLAN, OPT_ONE_THREAD };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "time-wait", required_argument, NULL, OPT_TIME_WAIT },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "no-vlan-tracking", no_argument, NULL, OPT_NO_VLAN },
		{ "one-thread", no_argument, NULL, OPT_ONE_THREAD },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool from_r = false;
	int c, nt = 0;
	uint64_t v;
	opterr = 0;
	o->inputs = calloc((size_t)argc + 1, sizeof *o->inputs);
	if (!o->inputs)
		return usage_error("out of memory", NULL);
	/* Options may follow the files (GNU getopt permutes); a filter never
	 * starts with '-', and "--" ends the options if one must. */
	while ((c = getopt_long(argc, argv, "r:c:nqtShV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->inputs[o->ninputs++] = optarg;
			from_r = true;
			break;
		case 'c':
			if (!parse_u64(optarg, UINT64_MAX, &o->count) || !o->count)
				return usage_error("-c needs a packet count above 0", optarg);
			break;
		case 'n':
			break;
		case 'q':
			o->quiet = true;
			break;
		case 't':
			nt++;
			break;
		case 'S':
			o->cfg.absolute_seq = true;
			break;
		case OPT_JSON:
			o->fmt = TCPS_FMT_JSON;
			break;
		case OPT_TIME_WAIT:
			if (!parse_u64(optarg, UINT32_MAX, &v))
				return usage_error("--time-wait needs whole seconds", optarg);
			o->cfg.time_wait_sec = (uint32_t)v;
			break;
		case OPT_IDLE:
			if (!parse_u64(optarg, UINT32_MAX, &v))
				return usage_error("--idle-timeout needs whole seconds", optarg);
			o->cfg.idle_timeout_sec = (uint32_t)v;
			break;
		case OPT_NO_VLAN:
			o->cfg.ignore_vlan = true;
			break;
		case OPT_ONE_THREAD:
			o->one_thread = true;
			break;
		case 'h':
			usage(stdout);
			free(o->inputs);
			exit(EXIT_OK);
		case 'V':
			printf("tcpstate %s\n%s\n", tcps_version(), tcps_libpcap_version());
			free(o->inputs);
			exit(EXIT_OK);
		default: /* getopt stays quiet (opterr 0): one message, ours */
			return usage_error("unknown option, or an option without its value", argv[optind - 1]);
		}
	}
	if (nt == 2)
		o->time_fmt = TCPS_TIME_EPOCH;
	else if (nt == 4)
		o->time_fmt = TCPS_TIME_UTC;
	else if (nt)
		return usage_error("time format: use -tt (epoch seconds) or -tttt (UTC date and time)", NULL);
	int i = optind;
	if (!from_r)
		while (i < argc && looks_like_input(argv[i]))
			o->inputs[o->ninputs++] = argv[i++];
	if (i < argc && !(o->filter = join(argv + i, argc - i)))
		return usage_error("out of memory", NULL);
	if (!o->ninputs)
		return usage_error(i < argc ? "no capture file given (is the first argument a misspelt file name?)"
					    : "no capture file given",
				   i < argc ? argv[i] : NULL);
	return EXIT_OK;
}

/* Analyses one capture; returns its exit status. */
static int analyse(const char *path, const struct options *o)
{
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_writer w = { stdout, o->fmt, o->quiet, strcmp(path, "-") ? path : "(stdin)", o->time_fmt, NULL };
	struct tcps_source *src;
	int status = EXIT_OK;

	if (tcps_source_open_file(&src, path, err) != TCPS_OK) {
		tcps_writer_error(&w, 0, err);
		return EXIT_USAGE_OR_INPUT;
	}
	int lt = tcps_source_linktype(src);
	if (o->filter && tcps_source_set_filter(src, o->filter, err) != TCPS_OK) {
		tcps_writer_error(&w, 0, err);
		tcps_source_close(src);
		return EXIT_USAGE_OR_INPUT;
	}
	/* On one CPU a reader thread would only add its copy. */
	if (!o->one_thread && sysconf(_SC_NPROCESSORS_ONLN) > 1 && tcps_source_read_ahead(src, 0, err) != TCPS_OK) {
		tcps_writer_error(&w, 0, err);
		tcps_source_close(src);
		return EXIT_USAGE_OR_INPUT;
	}
	struct tcps_reporter rep = tcps_writer_reporter(&w);
	struct tcps_engine *e = tcps_engine_new(&o->cfg, &rep, err);
	if (!e) {
		tcps_writer_error(&w, 0, err);
		tcps_source_close(src);
		return EXIT_USAGE_OR_INPUT;
	}
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
	int r;
	while ((!o->count || n < o->count) && (r = tcps_source_next(src, &p, err)) != 0) {
		if (r < 0) {
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
	struct tcps_totals t;
	tcps_engine_totals(e, &t);
	if (t.packets == 0 && complete) {
		tcps_writer_error(&w, 0, "the capture holds no packets");
	}
	tcps_writer_totals(&w, &t, complete);
	tcps_writer_close(&w);
	tcps_engine_free(e);
	tcps_source_close(src);
	return status;
}

int main(int argc, char **argv)
{
	struct options o;
	memset(&o, 0, sizeof o);
	tcps_config_init(&o.cfg);
	int rc = parse_args(argc, argv, &o);
	if (rc != EXIT_OK) {
		free(o.filter);
		free(o.inputs);
		return rc;
	}
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	int status = EXIT_OK;
	for (int i = 0; i < o.ninputs; i++) {
		int s = analyse(o.inputs[i], &o);
		if (s > status)
			status = s;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "tcpstate: writing the report: %s\n", strerror(errno));
		status = EXIT_USAGE_OR_INPUT;
	}
	free(o.filter);
	free(o.inputs);
	return status;
}
