/* conn.h - the connection record kept in the flow table */
#ifndef TCPS_CONN_H
#define TCPS_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include "tcpstate/engine.h"

/*
 * Canonical connection key: the two (address, port) pairs in ascending order,
 * so both directions of a connection share one key; dir tells which side sent
 * a given packet. IPv4 addresses occupy the first 4 bytes, the rest is zero.
 * Always built from a zeroed struct so that hashing and memcmp see no
 * undefined padding.
 */
struct flowkey {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint16_t vlan[2];        /* outer, inner VLAN id: one tuple on two VLANs is two connections */
	uint8_t family;
	uint8_t pad[3];
};

/*
 * A segment one endpoint sent whose effect on the other waits for evidence.
 * The receiver's own later segments tell whether it had arrived: an ack that
 * covers it says yes; a segment that could not have been sent after it
 * (a retransmitted SYN,ACK after the ACK of it) says no. See track.c.
 */
struct pend {
	uint64_t pkt;
	uint64_t held_by;             /* receiver's latest packet sent before this arrived; 0 none */
	int64_t sec;
	uint32_t nsec;
	uint32_t seq, ctl_end, ack;   /* ctl_end: sequence number after its SYN or FIN */
	uint16_t flags;
	uint8_t sender_illegal;       /* the send was a finding already: do not judge the receipt */
	uint8_t retx;                 /* its sender retransmitted it: it wanted an ACK it did not get */
	uint8_t disowned;             /* an RST its sender's stack did not send (struct rst_held) */
};

#define EP_PENDING 3

/*
 * A stretch of a sender's sequence space the capture skipped: bytes beyond
 * it were seen, it was not. Later packets decide what it was (stream.c):
 * the peer's ACK or SACK of it (the capture lost it), a segment filling it
 * (reordered, or retransmitted after a loss before the capture point), or
 * nothing until the end (lost).
 */
struct hole {
	uint64_t pkt;                 /* the segment that revealed it: the first beyond it */
	int64_t sec;
	uint32_t nsec;
	uint32_t lo, hi;              /* [lo, hi) never seen */
	uint32_t tsval;               /* the revealing segment's TSval (has_ts), IPv4 id (has_id) */
	uint16_t ip_id;
	uint8_t has_ts, has_id, event, state;
};

#define EP_HOLES 3

/* A segment recently sent with new bytes: a retransmission's bytes are compared
 * with the first and last 8 of it (stream.c). */
struct sent {
	uint64_t pkt;
	uint32_t seq, len;
	uint8_t head[8], tail[8];     /* payload bytes [seq, seq+8) and [seq+len-8, seq+len), as captured */
	uint8_t nhead, ntail;         /* how many of them the capture holds */
	uint16_t ip_id;               /* its IPv4 id, 0 unknown */
};

#define EP_SENT 4

/* A retransmission a later D-SACK may show to be spurious (stream.c). */
struct resent {
	uint32_t lo, hi;
	uint32_t rec;                 /* its record in the pool, UINT32_MAX none */
	uint8_t code;                 /* its finding code; 0 once settled */
};

#define EP_RESENT 4

/* What only a stream with gaps or retransmissions needs (in struct conn_ext). */
struct stream_cold {
	struct hole holes[EP_HOLES];
	struct resent resent[EP_RESENT];
};

/* What an endpoint's SYN (or SYN,ACK) announced (ackwin.c). */
struct syn_opts {
	uint16_t mss;                 /* its MSS (536, or 1220 over IPv6, when none) */
	uint8_t wscale;               /* its window shift, at most 14 */
	bool known : 1;               /* the SYN was captured: the rest is known */
	bool has_ws : 1, sack_ok : 1;
};

/* One endpoint's byte stream as sender, and the window it offers as receiver
 * (stream.c, ackwin.c). */
