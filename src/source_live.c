/* source_live.c - live capture on an interface through libpcap
 *
 * A live source is non-blocking: tcps_source_next() returns what the kernel
 * has ready and TCPS_SOURCE_IDLE when it has nothing, and the caller sleeps
 * in tcps_source_wait(), so it can also flush a dump or see a signal flag
 * between packets. Its filter runs in the kernel (source_file.c installs it).
 */
#define _DEFAULT_SOURCE /* the BSD types (u_int, u_char) pcap.h uses */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "tcpstate/tcpstate.h"
#include "source_int.h"

/* libpcap's MAXIMUM_SNAPLEN, what tcpdump -s 0 means. */
#define MAX_SNAPLEN 262144

/* libpcap's reason for status rc, without a leading "device: ". */
static void pcap_reason(pcap_t *p, int rc, const char *device, char *out)
{
	const char *e = pcap_geterr(p);
	source_pcap_message(device, *e ? e : pcap_statustostr(rc), out);
}

/* Turns a pcap_activate() failure into a status and a sentence telling the
 * user what to do. */
static int activate_error(int rc, pcap_t *p, const char *device, char *errbuf)
{
	switch (rc) {
	case PCAP_ERROR_PERM_DENIED:
		snprintf(errbuf, TCPS_ERRBUF_SIZE,
			 "no permission to capture on %s: run as root or give the binary CAP_NET_RAW and"
			 " CAP_NET_ADMIN (setcap)", device);
		return TCPS_E_PERM;
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		snprintf(errbuf, TCPS_ERRBUF_SIZE,
			 "no permission to put %s in promiscuous mode: capture without it (-p)", device);
		return TCPS_E_PERM;
	case PCAP_ERROR_NO_SUCH_DEVICE:
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "no such device %s (tcpstate -D lists them)", device);
		return TCPS_E_NODEV;
	case PCAP_ERROR_IFACE_NOT_UP:
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "%s is down: bring it up (ip link set %s up)", device, device);
		return TCPS_E_IO;
	default: {
		char why[TCPS_ERRBUF_SIZE];
		pcap_reason(p, rc, device, why);
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot capture on %s: %.400s", device, why);
		return TCPS_E_IO;
	}
	}
}

/* pcap_activate()'s warning (rc > 0), for tcps_source_warning(). */
static void activate_warning(int rc, pcap_t *p, const char *device, char *warning)
{
	if (rc == PCAP_WARNING_PROMISC_NOTSUP) {
		snprintf(warning, TCPS_ERRBUF_SIZE, "%s cannot be promiscuous: capturing without it", device);
		return;
	}
	char why[TCPS_ERRBUF_SIZE];
	pcap_reason(p, rc, device, why);
	snprintf(warning, TCPS_ERRBUF_SIZE, "%s: %.400s", device, why);
}

int tcps_source_open_live(struct tcps_source **out, const char *device, const struct tcps_live_options *o,
			  char *errbuf)
{
	static const struct tcps_live_options defaults;
	char perr[PCAP_ERRBUF_SIZE] = "";
	*out = NULL;
	if (!o)
		o = &defaults;
	if (o->buffer_kib > INT_MAX / 1024) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "a buffer of %u KiB is more than libpcap can ask for", o->buffer_kib);
		return TCPS_E_BADARG;
	}
	struct tcps_source *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "out of memory");
		return TCPS_E_NOMEM;
	}
	pcap_t *p = pcap_create(device, perr);
	if (!p) {
		free(s);
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot capture on %s: %s", device, perr);
		return TCPS_E_IO;
	}
	/* The pcap_set_* calls fail only on an activated handle. */
	uint32_t snaplen = o->snaplen ? o->snaplen : TCPS_LIVE_SNAPLEN_DEFAULT;
	pcap_set_snaplen(p, snaplen > MAX_SNAPLEN ? MAX_SNAPLEN : (int)snaplen);
	pcap_set_promisc(p, !o->no_promisc);
	/* Each packet as it arrives, not when a kernel block fills or times
	 * out: the states shown live are the states now. */
	pcap_set_immediate_mode(p, 1);
	if (o->buffer_kib)
		pcap_set_buffer_size(p, (int)o->buffer_kib * 1024);
	s->ts_micro = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) != 0;
	int rc = pcap_activate(p);
	if (rc < 0) {
		rc = activate_error(rc, p, device, errbuf);
		pcap_close(p);
		free(s);
		return rc;
	}
	if (rc > 0)
		activate_warning(rc, p, device, s->warning);
	if (pcap_setnonblock(p, 1, perr) < 0) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot capture on %s: %s", device, perr);
		pcap_close(p);
		free(s);
		return TCPS_E_IO;
	}
	s->pcap = p;
	s->linktype = pcap_datalink(p);
	s->path = device;
	s->live = true;
	s->fd = pcap_get_selectable_fd(p);
	*out = s;
	return TCPS_OK;
}

