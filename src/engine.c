/* engine.c - the pipeline: packet -> decode -> (reassemble) -> flow table -> records
 *
 * Capture time is the engine's only clock, so an offline run gives the same
 * output every time. Connections sit on one of two intrusive lists: open ones
 * (expired only by the optional idle timeout) and closed ones (kept time_wait
 * seconds for late segments, then reported and freed). The lists are ordered
 * by the time a connection was queued, not by its last packet: a packet does
 * not move its connection (that would touch two other records, two cache
 * misses per packet). Instead the expiry scan requeues a head that turns out
 * to have been active, and a lookup treats a connection past its time as gone
 * even if the scan has not reached it yet, so which packets belong to which
 * connection is exact; only the moment a record is written may lag, by less
 * than one timeout. Each packet costs one hash lookup; nothing is allocated
 * except when the flow table grows.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tcpstate/tcpstate.h"
#include "decode.h"
#include "flowtab.h"
#include "frag.h"
#include "findings.h"
#include "track.h"

#define FRAG_DATAGRAMS 64            /* datagrams reassembled at once: 64 x 64 KiB */
#define DEFAULT_SEED 0x7463707374617465ULL   /* "tcpstate" */

struct lru {
	uint32_t head, tail;
};

struct tcps_engine {
	struct tcps_config cfg;
	struct tcps_reporter rep;
	struct flowtab ft;
	struct lru lists[CONN_LISTS];    /* one per timeout class, then CONN_CLOSED_LIST */
	uint32_t timeout[CONN_LISTS];    /* seconds a connection of each list lives idle; 0 for ever */
	uint8_t expiring[CONN_LISTS];    /* the lists that expire (closed, and those with a timeout) */
	uint8_t nexpiring;
	/* No connection can expire at or before this time (see expire). */
	struct tcps_ts next_expiry;
	bool streaming;                  /* records go out as they are settled (rep.record) */
	struct frag_table *frags;
	struct tcps_totals tot;
	uint64_t pktno;
	uint64_t next_id;
	struct tcps_ts now;
	struct decoder_out dec;          /* scratch, reused for every packet */
	struct tracker trk;
	/* Scratch for writing one connection's records, grown to the largest. */
	struct tcps_record *out;
	char (*details)[TCPS_DETAIL_SIZE];
	const struct rec **order;
	uint32_t out_cap;
};

void tcps_config_init(struct tcps_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->time_wait_sec = 60;         /* Linux TCP_TIMEWAIT_LEN */
	cfg->idle_timeout_sec = 0;
	cfg->initial_flows = 4096;
	cfg->hash_seed = 0;
}

void tcps_config_conntrack_timeouts(struct tcps_config *cfg)
{
	static const uint32_t conntrack[TCPS_TO__COUNT] = { 120, 60, 432000, 120, 60, 30 };
	memcpy(cfg->timeout_sec, conntrack, sizeof conntrack);
}

static bool ts_after(const struct tcps_ts *a, const struct tcps_ts *b)
{
	return a->sec > b->sec || (a->sec == b->sec && a->nsec > b->nsec);
}

/* True when connections on list l expire: the closed list always (even with
 * --time-wait 0), an open one when its class has a timeout. */
static bool list_expires(const struct tcps_engine *e, unsigned l)
{
	return l == CONN_CLOSED_LIST || e->timeout[l];
}

/* The open list of c's timeout class, from its endpoints' states. */
static uint8_t class_list(const struct conn *c)
{
	return (uint8_t)tcps_timeout_class_of((enum tcps_state)c->ep[0].state, (enum tcps_state)c->ep[1].state);
}

static void note(struct tcps_engine *e, enum tcps_note_kind kind, enum tcps_malformed why, uint64_t pkt,
		 const char *detail)
{
	if (!e->rep.packet_note)
		return;
	struct tcps_packet_note n = { pkt, e->now, kind, why, detail };
	e->rep.packet_note(e->rep.ctx, &n);
}

static void frag_lost(void *ctx, const struct frag_lost *l)
{
	struct tcps_engine *e = ctx;
	char detail[160];
	e->tot.by_class[TCPS_PKT_FRAGMENT_PENDING] += l->pieces;
	snprintf(detail, sizeof detail, "IPv%u datagram id %u: %u fragment%s, never completed", l->family, l->id,
		 l->pieces, l->pieces == 1 ? "" : "s");
	note(e, TCPS_NOTE_FRAGMENT_LOST, TCPS_MAL_NONE, l->first_pkt, detail);
}

