/* source_int.h - the capture source's insides, shared by source_file.c,
 * source_live.c and source_dump.c (the only files that see libpcap types) */
#ifndef TCPS_SOURCE_INT_H
#define TCPS_SOURCE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <pcap/pcap.h>
#include "tcpstate/tcpstate.h"

struct readahead;

/* pcap_stats counts in u_int; these widen them to 64 bits. */
struct wide_stats {
	uint64_t received, dropped, if_dropped;
	u_int last_recv, last_drop, last_ifdrop;
};

struct tcps_source {
	pcap_t *pcap;
	char *iobuf;                     /* the stream's buffer, freed after pcap_close */
	struct bpf_program bpf;
	bool has_filter;                 /* bpf is applied here (files; a live filter runs in the kernel) */
	int linktype;
	const char *path;                /* the file, or the live device */
	struct readahead *ra;            /* the reader thread, when reading ahead */
	bool started;                    /* a packet was asked for */
	bool is_pipe;                    /* standard input, a named pipe: may block, cannot seek */
	struct fast_read *fast;          /* a classic pcap file's records read without libpcap (source_fast.c); NULL: libpcap reads */
	/* live capture */
	bool live;
	bool ts_micro;                   /* the device gives microseconds, not nanoseconds */
	int fd;                          /* to poll; -1 when libpcap has none */
	struct wide_stats stats;
	char warning[TCPS_ERRBUF_SIZE];  /* pcap_activate's warning, "" when none */
	/* tcps_source_dump */
	pcap_t *dump_pcap;               /* a dead handle giving the file its header */
	pcap_dumper_t *dumper;
	char *dump_buf;                  /* the dump stream's buffer, freed after it closes */
};

/* Copies a libpcap message into errbuf without a leading "path: " (the
 * caller names the file or device). */
void source_pcap_message(const char *path, const char *pcap_err, char *errbuf);

/* libpcap's next record of a file, filtered (source_file.c). */
int source_read_libpcap(struct tcps_source *s, struct tcps_packet *pkt, char *errbuf);

/* Takes over the reading of a plain classic pcap file that libpcap opened
 * and has read no record of; false (libpcap reads) for any other file. */
bool source_fast_start(struct tcps_source *s);

/* tcps_source_next's contract, for a file source_fast_start took. */
int source_fast_next(struct tcps_source *s, struct tcps_packet *pkt, char *errbuf);

/* Frees the fast path's state; libpcap reads from where its stream is. */
void source_fast_stop(struct tcps_source *s);

/* The live read behind tcps_source_next. */
int source_live_next(struct tcps_source *s, struct tcps_packet *pkt, char *errbuf);

/* The netmask a live device's filter is compiled with (PCAP_NETMASK_UNKNOWN
 * when it has none). */
bpf_u_int32 source_live_netmask(const char *device);

/* Writes pkt to the dump, if one is open. */
void source_dump_packet(struct tcps_source *s, const struct tcps_packet *pkt);

/* Flushes and closes the dump, if one is open. */
void source_dump_close(struct tcps_source *s);

#endif
