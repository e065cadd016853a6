/* flowtab.h - open-addressing flow index over a slab of connection records */
#ifndef TCPS_FLOWTAB_H
#define TCPS_FLOWTAB_H

#include <stdint.h>
#include "conn.h"

#define FLOWTAB_NONE UINT32_MAX
/* Records come in chunks of 4 MiB (see flowtab.c). */
#define FLOWTAB_CHUNK_BYTES (4u << 20)
#define FLOWTAB_CHUNK_RECORDS ((uint32_t)(FLOWTAB_CHUNK_BYTES / sizeof(struct conn)))

struct flowtab_slot {
	uint32_t hash;
	uint32_t idx;            /* FLOWTAB_NONE when empty */
};

struct flowtab {
	struct flowtab_slot *slots;
	uint32_t mask;           /* slot count - 1 (a power of two) */
	uint32_t used;           /* live records = occupied slots */
	struct conn **chunks;    /* records in fixed chunks: they never move */
	uint32_t nchunks;
	uint32_t free_head;      /* free list threaded through lru_next */
	uint32_t fresh;          /* records [fresh, capacity) were never used */
	uint32_t capacity;       /* records allocated */
	uint64_t seed;
};

/* Sets up an empty table sized for about `initial` flows. Returns 0, or -1 when
 * memory is short (the table is then empty but valid to free). */
int tcps_flowtab_init(struct flowtab *t, uint32_t initial, uint64_t seed);
void tcps_flowtab_free(struct flowtab *t);

/* Keyed 32-bit hash of a key (XXH3 with the table's seed). */
uint32_t tcps_flowtab_hash(const struct flowtab *t, const struct flowkey *k);

/* Finds the record of a key, or NULL. */
struct conn *tcps_flowtab_find(const struct flowtab *t, const struct flowkey *k, uint32_t hash);

/* Adds a zeroed record for a key known to be absent, growing the table when
 * needed (the only allocations, amortised). NULL when memory is short, the
 * table unchanged. Record pointers stay valid across inserts. */
struct conn *tcps_flowtab_insert(struct flowtab *t, const struct flowkey *k, uint32_t hash);

/* Removes a record; its memory goes back to the free list. */
void tcps_flowtab_remove(struct flowtab *t, struct conn *c);

/* Index of a record and the record at an index (for intrusive lists). */
uint32_t tcps_flowtab_index(const struct flowtab *t, const struct conn *c);

static inline struct conn *tcps_flowtab_at(const struct flowtab *t, uint32_t idx)
{
	/* a division by a constant: a multiply and a shift */
	return &t->chunks[idx / FLOWTAB_CHUNK_RECORDS][idx % FLOWTAB_CHUNK_RECORDS];
}

#endif
