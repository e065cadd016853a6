/* readahead.h - a second thread that reads a capture ahead of the analysis */
#ifndef TCPS_READAHEAD_H
#define TCPS_READAHEAD_H

#include <stddef.h>
#include "tcpstate/tcpstate.h"

/*
 * The reader thread calls next(ctx, ...) (a source's own, single-threaded
 * read) and copies each packet into one of a few batches; the caller takes
 * them out in the same order with ra_next(). Reading (libpcap, stdio, zlib,
 * the BPF filter) and analysis then run on two cores, and the packets, their
 * numbers, the end of the capture and any error arrive exactly as a direct
 * read would give them: the output does not change.
 *
 * next must never block indefinitely (a file, not a pipe or an interface):
 * ra_stop waits for the call in progress.
 */
typedef int (*ra_read_fn)(void *ctx, struct tcps_packet *pkt, char *errbuf);

struct readahead;

/* Starts the thread. batch_bytes is the size of each batch (0: the default);
 * a packet larger than a batch gets a batch of its own size. Returns NULL
 * with errbuf filled when memory or a thread cannot be had. */
struct readahead *ra_start(ra_read_fn next, void *ctx, size_t batch_bytes, char *errbuf);

/* tcps_source_next's contract: 1 and *pkt (bytes valid until the next call),
 * 0 at the end, or the read's negative status with its errbuf. */
int ra_next(struct readahead *ra, struct tcps_packet *pkt, char *errbuf);

/* Stops the thread (even mid-capture) and frees everything. NULL: no-op. */
void ra_stop(struct readahead *ra);

#endif