struct tcps_engine *tcps_engine_new(const struct tcps_config *cfg, const struct tcps_reporter *rep,
				    char *errbuf)
{
	struct tcps_engine *e = calloc(1, sizeof *e);
	if (!e) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "out of memory");
		return NULL;
	}
	if (cfg)
		e->cfg = *cfg;
	else
		tcps_config_init(&e->cfg);
	if (rep)
		e->rep = *rep;
	for (int i = 0; i < CONN_LISTS; i++) {
		e->lists[i].head = e->lists[i].tail = FLOWTAB_NONE;
		e->timeout[i] = i == CONN_CLOSED_LIST ? e->cfg.time_wait_sec
				: e->cfg.timeout_sec[i] ? e->cfg.timeout_sec[i] : e->cfg.idle_timeout_sec;
		if (list_expires(e, (unsigned)i))
			e->expiring[e->nexpiring++] = (uint8_t)i;
	}
	e->streaming = e->rep.record && !e->rep.summary_only;
	e->next_expiry = (struct tcps_ts){ INT64_MAX, 0 };
	e->trk.pool.free_head = UINT32_MAX;
	e->trk.ext.free_head = UINT32_MAX;
	e->trk.time_wait_sec = e->cfg.time_wait_sec;
	e->trk.keep_records = !e->rep.summary_only;
	e->trk.rec_blocks = e->trk.keep_records && !e->streaming;
	e->trk.tot = &e->tot;
	e->trk.judged_side = -1;
	uint64_t seed = e->cfg.hash_seed ? e->cfg.hash_seed : DEFAULT_SEED;
	e->frags = tcps_frag_new(FRAG_DATAGRAMS, frag_lost, e);
	if (!e->frags || tcps_flowtab_init(&e->ft, e->cfg.initial_flows, seed) < 0) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "out of memory for a table of %u flows", e->cfg.initial_flows);
		tcps_engine_free(e);
		return NULL;
	}
	return e;
}

void tcps_engine_free(struct tcps_engine *e)
{
	if (!e)
		return;
	tcps_frag_free(e->frags);
	tcps_flowtab_free(&e->ft);
	track_pool_free(&e->trk);
	free(e->out);
	free(e->details);
	free(e->order);
	free(e);
}

/* ---- intrusive lists ---- */

static void lru_unlink(struct tcps_engine *e, struct conn *c)
{
	struct lru *l = &e->lists[c->list];
	if (c->lru_prev != FLOWTAB_NONE)
		tcps_flowtab_at(&e->ft, c->lru_prev)->lru_next = c->lru_next;
	else
		l->head = c->lru_next;
	if (c->lru_next != FLOWTAB_NONE)
		tcps_flowtab_at(&e->ft, c->lru_next)->lru_prev = c->lru_prev;
	else
		l->tail = c->lru_prev;
	c->lru_prev = c->lru_next = FLOWTAB_NONE;
}

static void lru_push(struct tcps_engine *e, struct conn *c, uint8_t list)
{
	struct lru *l = &e->lists[list];
	c->list = list;
	c->queued_ts = e->now;
	if (list_expires(e, list)) {
		struct tcps_ts d = { e->now.sec + e->timeout[list], e->now.nsec };
		if (ts_after(&e->next_expiry, &d))
			e->next_expiry = d;
	}
	c->lru_prev = l->tail;
	c->lru_next = FLOWTAB_NONE;
	if (l->tail != FLOWTAB_NONE)
		tcps_flowtab_at(&e->ft, l->tail)->lru_next = c->self;
	else
		l->head = c->self;
	l->tail = c->self;
}

/* ---- connection records ---- */

/* Makes room to write n records; false when memory is short. */
static bool out_reserve(struct tcps_engine *e, uint32_t n)
{
	if (n <= e->out_cap)
		return true;
	uint32_t cap = e->out_cap ? e->out_cap : 64;
	while (cap < n)
		cap *= 2;
	struct tcps_record *o = realloc(e->out, (size_t)cap * sizeof *o);
	if (o)
		e->out = o;
	char(*d)[TCPS_DETAIL_SIZE] = realloc(e->details, (size_t)cap * sizeof *d);
	if (d)
		e->details = d;
	const struct rec **r = realloc(e->order, (size_t)cap * sizeof *r);
	if (r)
		e->order = r;
	if (!o || !d || !r)
		return false;
	e->out_cap = cap;
	return true;
}

