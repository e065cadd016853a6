/* fuzz_source.c - libFuzzer harness: arbitrary bytes as a capture file, read
 * by tcpstate's source and by libpcap alone, which must agree
 *
 * The bytes become a file (memfd) that tcps_source reads (its fast classic
 * pcap path, or libpcap for what that leaves) and that libpcap reads by
 * itself. Any difference in a packet's time, lengths or bytes, in the
 * packet count, in how the read ends or in its message aborts. Seeds: the
 * .pcap files under samples/. Build as fuzz_engine; run:
 * ./tests/fuzz/fuzz_source -max_total_time=60 corpus_dir
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "readout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-capture", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct readout lib, src;
	bool opened = readout_libpcap(path, &lib);
	readout_source(path, false, &src, NULL, NULL); /* (failing to open is a difference too) */
	close(fd);
	if (!opened || (size >= 2 && data[0] == 0x1f && data[1] == 0x8b))
		return 0; /* not a capture libpcap opens, or gzip (tcpstate's own) */
	if (src.n != lib.n || src.digest != lib.digest || src.end != lib.end || strcmp(src.err, lib.err)) {
		fprintf(stderr, "source: %u packets end %d \"%s\"; libpcap: %u end %d \"%s\"\n", src.n, src.end,
			src.err, lib.n, lib.end, lib.err);
		abort();
	}
	return 0;
}
