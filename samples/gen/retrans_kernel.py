#!/usr/bin/python3
"""Turn one make-retrans.sh scenario's kernel records into samples/retrans/NAME.retrans (JSON).

Usage: retrans_kernel.py --name NAME --mode MODE --description TEXT --trace TRACE
           --client-pcap PCAP --server-pcap PCAP --relay-log LOG --out FILE
           [--info INFO --nstat-client BEFORE AFTER --nstat-server BEFORE AFTER]

INFO and NSTAT (make-retrans.sh) are cross-checks of the tracepoints' count; make-paths.sh, whose
scenarios can have several connections on one 4-tuple (reuse) or crossing SYNs (simultaneous
open, where the first SYN's sender is called the client), goes without them. Connections that
reuse a 4-tuple are counted together, as check_retrans.py compares them.

Ground truth, from the kernel and nothing else:
  TRACE  our tracing instance's dump (trace_clock tai): one tcp:tcp_retransmit_skb event each time
         __tcp_retransmit_skb() has handed an skb to the device (err=0; a non-zero err, e.g. -EBUSY
         while the first copy still sits in a queue, sent nothing), one tcp:tcp_retransmit_synack
         event each time a request socket resent its SYN-ACK.
  INFO   each socket's getsockopt(TCP_INFO) just before close() (total_retrans, the Y of ss -ti's
         "retrans:X/Y") and what `ss -tin` printed then.
  NSTAT  `nstat -asz --json` of the client's and the server's namespace before and after: one
         endpoint per namespace and one connection at a time, so TcpRetransSegs is that endpoint's
         count of retransmitted segments, and TcpExtTCPFastRetrans, TCPLossProbes,
         TCPSlowStartRetrans, TCPSynRetrans say which kind they were.

Neither tracepoint carries a sequence number (no kprobes on this kernel), so each event is matched
with what it put on the wire: the capture at the sender's own veth holds every segment the sender
sent, and the event fires right after its segment(s) went through the device (the capture's
timestamp comes first, by some microseconds; the trace clock is CLOCK_TAI, the capture's is
CLOCK_REALTIME, and their difference, a whole number of seconds, is read here). The segments matched are re-sendings on that
wire: a SYN or SYN-ACK with an ISN already sent, or data/FIN starting below the highest sequence
number already sent. Every such segment must belong to exactly one event and every event
(err=0) to at least one such segment, else this script fails: the count is then not the
kernel's. An skb covering more than one MSS is cut into several wire segments after the
tracepoint's view (GSO in software: TSO/GSO are off on the veths, but TCP builds GSO skbs
anyway), so an event can stand for several segments; the counting unit here is the wire segment,
which is also what TcpRetransSegs and total_retrans count (they add tcp_skb_pcount()).
The three counts (matched segments, total_retrans, TcpRetransSegs delta) must agree, and so must
ss; otherwise this script fails and says how.

Visibility. The kernel's count is the same whatever the vantage point, but a capture can only
show a retransmission whose evidence it holds. For each vantage point (client: its veth, before
the relay; server: its veth, after the relay) each retransmitted segment is:
  original  the capture also holds an earlier copy of some of its sequence space (or, for a
            SYN/SYN-ACK, an earlier one with the same ISN): seen twice
  hole      no earlier copy, but the capture holds an earlier segment from the same sender at or
            beyond its end (data above it, or a pure ACK whose sequence number, the sender's
            snd_nxt, shows the sender had sent these bytes already): it fills a hole. The sender's TCP timestamp proves it was
            sent after that higher segment (TSval greater), so it is not a reordered original;
            "tsval_later" records that check
  hidden    neither: nothing in this capture tells it from a first transmission (a SYN whose
            first copy was lost upstream; the last segment of a burst whose first copy was lost
            upstream, a tail loss probe that repaired it)
  absent    the segment is not in this capture (lost upstream itself)
Each retransmitted segment is listed with its time (from the first packet of either capture),
the tracepoint and socket state, its kind, absolute and relative (to the sender's ISN) sequence
number, payload length, IP id, TSval, the number of wire segments its event sent, its class and
its packet number (1-based, null if absent) in each capture.
Per endpoint and vantage point, "expected", "hidden" and "absent" count the endpoint's
retransmitted segments by these classes (original and hole together); they add up to "kernel".
"expected" per vantage point is the number of original + hole segments: what an analyser of
that capture should report as retransmissions (codes retransmission, fast_retransmission,
spurious_retransmission). The relay's duplicates and held-back segments are not
retransmissions: no kernel sent them twice.
"""
import argparse
import json
import re
import sys

