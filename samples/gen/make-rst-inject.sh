#!/bin/bash
# Produce samples/rst-inject.pcap from this machine's Linux kernel: four
# connections between real client and server sockets, each of which gets,
# after the client's first data, an RST,ACK (or a SYN) in the client's name
# injected towards the server (scapy, on the client's link: the client's
# kernel never sees it), or a SYN,ACK in the server's name towards the
# client. The client then sends again.
#   port 7001: the RST is exact (at the server's rcv_nxt): the server's kernel
#              takes it (nstat TcpEstabResets 1) and answers the client's next
#              data with an RST, so the client's send fails (ECONNRESET).
#   port 7002: the RST is 100 bytes beyond rcv_nxt: the server's kernel
#              answers with a challenge ACK (TcpExtTCPChallengeACK 1, RFC 5961)
#              and stays open; the client's next data is acknowledged.
#   port 7003: a bare SYN with a new ISN (as from a restarted client): the
#              server's kernel, ESTABLISHED, answers with a challenge ACK
#              (TcpExtTCPSYNChallenge 1, RFC 5961 4.2) and stays open.
#   port 7004: a SYN,ACK with a new ISN towards the client: the client's
#              kernel, ESTABLISHED, answers with a challenge ACK too (its
#              TcpExtTCPSYNChallenge 1, TcpExtTCPChallengeACK 1) and goes on.
# The script checks all of that. Needs root, network namespaces, veth,
# tcpdump, nstat (iproute2) and /usr/bin/python3 with scapy. Namespaces
# tcps-ra-$$ and tcps-rb-$$ are removed on exit.
# Usage: make-rst-inject.sh [OUTDIR]   (default: the samples/ folder next to this script)
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
OUT=$(cd "${1:-$GEN/..}" && pwd)
NSA=tcps-ra-$$
NSB=tcps-rb-$$
WORK=$(mktemp -d /tmp/tcps-rsti.XXXXXX)
TD=
SV=
. "$GEN/netns-lib.sh"
trap 'stop_and_del_netns "$TD $SV" "$NSA" "$NSB"; rm -rf "$WORK"' EXIT
die() { printf 'make-rst-inject: %s\n' "$*" >&2; exit 1; }

veth_pair "$NSA" "$NSB" 10.79.0.1 10.79.0.2

# The server reads what comes and keeps each connection until the client's end.
ip netns exec "$NSB" /usr/bin/python3 -c '
import socket, threading
def serve(port):
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("10.79.0.2", port)); ls.listen(1)
    c, _ = ls.accept()
    try:
        while c.recv(100): pass
    except OSError: pass
    c.close()
ts = [threading.Thread(target=serve, args=(p,)) for p in (7001, 7002, 7003, 7004)]
[t.start() for t in ts]; [t.join() for t in ts]
' & SV=$!
sleep 0.5
ip netns exec "$NSB" nstat -n >/dev/null
ip netns exec "$NSA" nstat -n >/dev/null
ip netns exec "$NSB" tcpdump -i vb --immediate-mode -w "$WORK/cap.pcap" -U -s 0 tcp 2>/dev/null & TD=$!
sleep 1.5 # tcpdump ready

for spec in 7001:exact 7002:ahead 7003:syn 7004:synack; do
    port=${spec%%:*}; mode=${spec#*:}
    ns=$NSA; dev=va
    [ "$mode" = synack ] && { ns=$NSB; dev=vb; } # towards the client, on the server's link
    ip netns exec "$ns" /usr/bin/python3 "$GEN/rst_inject.py" "$dev" "$port" "$mode" >>"$WORK/inject.out" & INJ=$!
    sleep 1 # the sniffer ready
    ip netns exec "$NSA" /usr/bin/python3 -c '
import socket, sys, time
s = socket.create_connection(("10.79.0.2", int(sys.argv[1])), timeout=3)
s.sendall(b"one")
time.sleep(0.5)         # the RST is injected meanwhile
s.sendall(b"two")
time.sleep(0.5)         # the answer to it
try:
    s.sendall(b"three")
    print("open", flush=True)
except OSError as e:
    print(e.__class__.__name__, flush=True)
s.close()
' "$port" >>"$WORK/client.out"
    wait "$INJ" || die "injection on port $port failed"
done
sleep 0.5
kill "$TD"; wait "$TD" 2>/dev/null || true; TD=
resets=$(ip netns exec "$NSB" nstat -az TcpEstabResets | awk '/TcpEstabResets/ {print $2}')
challenges=$(ip netns exec "$NSB" nstat -az TcpExtTCPChallengeACK | awk '/TcpExtTCPChallengeACK/ {print $2}')
syn_challenges=$(ip netns exec "$NSB" nstat -az TcpExtTCPSYNChallenge | awk '/TcpExtTCPSYNChallenge/ {print $2}')
client_challenges=$(ip netns exec "$NSA" nstat -az TcpExtTCPChallengeACK | awk '/TcpExtTCPChallengeACK/ {print $2}')
client_syn_challenges=$(ip netns exec "$NSA" nstat -az TcpExtTCPSYNChallenge | awk '/TcpExtTCPSYNChallenge/ {print $2}')
client=$(tr '\n' ' ' <"$WORK/client.out")
[ "$client" = "ConnectionResetError open open open " ] || die "the client saw: $client (want: ConnectionResetError open open open)"
[ "$resets" = 1 ] || die "the server's kernel took $resets RSTs in ESTABLISHED, not 1"
[ "$challenges" = 2 ] || die "the server's kernel sent $challenges challenge ACKs, not 2"
[ "$syn_challenges" = 1 ] || die "the server's kernel answered $syn_challenges SYNs with a challenge ACK, not 1"
[ "$client_challenges" = 1 ] || die "the client's kernel sent $client_challenges challenge ACKs, not 1"
[ "$client_syn_challenges" = 1 ] || die "the client's kernel answered $client_syn_challenges SYN,ACKs with a challenge ACK, not 1"
cp "$WORK/cap.pcap" "$OUT/rst-inject.pcap"
printf 'make-rst-inject: %s (%s; server: 1 reset taken, 2 challenge ACKs, 1 of them to the SYN; client: 1 challenge ACK, to the SYN,ACK)\n' "$OUT/rst-inject.pcap" "$(tr '\n' ' ' <"$WORK/inject.out")" >&2
