/* source.h - capture sources: pcap, pcapng and gzip-compressed files, or stdin */
#ifndef TCPSTATE_SOURCE_H
#define TCPSTATE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tcpstate/engine.h"

struct tcps_source;

/* One packet from a source. bytes is borrowed: valid until the next
 * tcps_source_next() or tcps_source_close() on the same source (libpcap's
 * pcap_next_ex rule). */
struct tcps_packet {
	struct tcps_ts ts;
	const uint8_t *bytes;
	uint32_t caplen;       /* bytes captured */
	uint32_t wirelen;      /* bytes the packet had on the wire */
	bool filtered_out;     /* read, but the BPF filter excluded it */
};

/*
 * Opens a capture file: pcap or pcapng (any timestamp resolution, kept to the
 * nanosecond), optionally gzip-compressed; "-" reads standard input.
 * path is borrowed: it must stay valid until tcps_source_close().
 * Returns TCPS_OK and sets *out, or a negative status and fills errbuf
 * (TCPS_ERRBUF_SIZE) with a sentence naming the problem (not the path,
 * which the caller knows).
 */
int tcps_source_open_file(struct tcps_source **out, const char *path, char *errbuf)
	TCPS_WARN_UNUSED_RESULT;

/* Compiles a BPF filter (libpcap syntax) for this source's link type.
 * Packets it excludes are still returned, flagged filtered_out, so that every
 * packet read is accounted for. Returns TCPS_OK or TCPS_E_FILTER + errbuf. */
int tcps_source_set_filter(struct tcps_source *s, const char *expr, char *errbuf);

/*
 * Reads the capture ahead in a thread of its own, into batch_bytes-sized
 * batches (0: 256 KiB; four of them), so that reading (libpcap, gzip, the
 * filter) and the caller's analysis run on two cores. Packets, their order,
 * the end and any error come out of tcps_source_next() exactly as without
 * it. Call after tcps_source_set_filter() and before the first
 * tcps_source_next(); on standard input it does nothing (a pipe may block,
 * and closing would wait for it). Returns TCPS_OK, TCPS_E_BADARG when
 * reading has started, or TCPS_E_NOMEM + errbuf.
 */
int tcps_source_read_ahead(struct tcps_source *s, size_t batch_bytes, char *errbuf);

/* Link type (LINKTYPE_ value) of the capture. */
int tcps_source_linktype(const struct tcps_source *s);

/* Name of a link type, e.g. "EN10MB"; "unknown" when libpcap has none. */
const char *tcps_linktype_name(int linktype);

/*
 * Reads the next packet. Returns 1 with *pkt filled, 0 at the end of the
 * capture, or TCPS_E_DAMAGED with errbuf telling what is wrong with the record
 * (the packets before it were all returned).
 */
int tcps_source_next(struct tcps_source *s, struct tcps_packet *pkt, char *errbuf);

/* libpcap's version string, for --version. */
const char *tcps_libpcap_version(void);

/* Closes the source; NULL is a no-op. */
void tcps_source_close(struct tcps_source *s);

#endif