/* Record r of c as the reporter sees it, its detail worded into detail. */
static void word_record(const struct tcps_engine *e, const struct conn *c, const struct rec *r,
			struct tcps_record *o, char *detail)
{
	o->kind = r->revises ? TCPS_REC_REVISION : (enum tcps_record_kind)r->kind;
	o->revises = r->revises;
	o->pkt = r->pkt;
	o->sec = r->sec;
	o->nsec = r->nsec;
	o->role = r->side == c->init_side ? TCPS_INITIATOR : TCPS_RESPONDER;
	o->event = r->event;
	o->from = r->state_from;
	o->to = r->state_to;
	o->code = r->code;
	o->after_pkt = r->after_pkt;
	o->unconfirmed = r->unconfirmed;
	o->rule = r->rule;
	o->detail = "";
	if (r->kind == TCPS_REC_FINDING) {
		const struct endpoint *me = &c->ep[r->side], *peer = &c->ep[!r->side];
		/* (a finding of the endpoint's other SYN,ACK source: in its numbers) */
		struct finding_args a = { { r->v[0], r->v[1], r->v[2], r->v[3] }, r->after_pkt,
					  !e->cfg.absolute_seq && me->isn_known,
					  !e->cfg.absolute_seq && peer->isn_known,
					  r->other_isn ? c->synack_alt.isn : me->isn, peer->isn };
		tcps_finding_format((enum tcps_finding_code)r->code, (enum tcps_state)r->state_from,
				    (enum tcps_event)r->event, &a, detail, TCPS_DETAIL_SIZE);
		o->detail = detail;
	}
}

/* Puts c's records with a key up to `upto` that are not written yet in
 * e->order, in causal order (a stable sort by key: records arrive almost
 * in order); returns how many. */
static size_t order_records(struct tcps_engine *e, const struct conn *c, uint64_t upto)
{
	size_t n = 0;
	for (uint32_t i = c->rec_head; i != UINT32_MAX; i = e->trk.pool.r[i].next) {
		const struct rec *r = &e->trk.pool.r[i];
		if (e->trk.rec_blocks && i % TRACK_REC_BLOCK == 0) { /* a block's lines at once, not one miss after the other */
			const char *b = (const char *)r;
			for (size_t k = 64; k < TRACK_REC_BLOCK * sizeof *r; k += 64)
				__builtin_prefetch(b + k);
		}
		if (r->emitted || r->key > upto)
			continue;
		size_t j = n++;
		while (j && e->order[j - 1]->key > r->key) {
			e->order[j] = e->order[j - 1];
			j--;
		}
		e->order[j] = r;
	}
	return n;
}

/* The connection's records in causal order, worded for the reporter. */
static size_t gather_records(struct tcps_engine *e, const struct conn *c)
{
	if (!c->nrec || !out_reserve(e, c->nrec))
		return 0;
	size_t n = order_records(e, c, UINT64_MAX);
	for (size_t i = 0; i < n; i++)
		word_record(e, c, e->order[i], &e->out[i], e->details[i]);
	return n;
}

static void summarize(const struct tracker *trk, const struct conn *c, enum tcps_end end, struct tcps_conn_summary *s);

/*
 * Streaming: writes c's records whose place in the timeline is final (key
 * up to `upto`), in timeline order, then frees those no D-SACK can revise.
 * A connection's records so go out in the order its timeline would show
 * them, and only the unsettled ones are held.
 */
static void stream_settled(struct tcps_engine *e, struct conn *c, uint64_t upto)
{
	if (!c->nrec)
		return;
	size_t n = out_reserve(e, c->nrec) ? order_records(e, c, upto) : 0;
	if (!n)
		return; /* what was written and kept waits for the next write or the end */
	struct tcps_conn_summary s;
	summarize(&e->trk, c, TCPS_END_CAPTURE, &s);
	for (size_t i = 0; i < n; i++) {
		struct rec *r = (struct rec *)e->order[i];
		word_record(e, c, r, &e->out[0], e->details[0]);
		e->rep.record(e->rep.ctx, &s, &e->out[0]);
		r->emitted = 1;
	}
	uint32_t prev = UINT32_MAX;
	for (uint32_t i = c->rec_head; i != UINT32_MAX;) {
		uint32_t next = e->trk.pool.r[i].next;
		if (e->trk.pool.r[i].emitted && !track_rec_revisable(&e->trk, c, i))
			track_rec_free(&e->trk, c, prev, i);
		else
			prev = i;
		i = next;
	}
}

