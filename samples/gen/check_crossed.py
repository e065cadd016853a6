#!/usr/bin/python3
"""Exit 0 if the first FIN of each side of the (single) TCP connection in a capture does not
acknowledge the other side's FIN, i.e. both FINs were sent before either was received."""
import sys

from scapy.all import IP, TCP, rdpcap  # noqa: E402

fins = {}
for p in rdpcap(sys.argv[1]):
    if TCP in p and p[TCP].flags & 0x01:
        src = (p[IP].src, p[TCP].sport)
        if src not in fins:
            fins[src] = (p[TCP].seq + len(p[TCP].payload), p[TCP].ack)
if len(fins) != 2:
    sys.exit(1)
(a_end, a_ack), (b_end, b_ack) = fins.values()
# a FIN occupies sequence number `end`; acknowledged iff the other side's ack is end+1
crossed = b_ack != (a_end + 1) % 2**32 and a_ack != (b_end + 1) % 2**32
sys.exit(0 if crossed else 1)
