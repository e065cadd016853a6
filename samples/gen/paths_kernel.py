#!/usr/bin/python3
"""Turn a tracefs dump of sock:inet_sock_set_state into a samples/paths/NAME.kernel file.

Usage: paths_kernel.py TRACE PCAP OUT [--cut N] [--relay-log FILE] [--clients ADDR,...] [--note TEXT]...

TRACE  the `trace` file of our tracing instance (trace_clock tai), already filtered to our ports
PCAP   the full client-side capture of the scenario (before any editcap cut)
OUT    the .kernel file to write
--cut N      the published capture lacks the first N packets: packet numbers in comments are
             given as in the published file, and packets cut away are named so
--relay-log FILE  relay.py's stderr: the segments it dropped are named by packet number
--clients ADDR,...  the client side's addresses (IPv4 and IPv6): their endpoints come first in
             each connection (default 10.77.2.1, make-paths.sh's client)
--note TEXT  a comment line to add near the top (repeatable)

Output: one line per connection endpoint, `ADDR:PORT STATE STATE ...`, the states the socket
went through in order (the tracepoint's newstate values). The tracepoint is blind to two things,
which are added only where the capture proves them and marked with a trailing `+`:

  SYN_RCVD    a passive open is a request socket until the final ACK, invisible to the tracepoint;
              Linux 6.18 traces the accepted socket's LISTEN -> SYN_RECV -> ESTABLISHED when it is
              created at the final ACK, so SYN_RCVD is in the trace (at the wrong moment, which a
              comment notes). Should a kernel trace only SYN_RECV -> ESTABLISHED, SYN_RCVD+ is
              added when the capture has the SYN-ACK this end sent.
  TIME_WAIT+  at TIME_WAIT the full socket hands over to a timewait socket and the tracepoint shows
              FIN_WAIT2/CLOSING -> CLOSE. That CLOSED is written TIME_WAIT+ when the capture has
              the peer's FIN and this end's ACK of it (and no RST after).
  CLOSED+     a timewait socket killed because a new connection took over its 4-tuple (the
              client's own connect() with tcp_tw_reuse, or a SYN accepted by the server's
              TIME_WAIT, RFC 6191); the proof is the new SYN on the same tuple.
A `#` comment line explains each addition with packet numbers, and the raw tracepoint events of
every endpoint are kept as comments (times relative to the capture's first packet).
"""
import re
import sys

from scapy.all import TCP, PcapReader  # noqa: E402

from kernelio import ADDRS, endpoints, fmt, ip_tcp, tai_minus_real

NAMES = {
    "ESTABLISHED": "ESTABLISHED", "SYN_SENT": "SYN_SENT", "SYN_RECV": "SYN_RCVD",
    "FIN_WAIT1": "FIN_WAIT_1", "FIN_WAIT2": "FIN_WAIT_2", "TIME_WAIT": "TIME_WAIT",
    "CLOSE": "CLOSED", "CLOSE_WAIT": "CLOSE_WAIT", "LAST_ACK": "LAST_ACK", "LISTEN": "LISTEN",
    "CLOSING": "CLOSING", "NEW_SYN_RECV": "NEW_SYN_RECV",
}
LINE = re.compile(r"\s(\d+\.\d+): inet_sock_set_state: " + ADDRS +
                  r" oldstate=TCP_(\w+) newstate=TCP_(\w+)")
F_FIN, F_SYN, F_RST, F_ACK = 0x01, 0x02, 0x04, 0x10


class Endpoint:
    def __init__(self, local, remote):
        self.local, self.remote = local, remote
        self.events = []  # (time, old, new), kernel names
        self.states = []  # output names, with + for additions
        self.notes = []

    @property
    def start(self):
        return self.events[0][0]

    @property
    def end(self):
        return self.events[-1][0]


def read_trace(path, offset):
    """Endpoints in order of their first event; a new one starts on a tuple after a CLOSE."""
    current, out = {}, []
    for line in open(path):
        m = LINE.search(line)
        if not m:
            continue
        t = float(m.group(1)) + offset
        local, remote = endpoints(m, 2)
        old, new = m.group(9), m.group(10)
        if new == "LISTEN" or (old == "LISTEN" and new == "CLOSE"):
            continue  # a listening socket, not a connection endpoint
        ep = current.get((local, remote))
        if ep is None or ep.events[-1][2] == "CLOSE" or old in ("CLOSE", "LISTEN"):
            ep = Endpoint(local, remote)
            current[(local, remote)] = ep
            out.append(ep)
        ep.events.append((t, old, new))
    return out


def read_pcap(path):
    pkts = []  # (number, time, src, dst, flags, seq, payload length, ack)
    with PcapReader(path) as r:
        for n, p in enumerate(r, 1):
            seg = ip_tcp(p)
            if seg is None:
                continue
            tcp, (_ip, src, dst, plen, _id) = p[TCP], seg
            pkts.append((n, float(p.time), (src, tcp.sport), (dst, tcp.dport),
                         int(tcp.flags), tcp.seq, plen, tcp.ack))
    return pkts


