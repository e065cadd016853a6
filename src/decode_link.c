/* decode_link.c - link layers: Ethernet (VLAN, MPLS, PPPoE), Linux SLL/SLL2, NULL/LOOP, raw IP */
#include <stdio.h>
#include <string.h>
#include "decode.h"
#include "decode_int.h"

enum {
	ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86dd, ETH_VLAN = 0x8100, ETH_QINQ = 0x88a8,
	ETH_QINQ_OLD1 = 0x9100, ETH_QINQ_OLD2 = 0x9200, ETH_MPLS_UC = 0x8847,
	ETH_MPLS_MC = 0x8848, ETH_PPPOE_SESS = 0x8864,
};

#define MPLS_MAX_LABELS 16

enum dec_result dec_malformed(struct decoder_out *o, enum tcps_malformed why, const char *fmt, ...)
{
	va_list ap;
	o->why = why;
	va_start(ap, fmt);
	vsnprintf(o->detail, sizeof o->detail, fmt, ap);
	va_end(ap);
	return DEC_MALFORMED;
}

/* Picks IPv4 or IPv6 from the version nibble, for links that do not say
 * (MPLS, raw IP). */
static enum dec_result by_version(struct cur c, uint32_t uncaptured, struct decoder_out *o)
{
	uint8_t b;
	if (!cur_peek_u8(&c, 0, &b))
		return dec_malformed(o, TCPS_MAL_LINK_CUT, "no IP header after the link header");
	switch (b >> 4) {
	case 4: return dec_ipv4(c, uncaptured, o);
	case 6: return dec_ipv6(c, uncaptured, o);
	default: return DEC_NOT_TCP;
	}
}

/* Follows an EtherType through VLAN tags, MPLS labels and PPPoE to IP. */
static enum dec_result by_ethertype(uint16_t type, struct cur c, uint32_t uncaptured,
				    struct decoder_out *o)
{
	for (;;) {
		switch (type) {
		case ETH_IPV4:
			return dec_ipv4(c, uncaptured, o);
		case ETH_IPV6:
			return dec_ipv6(c, uncaptured, o);
		case ETH_VLAN:
		case ETH_QINQ:
		case ETH_QINQ_OLD1:
		case ETH_QINQ_OLD2: {
			uint16_t tci;
			if (!cur_be16(&c, &tci) || !cur_be16(&c, &type))
				return dec_malformed(o, TCPS_MAL_LINK_CUT, "capture ends inside a VLAN tag");
			if (o->seg.nvlan >= TCPS_MAX_VLAN)
				return dec_malformed(o, TCPS_MAL_VLAN_DEPTH,
						     "more than %d stacked VLAN tags", TCPS_MAX_VLAN);
			/* Zeek keys on the outer two ids (vlan, inner_vlan). */
			if (o->seg.nvlan < 2)
				o->seg.vlan[o->seg.nvlan] = tci & 0x0fff;
			o->seg.nvlan++;
			continue;
		}
		case ETH_MPLS_UC:
		case ETH_MPLS_MC:
			for (int i = 0;; i++) {
				uint32_t lse;
				if (i == MPLS_MAX_LABELS)
					return dec_malformed(o, TCPS_MAL_MPLS_DEPTH,
							     "MPLS stack of %d labels has no bottom", i);
				if (!cur_be32(&c, &lse))
					return dec_malformed(o, TCPS_MAL_LINK_CUT, "capture ends inside an MPLS label");
				if (lse & 0x100) /* bottom of stack */
					break;
			}
			/* The payload type is not in MPLS: guess from the first nibble, as
			 * tcpdump does. An Ethernet pseudowire lands in NOT_TCP. */
			return by_version(c, uncaptured, o);
		case ETH_PPPOE_SESS: {
			uint16_t ppp;
			if (!cur_skip(&c, 6) || !cur_be16(&c, &ppp))
				return dec_malformed(o, TCPS_MAL_LINK_CUT, "capture ends inside a PPPoE header");
			if (ppp == 0x0021)
				return dec_ipv4(c, uncaptured, o);
			if (ppp == 0x0057)
				return dec_ipv6(c, uncaptured, o);
			return DEC_NOT_TCP;
		}
		default:
			return DEC_NOT_TCP; /* ARP, LLC lengths, anything else */
		}
	}
}

static enum dec_result link_ethernet(struct cur c, uint32_t uncaptured, struct decoder_out *o)
{
	uint16_t type;
	if (!cur_skip(&c, 12) || !cur_be16(&c, &type))
		return dec_malformed(o, TCPS_MAL_LINK_CUT, "capture ends inside the Ethernet header (%zu of 14 bytes)",
				     c.len);
	return by_ethertype(type, c, uncaptured, o);
}

