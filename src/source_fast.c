/* source_fast.c - classic pcap records read without stdio's and libpcap's copies
 *
 * libpcap reads a savefile record by record through stdio: the kernel copies
 * the file into stdio's buffer, fread copies each record into libpcap's
 * buffer, and a reader thread then copies it into its batch. For the common
 * file (classic pcap, version 2.4, this machine's byte order, a link type
 * libpcap hands over untouched) this reads the file in large pieces with
 * pread and hands each record out of that buffer: one copy fewer and no
 * library call per packet (bench/README.md, ninth pass).
 *
 * libpcap still opens the file (header checks, link type, snapshot length)
 * and reads every record that is not plain: one cut by the end of the file,
 * a caplen above the snapshot length, a time libpcap would carry or sign
 * differently, a record larger than the buffer, a read error. Its stream is
 * moved to that record, it reads it, and the fast path goes on after it. So
 * every packet, error and message is exactly libpcap's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "source_int.h"

/* 128 KiB stays in L2, where pread writes it and the reader copies out of
 * it (as for stdio's buffer: source_file.c). */
#define FAST_BUFFER (1u << 17)
#define FILE_HEAD 24 /* the file header libpcap read: the first record follows */
#define REC_HEAD 16

struct fast_read {
	int fd;
	bool nsec;                       /* magic a1b23c4d: fractions in nanoseconds */
	uint32_t snapshot;
	off_t buf_off;                   /* the file offset of buf[0] */
	size_t pos, len;                 /* the next record at buf[pos]; bytes in buf */
	unsigned char buf[FAST_BUFFER];
};

bool source_fast_start(struct tcps_source *s)
{
	FILE *f = pcap_file(s->pcap);
	int dlt = pcap_datalink(s->pcap);
	/* link types libpcap post-processes (USB, NFLOG, ...) stay with it */
	bool plain_link = dlt == DLT_EN10MB || dlt == DLT_RAW || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 ||
			  dlt == DLT_NULL || dlt == DLT_LOOP || dlt == DLT_IPV4 || dlt == DLT_IPV6;
	if (!f || !plain_link || pcap_is_swapped(s->pcap) || pcap_major_version(s->pcap) != 2 ||
	    pcap_minor_version(s->pcap) != 4)
		return false;
	uint32_t magic;
	struct stat st;
	int fd = fileno(f); /* -1 for zlib's stream (gzip, stdin) */
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || /* a pipe cannot be read at an offset */
	    pread(fd, &magic, sizeof magic, 0) != (ssize_t)sizeof magic)
		return false;
	if (magic != 0xa1b2c3d4u && magic != 0xa1b23c4du) /* pcapng, or the modified formats' longer records */
		return false;
	struct fast_read *r = malloc(sizeof *r);
	if (!r)
		return false; /* libpcap reads it all */
	r->fd = fd;
	r->nsec = magic == 0xa1b23c4du;
	r->snapshot = (uint32_t)pcap_snapshot(s->pcap);
	r->buf_off = FILE_HEAD;
	r->pos = r->len = 0;
	s->fast = r;
	return true;
}

void source_fast_stop(struct tcps_source *s)
{
	free(s->fast);
	s->fast = NULL;
}

/* Keeps the unread bytes and reads more after them: the bytes added, 0 at
 * the end of the file, <0 on an error (which libpcap will then meet). */
static ssize_t refill(struct fast_read *r)
{
	size_t keep = r->len - r->pos;
	memmove(r->buf, r->buf + r->pos, keep);
	r->buf_off += (off_t)r->pos;
	r->pos = 0;
	r->len = keep;
	ssize_t n;
	do
		n = pread(r->fd, r->buf + keep, sizeof r->buf - keep, r->buf_off + (off_t)keep);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		r->len += (size_t)n;
	return n;
}

/* libpcap reads the record at the fast path's position; the fast path goes
 * on after it, or, at the end or on an error, is done. */
static int by_libpcap(struct tcps_source *s, struct tcps_packet *pkt, char *errbuf)
{
	struct fast_read *r = s->fast;
	FILE *f = pcap_file(s->pcap);
	if (fseeko(f, r->buf_off + (off_t)r->pos, SEEK_SET) != 0) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "%s", strerror(errno));
		source_fast_stop(s);
		return TCPS_E_DAMAGED;
	}
	int rc = source_read_libpcap(s, pkt, errbuf);
	off_t at = rc == 1 ? ftello(f) : -1;
	if (at < 0) { /* the end, an error, or a position lost: libpcap reads on */
		source_fast_stop(s);
		return rc;
	}
	r->buf_off = at;
	r->pos = r->len = 0;
	return rc;
}

int source_fast_next(struct tcps_source *s, struct tcps_packet *pkt, char *errbuf)
{
	struct fast_read *r = s->fast;
	for (;;) {
		size_t avail = r->len - r->pos;
		if (avail >= REC_HEAD) {
			uint32_t h[4]; /* seconds, fraction, caplen, wire length */
			memcpy(h, r->buf + r->pos, sizeof h);
			uint32_t frac_max = r->nsec ? 1000000000u : 1000000u;
			if (h[0] > INT32_MAX || h[1] >= frac_max || h[2] > r->snapshot || REC_HEAD + (size_t)h[2] > sizeof r->buf)
				return by_libpcap(s, pkt, errbuf);
			if (REC_HEAD + (size_t)h[2] <= avail) {
				pkt->ts.sec = h[0];
				pkt->ts.nsec = r->nsec ? h[1] : h[1] * 1000u;
				pkt->bytes = r->buf + r->pos + REC_HEAD;
				pkt->caplen = h[2];
				pkt->wirelen = h[3];
				r->pos += REC_HEAD + h[2];
				if (s->has_filter) {
					struct pcap_pkthdr ph = { .caplen = h[2], .len = h[3] };
					pkt->filtered_out = !pcap_offline_filter(&s->bpf, &ph, pkt->bytes);
				} else {
					pkt->filtered_out = false;
				}
				return 1;
			}
		}
		if (refill(r) <= 0) /* the end, a cut record, or an error: in libpcap's words */
			return by_libpcap(s, pkt, errbuf);
	}
}
