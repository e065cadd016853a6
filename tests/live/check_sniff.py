#!/usr/bin/python3
"""check_sniff.py - the checks of live-sniff (tests/live/sniff.sh) on one live run of tcpstate.

  check_sniff.py json LIVE OFFLINE IFACE PCAP EXPECT KERNEL
  check_sniff.py text LIVE OFFLINE IFACE OFFLINE_JSON EXPECT KERNEL
  check_sniff.py idle LIVE OFFLINE IFACE PCAP EXPECT KERNEL
  check_sniff.py streamed LIVE EXPECT

LIVE is what `tcpstate -i IFACE [--json] -w PCAP` wrote to standard output until it was stopped,
OFFLINE what `tcpstate --stream --timeout conntrack [--json] -r PCAP` writes for the same packets.

1. The two are the same, byte for byte, once the live run's own lines are left out: its capture
   header (first line: it names the interface, not the file), its capture_stats record (JSON) or
   "capture:" line (text), and in JSON the "file" key (IFACE against PCAP). JSON is compared per
   connection id first (the first difference of each connection, for the reader), then whole.
2. The live run ends with the totals and then libpcap's counters, and those say nothing dropped.
3. The connections (in JSON: the live records; in text: OFFLINE_JSON, the same file analysed with
   --json) are exactly those of EXPECT, lines "SCENARIO INITIATOR RESPONDER" (ip:port): none
   missing, none more. Each ended with the capture (end "capture_end"), roles from its SYN, no
   finding but those held to the kernels' counters (COUNTED, below), and each endpoint went
   through exactly the states of its scenario (PATHS below, from its initial state). Every
   endpoint's final state is also the kernel's:
   KERNEL holds `ss -tan` of both namespaces ("A ..." the client's, "B ..." the server's) taken
   when the traffic was over and before tcpstate was stopped; a socket that is not there is
   CLOSED. It also holds, for A and B, "paws NS N", the segments that kernel dropped by PAWS
   (nstat TcpExtPAWSEstab) in the run, and "retrans NS N", the segments it retransmitted
   (TcpRetransSegs). Two segments a sender sent a few ms apart now and then reach the other end
   swapped (over veth, each CPU has its own backlog), and a TSval two ticks or more below
   TS.Recent is then dropped: the servers' segments flagged ts_backwards must be exactly as many
   as the client dropped (the capture point is the client's link), the clients' at most as many
   as the server dropped (a swap after the capture point is out of its sight). On a busy
   machine the relay can be slower than a retransmission timer: each side's retransmission
   findings (retransmission, fast_retransmission, spurious_retransmission) must be exactly as
   many as its kernel retransmitted (the relay loses nothing, so the capture sees them all).
idle: the connection left open under --timeout established=2 was reported idle (idle_timeout
   established, 2 s) on the clock, before the stop; the offline run, with no later packet,
   reports it at the end of the file: the summaries' end is left out of the comparison.
4. (streamed, JSON, polled by sniff.sh before it stops tcpstate) The live output already holds
   every connection's open record and its transitions but for at most each endpoint's last one,
   and no summary: they stream.
"""
import difflib
import json
import re
import sys

# initiator's states, responder's states, from the initial one (the kernel's, docs/kernel-facts)
PATHS = {
    "client-first": ("CLOSED SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT",
                     "LISTEN SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"),
    "server-first": ("CLOSED SYN_SENT ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED",
                     "LISTEN SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT"),
    "linger": ("CLOSED SYN_SENT ESTABLISHED CLOSED",
               "LISTEN SYN_RCVD ESTABLISHED CLOSED"),
    "closed-port": ("CLOSED SYN_SENT CLOSED",
                    "LISTEN CLOSED"),
    "simul": ("CLOSED SYN_SENT ESTABLISHED FIN_WAIT_1 CLOSING TIME_WAIT",
              "LISTEN SYN_RCVD ESTABLISHED FIN_WAIT_1 CLOSING TIME_WAIT"),
    "open": ("CLOSED SYN_SENT ESTABLISHED",
             "LISTEN SYN_RCVD ESTABLISHED"),
    # a simultaneous close whose FINs did not cross after all (sniff.sh then tries again): only
    # the final states, the kernel's, are checked
    "simul-uncrossed": None,
}
END_AT_STOP = "capture_end"  # as at the end of a file
IDLE_TIMEOUT = {"class": "established", "seconds": 2}  # the idle run's --timeout established=2
SS_STATES = {"ESTAB": "ESTABLISHED", "SYN-SENT": "SYN_SENT", "SYN-RECV": "SYN_RCVD",
             "FIN-WAIT-1": "FIN_WAIT_1", "FIN-WAIT-2": "FIN_WAIT_2", "TIME-WAIT": "TIME_WAIT",
             "CLOSE-WAIT": "CLOSE_WAIT", "LAST-ACK": "LAST_ACK", "CLOSING": "CLOSING",
             "LISTEN": "LISTEN"}

