#!/usr/bin/python3
"""check_stream.py TCPSTATE SAMPLES [CORPUS]: streaming gives the timeline, only sooner.

For every capture, `tcpstate --stream --json` must give, per connection, the
very records `tcpstate --json` gives in its timeline, in the same order,
once each revision (a retransmission a later D-SACK showed spurious) is
put in place of the record it revises; the same connection summaries and
totals; and each connection's open record before any of its records.
CORPUS (../shared/corpus) is optional.
"""
import json
import os
import subprocess
import sys


def captures(root):
    for d, _, files in sorted(os.walk(root)):
        if "bad-files" in d:
            continue
        for f in sorted(files):
            if f.endswith((".pcap", ".pcapng", ".pcap.gz", ".cap")):
                yield os.path.join(d, f)


def run(tcpstate, args):
    p = subprocess.run([tcpstate] + args, capture_output=True, text=True)
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines()]


def check(tcpstate, path):
    rc1, whole = run(tcpstate, ["--json", path])
    rc2, stream = run(tcpstate, ["--stream", "--json", path])
    errs = []
    if rc1 != rc2:
        errs.append(f"exit {rc1} vs {rc2} streaming")
    timeline, summaries, other = {}, [], []
    for r in whole:
        if r["kind"] in ("transition", "finding"):
            timeline.setdefault(r["conn"], []).append(r)
        elif r["kind"] == "connection":
            summaries.append(r)
        else:
            other.append(r)
    got, got_summaries, got_other, opened = {}, [], [], set()
    for r in stream:
        k = r["kind"]
        if k == "open":
            if r["conn"] in opened:
                errs.append(f"conn {r['conn']} opened twice")
            opened.add(r["conn"])
        elif k in ("transition", "finding", "revision"):
            if r["conn"] not in opened:
                errs.append(f"conn {r['conn']}: a record before its open record")
            recs = got.setdefault(r["conn"], [])
            if k == "revision":
                was = r.pop("revises")
                r["kind"] = "finding"
                match = [i for i, x in enumerate(recs) if x["kind"] == "finding" and x["pkt"] == r["pkt"]
                         and x["endpoint"] == r["endpoint"] and x["code"] == was]
                if not match:
                    errs.append(f"conn {r['conn']}: revision of #{r['pkt']} {was} with nothing to revise")
                    continue
                recs[match[0]] = r
            else:
                recs.append(r)
        elif k == "connection":
            got_summaries.append(r)
        else:
            got_other.append(r)
    for conn in sorted(set(timeline) | set(got)):
        a, b = timeline.get(conn, []), got.get(conn, [])
        if a != b:
            for i, (x, y) in enumerate(zip(a + [None] * len(b), b + [None] * len(a))):
                if x != y:
                    errs.append(f"conn {conn} record {i}: timeline {x} / streamed {y}")
                    break
    key = lambda s: s["conn"]
    if sorted(summaries, key=key) != sorted(got_summaries, key=key):
        errs.append("connection summaries differ")
    if other != got_other:
        errs.append("capture, notes or totals differ")
    return errs


def main():
    tcpstate, roots = sys.argv[1], sys.argv[2:]
    n, bad = 0, 0
    for root in roots:
        if not os.path.isdir(root):
            print(f"check_stream: {root} absent, skipped")
            continue
        for path in captures(root):
            n += 1
            errs = check(tcpstate, path)
            if errs:
                bad += 1
                print(f"FAIL {path}")
                for e in errs[:5]:
                    print("   ", e)
    print(f"check_stream: {n} captures, {bad} failed")
    sys.exit(1 if bad or not n else 0)


if __name__ == "__main__":
    main()
