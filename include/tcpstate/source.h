/* source.h - capture sources: pcap, pcapng and gzip-compressed files, stdin,
 * or a live interface */
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
 * packet read is accounted for. On a live source the filter runs in the
 * kernel instead (compiled with the device's netmask): excluded packets are
 * never read, and filtered_out is always false. Call before the first
 * tcps_source_next(). Returns TCPS_OK, TCPS_E_BADARG when reading has
 * started, or TCPS_E_FILTER + errbuf. */
int tcps_source_set_filter(struct tcps_source *s, const char *expr, char *errbuf);

/*
 * Reads the capture ahead in a thread of its own, into batch_bytes-sized
 * batches (0: 256 KiB; sixteen of them), so that reading (libpcap, gzip, the
 * filter) and the caller's analysis run on two cores. Packets, their order,
 * the end and any error come out of tcps_source_next() exactly as without
 * it. Call after tcps_source_set_filter() and before the first
 * tcps_source_next(); on standard input and a live source it does nothing
 * (a read may block, and closing would wait for it). Returns TCPS_OK, TCPS_E_BADARG when
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
 * (the packets before it were all returned). A live source never blocks and
 * never ends by itself: it returns 1, TCPS_SOURCE_IDLE when no packet is
 * ready now (wait with tcps_source_wait()), or TCPS_E_IO + errbuf (e.g. the
 * interface went down).
 */
int tcps_source_next(struct tcps_source *s, struct tcps_packet *pkt, char *errbuf);

/* Default snap length of a live capture: every header and TCP option of
 * the deepest stack the decoder reads (Linux SLL2 20 + 2 VLAN tags 8 +
 * IPv6 40 + extension headers + TCP 60), plus a little payload. */
#define TCPS_LIVE_SNAPLEN_DEFAULT 192
#define TCPS_SOURCE_IDLE 2     /* tcps_source_next on a live source: no packet ready now */

struct tcps_live_options {
	uint32_t snaplen;      /* bytes kept per packet; 0: TCPS_LIVE_SNAPLEN_DEFAULT */
	uint32_t buffer_kib;   /* kernel buffer in KiB (tcpdump -B); 0: libpcap's default */
	bool no_promisc;       /* tcpdump -p */
};

/*
 * Opens device for live capture ("any": all interfaces, Linux cooked
 * capture): promiscuous unless o->no_promisc, immediate delivery, nanosecond
 * timestamps where the device has them (else microseconds, converted), then
 * non-blocking. o may be NULL (all defaults). device is borrowed until
 * tcps_source_close(). Returns TCPS_OK and sets *out, or TCPS_E_PERM,
 * TCPS_E_NODEV, TCPS_E_BADARG or TCPS_E_IO with errbuf telling the user what
 * to do. libpcap's warnings are not errors: see tcps_source_warning().
 */
int tcps_source_open_live(struct tcps_source **out, const char *device, const struct tcps_live_options *o,
			  char *errbuf) TCPS_WARN_UNUSED_RESULT;

/* The warning libpcap gave when the capture started, e.g. that the device
 * cannot be made promiscuous; NULL when none (and for files). */
const char *tcps_source_warning(const struct tcps_source *s);

/* True for a source opened with tcps_source_open_live(). */
bool tcps_source_is_live(const struct tcps_source *s);

/*
 * Waits up to timeout_ms (-1: no limit) for a live source to have packets.
 * Returns 1 when it has (or has an error for tcps_source_next() to report),
 * 0 on timeout or when a signal interrupted the wait (the caller checks its
 * own flag), or TCPS_E_IO + errbuf. On a file source returns 1 at once.
 */
int tcps_source_wait(struct tcps_source *s, int timeout_ms, char *errbuf);

/* Capture counters of a live source since it was opened (pcap_stats):
 * packets that passed the filter, dropped by the kernel for want of buffer
 * space, and dropped by the interface. */
struct tcps_capture_stats {
	uint64_t received, dropped, if_dropped;
};

/* Fills *st. Call it at least once every 2^32 packets: libpcap counts in 32
 * bits, and the counters are widened from the difference between calls.
 * Returns TCPS_OK, TCPS_E_BADARG on a file source, or TCPS_E_IO + errbuf. */
int tcps_source_stats(struct tcps_source *s, struct tcps_capture_stats *st, char *errbuf);

/*
 * From now on, also writes every packet tcps_source_next() returns (except
 * those flagged filtered_out) to path ("-": standard output) as a pcap file
 * with the source's link type and snap length and nanosecond timestamps
 * (tcpdump -w). Works for file and live sources. Returns TCPS_OK,
 * TCPS_E_BADARG when a dump is already being written, or TCPS_E_IO + errbuf.
 */
int tcps_source_dump(struct tcps_source *s, const char *path, char *errbuf);

/* Writes out what the dump holds in its buffer (call it e.g. when a live
 * capture is idle, and before tcps_source_close() to learn of a write error,
 * which close cannot report). TCPS_OK also when no dump is open; TCPS_E_IO +
 * errbuf when a write failed. */
int tcps_source_flush_dump(struct tcps_source *s, char *errbuf);

/* An interface libpcap can capture on. description is NULL when it has none. */
struct tcps_device {
	const char *name, *description;
	bool up, running, loopback, wireless;
};

/* Calls cb for each interface libpcap can capture on, in its order
 * (tcpdump -D); d and its strings are valid during the call only. Returns
 * TCPS_OK (also when there are none) or TCPS_E_IO + errbuf. */
int tcps_source_list_devices(void (*cb)(void *ctx, const struct tcps_device *d), void *ctx, char *errbuf);

/* libpcap's version string, for --version. */
const char *tcps_libpcap_version(void);

/* Closes the source; NULL is a no-op. */
void tcps_source_close(struct tcps_source *s);

#endif
