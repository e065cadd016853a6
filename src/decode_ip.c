/* decode_ip.c - IPv4 (options, fragments, TSO) and IPv6 (extension headers, fragments, jumbograms) */
#include <string.h>
#include "decode.h"
#include "decode_int.h"

#define IPV6_MAX_EXT 16   /* longer chains are treated as malformed */

enum {
	IPPROTO_HOPOPTS_ = 0, IPPROTO_TCP_ = 6, IPPROTO_ROUTING_ = 43, IPPROTO_FRAGMENT_ = 44,
	IPPROTO_AH_ = 51, IPPROTO_DSTOPTS_ = 60, IPPROTO_MH_ = 135, IPPROTO_HIP_ = 139,
	IPPROTO_SHIM6_ = 140,
};

static void set_frag(struct decoder_out *o, uint8_t proto, uint32_t id, uint32_t offset, bool more,
		     struct cur data, uint32_t data_len)
{
	struct frag_piece *f = &o->frag;
	f->family = o->seg.family;
	memcpy(f->src, o->seg.src, 16);
	memcpy(f->dst, o->seg.dst, 16);
	f->vlan[0] = o->seg.vlan[0];
	f->vlan[1] = o->seg.vlan[1];
	f->nvlan = o->seg.nvlan;
	f->id = id;
	f->proto = proto;
	f->offset = offset;
	f->more = more;
	f->data = data;
	f->data_len = data_len;
}

enum dec_result dec_ipv4(struct cur c, uint32_t uncaptured, struct decoder_out *o)
{
	uint32_t on_wire = (uint32_t)c.len + uncaptured;
	uint8_t vhl, tos, ttl, proto;
	uint16_t tot, id, frag, sum;
	struct seg *s = &o->seg;

	if (on_wire < 20)
		return dec_malformed(o, TCPS_MAL_IPV4_BAD_LENGTH, "packet has %u bytes, too short for an IPv4 header",
				     on_wire);
	/* One check for the fixed header: the compiler then drops the ten
	 * per-field checks below, which cannot fail. */
	if (!cur_has(&c, 20) || !cur_u8(&c, &vhl) || !cur_u8(&c, &tos) || !cur_be16(&c, &tot) || !cur_be16(&c, &id) ||
	    !cur_be16(&c, &frag) || !cur_u8(&c, &ttl) || !cur_u8(&c, &proto) || !cur_be16(&c, &sum) ||
	    !cur_copy(&c, s->src, 4) || !cur_copy(&c, s->dst, 4))
		return dec_malformed(o, TCPS_MAL_IPV4_CUT, "capture ends inside the IPv4 header");
	on_wire -= 20;
	if (vhl >> 4 != 4)
		return dec_malformed(o, TCPS_MAL_IP_VERSION, "IP version %u where IPv4 was announced", vhl >> 4);
	unsigned hlen = (vhl & 0x0f) * 4u;
	if (hlen < 20)
		return dec_malformed(o, TCPS_MAL_IPV4_BAD_IHL, "IPv4 header length %u bytes, below 20", hlen);
	s->family = 4;
	s->ttl = ttl;
	s->ip_id = id;
	uint32_t total = tot;
	if (total == 0) {
		/* Linux TSO/BIG TCP writes 0 when the super-segment exceeds 64 KiB;
		 * like tcpdump, take the length the link reports. */
		s->tso = true;
		total = on_wire + 20;
	}
	if (total < hlen)
		return dec_malformed(o, TCPS_MAL_IPV4_BAD_LENGTH, "IPv4 total length %u below its header length %u",
				     total, hlen);
	if (total - 20 > on_wire)
		return dec_malformed(o, TCPS_MAL_IPV4_BEYOND_WIRE,
				     "IPv4 total length %u exceeds the %u bytes on the wire", total, on_wire + 20);
	if (!cur_skip(&c, hlen - 20))
		return dec_malformed(o, TCPS_MAL_IPV4_CUT, "capture ends inside the IPv4 options");
	uint32_t payload_len = total - hlen;
	cur_limit(&c, payload_len); /* drop Ethernet padding */

	bool more = frag & 0x2000;
	uint32_t offset = (frag & 0x1fffu) * 8;
	if (more || offset) {
		set_frag(o, proto, id, offset, more, c, payload_len);
		return DEC_FRAGMENT;
	}
	return tcps_decode_l4(proto, c, payload_len, o);
}

