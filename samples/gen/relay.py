#!/usr/bin/python3
"""Layer-2 relay for make-real.sh and make-paths.sh: forwards Ethernet frames between two
interfaces after a fixed one-way delay, and can drop chosen TCP segments on the way from side A
(client) to B.

Usage: relay.py IF_A IF_B DELAY_SECONDS MODE READYFILE

The kernel here has no netem, so loss and delay are made in user space, in a namespace of
their own between client and server. The capture point is the client's veth (before the
relay), so a segment dropped here is on the client-side capture but never reaches the server.

MODE (drops apply only to frames arriving on IF_A, i.e. client -> server):
  pass          forward everything
  drop-syn      drop every SYN (without ACK): the server never sees the client's SYNs
  drop-hs-ack   drop the first pure ACK (ACK flag only, no payload): the handshake's final ACK
  drop-fin-ack  once a FIN has gone B -> A, drop the first pure ACK from A: the ACK of that FIN
Each drop is reported on stderr.
"""
import heapq
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp_of(frame):
    """(flags, payload length, description) of an IPv4/TCP frame, or None."""
    if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[9] != 6 or len(ip) < ihl + 20:
        return None
    total = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:]
    doff = (tcp[12] >> 4) * 4
    sport, dport, seq, ack = struct.unpack("!HHII", tcp[:12])
    flags = tcp[13]
    desc = "%d>%d flags 0x%02x seq %d ack %d" % (sport, dport, flags, seq, ack)
    return flags, total - ihl - doff, desc


class Dropper:
    def __init__(self, mode):
        if mode not in ("pass", "drop-syn", "drop-hs-ack", "drop-fin-ack"):
            raise SystemExit("unknown mode " + mode)
        self.mode = mode
        self.done = False  # the one-shot modes drop a single segment
        self.fin_from_b = False

    def drop(self, from_a, frame):
        t = tcp_of(frame)
        if t is None:
            return False
        flags, plen, desc = t
        if not from_a:
            if flags & FIN:
                self.fin_from_b = True
            return False
        pure_ack = (flags & (SYN | FIN | RST | ACK)) == ACK and plen == 0
        hit = False
        if self.mode == "drop-syn":
            hit = (flags & (SYN | ACK)) == SYN
        elif self.mode == "drop-hs-ack":
            hit = not self.done and pure_ack
        elif self.mode == "drop-fin-ack":
            hit = not self.done and self.fin_from_b and pure_ack
        if hit:
            self.done = True
            print("relay: dropped %s" % desc, file=sys.stderr, flush=True)
        return hit


def main(argv):
    if_a, if_b, delay, mode, ready = argv[1], argv[2], float(argv[3]), argv[4], argv[5]
    dropper = Dropper(mode)
    socks = {}
    for name in (if_a, if_b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        socks[name] = s
    other = {if_a: socks[if_b], if_b: socks[if_a]}
    by_fd = {s.fileno(): name for name, s in socks.items()}
    open(ready, "w").close()
    queue = []  # (due, seq, out_socket, frame); seq keeps FIFO order for equal due times
    seq = 0
    while True:
        timeout = None
        if queue:
            timeout = max(0.0, queue[0][0] - time.monotonic())
        r, _, _ = select.select(list(socks.values()), [], [], timeout)
        now = time.monotonic()
        for s in r:
            frame, addr = s.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue
            name = by_fd[s.fileno()]
            if dropper.drop(name == if_a, frame):
                continue
            heapq.heappush(queue, (now + delay, seq, other[name], frame))
            seq += 1
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame = heapq.heappop(queue)
            out.send(frame)


if __name__ == "__main__":
    main(sys.argv)
