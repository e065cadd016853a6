/* test_decode.c - link, IP and TCP decoding, truncation versus malformation */
#include <stdlib.h>
#include <string.h>
#include "decode.h"
#include "pktbuild.h"
#include "suites.h"

static struct decoder_out out;

static const uint8_t syn_opts[] = {
	2, 4, 0x05, 0xb4,             /* MSS 1460 */
	4, 2,                         /* SACK permitted */
	8, 10, 0, 0, 0, 1, 0, 0, 0, 0, /* TS val 1 ecr 0 */
	1,                            /* NOP */
	3, 3, 7,                      /* wscale 7 */
};

static struct pkt_spec spec4(void)
{
	struct pkt_spec s = { .family = 4, .src = "192.0.2.1", .dst = "198.51.100.2", .sport = 40000,
			      .dport = 80, .seq = 1000, .ack = 0, .flags = TH_SYN, .win = 64240,
			      .opts = syn_opts, .optlen = sizeof syn_opts };
	return s;
}

/* Decodes a copy in a heap block of exactly caplen bytes (ASan sees overruns). */
static enum dec_result decode_exact(int lt, const uint8_t *b, uint32_t caplen, uint32_t wirelen)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	memcpy(copy, b, caplen);
	enum dec_result r = tcps_decode_packet(lt, copy, caplen, wirelen, &out);
	free(copy);
	return r;
}

static void test_ipv4_syn_fields(void)
{
	uint8_t b[2048];
	struct pkt_spec s = spec4();
	size_t n = pb_ether(b, &s);
	CU_ASSERT_EQUAL_FATAL(decode_exact(TCPS_LINK_ETHERNET, b, (uint32_t)n, (uint32_t)n), DEC_TCP);
	const struct seg *g = &out.seg;
	CU_ASSERT_EQUAL(g->family, 4);
	CU_ASSERT_EQUAL(g->src[0], 192);
	CU_ASSERT_EQUAL(g->dst[3], 2);
	CU_ASSERT_EQUAL(g->sport, 40000);
	CU_ASSERT_EQUAL(g->dport, 80);
	CU_ASSERT_EQUAL(g->seq, 1000);
	CU_ASSERT_EQUAL(g->flags, TH_SYN);
	CU_ASSERT_EQUAL(g->win, 64240);
	CU_ASSERT_EQUAL(g->hdr_len, 40);
	CU_ASSERT_EQUAL(g->payload_len, 0);
	CU_ASSERT_FALSE(g->truncated);
	CU_ASSERT_EQUAL(g->opt.err, TCPOPT_OK);
	CU_ASSERT_TRUE(g->opt.has_mss && g->opt.mss == 1460);
	CU_ASSERT_TRUE(g->opt.sack_perm);
	CU_ASSERT_TRUE(g->opt.has_ts && g->opt.tsval == 1 && g->opt.tsecr == 0);
	CU_ASSERT_TRUE(g->opt.has_wscale && g->opt.wscale == 7);
	CU_ASSERT_EQUAL(g->opt.n, 5);
	CU_ASSERT_EQUAL(g->opt.kinds[3], TCPOPT_NOP);
}

/* Every cut of a valid frame gives the right verdict for where it is cut:
 * inside the link, IP or TCP header it is malformed "*_cut"; inside the
 * payload it is a truncated segment whose length still comes from IP. */
