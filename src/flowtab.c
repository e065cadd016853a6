/* flowtab.c - open-addressing flow index over a slab of connection records
 *
 *   slots (dense, 8 bytes each)          chunks of records (never move)
 *   +------------+------+                +------+------+-----+
 *   | hash32     | idx  | ---- idx ----> | conn | conn | ... |  4 MiB per chunk
 *   +------------+------+                +------+------+-----+
 *
 * A lookup probes the dense slot array linearly from hash & mask and compares
 * the 32-bit hash before touching a record, so a miss rarely leaves the slot
 * array (DPDK rte_hash's signatures, valkey's hash bytes). Deletion shifts the
 * following entries back (Knuth's Algorithm R) instead of leaving tombstones,
 * so constant churn of connections never degrades probing (the cost khash
 * pays). The slot array doubles at 3/4 load; records live in chunks that are
 * never moved, so pointers and indices stay valid, and freed records are
 * threaded on a free list for reuse: memory follows the peak of live
 * connections, not the packets.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>
#include "flowtab.h"

#define CHUNK_SIZE FLOWTAB_CHUNK_RECORDS

static struct flowtab_slot *slots_new(uint32_t n)
{
	struct flowtab_slot *s = malloc((size_t)n * sizeof *s);
	if (s)
		for (uint32_t i = 0; i < n; i++)
			s[i].idx = FLOWTAB_NONE;
	return s;
}

int tcps_flowtab_init(struct flowtab *t, uint32_t initial, uint64_t seed)
{
	memset(t, 0, sizeof *t);
	t->free_head = FLOWTAB_NONE;
	t->seed = seed;
	uint32_t n = 16;
	while (n < initial + initial / 3 && n < (1u << 31))
		n <<= 1;
	t->slots = slots_new(n);
	if (!t->slots)
		return -1;
	t->mask = n - 1;
	return 0;
}

void tcps_flowtab_free(struct flowtab *t)
{
	for (uint32_t i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->slots);
	memset(t, 0, sizeof *t);
}

uint32_t tcps_flowtab_hash(const struct flowtab *t, const struct flowkey *k)
{
	/* An IPv4 key is 16 meaningful bytes (the rest of its addresses is
	 * zero): hash just those, with the family in the seed. XXH3 takes its
	 * 9..16-byte path, one multiply instead of the four of 44 bytes. Equal
	 * keys still hash equal, which is all the table needs. */
	if (k->family == 4) {
		uint8_t b[16];
		memcpy(b, k->addr[0], 4);
		memcpy(b + 4, k->addr[1], 4);
		memcpy(b + 8, k->port, 8); /* port[2], vlan[2]: one load */
		return (uint32_t)XXH3_64bits_withSeed(b, sizeof b, t->seed ^ 4);
	}
	return (uint32_t)XXH3_64bits_withSeed(k, sizeof *k, t->seed);
}

uint32_t tcps_flowtab_index(const struct flowtab *t, const struct conn *c)
{
	(void)t;
	return c->self;
}

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline uint32_t ld32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* Key equality in loads that stay inside the pieces make_key (engine.c)
 * writes: the two 16-byte addresses, ports with VLANs (8 bytes), family
 * with padding (4). The key was just written: a load straddling two of its
 * stores could not be forwarded and would wait for both to reach the cache. */
static inline bool key_eq(const struct flowkey *a, const struct flowkey *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
	enum { P = offsetof(struct flowkey, port), F = offsetof(struct flowkey, family) };
	_Static_assert(P == 32 && F == P + 8 && sizeof *a == F + 4, "key layout");
	return ((ld64(x) ^ ld64(y)) | (ld64(x + 8) ^ ld64(y + 8)) | (ld64(x + 16) ^ ld64(y + 16)) |
		(ld64(x + 24) ^ ld64(y + 24)) | (ld64(x + P) ^ ld64(y + P)) | (ld32(x + F) ^ ld32(y + F))) == 0;
}

