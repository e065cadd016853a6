/* test_flowtab.c - the open-addressing flow table under churn */
#include <stdlib.h>
#include <string.h>
#include "flowtab.h"
#include "suites.h"

static struct flowkey key_of(uint32_t i)
{
	struct flowkey k;
	memset(&k, 0, sizeof k);
	k.family = 4;
	memcpy(k.addr[0], &i, 4);
	k.port[0] = (uint16_t)i;
	k.port[1] = 443;
	return k;
}

/* A million live connections: every one findable, then all removed. */
static void test_million_entries(void)
{
	struct flowtab t;
	const uint32_t n = 1000000;
	CU_ASSERT_EQUAL_FATAL(tcps_flowtab_init(&t, 16, 1), 0);
	for (uint32_t i = 0; i < n; i++) {
		struct flowkey k = key_of(i);
		struct conn *c = tcps_flowtab_insert(&t, &k, tcps_flowtab_hash(&t, &k));
		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		c->id = i;
	}
	CU_ASSERT_EQUAL(t.used, n);
	uint32_t bad = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct flowkey k = key_of(i);
		struct conn *c = tcps_flowtab_find(&t, &k, tcps_flowtab_hash(&t, &k));
		bad += !c || c->id != i;
	}
	CU_ASSERT_EQUAL(bad, 0);
	struct flowkey absent = key_of(n + 5);
	CU_ASSERT_PTR_NULL(tcps_flowtab_find(&t, &absent, tcps_flowtab_hash(&t, &absent)));
	uint32_t cap = t.capacity;
	for (uint32_t i = 0; i < n; i++) {
		struct flowkey k = key_of(i);
		tcps_flowtab_remove(&t, tcps_flowtab_find(&t, &k, tcps_flowtab_hash(&t, &k)));
	}
	CU_ASSERT_EQUAL(t.used, 0);
	/* Reinserting reuses freed records: memory follows the live peak. */
	for (uint32_t i = 0; i < n; i++) {
		struct flowkey k = key_of(i + n);
		tcps_flowtab_insert(&t, &k, tcps_flowtab_hash(&t, &k));
	}
	CU_ASSERT_EQUAL(t.capacity, cap);
	tcps_flowtab_free(&t);
}

/* Degenerate hashes (all in a few home slots) make long clusters; random
 * deletes must keep every other key reachable (backward-shift deletion). */
static void test_churn_with_collisions(void)
{
	struct flowtab t;
	enum { N = 3000 };
	static bool live[N];
	static struct conn *ptr[N];
	memset(live, 0, sizeof live);
	CU_ASSERT_EQUAL_FATAL(tcps_flowtab_init(&t, 16, 1), 0);
	uint64_t rnd = 88172645463325252ULL;
	unsigned errors = 0;
	for (int step = 0; step < 60000; step++) {
		rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
		uint32_t i = (uint32_t)(rnd % N);
		struct flowkey k = key_of(i);
		uint32_t h = (i % 3) * 0x10000001u; /* three hashes for everything */
		if (live[i]) {
			errors += tcps_flowtab_find(&t, &k, h) != ptr[i];
			tcps_flowtab_remove(&t, ptr[i]);
			live[i] = false;
		} else {
			errors += tcps_flowtab_find(&t, &k, h) != NULL;
			ptr[i] = tcps_flowtab_insert(&t, &k, h);
			ptr[i]->id = i;
			live[i] = true;
		}
		if (step % 997 == 0) /* everything still reachable */
			for (uint32_t j = 0; j < N; j++) {
				struct flowkey kj = key_of(j);
				struct conn *c = tcps_flowtab_find(&t, &kj, (j % 3) * 0x10000001u);
				errors += live[j] ? c != ptr[j] : c != NULL;
			}
	}
	CU_ASSERT_EQUAL(errors, 0);
	tcps_flowtab_free(&t);
}

static void test_records_never_move(void)
{
	struct flowtab t;
	CU_ASSERT_EQUAL_FATAL(tcps_flowtab_init(&t, 4, 9), 0);
	struct flowkey k0 = key_of(0);
	struct conn *first = tcps_flowtab_insert(&t, &k0, tcps_flowtab_hash(&t, &k0));
	for (uint32_t i = 1; i < 20000; i++) {
		struct flowkey k = key_of(i);
		tcps_flowtab_insert(&t, &k, tcps_flowtab_hash(&t, &k));
	}
	CU_ASSERT_PTR_EQUAL(tcps_flowtab_find(&t, &k0, tcps_flowtab_hash(&t, &k0)), first);
	CU_ASSERT_PTR_EQUAL(tcps_flowtab_at(&t, tcps_flowtab_index(&t, first)), first);
	tcps_flowtab_free(&t);
}

int suite_flowtab(void)
{
	static const CU_TestInfo t[] = {
		{ "flowtab: a million entries inserted, found, removed, reused", test_million_entries },
		{ "flowtab: churn with colliding hashes keeps every key reachable", test_churn_with_collisions },
		{ "flowtab: records keep their address as the table grows", test_records_never_move },
		CU_TEST_INFO_NULL,
	};
	return add_suite("flowtab", t);
}
