/* test_cursor.c - the bounds-checked reader */
#include <stdlib.h>
#include <string.h>
#include "cursor.h"
#include "suites.h"

/* Every read on every short window fails and leaves the cursor unchanged.
 * The bytes live in a heap block of exactly the window's size so that
 * AddressSanitizer catches a read one past the end. */
static void test_short_reads_fail(void)
{
	for (size_t n = 0; n < 4; n++) {
		uint8_t *b = malloc(n ? n : 1);
		memset(b, 0xab, n ? n : 1);
		struct cur c = cur_make(b, n);
		uint32_t v32 = 7;
		uint16_t v16 = 7;
		uint8_t v8 = 7;
		CU_ASSERT_FALSE(cur_be32(&c, &v32));
		CU_ASSERT_FALSE(cur_le32(&c, &v32));
		CU_ASSERT_EQUAL(v32, 7);
		CU_ASSERT_EQUAL(c.len, n);
		CU_ASSERT_EQUAL(cur_be16(&c, &v16), n >= 2);
		c = cur_make(b, n);
		CU_ASSERT_EQUAL(cur_u8(&c, &v8), n >= 1);
		c = cur_make(b, n);
		CU_ASSERT_FALSE(cur_skip(&c, n + 1));
		CU_ASSERT_TRUE(cur_skip(&c, n));
		CU_ASSERT_EQUAL(c.len, 0);
		free(b);
	}
}

static void test_big_endian_values(void)
{
	static const uint8_t b[] = { 0x12, 0x34, 0x56, 0x78, 0x9a };
	struct cur c = cur_make(b, sizeof b);
	uint32_t v;
	uint8_t u;
	CU_ASSERT_TRUE(cur_be32(&c, &v));
	CU_ASSERT_EQUAL(v, 0x12345678u);
	CU_ASSERT_TRUE(cur_u8(&c, &u));
	CU_ASSERT_EQUAL(u, 0x9a);
	c = cur_make(b, sizeof b);
	CU_ASSERT_TRUE(cur_le32(&c, &v));
	CU_ASSERT_EQUAL(v, 0x78563412u);
}

static void test_sub_and_limit(void)
{
	static const uint8_t b[] = { 1, 2, 3, 4, 5, 6 };
	struct cur c = cur_make(b, sizeof b), sub;
	uint8_t v;
	CU_ASSERT_FALSE(cur_sub(&c, 7, &sub));
	CU_ASSERT_EQUAL(c.len, 6);
	CU_ASSERT_TRUE(cur_sub(&c, 2, &sub));
	CU_ASSERT_EQUAL(sub.len, 2);
	CU_ASSERT_EQUAL(c.len, 4);
	CU_ASSERT_TRUE(cur_skip(&sub, 2));
	CU_ASSERT_FALSE(cur_u8(&sub, &v)); /* the sub-cursor ends at its bound */
	CU_ASSERT_TRUE(cur_peek_u8(&c, 3, &v));
	CU_ASSERT_EQUAL(v, 6);
	CU_ASSERT_FALSE(cur_peek_u8(&c, 4, &v));
	cur_limit(&c, 1);
	CU_ASSERT_EQUAL(c.len, 1);
	cur_limit(&c, 10);
	CU_ASSERT_EQUAL(c.len, 1);
	struct cur null = cur_make(NULL, 10);
	CU_ASSERT_EQUAL(null.len, 0);
}

/* A segment without captured payload has a cursor with no bytes at all
 * (p NULL): copying 0 bytes from it must succeed without touching p (memcpy
 * from NULL is undefined even for 0 bytes; UBSan caught it). */
static void test_copy_nothing(void)
{
	struct cur c = cur_make(NULL, 0);
	uint8_t b[8] = { 7 };
	CU_ASSERT_TRUE(cur_copy(&c, b, 0));
	CU_ASSERT_FALSE(cur_copy(&c, b, 1));
	CU_ASSERT_EQUAL(b[0], 7);
}

int suite_cursor(void)
{
	static const CU_TestInfo t[] = {
		{ "cursor: reads past the end fail and change nothing", test_short_reads_fail },
		{ "cursor: values are assembled in network order", test_big_endian_values },
		{ "cursor: sub-cursors and limits bound reads", test_sub_and_limit },
		{ "cursor: copying nothing from a cursor with no bytes", test_copy_nothing },
		CU_TEST_INFO_NULL,
	};
	return add_suite("cursor", t);
}
