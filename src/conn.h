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

/* The expiry list a connection is on: open, or closed and waiting out time_wait. */
enum { CONN_OPEN_LIST = 0, CONN_CLOSED_LIST = 1 };

struct conn {
	struct flowkey key;
	uint32_t hash;
	uint32_t self;                /* own index in the flow table */
	uint32_t lru_prev, lru_next;  /* indices in the flow table; UINT32_MAX ends */
	uint8_t list;                 /* CONN_OPEN_LIST or CONN_CLOSED_LIST */
	uint8_t init_side;            /* key side (0 or 1) of the initiator */
	uint8_t roles;                /* enum tcps_role_basis */
	bool reused;
	bool syn_seen[2];             /* per key side */
	bool fin_seen[2];
	bool rst_seen;
	uint32_t isn[2];              /* sequence number of each side's SYN */
	uint64_t id;
	uint64_t pkts[2], bytes[2], trunc[2];  /* per key side */
	uint64_t first_pkt, last_pkt;
	struct tcps_ts first_ts, last_ts;
	struct tcps_ts queued_ts;     /* when put at the tail of its list */
};

#endif
