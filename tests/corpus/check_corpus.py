#!/usr/bin/python3
"""check_corpus.py - runs tcpstate over every capture of ../shared/corpus.

For each capture listed in MANIFEST.tsv: tcpstate must exit normally (0, or 2
for an input it cannot read whole), never on a signal; its JSON totals must
account for every packet (the categories add up to the packets read) and the
packets read must equal the count in the manifest. Exits 77 (CTest skip) when
the corpus is absent, as it is in a user's fresh clone.
"""
import json
import os
import subprocess
import sys


def main():
    tcpstate, corpus = sys.argv[1], sys.argv[2]
    manifest = os.path.join(corpus, "MANIFEST.tsv")
    if not os.path.isfile(manifest):
        print(f"corpus: {corpus} is absent; skipping (it lives in ../shared beside the repository)")
        return 77
    failures, checked = [], 0
    with open(manifest, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    for row in rows:
        rel, expected_pkts = row[0], int(row[6])
        path = os.path.join(corpus, rel)
        run = subprocess.run([tcpstate, "--json", path], capture_output=True, timeout=120)
        checked += 1
        if run.returncode < 0 or run.returncode not in (0, 2):
            failures.append(f"{rel}: exit status {run.returncode}: {run.stderr.decode(errors='replace')}")
            continue
        records = [json.loads(line) for line in run.stdout.decode().splitlines()]
        totals = [r for r in records if r["kind"] == "totals"]
        if len(totals) != 1:
            failures.append(f"{rel}: {len(totals)} totals records")
            continue
        t = totals[0]
        if sum(t["categories"].values()) != t["packets"]:
            failures.append(f"{rel}: categories {t['categories']} do not add up to {t['packets']}")
        if t["packets"] != expected_pkts:
            failures.append(f"{rel}: read {t['packets']} packets, the manifest says {expected_pkts}")
        conns = [r for r in records if r["kind"] == "connection"]
        if len(conns) != t["connections"]:
            failures.append(f"{rel}: {len(conns)} connection records, totals say {t['connections']}")
        ids = [c["conn"] for c in conns]
        if sorted(ids) != list(range(1, len(ids) + 1)):
            failures.append(f"{rel}: connection ids are not 1..{len(ids)}")
    for msg in failures:
        print("FAIL", msg)
    print(f"corpus: {checked} captures checked, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