def main(argv):
    args, cut, notes, relay_log, clients = [], 0, [], None, ["10.77.2.1"]
    i = 1
    while i < len(argv):
        if argv[i] == "--cut":
            cut = int(argv[i + 1])
            i += 2
        elif argv[i] == "--relay-log":
            relay_log = argv[i + 1]
            i += 2
        elif argv[i] == "--clients":
            clients = argv[i + 1].split(",")
            i += 2
        elif argv[i] == "--note":
            notes.append(argv[i + 1])
            i += 2
        else:
            args.append(argv[i])
            i += 1
    trace, pcap, out = args
    # trace_clock tai; the capture has wall-clock times
    offset = -tai_minus_real()
    eps = read_trace(trace, offset)
    pkts = read_pcap(pcap)
    t0 = pkts[0][1] if pkts else 0.0
    # segments the relay dropped (captured on the client side, never delivered to the server)
    dropped = []
    if relay_log:
        drop = re.compile(r"dropped (\d+)>(\d+) flags 0x([0-9a-f]+) seq (\d+) ack (\d+)")
        for line in open(relay_log):
            m = drop.search(line)
            if not m:
                continue
            sport, dport, flags, seq, ack = (int(m.group(1)), int(m.group(2)), int(m.group(3), 16),
                                             int(m.group(4)), int(m.group(5)))
            for p in pkts:
                if (p[2][1], p[3][1], p[4], p[5], p[7]) == (sport, dport, flags, seq, ack) \
                        and p[0] not in dropped:
                    dropped.append(p[0])
                    break

    def pn(n):
        if n <= cut:
            return "#%d of the uncut capture (cut away here)" % n
        return "#%d" % (n - cut)

    def rel(t):
        # "+0.000" rather than "-0.000" for the event just before the first packet
        return ("%+.3f" % (t - t0)).replace("-0.000", "+0.000")

    def pns(ns):
        return ", ".join(pn(n) for n in ns)

    def many(ps):
        # "#10 (again in #12)": a segment and its retransmissions
        return pn(ps[0][0]) + ("" if len(ps) == 1 else " (again in %s)" % pns([p[0] for p in ps[1:]]))

    for k, ep in enumerate(eps):
        same = [e for e in eps if e.local == ep.local and e.remote == ep.remote]
        j = same.index(ep)
        prev_end = same[j - 1].end if j > 0 else float("-inf")
        nxt = same[j + 1] if j + 1 < len(same) else None
        # the window of capture time that belongs to this endpoint's connection; events of the
        # far end lead or lag its packets on the client-side capture by the relay delay (50 ms)
        lo = prev_end + 0.06
        hi = nxt.start - 0.2 if nxt else float("inf")
        states = []
        first_old = ep.events[0][1]
        synacks = [p[0] for p in pkts if p[2] == ep.local and p[3] == ep.remote
                   and p[4] & (F_SYN | F_ACK) == (F_SYN | F_ACK) and lo - 0.06 < p[1] <= ep.start + 0.06]
        tfo = (first_old == "LISTEN" and len(ep.events) > 1 and ep.events[1][1] == "SYN_RECV"
               and ep.events[1][0] - ep.start > 0.002)
        if tfo and synacks:
            ep.notes.append("SYN_RCVD (traced, not added): a Fast Open SYN with a valid cookie makes "
                            "the accepted socket at once, so the tracepoint shows SYN_RCVD from the "
                            "SYN-ACK %s until the final ACK, like the wire" % pns(synacks))
        elif first_old == "LISTEN" and synacks:
            ep.notes.append("SYN_RCVD (traced, not added): it is traced only for the accepted socket, created at the final "
                            "ACK (LISTEN -> SYN_RECV -> ESTABLISHED in one instant); on the wire this "
                            "end was SYN_RCVD from its SYN-ACK %s on, held by a request socket the "
                            "tracepoint does not show" % pns(synacks))
        if first_old == "SYN_RECV":
            if synacks:
                states.append("SYN_RCVD+")
                ep.notes.append("added SYN_RCVD+: the SYN-ACK %s was sent by the request socket, which "
                                "the tracepoint does not show; the accepted socket's first event is "
                                "SYN_RECV -> ESTABLISHED" % ("in " + pns(synacks) if len(synacks) == 1
                                                             else "(with retransmissions) in " + pns(synacks)))
            else:
                print("%s: no SYN-ACK from %s in the capture" % (out, fmt(ep.local)), file=sys.stderr)
        for t, o, nw in ep.events:
            if o == nw:
                # e.g. close() in CLOSING: tcp_close_state() sets CLOSING again; not a move
                ep.notes.append("the trace's %s -> %s (%s) is a state set to itself (close() "
                                "after shutdown()), not a move: left out" % (NAMES[o], NAMES[nw], rel(t)))
                continue
            states.append(NAMES[nw])
        last_old, last_new = ep.events[-1][1], ep.events[-1][2]
        if last_new == "CLOSE" and last_old in ("FIN_WAIT2", "CLOSING"):
            window = [p for p in pkts if ep.start - 0.06 < p[1] < hi]
            fins = [p for p in window if p[2] == ep.remote and p[3] == ep.local and p[4] & F_FIN]
            own = [p for p in window if p[2] == ep.local and p[3] == ep.remote and p[4] & F_FIN]
            acks = []
            if fins:
                fin_end = (fins[0][5] + fins[0][6] + 1) % 2**32
                acks = [p for p in window if p[2] == ep.local and p[3] == ep.remote
                        and p[4] & F_ACK and p[7] == fin_end]
            rsts = [p for p in window if p[4] & F_RST and fins and p[0] > fins[0][0]
                    and {p[2], p[3]} == {ep.local, ep.remote}]
            if fins and acks and not rsts:
                states[-1] = "TIME_WAIT+"
                t12 = [t for t, o, nw in ep.events if o == "FIN_WAIT1" and nw == "FIN_WAIT2"]
                # the peer's first segment that acknowledged our own FIN: the FIN itself, or an
                # ACK before it (after which a close()d socket is handed over at once)
                first_ack = None
                if own:
                    own_end = (own[0][5] + own[0][6] + 1) % 2**32
                    first_ack = next((p for p in window if p[2] == ep.remote and p[3] == ep.local
                                      and p[4] & F_ACK and p[7] == own_end), None)
                if last_old == "CLOSING":
                    when = "at the ACK of its own FIN, in CLOSING"
                elif (t12 and abs(ep.end - t12[0]) < 0.002 and first_ack is not None
                      and first_ack[0] != fins[0][0]):
                    when = ("when the ACK of its own FIN came (%s, before the peer's FIN): a "
                            "close()d socket reaching FIN_WAIT2 becomes at once a timewait socket "
                            "in its FIN_WAIT2 substate (tcp_fin_timeout), which moves to TIME_WAIT, "
                            "unseen, on the peer's FIN" % pn(first_ack[0]))
                else:
                    when = "at the peer's FIN"
                ep.notes.append(
                    "added TIME_WAIT+: the peer's FIN %s was acknowledged by this end in %s; the "
                    "tracepoint's last event %s -> CLOSE is the full socket handing over to a "
                    "timewait socket, %s" % (many(fins), many(acks), last_old, when))
                if nxt is not None:
                    syn = [p[0] for p in pkts if p[4] & (F_SYN | F_ACK) == F_SYN and p[1] >= hi
                           and {p[2], p[3]} == {ep.local, ep.remote}]
                    if syn:
                        states.append("CLOSED+")
                        ep.notes.append(
                            "added CLOSED+: the timewait socket ended when the new SYN %s took over the "
                            "same 4-tuple (%s); nothing of it is traced" % (
                                pn(syn[0]), "the client's connect() reused its own TIME_WAIT, "
                                "tcp_tw_reuse" if ep.local[0] in clients else
                                "accepted by the server's TIME_WAIT, RFC 6191"))
        ep.states = states

    # connections: the k-th endpoint of (L, R) pairs with the k-th of (R, L)
    count, conns = {}, {}
    for ep in eps:
        key = (ep.local, ep.remote)
        count[key] = count.get(key, 0) + 1
        ck = (tuple(sorted([ep.local, ep.remote])), count[key])
        conns.setdefault(ck, []).append(ep)
    order = sorted(conns.values(), key=lambda c: min(e.start for e in c))

    with open(out, "w") as f:
        f.write("# kernel ground truth: sock:inet_sock_set_state (tracefs), Linux %s\n"
                % open("/proc/sys/kernel/osrelease").read().strip())
        f.write("# one line per connection endpoint: ADDR:PORT then its states in order; a trailing "
                "+ marks a state the tracepoint cannot show, added from the capture (see the 'added' comments)\n")
        for n in notes:
            f.write("# note: %s\n" % n)
        if dropped:
            f.write("# note: the relay dropped %s after the client-side capture point: the capture "
                    "has %s, the server never received %s\n" % (
                        pns(dropped), "it" if len(dropped) == 1 else "them",
                        "it" if len(dropped) == 1 else "them"))
        for c in order:
            c.sort(key=lambda e: (e.local[0] not in clients, e.start))
            f.write("#\n# connection %s\n" % " <-> ".join(fmt(e.local) for e in c)
                    if len(c) == 2 else "#\n# connection %s -> %s (only this end has a socket)\n"
                    % (fmt(c[0].local), fmt(c[0].remote)))
            for ep in c:
                f.write("# trace %s: %s\n" % (fmt(ep.local), " ".join(
                    "%s>%s@%s" % (NAMES[o], NAMES[nw], rel(t)) for t, o, nw in ep.events)))
                for note in ep.notes:
                    f.write("# %s %s\n" % (fmt(ep.local), note))
            for ep in c:
                f.write("%s %s\n" % (fmt(ep.local), " ".join(ep.states)))


if __name__ == "__main__":
    main(sys.argv)