/* RFC 2675 jumbo payload option in a hop-by-hop header: returns its length or 0. */
static uint32_t jumbo_length(struct cur hbh)
{
	uint8_t nh, hl;
	if (!cur_u8(&hbh, &nh) || !cur_u8(&hbh, &hl))
		return 0;
	cur_limit(&hbh, (hl + 1u) * 8 - 2);
	while (hbh.len) {
		uint8_t type, len;
		uint32_t v;
		if (!cur_u8(&hbh, &type))
			break;
		if (type == 0) /* Pad1 */
			continue;
		if (!cur_u8(&hbh, &len))
			break;
		if (type == 0xc2 && len == 4 && cur_be32(&hbh, &v))
			return v;
		if (!cur_skip(&hbh, len))
			break;
	}
	return 0;
}

enum dec_result dec_ipv6(struct cur c, uint32_t uncaptured, struct decoder_out *o)
{
	uint32_t on_wire = (uint32_t)c.len + uncaptured;
	uint32_t vtf;
	uint16_t plen;
	uint8_t next, hops;
	struct seg *s = &o->seg;

	if (on_wire < 40)
		return dec_malformed(o, TCPS_MAL_IPV6_BEYOND_WIRE, "packet has %u bytes, too short for an IPv6 header",
				     on_wire);
	if (!cur_has(&c, 40) || !cur_be32(&c, &vtf) || !cur_be16(&c, &plen) || !cur_u8(&c, &next) || !cur_u8(&c, &hops) ||
	    !cur_copy(&c, s->src, 16) || !cur_copy(&c, s->dst, 16))
		return dec_malformed(o, TCPS_MAL_IPV6_CUT, "capture ends inside the IPv6 header");
	on_wire -= 40;
	if (vtf >> 28 != 6)
		return dec_malformed(o, TCPS_MAL_IP_VERSION, "IP version %u where IPv6 was announced", vtf >> 28);
	s->family = 6;
	s->ttl = hops;
	uint32_t left = plen;
	if (plen == 0) {
		/* A jumbogram (RFC 2675) or an offloaded super-segment: trust the
		 * jumbo option if there is one, else the link length. */
		uint32_t j = next == IPPROTO_HOPOPTS_ ? jumbo_length(c) : 0;
		left = j ? j : on_wire;
		s->tso = true;
	}
	if (left > on_wire)
		return dec_malformed(o, TCPS_MAL_IPV6_BEYOND_WIRE,
				     "IPv6 payload length %u exceeds the %u bytes on the wire", left, on_wire);
	cur_limit(&c, left);

	for (int n = 0;; n++) {
		uint8_t nh, hl;
		uint32_t ext;
		switch (next) {
		case IPPROTO_HOPOPTS_: case IPPROTO_ROUTING_: case IPPROTO_DSTOPTS_:
		case IPPROTO_MH_: case IPPROTO_HIP_: case IPPROTO_SHIM6_: case IPPROTO_AH_:
		case IPPROTO_FRAGMENT_:
			break;
		default:
			return tcps_decode_l4(next, c, left, o);
		}
		if (n == IPV6_MAX_EXT)
			return dec_malformed(o, TCPS_MAL_IPV6_EXT_BAD, "more than %d IPv6 extension headers",
					     IPV6_MAX_EXT);
		if (left < 8)
			return dec_malformed(o, TCPS_MAL_IPV6_EXT_BAD,
					     "IPv6 extension header %u runs past the payload length", next);
		if (!cur_peek_u8(&c, 0, &nh) || !cur_peek_u8(&c, 1, &hl))
			return dec_malformed(o, TCPS_MAL_IPV6_CUT, "capture ends inside an IPv6 extension header");
		if (next == IPPROTO_FRAGMENT_)
			ext = 8;
		else if (next == IPPROTO_AH_)
			ext = (hl + 2u) * 4; /* RFC 4302: in 4-byte words, minus 2 */
		else
			ext = (hl + 1u) * 8; /* RFC 8200: in 8-byte units, not counting the first */
		if (ext > left)
			return dec_malformed(o, TCPS_MAL_IPV6_EXT_BAD,
					     "IPv6 extension header %u of %u bytes runs past the payload length %u",
					     next, ext, left);
		if (next == IPPROTO_FRAGMENT_) {
			uint16_t offflag;
			uint32_t id;
			struct cur f = c;
			if (!cur_skip(&f, 2) || !cur_be16(&f, &offflag) || !cur_be32(&f, &id))
				return dec_malformed(o, TCPS_MAL_IPV6_CUT, "capture ends inside the IPv6 fragment header");
			c = f;
			left -= 8;
			s->ip_id = id;
			uint32_t offset = offflag & 0xfff8u;
			bool more = offflag & 1;
			if (offset || more) {
				set_frag(o, nh, id, offset, more, c, left);
				return DEC_FRAGMENT;
			}
			next = nh; /* atomic fragment (RFC 6946): just a header */
			continue;
		}
		if (!cur_skip(&c, ext))
			return dec_malformed(o, TCPS_MAL_IPV6_CUT, "capture ends inside an IPv6 extension header");
		left -= ext;
		next = nh;
	}
}