static void test_every_truncation(void)
{
	uint8_t b[2048];
	struct pkt_spec s = spec4();
	s.flags = TH_ACK | TH_PSH;
	s.payload = 100;
	uint32_t n = (uint32_t)pb_ether(b, &s);
	for (uint32_t cap = 0; cap < n; cap++) {
		enum dec_result r = decode_exact(TCPS_LINK_ETHERNET, b, cap, n);
		if (cap == 0) {
			CU_ASSERT_EQUAL(out.why, TCPS_MAL_EMPTY_RECORD);
		} else if (cap < 14) {
			CU_ASSERT_EQUAL(out.why, TCPS_MAL_LINK_CUT);
		} else if (cap < 34) {
			CU_ASSERT_EQUAL(out.why, TCPS_MAL_IPV4_CUT);
		} else if (cap < 34 + 20) {
			CU_ASSERT_EQUAL(out.why, TCPS_MAL_TCP_CUT);
		} else {
			/* From the fixed TCP header on, the segment is usable. */
			CU_ASSERT_EQUAL(r, DEC_TCP);
			CU_ASSERT_TRUE(out.seg.truncated);
			CU_ASSERT_EQUAL(out.seg.payload_len, 100);
			CU_ASSERT_EQUAL(out.seg.payload_cap, cap < 74 ? 0 : cap - 74);
			CU_ASSERT_EQUAL(out.seg.opt_cut, cap < 74);
			CU_ASSERT_EQUAL(out.seg.opt.err, TCPOPT_OK);
			CU_ASSERT_EQUAL(out.seg.seq, 1000);
		}
		if (cap < 54) {
			CU_ASSERT_EQUAL(r, DEC_MALFORMED);
		}
	}
	/* The same cuts on IPv6. */
	s.family = 6;
	s.src = "2001:db8::1";
	s.dst = "2001:db8::2";
	n = (uint32_t)pb_ether(b, &s);
	for (uint32_t cap = 14; cap < n; cap++) {
		enum dec_result r = decode_exact(TCPS_LINK_ETHERNET, b, cap, n);
		if (cap < 54) {
			CU_ASSERT_EQUAL(out.why, TCPS_MAL_IPV6_CUT);
		} else if (cap < 74) {
			CU_ASSERT_EQUAL(out.why, TCPS_MAL_TCP_CUT);
		} else {
			CU_ASSERT_TRUE(r == DEC_TCP && out.seg.payload_len == 100 && out.seg.truncated == (cap < n));
		}
	}
}

static void test_padding_is_not_payload(void)
{
	uint8_t b[2048];
	struct pkt_spec s = spec4();
	s.flags = TH_ACK;
	s.opts = NULL;
	s.optlen = 0;
	s.eth_pad = 6; /* 14 + 20 + 20 + 6 = 60, Ethernet's minimum */
	uint32_t n = (uint32_t)pb_ether(b, &s);
	CU_ASSERT_EQUAL(n, 60);
	CU_ASSERT_EQUAL_FATAL(decode_exact(TCPS_LINK_ETHERNET, b, n, n), DEC_TCP);
	CU_ASSERT_EQUAL(out.seg.payload_len, 0);
	CU_ASSERT_EQUAL(out.seg.payload_cap, 0);
}

