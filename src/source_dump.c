/* source_dump.c - writing the packets a source returns to a pcap file (tcpdump -w)
 *
 * The file's header comes from a dead libpcap handle with the source's link
 * type and snap length and nanosecond precision, whatever the source's own
 * precision: packets reach the dump as tcps_source_next() returns them,
 * timestamps already in nanoseconds, from a file, the reader thread or a
 * live interface alike.
 */
#define _DEFAULT_SOURCE /* the BSD types (u_int, u_char) pcap.h uses */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "tcpstate/tcpstate.h"
#include "source_int.h"

/* Ours, as on the read side: one write() per 128 KiB, not per 4 KiB. */
#define DUMP_BUFFER (1u << 17)

/* path opened for writing; "-": a copy of standard output, so closing the
 * dump leaves the caller's stdout open. */
static FILE *open_output(const char *path)
{
	if (strcmp(path, "-"))
		return fopen(path, "wb");
	int fd = dup(1);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "wb");
	if (!f && fd >= 0)
		close(fd);
	return f;
}

int tcps_source_dump(struct tcps_source *s, const char *path, char *errbuf)
{
	if (s->dumper) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "a dump is already being written");
		return TCPS_E_BADARG;
	}
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(pcap_datalink(s->pcap), pcap_snapshot(s->pcap),
							    PCAP_TSTAMP_PRECISION_NANO);
	char *buf = malloc(DUMP_BUFFER);
	if (!dead || !buf) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "out of memory");
		goto fail;
	}
	FILE *f = open_output(path);
	if (!f) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	setvbuf(f, buf, _IOFBF, DUMP_BUFFER);
	pcap_dumper_t *d = pcap_dump_fopen(dead, f);
	if (!d) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot write %s: %s", path, pcap_geterr(dead));
		fclose(f);
		goto fail;
	}
	s->dump_pcap = dead;
	s->dumper = d;
	s->dump_buf = buf;
	return TCPS_OK;
fail:
	if (dead)
		pcap_close(dead);
	free(buf);
	return buf && dead ? TCPS_E_IO : TCPS_E_NOMEM;
}

void source_dump_packet(struct tcps_source *s, const struct tcps_packet *pkt)
{
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)pkt->ts.sec;
	h.ts.tv_usec = (suseconds_t)pkt->ts.nsec; /* nanoseconds: the dead handle's precision */
	h.caplen = pkt->caplen;
	h.len = pkt->wirelen;
	pcap_dump((u_char *)s->dumper, &h, pkt->bytes);
}

int tcps_source_flush_dump(struct tcps_source *s, char *errbuf)
{
	if (!s->dumper)
		return TCPS_OK;
	if (pcap_dump_flush(s->dumper) < 0) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot write the dump: %s", strerror(errno));
		return TCPS_E_IO;
	}
	/* An earlier write, when the buffer filled, may have failed. */
	if (ferror(pcap_dump_file(s->dumper))) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot write the dump: a write failed");
		return TCPS_E_IO;
	}
	return TCPS_OK;
}

void source_dump_close(struct tcps_source *s)
{
	if (!s->dumper)
		return;
	pcap_dump_close(s->dumper); /* flushes and closes the stream: its buffer is free to go */
	pcap_close(s->dump_pcap);
	free(s->dump_buf);
	s->dumper = NULL;
}
