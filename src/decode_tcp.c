/* decode_tcp.c - TCP header and options */
#include <stddef.h>
#include <string.h>
#include "decode.h"
#include "decode_int.h"

static void opt_fail(struct tcp_opts *o, enum tcpopt_err err, uint8_t kind)
{
	if (o->err == TCPOPT_OK) {
		o->err = (uint8_t)err;
		o->err_kind = kind;
	}
}

/*
 * Options follow RFC 9293 §3.2: EOL and NOP are one byte, every other option
 * has a length byte that counts kind and length. A length below 2 or past the
 * header stops the parse (tcpdump's LENCHECK; the kernel stops on "silly"
 * options too): what came before is kept, the segment stays usable.
 */
/* memset of the whole struct, in two pieces: GCC (generic tuning) makes a
 * 96-byte memset a `rep stos`, which costs tens of cycles to start, but
 * inlines pieces of at most 64 bytes as a few vector stores. */
static inline void clear_opts(struct tcp_opts *o)
{
	memset(o, 0, offsetof(struct tcp_opts, sack));
	memset(o->sack, 0, sizeof o->sack);
	_Static_assert(offsetof(struct tcp_opts, sack) + sizeof o->sack == sizeof *o, "sack is last");
}

static void parse_options(struct cur c, struct tcp_opts *o)
{
	while (c.len) {
		uint8_t kind, len;
		cur_u8(&c, &kind);
		if (o->n < TCPS_MAX_OPTS)
			o->kinds[o->n++] = kind;
		if (kind == TCPOPT_EOL)
			return;
		if (kind == TCPOPT_NOP)
			continue;
		if (!cur_u8(&c, &len)) {
			opt_fail(o, TCPOPT_ERR_LEN_PAST, kind);
			return;
		}
		if (len < 2) {
			opt_fail(o, TCPOPT_ERR_LEN_SHORT, kind);
			return;
		}
		struct cur body;
		if (!cur_sub(&c, len - 2u, &body)) {
			opt_fail(o, TCPOPT_ERR_LEN_PAST, kind);
			return;
		}
		switch (kind) {
		case TCPOPT_MSS:
			if (len != 4) {
				opt_fail(o, TCPOPT_ERR_BAD_SIZE, kind);
				break;
			}
			o->has_mss = cur_be16(&body, &o->mss);
			break;
		case TCPOPT_WSCALE:
			if (len != 3) {
				opt_fail(o, TCPOPT_ERR_BAD_SIZE, kind);
				break;
			}
			o->has_wscale = cur_u8(&body, &o->wscale);
			if (o->wscale > 14) /* RFC 7323 §2.3: use 14, log the error */
				opt_fail(o, TCPOPT_ERR_WSCALE, kind);
			break;
		case TCPOPT_SACK_PERM:
			if (len != 2)
				opt_fail(o, TCPOPT_ERR_BAD_SIZE, kind);
			else
				o->sack_perm = true;
			break;
		case TCPOPT_SACK:
			if (len < 10 || (len - 2) % 8) {
				opt_fail(o, TCPOPT_ERR_BAD_SIZE, kind);
				break;
			}
			while (body.len >= 8 && o->nsack < TCPS_MAX_SACK) {
				cur_be32(&body, &o->sack[o->nsack][0]);
				cur_be32(&body, &o->sack[o->nsack][1]);
				o->nsack++;
			}
			break;
		case TCPOPT_TIMESTAMP:
			if (len != 10) {
				opt_fail(o, TCPOPT_ERR_BAD_SIZE, kind);
				break;
			}
			cur_be32(&body, &o->tsval);
			o->has_ts = cur_be32(&body, &o->tsecr);
			break;
		case TCPOPT_FASTOPEN: /* RFC 7413 §4.1.1: empty is a cookie request */
			o->has_tfo = true;
			o->tfo_cookie_len = (uint8_t)(len - 2);
			break;
		case TCPOPT_EXP1:
		case TCPOPT_EXP2: {
			/* RFC 6994 shared experimental option; 0xF989 is pre-RFC Fast Open. */
			uint16_t exid;
			if (len >= 4 && cur_be16(&body, &exid) && exid == 0xf989) {
				o->has_tfo = true;
				o->tfo_cookie_len = (uint8_t)(len - 4);
			} else {
				o->unknown++;
			}
			break;
		}
		case TCPOPT_MPTCP: { /* RFC 8684 §3: subtype in the high nibble */
			uint8_t b;
			o->has_mptcp = true;
			if (cur_u8(&body, &b))
				o->mptcp_subtype = b >> 4;
			break;
		}
		case TCPOPT_MD5:
		case TCPOPT_AO:
			break; /* recognised, nothing to keep */
		default:
			o->unknown++;
			break;
		}
	}
}