/* Header fields that lie are malformed, each with its own reason. */
static void test_lying_headers(void)
{
	uint8_t b[2048];
	struct pkt_spec s = spec4();
	s.opts = NULL;
	s.optlen = 0;
	s.payload = 10;
	uint32_t n = (uint32_t)pb_ether(b, &s);
	uint8_t *ip = b + 14, *tcp = b + 34;

	ip[0] = 0x44; /* IHL 16 bytes */
	CU_ASSERT_EQUAL(decode_exact(1, b, n, n), DEC_MALFORMED);
	CU_ASSERT_EQUAL(out.why, TCPS_MAL_IPV4_BAD_IHL);
	ip[0] = 0x55;
	CU_ASSERT_EQUAL(decode_exact(1, b, n, n), DEC_MALFORMED);
	CU_ASSERT_EQUAL(out.why, TCPS_MAL_IP_VERSION);
	ip[0] = 0x45;

	ip[2] = 0x01; /* total length 256+50 > the 50 bytes on the wire */
	CU_ASSERT_EQUAL(decode_exact(1, b, n, n), DEC_MALFORMED);
	CU_ASSERT_EQUAL(out.why, TCPS_MAL_IPV4_BEYOND_WIRE);
	/* ... but the same length with a wire length to match is a snap-length cut. */
	CU_ASSERT_EQUAL(decode_exact(1, b, n, n + 256), DEC_TCP);
	CU_ASSERT_TRUE(out.seg.truncated);
	CU_ASSERT_EQUAL(out.seg.payload_len, 266);
	ip[2] = 0;
	ip[3] = 10; /* total length below the header */
	CU_ASSERT_EQUAL(decode_exact(1, b, n, n), DEC_MALFORMED);
	CU_ASSERT_EQUAL(out.why, TCPS_MAL_IPV4_BAD_LENGTH);
	ip[3] = 0; /* total length 0: TSO super-segment, length from the link */
	CU_ASSERT_EQUAL(decode_exact(1, b, n, n), DEC_TCP);
	CU_ASSERT_TRUE(out.seg.tso);
	CU_ASSERT_EQUAL(out.seg.payload_len, 10);
	ip[3] = 50;

	tcp[12] = 0x40; /* data offset 16 bytes */
	CU_ASSERT_EQUAL(decode_exact(1, b, n, n), DEC_MALFORMED);
	CU_ASSERT_EQUAL(out.why, TCPS_MAL_TCP_BAD_DOFF);
	tcp[12] = 0xf0; /* data offset 60 bytes > the 30-byte segment */
	CU_ASSERT_EQUAL(decode_exact(1, b, n, n), DEC_MALFORMED);
	CU_ASSERT_EQUAL(out.why, TCPS_MAL_TCP_DOFF_BEYOND);
	tcp[12] = 0x50;

	ip[3] = 20 + 12; /* IP payload shorter than a TCP header */
	CU_ASSERT_EQUAL(decode_exact(1, b, n, n), DEC_MALFORMED);
	CU_ASSERT_EQUAL(out.why, TCPS_MAL_TCP_SHORT);
	ip[3] = 50;
	ip[9] = 17; /* UDP */
	CU_ASSERT_EQUAL(decode_exact(1, b, n, n), DEC_NOT_TCP);
	CU_ASSERT_EQUAL(decode_exact(147, b, n, n), DEC_UNSUPPORTED_LINK);
}

static void test_vlan_stack_and_mpls(void)
{
	uint8_t b[2048];
	struct pkt_spec s = spec4();
	s.nvlan = 2;
	s.vlan[0] = 100;
	s.vlan[1] = 200;
	uint32_t n = (uint32_t)pb_ether(b, &s);
	CU_ASSERT_EQUAL_FATAL(decode_exact(1, b, n, n), DEC_TCP);
	CU_ASSERT_EQUAL(out.seg.nvlan, 2);
	CU_ASSERT_EQUAL(out.seg.vlan[0], 100);
	CU_ASSERT_EQUAL(out.seg.vlan[1], 200);

	/* Nine tags: deeper than any network stacks them. */
	uint8_t deep[2048];
	memcpy(deep, b, 12);
	size_t off = 12;
	for (int i = 0; i < 9; i++) {
		deep[off] = 0x81, deep[off + 1] = 0, deep[off + 2] = 0, deep[off + 3] = (uint8_t)i;
		off += 4;
	}
	memcpy(deep + off, b + 20, n - 20);
	CU_ASSERT_EQUAL(decode_exact(1, deep, (uint32_t)(off + n - 20), (uint32_t)(off + n - 20)), DEC_MALFORMED);
	CU_ASSERT_EQUAL(out.why, TCPS_MAL_VLAN_DEPTH);

	/* MPLS: two labels, the second with bottom of stack, then IPv4. */
	s.nvlan = 0;
	n = (uint32_t)pb_ether(b, &s);
	uint8_t m[2048];
	memcpy(m, b, 12);
	m[12] = 0x88, m[13] = 0x47;
	static const uint8_t labels[] = { 0, 0x10, 0x00, 0x40, 0, 0x20, 0x01, 0x40 };
	memcpy(m + 14, labels, 8);
	memcpy(m + 22, b + 14, n - 14);
	CU_ASSERT_EQUAL(decode_exact(1, m, n + 8, n + 8), DEC_TCP);
	CU_ASSERT_EQUAL(out.seg.sport, 40000);
	m[20] = 0; /* no bottom of stack: the labels run into the IP header */
	CU_ASSERT_NOT_EQUAL(decode_exact(1, m, n + 8, n + 8), DEC_TCP);
}

