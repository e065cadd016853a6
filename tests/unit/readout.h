/* readout.h - one whole read of a capture, by tcpstate's source or by libpcap
 * alone (the reference the fast classic pcap path must equal), digested so
 * that two reads compare at once; for the unit tests and fuzz_source.c */
#ifndef TCPS_TEST_READOUT_H
#define TCPS_TEST_READOUT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>
#include "digest.h"
#include "source_int.h"
#include "tcpstate/tcpstate.h"

struct readout {
	unsigned n;
	uint64_t digest;              /* FNV-1a over each packet's fields and bytes, in order */
	int end;                      /* 0 end of capture, else the error status */
	char err[TCPS_ERRBUF_SIZE];
};

static inline void readout_init(struct readout *o)
{
	memset(o, 0, sizeof *o);
	o->digest = DIGEST_INIT;
}

/* libpcap alone, as tcpstate read files before source_fast.c (times as
 * source_read_libpcap takes them, errors as it words them, end -1 on an
 * error); false when libpcap cannot open path. */
static inline bool readout_libpcap(const char *path, struct readout *o)
{
	char perr[PCAP_ERRBUF_SIZE];
	readout_init(o);
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!p)
		return false;
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		struct tcps_packet k = { .bytes = data, .caplen = h->caplen, .wirelen = h->len };
		k.ts.sec = (int64_t)h->ts.tv_sec;
		k.ts.nsec = (uint32_t)h->ts.tv_usec;
		if (h->ts.tv_usec < 0 || h->ts.tv_usec >= 1000000000) {
			k.ts.sec = (int64_t)h->ts.tv_sec + (int64_t)(h->ts.tv_usec / 1000000000);
			k.ts.nsec = (uint32_t)(h->ts.tv_usec % 1000000000);
		}
		mix_packet(&o->digest, &k);
		o->n++;
	}
	o->end = r == PCAP_ERROR_BREAK ? 0 : -1;
	if (o->end)
		source_pcap_message(path, pcap_geterr(p), o->err);
	pcap_close(p);
	return true;
}

/* tcpstate's source, read ahead or not (end -1 on an error, as
 * readout_libpcap); *fast_at_open and *fast_at_end (NULL: not asked) tell
 * whether the fast path read the file at the open, and still after the
 * last packet (asked only when not read ahead: then s->fast is the reader
 * thread's). False, with o->err, when the source cannot open path. */
static inline bool readout_source(const char *path, bool ahead, struct readout *o, bool *fast_at_open,
				  bool *fast_at_end)
{
	struct tcps_source *s;
	readout_init(o);
	if (tcps_source_open_file(&s, path, o->err) != TCPS_OK)
		return false;
	if (fast_at_open)
		*fast_at_open = s->fast != NULL;
	if (ahead && tcps_source_read_ahead(s, 700, o->err) != TCPS_OK) {
		tcps_source_close(s);
		return false;
	}
	struct tcps_packet p;
	int r;
	while ((r = tcps_source_next(s, &p, o->err)) == 1) {
		mix_packet(&o->digest, &p);
		o->n++;
		if (!ahead && fast_at_end)
			*fast_at_end = s->fast != NULL;
	}
	o->end = r == 0 ? 0 : -1;
	tcps_source_close(s);
	return true;
}

#endif
