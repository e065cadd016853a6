/* policy.h - which findings fail a run (--fail-on) */
#ifndef TCPSTATE_POLICY_H
#define TCPSTATE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tcpstate/engine.h"

/* The set of finding codes that make a run fail. */
struct tcps_policy {
	bool fail[TCPS_F__COUNT];
};

/*
 * Adds to p the items of a comma-separated list, left to right. An item is
 * a finding name ("retransmission") or code ("18"); a severity, meaning
 * that severity and above ("warning": warnings and errors); a category
 * ("illegal", "capture-loss", "network", "capture-artefact"); or "all".
 * A leading '-' takes the item out again ("warning,-dup_ack").
 * Returns TCPS_OK, or TCPS_E_BADARG with errbuf naming the unknown item.
 */
int tcps_policy_add(struct tcps_policy *p, const char *list, char *errbuf);

/* True when the policy holds at least one code. */
bool tcps_policy_any(const struct tcps_policy *p);

/* How many of the findings counted in t the policy fails on. */
uint64_t tcps_policy_matches(const struct tcps_policy *p, const struct tcps_totals *t);

/* Writes into buf (always NUL-terminated) the matched findings by name,
 * most frequent first: "retransmission x3, illegal_event x1". */
void tcps_policy_describe(const struct tcps_policy *p, const struct tcps_totals *t, char *buf, size_t len);

#endif
