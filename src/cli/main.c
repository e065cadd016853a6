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
#include "cli.h"

static void usage(FILE *f)
{
	fputs("Usage: tcpstate [options] FILE... [filter expression]\n"
	      "       tcpstate [options] -r FILE [-r FILE...] [filter expression]\n"
	      "       tcpstate [options] -i INTERFACE [filter expression]\n"
	      "       tcpstate corpus [options] DIR|FILE...\n"
	      "       tcpstate -D\n"
	      "Reconstructs what each end of every TCP connection in a capture went through.\n"
	      "FILE is a pcap or pcapng capture, optionally gzip-compressed; - reads standard input.\n"
	      "A trailing filter expression (pcap-filter(7) syntax) selects the packets analysed.\n"
	      "\n"
	      "Live capture (stops on Ctrl-C or SIGTERM with the summary, exit 0):\n"
	      "  -i INTERFACE       capture on INTERFACE (any: all of them); records stream out as they\n"
	      "                     are settled, one line or JSON object each, flushed at once\n"
	      "  -D                 list the interfaces\n"
	      "  -B KIB             kernel capture buffer in KiB (default: libpcap's)\n"
	      "  -s LEN             bytes kept per packet (default 192: every header and option;\n"
	      "                     0 keeps whole packets, which retransmission_differs needs)\n"
	      "  -p                 do not put the interface in promiscuous mode\n"
	      "  -w FILE            also write the packets analysed to FILE (pcap), to replay offline\n"
	      "  -Z USER            drop privileges to USER once the interface is open\n"
	      "      --every S      print the endpoints' states per server port every S seconds\n"
	      "      --timeout LIST idle timeouts per class of connection: conntrack (the live default),\n"
	      "                     none (the default for files), or CLASS=SECONDS,... with classes\n"
	      "                     syn_sent syn_rcvd established fin_wait close_wait last_ack\n"
	      "      --stream       for files: write records as they are settled, as -i does\n"
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
	      "      --one-thread   read, analyse and write in one thread (default: with two or more\n"
	      "                     CPUs, a file of 4 MiB or more is read ahead, and unless -q its\n"
	      "                     records formatted, each by a thread of its own; same output)\n"
	      "      --fail-on LIST fail (exit 1) on these findings: names or codes, info, warning,\n"
	      "                     error (that severity and above), illegal, capture-loss, network,\n"
	      "                     capture-artefact, all; -NAME takes one out (warning,-dup_ack)\n"
	      "      --baseline FILE   compare each endpoint's states and finding counts with FILE;\n"
	      "                     print the differences and exit 1 if there are any\n"
	      "      --write-baseline FILE  write them to FILE (one capture only)\n"
	      "  -h, --help         this help\n"
	      "  -V, --version      version of tcpstate and libpcap\n"
	      "\n"
	      "tcpstate corpus analyses every capture under each DIR (pcap, pcapng, gzip; found by\n"
	      "content) in parallel and prints one line per capture. Its options, besides the above:\n"
	      "  -j N               captures analysed at once (default: one per CPU)\n"
	      "      --baseline-dir DIR  baselines under DIR (DIR/PATH.baseline, PATH relative to its\n"
	      "                     argument) instead of beside each capture (CAPTURE.baseline)\n"
	      "      --write-baselines  write each capture's baseline instead of comparing\n"
	      "      --junit FILE   JUnit XML, one test case per capture\n"
	      "      --json         the summary as JSON lines\n"
	      "\n"
	      "Exit status: 0 success; 1 --fail-on matched or a baseline differs; 2 usage error, or an\n"
	      "input that could not be read whole.\n",
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
	enum { OPT_JSON = 1000, OPT_TIME_WAIT, OPT_IDLE, OPT_NO_VLAN, OPT_ONE_THREAD, OPT_FAIL_ON, OPT_BASELINE,
	       OPT_WRITE_BASELINE, OPT_BASELINE_DIR, OPT_WRITE_BASELINES, OPT_JUNIT, OPT_EVERY, OPT_STREAM,
	       OPT_TIMEOUT };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "time-wait", required_argument, NULL, OPT_TIME_WAIT },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "no-vlan-tracking", no_argument, NULL, OPT_NO_VLAN },
		{ "one-thread", no_argument, NULL, OPT_ONE_THREAD },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "write-baseline", required_argument, NULL, OPT_WRITE_BASELINE },
		{ "baseline-dir", required_argument, NULL, OPT_BASELINE_DIR },
		{ "write-baselines", no_argument, NULL, OPT_WRITE_BASELINES },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "every", required_argument, NULL, OPT_EVERY },
		{ "stream", no_argument, NULL, OPT_STREAM },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
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
	while ((c = getopt_long(argc, argv, "r:c:j:nqtShVi:DB:s:pw:Z:", longopts, NULL)) != -1) {
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
		case OPT_FAIL_ON: {
			char err[TCPS_ERRBUF_SIZE];
			if (tcps_policy_add(&o->policy, optarg, err) != TCPS_OK)
				return usage_error("--fail-on", err);
			o->has_policy = true;
			break;
		}
		case OPT_BASELINE:
			o->baseline = optarg;
			break;
		case OPT_WRITE_BASELINE:
			o->write_baseline = optarg;
			break;
		case OPT_BASELINE_DIR:
			o->baseline_dir = optarg;
			break;
		case OPT_WRITE_BASELINES:
			o->write_baselines = true;
			break;
		case OPT_JUNIT:
			o->junit = optarg;
			break;
		case 'i':
			o->iface = optarg;
			break;
		case 'D':
			o->list_devices = true;
			break;
		case 'B':
			if (!parse_u64(optarg, UINT32_MAX / 1024, &v) || !v)
				return usage_error("-B needs a buffer size in KiB above 0", optarg);
			o->buffer_kib = (uint32_t)v;
			break;
		case 's':
			if (!parse_u64(optarg, 262144, &v))
				return usage_error("-s needs a snap length from 0 to 262144 bytes", optarg);
			o->snaplen = v ? (uint32_t)v : 262144;
			o->snaplen_set = true;
			break;
		case 'p':
			o->no_promisc = true;
			break;
		case 'w':
			o->write_file = optarg;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case OPT_EVERY:
			if (!parse_u64(optarg, 86400, &v) || !v)
				return usage_error("--every needs whole seconds from 1 to 86400", optarg);
			o->every = (uint32_t)v;
			break;
		case OPT_STREAM:
			o->stream = true;
			break;
		case OPT_TIMEOUT: {
			char err[160];
			struct tcps_config probe = o->cfg;
			if ((size_t)o->ntimeouts == sizeof o->timeouts / sizeof o->timeouts[0])
				return usage_error("--timeout given too many times", optarg);
			o->timeouts[o->ntimeouts++] = optarg;
			if (!apply_timeouts(o, &probe, err, sizeof err))
				return usage_error(err, NULL);
			break;
		}
		case 'j':
			if (!parse_u64(optarg, 1024, &v) || !v)
				return usage_error("-j needs a number of jobs from 1 to 1024", optarg);
			o->jobs = (unsigned)v;
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
	if (o->list_devices)
		return i < argc || o->iface ? usage_error("-D takes no other argument", NULL) : EXIT_OK;
	if (o->iface) {
		if (from_r || o->corpus)
			return usage_error("-i captures live: no capture file with it", NULL);
		if (i < argc && !(o->filter = join(argv + i, argc - i)))
			return usage_error("out of memory", NULL);
		if (o->baseline || o->write_baseline)
			return usage_error("baselines compare whole captures: record with -w, then compare the file", NULL);
		o->stream = true;
		return EXIT_OK;
	}
	if (o->buffer_kib || o->snaplen_set || o->no_promisc || o->user || o->every)
		return usage_error("-B, -s, -p, -Z and --every belong to live capture (-i)", NULL);
	/* "corpus" first: every other argument is a directory or a capture
	 * (a capture file of that name is ./corpus). */
	if (!from_r && i < argc && !strcmp(argv[i], "corpus")) {
		o->corpus = true;
		for (i++; i < argc; i++)
			o->inputs[o->ninputs++] = argv[i];
		if (!o->ninputs)
			return usage_error("tcpstate corpus needs a directory or capture", NULL);
		if (o->write_file || o->stream)
			return usage_error("-w and --stream take one capture, not a corpus", NULL);
		if (o->baseline || o->write_baseline)
			return usage_error("in corpus mode baselines are CAPTURE.baseline, or under --baseline-dir; "
					   "--write-baselines writes them",
					   NULL);
		return EXIT_OK;
	}
	if (o->jobs || o->junit || o->baseline_dir || o->write_baselines)
		return usage_error("-j, --junit, --baseline-dir and --write-baselines belong to tcpstate corpus", NULL);
	if (!from_r)
		while (i < argc && looks_like_input(argv[i]))
			o->inputs[o->ninputs++] = argv[i++];
	if (i < argc && !(o->filter = join(argv + i, argc - i)))
		return usage_error("out of memory", NULL);
	if (!o->ninputs)
		return usage_error(i < argc ? "no capture file given (is the first argument a misspelt file name?)"
					    : "no capture file given",
				   i < argc ? argv[i] : NULL);
	if (o->baseline && o->write_baseline)
		return usage_error("--baseline compares, --write-baseline writes: one at a time", NULL);
	if ((o->baseline || o->write_baseline) && o->ninputs != 1)
		return usage_error("a baseline belongs to one capture (for many, use tcpstate corpus)", NULL);
	if ((o->baseline || o->write_baseline) && o->stream)
		return usage_error("a baseline needs each connection's whole timeline: not with --stream", NULL);
	if (o->write_file && o->ninputs != 1)
		return usage_error("-w copies one capture", NULL);
	return EXIT_OK;
}

