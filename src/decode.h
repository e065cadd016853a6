/* decode.h - link -> IP -> TCP decoding into a host-order segment */
#ifndef TCPS_DECODE_H
#define TCPS_DECODE_H

#include <stdbool.h>
#include <stdint.h>
#include "tcpstate/engine.h"
#include "cursor.h"

/* TCP flag bits as in the header's 13th byte; AE (ex-NS, RFC 9768) is bit 8. */
enum {
	TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08,
	TH_ACK = 0x10, TH_URG = 0x20, TH_ECE = 0x40, TH_CWR = 0x80,
	TH_AE = 0x100,
};

/* TCP option kinds we recognise (IANA). */
enum {
	TCPOPT_EOL = 0, TCPOPT_NOP = 1, TCPOPT_MSS = 2, TCPOPT_WSCALE = 3,
	TCPOPT_SACK_PERM = 4, TCPOPT_SACK = 5, TCPOPT_TIMESTAMP = 8,
	TCPOPT_MD5 = 19, TCPOPT_AO = 29, TCPOPT_MPTCP = 30, TCPOPT_FASTOPEN = 34,
	TCPOPT_EXP1 = 253, TCPOPT_EXP2 = 254,
};

#define TCPS_MAX_SACK 4
#define TCPS_MAX_OPTS 40     /* a 40-byte option area holds at most 40 options */
#define TCPS_MAX_VLAN 8      /* deeper stacks are reported as malformed */

/* What went wrong with the options, if anything (the segment stays usable). */
enum tcpopt_err {
	TCPOPT_OK = 0,
	TCPOPT_ERR_LEN_SHORT,    /* length byte below 2 */
	TCPOPT_ERR_LEN_PAST,     /* option runs past the header */
	TCPOPT_ERR_BAD_SIZE,     /* known option with the wrong length */
	TCPOPT_ERR_WSCALE,       /* window scale shift above 14 (RFC 7323 §2.3) */
};

struct tcp_opts {
	uint8_t kinds[TCPS_MAX_OPTS];    /* every option kind, in header order */
	uint8_t n;
	uint8_t err;                     /* enum tcpopt_err */
	uint8_t err_kind;                /* kind of the offending option */
	bool has_mss, has_wscale, sack_perm, has_ts, has_tfo, has_mptcp;
	uint8_t wscale;                  /* as sent (may exceed 14 if err) */
	uint8_t nsack;
	uint8_t tfo_cookie_len;          /* 0: cookie request */
	uint8_t mptcp_subtype;
	uint8_t unknown;                 /* count of options we do not interpret */
	uint16_t mss;
	uint32_t tsval, tsecr;
	uint32_t sack[TCPS_MAX_SACK][2]; /* left, right edges */
};

/* One decoded packet: the fields the rest of the engine needs, host order. */
struct seg {
	/* link */
	uint16_t vlan[2];                /* outer, inner VLAN id (0 = none) */
	uint8_t nvlan;
	/* IP */
	uint8_t family;                  /* 4 or 6 */
	uint8_t src[16], dst[16];        /* IPv4: the first 4 bytes, then zeros (make_key relies on it) */
	uint8_t ttl;
	uint32_t ip_id;                  /* IPv4 id, or IPv6 fragment id */
	bool tso;                        /* IPv4 total length 0: offloaded super-segment */
	bool reassembled;                /* rebuilt from IP fragments */
	/* TCP */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t flags;                  /* TH_* */
	uint16_t win;                    /* unscaled */
	uint16_t urp;
	uint8_t hdr_len;                 /* TCP header bytes, options included */
	uint32_t payload_len;            /* from the IP lengths, not from caplen */
	uint32_t payload_cap;            /* payload bytes actually captured */
	struct cur payload;              /* the captured payload bytes */
	bool truncated;                  /* payload_cap < payload_len, or options cut */
	bool opt_cut;                    /* the capture ends inside the options */
	struct tcp_opts opt;
};

/* Outcome of decoding one packet. */
enum dec_result {
	DEC_TCP = 0,          /* seg is filled */
	DEC_MALFORMED,        /* *why tells which rule failed */
	DEC_NOT_TCP,
	DEC_UNSUPPORTED_LINK,
	DEC_FRAGMENT,         /* an IP fragment: see struct frag_piece */
};

/* An IP fragment, handed to the reassembler. */
struct frag_piece {
	uint8_t family;
	uint8_t src[16], dst[16];
	uint32_t id;
	uint8_t proto;                   /* upper protocol (IPv4 header, or IPv6 next header of the fragment header) */
	uint16_t vlan[2];
	uint8_t nvlan;
	uint32_t offset;                 /* bytes */
	bool more;                       /* MF */
	struct cur data;                 /* the fragment's payload, as captured */
	uint32_t data_len;               /* its length according to the IP header */
};

struct decoder_out {
	struct seg seg;
	struct frag_piece frag;
	enum tcps_malformed why;
	char detail[160];                /* English explanation with the numbers */
};

/*
 * Decodes a packet. wirelen is the original length; bytes beyond caplen are
 * known to exist but not captured, which is how truncation is told apart from
 * a header that lies.
 */
enum dec_result tcps_decode_packet(int linktype, const uint8_t *bytes, uint32_t caplen,
				   uint32_t wirelen, struct decoder_out *out);

/*
 * Decodes the upper layer of an IP datagram given its protocol and payload,
 * with the IP part of out->seg already filled (addresses, family, VLANs).
 * Used for reassembled fragments. avail_len is the payload length declared by
 * the IP headers; the cursor holds the bytes present.
 */
enum dec_result tcps_decode_l4(uint8_t proto, struct cur payload, uint32_t declared_len,
			       struct decoder_out *out);

/* Parses TCP options in c into o (exposed for unit tests). */
void tcps_decode_tcp_options(struct cur c, struct tcp_opts *o);

/* The same without the fast paths for common layouts: the reference the
 * fast paths are tested against. */
void tcps_decode_tcp_options_generic(struct cur c, struct tcp_opts *o);

#endif