errors = []


def fail(msg):
    errors.append(msg)
    print("  FAIL: " + msg)


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def parse_json_lines(lines, what):
    recs = []
    for i, line in enumerate(lines, 1):
        try:
            r = json.loads(line)
        except ValueError as e:
            fail("%s line %d is not JSON (%s): %s" % (what, i, e, line[:200]))
            r = {}
        if not isinstance(r, dict) or "kind" not in r:
            fail("%s line %d has no kind: %s" % (what, i, line[:200]))
            r = {"kind": None}
        recs.append(r)
    return recs


def show_diff(a, b, name_a, name_b, limit=40):
    diff = list(difflib.unified_diff(a, b, name_a, name_b, lineterm="", n=1))
    for line in diff[:limit]:
        print("    " + line[:300])
    if len(diff) > limit:
        print("    ... (%d more diff lines)" % (len(diff) - limit))


IDLE_END = re.compile(r'"end":"idle","idle_timeout":\{"class":"[a-z_]+","seconds":[0-9]+\}|"end":"capture_end"')


def compare_json(live_path, off_path, iface, pcap, idle=False):
    """Checks 1 and 2 on JSON; returns the live records (without header and capture_stats).
    idle: the summaries' end may differ (live: an idle timeout on the clock; offline: the end of
    the file, no later packet having come), so both are replaced by "end":"-"."""
    live, off = read_lines(live_path), read_lines(off_path)
    if idle:
        live = [IDLE_END.sub('"end":"-"', x) if x.startswith('{"kind":"connection"') else x for x in live]
        off = [IDLE_END.sub('"end":"-"', x) if x.startswith('{"kind":"connection"') else x for x in off]
    lrec, orec = parse_json_lines(live, "live"), parse_json_lines(off, "offline")
    if not lrec or lrec[0].get("kind") != "capture" or lrec[0].get("file") != iface:
        fail("the live output does not begin with a capture record for %s: %s" % (iface, live[:1]))
    if not orec or orec[0].get("kind") != "capture":
        fail("the offline output does not begin with a capture record: %s" % off[:1])
    stats = [i for i, r in enumerate(lrec) if r.get("kind") == "capture_stats"]
    if len(stats) != 1 or stats[0] != len(lrec) - 1:
        fail("expected one capture_stats record, the last line; found at lines %s of %d"
             % ([i + 1 for i in stats], len(lrec)))
    elif len(lrec) < 2 or lrec[-2].get("kind") != "totals":
        fail("the record before capture_stats is not the totals")
    else:
        st = lrec[-1]
        print("  capture_stats: %s" % json.dumps({k: st.get(k) for k in ("received", "dropped", "if_dropped")}))
        if st.get("dropped") != 0:
            fail("capture_stats: dropped %s, expected 0" % st.get("dropped"))
        if not isinstance(st.get("received"), int) or st["received"] < lrec[-2].get("packets", 0):
            fail("capture_stats: received %s, below the totals' %s packets"
                 % (st.get("received"), lrec[-2].get("packets")))
    if any(r.get("kind") == "capture_stats" for r in orec):
        fail("the offline run wrote a capture_stats record")

    lfile, ofile = '"file":' + json.dumps(iface), '"file":' + json.dumps(pcap)
    keep = [i for i in range(1, len(lrec)) if lrec[i].get("kind") != "capture_stats"]
    lnorm = [live[i].replace(lfile, '"file":"-"', 1) for i in keep]
    onorm = [line.replace(ofile, '"file":"-"', 1) for line in off[1:]]
    lkept, okept = [lrec[i] for i in keep], orec[1:]

    # per connection id, in order
    def by_conn(recs, lines):
        out = {}
        for r, line in zip(recs, lines):
            out.setdefault(r.get("conn"), []).append(line)
        return out

    lc, oc = by_conn(lkept, lnorm), by_conn(okept, onorm)
    for cid in sorted(set(lc) | set(oc), key=lambda c: (c is None, c or 0)):
        a, b = lc.get(cid, []), oc.get(cid, [])
        if a != b:
            fail("conn %s: live and offline records differ (%d against %d records)" % (cid, len(a), len(b)))
            show_diff(b, a, "offline", "live", 12)
    if lnorm != onorm:
        fail("the live output is not the offline output (after removing the header, capture_stats and file)")
        show_diff(onorm, lnorm, "offline", "live")
    else:
        print("  live == offline: %d records, byte for byte (%d connections)"
              % (len(lnorm), len([c for c in lc if c is not None])))
    # each connection's records open with its open record and close with its summary
    for cid, lines in lc.items():
        if cid is None:
            continue
        kinds = [json.loads(x)["kind"] for x in lines]
        if kinds[0] != "open" or kinds[-1] != "connection" or kinds.count("open") != 1 \
                or kinds.count("connection") != 1:
            fail("conn %s: records %s, expected open first and connection last, once each" % (cid, kinds))
    return lkept


