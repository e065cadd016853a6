#!/usr/bin/python3
"""table.py - the ground-truth table of a live run (docs/kernel-ground-truth.md), in Markdown.

Usage: table.py TCPSTATE DIR    (DIR: the OUTDIR of tests/kernel/live.sh)

One row per endpoint of every connection of every scenario in DIR/paths and DIR/retrans: the
kernel's states (NAME.kernel; + marks a state added from the wire), tcpstate's from the capture at
the client's veth and from the one at the server's, the retransmissions (the kernel's count, and
per capture the count it can show / tcpstate's), and the verdict. The comparisons are
check_paths.py's and check_retrans.py's own, imported from beside this script.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_paths import compare, kernel_sequences, on_wire, our_sequences  # noqa: E402
from check_retrans import tcpstate_counts, truth  # noqa: E402


def states_cell(kern, ours, pcap, ep):
    """(text, ok) for one endpoint's k-th connection seen from one capture."""
    if ours is None:
        if not on_wire(pcap, ep):
            return "not on this wire", True
        return "**missing**", False
    verdict = compare(kern, ours)
    if verdict is False:
        return "**%s**" % " ".join(ours), False
    if verdict == "timer":
        return "%s (end unknown: no segment)" % " ".join(ours), True
    return "= kernel", True


def main():
    tcpstate, folder = sys.argv[1], sys.argv[2]
    rows, bad = [], 0
    paths = os.path.join(folder, "paths")
    for f in sorted(os.listdir(paths)):
        if not f.endswith(".kernel"):
            continue
        name = f[:-len(".kernel")]
        kern = kernel_sequences(os.path.join(paths, f))
        pcaps = {v: os.path.join(paths, name + s + ".pcap") for v, s in (("client", ""), ("server", "-server"))}
        ours = {v: our_sequences(tcpstate, p) for v, p in pcaps.items()}
        rtruth = {v: truth(os.path.join(paths, name + ".retrans"), v) for v in pcaps}
        rours = {v: tcpstate_counts(tcpstate, p) for v, p in pcaps.items()}
        for ep, kseqs in kern.items():
            for k, kseq in enumerate(kseqs):
                cells, ok = [], True
                for v in ("client", "server"):
                    oseqs = ours[v].get(ep, [])
                    o = oseqs[k][1] if k < len(oseqs) else None
                    text, good = states_cell([s.rstrip("+") for s in kseq], o, pcaps[v], ep)
                    cells.append(text)
                    ok &= good
                rt = ""
                # per endpoint and peer (connections that reuse a tuple are counted together)
                keys = sorted((key for key in rtruth["client"] if key[1] == ep),
                              key=lambda key: sorted(key[0]))
                if k < len(keys):
                    key, parts = keys[k], []
                    for v in ("client", "server"):
                        want, got = rtruth[v][key][2], rours[v].get(key, 0)
                        ok &= want == got
                        parts.append("%d/%d" % (want, got))
                    rt = "%d: %s" % (rtruth["client"][key][0], ", ".join(parts))
                bad += not ok
                rows.append((name, ep, " ".join(kseq), cells[0], cells[1], rt, "ok" if ok else "**DIFFERS**"))
    retrans = os.path.join(folder, "retrans")
    for f in sorted(os.listdir(retrans)):
        if not f.endswith(".retrans"):
            continue
        name = f[:-len(".retrans")]
        want = {v: truth(os.path.join(retrans, f), v) for v in ("client", "server")}
        got = {v: tcpstate_counts(tcpstate, os.path.join(retrans, "%s-%s.pcap" % (name, v)))
               for v in ("client", "server")}
        for key in sorted(want["client"], key=lambda k: k[1]):
            ok = all(want[v][key][2] == got[v].get(key, 0) for v in want)
            bad += not ok
            rows.append(("retrans/" + name, key[1], "", "", "", "%d: %s" % (want["client"][key][0], ", ".join(
                "%d/%d" % (want[v][key][2], got[v].get(key, 0)) for v in ("client", "server"))),
                "ok" if ok else "**DIFFERS**"))
    print("| scenario | endpoint | kernel's states | ours, client-side capture | ours, server-side capture "
          "| retransmitted: kernel: shown/ours client-side, server-side | verdict |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    print("\n%d rows, %d differ" % (len(rows), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
