#!/usr/bin/python3
"""check_retrans.py - the retransmissions tcpstate finds equal the Linux kernel's own count.

Usage: check_retrans.py TCPSTATE [DIR]
       check_retrans.py --tshark [DIR]    (the same comparison with tshark's analysis instead)

DIR (default: samples/retrans beside this repository's tests/) holds, per scenario NAME, real
kernel traffic through a relay that lost, delayed and duplicated segments, captured at both ends
(NAME-client.pcap, or NAME.pcap as samples/gen/make-paths.sh names it, before the relay,
NAME-server.pcap after it), and NAME.retrans, the kernel's
count of the segments each endpoint retransmitted (samples/gen/make-retrans.sh: the
tcp:tcp_retransmit_skb and tcp:tcp_retransmit_synack tracepoints, each event matched with the
wire segment(s) it sent, equal to TCP_INFO's total_retrans, ss -ti and the namespace's
TcpRetransSegs).

For every capture and every endpoint of every connection, the number of retransmission findings
tcpstate reports for that endpoint (codes retransmission, fast_retransmission and
spurious_retransmission, summed) must equal the kernel's count of retransmitted segments that
this capture can show: the endpoint's "expected" count for this vantage point in NAME.retrans,
which is the kernel's count less the ones this capture cannot show ("hidden": a retransmission
whose first copy was lost before this capture point and that nothing later in the capture
reveals, e.g. a SYN whose first copy never reached the server's side; "absent": a retransmission
itself lost before this capture point). Out-of-order segments, the network's duplicates (the
relay's copies) and keep-alives are not retransmissions. One line per endpoint and capture; exit
status 1 on any mismatch.

With --tshark, tshark's frames marked tcp.analysis.retransmission, fast_retransmission or
spurious_retransmission are counted per sending endpoint instead (a check of this script and of
the ground truth against an independent analyser; tshark is not expected to agree everywhere).
"""
import glob
import json
import os
import subprocess
import sys

CODES = ("retransmission", "fast_retransmission", "spurious_retransmission")
TSHARK_FILTER = " || ".join("tcp.analysis." + c for c in CODES)


def truth(path, vantage):
    """{(connection key, endpoint): (kernel, hidden, expected)} for one capture."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out = {}
    for c in doc["connections"]:
        key = frozenset((c["client"], c["server"]))
        for ep, d in c["endpoints"].items():
            unseen = d["hidden"][vantage] + d.get("absent", {}).get(vantage, 0)
            out[(key, ep)] = (d["kernel"], unseen, d["expected"][vantage])
    return out


def tcpstate_counts(tcpstate, pcap):
    run = subprocess.run([tcpstate, "--json", pcap], capture_output=True, timeout=120, check=False)
    if run.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (pcap, run.returncode, run.stderr.decode(errors="replace")))
    counts = {}
    for line in run.stdout.decode().splitlines():
        r = json.loads(line)
        if r.get("kind") != "connection":
            continue
        key = frozenset((r["initiator"], r["responder"]))
        for role in ("initiator", "responder"):
            n = sum(r["findings"][role].get(code, 0) for code in CODES)
            counts[(key, r[role])] = counts.get((key, r[role]), 0) + n
    return counts


def tshark_counts(pcap):
    run = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", TSHARK_FILTER, "-T", "fields",
                          "-e", "ip.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "tcp.dstport"],
                         capture_output=True, timeout=120, check=False)
    if run.returncode != 0:
        raise RuntimeError("%s: tshark exit %d: %s" % (pcap, run.returncode, run.stderr.decode(errors="replace")))
    counts = {}
    for line in run.stdout.decode().splitlines():
        src, sport, dst, dport = line.split("\t")
        a, b = "%s:%s" % (src, sport), "%s:%s" % (dst, dport)
        k = (frozenset((a, b)), a)
        counts[k] = counts.get(k, 0) + 1
    return counts


def main(argv):
    use_tshark = "--tshark" in argv
    args = [a for a in argv[1:] if a != "--tshark"]
    if not use_tshark:
        if not args:
            print(__doc__, file=sys.stderr)
            return 2
        tcpstate = args.pop(0)
    here = os.path.dirname(os.path.abspath(__file__))
    folder = args[0] if args else os.path.join(here, "..", "..", "samples", "retrans")
    pcaps = []  # (capture, NAME.retrans, vantage point)
    for truth_file in sorted(glob.glob(os.path.join(folder, "*.retrans"))):
        name = truth_file[:-len(".retrans")]
        client = name + "-client.pcap" if os.path.exists(name + "-client.pcap") else name + ".pcap"
        pcaps += [(client, truth_file, "client"), (name + "-server.pcap", truth_file, "server")]
    if not pcaps:
        print("check_retrans: no NAME.retrans in %s" % folder, file=sys.stderr)
        return 1
    tool = "tshark" if use_tshark else "tcpstate"
    rows, bad, good = [], 0, 0
    for pcap, truth_file, vantage in pcaps:
        base = os.path.basename(pcap)[:-len(".pcap")]
        want = truth(truth_file, vantage)
        try:
            got = tshark_counts(pcap) if use_tshark else tcpstate_counts(tcpstate, pcap)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            print("check_retrans: %s" % e, file=sys.stderr)
            return 1
        for k in sorted(set(want) | set(got), key=lambda k: (k[1] != min(k[0]), k[1])):
            kernel, hidden, expected = want.get(k, (0, 0, 0))
            n = got.get(k, 0)
            ok = n == expected
            good += ok
            bad += not ok
            rows.append((base + ".pcap", k[1], str(kernel), str(hidden), str(expected), str(n),
                         "ok" if ok else "MISMATCH"))
    head = ("capture", "endpoint", "kernel", "hidden", "expected", tool, "verdict")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print("  ".join(c.ljust(w) if i < 2 or i == 6 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    print("kernel = segments the endpoint's kernel retransmitted; hidden = those this capture cannot "
          "show (or lacks); expected = kernel - hidden")
    print("%d passed, %d failed" % (good, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