static uint64_t span_ns(const struct tcps_ts *a, const struct tcps_ts *b)
{
	int64_t ns = (b->sec - a->sec) * INT64_C(1000000000) + ((int64_t)b->nsec - (int64_t)a->nsec);
	return ns > 0 ? (uint64_t)ns : 0;
}

static void summarize(const struct tracker *trk, const struct conn *c, enum tcps_end end, struct tcps_conn_summary *s)
{
	const struct conn_ext *ext = track_ext_peek(trk, c);
	unsigned ini = c->init_side, res = !c->init_side;
	memset(s, 0, sizeof *s);
	s->id = c->id;
	for (unsigned r = 0; r < 2; r++) {
		unsigned side = r == TCPS_INITIATOR ? ini : res;
		const struct endpoint *ep = &c->ep[side];
		s->ep[r].family = c->key.family;
		memcpy(s->ep[r].addr, c->key.addr[side], 16);
		s->ep[r].port = c->key.port[side];
		s->pkts[r] = c->pkts[side];
		s->bytes[r] = c->bytes[side];
		s->truncated[r] = c->trunc[side];
		s->initial[r] = (enum tcps_state)ep->initial;
		s->final[r] = (enum tcps_state)ep->state;
		s->inferred[r] = ep->inferred;
		s->silent[r] = !ep->sent_any;
		if (ext)
			memcpy(s->findings[r], ext->findings[side], sizeof s->findings[r]);
		ackwin_figures(c, side, &s->flow[r]);
	}
	s->vlan[0] = c->key.vlan[0];
	s->vlan[1] = c->key.vlan[1];
	s->roles = (enum tcps_role_basis)c->roles;
	s->first_pkt = c->first_pkt;
	s->last_pkt = c->last_pkt;
	s->first_ts = c->first_ts;
	s->last_ts = c->last_ts;
	s->end = end;
	s->reuse = (enum tcps_reuse)c->reuse;
	s->reuse_of = c->reuse_of;
	s->records_dropped = c->rec_dropped;
	if (c->hs_seen == 7) {
		s->hs_rtt_known = true;
		s->hs_syn_synack_ns = span_ns(&c->hs_ts[0], &c->hs_ts[1]);
		s->hs_synack_ack_ns = span_ns(&c->hs_ts[1], &c->hs_ts[2]);
	}
}

/* Ends a connection at `when`: settles its machines, reports it, frees its record. */
static void conn_end(struct tcps_engine *e, struct conn *c, enum tcps_end end, const struct tcps_ts *when)
{
	track_end(&e->trk, c, when);
	if (e->streaming)
		stream_settled(e, c, UINT64_MAX);
	if (e->rep.connection) {
		struct tcps_conn_summary s;
		summarize(&e->trk, c, end, &s);
		if (end == TCPS_END_IDLE) {
			s.idle_class = (enum tcps_timeout_class)c->list;
			s.idle_sec = e->timeout[c->list];
		}
		if (!e->rep.summary_only && !e->streaming) {
			s.nrecords = gather_records(e, c);
			s.records = e->out;
			if (s.nrecords < c->nrec)
				s.records_dropped += c->nrec - s.nrecords; /* no memory to write them */
		}
		e->rep.connection(e->rep.ctx, &s);
	}
	track_release(&e->trk, c);
	lru_unlink(e, c);
	tcps_flowtab_remove(&e->ft, c);
}

static bool expired(const struct tcps_ts *since, const struct tcps_ts *now, uint32_t after_sec)
{
	struct tcps_ts end = { since->sec + after_sec, since->nsec };
	return ts_after(now, &end);
}

/* True when c's time ran out before now (its record is merely not written yet). */
static bool timed_out(const struct tcps_engine *e, const struct conn *c)
{
	return list_expires(e, c->list) && expired(&c->last_ts, &e->now, e->timeout[c->list]);
}

/* Ends c, whose time ran out: at the moment it did, so that a connection
 * ends the same whether a packet or a clock tick finds it. */