from scapy.all import TCP, PcapReader  # noqa: E402

from kernelio import ADDRS, endpoints, fmt, ip_tcp, tai_minus_real

F_FIN, F_SYN, F_RST, F_ACK = 0x01, 0x02, 0x04, 0x10
M32 = 0xFFFFFFFF
EV_SKB = re.compile(r"\s(\d+\.\d+): tcp_retransmit_skb: skbaddr=(\S+) skaddr=(\S+) " + ADDRS +
                    r" state=TCP_(\w+)(?: err=(-?\d+))?")
EV_SYNACK = re.compile(r"\s(\d+\.\d+): tcp_retransmit_synack: " + ADDRS)
SLACK = 0.000001  # a segment's capture time comes before its event's (both in whole us)
WINDOW = 0.002  # and comes at most this much before it
NSTAT_KEYS = ["TcpRetransSegs", "TcpExtTCPFastRetrans", "TcpExtTCPSlowStartRetrans",
              "TcpExtTCPLossProbes", "TcpExtTCPLossProbeRecovery", "TcpExtTCPSynRetrans",
              "TcpExtTCPTimeouts", "TcpExtTCPLostRetransmit", "TcpExtTCPRetransFail",
              "TcpExtTCPDSACKRecv", "TcpExtTCPDSACKOldSent", "TcpExtTCPDSACKUndo",
              "TcpExtTCPSpuriousRtxHostQueues", "TcpExtTCPSackRecovery"]


def after(a, b):
    return a != b and ((a - b) & M32) < 0x80000000


class Seg:
    __slots__ = ("n", "t", "src", "dst", "flags", "seq", "ack", "plen", "ipid", "tsval", "end",
                 "repeat", "event")

    def __init__(self, n, p, seg):
        tcp, (_ip, src, dst, self.plen, self.ipid) = p[TCP], seg
        self.n, self.t = n, float(p.time)
        self.src, self.dst = (src, tcp.sport), (dst, tcp.dport)
        self.flags, self.seq, self.ack = int(tcp.flags), tcp.seq, tcp.ack
        self.tsval = next((o[1][0] for o in tcp.options if o[0] == "Timestamp"), None)
        syn_fin = (1 if self.flags & F_SYN else 0) + (1 if self.flags & F_FIN else 0)
        self.end = (self.seq + self.plen + syn_fin) & M32
        self.repeat = None  # set for the sender's own capture: a re-sending
        self.event = None

    def occupies(self):
        return self.end != self.seq  # SYN, FIN or payload

    def key(self):
        # the same frame in both captures (the relay changes nothing; its copies are identical,
        # and the first copy is the one the kernel sent); a request socket's SYN-ACKs all have
        # IP id 0, but a retransmission has a later TSval
        return (self.src, self.dst, self.flags, self.seq, self.plen, self.ipid, self.tsval)

    def kind(self):
        if self.flags & F_SYN:
            return "synack" if self.flags & F_ACK else "syn"
        if self.plen == 0:
            return "fin"
        return "data+fin" if self.flags & F_FIN else "data"


def read_pcap(path):
    segs = []
    with PcapReader(path) as r:
        for n, p in enumerate(r, 1):
            seg = ip_tcp(p)
            if seg is not None:
                segs.append(Seg(n, p, seg))
    return segs


def read_trace(path, tai_minus_real):
    events = []
    for line in open(path):
        m = EV_SKB.search(line)
        if m:
            src, dst = endpoints(m, 4)
            events.append({"t": float(m.group(1)) - tai_minus_real, "type": "skb",
                           "src": src, "dst": dst,
                           "state": m.group(11), "err": int(m.group(12) or 0), "segs": []})
            continue
        m = EV_SYNACK.search(line)
        if m:
            src, dst = endpoints(m, 2)
            events.append({"t": float(m.group(1)) - tai_minus_real, "type": "synack",
                           "src": src, "dst": dst,
                           "state": "NEW_SYN_RECV", "err": 0, "segs": []})
    events.sort(key=lambda e: e["t"])
    return events


