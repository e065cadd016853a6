/* pktbuild.c - builds test packets byte by byte */
#include <string.h>
#include <arpa/inet.h>
#include "pktbuild.h"

static void be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void be32(uint8_t *p, uint32_t v) { be16(p, (uint16_t)(v >> 16)); be16(p + 2, (uint16_t)v); }

static size_t tcp(uint8_t *p, const struct pkt_spec *s)
{
	size_t hl = 20 + s->optlen;
	memset(p, 0, hl);
	be16(p, s->sport);
	be16(p + 2, s->dport);
	be32(p + 4, s->seq);
	be32(p + 8, s->ack);
	be16(p + 12, (uint16_t)((hl / 4) << 12 | (s->flags & 0x1ff)));
	be16(p + 14, s->win);
	if (s->optlen)
		memcpy(p + 20, s->opts, s->optlen);
	memset(p + hl, s->fill ? s->fill : 'x', s->payload);
	return hl + s->payload;
}

size_t pb_ip(uint8_t *out, const struct pkt_spec *s)
{
	if (s->family == 6) {
		memset(out, 0, 40);
		out[0] = 0x60;
		out[6] = 6;
		out[7] = 64;
		inet_pton(AF_INET6, s->src, out + 8);
		inet_pton(AF_INET6, s->dst, out + 24);
		size_t n = tcp(out + 40, s);
		be16(out + 4, (uint16_t)n);
		return 40 + n;
	}
	memset(out, 0, 20);
	out[0] = 0x45;
	be16(out + 4, s->ip_id);
	out[8] = 64;
	out[9] = 6;
	inet_pton(AF_INET, s->src, out + 12);
	inet_pton(AF_INET, s->dst, out + 16);
	size_t n = tcp(out + 20, s);
	be16(out + 2, (uint16_t)(20 + n));
	return 20 + n;
}

size_t pb_ether(uint8_t *out, const struct pkt_spec *s)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	memcpy(out, macs, 12);
	size_t off = 12;
	for (int i = 0; i < s->nvlan; i++) {
		be16(out + off, i == 0 && s->nvlan > 1 ? 0x88a8 : 0x8100);
		be16(out + off + 2, s->vlan[i]);
		off += 4;
	}
	be16(out + off, s->family == 6 ? 0x86dd : 0x0800);
	off += 2;
	size_t n = pb_ip(out + off, s);
	memset(out + off + n, 0, s->eth_pad);
	return off + n + s->eth_pad;
}