static void conn_expire(struct tcps_engine *e, struct conn *c)
{
	struct tcps_ts when = { c->last_ts.sec + e->timeout[c->list], c->last_ts.nsec };
	conn_end(e, c, c->list == CONN_CLOSED_LIST ? TCPS_END_CLOSED : TCPS_END_IDLE, &when);
}

/*
 * A list is queued in time order, so its head expires first: the earliest
 * head's queued_ts plus its list's timeout is a time before which nothing
 * expires, and until the clock passes it the heads (a cache miss on most
 * packets) need not be read. A head that was active since it was queued
 * is queued again; one past its time is ended.
 */
static void expire(struct tcps_engine *e, const struct tcps_ts *now)
{
	struct tcps_ts next = { INT64_MAX, 0 };
	for (unsigned k = 0; k < e->nexpiring; k++) {
		uint8_t l = e->expiring[k];
		uint32_t t = e->timeout[l], h;
		while ((h = e->lists[l].head) != FLOWTAB_NONE) {
			struct conn *c = tcps_flowtab_at(&e->ft, h);
			struct tcps_ts d = { c->queued_ts.sec + t, c->queued_ts.nsec };
			if (!ts_after(now, &d)) { /* the head has not expired: none behind it has */
				if (ts_after(&next, &d))
					next = d;
				break;
			}
			if (expired(&c->last_ts, now, t)) {
				conn_expire(e, c);
			} else { /* active since queued: look again later */
				lru_unlink(e, c);
				lru_push(e, c, l);
			}
		}
	}
	e->next_expiry = next;
}

/* Bytes as a big-endian number: comparing two of these compares the bytes
 * as memcmp does (GCC makes the shifts one load and a bswap). */