def mark_repeats(segs):
    """On a sender's own capture: which of its segments re-send sequence space it had sent."""
    high, isn = {}, {}
    for s in segs:
        if not s.occupies():
            continue
        flow = (s.src, s.dst)
        if s.flags & F_SYN:
            # a SYN-ACK after this end's own SYN with the same ISN is the simultaneous open's
            # second step, not a re-sending; a SYN with a new ISN starts a new connection
            kind = (flow, s.flags & F_ACK)
            if isn.get(kind) == s.seq:
                s.repeat = "syn"
            elif isn.get((flow, 0)) != s.seq:
                high.pop(flow, None)
            isn[kind] = s.seq
        elif flow in high and after(high[flow], s.seq):
            s.repeat = "data"
            if after(s.end, high[flow]):
                raise SystemExit("%s: packet %d re-sends and extends the sequence space at once"
                                 % (fmt(s.src), s.n))
        if flow not in high or after(s.end, high[flow]):
            high[flow] = s.end


def conn_key(a, b):
    return tuple(sorted([a, b]))


def match(events, own):
    """Give each re-sent segment of a sender's own capture to the event that sent it."""
    problems = []
    by_sender = {}
    for e in events:
        by_sender.setdefault(e["src"], []).append(e)
    for sender, evs in by_sender.items():
        reps = [s for s in own[sender] if s.repeat and s.src == sender]
        i = 0
        for e in evs:
            if e["err"]:
                continue
            want_synack = e["type"] == "synack"
            while i < len(reps) and reps[i].t <= e["t"] + SLACK:
                s = reps[i]
                i += 1
                if s.dst != e["dst"] or e["t"] - s.t > WINDOW or \
                        (s.kind() == "synack") != want_synack:
                    problems.append("%s: re-sent segment in packet %d (%s, %.6f s) has no event"
                                    % (fmt(sender), s.n, s.kind(), s.t))
                    continue
                s.event = e
                e["segs"].append(s)
            if not e["segs"]:
                problems.append("%s: %s event at %.6f (state %s) matches no re-sent segment on its wire"
                                % (fmt(sender), e["type"], e["t"], e["state"]))
        for s in reps[i:]:
            problems.append("%s: re-sent segment in packet %d (%s) has no event"
                            % (fmt(sender), s.n, s.kind()))
    for sender, segs in own.items():
        for s in segs:
            if s.repeat and s.src == sender and s.event is None and not any(
                    s.src == e["src"] for e in events):
                problems.append("%s: re-sent segment in packet %d (%s) but no event at all"
                                % (fmt(sender), s.n, s.kind()))
    return problems


def visibility(r, vsegs):
    """How the capture vsegs shows the retransmitted segment r (see the docstring)."""
    idx = next((k for k, s in enumerate(vsegs) if s.key() == r.key()), None)
    if idx is None:
        return "absent", None
    earlier = [s for s in vsegs[:idx] if s.src == r.src and s.dst == r.dst and s.occupies()]
    if r.flags & F_SYN:
        same = [s for s in earlier if s.flags & F_SYN and s.seq == r.seq]
        return ("original" if same else "hidden"), None
    for s in earlier:
        if s.flags & F_SYN:
            continue
        if after(r.end, s.seq) and after(s.end, r.seq):  # overlapping sequence space
            return "original", None
    # any earlier segment of the sender's at or beyond r's end, a pure ACK too: its sequence
    # number is the sender's snd_nxt, so the sender had sent r's bytes already
    higher = [s for s in vsegs[:idx] if s.src == r.src and s.dst == r.dst and not s.flags & F_SYN
              and not after(r.end, s.seq)]
    if higher:
        ts = [s.tsval for s in higher if s.tsval is not None]
        # the original of r went before every segment above it; r's TSval beyond the lowest of
        # theirs proves r was sent later (the sender's clock ticks in ms: RTT here is 40 ms)
        later = False
        if r.tsval is not None and ts:
            lowest = ts[0]
            for t in ts[1:]:
                if after(lowest, t):
                    lowest = t
            later = after(r.tsval, lowest)
        return "hole", later
    return "hidden", None


def nstat_delta(before, after_):
    b = json.load(open(before))["kernel"]
    a = json.load(open(after_))["kernel"]
    return {k: a.get(k, 0) - b.get(k, 0) for k in NSTAT_KEYS if a.get(k, 0) - b.get(k, 0)}


RELAY = re.compile(r"relay: (\S+) (c2s|s2c) #(\d+) (\d+)>(\d+) flags 0x([0-9a-f]+) seq (\d+) ack (\d+) len (\d+)")