RETRANS = ("retransmission", "fast_retransmission", "spurious_retransmission")
COUNTED = ("ts_backwards",) + RETRANS  # findings held to the kernels' counters


def kernel_counts(path, what):
    """{"A": n, "B": n}: what ("paws" or "retrans") each namespace's kernel counted in the run."""
    return {f[1]: int(f[2]) for f in (line.split() for line in read_lines(path)) if len(f) == 3 and f[0] == what}


def kernel_states(path):
    ks = {}
    for line in read_lines(path):
        f = line.split()
        if len(f) < 6:
            continue
        ns, state, local, peer = f[0], f[1], f[4], f[5]
        ks[(ns, local, peer)] = SS_STATES.get(state, state)
    return ks


def check_states(recs, expect_path, kernel_path, end=END_AT_STOP):
    """Check 3 on JSON records (live, or the offline analysis of the text run's capture)."""
    expect = {}
    for line in read_lines(expect_path):
        if line.strip():
            scen, ini, res = line.split()
            expect[(ini, res)] = scen
    ks = kernel_states(kernel_path)
    conns = {r["conn"]: r for r in recs if r.get("kind") == "connection"}
    seqs = {}
    for r in recs:
        if r.get("kind") == "transition":
            s = seqs.setdefault((r["conn"], r["role"]), [])
            if s and s[-1] != r["from"]:
                fail("conn %s %s: transition from %s, but it was in %s" % (r["conn"], r["role"], r["from"], s[-1]))
            s.append(r["to"])
    seen = set()
    flagged = {"initiator": 0, "responder": 0}
    resent = {"initiator": 0, "responder": 0}
    for cid, c in sorted(conns.items()):
        key = (c["initiator"], c["responder"])
        scen = expect.get(key)
        name = "conn %s %s > %s" % (cid, key[0], key[1])
        if scen is None:
            fail("%s: not a connection of ours" % name)
            continue
        seen.add(key)
        name += " (%s)" % scen
        got = {}
        for role in ("initiator", "responder"):
            st = c["states"][role]
            got[role] = [st["initial"]] + seqs.get((cid, role), [])
            if got[role][-1] != st["final"]:
                fail("%s %s: transitions end in %s, the summary says %s" % (name, role, got[role][-1], st["final"]))
            if st["inferred"] or st["silent"]:
                fail("%s %s: inferred %s, silent %s" % (name, role, st["inferred"], st["silent"]))
            found = c["findings"][role]
            other = {k: v for k, v in found.items() if k not in COUNTED}
            if other:
                fail("%s %s: findings %s" % (name, role, other))
            flagged[role] += found.get("ts_backwards", 0)
            resent[role] += sum(found.get(k, 0) for k in RETRANS)
        if PATHS[scen] is not None:
            for role, want in zip(("initiator", "responder"), PATHS[scen]):
                if " ".join(got[role]) != want:
                    fail("%s %s: states %s, expected %s" % (name, role, " ".join(got[role]), want))
        # the kernel's states when the traffic was over
        for role, ns, local, peer in (("initiator", "A", key[0], key[1]), ("responder", "B", key[1], key[0])):
            want = ks.get((ns, local, peer), "CLOSED")
            if got[role][-1] != want:
                fail("%s %s: ends in %s, the kernel's socket is in %s" % (name, role, got[role][-1], want))
        if c["roles"] != "syn" or c["end"] != end:
            fail("%s: roles %s, end %s; expected syn, %s" % (name, c["roles"], c["end"], end))
        print("  %s: %s | %s, end %s" % (name, " ".join(got["initiator"]), " ".join(got["responder"]), c["end"]))
    for key in sorted(set(expect) - seen):
        fail("no connection %s > %s (%s)" % (key[0], key[1], expect[key]))
    # ts_backwards and retransmissions against the kernels' own counts
    paws, retrans = kernel_counts(kernel_path, "paws"), kernel_counts(kernel_path, "retrans")
    if set(paws) != {"A", "B"} or set(retrans) != {"A", "B"}:
        fail("KERNEL lacks a 'paws NS N' or 'retrans NS N' line for A or B")
        return
    line = ("  retransmissions: %d of the clients, %d of the servers; the kernels': %d in A, %d in B"
            % (resent["initiator"], resent["responder"], retrans["A"], retrans["B"]))
    if resent["initiator"] != retrans["A"] or resent["responder"] != retrans["B"]:
        fail(line.strip() + ": expected equal")
    elif retrans["A"] or retrans["B"]:
        print(line)
    line = ("  ts_backwards: %d in the servers' segments, %d in the clients'; PAWS drops: %d by the client, %d by"
            " the server" % (flagged["responder"], flagged["initiator"], paws["A"], paws["B"]))
    if flagged["responder"] != paws["A"] or flagged["initiator"] > paws["B"]:
        fail(line.strip() + ": expected the first equal to the third, the second at most the fourth")
    elif flagged["responder"] or flagged["initiator"] or paws["A"] or paws["B"]:
        print(line)