void tcps_decode_tcp_options_generic(struct cur c, struct tcp_opts *o)
{
	clear_opts(o);
	parse_options(c, o);
}

/*
 * The same result as the loop above, sooner for the two layouts that make
 * up nearly all of real traffic (Linux, and most other stacks since RFC
 * 7323): NOP, NOP, TS on every segment after the handshake, and MSS,
 * SACK-permitted, TS, NOP, WS on a SYN. Anything else, or a value the loop
 * would flag (a shift above 14), goes through the loop. Tested against it
 * in test_decode.c.
 */
void tcps_decode_tcp_options(struct cur c, struct tcp_opts *o)
{
	struct cur f = c;
	uint32_t w0, w1, w2, w3, w4;
	clear_opts(o);
	if (c.len == 12 && cur_be32(&f, &w0) && w0 == 0x0101080au && cur_be32(&f, &w1) && cur_be32(&f, &w2)) {
		o->kinds[0] = TCPOPT_NOP;
		o->kinds[1] = TCPOPT_NOP;
		o->kinds[2] = TCPOPT_TIMESTAMP;
		o->n = 3;
		o->has_ts = true;
		o->tsval = w1;
		o->tsecr = w2;
		return;
	}
	if (c.len == 20 && cur_be32(&f, &w0) && w0 >> 16 == 0x0204u && cur_be32(&f, &w1) && w1 == 0x0402080au &&
	    cur_be32(&f, &w2) && cur_be32(&f, &w3) && cur_be32(&f, &w4) && w4 >> 8 == 0x010303u &&
	    (w4 & 0xffu) <= 14) {
		o->kinds[0] = TCPOPT_MSS;
		o->kinds[1] = TCPOPT_SACK_PERM;
		o->kinds[2] = TCPOPT_TIMESTAMP;
		o->kinds[3] = TCPOPT_NOP;
		o->kinds[4] = TCPOPT_WSCALE;
		o->n = 5;
		o->has_mss = true;
		o->mss = (uint16_t)w0;
		o->sack_perm = true;
		o->has_ts = true;
		o->tsval = w2;
		o->tsecr = w3;
		o->has_wscale = true;
		o->wscale = (uint8_t)w4;
		return;
	}
	parse_options(c, o);
}

enum dec_result tcps_decode_l4(uint8_t proto, struct cur c, uint32_t declared, struct decoder_out *o)
{
	struct seg *s = &o->seg;
	uint16_t offflags;

	if (proto != 6)
		return DEC_NOT_TCP;
	if (declared < 20)
		return dec_malformed(o, TCPS_MAL_TCP_SHORT, "IP payload of %u bytes is too short for a TCP header",
				     declared);
	if (!cur_has(&c, 20) || !cur_be16(&c, &s->sport) || !cur_be16(&c, &s->dport) || !cur_be32(&c, &s->seq) ||
	    !cur_be32(&c, &s->ack) || !cur_be16(&c, &offflags) || !cur_be16(&c, &s->win) ||
	    !cur_skip(&c, 2) || !cur_be16(&c, &s->urp))
		return dec_malformed(o, TCPS_MAL_TCP_CUT, "capture ends inside the TCP header");
	unsigned doff = (offflags >> 12) * 4u;
	s->flags = offflags & 0x1ff;
	if (doff < 20)
		return dec_malformed(o, TCPS_MAL_TCP_BAD_DOFF, "TCP data offset %u bytes, below 20", doff);
	if (doff > declared)
		return dec_malformed(o, TCPS_MAL_TCP_DOFF_BEYOND,
				     "TCP data offset %u bytes exceeds the %u-byte segment", doff, declared);
	s->hdr_len = (uint8_t)doff;
	s->payload_len = declared - doff;
	struct cur opts;
	if (!cur_sub(&c, doff - 20, &opts)) {
		/* Snap length inside the options (tcpdump -s 54/64): flags, seq,
		 * ack and window are whole, so the segment still counts. Parse
		 * what was captured; an option running past the cut is the
		 * capture's doing, not the sender's. */
		tcps_decode_tcp_options(c, &s->opt);
		if (s->opt.err == TCPOPT_ERR_LEN_PAST)
			s->opt.err = TCPOPT_OK;
		s->opt_cut = true;
		s->payload = cur_make(NULL, 0);
		s->payload_cap = 0;
		s->truncated = true;
		return DEC_TCP;
	}
	tcps_decode_tcp_options(opts, &s->opt);
	s->opt_cut = false;
	cur_limit(&c, s->payload_len);
	s->payload = c;
	s->payload_cap = (uint32_t)c.len;
	s->truncated = s->payload_cap < s->payload_len;
	return DEC_TCP;
}
