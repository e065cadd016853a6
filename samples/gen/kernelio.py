"""Reading what the generators recorded: tracefs lines and IPv4/IPv6 TCP segments.

Shared by paths_kernel.py and retrans_kernel.py (same folder, on sys.path).
"""
import re
import time

from scapy.all import IP, IPv6, TCP  # noqa: E402

# The address part every TCP tracepoint here prints: family, ports, then the IPv4 and the IPv6
# addresses (an IPv4 socket's IPv6 ones are v4-mapped); the socket's are the family's pair.
ADDRS = (r"family=(AF_INET6?) (?:protocol=IPPROTO_TCP )?sport=(\d+) dport=(\d+) "
         r"saddr=([\d.]+) daddr=([\d.]+) saddrv6=(\S+) daddrv6=(\S+)")


def endpoints(m, first):
    """(local, remote) of a tracepoint line matched with ADDRS at group `first` (its family)."""
    g = [m.group(first + k) for k in range(7)]
    sport, dport = int(g[1]), int(g[2])
    if g[0] == "AF_INET6":
        return (g[5], sport), (g[6], dport)
    return (g[3], sport), (g[4], dport)


def tai_minus_real():
    """CLOCK_TAI - CLOCK_REALTIME: a whole number of seconds (0 unless set; 37 in 2017-2025).
    The traces run on the tai clock, the captures on the wall clock."""
    return round(time.clock_gettime(time.CLOCK_TAI) - time.time())


def ip_tcp(p):
    """(ip layer, src, dst, payload length, ip id) of a TCP segment, or None for anything else.
    IPv6 has no IP id: 0."""
    if TCP not in p:
        return None
    tcp = p[TCP]
    if IP in p:
        ip = p[IP]
        return ip, ip.src, ip.dst, ip.len - ip.ihl * 4 - tcp.dataofs * 4, ip.id
    if IPv6 in p:
        ip = p[IPv6]
        return ip, ip.src, ip.dst, ip.plen - tcp.dataofs * 4, 0
    return None


def fmt(ep):
    """ADDR:PORT as tcpstate writes it: [ADDR]:PORT for IPv6."""
    return ("[%s]:%d" if ":" in ep[0] else "%s:%d") % ep


def cut_pcap(src, dst, n):
    """Copy the pcap file src to dst without its first n packets (editcap SRC DST 1-n)."""
    import struct
    data = open(src, "rb").read()
    order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    at = 24
    for _ in range(int(n)):
        at += 16 + struct.unpack(order + "I", data[at + 8:at + 12])[0]
    with open(dst, "wb") as f:
        f.write(data[:24] + data[at:])