def main():
    ap = argparse.ArgumentParser()
    for a in ("name", "mode", "description", "trace", "client-pcap", "server-pcap", "relay-log",
              "out"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--info")
    ap.add_argument("--nstat-client", nargs=2)
    ap.add_argument("--nstat-server", nargs=2)
    args = ap.parse_args()

    caps = {"client": read_pcap(args.client_pcap), "server": read_pcap(args.server_pcap)}
    events = read_trace(args.trace, tai_minus_real())
    infos = [json.loads(line) for line in open(args.info) if line.strip()] if args.info else None

    # connections and their ISNs, from the client-side capture (every SYN leaves through it)
    conns = {}
    for s in caps["client"]:
        if s.flags & (F_SYN | F_ACK) == F_SYN:
            k = conn_key(s.src, s.dst)
            if k in conns and conns[k]["client"] != s.src and args.info:
                raise SystemExit("%s: crossing SYNs: not handled with --info" % args.name)
            if k in conns and conns[k]["isn"] != s.seq and args.info:
                raise SystemExit("%s: two connections on one 4-tuple: not handled with --info" % args.name)
            conns.setdefault(k, {"client": s.src, "server": s.dst, "isn": s.seq})
    for s in caps["server"] + caps["client"]:
        c = conns.get(conn_key(s.src, s.dst))
        if s.flags & F_SYN and c is not None and s.src == c["server"]:
            c.setdefault("server_isn", s.seq)
    client_eps = {c["client"] for c in conns.values()}

    # each endpoint's own wire: the client's veth for the client, the server's for the server
    own = {}
    for c in conns.values():
        own[c["client"]] = caps["client"]
        own[c["server"]] = caps["server"]
    for cap in caps.values():
        for s in cap:
            s.repeat = None
    mark_repeats([s for s in caps["client"] if s.src in client_eps])
    mark_repeats([s for s in caps["server"] if s.src not in client_eps])
    problems = match(events, own)
    unknown = [e for e in events if conn_key(e["src"], e["dst"]) not in conns]
    problems += ["event for %s -> %s, a connection the captures lack" % (fmt(e["src"]), fmt(e["dst"]))
                 for e in unknown]

    relay = []
    for line in open(args.relay_log):
        m = RELAY.search(line)
        if m:
            relay.append({"action": m.group(1), "dir": m.group(2), "index": int(m.group(3)),
                          "sport": int(m.group(4)), "dport": int(m.group(5)),
                          "flags": int(m.group(6), 16), "seq": int(m.group(7)),
                          "len": int(m.group(9))})
        elif line.strip() and not line.startswith("relay: dropped "):  # make-paths.sh's modes
            problems.append("relay said: " + line.strip())

    nst = {"client": nstat_delta(*args.nstat_client) if args.nstat_client else {},
           "server": nstat_delta(*args.nstat_server) if args.nstat_server else {}}
    t0 = min(s.t for s in caps["client"] + caps["server"])

    out_conns = []
    for k, c in sorted(conns.items(), key=lambda kv: kv[1]["client"][1]):
        isn = {c["client"]: c["isn"], c["server"]: c.get("server_isn")}
        conn = {"client": fmt(c["client"]), "server": fmt(c["server"]), "endpoints": {}}
        for role in ("client", "server"):
            ep = c[role]
            evs = [e for e in events if e["src"] == ep and e["dst"] == c["server" if role == "client" else "client"]]
            rtx, counts = [], {"client": 0, "server": 0}
            hidden = {"client": 0, "server": 0}
            absent = {"client": 0, "server": 0}
            for e in evs:
                if e["err"]:
                    continue
                for s in e["segs"]:
                    base = isn[ep]
                    item = {"t": round(s.t - t0, 6), "event": e["type"], "state": e["state"],
                            "kind": s.kind(), "seq": s.seq,
                            "rel_seq": (s.seq - base) & M32 if base is not None else None,
                            "len": s.plen, "ip_id": s.ipid, "tsval": s.tsval,
                            "segs_in_event": len(e["segs"]), "visible": {}}
                    for v in ("client", "server"):
                        how, later = visibility(s, caps[v])
                        item["visible"][v] = how
                        item.setdefault("packet", {})[v] = next(
                            (x.n for x in caps[v] if x.key() == s.key()), None)
                        if how == "hole":
                            item.setdefault("tsval_later", {})[v] = later
                            if not later:
                                problems.append("%s: retransmission seq %d fills a hole at the %s "
                                                "but its TSval is not later than the segments above it"
                                                % (fmt(ep), s.seq, v))
                        if how in ("original", "hole"):
                            counts[v] += 1
                        elif how == "hidden":
                            hidden[v] += 1
                        else:
                            absent[v] += 1
                    rtx.append(item)
            failed = [e for e in evs if e["err"]]
            infos_ep = [i for i in infos or [] if i["local"] == fmt(ep)]
            if infos is None:
                info = {}
            elif len(infos_ep) != 1:
                problems.append("%s: %d TCP_INFO records" % (fmt(ep), len(infos_ep)))
                info = {}
            else:
                info = infos_ep[0]
            n = len(rtx)
            d = {
                "role": role,
                "kernel": n,
                "kernel_events": sum(1 for e in evs if not e["err"]),
                "failed_events": len(failed),
                "tcp_info_total_retrans": info.get("total_retrans"),
                "ss_total_retrans": info.get("ss_total_retrans"),
                "tcp_info": {x: info[x] for x in ("bytes_retrans", "dsack_dups", "reord_seen",
                                                   "total_rto", "total_rto_recoveries",
                                                   "data_segs_out") if x in info},
                "nstat": nst[role],
                "expected": counts,
                "hidden": hidden,
                "absent": absent,
                "retransmissions": rtx,
            }
            # the counts must agree (one connection per namespace at a time)
            for what, val in (("TCP_INFO total_retrans", info.get("total_retrans")),
                              ("ss -ti total retrans", info.get("ss_total_retrans"))):
                if infos is not None and val != n:
                    problems.append("%s: %d retransmitted segments traced, %s says %s"
                                    % (fmt(ep), n, what, val))
            conn["endpoints"][fmt(ep)] = d
        out_conns.append(conn)
    for role in ("client", "server"):
        total = sum(d["kernel"] for c in out_conns for d in c["endpoints"].values() if d["role"] == role)
        rs = nst[role].get("TcpRetransSegs", 0)
        if args.nstat_client and rs != total:
            problems.append("%s namespace: TcpRetransSegs went up by %d, %d retransmitted segments traced"
                            % (role, rs, total))

    for r in relay:
        k = None
        for ck, c in conns.items():
            if {c["client"][1], c["server"][1]} == {r["sport"], r["dport"]}:
                k = ck
        base = None
        if k is not None:
            src_is_client = conns[k]["client"][1] == r["sport"]
            base = conns[k]["isn"] if src_is_client else conns[k].get("server_isn")
        r["rel_seq"] = (r["seq"] - base) & M32 if base is not None else None

    doc = {
        "name": args.name,
        "description": args.description,
        "kernel": open("/proc/sys/kernel/osrelease").read().strip(),
        "relay_mode": args.mode,
        "relay_actions": relay,
        "vantage_points": {"client": args.name + "-client.pcap: the client's veth, before the relay",
                           "server": args.name + "-server.pcap: the server's veth, after the relay"},
        "counting": "kernel = segments the endpoint's kernel retransmitted (tcp:tcp_retransmit_skb "
                    "events with err=0, each weighted by the wire segments it sent, plus "
                    "tcp:tcp_retransmit_synack events); equal to TCP_INFO total_retrans, ss -ti and "
                    "the namespace's TcpRetransSegs. expected[vantage] = those a capture at that "
                    "vantage point can show (an earlier copy in it, or a hole they fill); "
                    "hidden[vantage] = those in it that it cannot show; absent[vantage] = those "
                    "lost before they reached it. See samples/retrans/README.md.",
        "connections": out_conns,
    }
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    for c in out_conns:
        for ep, d in c["endpoints"].items():
            print("  %-18s kernel %d (events %d, failed %d, total_retrans %s, ss %s) expected client %d "
                  "server %d, hidden+absent client %d server %d; nstat %s" % (
                      ep, d["kernel"], d["kernel_events"], d["failed_events"],
                      d["tcp_info_total_retrans"], d["ss_total_retrans"], d["expected"]["client"],
                      d["expected"]["server"], d["hidden"]["client"] + d["absent"]["client"],
                      d["hidden"]["server"] + d["absent"]["server"],
                      " ".join("%s=%d" % (k.replace("TcpExtTCP", "").replace("Tcp", ""), v)
                               for k, v in d["nstat"].items())), file=sys.stderr)
    if problems:
        for p in problems:
            print("retrans_kernel: %s: %s" % (args.name, p), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
