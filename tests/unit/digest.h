/* digest.h - FNV-1a digests of packets, to compare two reads of a capture */
#ifndef TCPS_TEST_DIGEST_H
#define TCPS_TEST_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include "tcpstate/tcpstate.h"

#define DIGEST_INIT 0xcbf29ce484222325ull

static inline void mix(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ull;
}

/* Mixes a packet's time, lengths and bytes into *h (not the struct: its
 * padding is undefined). */
static inline void mix_packet(uint64_t *h, const struct tcps_packet *p)
{
	mix(h, &p->ts.sec, sizeof p->ts.sec);
	mix(h, &p->ts.nsec, sizeof p->ts.nsec);
	mix(h, &p->caplen, sizeof p->caplen);
	mix(h, &p->wirelen, sizeof p->wirelen);
	mix(h, p->bytes, p->caplen);
}

#endif
