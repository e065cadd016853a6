#!/usr/bin/python3
"""paws_inject.py IFACE ADDR - run in the server's namespace by make-paws.sh.

Waits for a client's SYN to ADDR (an address no host has: the client stays in
SYN_SENT), then sends it, in ADDR's name, an RST,ACK and a FIN,ACK that echo
TSecr 100, a value the client never sent (a PAWS-evasion injection, as in
suricata-verify's sv-paws-evasion-linux), then the real SYN,ACK echoing the
SYN's TSval. Prints the SYN's ISN and TSval.
"""
import sys
import time

from scapy.all import IP, TCP, Ether, conf, get_if_hwaddr, sendp, sniff

conf.verb = 0
iface, addr = sys.argv[1], sys.argv[2]
got = sniff(iface=iface, filter=f"tcp[tcpflags] & tcp-syn != 0 and dst host {addr}", count=1, timeout=10)
if not got:
    sys.exit("paws_inject: no SYN within 10 s")
syn = got[0]
tsval = dict(syn[TCP].options)["Timestamp"][0]
isn = syn[TCP].seq


def seg(flags, seq, ts):
    opts = [("Timestamp", ts)]
    if "S" in flags:
        opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", ts), ("NOP", None), ("WScale", 7)]
    return (Ether(src=get_if_hwaddr(iface), dst=syn[Ether].src) / IP(src=addr, dst=syn[IP].src) /
            TCP(sport=syn[TCP].dport, dport=syn[TCP].sport, flags=flags, seq=seq, ack=isn + 1,
                window=64240, options=opts))


sendp(seg("RA", 0, (100, 100)), iface=iface)  # stale echo: Linux drops it in SYN_SENT
time.sleep(0.2)
sendp(seg("FA", 0, (100, 100)), iface=iface)  # the same; Linux answers RST (seq = its ack), stays SYN_SENT
time.sleep(0.2)
sendp(seg("SA", 5000, (777, tsval)), iface=iface)  # the real answer
print(f"isn {isn} tsval {tsval}", flush=True)
