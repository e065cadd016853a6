/* cli.h - what the command's source files share */
#ifndef TCPS_CLI_H
#define TCPS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "tcpstate/tcpstate.h"

/* Exit codes (README "Exit codes"). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,           /* --fail-on matched, or a baseline differs */
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
	struct tcps_policy policy; /* --fail-on */
	bool has_policy;
	const char *baseline;      /* --baseline FILE */
	const char *write_baseline; /* --write-baseline FILE */
	/* tcpstate corpus */
	bool corpus;
	unsigned jobs;             /* -j: 0 means one per CPU */
	const char *junit;         /* --junit FILE */
	const char *baseline_dir;  /* --baseline-dir DIR */
	bool write_baselines;      /* --write-baselines */
	/* live capture */
	const char *iface;         /* -i */
	bool list_devices;         /* -D */
	uint32_t buffer_kib;       /* -B */
	uint32_t snaplen;          /* -s; 0: the default */
	bool snaplen_set;
	bool no_promisc;           /* -p */
	const char *user;          /* -Z */
	const char *write_file;    /* -w */
	uint32_t every;            /* --every seconds; 0 none */
	bool stream;               /* --stream, or live */
	const char *timeouts[8];   /* --timeout arguments, applied in order */
	int ntimeouts;
};

/* Applies --timeout arguments to cfg (after the mode's defaults); false
 * with a message in err on a bad one. */
bool apply_timeouts(const struct options *o, struct tcps_config *cfg, char *err, size_t errlen);

/* tcpstate -i (live.c); returns the exit status. */
int live_main(const struct options *o);

/* tcpstate -D (live.c). */
int list_devices_main(void);

/* What became of a capture's baseline. */
enum base_verdict { BASE_NONE = 0, BASE_SAME, BASE_DIFFERS, BASE_WRITTEN, BASE_ERROR };

/* What one capture gave. */
struct capture_result {
	int status;                /* its exit status */
	bool input_error;          /* the capture could not be read whole */
	uint64_t packets, connections;
	uint64_t by_severity[3];   /* findings, by enum tcps_severity */
	uint64_t policy_matched;
	enum base_verdict base;
	size_t ndiff;
	double seconds;
};

/* Where one capture's report goes and which baselines it uses. */
struct run_io {
	FILE *out, *err;           /* the report; errors and failed verdicts (NULL: stderr) */
	bool report;               /* write the report (else only errors and verdicts) */
	bool read_ahead;
	const char *baseline_in;   /* compare with it; NULL none */
	const char *baseline_out;  /* write it; NULL none */
};

/* Analyses one capture (run.c); returns its exit status. */
int run_capture(const char *path, const struct options *o, const struct run_io *io, struct capture_result *r);

/* Monotonic seconds, for the time a capture took (run.c). */
double now_seconds(void);

/* tcpstate corpus (corpus.c); returns the exit status. */
int corpus_main(const struct options *o);

#endif
