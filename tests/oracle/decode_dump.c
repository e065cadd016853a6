/*
 * decode_dump.c - prints what tcpstate's decoder finds in every packet of a
 * capture, one line per packet, for comparison with an outside oracle
 * (tcpdump's expected output, see compare_tcpdump.py).
 *
 * White-box: it calls tcps_decode_packet() from src/decode.h directly, the
 * way curl's unit tests reach into lib/. It prints only what the decoder put
 * in struct seg / struct decoder_out; it never decodes bytes itself.
 *
 * Output, one record per line, space-separated key=value pairs:
 *   # file=<path> linktype=<n>
 *   pkt=<n> res=tcp caplen=<n> wirelen=<n> fam=<4|6> src=<addr> sport=<n>
 *     dst=<addr> dport=<n> flags=<tcpdump letters> seq=<abs> ack=<abs>
 *     win=<n> urp=<n> hlen=<n> len=<payload_len> cap=<payload_cap>
 *     trunc=<0|1> tso=<0|1> optcut=<0|1> opts=<list|-> opterr=<none|name:kind>
 *   pkt=<n> res=malformed caplen=<n> wirelen=<n> why=<name> detail=<text to end of line>
 *   pkt=<n> res=<not_tcp|unsupported_link|fragment> caplen=<n> wirelen=<n>
 * opts is a comma-separated list in header order: eol nop mss=<n>
 * wscale=<n> sackOK ts=<val>/<ecr> sack=<l>:<r>/<l>:<r>... tfo=<cookie len>
 * exp-tfo=<cookie len> (kind 254; exp253-tfo for 253) mptcp=<subtype> md5 tcp-ao
 * exp-<kind> unknown-<kind>.
 * The decoder keeps one value per option kind, so a repeated kind shows the
 * value the decoder kept. Absolute sequence numbers: relative numbering is
 * the comparing script's business.
 *
 * Exit status: 0 when the capture was read to its end, 2 on a usage or read
 * error.
 */
#define _DEFAULT_SOURCE /* u_char and friends in <pcap/pcap.h> under -std=c11 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "decode.h"
#include "tcpstate/engine.h"

static const char *opterr_name(uint8_t err)
{
	switch (err) {
	case TCPOPT_OK: return "none";
	case TCPOPT_ERR_LEN_SHORT: return "len_short";
	case TCPOPT_ERR_LEN_PAST: return "len_past";
	case TCPOPT_ERR_BAD_SIZE: return "bad_size";
	case TCPOPT_ERR_WSCALE: return "wscale";
	default: return "unknown";
	}
}

/* tcpdump's tcp_flag_values order: F S R P . U E W e; "none" when empty. */
static void print_flags(uint16_t f)
{
	static const struct {
		uint16_t bit;
		char c;
	} tab[] = {
		{ TH_FIN, 'F' }, { TH_SYN, 'S' }, { TH_RST, 'R' }, { TH_PSH, 'P' }, { TH_ACK, '.' },
		{ TH_URG, 'U' }, { TH_ECE, 'E' }, { TH_CWR, 'W' }, { TH_AE, 'e' },
	};
	char buf[16];
	size_t n = 0;
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (f & tab[i].bit)
			buf[n++] = tab[i].c;
	buf[n] = '\0';
	printf(" flags=%s", n ? buf : "none");
}

