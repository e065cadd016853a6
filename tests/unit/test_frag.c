/* test_frag.c - IP fragment reassembly */
#include <string.h>
#include "decode.h"
#include "frag.h"
#include "pktbuild.h"
#include "suites.h"

/* Cuts an IPv4 datagram's payload [off, off+len) into a fragment (raw IP). */
static uint32_t frag4(uint8_t *out, const uint8_t *dgram, uint32_t off, uint32_t len, int more)
{
	memcpy(out, dgram, 20);
	memcpy(out + 20, dgram + 20 + off, len);
	uint32_t tot = 20 + len;
	out[2] = (uint8_t)(tot >> 8), out[3] = (uint8_t)tot;
	out[4] = 0x12, out[5] = 0x34; /* id */
	uint16_t ff = (uint16_t)((more ? 0x2000 : 0) | off / 8);
	out[6] = (uint8_t)(ff >> 8), out[7] = (uint8_t)ff;
	return tot;
}

static unsigned lost_calls, lost_pieces;
static void on_lost(void *ctx, const struct frag_lost *l)
{
	(void)ctx;
	lost_calls++;
	lost_pieces += l->pieces;
}

static struct decoder_out dec;

static enum frag_result add(struct frag_table *t, const uint8_t *p, uint32_t n, uint64_t pkt, int64_t sec,
			    struct frag_done *done)
{
	char detail[160];
	struct tcps_ts ts = { sec, 0 };
	CU_ASSERT_EQUAL_FATAL(tcps_decode_packet(TCPS_LINK_RAW, p, n, n, &dec), DEC_FRAGMENT);
	return tcps_frag_add(t, &dec.frag, pkt, &ts, done, detail);
}

static void test_out_of_order_pieces(void)
{
	uint8_t d[2048], f[2048];
	struct pkt_spec s = { .family = 4, .src = "192.0.2.1", .dst = "192.0.2.2", .sport = 1, .dport = 2,
			      .seq = 77, .flags = TH_ACK, .payload = 100 };
	uint32_t n = (uint32_t)pb_ip(d, &s); /* 120 bytes of IP payload */
	struct frag_table *t = tcps_frag_new(4, on_lost, NULL);
	struct frag_done done;
	lost_calls = lost_pieces = 0;
	uint32_t m;
	m = frag4(f, d, 96, n - 20 - 96, 0);
	CU_ASSERT_EQUAL(add(t, f, m, 1, 0, &done), FRAG_HELD);
	m = frag4(f, d, 0, 48, 1);
	CU_ASSERT_EQUAL(add(t, f, m, 2, 0, &done), FRAG_HELD);
	m = frag4(f, d, 48, 48, 1);
	CU_ASSERT_EQUAL_FATAL(add(t, f, m, 3, 0, &done), FRAG_COMPLETE);
	CU_ASSERT_EQUAL(done.pieces, 3);
	CU_ASSERT_EQUAL(done.len, 120);
	CU_ASSERT_EQUAL(done.proto, 6);
	CU_ASSERT_EQUAL_FATAL(tcps_decode_l4(done.proto, done.data, done.len, &dec), DEC_TCP);
	CU_ASSERT_EQUAL(dec.seg.seq, 77);
	CU_ASSERT_EQUAL(dec.seg.payload_len, 100);
	CU_ASSERT_FALSE(dec.seg.truncated);
	CU_ASSERT_EQUAL(lost_calls, 0);
	tcps_frag_free(t);
}

static void test_missing_piece_and_timeout(void)
{
	uint8_t d[2048], f[2048];
	struct pkt_spec s = { .family = 4, .src = "192.0.2.1", .dst = "192.0.2.2", .sport = 1, .dport = 2,
			      .flags = TH_ACK, .payload = 100 };
	pb_ip(d, &s);
	struct frag_table *t = tcps_frag_new(4, on_lost, NULL);
	struct frag_done done;
	lost_calls = lost_pieces = 0;
	uint32_t m = frag4(f, d, 0, 48, 1);
	CU_ASSERT_EQUAL(add(t, f, m, 1, 100, &done), FRAG_HELD);
	m = frag4(f, d, 96, 24, 0);
	CU_ASSERT_EQUAL(add(t, f, m, 2, 100, &done), FRAG_HELD);
	struct tcps_ts later = { 130, 0 };
	tcps_frag_expire(t, &later); /* exactly 30 s: not yet */
	CU_ASSERT_EQUAL(lost_calls, 0);
	later.nsec = 1;
	tcps_frag_expire(t, &later);
	CU_ASSERT_EQUAL(lost_calls, 1);
	CU_ASSERT_EQUAL(lost_pieces, 2);
	/* A non-final piece whose length is not a multiple of 8 is refused. */
	m = frag4(f, d, 0, 44, 1);
	CU_ASSERT_EQUAL(add(t, f, m, 3, 200, &done), FRAG_BAD);
	m = frag4(f, d, 0, 48, 1);
	CU_ASSERT_EQUAL(add(t, f, m, 4, 200, &done), FRAG_HELD);
	tcps_frag_flush(t);
	CU_ASSERT_EQUAL(lost_calls, 2);
	CU_ASSERT_EQUAL(lost_pieces, 3);
	tcps_frag_free(t);
}

/* More datagrams than slots: the oldest is given up to make room. */
static void test_table_full_evicts_oldest(void)
{
	uint8_t d[2048], f[2048];
	struct pkt_spec s = { .family = 4, .src = "192.0.2.1", .dst = "192.0.2.2", .sport = 1, .dport = 2,
			      .flags = TH_ACK, .payload = 100 };
	pb_ip(d, &s);
	struct frag_table *t = tcps_frag_new(2, on_lost, NULL);
	struct frag_done done;
	lost_calls = lost_pieces = 0;
	for (int i = 0; i < 3; i++) {
		uint32_t m = frag4(f, d, 0, 48, 1);
		f[5] = (uint8_t)i; /* a different id each time */
		CU_ASSERT_EQUAL(add(t, f, m, (uint64_t)i + 1, i, &done), FRAG_HELD);
	}
	CU_ASSERT_EQUAL(lost_calls, 1);
	tcps_frag_free(t);
}

int suite_frag(void)
{
	static const CU_TestInfo t[] = {
		{ "frag: three IPv4 pieces out of order rebuild the segment", test_out_of_order_pieces },
		{ "frag: a missing piece times out after 30 s; bad pieces refused", test_missing_piece_and_timeout },
		{ "frag: a full table gives up the oldest datagram", test_table_full_evicts_oldest },
		CU_TEST_INFO_NULL,
	};
	return add_suite("frag", t);
}
