#!/usr/bin/python3
"""Layer-2 relay for make-real.sh, make-paths.sh and make-retrans.sh: forwards Ethernet frames
between two interfaces after a fixed one-way delay, and can drop chosen TCP segments on the way
from side A (client) to B, or (rules: mode) drop, hold back or duplicate chosen segments in either
direction.

Usage: relay.py IF_A IF_B DELAY_SECONDS MODE READYFILE

The kernel here has no netem, so loss and delay are made in user space, in a namespace of
their own between client and server. The capture point is the client's veth (before the
relay), so a segment dropped here is on the client-side capture but never reaches the server.

MODE (drops apply only to frames arriving on IF_A, i.e. client -> server):
  pass          forward everything
  drop-syn      drop every SYN (without ACK): the server never sees the client's SYNs
  drop-hs-ack   drop the first pure ACK (ACK flag only, no payload): the handshake's final ACK
  drop-fin-ack  once a FIN has gone B -> A, drop the first pure ACK from A: the ACK of that FIN
  drop-probe    drop every keep-alive probe from A: a pure ACK whose sequence number is below the
                highest one A has sent on that flow (the peer never answers; A's keep-alive times out)
Each drop is reported on stderr.

  rules:RULE[,RULE...]   (make-retrans.sh) loss, reordering and duplication in either direction,
                chosen by index, so that a run is deterministic. Each RULE is DIR:ACTION:ARGS with
                DIR c2s (frames arriving on IF_A) or s2c (arriving on IF_B):
      DIR:drop:N       drop new-data segment #N
      DIR:hold:N:M     hold new-data segment #N back and forward it right after #M (M > N)
      DIR:dup:N        forward new-data segment #N and then an identical copy of the frame
      DIR:dup:N:M      the same, but the copy goes right after #M (M > N)
      DIR:dropsyn:N    drop SYN #N (SYN without ACK; every SYN frame counts, retransmissions too)
      DIR:dropack:N    drop pure ACK #N (ACK flag only, no payload; every such frame counts)
    A "new-data segment" carries payload that extends its flow's highest sequence number seen so
    far (per 4-tuple and direction); #1 is the first in that direction over the relay's life.
    Retransmissions (payload that extends nothing) are never counted, dropped or held, so every
    retransmission the sender makes reaches the other side. A held segment still waiting 1 s
    after it was held is forwarded anyway (and that is reported). Every action is reported on
    stderr as one line: "relay: ACTION DIR #N SPORT>DPORT flags 0x.. seq S ack A len L".
  mix           shorthand for a rules: list with all three kinds in both directions (see MIX)
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


# Loss, reordering and duplication both ways, spaced so that no end retransmits while it has
# SACK blocks of its own to send (they shrink its segments, and a resent skb may then go out as
# two): with make-retrans.sh's mix (30000 bytes up, 45000 down at once, MSS 1000, 20 ms each
# way) the client's loss is repaired around 40 ms, the server's around 120 ms.
MIX = "c2s:drop:3,c2s:dup:20,s2c:dup:5,s2c:hold:12:13,s2c:drop:33"


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
        if mode not in ("pass", "drop-syn", "drop-hs-ack", "drop-fin-ack", "drop-probe"):
            raise SystemExit("unknown mode " + mode)
        self.mode = mode
        self.done = False  # the one-shot modes drop a single segment
        self.fin_from_b = False
        self.high = {}  # drop-probe: (sport, dport) -> highest sequence end A has sent

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
        if self.mode == "drop-probe":
            sport, dport, seq = struct.unpack("!HHI", frame[14 + (frame[14] & 0x0F) * 4:][:8])
            end = (seq + plen + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF
            high = self.high.get((sport, dport))
            if pure_ack and high is not None and seq_after(high, seq):
                print("relay: dropped %s" % desc, file=sys.stderr, flush=True)
                return True
            if high is None or seq_after(end, high):
                self.high[(sport, dport)] = end
            return False
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


class OneWay:
    """The original modes (pass, drop-*) behind the interface main() uses: at most one frame out."""

    def __init__(self, dropper):
        self.dropper = dropper

    def process(self, from_a, frame, now):
        return [] if self.dropper.drop(from_a, frame) else [frame]

    def next_deadline(self):
        return None

    def expired(self, now):
        return []


def seq_after(a, b):
    """a is after b in sequence space (RFC 1982 serial arithmetic, modulo 2^32)."""
    return a != b and ((a - b) & 0xFFFFFFFF) < 0x80000000


class Rules:
    """The rules: mode (see the module docstring)."""
    HOLD_MAX = 1.0  # seconds a held segment may wait for its release point

    def __init__(self, spec):
        self.rules = {}  # (dir, kind, index) -> (action, arg)
        for item in spec.split(","):
            parts = item.split(":")
            if len(parts) < 3 or parts[0] not in ("c2s", "s2c"):
                raise SystemExit("bad rule " + item)
            d, action, nums = parts[0], parts[1], [int(x) for x in parts[2:]]
            if action in ("drop", "dropsyn", "dropack") and len(nums) == 1:
                kind = {"drop": "data", "dropsyn": "syn", "dropack": "ack"}[action]
                self.add(d, kind, nums[0], ("drop", None))
            elif action == "hold" and len(nums) == 2 and nums[1] > nums[0]:
                self.add(d, "data", nums[0], ("hold", nums[1]))
            elif action == "dup" and len(nums) in (1, 2) and nums[-1] >= nums[0]:
                self.add(d, "data", nums[0], ("dup", nums[-1]))
            else:
                raise SystemExit("bad rule " + item)
        self.count = {}  # (dir, kind) -> frames counted so far
        self.high = {}  # (src, dst, sport, dport) -> highest sequence end of its payload
        self.waiting = {}  # (dir, release index) -> [(from_a, frame, deadline, what)]

    def add(self, d, kind, n, action):
        if (d, kind, n) in self.rules:
            raise SystemExit("two rules for %s %s #%d" % (d, kind, n))
        self.rules[(d, kind, n)] = action

    @staticmethod
    def report(what, d, n, frame):
        t = tcp_info(frame)
        print("relay: %s %s #%d %d>%d flags 0x%02x seq %d ack %d len %d"
              % ((what, d, n) + t), file=sys.stderr, flush=True)

    def classify(self, frame):
        """'data' (new data), 'syn', 'ack' (pure ACK) or None, updating the flow's high mark."""
        t = tcp_of(frame)
        if t is None:
            return None
        flags, plen, _ = t
        sport, dport, seq = struct.unpack("!HHI", frame[14 + (frame[14] & 0x0F) * 4:][:8])
        if (flags & (SYN | ACK)) == SYN:
            return "syn"
        if (flags & (SYN | FIN | RST | ACK)) == ACK and plen == 0:
            return "ack"
        if plen == 0:
            return None
        flow = (frame[26:30], frame[30:34], sport, dport)
        end = (seq + plen + (1 if flags & SYN else 0)) & 0xFFFFFFFF
        high = self.high.get(flow)
        if high is not None and not seq_after(end, high):
            return None  # a retransmission: everything in it was sent before
        self.high[flow] = end
        return "data"

    def process(self, from_a, frame, now):
        d = "c2s" if from_a else "s2c"
        kind = self.classify(frame)
        if kind is None:
            return [frame]
        n = self.count.get((d, kind), 0) + 1
        self.count[(d, kind)] = n
        out = [frame]
        action = self.rules.get((d, kind, n))
        if action is not None:
            what, arg = action
            if what == "drop":
                self.report("drop", d, n, frame)
                out = []
            elif what == "hold":
                self.report("hold", d, n, frame)
                self.waiting.setdefault((d, arg), []).append((from_a, frame, now + self.HOLD_MAX, "release", n))
                out = []
            elif what == "dup" and arg == n:
                self.report("dup", d, n, frame)
                out = [frame, bytes(frame)]
            elif what == "dup":
                self.report("dup-later", d, n, frame)
                self.waiting.setdefault((d, arg), []).append((from_a, bytes(frame), now + self.HOLD_MAX, "copy", n))
        if kind == "data":
            for _fa, f, _dl, what, k in self.waiting.pop((d, n), []):
                self.report("%s-after-%d" % (what, n), d, k, f)
                out.append(f)
        return out

    def next_deadline(self):
        return min((w[2] for ws in self.waiting.values() for w in ws), default=None)

    def expired(self, now):
        out = []
        for key in list(self.waiting):
            keep = []
            for w in self.waiting[key]:
                if w[2] <= now:
                    self.report("%s-timeout" % w[3], key[0], w[4], w[1])
                    out.append((w[0], w[1]))
                else:
                    keep.append(w)
            if keep:
                self.waiting[key] = keep
            else:
                del self.waiting[key]
        return out