const char *tcps_source_warning(const struct tcps_source *s)
{
	return s->warning[0] ? s->warning : NULL;
}

bool tcps_source_is_live(const struct tcps_source *s)
{
	return s->live;
}

bpf_u_int32 source_live_netmask(const char *device)
{
	bpf_u_int32 net, mask;
	char perr[PCAP_ERRBUF_SIZE];
	/* "any" and devices without IPv4 have none (0): "ip broadcast" is then
	 * refused instead of matching the wrong packets. */
	if (pcap_lookupnet(device, &net, &mask, perr) < 0 || mask == 0)
		return PCAP_NETMASK_UNKNOWN;
	return mask;
}

int source_live_next(struct tcps_source *s, struct tcps_packet *pkt, char *errbuf)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int r = pcap_next_ex(s->pcap, &h, &data);
	if (r == 0)
		return TCPS_SOURCE_IDLE;
	if (r == PCAP_ERROR_BREAK)
		return 0;
	if (r != 1) {
		pcap_reason(s->pcap, r, s->path, errbuf);
		return TCPS_E_IO;
	}
	pkt->ts.sec = (int64_t)h->ts.tv_sec;
	pkt->ts.nsec = (uint32_t)h->ts.tv_usec * (s->ts_micro ? 1000u : 1u);
	pkt->bytes = data;
	pkt->caplen = h->caplen;
	pkt->wirelen = h->len;
	pkt->filtered_out = false; /* the kernel filter never passed an excluded packet */
	return 1;
}

int tcps_source_wait(struct tcps_source *s, int timeout_ms, char *errbuf)
{
	if (!s->live)
		return 1;
	if (s->fd < 0) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "libpcap cannot wait for packets on %s", s->path);
		return TCPS_E_IO;
	}
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	int n = poll(&pfd, 1, timeout_ms);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n < 0) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot wait for packets on %s: %s", s->path, strerror(errno));
		return TCPS_E_IO;
	}
	return n > 0; /* POLLERR too: tcps_source_next() reports the error */
}

/* Adds what a 32-bit libpcap counter grew by since the last call. */
static uint64_t widen(uint64_t *sum, u_int *last, u_int now)
{
	*sum += (u_int)(now - *last);
	*last = now;
	return *sum;
}

int tcps_source_stats(struct tcps_source *s, struct tcps_capture_stats *st, char *errbuf)
{
	if (!s->live) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "a capture file has no capture counters");
		return TCPS_E_BADARG;
	}
	struct pcap_stat ps;
	if (pcap_stats(s->pcap, &ps) < 0) {
		source_pcap_message(s->path, pcap_geterr(s->pcap), errbuf);
		return TCPS_E_IO;
	}
	struct wide_stats *w = &s->stats;
	st->received = widen(&w->received, &w->last_recv, ps.ps_recv);
	st->dropped = widen(&w->dropped, &w->last_drop, ps.ps_drop);
	st->if_dropped = widen(&w->if_dropped, &w->last_ifdrop, ps.ps_ifdrop);
	return TCPS_OK;
}

int tcps_source_list_devices(void (*cb)(void *ctx, const struct tcps_device *d), void *ctx, char *errbuf)
{
	pcap_if_t *all;
	char perr[PCAP_ERRBUF_SIZE] = "";
	if (pcap_findalldevs(&all, perr) < 0) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot list the interfaces: %s", perr);
		return TCPS_E_IO;
	}
	for (const pcap_if_t *d = all; d; d = d->next) {
		struct tcps_device dev = {
			.name = d->name,
			.description = d->description,
			.up = d->flags & PCAP_IF_UP,
			.running = d->flags & PCAP_IF_RUNNING,
			.loopback = d->flags & PCAP_IF_LOOPBACK,
			.wireless = d->flags & PCAP_IF_WIRELESS,
		};
		cb(ctx, &dev);
	}
	pcap_freealldevs(all);
	return TCPS_OK;
}
