/* findings.h - the finding catalogue and how a finding's detail is worded */
#ifndef TCPS_FINDINGS_H
#define TCPS_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tcpstate/states.h"

/* The numbers a finding carries, worded at report time (records stay small). */
struct finding_args {
	uint32_t v[4];
	uint64_t pkt2;        /* a second packet number the detail names, 0 if none */
	/* Sequence numbers are shown relative to the ISN of their stream (the
	 * finding's endpoint's, or its peer's) when it is known, as tcpdump
	 * does; absolute with -S. */
	bool self_rel, peer_rel;
	uint32_t self_isn, peer_isn;
};

/* The rule a check enforces (for findings that are not a table cell). */
const char *tcps_finding_rule(enum tcps_finding_code c);

/* Writes the English detail of a finding into buf (NUL-terminated). */
void tcps_finding_format(enum tcps_finding_code c, enum tcps_state st, enum tcps_event ev,
			 const struct finding_args *a, char *buf, size_t len);

#endif