/* Linux cooked capture v1: 16 bytes, protocol last (pcap-linktype(7)). */
static enum dec_result link_sll(struct cur c, uint32_t uncaptured, struct decoder_out *o)
{
	uint16_t proto;
	if (!cur_skip(&c, 14) || !cur_be16(&c, &proto))
		return dec_malformed(o, TCPS_MAL_LINK_CUT, "capture ends inside the Linux cooked (SLL) header");
	return by_ethertype(proto, c, uncaptured, o);
}

/* Linux cooked capture v2: 20 bytes, protocol first. */
static enum dec_result link_sll2(struct cur c, uint32_t uncaptured, struct decoder_out *o)
{
	uint16_t proto;
	if (!cur_be16(&c, &proto) || !cur_skip(&c, 18))
		return dec_malformed(o, TCPS_MAL_LINK_CUT, "capture ends inside the Linux cooked (SLL2) header");
	return by_ethertype(proto, c, uncaptured, o);
}

/* BSD loopback: a 4-byte address family, in the byte order of the machine
 * that captured (DLT_NULL) or network order (DLT_LOOP). AF_INET is 2
 * everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD),
 * 30 (Darwin). Both orders are tried so that a capture from any host reads. */
static enum dec_result link_null(struct cur c, uint32_t uncaptured, struct decoder_out *o)
{
	uint32_t le;
	struct cur peek = c;
	if (!cur_le32(&peek, &le))
		return dec_malformed(o, TCPS_MAL_LINK_CUT, "capture ends inside the loopback header");
	uint32_t be = (le >> 24) | ((le >> 8) & 0xff00) | ((le << 8) & 0xff0000) | (le << 24);
	uint32_t af = le < 256 ? le : be;
	cur_skip(&c, 4);
	switch (af) {
	case 2: return dec_ipv4(c, uncaptured, o);
	case 10: case 24: case 28: case 30: return dec_ipv6(c, uncaptured, o);
	default: return DEC_NOT_TCP;
	}
}

static enum dec_result link_raw(struct cur c, uint32_t uncaptured, struct decoder_out *o)
{
	return by_version(c, uncaptured, o);
}

static enum dec_result link_ipv4(struct cur c, uint32_t uncaptured, struct decoder_out *o)
{
	return dec_ipv4(c, uncaptured, o);
}

static enum dec_result link_ipv6(struct cur c, uint32_t uncaptured, struct decoder_out *o)
{
	return dec_ipv6(c, uncaptured, o);
}

/* Link type -> decoder (tcpdump's printers[] table). */
static const struct {
	int linktype;
	enum dec_result (*fn)(struct cur, uint32_t, struct decoder_out *);
} link_table[] = {
	{ TCPS_LINK_NULL, link_null },
	{ TCPS_LINK_ETHERNET, link_ethernet },
	{ TCPS_LINK_RAW_DLT, link_raw },
	{ TCPS_LINK_RAW_DLT_OBSD, link_raw },
	{ TCPS_LINK_RAW, link_raw },
	{ TCPS_LINK_LOOP, link_null },
	{ TCPS_LINK_LINUX_SLL, link_sll },
	{ TCPS_LINK_IPV4, link_ipv4 },
	{ TCPS_LINK_IPV6, link_ipv6 },
	{ TCPS_LINK_LINUX_SLL2, link_sll2 },
};

bool tcps_linktype_supported(int linktype)
{
	for (size_t i = 0; i < sizeof link_table / sizeof link_table[0]; i++)
		if (link_table[i].linktype == linktype)
			return true;
	return false;
}

enum dec_result tcps_decode_packet(int linktype, const uint8_t *bytes, uint32_t caplen,
				   uint32_t wirelen, struct decoder_out *o)
{
	/* Reset what every path reads; the rest is written before it is read
	 * (options only on DEC_TCP, fragment data only on DEC_FRAGMENT). */
	o->seg.nvlan = 0;
	o->seg.vlan[0] = o->seg.vlan[1] = 0;
	o->seg.tso = o->seg.reassembled = false;
	memset(o->seg.src, 0, sizeof o->seg.src);
	memset(o->seg.dst, 0, sizeof o->seg.dst);
	o->why = TCPS_MAL_NONE;
	o->detail[0] = '\0';
	if (caplen == 0)
		return dec_malformed(o, TCPS_MAL_EMPTY_RECORD, "record holds no captured bytes (wire length %u)", wirelen);
	/* Bytes that were on the wire but not captured: a header that claims
	 * them is truncated, not lying. */
	uint32_t uncaptured = wirelen > caplen ? wirelen - caplen : 0;
	struct cur c = cur_make(bytes, caplen);
	for (size_t i = 0; i < sizeof link_table / sizeof link_table[0]; i++)
		if (link_table[i].linktype == linktype)
			return link_table[i].fn(c, uncaptured, o);
	return DEC_UNSUPPORTED_LINK;
}