struct stream {
	uint8_t nholes;               /* in use in struct stream_cold's holes */
	uint8_t nsent, sent_next, resent_next;  /* its rings (here, so that a store needs no load there) */
	bool ka_pending : 1;          /* its last segment was a keep-alive, not yet answered */
	bool zwp_pending : 1;         /* its last segment was a zero-window probe, not yet answered */
	bool win_known : 1, win_syn : 1, redge_known : 1, redge_syn : 1, sack_known : 1, ts_recent_known : 1;
	bool synack_sent : 1;
	bool timing : 1;              /* a segment ending at timed_end is timed (rtt in struct conn) */
	bool challenged : 1;          /* it sent an RST or SYN its peer should challenge (struct conn_ext's challenged) */
	struct syn_opts syn;          /* what its SYN announced */
	uint16_t win_raw;             /* its last window field */
	uint32_t win;                 /* that window, scaled */
	uint32_t redge, redge_max;    /* ack + window: how far it lets the peer send; the most ever */
	uint32_t sack_hi;             /* highest right edge of its SACK blocks (D-SACK excluded) */
	uint32_t ts_recent;           /* RFC 7323 TS.Recent its peer keeps for this stream */
	uint32_t dupacks;             /* duplicate ACKs it sent in a row */
	uint64_t ack_pkt;             /* the packet that carried its highest ack */
	uint32_t timed_end;
	uint32_t max_flight;          /* most bytes sent and not yet acknowledged, as captured */
};

/* RTT from the capture point: one segment timed at a time (Karn's rule);
 * touched about once per round trip, so kept with the cold fields. */
struct rtt_acc {
	int64_t timed_sec;            /* when the timed segment was sent */
	uint32_t timed_nsec;
	uint32_t n;
	uint64_t min, max, sum;       /* nanoseconds */
};

/* One endpoint's machine and what it sent, in RFC 9293 names. */
struct endpoint {
	uint8_t state;                /* enum tcps_state */
	uint8_t initial;              /* the state it started in */
	uint8_t npend;
	bool isn_known : 1, nxt_known : 1, fin_sent : 1, syn_acked : 1, fin_acked : 1, fin_ack_seen : 1;
	bool ts_known : 1, inferred : 1, sent_any : 1, last_rst : 1, ack_known : 1;
	bool hs_checked : 1;          /* its first segment after the handshake was checked */
	bool last_valid : 1;          /* its previous segment, to spot a packet recorded twice */
	bool rst_ack_new : 1;         /* its last segment, an RST with ACK, acknowledged more than any before */
	bool syn_ts_known : 1;        /* its SYN carried a timestamp: syn_tsval */
	bool rst_sent : 1;            /* it sent an RST that stands (see struct rst_held) */
	bool rst_held : 1;            /* its last segment, an RST, closed it: struct conn's rst_held */
	bool synack_alt : 1;          /* another stack answered in its name: struct conn's synack_alt */
	uint32_t isn, snd_nxt, fin_seq, tsval;
	uint32_t ack_hi;              /* highest ack it sent */
	uint32_t syn_len;             /* payload on its SYN (Fast Open) */
	uint32_t syn_tsval;           /* the TSval of its first SYN with this ISN */
	uint16_t last_flags;
	uint32_t last_ip_id, last_seq, last_ack, last_len;
	struct stream st;
};

/*
 * An RST that closed the endpoint in whose name it came, until that
 * endpoint's next segment: a stack that sent RST sends nothing more on the
 * connection, so one that goes on with its sequence space did not send it
 * (track.c). pkt 0: none.
 */
struct rst_held {
	uint64_t pkt;
	struct tcps_ts state_ts;      /* when the sender had entered the state the RST left */
	uint32_t rec;                 /* the RST's transition record, UINT32_MAX none */
	uint32_t seq;
	uint8_t state;                /* the state the RST left (its sender: the endpoint with rst_held) */
	bool rst_sent;                /* the sender's rst_sent before it */
};