/* The same datagram behind each supported link header. */
static void test_link_types(void)
{
	uint8_t ip[2048], b[2100];
	struct pkt_spec s = spec4();
	uint32_t n = (uint32_t)pb_ip(ip, &s);

	CU_ASSERT_EQUAL(decode_exact(TCPS_LINK_RAW, ip, n, n), DEC_TCP);
	CU_ASSERT_EQUAL(decode_exact(TCPS_LINK_RAW_DLT, ip, n, n), DEC_TCP);
	CU_ASSERT_EQUAL(decode_exact(TCPS_LINK_IPV4, ip, n, n), DEC_TCP);
	CU_ASSERT_EQUAL(decode_exact(TCPS_LINK_IPV6, ip, n, n), DEC_MALFORMED);
	CU_ASSERT_EQUAL(out.why, TCPS_MAL_IP_VERSION);

	memset(b, 0, 16); /* SLL: protocol in bytes 14-15 */
	b[14] = 0x08;
	memcpy(b + 16, ip, n);
	CU_ASSERT_EQUAL(decode_exact(TCPS_LINK_LINUX_SLL, b, n + 16, n + 16), DEC_TCP);
	memset(b, 0, 20); /* SLL2: protocol first */
	b[0] = 0x08;
	memcpy(b + 20, ip, n);
	CU_ASSERT_EQUAL(decode_exact(TCPS_LINK_LINUX_SLL2, b, n + 20, n + 20), DEC_TCP);

	static const uint8_t af_le[4] = { 2, 0, 0, 0 }, af_be[4] = { 0, 0, 0, 2 };
	memcpy(b, af_le, 4);
	memcpy(b + 4, ip, n);
	CU_ASSERT_EQUAL(decode_exact(TCPS_LINK_NULL, b, n + 4, n + 4), DEC_TCP);
	memcpy(b, af_be, 4);
	CU_ASSERT_EQUAL(decode_exact(TCPS_LINK_NULL, b, n + 4, n + 4), DEC_TCP);
	CU_ASSERT_EQUAL(decode_exact(TCPS_LINK_LOOP, b, n + 4, n + 4), DEC_TCP);

	s.family = 6;
	s.src = "2001:db8::1";
	s.dst = "2001:db8::2";
	n = (uint32_t)pb_ip(ip, &s);
	CU_ASSERT_EQUAL(decode_exact(TCPS_LINK_IPV6, ip, n, n), DEC_TCP);
	CU_ASSERT_EQUAL(out.seg.family, 6);
	CU_ASSERT_EQUAL(out.seg.src[15], 1);
	static const uint8_t af6[4] = { 30, 0, 0, 0 }; /* Darwin's AF_INET6 */
	memcpy(b, af6, 4);
	memcpy(b + 4, ip, n);
	CU_ASSERT_EQUAL(decode_exact(TCPS_LINK_NULL, b, n + 4, n + 4), DEC_TCP);
}

/* IPv6 with hop-by-hop, destination options and a routing header. */
static void test_ipv6_extension_headers(void)
{
	uint8_t ip[2048], b[2200];
	struct pkt_spec s = spec4();
	s.family = 6;
	s.src = "2001:db8::1";
	s.dst = "2001:db8::2";
	uint32_t n = (uint32_t)pb_ip(ip, &s);
	uint32_t tcp_len = n - 40;
	memcpy(b, ip, 40);
	b[6] = 0; /* hop-by-hop */
	uint8_t *e = b + 40;
	memset(e, 0, 40);
	e[0] = 60, e[1] = 0;                   /* HBH, 8 bytes, next: dest opts */
	e[8] = 43, e[9] = 1;                   /* dest opts, 16 bytes, next: routing */
	e[24] = 6, e[25] = 1, e[26] = 4;       /* routing type 4, 16 bytes, next: TCP */
	memcpy(b + 80, ip + 40, tcp_len);
	b[4] = (uint8_t)((40 + tcp_len) >> 8);
	b[5] = (uint8_t)(40 + tcp_len);
	uint32_t total = 80 + tcp_len;
	CU_ASSERT_EQUAL_FATAL(decode_exact(TCPS_LINK_IPV6, b, total, total), DEC_TCP);
	CU_ASSERT_EQUAL(out.seg.sport, 40000);
	CU_ASSERT_EQUAL(out.seg.hdr_len, 40);
	e[25] = 200; /* dest opts claim 1608 bytes */
	CU_ASSERT_EQUAL(decode_exact(TCPS_LINK_IPV6, b, total, total), DEC_MALFORMED);
	CU_ASSERT_EQUAL(out.why, TCPS_MAL_IPV6_EXT_BAD);
	e[25] = 1;
	b[5] += 100; /* payload length beyond the wire */
	CU_ASSERT_EQUAL(decode_exact(TCPS_LINK_IPV6, b, total, total), DEC_MALFORMED);
	CU_ASSERT_EQUAL(out.why, TCPS_MAL_IPV6_BEYOND_WIRE);
}

