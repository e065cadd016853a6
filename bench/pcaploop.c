/*
 * pcaploop.c - baseline: the cheapest possible libpcap pass over a capture.
 *
 * Usage: pcaploop FILE
 *
 * Opens FILE with nanosecond timestamp precision (as tcpstate does), reads
 * every packet with pcap_next_ex(), sums the captured lengths and prints
 * "packets N bytes M".  Any per-packet work a real analyser does comes on
 * top of this.
 */
#define _DEFAULT_SOURCE /* u_int & co. in <pcap/pcap.h> under -std=c11 */
#include <inttypes.h>
#include <stdio.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0, bytes = 0;
    pcap_t *p;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        fprintf(stderr, "pcaploop: %s\n", errbuf);
        return 1;
    }
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "pcaploop: %s: %s\n", argv[1], pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    printf("packets %" PRIu64 " bytes %" PRIu64 "\n", packets, bytes);
    return 0;
}
