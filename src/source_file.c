/* source_file.c - capture files through libpcap, gzip through zlib, stdin
 *
 * With source_live.c and source_dump.c, the only files that see libpcap
 * types (struct tcps_source is in source_int.h). Plain files are opened
 * here with a large stdio buffer and handed to libpcap (which source_fast.c
 * relieves of the records of a plain classic pcap file);
 * gzip files, standard input and named pipes are read through a zlib gzFile
 * wrapped in a stdio stream (fopencookie), which libpcap then reads like any
 * FILE. zlib passes non-gzip bytes through unchanged, so a pipe may be either.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include <zlib.h>
#include "tcpstate/tcpstate.h"
#include "readahead.h"
#include "source_int.h"

/* The stdio buffer libpcap reads through. glibc ignores setvbuf's size
 * when it is not given the buffer (it keeps st_blksize, 4 KiB: one read()
 * per 4 KiB), so the buffer is ours. 128 KiB stays in L2, where the kernel
 * writes it and fread copies out of it; 1 MiB measured slower. */
#define READ_BUFFER (1u << 17)

/* The system's reason for the last failed call (the caller names the file). */
static void os_error(char *errbuf)
{
	snprintf(errbuf, TCPS_ERRBUF_SIZE, "%s", strerror(errno));
}

static ssize_t gz_read(void *cookie, char *buf, size_t size)
{
	int n = gzread((gzFile)cookie, buf, size > (1u << 30) ? (1u << 30) : (unsigned)size);
	if (n < 0) {
		errno = EIO;
		return -1;
	}
	return n;
}

static int gz_close(void *cookie)
{
	return gzclose_r((gzFile)cookie) == Z_OK ? 0 : EOF;
}

/* A stdio stream that inflates fd (or passes it through if not gzip). */
static FILE *gz_stream(int fd, char *errbuf)
{
	gzFile gz = gzdopen(fd, "rb");
	if (!gz) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot start gzip reader");
		close(fd);
		return NULL;
	}
	gzbuffer(gz, 1u << 17);
	cookie_io_functions_t io = { .read = gz_read, .close = gz_close };
	FILE *f = fopencookie(gz, "rb", io);
	if (!f) {
		os_error(errbuf);
		gzclose_r(gz);
	}
	return f;
}

/* Also explains the pcapng limit users hit most. */
void source_pcap_message(const char *path, const char *pcap_err, char *errbuf)
{
	size_t n = strlen(path);
	if (!strncmp(pcap_err, path, n) && !strncmp(pcap_err + n, ": ", 2))
		pcap_err += n + 2;
	snprintf(errbuf, TCPS_ERRBUF_SIZE, "%s", pcap_err);
	if (strstr(pcap_err, "different from the type of the first interface"))
		strncat(errbuf, " (libpcap reads a pcapng file only when all its interfaces share one link type;"
				" split it by interface with editcap or tshark)",
			TCPS_ERRBUF_SIZE - strlen(errbuf) - 1);
}

/* A zlib stream over a copy of fd (fd itself stays open for its owner),
 * reading through buf; NULL with errbuf set on failure. */
static FILE *zlib_stream_dup(int fd, char *buf, char *errbuf)
{
	int copy = dup(fd);
	if (copy < 0) {
		os_error(errbuf);
		return NULL;
	}
	FILE *f = gz_stream(copy, errbuf);
	if (f)
		setvbuf(f, buf, _IOFBF, READ_BUFFER);
	return f;
}

/* Opens path ("-": standard input) as a stdio stream reading through buf;
 * NULL with *rc and errbuf set on failure. *pipe tells a stream that cannot
 * seek and may block (standard input, a named pipe, <(...)). */
static FILE *open_stream(const char *path, char *buf, bool *pipe, int *rc, char *errbuf)
{
	FILE *f;
	struct stat st;
	*rc = TCPS_E_IO;
	*pipe = !strcmp(path, "-");
	if (*pipe)
		return zlib_stream_dup(0, buf, errbuf);
	f = fopen(path, "rb");
	if (!f) {
		os_error(errbuf);
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		/* The magic cannot be peeked and put back: zlib reads it, as
		 * from standard input, and passes a plain capture through. */
		*pipe = true;
		FILE *z = zlib_stream_dup(fileno(f), buf, errbuf);
		fclose(f);
		return z;
	}
	/* libpcap reads a record at a time through stdio; a large buffer
	 * turns thousands of small read() calls into a few big ones. */
	setvbuf(f, buf, _IOFBF, READ_BUFFER);
	unsigned char magic[2] = { 0, 0 };
	size_t got = fread(magic, 1, 2, f);
	if (got == 0 && ferror(f)) {
		os_error(errbuf);
		fclose(f);
		return NULL;
	}
	if (got == 0) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "empty file, not a capture");
		fclose(f);
		*rc = TCPS_E_FORMAT;
		return NULL;
	}
	if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		int fd = dup(fileno(f));
		fclose(f);
		if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0) {
			os_error(errbuf);
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		if ((f = gz_stream(fd, errbuf)))
			setvbuf(f, buf, _IOFBF, READ_BUFFER);
		return f;
	}
	if (fseek(f, 0, SEEK_SET) != 0) {
		os_error(errbuf);
		fclose(f);
		return NULL;
	}
	return f;
}

