/* pktbuild.h - builds test packets byte by byte (Ethernet, VLAN, IPv4/IPv6, TCP) */
#ifndef TCPS_TEST_PKTBUILD_H
#define TCPS_TEST_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>

struct pkt_spec {
	int family;                  /* 4 or 6 (default 4) */
	const char *src, *dst;       /* textual addresses */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t flags;              /* TH_* */
	uint16_t win;
	const uint8_t *opts;         /* raw TCP option bytes, padded by the caller */
	size_t optlen;
	size_t payload;              /* payload bytes (filled with 'x') */
	uint16_t vlan[2];
	int nvlan;
	uint8_t eth_pad;             /* extra trailing bytes after the IP datagram */
	uint16_t ip_id;              /* IPv4 identification (0 by default) */
	uint8_t fill;                /* payload byte, 'x' when 0 */
};

/* Writes an Ethernet frame into out (at least 2048 bytes); returns its length. */
size_t pb_ether(uint8_t *out, const struct pkt_spec *s);

/* Writes a bare IP datagram (no link header); returns its length. */
size_t pb_ip(uint8_t *out, const struct pkt_spec *s);

#endif