def compare_text(live_path, off_path, iface):
    live, off = read_lines(live_path), read_lines(off_path)
    if not live or iface not in live[0]:
        fail("the live text does not begin with a header naming %s: %s" % (iface, live[:1]))
    cap = [i for i, line in enumerate(live) if line.startswith("capture: ")]
    if len(cap) != 1 or cap[0] != len(live) - 1:
        fail("expected one 'capture:' line, the last; found at lines %s of %d" % ([i + 1 for i in cap], len(live)))
    else:
        print("  " + live[cap[0]])
        m = re.search(r"\b(\d+) dropped by the kernel", live[cap[0]])
        if not m or m.group(1) != "0":
            fail("the capture line does not say 0 dropped by the kernel")
    if not any(line.startswith("totals: ") for line in live):
        fail("no totals in the live text")
    lnorm = [line for i, line in enumerate(live) if i > 0 and i not in cap]
    if lnorm != off[1:]:
        fail("the live text is not the offline text (after removing the header and the capture line)")
        show_diff(off[1:], lnorm, "offline", "live")
    else:
        print("  live == offline: %d lines of text, byte for byte" % len(lnorm))


def streamed(live_path, expect_path):
    """Before the stop: every connection's open record and its transitions (its scenario's path;
    only the open record for simul-uncrossed) are out already, and no summary yet. Each endpoint
    may still hold back its last transition: a receipt that no later segment of the receiver
    confirms (the last ACK in LAST_ACK, an RST received) is placed only when the connection ends,
    --time-wait (60 s) after its close or at the stop; those are listed."""
    want = {}
    for line in read_lines(expect_path):
        if line.strip():
            scen, ini, res = line.split()
            want[(ini, res)] = PATHS[scen]
    ids, seqs, missing, held = {}, {}, [], []
    for line in read_lines(live_path):
        try:
            r = json.loads(line)
        except ValueError:  # a line being written
            continue
        if r.get("kind") == "open":
            ids[(r["initiator"], r["responder"])] = r["conn"]
        elif r.get("kind") == "transition":
            seqs.setdefault((r["conn"], r["role"]), []).append(r["to"])
        elif r.get("kind") == "connection":
            missing.append("conn %s: its summary came before the stop (end %s)" % (r["conn"], r["end"]))
    for key, paths in sorted(want.items()):
        if key not in ids:
            missing.append("%s > %s: no open record" % key)
            continue
        for role, path in zip(("initiator", "responder"), paths or ()):
            got, full = seqs.get((ids[key], role), []), path.split()
            if got == full[1:]:
                continue
            if got == full[1:-1]:
                held.append("conn %s %s: %s -> %s" % (ids[key], role, full[-2], full[-1]))
            else:
                missing.append("%s > %s %s: transitions to %s so far, expected %s"
                               % (key[0], key[1], role, " ".join(got) or "nothing", path))
    for m in missing:
        print("  not streamed: " + m)
    if held:
        print("  out before the stop but for the last transition of %s" % "; ".join(held))
    return 1 if missing else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "streamed":
        return streamed(argv[2], argv[3])
    if len(argv) == 8 and argv[1] == "json":
        live, off, iface, pcap, expect, kernel = argv[2:]
        recs = compare_json(live, off, iface, pcap)
        check_states(recs, expect, kernel)
    elif len(argv) == 8 and argv[1] == "idle":
        live, off, iface, pcap, expect, kernel = argv[2:]
        compare_json(live, off, iface, pcap, idle=True)
        recs = parse_json_lines(read_lines(live), "live")
        check_states(recs, expect, kernel, end="idle")
        for r in recs:
            if r.get("kind") == "connection" and r.get("idle_timeout") != IDLE_TIMEOUT:
                fail("conn %s: idle_timeout %s, expected %s" % (r["conn"], r.get("idle_timeout"), IDLE_TIMEOUT))
    elif len(argv) == 8 and argv[1] == "text":
        live, off, iface, offjson, expect, kernel = argv[2:]
        compare_text(live, off, iface)
        orecs = parse_json_lines(read_lines(offjson), "offline JSON")
        check_states(orecs, expect, kernel)
    else:
        raise SystemExit(__doc__)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