def tcp_info(frame):
    """(sport, dport, flags, seq, ack, payload length) of an IPv4/TCP frame."""
    ihl = (frame[14] & 0x0F) * 4
    tcp = frame[14 + ihl:]
    sport, dport, seq, ack = struct.unpack("!HHII", tcp[:12])
    total = struct.unpack("!H", frame[16:18])[0]
    return sport, dport, tcp[13], seq, ack, total - ihl - (tcp[12] >> 4) * 4


def main(argv):
    if_a, if_b, delay, mode, ready = argv[1], argv[2], float(argv[3]), argv[4], argv[5]
    if mode == "mix":
        mode = "rules:" + MIX
    dropper = Rules(mode[6:]) if mode.startswith("rules:") else OneWay(Dropper(mode))
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
        wake = dropper.next_deadline()
        if wake is not None:
            left = max(0.0, wake - time.monotonic())
            timeout = left if timeout is None else min(timeout, left)
        r, _, _ = select.select(list(socks.values()), [], [], timeout)
        now = time.monotonic()
        for from_a, frame in dropper.expired(now):
            heapq.heappush(queue, (now + delay, seq, socks[if_b] if from_a else socks[if_a], frame))
            seq += 1
        for s in r:
            frame, addr = s.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue
            name = by_fd[s.fileno()]
            for out_frame in dropper.process(name == if_a, frame, now):
                heapq.heappush(queue, (now + delay, seq, other[name], out_frame))
                seq += 1
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame = heapq.heappop(queue)
            out.send(frame)


if __name__ == "__main__":
    main(sys.argv)