static void print_opts(const struct tcp_opts *o)
{
	bool has34 = false;
	for (unsigned i = 0; i < o->n; i++)
		if (o->kinds[i] == TCPOPT_FASTOPEN)
			has34 = true;
	printf(" opts=");
	if (o->n == 0)
		printf("-");
	for (unsigned i = 0; i < o->n; i++) {
		uint8_t k = o->kinds[i];
		if (i)
			putchar(',');
		switch (k) {
		case TCPOPT_EOL: printf("eol"); break;
		case TCPOPT_NOP: printf("nop"); break;
		case TCPOPT_MSS:
			if (o->has_mss)
				printf("mss=%u", o->mss);
			else
				printf("mss");
			break;
		case TCPOPT_WSCALE:
			if (o->has_wscale)
				printf("wscale=%u", o->wscale);
			else
				printf("wscale");
			break;
		case TCPOPT_SACK_PERM: printf("sackOK"); break;
		case TCPOPT_SACK:
			printf("sack=");
			if (o->nsack == 0)
				printf("-");
			for (unsigned j = 0; j < o->nsack; j++)
				printf("%s%u:%u", j ? "/" : "", o->sack[j][0], o->sack[j][1]);
			break;
		case TCPOPT_TIMESTAMP:
			if (o->has_ts)
				printf("ts=%u/%u", o->tsval, o->tsecr);
			else
				printf("ts");
			break;
		case TCPOPT_FASTOPEN:
			if (o->has_tfo)
				printf("tfo=%u", o->tfo_cookie_len);
			else
				printf("tfo");
			break;
		case TCPOPT_EXP1:
		case TCPOPT_EXP2:
			if (o->has_tfo && !has34)
				printf("%s=%u", k == TCPOPT_EXP2 ? "exp-tfo" : "exp253-tfo", o->tfo_cookie_len);
			else
				printf("exp-%u", k);
			break;
		case TCPOPT_MPTCP:
			if (o->has_mptcp)
				printf("mptcp=%u", o->mptcp_subtype);
			else
				printf("mptcp");
			break;
		case TCPOPT_MD5: printf("md5"); break;
		case TCPOPT_AO: printf("tcp-ao"); break;
		default: printf("unknown-%u", k); break;
		}
	}
	printf(" opterr=%s", opterr_name(o->err));
	if (o->err != TCPOPT_OK)
		printf(":%u", o->err_kind);
}

static void print_addr(const char *key, int family, const uint8_t *a)
{
	char buf[INET6_ADDRSTRLEN];
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf, sizeof buf))
		strcpy(buf, "?");
	printf(" %s=%s", key, buf);
}

static void print_detail(const char *d)
{
	printf(" detail=");
	for (; *d; d++)
		putchar(*d == '\n' || *d == '\r' ? ' ' : *d);
}

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	if (argc != 2) {
		fprintf(stderr, "usage: %s capture.pcap\n", argv[0]);
		return 2;
	}
	pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fprintf(stderr, "decode_dump: %s: %s\n", argv[1], errbuf);
		return 2;
	}
	int linktype = pcap_datalink(p);
	printf("# file=%s linktype=%d\n", argv[1], linktype);

	static struct decoder_out out;
	struct pcap_pkthdr *h;
	const u_char *bytes;
	unsigned long pktno = 0;
	int rc;
	while ((rc = pcap_next_ex(p, &h, &bytes)) == 1) {
		pktno++;
		enum dec_result r = tcps_decode_packet(linktype, bytes, h->caplen, h->len, &out);
		printf("pkt=%lu", pktno);
		switch (r) {
		case DEC_TCP: {
			const struct seg *s = &out.seg;
			printf(" res=tcp caplen=%u wirelen=%u fam=%u", h->caplen, h->len, s->family);
			print_addr("src", s->family, s->src);
			printf(" sport=%u", s->sport);
			print_addr("dst", s->family, s->dst);
			printf(" dport=%u", s->dport);
			print_flags(s->flags);
			printf(" seq=%u ack=%u win=%u urp=%u hlen=%u len=%u cap=%u trunc=%d tso=%d optcut=%d",
			       s->seq, s->ack, s->win, s->urp, s->hdr_len, s->payload_len, s->payload_cap,
			       s->truncated ? 1 : 0, s->tso ? 1 : 0, s->opt_cut ? 1 : 0);
			print_opts(&s->opt);
			break;
		}
		case DEC_MALFORMED:
			printf(" res=malformed caplen=%u wirelen=%u why=%s", h->caplen, h->len,
			       tcps_malformed_name(out.why));
			print_detail(out.detail);
			break;
		case DEC_NOT_TCP:
			printf(" res=not_tcp caplen=%u wirelen=%u", h->caplen, h->len);
			break;
		case DEC_UNSUPPORTED_LINK:
			printf(" res=unsupported_link caplen=%u wirelen=%u", h->caplen, h->len);
			break;
		case DEC_FRAGMENT:
			printf(" res=fragment caplen=%u wirelen=%u", h->caplen, h->len);
			break;
		default:
			printf(" res=unknown caplen=%u wirelen=%u", h->caplen, h->len);
			break;
		}
		putchar('\n');
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "decode_dump: %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		return 2;
	}
	pcap_close(p);
	return fflush(stdout) == 0 ? 0 : 2;
}