/* One --timeout item: a preset or CLASS=SECONDS. */
static bool apply_timeout_item(const char *item, size_t len, struct tcps_config *cfg, char *err, size_t errlen)
{
	if (len == 9 && !strncmp(item, "conntrack", len)) {
		tcps_config_conntrack_timeouts(cfg);
		return true;
	}
	if (len == 4 && !strncmp(item, "none", len)) {
		memset(cfg->timeout_sec, 0, sizeof cfg->timeout_sec);
		cfg->idle_timeout_sec = 0;
		return true;
	}
	const char *eq = memchr(item, '=', len);
	for (int k = 0; eq && k < TCPS_TO__COUNT; k++) {
		const char *name = tcps_timeout_class_name((enum tcps_timeout_class)k);
		if (strlen(name) != (size_t)(eq - item) || strncmp(item, name, (size_t)(eq - item)))
			continue;
		char num[16];
		uint64_t v;
		size_t n = len - (size_t)(eq - item) - 1;
		if (n >= sizeof num)
			break;
		memcpy(num, eq + 1, n);
		num[n] = 0;
		if (!parse_u64(num, UINT32_MAX, &v))
			break;
		cfg->timeout_sec[k] = (uint32_t)v;
		return true;
	}
	snprintf(err, errlen, "--timeout: \"%.*s\" is not conntrack, none, nor CLASS=SECONDS with a class of "
		 "syn_sent, syn_rcvd, established, fin_wait, close_wait, last_ack", (int)len, item);
	return false;
}