static inline uint32_t be32_of(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t be64_of(const uint8_t *p)
{
	return (uint64_t)be32_of(p) << 32 | be32_of(p + 4);
}

/* Builds the canonical key; returns the key side of the packet's sender.
 *
 * The key is looked up right after it is written, while its stores are
 * still in the store buffer; a load that straddles two stores cannot be
 * forwarded and waits for both to reach the cache. So the key is written in
 * whole pieces, each read back only within itself: the two 16-byte
 * addresses (an IPv4 address is followed by 12 zero bytes in the segment
 * too, see struct seg), ports and VLANs as one 8-byte store (GCC merges the
 * four), and family with its padding. */
_Static_assert(offsetof(struct flowkey, vlan) == offsetof(struct flowkey, port) + 4 &&
		       offsetof(struct flowkey, family) == offsetof(struct flowkey, port) + 8 &&
		       sizeof(struct flowkey) == offsetof(struct flowkey, family) + 4,
	       "make_key writes every byte of the key");

static unsigned make_key(const struct seg *s, struct flowkey *k, bool ignore_vlan)
{
	/* The lower (address, port) pair is side 0; comparing all 16 bytes as
	 * big-endian words is memcmp's order, and for IPv4 the zero tails
	 * compare equal. */
	uint64_t ah = be64_of(s->src), bh = be64_of(s->dst);
	uint64_t al = be64_of(s->src + 8), bl = be64_of(s->dst + 8);
	unsigned dir = ah > bh || (ah == bh && (al > bl || (al == bl && s->sport > s->dport)));
	memcpy(k->addr[0], dir ? s->dst : s->src, 16);
	memcpy(k->addr[1], dir ? s->src : s->dst, 16);
	const uint16_t pv[4] = { dir ? s->dport : s->sport, dir ? s->sport : s->dport, ignore_vlan ? 0 : s->vlan[0],
				 ignore_vlan ? 0 : s->vlan[1] };
	memcpy(k->port, pv, sizeof pv); /* port[2], vlan[2] */
	const uint8_t fp[4] = { s->family, 0, 0, 0 };
	memcpy((uint8_t *)k + offsetof(struct flowkey, family), fp, sizeof fp); /* family, pad[3] */
	return dir;
}

/* Roles of a connection first seen with this segment (sent by key side dir). */
static void decide_roles(struct conn *c, const struct seg *s, unsigned dir)
{
	bool syn = s->flags & TH_SYN, ack = s->flags & TH_ACK;
	if (syn && !ack) {
		c->init_side = (uint8_t)dir;
		c->roles = TCPS_ROLES_SYN;
	} else if (syn && ack) {
		c->init_side = (uint8_t)!dir;
		c->roles = TCPS_ROLES_SYNACK;
	} else if (s->sport != s->dport) {
		/* The server is the well-known port (below 1024) if exactly one
		 * is, otherwise the lower port (Zeek and tcptrace guess alike). */
		bool swk = s->sport < 1024, dwk = s->dport < 1024;
		bool sender_is_server = swk != dwk ? swk : s->sport < s->dport;
		c->init_side = (uint8_t)(sender_is_server ? !dir : dir);
		c->roles = TCPS_ROLES_PORT;
	} else {
		c->init_side = (uint8_t)dir;
		c->roles = TCPS_ROLES_FIRST;
	}
}

static void on_segment(struct tcps_engine *e, const struct seg *s)
{
	struct tcps_totals *t = &e->tot;
	t->by_class[s->truncated ? TCPS_PKT_TCP_TRUNCATED : TCPS_PKT_TCP]++;
	if (s->opt.err) {
		static const char *const why[] = { "", "has a length below 2", "runs past the TCP header",
						   "has the wrong length for its kind", "asks a shift above 14" };
		char d[160];
		t->bad_options++;
		snprintf(d, sizeof d, "TCP option kind %u %s; the segment is kept", s->opt.err_kind,
			 why[s->opt.err < 5 ? s->opt.err : 0]);
		note(e, TCPS_NOTE_BAD_OPTIONS, TCPS_MAL_NONE, e->pktno, d);
	}

	struct flowkey k;
	unsigned dir = make_key(s, &k, e->cfg.ignore_vlan);
	uint32_t h = tcps_flowtab_hash(&e->ft, &k);
	struct conn *c = tcps_flowtab_find(&e->ft, &k, h);
	enum tcps_reuse reuse = TCPS_REUSE_NONE;
	uint64_t reuse_of = 0;
	uint32_t rv[3] = { 0, 0, 0 };
	if (c && timed_out(e, c)) {
		/* Its time ran out before this packet: it is over, and forgotten
		 * as if the expiry scan had got there first. */
		conn_expire(e, c);
		c = NULL;
	} else if (c && track_syn_opens_new(&e->trk, c, s, dir, e->pktno)) {
		/* Its sender had closed (or given up): a new connection, which
		 * the peer accepts or not as RFC 6191 says. */
		track_end(&e->trk, c, &e->now);
		reuse = track_judge_reuse(c, s, dir, rv);
		track_reused(&e->trk, c, dir, tcps_reuse_acceptable(reuse), e->pktno, &e->now);
		reuse_of = c->id;
		conn_end(e, c, TCPS_END_REUSED, &e->now);
		c = NULL;
	}
	if (!c) {
		c = tcps_flowtab_insert(&e->ft, &k, h);
		if (!c) {
			note(e, TCPS_NOTE_NO_MEMORY, TCPS_MAL_NONE, e->pktno, "out of memory: segment not tracked");
			return;
		}
		c->id = ++e->next_id;
		c->reuse = (uint8_t)reuse;
		c->reuse_of = reuse_of;
		c->first_pkt = e->pktno;
		c->first_ts = e->now;
		decide_roles(c, s, dir);
		track_init(c, s, &e->now);
		if (reuse != TCPS_REUSE_NONE && !tcps_reuse_acceptable(reuse))
			track_finding(&e->trk, c, dir, TCPS_F_REUSE_UNACCEPTABLE, TCPS_EV_SND_SYN, e->pktno, &e->now, rv[0],
				      rv[1], rv[2]);
		t->connections++;
		if (e->ft.used > t->max_tracked_connections)
			t->max_tracked_connections = e->ft.used;
		lru_push(e, c, class_list(c));
		if (e->streaming && e->rep.open) {
			struct tcps_conn_summary o;
			summarize(&e->trk, c, TCPS_END_CAPTURE, &o);
			e->rep.open(e->rep.ctx, &o);
		}
	}
	uint8_t before[2] = { c->ep[0].state, c->ep[1].state };
	c->pkts[dir]++;
	c->bytes[dir] += s->payload_len;
	c->trunc[dir] += s->truncated;
	c->last_pkt = e->pktno;
	c->last_ts = e->now;
	track_segment(&e->trk, c, s, dir, e->pktno, &e->now);
	if (e->streaming && c->nrec)
		stream_settled(e, c, track_settled_upto(&e->trk, c, e->pktno + 1));
	bool over = c->rst_seen || (c->ep[0].fin_ack_seen && c->ep[1].fin_ack_seen);
	if (c->list == CONN_CLOSED_LIST && over)
		return; /* (an RST shown not to be its sender's reopens it) */
	/* On the wire it is over: a reset, or both FINs acknowledged. Late
	 * segments still find it for --time-wait seconds. Otherwise its
	 * timeout class changes only when a state does. */
	uint8_t list;
	if (over)
		list = CONN_CLOSED_LIST;
	else if (before[0] != c->ep[0].state || before[1] != c->ep[1].state)
		list = class_list(c);
	else
		return; /* most segments */
	if (list != c->list) {
		lru_unlink(e, c);
		lru_push(e, c, list);
	}
}

static void classify(struct tcps_engine *e, enum dec_result r)
{
	switch (r) {
	case DEC_TCP:
		on_segment(e, &e->dec.seg);
		break;
	case DEC_MALFORMED:
		e->tot.by_class[TCPS_PKT_MALFORMED]++;
		e->tot.malformed[e->dec.why]++;
		note(e, TCPS_NOTE_MALFORMED, e->dec.why, e->pktno, e->dec.detail);
		break;
	case DEC_NOT_TCP:
		e->tot.by_class[TCPS_PKT_NOT_TCP]++;
		break;
	case DEC_UNSUPPORTED_LINK:
		e->tot.by_class[TCPS_PKT_UNSUPPORTED_LINK]++;
		break;
	case DEC_FRAGMENT:
		break; /* handled by the caller */
	}
}

static void on_fragment(struct tcps_engine *e)
{
	struct frag_piece p = e->dec.frag;
	struct frag_done done;
	char detail[160];
	switch (tcps_frag_add(e->frags, &p, e->pktno, &e->now, &done, detail)) {
	case FRAG_HELD:
		return;
	case FRAG_BAD:
		e->tot.by_class[TCPS_PKT_MALFORMED]++;
		e->tot.malformed[TCPS_MAL_FRAG_BAD]++;
		note(e, TCPS_NOTE_MALFORMED, TCPS_MAL_FRAG_BAD, e->pktno, detail);
		return;
	case FRAG_COMPLETE:
		break;
	}
	/* The packet that completes a datagram takes the datagram's category;
	 * the other pieces were absorbed into it. */
	e->tot.by_class[TCPS_PKT_FRAGMENT] += done.pieces - 1;
	e->tot.fragments_reassembled++;
	struct seg *s = &e->dec.seg;
	memset(s, 0, sizeof *s);
	s->family = p.family;
	memcpy(s->src, p.src, 16);
	memcpy(s->dst, p.dst, 16);
	s->vlan[0] = p.vlan[0];
	s->vlan[1] = p.vlan[1];
	s->nvlan = p.nvlan;
	s->ip_id = p.id;
	s->reassembled = true;
	classify(e, tcps_decode_l4(done.proto, done.data, done.len, &e->dec));
}

void tcps_engine_feed(struct tcps_engine *e, int linktype, const struct tcps_ts *ts, const uint8_t *bytes,
		      uint32_t caplen, uint32_t wirelen)
{
	e->pktno++;
	e->tot.packets++;
	if (e->pktno > 1 && (ts->sec < e->now.sec || (ts->sec == e->now.sec && ts->nsec < e->now.nsec))) {
		/* A capture artefact (a clock step, files merged out of order).
		 * Capture time is the engine's only clock and never goes back,
		 * so the packet is taken as at the previous packet's time. */
		char d[160];
		int64_t ns = (e->now.sec - ts->sec) * INT64_C(1000000000) + ((int64_t)e->now.nsec - (int64_t)ts->nsec);
		snprintf(d, sizeof d, "timestamp %lld.%09u is %lld.%09lld s before packet %llu's; taken as at that time",
			 (long long)ts->sec, ts->nsec, (long long)(ns / 1000000000), (long long)(ns % 1000000000),
			 (unsigned long long)(e->pktno - 1));
		e->tot.time_backwards++;
		note(e, TCPS_NOTE_TIME_BACKWARDS, TCPS_MAL_NONE, e->pktno, d);
	} else {
		/* field by field: *ts was just written that way, and a 16-byte
		 * load of two fresh stores would wait for both to reach the cache */
		e->now.sec = ts->sec;
		e->now.nsec = ts->nsec;
	}
	if (caplen > wirelen) {
		/* A writer bug or a damaged file: trust the bytes we have. */
		char d[160];
		snprintf(d, sizeof d, "captured length %u exceeds the original length %u; using %u", caplen, wirelen,
			 caplen);
		e->tot.bad_records++;
		note(e, TCPS_NOTE_BAD_RECORD, TCPS_MAL_NONE, e->pktno, d);
		wirelen = caplen;
	}
	e->tot.wire_bytes += wirelen;
	/* Expire first: what timed out before this packet must not absorb it. */
	tcps_frag_expire(e->frags, &e->now);
	if (ts_after(&e->now, &e->next_expiry))
		expire(e, &e->now);
	enum dec_result r = tcps_decode_packet(linktype, bytes, caplen, wirelen, &e->dec);
	if (r == DEC_FRAGMENT)
		on_fragment(e);
	else
		classify(e, r);
}

void tcps_engine_skip_filtered(struct tcps_engine *e)
{
	e->pktno++;
	e->tot.packets++;
	e->tot.by_class[TCPS_PKT_FILTERED]++;
}

static int by_id(const void *a, const void *b)
{
	uint64_t x = (*(struct conn *const *)a)->id, y = (*(struct conn *const *)b)->id;
	return x < y ? -1 : x > y;
}

/* Puts the k connections of all[] in id order. Ids are handed out one by
 * one, so those still open at the end usually span a range not much wider
 * than their number: each then goes straight to its place (slots[id - lo]),
 * with no comparison, where a sort would read every record many times. */
static void order_by_id(struct conn **all, uint32_t k)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (uint32_t i = 0; i < k; i++) {
		lo = all[i]->id < lo ? all[i]->id : lo;
		hi = all[i]->id > hi ? all[i]->id : hi;
	}
	uint64_t span = hi - lo + 1;
	struct conn **slots = span <= 4 * (uint64_t)k ? calloc(span, sizeof *slots) : NULL;
	if (!slots) {
		qsort(all, k, sizeof *all, by_id);
		return;
	}
	for (uint32_t i = 0; i < k; i++)
		slots[all[i]->id - lo] = all[i];
	uint32_t n = 0;
	for (uint64_t i = 0; i < span; i++)
		if (slots[i])
			all[n++] = slots[i];
	free(slots);
}

