#!/usr/bin/python3
"""rst_inject.py IFACE PORT MODE - run by make-rst-inject.sh, in the client's namespace
(in the server's for MODE synack).

Waits for the client's first data segment to PORT, then sends the server, in
the client's name, an RST,ACK: at the server's rcv_nxt (MODE exact: the
server's kernel takes it and closes, as after a reset injected by a censor)
or 100 bytes beyond it (MODE ahead: in the window but not exact, so the
server's kernel answers with a challenge ACK, RFC 5961 3.2, and stays open).
MODE syn sends a bare SYN instead, with an ISN of its own (2^31 away from
the client's sequence numbers, as a restarted client's would be): the
server's kernel, ESTABLISHED, answers with a challenge ACK (RFC 5961 4.2,
TcpExtTCPSYNChallenge) and stays open. The client's kernel never sees what
is injected. MODE synack, on the server's link, sends the client a SYN,ACK
in the server's name, with an ISN 2^31 from the server's sequence numbers:
the client's kernel, ESTABLISHED, challenges it as it would a SYN
(tcp_validate_incoming) and stays open; the server's kernel never sees it.
Prints the RST's seq or the SYN's or SYN,ACK's ISN.
"""
import sys

from scapy.all import IP, TCP, Ether, conf, sendp, sniff

conf.verb = 0
iface, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
got = sniff(iface=iface, filter=f"tcp dst port {port} and (tcp[tcpflags] & tcp-push != 0)", count=1, timeout=10)
if not got:
    sys.exit("rst_inject: no data within 10 s")
d = got[0]
if mode == "synack":
    isn = (d[TCP].ack + (1 << 31)) & 0xFFFFFFFF
    ack = (d[TCP].seq + len(d[TCP].payload)) & 0xFFFFFFFF
    sendp(Ether(src=d[Ether].dst, dst=d[Ether].src) / IP(src=d[IP].dst, dst=d[IP].src) /
          TCP(sport=port, dport=d[TCP].sport, flags="SA", seq=isn, ack=ack, window=64240,
              options=[("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]), iface=iface)
    print(f"synack isn {isn}", flush=True)
    sys.exit(0)
link = Ether(src=d[Ether].src, dst=d[Ether].dst) / IP(src=d[IP].src, dst=d[IP].dst)
if mode == "syn":
    isn = (d[TCP].seq + (1 << 31)) & 0xFFFFFFFF
    sendp(link / TCP(sport=d[TCP].sport, dport=port, flags="S", seq=isn, window=64240,
                     options=[("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]), iface=iface)
    print(f"syn isn {isn}", flush=True)
    sys.exit(0)
seq = d[TCP].seq + len(d[TCP].payload) + (0 if mode == "exact" else 100)
sendp(link / TCP(sport=d[TCP].sport, dport=port, flags="RA", seq=seq, ack=d[TCP].ack, window=0), iface=iface)
print(f"rst seq {seq} ({mode})", flush=True)