bool apply_timeouts(const struct options *o, struct tcps_config *cfg, char *err, size_t errlen)
{
	for (int i = 0; i < o->ntimeouts; i++)
		for (const char *p = o->timeouts[i]; *p;) {
			size_t len = strcspn(p, ",");
			if (!apply_timeout_item(p, len, cfg, err, errlen))
				return false;
			p += len + (p[len] == ',');
		}
	return true;
}

int main(int argc, char **argv)
{
	struct options o;
	memset(&o, 0, sizeof o);
	tcps_config_init(&o.cfg);
	int rc = parse_args(argc, argv, &o);
	char err[160];
	if (rc == EXIT_OK) {
		if (o.iface)
			tcps_config_conntrack_timeouts(&o.cfg);
		if (!apply_timeouts(&o, &o.cfg, err, sizeof err))
			rc = usage_error(err, NULL);
	}
	if (rc != EXIT_OK) {
		free(o.filter);
		free(o.inputs);
		return rc;
	}
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	int status = EXIT_OK;
	if (o.list_devices) {
		status = list_devices_main();
	} else if (o.iface) {
		status = live_main(&o);
	} else if (o.corpus) {
		status = corpus_main(&o);
	} else {
		/* On one CPU a reader thread would only add its copy. */
		struct run_io io = { stdout, NULL, true, !o.one_thread && sysconf(_SC_NPROCESSORS_ONLN) > 1,
				     o.baseline, o.write_baseline };
		for (int i = 0; i < o.ninputs; i++) {
			struct capture_result r;
			int s = run_capture(o.inputs[i], &o, &io, &r);
			if (s > status)
				status = s;
		}
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "tcpstate: writing the report: %s\n", strerror(errno));
		status = EXIT_USAGE_OR_INPUT;
	}
	free(o.filter);
	free(o.inputs);
	return status;
}