struct conn *tcps_flowtab_find(const struct flowtab *t, const struct flowkey *k, uint32_t hash)
{
	for (uint32_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		const struct flowtab_slot *s = &t->slots[i];
		if (s->idx == FLOWTAB_NONE)
			return NULL;
		if (s->hash == hash) {
			struct conn *c = tcps_flowtab_at(t, s->idx);
			if (key_eq(&c->key, k))
				return c;
		}
	}
}

static void place(struct flowtab_slot *slots, uint32_t mask, uint32_t hash, uint32_t idx)
{
	uint32_t i = hash & mask;
	while (slots[i].idx != FLOWTAB_NONE)
		i = (i + 1) & mask;
	slots[i].hash = hash;
	slots[i].idx = idx;
}

static int grow_slots(struct flowtab *t)
{
	uint32_t n = (t->mask + 1) * 2;
	if (n == 0)
		return -1;
	struct flowtab_slot *s = slots_new(n);
	if (!s)
		return -1;
	for (uint32_t i = 0; i <= t->mask; i++)
		if (t->slots[i].idx != FLOWTAB_NONE)
			place(s, n - 1, t->slots[i].hash, t->slots[i].idx);
	free(t->slots);
	t->slots = s;
	t->mask = n - 1;
	return 0;
}

/*
 * A chunk of records is 4 MiB on ordinary pages, not advised as huge pages:
 * they spared TLB misses only on memory already touched, and a run touches
 * each chunk for the first time, where on a VM a fresh huge page cost up to
 * 9 ms to fault in against 0.5 ms for 512 small ones (bench/README.md,
 * tenth pass).
 */
static struct conn *chunk_alloc(void)
{
	return malloc(FLOWTAB_CHUNK_BYTES);
}

/* Adds a chunk. Its records are handed out in order (t->fresh) as they are
 * first needed, so no page of it is touched before a record there is. */
static int grow_records(struct flowtab *t)
{
	if (t->nchunks >= FLOWTAB_NONE / CHUNK_SIZE)
		return -1;
	struct conn **chunks = realloc(t->chunks, (t->nchunks + 1) * sizeof *chunks);
	if (!chunks)
		return -1;
	t->chunks = chunks;
	struct conn *c = chunk_alloc();
	if (!c)
		return -1;
	t->chunks[t->nchunks++] = c;
	t->fresh = t->capacity;
	t->capacity += CHUNK_SIZE;
	return 0;
}

struct conn *tcps_flowtab_insert(struct flowtab *t, const struct flowkey *k, uint32_t hash)
{
	if ((uint64_t)(t->used + 1) * 4 > (uint64_t)(t->mask + 1) * 3 && grow_slots(t) < 0)
		return NULL;
	uint32_t idx;
	struct conn *c;
	if (t->free_head != FLOWTAB_NONE) {
		idx = t->free_head;
		c = tcps_flowtab_at(t, idx);
		t->free_head = c->lru_next;
	} else {
		if (t->fresh == t->capacity && grow_records(t) < 0)
			return NULL;
		idx = t->fresh++;
		c = tcps_flowtab_at(t, idx);
	}
	memset(c, 0, sizeof *c);
	c->self = idx;
	c->key = *k;
	c->hash = hash;
	c->lru_prev = c->lru_next = FLOWTAB_NONE;
	place(t->slots, t->mask, hash, idx);
	t->used++;
	return c;
}

void tcps_flowtab_remove(struct flowtab *t, struct conn *c)
{
	uint32_t i = c->hash & t->mask;
	while (t->slots[i].idx != c->self)
		i = (i + 1) & t->mask;
	/* Backward shift: pull each following entry of the cluster into the hole
	 * unless its home slot lies cyclically after the hole. */
	for (uint32_t j = (i + 1) & t->mask; t->slots[j].idx != FLOWTAB_NONE; j = (j + 1) & t->mask) {
		uint32_t home = t->slots[j].hash & t->mask;
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i].idx = FLOWTAB_NONE;
	c->lru_next = t->free_head;
	t->free_head = c->self;
	t->used--;
}
