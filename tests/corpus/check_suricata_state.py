#!/usr/bin/python3
"""check_suricata_state.py - our states agree with Suricata's tcp.state.

Suricata keeps one state per TCP session, named from the server's side (a
FIN to the server makes it close_wait, a FIN from the server fin_wait1), and
suricata-verify's flow oracles pin it for some captures of ../shared/corpus.
The mapping from our two endpoints (docs/state-machine.md, "Suricata"):
Suricata's state is our responder's final state, except that a responder
still in LISTEN maps to syn_sent when the initiator is in SYN_SENT.

Several oracles of one capture differ only by Suricata settings
(stream.async-oneside, midstream): the capture agrees when our state equals
one of them; KNOWN lists the captures where we disagree with every setting,
each with the reason we are right (checked, not skipped). Exits 77 when the
corpus is absent.
"""
import json
import os
import re
import subprocess
import sys

STATE_MAP = {
    "SYN_RCVD": "syn_recv", "ESTABLISHED": "established", "FIN_WAIT_1": "fin_wait1",
    "FIN_WAIT_2": "fin_wait2", "CLOSING": "closing", "TIME_WAIT": "time_wait",
    "CLOSE_WAIT": "close_wait", "LAST_ACK": "last_ack", "CLOSED": "closed",
}

# capture -> (our Suricata-mapped state, why Suricata's differs)
KNOWN = {
    "suricata-verify/sv-tls-ends-last-ack.pcap": (
        "closing",
        "the FINs cross (packet 19, the server's FIN, acknowledges 917, not the client's FIN at 917): "
        "the server goes FIN_WAIT_1 -> CLOSING; Suricata follows capture order and says last_ack"),
    "suricata-verify/sv-async-client-only.pcap": (
        "close_wait",
        "only the client's direction is captured; its FIN (packet 5) reached the server, which is then "
        "CLOSE_WAIT; Suricata's async-oneside mode does not move the session on a one-sided FIN"),
}


def suricata_state(conn):
    ini = conn["states"]["initiator"]["final"]
    res = conn["states"]["responder"]["final"]
    if res == "LISTEN":
        return "syn_sent" if ini == "SYN_SENT" else "none"
    return STATE_MAP[res]


def main():
    tcpstate, corpus = sys.argv[1], sys.argv[2]
    summary = os.path.join(corpus, "EXPECTED_SUMMARY.tsv")
    if not os.path.isfile(summary):
        print(f"suricata-state: {corpus} is absent; skipping (it lives in ../shared beside the repository)")
        return 77
    expected = {}  # capture -> (set of states, args)
    with open(summary, encoding="utf-8") as f:
        for line in list(f)[1:]:
            capture, _oracle, kind, _conn, want = line.rstrip("\n").split("\t")
            m = re.search(r"\btcp\.state=(\w+)", want)
            if kind != "suricata.flow" or not m:
                continue
            novlan = "vlan.use-for-tracking=false" in want
            entry = expected.setdefault(capture, [set(), novlan])
            entry[0].add(m.group(1))
    failures, lines = [], []
    for capture, (states, novlan) in sorted(expected.items()):
        args = [tcpstate, "--json"] + (["--no-vlan-tracking"] if novlan else []) + [os.path.join(corpus, capture)]
        run = subprocess.run(args, capture_output=True, timeout=120)
        conns = [json.loads(l) for l in run.stdout.decode().splitlines()]
        conns = [c for c in conns if c["kind"] == "connection"]
        if len(conns) != 1:  # each of these captures holds one session
            failures.append(f"{capture}: {len(conns)} connections, expected 1")
            continue
        ours = suricata_state(conns[0])
        if ours in states:
            verdict = "agrees"
        elif capture in KNOWN and KNOWN[capture][0] == ours:
            verdict = "disagrees, known: " + KNOWN[capture][1]
        else:
            verdict = "DISAGREES"
            failures.append(f"{capture}: ours {ours}, Suricata {sorted(states)}")
        lines.append(f"{capture}: Suricata {'/'.join(sorted(states))}, ours {ours}: {verdict}")
    print("\n".join(lines))
    for f in failures:
        print("FAIL", f)
    print(f"suricata-state: {len(lines)} captures, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