int tcps_source_open_file(struct tcps_source **out, const char *path, char *errbuf)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	int rc;
	*out = NULL;
	struct tcps_source *s = calloc(1, sizeof *s);
	char *buf = malloc(READ_BUFFER);
	if (!s || !buf) {
		free(s);
		free(buf);
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "out of memory");
		return TCPS_E_NOMEM;
	}
	bool pipe;
	FILE *f = open_stream(path, buf, &pipe, &rc, errbuf);
	if (!f) {
		free(s);
		free(buf);
		return rc;
	}
	/* libpcap makes two fread calls per packet. In a program with threads,
	 * glibc locks the stream for each (two atomic operations per call);
	 * they were 7 % of a run's samples. The stream is used by one thread
	 * at a time, handed over by pthread calls, so it needs no lock. */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!p) {
		fclose(f);
		free(s);
		free(buf);
		source_pcap_message(path, perr, errbuf);
		return TCPS_E_FORMAT;
	}
	s->pcap = p;
	s->iobuf = buf;
	s->linktype = pcap_datalink(p);
	s->path = path;
	s->is_pipe = pipe;
	s->fd = -1;
	source_fast_start(s); /* (not for a pipe or gzip: their zlib stream has no file descriptor) */
	*out = s;
	return TCPS_OK;
}

int tcps_source_set_filter(struct tcps_source *s, const char *expr, char *errbuf)
{
	if (s->ra || s->started) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "a filter must be set before reading starts");
		return TCPS_E_BADARG;
	}
	if (s->has_filter) {
		pcap_freecode(&s->bpf);
		s->has_filter = false;
	}
	bpf_u_int32 mask = s->live ? source_live_netmask(s->path) : PCAP_NETMASK_UNKNOWN;
	int rc = pcap_compile(s->pcap, &s->bpf, expr, 1, mask) < 0 ? TCPS_E_FILTER : TCPS_OK;
	if (rc == TCPS_OK && s->live) {
		/* In the kernel: excluded packets are never read. libpcap keeps
		 * its own copy of the program. */
		rc = pcap_setfilter(s->pcap, &s->bpf) < 0 ? TCPS_E_IO : TCPS_OK;
		pcap_freecode(&s->bpf);
	} else if (rc == TCPS_OK) {
		s->has_filter = true;
	}
	if (rc != TCPS_OK)
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "filter \"%s\": %s", expr, pcap_geterr(s->pcap));
	return rc;
}

int tcps_source_linktype(const struct tcps_source *s)
{
	return s->linktype;
}

const char *tcps_linktype_name(int linktype)
{
	/* libpcap names DLTs; the LINKTYPE_ numbers the engine also accepts map
	 * onto them. */
	int dlt = linktype == TCPS_LINK_RAW ? DLT_RAW : linktype;
	const char *n = pcap_datalink_val_to_name(dlt);
	return n ? n : "unknown";
}

int source_read_libpcap(struct tcps_source *s, struct tcps_packet *pkt, char *errbuf)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int r = pcap_next_ex(s->pcap, &h, &data);
	if (r == PCAP_ERROR_BREAK)
		return 0;
	if (r != 1) {
		source_pcap_message(s->path, pcap_geterr(s->pcap), errbuf);
		return TCPS_E_DAMAGED;
	}
	/* Nanoseconds: the file was opened with PCAP_TSTAMP_PRECISION_NANO. A
	 * record whose fraction is a second or more (a damaged microsecond
	 * field) is carried into the seconds so time stays ordered. */
	if (h->ts.tv_usec >= 0 && h->ts.tv_usec < 1000000000) { /* always, but for damage */
		pkt->ts.sec = (int64_t)h->ts.tv_sec;
		pkt->ts.nsec = (uint32_t)h->ts.tv_usec;
	} else {
		pkt->ts.sec = (int64_t)h->ts.tv_sec + (int64_t)(h->ts.tv_usec / 1000000000);
		pkt->ts.nsec = (uint32_t)(h->ts.tv_usec % 1000000000);
	}
	pkt->bytes = data;
	pkt->caplen = h->caplen;
	pkt->wirelen = h->len;
	pkt->filtered_out = s->has_filter && !pcap_offline_filter(&s->bpf, h, data);
	return 1;
}

/* The direct read: the fast path's or libpcap's next record. */
static int read_direct(void *ctx, struct tcps_packet *pkt, char *errbuf)
{
	struct tcps_source *s = ctx;
	return s->fast ? source_fast_next(s, pkt, errbuf) : source_read_libpcap(s, pkt, errbuf);
}

int tcps_source_read_ahead(struct tcps_source *s, size_t batch_bytes, char *errbuf)
{
	if (s->ra || s->started) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "reading ahead must start before reading does");
		return TCPS_E_BADARG;
	}
	/* A pipe or an interface may block for ever, and closing would wait for it. */
	if (s->is_pipe || s->live)
		return TCPS_OK;
	s->ra = ra_start(read_direct, s, batch_bytes, errbuf);
	return s->ra ? TCPS_OK : TCPS_E_NOMEM;
}

int tcps_source_next(struct tcps_source *s, struct tcps_packet *pkt, char *errbuf)
{
	if (!s->started) /* written once: the reader thread reads s too, and a store per packet would pull its line back and forth */
		s->started = true;
	int r = s->live ? source_live_next(s, pkt, errbuf)
		: s->ra ? ra_next(s->ra, pkt, errbuf) : read_direct(s, pkt, errbuf);
	if (r == 1 && s->dumper && !pkt->filtered_out)
		source_dump_packet(s, pkt);
	return r;
}

const char *tcps_libpcap_version(void)
{
	return pcap_lib_version();
}

void tcps_source_close(struct tcps_source *s)
{
	if (!s)
		return;
	ra_stop(s->ra); /* before libpcap goes: the thread reads through it */
	source_fast_stop(s);
	source_dump_close(s);
	if (s->has_filter)
		pcap_freecode(&s->bpf);
	pcap_close(s->pcap); /* closes the stream: its buffer is free to go */
	free(s->iobuf);
	free(s);
}