void tcps_engine_finish(struct tcps_engine *e)
{
	tcps_frag_flush(e->frags);
	uint32_t n = e->ft.used, k = 0;
	if (!n)
		return;
	struct conn **all = malloc((size_t)n * sizeof *all);
	if (!all) { /* no memory to sort: report in table order rather than lose them */
		for (int l = 0; l < CONN_LISTS; l++)
			while (e->lists[l].head != FLOWTAB_NONE)
				conn_end(e, tcps_flowtab_at(&e->ft, e->lists[l].head), TCPS_END_CAPTURE, &e->now);
		return;
	}
	for (int l = 0; l < CONN_LISTS; l++)
		for (uint32_t i = e->lists[l].head; i != FLOWTAB_NONE; i = tcps_flowtab_at(&e->ft, i)->lru_next)
			all[k++] = tcps_flowtab_at(&e->ft, i);
	order_by_id(all, k);
	for (uint32_t i = 0; i < k; i++)
		conn_end(e, all[i], TCPS_END_CAPTURE, &e->now);
	free(all);
}

void tcps_engine_advance(struct tcps_engine *e, const struct tcps_ts *now)
{
	if (!ts_after(now, &e->now))
		return;
	tcps_frag_expire(e->frags, now);
	if (ts_after(now, &e->next_expiry))
		expire(e, now);
}

void tcps_engine_foreach(struct tcps_engine *e, void (*cb)(void *ctx, const struct tcps_conn_summary *c), void *ctx)
{
	for (int l = 0; l < CONN_LISTS; l++)
		for (uint32_t i = e->lists[l].head; i != FLOWTAB_NONE; i = tcps_flowtab_at(&e->ft, i)->lru_next) {
			struct tcps_conn_summary s;
			summarize(&e->trk, tcps_flowtab_at(&e->ft, i), TCPS_END_CAPTURE, &s);
			cb(ctx, &s);
		}
}

void tcps_engine_totals(const struct tcps_engine *e, struct tcps_totals *out)
{
	*out = e->tot;
}
