#!/bin/bash
# Produce samples/paws-active-reject.pcap from this machine's Linux kernel: a
# client in SYN_SENT gets an RST,ACK and a FIN,ACK that echo a timestamp it
# never sent (injected with scapy), then the real SYN,ACK. The kernel drops
# both (nstat TcpExtPAWSActive counts 2), answers the FIN,ACK with an RST and
# stays in SYN_SENT, then connects: the script checks all of that.
#
# Needs root, network namespaces, veth, tcpdump, nstat (iproute2), ss and
# /usr/bin/python3 with scapy. Namespaces tcps-pa-$$ and tcps-pb-$$ are
# removed on exit.
# Usage: make-paws.sh [OUTDIR]   (default: the samples/ folder next to this script)
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
OUT=$(cd "${1:-$GEN/..}" && pwd)
NSA=tcps-pa-$$
NSB=tcps-pb-$$
WORK=$(mktemp -d /tmp/tcps-paws.XXXXXX)
TD=
CL=
. "$GEN/netns-lib.sh"
trap 'stop_and_del_netns "$TD $CL" "$NSA" "$NSB"; rm -rf "$WORK"' EXIT
die() { printf 'make-paws: %s\n' "$*" >&2; exit 1; }

veth_pair "$NSA" "$NSB" 10.78.0.1 10.78.0.2
# 10.78.0.3 is nobody: the SYN reaches ns B's link, whose kernel ignores it.
mac=$(ip -n "$NSB" -o link show vb | sed 's/.*link\/ether \([^ ]*\).*/\1/')
ip -n "$NSA" neigh add 10.78.0.3 lladdr "$mac" dev va

ip netns exec "$NSA" nstat -n >/dev/null
ip netns exec "$NSA" tcpdump -i va --immediate-mode -w "$WORK/cap.pcap" -U -s 0 tcp 2>/dev/null & TD=$!
ip netns exec "$NSB" /usr/bin/python3 "$GEN/paws_inject.py" vb 10.78.0.3 >"$WORK/inject.out" & INJ=$!
sleep 1.5 # tcpdump and the sniffer ready
# The client holds the connection open until the capture has stopped, so
# that the capture ends with the handshake (no FIN of its close).
ip netns exec "$NSA" /usr/bin/python3 -c '
import socket, subprocess, time
s = socket.socket()
s.settimeout(3)
s.connect(("10.78.0.3", 80))
out = subprocess.run(["ss", "-Htn", "state", "established", "dst", "10.78.0.3"], capture_output=True, text=True).stdout
print("ESTAB" if out.strip() else "not established", flush=True)
time.sleep(3)
' >"$WORK/client.out" & CL=$!
wait "$INJ" || die "injection failed"
for _ in $(seq 100); do [ -s "$WORK/client.out" ] && break; sleep 0.05; done
[ "$(cat "$WORK/client.out")" = ESTAB ] || die "the client is not ESTABLISHED"
rejected=$(ip netns exec "$NSA" nstat -az TcpExtPAWSActive | awk '/TcpExtPAWSActive/ {print $2}')
[ "$rejected" = 2 ] || die "the kernel rejected $rejected segments by their TSecr, not 2"
sleep 0.5
kill "$TD"; wait "$TD" 2>/dev/null || true; TD=
kill "$CL" 2>/dev/null; wait "$CL" 2>/dev/null || true; CL=
n=$(tcpdump -nr "$WORK/cap.pcap" 2>/dev/null | wc -l)
[ "$n" = 6 ] || { tcpdump -nr "$WORK/cap.pcap" -S >&2; die "captured $n packets, not 6"; }
cp "$WORK/cap.pcap" "$OUT/paws-active-reject.pcap"
printf 'make-paws: %s (%s; the kernel rejected 2 by PAWS, connected)\n' "$OUT/paws-active-reject.pcap" "$(cat "$WORK/inject.out")" >&2
