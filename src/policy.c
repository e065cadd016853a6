/* policy.c - --fail-on: a set of finding codes, and what a capture matched of it */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tcpstate/tcpstate.h"

/* Sets or clears every code an item names; false when it names nothing. */
static bool apply_item(struct tcps_policy *p, const char *item, size_t n, bool on)
{
	char name[64];
	if (n == 0 || n >= sizeof name)
		return false;
	memcpy(name, item, n);
	name[n] = '\0';
	bool hit = false;
	char *end;
	long num = strtol(name, &end, 10);
	for (int c = 1; c < TCPS_F__COUNT; c++) {
		enum tcps_finding_code code = (enum tcps_finding_code)c;
		bool match = !strcmp(name, "all") || !strcmp(name, tcps_finding_name(code)) ||
			     (*end == '\0' && num == c) ||
			     !strcmp(name, tcps_category_name(tcps_finding_category(code)));
		for (int s = TCPS_SEV_INFO; s <= TCPS_SEV_ERROR && !match; s++)
			match = !strcmp(name, tcps_severity_name((enum tcps_severity)s)) &&
				tcps_finding_severity(code) >= (enum tcps_severity)s;
		if (match) {
			p->fail[c] = on;
			hit = true;
		}
	}
	return hit;
}

int tcps_policy_add(struct tcps_policy *p, const char *list, char *errbuf)
{
	const char *s = list;
	for (;;) {
		size_t len = strcspn(s, ",");
		bool on = !(len && *s == '-');
		if (!apply_item(p, s + !on, len - !on, on)) {
			snprintf(errbuf, TCPS_ERRBUF_SIZE,
				 "\"%.*s\" is not a finding name or code, a severity (info, warning, error), "
				 "a category (illegal, capture-loss, network, capture-artefact) or all",
				 (int)len, s);
			return TCPS_E_BADARG;
		}
		if (!s[len])
			return TCPS_OK;
		s += len + 1;
	}
}

bool tcps_policy_any(const struct tcps_policy *p)
{
	for (int c = 1; c < TCPS_F__COUNT; c++)
		if (p->fail[c])
			return true;
	return false;
}

uint64_t tcps_policy_matches(const struct tcps_policy *p, const struct tcps_totals *t)
{
	uint64_t n = 0;
	for (int c = 1; c < TCPS_F__COUNT; c++)
		if (p->fail[c])
			n += t->findings[c];
	return n;
}

void tcps_policy_describe(const struct tcps_policy *p, const struct tcps_totals *t, char *buf, size_t len)
{
	bool done[TCPS_F__COUNT] = { false };
	size_t at = 0;
	buf[0] = '\0';
	for (;;) {
		int best = 0;
		for (int c = 1; c < TCPS_F__COUNT; c++)
			if (p->fail[c] && !done[c] && t->findings[c] && (!best || t->findings[c] > t->findings[best]))
				best = c;
		if (!best || at >= len)
			return;
		done[best] = true;
		int w = snprintf(buf + at, len - at, "%s%s x%llu", at ? ", " : "",
				 tcps_finding_name((enum tcps_finding_code)best), (unsigned long long)t->findings[best]);
		at += w > 0 ? (size_t)w : 0;
	}
}