static void parse_opts(const uint8_t *o, size_t n, struct tcp_opts *r)
{
	uint8_t *copy = malloc(n ? n : 1);
	memcpy(copy, o, n);
	tcps_decode_tcp_options(cur_make(copy, n), r);
	free(copy);
}

static void test_options(void)
{
	struct tcp_opts o;
	static const uint8_t sack[] = { 1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40 };
	parse_opts(sack, sizeof sack, &o);
	CU_ASSERT_EQUAL(o.err, TCPOPT_OK);
	CU_ASSERT_EQUAL(o.nsack, 2);
	CU_ASSERT_EQUAL(o.sack[1][0], 30);
	CU_ASSERT_EQUAL(o.sack[1][1], 40);

	static const uint8_t tfo[] = { 34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 30, 4, 0x10, 0, 99, 4, 0, 0 };
	parse_opts(tfo, sizeof tfo, &o);
	CU_ASSERT_EQUAL(o.err, TCPOPT_OK);
	CU_ASSERT_TRUE(o.has_tfo);
	CU_ASSERT_EQUAL(o.tfo_cookie_len, 8);
	CU_ASSERT_TRUE(o.has_mptcp);
	CU_ASSERT_EQUAL(o.mptcp_subtype, 1);
	CU_ASSERT_EQUAL(o.unknown, 1);
	CU_ASSERT_EQUAL(o.n, 3);

	static const uint8_t exp_tfo[] = { 254, 4, 0xf9, 0x89 };
	parse_opts(exp_tfo, sizeof exp_tfo, &o);
	CU_ASSERT_TRUE(o.has_tfo && o.tfo_cookie_len == 0);

	static const uint8_t zero_len[] = { 2, 4, 5, 180, 8, 0, 1, 1 };
	parse_opts(zero_len, sizeof zero_len, &o);
	CU_ASSERT_EQUAL(o.err, TCPOPT_ERR_LEN_SHORT);
	CU_ASSERT_EQUAL(o.err_kind, 8);
	CU_ASSERT_TRUE(o.has_mss); /* what came before the bad option is kept */

	static const uint8_t past[] = { 1, 8, 10, 0, 0 };
	parse_opts(past, sizeof past, &o);
	CU_ASSERT_EQUAL(o.err, TCPOPT_ERR_LEN_PAST);
	static const uint8_t dangling[] = { 1, 2 };
	parse_opts(dangling, sizeof dangling, &o);
	CU_ASSERT_EQUAL(o.err, TCPOPT_ERR_LEN_PAST);

	static const uint8_t bad_mss[] = { 2, 5, 1, 2, 3, 0 };
	parse_opts(bad_mss, sizeof bad_mss, &o);
	CU_ASSERT_EQUAL(o.err, TCPOPT_ERR_BAD_SIZE);
	CU_ASSERT_FALSE(o.has_mss);

	static const uint8_t ws15[] = { 3, 3, 15, 0 };
	parse_opts(ws15, sizeof ws15, &o);
	CU_ASSERT_EQUAL(o.err, TCPOPT_ERR_WSCALE);
	CU_ASSERT_EQUAL(o.wscale, 15);

	static const uint8_t eol[] = { 1, 0, 2, 4, 5, 180 };
	parse_opts(eol, sizeof eol, &o);
	CU_ASSERT_EQUAL(o.n, 2);         /* nothing after EOL is read */
	CU_ASSERT_FALSE(o.has_mss);
}

