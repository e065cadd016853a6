/* frag.c - IPv4/IPv6 fragment reassembly with bounded memory and a timeout
 *
 * Fragments are rare on the paths we analyse, so the table is small and
 * searched linearly: at most max_datagrams datagrams in flight, each with one
 * 64 KiB buffer allocated the first time its slot is used and reused after.
 * Coverage is a bitmap of 8-byte units (fragment offsets are multiples of 8).
 * Overlaps keep the first copy; a piece that conflicts with the length already
 * known is refused. A datagram given up on (timeout, eviction, end of capture)
 * is reported through the lost callback with the number of pieces it held.
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "frag.h"

#define DGRAM_MAX 65535u
#define UNITS ((DGRAM_MAX + 7) / 8 + 1)

struct dgram {
	bool used;
	uint8_t family, proto;
	uint8_t src[16], dst[16];
	uint16_t vlan[2];
	uint32_t id;
	uint32_t total;          /* payload length, known once the last piece came; 0 before */
	uint32_t cap_end;        /* first byte offset not captured (a cut piece) */
	uint32_t pieces;
	uint64_t first_pkt;
	struct tcps_ts first_ts;
	uint8_t *buf;            /* DGRAM_MAX bytes */
	uint8_t seen[UNITS / 8 + 1];
};

struct frag_table {
	unsigned n;
	frag_lost_fn lost;
	void *ctx;
	unsigned pending;
	struct dgram d[];
};

struct frag_table *tcps_frag_new(unsigned max_datagrams, frag_lost_fn lost, void *ctx)
{
	struct frag_table *t = calloc(1, sizeof *t + max_datagrams * sizeof(struct dgram));
	if (!t)
		return NULL;
	t->n = max_datagrams;
	t->lost = lost;
	t->ctx = ctx;
	return t;
}

void tcps_frag_free(struct frag_table *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->n; i++)
		free(t->d[i].buf);
	free(t);
}

static void give_up(struct frag_table *t, struct dgram *d)
{
	struct frag_lost l = { d->first_pkt, d->pieces, d->id, d->family };
	d->used = false;
	t->pending--;
	if (t->lost)
		t->lost(t->ctx, &l);
}

static bool same(const struct dgram *d, const struct frag_piece *p)
{
	return d->used && d->family == p->family && d->id == p->id && d->vlan[0] == p->vlan[0] &&
	       d->vlan[1] == p->vlan[1] && (p->family == 6 || d->proto == p->proto) &&
	       !memcmp(d->src, p->src, 16) && !memcmp(d->dst, p->dst, 16);
}

static int64_t ns_of(const struct tcps_ts *t) { return t->sec * 1000000000LL + t->nsec; }

static struct dgram *slot_for(struct frag_table *t, const struct frag_piece *p, uint64_t pkt,
			      const struct tcps_ts *now)
{
	struct dgram *free_slot = NULL, *oldest = NULL;
	for (unsigned i = 0; i < t->n; i++) {
		struct dgram *d = &t->d[i];
		if (same(d, p))
			return d;
		if (!d->used) {
			if (!free_slot)
				free_slot = d;
		} else if (!oldest || ns_of(&d->first_ts) < ns_of(&oldest->first_ts)) {
			oldest = d;
		}
	}
	if (!free_slot) { /* table full: the oldest datagram makes room */
		give_up(t, oldest);
		free_slot = oldest;
	}
	struct dgram *d = free_slot;
	if (!d->buf && !(d->buf = malloc(DGRAM_MAX)))
		return NULL;
	uint8_t *buf = d->buf;
	memset(d, 0, sizeof *d);
	d->buf = buf;
	d->used = true;
	d->family = p->family;
	d->proto = p->proto;
	memcpy(d->src, p->src, 16);
	memcpy(d->dst, p->dst, 16);
	d->vlan[0] = p->vlan[0];
	d->vlan[1] = p->vlan[1];
	d->id = p->id;
	d->cap_end = DGRAM_MAX;
	d->first_pkt = pkt;
	d->first_ts = *now;
	t->pending++;
	return d;
}

static bool unit_seen(const struct dgram *d, uint32_t u) { return d->seen[u / 8] >> (u % 8) & 1; }

enum frag_result tcps_frag_add(struct frag_table *t, const struct frag_piece *p, uint64_t pkt,
			       const struct tcps_ts *now, struct frag_done *done, char *detail)
{
	uint32_t end = p->offset + p->data_len;
	if (end > DGRAM_MAX) {
		snprintf(detail, 160, "IP fragment at offset %u with %u bytes exceeds 65535", p->offset, p->data_len);
		return FRAG_BAD;
	}
	if (p->more && (p->data_len == 0 || p->data_len % 8)) {
		snprintf(detail, 160, "IP fragment of %u bytes with more to come is not a multiple of 8",
			 p->data_len);
		return FRAG_BAD;
	}
	struct dgram *d = slot_for(t, p, pkt, now);
	if (!d) {
		snprintf(detail, 160, "no memory to reassemble IP fragments");
		return FRAG_BAD;
	}
	if ((!p->more && d->total && d->total != end) || (d->total && end > d->total)) {
		snprintf(detail, 160, "IP fragment ends at %u but the datagram ends at %u", end, d->total);
		return FRAG_BAD;
	}
	if (p->offset == 0 && p->family == 6)
		d->proto = p->proto; /* IPv6: the first piece names the upper protocol */
	if (!p->more)
		d->total = end;
	d->pieces++;
	/* Copy the captured part through the cursor; first copy of a byte wins. */
	struct cur data = p->data;
	uint32_t cap = (uint32_t)data.len < p->data_len ? (uint32_t)data.len : p->data_len;
	if (cap < p->data_len && p->offset + cap < d->cap_end)
		d->cap_end = p->offset + cap;
	for (uint32_t u = p->offset / 8; u * 8 < end; u++) {
		uint32_t lo = u * 8, hi = lo + 8 < end ? lo + 8 : end;
		if (!unit_seen(d, u)) {
			uint32_t clo = lo - p->offset, chi = hi - p->offset;
			if (clo < cap) {
				struct cur part = data;
				cur_skip(&part, clo);
				cur_copy(&part, d->buf + lo, (chi < cap ? chi : cap) - clo);
			}
			d->seen[u / 8] |= (uint8_t)(1u << (u % 8));
		}
	}
	if (!d->total)
		return FRAG_HELD;
	for (uint32_t u = 0; u * 8 < d->total; u++)
		if (!unit_seen(d, u))
			return FRAG_HELD;
	done->proto = d->proto;
	done->len = d->total;
	done->data = cur_make(d->buf, d->cap_end < d->total ? d->cap_end : d->total);
	done->pieces = d->pieces;
	d->used = false;
	t->pending--;
	return FRAG_COMPLETE;
}

void tcps_frag_expire(struct frag_table *t, const struct tcps_ts *now)
{
	if (!t->pending)
		return;
	for (unsigned i = 0; i < t->n; i++) {
		struct dgram *d = &t->d[i];
		int64_t limit = (d->family == 6 ? 60 : 30) * 1000000000LL;
		if (d->used && ns_of(now) - ns_of(&d->first_ts) > limit)
			give_up(t, d);
	}
}

void tcps_frag_flush(struct frag_table *t)
{
	for (unsigned i = 0; i < t->n && t->pending; i++)
		if (t->d[i].used)
			give_up(t, &t->d[i]);
}
