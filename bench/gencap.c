/*
 * gencap.c - deterministic generator of a large, interleaved TCP capture.
 *
 * Usage: gencap OUT.pcap [packets] [connections]
 *
 * Writes a classic pcap file (LINKTYPE_ETHERNET, microsecond timestamps)
 * without libpcap.  The packet count is exact (sum of per-connection
 * packet budgets); the connections overlap in time like real traffic, a few
 * thousand being open at any moment in the middle of the capture.
 *
 * Every connection:
 *   - 3-way handshake; SYN and SYN/ACK carry MSS, SACK-permitted, timestamps
 *     and window scale (Linux option layout); every later segment carries the
 *     timestamp option (NOP NOP TS);
 *   - request/response exchanges (plus some uploads and server pushes) with
 *     payloads of 1..MSS bytes of real (pseudo-random) payload bytes, and
 *     pure ACKs (every second segment, or at the end of a burst);
 *   - close: FIN 4-way or 3-way (FIN/ACK + FIN/ACK + ACK) from either side,
 *     RST, or FIN answered by RST.
 * A few percent of connections retransmit one data segment (tail loss,
 * resent after an RTO), a few percent are IPv6, a few percent carry an
 * 802.1Q VLAN tag.  Sequence and acknowledgement numbers are exact (SYN and
 * FIN consume one sequence number), IPv4 and TCP checksums are correct, and
 * timestamps are strictly increasing.
 *
 * The PRNG is xorshift64* with a fixed seed, so the output is byte-for-byte
 * reproducible for the same arguments.  Statistics go to stderr.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ PRNG */

static uint64_t rng_state = 0x2545F4914F6CDD1DULL ^ 0x7463707374617465ULL;

static inline uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* uniform in [0, n) */
static inline uint32_t rndu(uint32_t n)
{
    return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
}

/* uniform in [lo, hi] */
static inline uint32_t rndr(uint32_t lo, uint32_t hi)
{
    return lo + rndu(hi - lo + 1);
}

/* uniform in [0, 1) */
static inline double rndf(void)
{
    return (double)(rnd() >> 11) * 0x1.0p-53;
}

static inline int chance(double p)
{
    return rndf() < p;
}

static double rexp(double mean)
{
    return -mean * log(1.0 - rndf());
}

