#!/usr/bin/python3
"""check_paths.py - tcpstate's per-endpoint states equal the Linux kernel's.

samples/paths/NAME.pcap holds real kernel traffic (samples/gen/make-paths.sh)
and NAME.kernel the states each socket went through, recorded from the
sock:inet_sock_set_state tracepoint while the capture ran. A line there is
"ADDR:PORT STATE STATE ..."; a trailing "+" marks a state the tracepoint
cannot show (TIME_WAIT, taken over by a timewait socket) that the capture
proves, with the proof in a comment. Several lines for one ADDR:PORT are
successive connections on that tuple, in order.

For every endpoint of every connection, the states tcpstate reports (its
transitions' target states; from its starting state when that was inferred,
as in a capture that begins midstream) must equal the kernel's sequence.
Transitions no segment shows are the kernel's timers: a trailing CLOSED
after SYN_SENT (SYN give-up), FIN_WAIT_2 (orphan timeout) or TIME_WAIT
(the 2MSL wait beyond the capture) is allowed to be missing from ours, and
is listed, because the wire does not support claiming it: ours must then
end in the state the wire last showed (tcpstate reports it as reached at
the capture's end), never in a CLOSED it cannot see.

NAME-server.pcap is the same traffic captured at the server's end (after
the relay); NAME.kernel holds for both. A kernel endpoint that has no
segment at all in a capture (a SYN the relay dropped before the server's
end) must be absent from ours too: "not on this wire".
"""
import json
import os
import subprocess
import sys

TIMER_ENDS = {"SYN_SENT", "FIN_WAIT_2", "TIME_WAIT"}


def kernel_sequences(path):
    seqs = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            ep, *states = line.split()
            seqs.setdefault(ep, []).append([s.rstrip("+") for s in states])
    return seqs


def our_sequences(tcpstate, pcap):
    run = subprocess.run([tcpstate, "--json", pcap], capture_output=True, timeout=60, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"{pcap}: exit {run.returncode}: {run.stderr.decode(errors='replace')}")
    seqs, pending = {}, {}
    for line in run.stdout.decode().splitlines():
        r = json.loads(line)
        if r["kind"] == "transition":
            pending.setdefault((r["conn"], r["role"]), []).append(r["to"])
        elif r["kind"] == "connection":
            for role in ("initiator", "responder"):
                st = r["states"][role]
                moves = pending.pop((r["conn"], role), [])
                seq = ([st["initial"]] if st["inferred"] else []) + moves
                seqs.setdefault(r[role], []).append((r["conn"], seq))
    return seqs


def on_wire(pcap, ep):
    """Whether the capture holds any segment from or to ep (ADDR:PORT, [ADDR]:PORT for IPv6)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "samples", "gen"))
    from kernelio import fmt, ip_tcp  # scapy, only needed here
    from scapy.all import TCP, PcapReader
    with PcapReader(pcap) as r:
        for p in r:
            seg = ip_tcp(p)
            if seg and ep in (fmt((seg[1], p[TCP].sport)), fmt((seg[2], p[TCP].dport))):
                return True
    return False


def compare(kern, ours):
    """None when equal, 'timer' when only a kernel timer's CLOSED is missing, else False."""
    if kern == ours:
        return None
    if kern[:-1] == ours and kern[-1] == "CLOSED" and ours and ours[-1] in TIMER_ENDS:
        return "timer"
    if ours and ours[0] != "CLOSED" and ours[0] in kern:  # inferred start: compare from there
        i = kern.index(ours[0])
        return compare(kern[i:], ours) if i else False
    return False


def main():
    tcpstate, folder = sys.argv[1], sys.argv[2]
    # NAME-server.pcap is the same traffic captured at the server's end.
    names = sorted(f[:-5] for f in os.listdir(folder) if f.endswith(".pcap"))
    if not names:
        print(f"kernel-paths: no captures in {folder}")
        return 1
    failures, lines = [], []
    for name in names:
        kfile = os.path.join(folder, name + ".kernel")
        if not os.path.isfile(kfile):
            kfile = os.path.join(folder, name.removesuffix("-server") + ".kernel")
        if not os.path.isfile(kfile):
            failures.append(f"{name}: no {kfile}")
            continue
        kern = kernel_sequences(kfile)
        pcap = os.path.join(folder, name + ".pcap")
        ours = our_sequences(tcpstate, pcap)
        for ep, kseqs in sorted(kern.items()):
            oseqs = ours.get(ep, [])
            if not oseqs and not on_wire(pcap, ep):
                lines.append(f"{name}: {ep}: not on this wire (kernel {' | '.join(' '.join(k) for k in kseqs)})")
                continue
            if len(oseqs) != len(kseqs):
                failures.append(f"{name}: {ep}: kernel {len(kseqs)} connection(s), ours {len(oseqs)}")
                continue
            for k, (conn, o) in zip(kseqs, oseqs):
                verdict = compare(k, o)
                if verdict is False:
                    failures.append(f"{name}: conn {conn} {ep}: kernel {' '.join(k)}; ours {' '.join(o)}")
                    continue
                note = (f"  (end state unknown from the wire: the kernel's CLOSED after {o[-1]} came from "
                        "a timer, with no segment)") if verdict == "timer" else ""
                lines.append(f"{name}: conn {conn} {ep}: {' '.join(o)}{note}")
    print("\n".join(lines))
    for f in failures:
        print("FAIL", f)
    print(f"kernel-paths: {len(names)} captures, {len(lines)} endpoints agree, {len(failures)} differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