/* Both parsers on the same bytes, from differently filled structs: the
 * results must be equal byte for byte (struct tcp_opts has no padding). */
static unsigned opts_differ(const uint8_t *b, size_t n)
{
	struct tcp_opts fast, ref;
	uint8_t *copy = malloc(n ? n : 1);
	memcpy(copy, b, n);
	memset(&fast, 0xaa, sizeof fast);
	memset(&ref, 0x55, sizeof ref);
	tcps_decode_tcp_options(cur_make(copy, n), &fast);
	tcps_decode_tcp_options_generic(cur_make(copy, n), &ref);
	free(copy);
	return memcmp(&fast, &ref, sizeof fast) != 0;
}

static void test_options_fast_paths(void)
{
	/* NOP NOP TS, and a Linux SYN: MSS, SACK-permitted, TS, NOP, WS */
	static const uint8_t ts[12] = { 1, 1, 8, 10, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 };
	static const uint8_t syn[20] = { 2, 4, 5, 180, 4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 3, 3, 7 };
	static const uint8_t vals[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 19, 20, 34, 0x7f, 0x80, 0xfe, 0xff };
	unsigned bad = 0;
	struct tcp_opts o;
	parse_opts(ts, sizeof ts, &o);
	CU_ASSERT_TRUE(o.has_ts && o.tsval == 0x12345678u && o.tsecr == 0x9abcdef0u && o.n == 3);
	parse_opts(syn, sizeof syn, &o);
	CU_ASSERT_TRUE(o.has_mss && o.mss == 1460 && o.sack_perm && o.has_ts && o.tsval == 0x01020304u &&
		       o.tsecr == 0x05060708u && o.has_wscale && o.wscale == 7 && o.n == 5 && o.err == TCPOPT_OK);
	/* every byte of each layout set to every interesting value, alone and
	 * cut short: each either takes the fast path or falls back, and both
	 * must agree with the general parser */
	const uint8_t *layouts[] = { ts, syn };
	const size_t lens[] = { sizeof ts, sizeof syn };
	for (int l = 0; l < 2; l++) {
		uint8_t b[20];
		for (size_t n = 0; n <= lens[l]; n++)
			bad += opts_differ(layouts[l], n);
		for (size_t i = 0; i < lens[l]; i++)
			for (size_t v = 0; v < sizeof vals; v++) {
				memcpy(b, layouts[l], lens[l]);
				b[i] = vals[v];
				bad += opts_differ(b, lens[l]);
			}
	}
	/* and random option areas of every length, biased to the option kinds */
	uint64_t rnd = 0x9e3779b97f4a7c15ULL;
	for (int k = 0; k < 20000; k++) {
		uint8_t b[40];
		size_t n = (size_t)(k % 41);
		for (size_t i = 0; i < n; i++) {
			rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
			b[i] = (rnd >> 32) % 3 ? vals[(rnd >> 8) % sizeof vals] : (uint8_t)rnd;
		}
		if (k % 3 == 0 && n >= 12)
			memcpy(b, n >= 20 ? syn : ts, n >= 20 ? 16 : 4); /* a fast-path prefix, odd tail */
		bad += opts_differ(b, n);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

int suite_decode(void)
{
	static const CU_TestInfo t[] = {
		{ "decode: IPv4 SYN fields and options", test_ipv4_syn_fields },
		{ "decode: every cut point of IPv4 and IPv6 frames; cut options keep the segment", test_every_truncation },
		{ "decode: Ethernet padding is not payload", test_padding_is_not_payload },
		{ "decode: lying length fields are malformed, each with its reason", test_lying_headers },
		{ "decode: stacked VLAN tags and MPLS labels", test_vlan_stack_and_mpls },
		{ "decode: raw, IPv4, IPv6, SLL, SLL2, NULL and LOOP links", test_link_types },
		{ "decode: IPv6 extension header chain", test_ipv6_extension_headers },
		{ "decode: TCP options, good and bad", test_options },
		{ "decode: the option fast paths agree with the general parser", test_options_fast_paths },
		CU_TEST_INFO_NULL,
	};
	return add_suite("decode", t);
}