/*
 * A second SYN,ACK source: SYN,ACKs with another ISN answering the same SYN,
 * two stacks answering for one address (a middlebox, a load balancer, a SYN
 * proxy). The peer's ACK decides which one it synchronized with; the
 * endpoint follows that one, and the other is kept here so that its
 * SYN,ACKs are known and set aside (track.c).
 */
struct synack_alt {
	/* (until the peer chooses) its first SYN,ACK, and the peer's last SYN before it */
	struct tcps_ts ts, syn_ts;
	uint32_t isn, len;            /* its ISN and its SYN,ACK's payload */
	struct syn_opts opts;         /* its SYN,ACK's options */
	bool decided;                 /* the peer chose the endpoint's other ISN: this one lost */
};

/* The expiry list a connection is on: open, one list per timeout class
 * (enum tcps_timeout_class), or closed and waiting out time_wait. */
enum { CONN_CLOSED_LIST = TCPS_TO__COUNT, CONN_LISTS };

/* Fields a packet touches come first (key, counters, the two machines),
 * those read only when the connection is written come last. */
struct conn {
	struct flowkey key;
	uint32_t hash;
	uint32_t self;                /* own index in the flow table */
	uint32_t lru_prev, lru_next;  /* indices in the flow table; UINT32_MAX ends */
	uint8_t list;                 /* its timeout class, or CONN_CLOSED_LIST */
	uint8_t init_side;            /* key side (0 or 1) of the initiator */
	uint8_t roles;                /* enum tcps_role_basis */
	bool rst_seen;
	uint8_t reuse;                /* enum tcps_reuse */
	uint8_t hs_seen;              /* handshake times taken (hs_ts): bits 1 SYN, 2 SYN,ACK, 4 ACK */
	uint16_t nrec;                /* records held (track.c), at most TRACK_MAX_RECORDS */
	uint64_t pkts[2], bytes[2], trunc[2];  /* per key side */
	uint64_t last_pkt;
	struct tcps_ts last_ts;
	struct tcps_ts queued_ts;     /* when put at the tail of its list */
	struct endpoint ep[2];        /* per key side */
	/* cold */
	uint64_t id;
	uint64_t first_pkt;
	struct tcps_ts first_ts;
	uint32_t rec_head, rec_tail;  /* the connection's records in the pool */
	uint32_t rec_dropped;         /* findings beyond the cap: counted, not kept */
	uint8_t rec_room;             /* free slots after rec_tail in its block (track.c) */
	uint64_t reuse_of;            /* id of the connection this one replaced, 0 none */
	uint32_t ext;                 /* its struct conn_ext in the tracker's pool, UINT32_MAX none */
	/* the handshake's times: the SYN the SYN,ACK answers, the SYN,ACK, the ACK of it */
	struct tcps_ts hs_ts[3];
	struct tcps_ts last_syn_ts;           /* the latest SYN (without ACK) */
	struct pend pend[2][EP_PENDING];      /* per key side: receipts waiting for evidence (npend) */
	struct sent sent[2][EP_SENT];         /* per key side: its last data segments (stream.c) */
	struct tcps_ts state_ts[2];           /* per key side: when its current state was entered */
	struct rtt_acc rtt[2];                /* per key side: RTT of its stream */
	struct rst_held rst_held;
	struct synack_alt synack_alt;
};

/*
 * What only some connections need, allocated from a pool the first time
 * one has a finding, a gap or a retransmission: most connections never do,
 * and the flow table keeps memory proportional to live connections.
 */
struct conn_ext {
	uint32_t next_free;
	uint32_t findings[2][TCPS_F__COUNT];  /* per key side, exact even beyond the record cap */
	struct stream_cold cold[2];           /* per key side */
	struct {                              /* per key side: its last RST, SYN or SYN,ACK that draws a challenge ACK */
		uint64_t pkt;
		uint32_t seq;
		uint8_t what;                 /* enum track_challenged */
	} challenged[2];
};

#endif