static double rnorm(void)
{
    double u1 = 1.0 - rndf(), u2 = rndf();
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static inline uint64_t splitmix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* ------------------------------------------------------------ model knobs */

#define DEF_PACKETS      650000u
#define DEF_CONNS        25000u
#define MIN_BUDGET       10u      /* packets per connection, at least */
#define TARGET_OPEN      4000.0   /* nominal concurrency (model estimate; actual mid-capture ~3000) */
#define MEAN_LIFETIME_S  20.0     /* mean connection lifetime (seconds) */
#define P_IPV6           0.04
#define P_VLAN           0.03
#define P_RETRANS        0.03
#define P_CLIENT_CLOSES  0.60
#define BASE_EPOCH       1700000000u

enum { CLOSE_FIN4, CLOSE_FIN3, CLOSE_RST, CLOSE_FINRST };
static const uint32_t close_cost[] = { 4, 3, 1, 2 };

enum {
    A_SYN, A_SYNACK, A_HSACK, /* handshake */
    A_DATA, A_ACK, A_RTX,     /* data phase */
    A_FIN, A_RST,             /* close */
    A_DONE
};

enum { PH_HS, PH_DATA, PH_CLOSE, PH_DONE };

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

typedef struct {
    uint64_t t;            /* time of the next packet (us since start) */
    uint64_t seed;         /* payload seed */
    uint32_t budget;       /* packets left to emit (incl. close) */
    uint32_t ccost;        /* packets reserved for the close */
    uint32_t seq[2];       /* next sequence number to send; 0=client 1=server */
    uint32_t isn[2];
    uint32_t tsoff[2];     /* TSval clock offsets */
    uint32_t tslast[2];    /* last TSval sent by side d */
    uint32_t rtt;          /* us */
    double think;          /* mean idle time between exchanges (us) */
    uint32_t burst_left;   /* bytes left in the current burst */
    uint32_t resp_bytes;   /* size of the pending response burst */
    uint32_t nseg;         /* data segments sent so far */
    uint32_t rtx_at;       /* retransmit data segment #rtx_at (0 = never) */
    uint32_t rtx_seq;
    uint16_t rtx_len;
    uint16_t mss[2];
    uint16_t win[2];       /* window field after the handshake */
    uint16_t synwin[2];
    uint16_t ipid[2];
    uint16_t cport, sport;
    uint16_t vid;
    uint32_t cip4, sip4;
    uint8_t cip6[16], sip6[16];
    uint8_t cmac[6];
    uint8_t v6, vlan, ttl_s;
    uint8_t wscale[2];
    uint8_t phase, action, adir; /* planned next packet: action and direction */
    uint8_t last_dir;
    uint8_t burst_dir;
    uint8_t resp_pending;
    uint8_t unacked[2];    /* data segments received by d not yet acked */
    uint8_t rtx_pending, rtx_dir;
    uint8_t close_kind, close_init, close_step;
    uint8_t ended_rst;
} conn_t;

/* --------------------------------------------------------------- output */

static FILE *out;
static uint64_t out_bytes, out_packets, out_payload, last_ts;
static uint64_t n_data, n_pureack, n_rtx, hist_len[4];

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    while (n > 1) {
        sum += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        n -= 2;
    }
    if (n)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void fill_payload(uint8_t *p, uint32_t len, uint64_t seed, int dir, uint32_t off)
{
    /* byte at stream offset o depends only on (seed, dir, o): retransmissions
       carry identical bytes */
    uint64_t s = seed ^ ((uint64_t)dir << 63);
    uint32_t o = off;
    while (len) {
        uint64_t v = splitmix64(s + (o >> 3));
        unsigned k = o & 7;
        while (k < 8 && len) {
            *p++ = (uint8_t)(v >> (8 * k));
            k++, o++, len--;
        }
    }
}

static void write_record(const uint8_t *pkt, uint32_t len, uint64_t t)
{
    uint8_t rh[16];
    uint64_t abs_us = (uint64_t)BASE_EPOCH * 1000000u + t;
    uint32_t sec = (uint32_t)(abs_us / 1000000u), usec = (uint32_t)(abs_us % 1000000u);
    /* pcap header fields are in the writer's byte order (magic tells) */
    memcpy(rh, &sec, 4);
    memcpy(rh + 4, &usec, 4);
    memcpy(rh + 8, &len, 4);
    memcpy(rh + 12, &len, 4);
    if (fwrite(rh, 1, 16, out) != 16 || fwrite(pkt, 1, len, out) != len) {
        perror("write");
        exit(1);
    }
    out_bytes += 16 + len;
    out_packets++;
}

/* Build and write one segment from side dir of connection c. */
static void emit(conn_t *c, int dir, uint8_t flags, uint32_t seq, uint32_t plen)
{
    static uint8_t pkt[14 + 4 + 40 + 60 + 1500];
    uint8_t *p = pkt;
    static const uint8_t rmac[6] = { 0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5e };
    const uint8_t *smac = dir ? rmac : c->cmac, *dmac = dir ? c->cmac : rmac;
    uint32_t ack = (flags & TH_ACK) ? c->seq[!dir] : 0;
    int syn = (flags & TH_SYN) != 0;
    uint32_t tsval = (uint32_t)(c->t / 1000u) + c->tsoff[dir];
    uint32_t tsecr = (syn && !(flags & TH_ACK)) ? 0 : c->tslast[!dir];
    unsigned thl = syn ? 40 : 32;
    uint8_t *ip, *th;

    memcpy(p, dmac, 6);
    memcpy(p + 6, smac, 6);
    p += 12;
    if (c->vlan) {
        put16(p, 0x8100);
        put16(p + 2, c->vid);
        p += 4;
    }
    put16(p, c->v6 ? 0x86dd : 0x0800);
    p += 2;

    ip = p;
    if (!c->v6) {
        p[0] = 0x45;
        p[1] = 0;
        put16(p + 2, (uint16_t)(20 + thl + plen));
        put16(p + 4, c->ipid[dir]++);
        put16(p + 6, 0x4000); /* DF */
        p[8] = dir ? c->ttl_s : 64;
        p[9] = 6;
        put16(p + 10, 0);
        put32(p + 12, dir ? c->sip4 : c->cip4);
        put32(p + 16, dir ? c->cip4 : c->sip4);
        put16(p + 10, csum_fold(csum_add(0, p, 20)));
        p += 20;
    } else {
        put32(p, 0x60000000u | ((uint32_t)(c->seed >> 20) & 0xfffffu));
        put16(p + 4, (uint16_t)(thl + plen));
        p[6] = 6;
        p[7] = dir ? c->ttl_s : 64;
        memcpy(p + 8, dir ? c->sip6 : c->cip6, 16);
        memcpy(p + 24, dir ? c->cip6 : c->sip6, 16);
        p += 40;
    }

    th = p;
    put16(p, dir ? c->sport : c->cport);
    put16(p + 2, dir ? c->cport : c->sport);
    put32(p + 4, seq);
    put32(p + 8, ack);
    p[12] = (uint8_t)((thl / 4) << 4);
    p[13] = flags;
    put16(p + 14, syn ? c->synwin[dir] : c->win[dir]);
    put16(p + 16, 0);
    put16(p + 18, 0);
    p += 20;
    if (syn) {
        /* MSS, SACK_PERM, TS, NOP, WS (Linux order) */
        p[0] = 2; p[1] = 4; put16(p + 2, c->mss[dir]);
        p[4] = 4; p[5] = 2;
        p[6] = 8; p[7] = 10; put32(p + 8, tsval); put32(p + 12, tsecr);
        p[16] = 1;
        p[17] = 3; p[18] = 3; p[19] = c->wscale[dir];
        p += 20;
    } else {
        p[0] = 1; p[1] = 1;
        p[2] = 8; p[3] = 10; put32(p + 4, tsval); put32(p + 8, tsecr);
        p += 12;
    }
    if (plen) {
        fill_payload(p, plen, c->seed, dir, seq - c->isn[dir] - 1);
        p += plen;
    }

    /* TCP checksum with pseudo-header */
    {
        uint32_t sum = 0, tcplen = (uint32_t)(p - th);
        uint8_t ph[8];
        if (!c->v6) {
            sum = csum_add(sum, ip + 12, 8);
            put16(ph, 6);
            put16(ph + 2, (uint16_t)tcplen);
            sum = csum_add(sum, ph, 4);
        } else {
            sum = csum_add(sum, ip + 8, 32);
            put32(ph, tcplen);
            put32(ph + 4, 6);
            sum = csum_add(sum, ph, 8);
        }
        sum = csum_add(sum, th, tcplen);
        put16(th + 16, csum_fold(sum));
    }

    c->tslast[dir] = tsval;
    c->last_dir = (uint8_t)dir;
    if (flags & TH_ACK)
        c->unacked[dir] = 0;
    c->budget--;
    out_payload += plen;
    write_record(pkt, (uint32_t)(p - pkt), c->t);
}

/* ------------------------------------------------------------ behaviour */

static uint32_t small_gap(void) { return rndr(5, 120); }          /* same side, back to back */
static uint32_t client_react(void) { return rndr(15, 300); }      /* client reacting (capture is near the client) */
static uint32_t server_react(const conn_t *c) { return c->rtt + rndr(10, 400); }

static uint32_t pick_size(double mu, double sigma, uint32_t lo, uint32_t hi)
{
    double v = exp(mu + sigma * rnorm());
    if (v < lo) v = lo;
    if (v > hi) v = hi;
    return (uint32_t)v;
}

/* gap before a packet from side dir, given the previous packet's side */
static uint64_t react_gap(const conn_t *c, int dir)
{
    if (dir == c->last_dir)
        return small_gap();
    return dir ? server_react(c) : client_react();
}

/* Decide the next packet of c and advance c->t; called after each emit. */
static void plan(conn_t *c)
{
    uint64_t gap = 0;

    if (c->budget == 0) {
        c->phase = PH_DONE;
        c->action = A_DONE;
        return;
    }
    if (c->phase == PH_HS) {
        if (c->action == A_SYN) {
            c->action = A_SYNACK; c->adir = 1; gap = server_react(c);
        } else {
            c->action = A_HSACK; c->adir = 0; gap = client_react();
        }
        c->t += gap;
        return;
    }
    if (c->phase == PH_DATA && c->budget <= c->ccost) {
        c->phase = PH_CLOSE;
        c->close_step = 0;
    }
    if (c->phase == PH_DATA) {
        int r = !c->burst_dir;
        if (c->rtx_pending) {
            c->action = A_RTX; c->adir = c->rtx_dir;
            gap = c->rtt * 3u > 200000u ? c->rtt * 3u : 200000u + rndu(20000);
        } else if (c->unacked[r] >= 2) {
            c->action = A_ACK; c->adir = (uint8_t)r; gap = react_gap(c, r);
        } else if (c->burst_left == 0 && c->unacked[r] > 0 && !(c->resp_pending && chance(0.5))) {
            /* end of burst: (delayed) ack */
            c->action = A_ACK; c->adir = (uint8_t)r;
            gap = react_gap(c, r) + (chance(0.3) ? rndr(1000, 40000) : 0);
        } else if (c->burst_left > 0) {
            c->action = A_DATA; c->adir = c->burst_dir; gap = react_gap(c, c->burst_dir);
        } else if (c->resp_pending) {
            c->burst_dir = !c->burst_dir;
            c->burst_left = c->resp_bytes;
            c->resp_pending = 0;
            c->action = A_DATA; c->adir = c->burst_dir;
            gap = react_gap(c, c->burst_dir) + rndr(20, c->burst_dir ? 5000 : 500);
        } else {
            /* new exchange after some idle time */
            uint32_t k = rndu(100);
            gap = (uint64_t)rexp(c->think) + rndr(50, 2000);
            if (k < 82) {          /* request / response */
                c->burst_dir = 0;
                c->burst_left = pick_size(5.3, 0.9, 16, 8000);
                c->resp_bytes = pick_size(7.2, 1.6, 1, 4000000);
                c->resp_pending = 1;
            } else if (k < 92) {   /* upload / short answer */
                c->burst_dir = 0;
                c->burst_left = pick_size(8.5, 1.3, 200, 4000000);
                c->resp_bytes = pick_size(4.5, 0.7, 1, 1400);
                c->resp_pending = 1;
            } else {               /* server push */
                c->burst_dir = 1;
                c->burst_left = pick_size(6.0, 1.0, 1, 60000);
                c->resp_pending = 0;
                gap += c->rtt / 2;
            }
            if (c->nseg == 0) /* first exchange right after the handshake */
                gap = react_gap(c, c->burst_dir) + rndr(20, 3000);
            c->action = A_DATA; c->adir = c->burst_dir;
        }
        c->t += gap;
        return;
    }
    /* PH_CLOSE */
    {
        int x = c->close_init, y = !x;
        int dir;
        switch (c->close_kind) {
        case CLOSE_FIN4: {
            static const uint8_t a[4] = { A_FIN, A_ACK, A_FIN, A_ACK };
            dir = (c->close_step == 1 || c->close_step == 2) ? y : x;
            c->action = a[c->close_step];
            break;
        }
        case CLOSE_FIN3:
            dir = (c->close_step == 1) ? y : x;
            c->action = c->close_step < 2 ? A_FIN : A_ACK;
            break;
        case CLOSE_RST:
            dir = x;
            c->action = A_RST;
            break;
        default: /* CLOSE_FINRST */
            dir = c->close_step ? y : x;
            c->action = c->close_step ? A_RST : A_FIN;
            break;
        }
        c->adir = (uint8_t)dir;
        if (c->close_step == 0)
            gap = (uint64_t)rexp(c->think / 2) + rndr(100, 5000);
        else if (c->close_kind == CLOSE_FIN4 && c->close_step == 2)
            gap = dir == c->last_dir ? rndr(20, 30000) : react_gap(c, dir) + rndr(20, 30000);
        else
            gap = react_gap(c, dir);
        c->close_step++;
        c->t += gap;
    }
}

/* Emit the planned packet of c. */
static void step(conn_t *c)
{
    int d = c->adir;
    switch (c->action) {
    case A_SYN:
        emit(c, 0, TH_SYN, c->seq[0], 0);
        c->seq[0]++;
        break;
    case A_SYNACK:
        emit(c, 1, TH_SYN | TH_ACK, c->seq[1], 0);
        c->seq[1]++;
        break;
    case A_HSACK:
        emit(c, 0, TH_ACK, c->seq[0], 0);
        c->phase = PH_DATA;
        break;
    case A_DATA: {
        uint32_t maxseg = c->mss[!d], len = c->burst_left < maxseg ? c->burst_left : maxseg;
        uint8_t fl = TH_ACK;
        c->burst_left -= len;
        if (c->burst_left == 0)
            fl |= TH_PSH;
        c->rtx_seq = c->seq[d];
        c->rtx_len = (uint16_t)len;
        emit(c, d, fl, c->seq[d], len);
        c->seq[d] += len;
        c->unacked[!d]++;
        c->nseg++;
        n_data++;
        hist_len[len <= 100 ? 0 : len <= 536 ? 1 : len < maxseg ? 2 : 3]++;
        if (c->nseg == c->rtx_at && c->budget > c->ccost + 1) {
            c->rtx_pending = 1;
            c->rtx_dir = (uint8_t)d;
        }
        break;
    }
    case A_RTX:
        emit(c, d, TH_ACK | TH_PSH, c->rtx_seq, c->rtx_len);
        c->rtx_pending = 0;
        n_rtx++;
        break;
    case A_ACK:
        emit(c, d, TH_ACK, c->seq[d], 0);
        n_pureack++;
        break;
    case A_FIN:
        emit(c, d, TH_FIN | TH_ACK, c->seq[d], 0);
        c->seq[d]++;
        break;
    case A_RST:
        emit(c, d, TH_RST | TH_ACK, c->seq[d], 0);
        c->ended_rst = 1;
        break;
    }
    plan(c);
}

/* ------------------------------------------------------------------ heap */

static conn_t *conns;
static uint32_t *heap, heap_n;

static inline int before(uint32_t a, uint32_t b)
{
    return conns[a].t < conns[b].t || (conns[a].t == conns[b].t && a < b);
}

static void heap_push(uint32_t i)
{
    uint32_t k = heap_n++;
    while (k && before(i, heap[(k - 1) / 2])) {
        heap[k] = heap[(k - 1) / 2];
        k = (k - 1) / 2;
    }
    heap[k] = i;
}

static void heap_sift_down(uint32_t k)
{
    uint32_t i = heap[k];
    for (;;) {
        uint32_t l = 2 * k + 1, m;
        if (l >= heap_n)
            break;
        m = (l + 1 < heap_n && before(heap[l + 1], heap[l])) ? l + 1 : l;
        if (!before(heap[m], i))
            break;
        heap[k] = heap[m];
        k = m;
    }
    heap[k] = i;
}

/* ------------------------------------------------------ tuple uniqueness */

static uint64_t *tuples;
static uint32_t tuples_mask;

static int tuple_insert(const conn_t *c)
{
    uint64_t key = splitmix64(((uint64_t)c->cip4 << 32 | c->sip4) ^
                              ((uint64_t)c->cport << 16 | c->sport) * 0x100000001ULL ^
                              ((uint64_t)c->v6 << 62));
    uint32_t h;
    if (!key)
        key = 1;
    for (h = (uint32_t)key & tuples_mask; tuples[h]; h = (h + 1) & tuples_mask)
        if (tuples[h] == key)
            return 0;
    tuples[h] = key;
    return 1;
}

/* ------------------------------------------------------------------ main */

static unsigned long parse_num(const char *s, const char *what)
{
    char *end;
    unsigned long v;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v == 0 || v > 100000000ul) {
        fprintf(stderr, "gencap: bad %s: %s\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    uint32_t npk = DEF_PACKETS, nc = DEF_CONNS, i;
    double *w, wsum = 0, span_us;
    uint64_t extra, assigned = 0;
    uint32_t n_v6 = 0, n_vlan = 0, n_rtxc = 0, n_rst = 0, n_fin3 = 0, n_fin4 = 0, n_finrst = 0;
    uint32_t open = 0, max_open = 0, bmax = 0;
    uint64_t t_prev = 0, t_first = 0;
    double open_area = 0;
    uint64_t mid_open_sum = 0, mid_samples = 0;

    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: %s OUT.pcap [packets=%u] [connections=%u]\n", argv[0],
                DEF_PACKETS, DEF_CONNS);
        return 2;
    }
    if (argc > 2)
        npk = (uint32_t)parse_num(argv[2], "packet count");
    if (argc > 3)
        nc = (uint32_t)parse_num(argv[3], "connection count");
    if ((uint64_t)nc * MIN_BUDGET > npk) {
        fprintf(stderr, "gencap: need at least %u packets per connection (%llu packets for %u connections)\n",
                MIN_BUDGET, (unsigned long long)nc * MIN_BUDGET, nc);
        return 2;
    }

    conns = calloc(nc, sizeof *conns);
    heap = malloc(nc * sizeof *heap);
    w = malloc(nc * sizeof *w);
    for (tuples_mask = 1; tuples_mask < 4 * nc; tuples_mask <<= 1)
        ;
    tuples = calloc(tuples_mask, sizeof *tuples);
    tuples_mask--;
    if (!conns || !heap || !w || !tuples) {
        fprintf(stderr, "gencap: out of memory\n");
        return 1;
    }

    /* packet budgets: heavy-tailed (lognormal) weights, exact total */
    for (i = 0; i < nc; i++) {
        w[i] = exp(1.1 * rnorm());
        wsum += w[i];
    }
    extra = npk - (uint64_t)nc * MIN_BUDGET;
    for (i = 0; i < nc; i++) {
        conns[i].budget = MIN_BUDGET + (uint32_t)((double)extra * w[i] / wsum);
        assigned += conns[i].budget;
    }
    for (i = 0; assigned < npk; i = (i + 1) % nc, assigned++)
        conns[i].budget++;

    /* connection start times: uniform over a span chosen so that about
       TARGET_OPEN connections are open at once */
    {
        double target = TARGET_OPEN < nc / 4.0 ? TARGET_OPEN : nc / 4.0;
        span_us = (double)nc * MEAN_LIFETIME_S * 1e6 / target;
    }

    for (i = 0; i < nc; i++) {
        conn_t *c = &conns[i];
        double bmean = (double)npk / nc, life;
        uint32_t exchanges;

        c->seed = splitmix64(0xC0FFEEull + i);
        c->t = (uint64_t)(rndf() * span_us);
        c->v6 = chance(P_IPV6);
        c->vlan = chance(P_VLAN);
        c->vid = (uint16_t)rndr(2, 4094);
        c->rtt = rndr(300, 2000) + (chance(0.6) ? rndr(1000, 40000) : rndr(40000, 250000));
        c->ttl_s = (uint8_t)(64 - rndr(3, 20));
        do {
            c->cip4 = 0x0a000000u | rndr(1, 0xfffe);            /* 10.0.0.0/16 */
            c->sip4 = 0xac100000u | rndr(1, 400);               /* 172.16.x.y */
            c->cport = (uint16_t)rndr(32768, 60999);
            {
                /* service ports without a Wireshark dissector, so that the
                   random payload is not claimed by application dissectors
                   (keeps tshark's work to Ethernet/IP/TCP + conversation) */
                static const uint16_t ports[] = { 3000, 7001, 8001, 8081, 8888, 9200,
                                                  12000, 15000, 18080, 25000, 28080, 31000 };
                c->sport = chance(0.8) ? ports[rndu(sizeof ports / sizeof ports[0])]
                                       : (uint16_t)rndr(33000, 34900);
            }
        } while (!tuple_insert(c));
        if (c->v6) {
            static const uint8_t pfx_c[8] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00 };
            static const uint8_t pfx_s[8] = { 0x20, 0x01, 0x0d, 0xb8, 0x0f, 0x00, 0x00, 0x02 };
            memcpy(c->cip6, pfx_c, 8);
            memcpy(c->sip6, pfx_s, 8);
            put32(c->cip6 + 8, 0x02163eff);
            put32(c->cip6 + 12, c->cip4);
            put32(c->sip6 + 12, c->sip4);
        }
        c->cmac[0] = 0x02; c->cmac[1] = 0x42;
        put32(c->cmac + 2, c->cip4);
        c->isn[0] = (uint32_t)rnd();
        c->isn[1] = (uint32_t)rnd();
        c->seq[0] = c->isn[0];
        c->seq[1] = c->isn[1];
        c->tsoff[0] = (uint32_t)rnd();
        c->tsoff[1] = (uint32_t)rnd();
        c->mss[0] = c->mss[1] = c->v6 ? 1440 : 1460;
        if (chance(0.1))
            c->mss[1] = c->v6 ? 1380 : 1400;  /* e.g. a tunnel on the server side */
        c->wscale[0] = (uint8_t)rndr(6, 9);
        c->wscale[1] = (uint8_t)rndr(7, 10);
        c->synwin[0] = c->v6 ? 64800 : 64240;
        c->synwin[1] = c->v6 ? 64800 : 65160;
        c->win[0] = (uint16_t)rndr(501, 3000);
        c->win[1] = (uint16_t)rndr(501, 3000);
        c->ipid[0] = (uint16_t)rnd();
        c->ipid[1] = (uint16_t)rnd();
        {
            uint32_t k = rndu(100);
            c->close_kind = k < 52 ? CLOSE_FIN4 : k < 88 ? CLOSE_FIN3 : k < 97 ? CLOSE_RST : CLOSE_FINRST;
        }
        c->close_init = !chance(P_CLIENT_CLOSES);
        c->ccost = close_cost[c->close_kind];
        if (chance(P_RETRANS) && c->budget >= 3 + c->ccost + 3)
            c->rtx_at = 1 + rndu((c->budget - 3 - c->ccost) / 2);
        life = MEAN_LIFETIME_S * 1e6 * (0.5 * rexp(1.0) + 0.5 * c->budget / bmean);
        exchanges = (c->budget - 3 - c->ccost) / 6 + 1;
        c->think = life / (exchanges + 0.5);
        c->phase = PH_HS;
        c->action = A_SYN;
        c->adir = 0;
        c->last_dir = 0;
        if (c->budget > bmax)
            bmax = c->budget;
        n_v6 += c->v6;
        n_vlan += c->vlan;
        n_rtxc += c->rtx_at != 0;
        n_fin4 += c->close_kind == CLOSE_FIN4;
        n_fin3 += c->close_kind == CLOSE_FIN3;
        n_rst += c->close_kind == CLOSE_RST;
        n_finrst += c->close_kind == CLOSE_FINRST;
        heap_push(i);
    }
    free(w);
    free(tuples);

    out = fopen(argv[1], "wb");
    if (!out) {
        fprintf(stderr, "gencap: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    setvbuf(out, NULL, _IOFBF, 1 << 22);
    {
        uint8_t gh[24];
        uint32_t magic = 0xa1b2c3d4u, snap = 262144, lt = 1, zero = 0;
        uint16_t vmaj = 2, vmin = 4;
        memcpy(gh, &magic, 4);
        memcpy(gh + 4, &vmaj, 2);
        memcpy(gh + 6, &vmin, 2);
        memcpy(gh + 8, &zero, 4);
        memcpy(gh + 12, &zero, 4);
        memcpy(gh + 16, &snap, 4);
        memcpy(gh + 20, &lt, 4);
        fwrite(gh, 1, 24, out);
        out_bytes = 24;
    }

    while (heap_n) {
        uint32_t ci = heap[0];
        conn_t *c = &conns[ci];
        int was_syn = c->action == A_SYN;

        /* strictly increasing timestamps */
        if (out_packets && c->t <= last_ts)
            c->t = last_ts + 1;
        if (!out_packets)
            t_first = c->t;
        last_ts = c->t;

        open_area += (double)open * (double)(c->t - t_prev);
        t_prev = c->t;
        if (c->t > span_us * 0.25 && c->t < span_us * 0.75) {
            mid_open_sum += open;
            mid_samples++;
        }

        step(c);
        if (was_syn && ++open > max_open)
            max_open = open;
        if (c->phase == PH_DONE) {
            open--;
            heap[0] = heap[--heap_n];
        }
        if (heap_n)
            heap_sift_down(0);
    }
    if (fclose(out) != 0) {
        perror("gencap: close");
        return 1;
    }

    fprintf(stderr,
            "gencap: wrote %s: %llu packets, %u connections, %llu bytes (%.1f MiB)\n"
            "  ipv6 %u, vlan %u, with retransmission %u (retransmitted segments %llu)\n"
            "  close: fin4 %u, fin3 %u, rst %u, fin+rst %u\n"
            "  data segments %llu (payload %llu bytes, mean %.0f), pure acks %llu\n"
            "  payload sizes: <=100 %llu, 101-536 %llu, 537..<mss %llu, =mss %llu\n"
            "  duration %.1f s, open connections: max %u, mean %.0f, mean mid-capture %.0f\n"
            "  max packets in one connection %u\n",
            argv[1], (unsigned long long)out_packets, nc, (unsigned long long)out_bytes,
            out_bytes / 1048576.0, n_v6, n_vlan, n_rtxc, (unsigned long long)n_rtx, n_fin4, n_fin3,
            n_rst, n_finrst, (unsigned long long)n_data, (unsigned long long)out_payload,
            n_data ? (double)out_payload / n_data : 0.0, (unsigned long long)n_pureack,
            (unsigned long long)hist_len[0], (unsigned long long)hist_len[1],
            (unsigned long long)hist_len[2], (unsigned long long)hist_len[3],
            (last_ts - t_first) / 1e6, max_open, open_area / (double)(last_ts - t_first + 1),
            mid_samples ? (double)mid_open_sum / mid_samples : 0.0, bmax);
    if (out_packets != npk)
        fprintf(stderr, "gencap: internal error: %llu packets written, %u planned\n",
                (unsigned long long)out_packets, npk);
    free(conns);
    free(heap);
    return out_packets == npk ? 0 : 1;
}
