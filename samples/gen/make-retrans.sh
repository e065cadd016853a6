#!/bin/bash
# Produce samples/retrans/: real Linux TCP connections with induced loss, reordering and
# duplication, each captured at both ends (NAME-client.pcap before the relay, NAME-server.pcap
# after it), with the kernel's own count of the segments every endpoint retransmitted (NAME.retrans).
#
# Needs root, network namespaces, veth, tcpdump, ethtool (./build.sh deps installs them), a
# tracefs with the tcp:tcp_retransmit_skb and tcp:tcp_retransmit_synack events, ss, and
# /usr/bin/python3 with scapy. Everything happens inside private namespaces named tcpr-*-$$ and a
# private tracing instance, all removed on exit (also on Ctrl-C); no address outside those
# namespaces is touched and the global trace buffer is not used.
#
# Topology (a subnet of its own: make-real.sh has 10.77.0/24 and 10.77.1/24, make-paths.sh 10.77.2/24):
#   ns A (client) vc 10.77.3.1/24 <-veth-> rc [ns R: relay.py, 20 ms each way] rd <-veth-> vd 10.77.3.2/24 ns B (server)
#   capture points: vc (NAME-client.pcap) and vd (NAME-server.pcap)
# The relay (relay.py, rules: mode) drops, holds back or duplicates chosen new-data segments by
# their index in each direction, so a run does the same thing each time; it never touches a
# retransmission. TSO, GSO and GRO are off on all four veths, so a capture shows the segments the
# way the kernel sent them (the kernel still builds multi-segment skbs and cuts them in software).
#
# Ground truth: a tracing instance (trace_clock tai, i.e. wall-clock time like the captures) with
# tcp:tcp_retransmit_skb and tcp:tcp_retransmit_synack, filtered to port 8080, cleared before each
# scenario and dumped after it; each peer also records getsockopt(TCP_INFO) and `ss -tin` just
# before close(). retrans_kernel.py matches every traced retransmission with the segment(s) it put
# on the sender's own wire, checks the three counts agree, and writes NAME.retrans (see its docstring).
#
# Usage: make-retrans.sh [OUTDIR]   (default: the samples/retrans folder next to this script)
#        KEEP=1 make-retrans.sh ...  keeps the work folder (traces, relay logs, TCP_INFO records)
# Check tcpstate against the result:
#        tests/kernel/check_retrans.py build/tcpstate   (the kernel-retrans test)
set -euo pipefail

GEN=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns-lib.sh
. "$GEN/netns-lib.sh"
OUT=${1:-$GEN/../retrans}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PY=/usr/bin/python3
PEER="$GEN/retrans_peer.py"
NSA=tcpr-a-$$
NSB=tcpr-b-$$
NSR=tcpr-r-$$
CLI=10.77.3.1
SRV=10.77.3.2
PORT=8080
DELAY=0.02
WORK=$(mktemp -d /tmp/tcpr-retrans.XXXXXX)
BGPIDS=()
RELAYPID=
EVENTS="tcp/tcp_retransmit_skb tcp/tcp_retransmit_synack"

log() { printf '%s\n' "$*" >&2; }
die() { log "make-retrans: $*"; exit 1; }

install_cleanup_traps

[ "$(id -u)" = 0 ] || die "must run as root"
for tool in tcpdump ethtool ip ss timeout; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
done
"$PY" -c 'import scapy' 2>/dev/null || die "$PY has no scapy"

inA() { ip netns exec "$NSA" "$@"; }
inB() { ip netns exec "$NSB" "$@"; }

# --- namespaces --------------------------------------------------------------------------------
setup_net() {
    relay_topology
    local ns
    # The same TCP on both ends whatever the host has chosen: SACK, D-SACK, timestamps and
    # RACK-TLP, the Linux defaults (and CUBIC, which retrans_peer.py sets on its sockets: a new
    # namespace inherits the host's default, which may be BBR, and may only pick among the host's
    # tcp_allowed_congestion_control). No metrics cache, so a scenario's losses do not shape the
    # next one's ssthresh or RTT.
    for ns in "$NSA" "$NSB"; do
        ip netns exec "$ns" sysctl -qw net.ipv4.tcp_sack=1 net.ipv4.tcp_dsack=1 net.ipv4.tcp_timestamps=1 \
            net.ipv4.tcp_recovery=1 net.ipv4.tcp_early_retrans=3 net.ipv4.tcp_no_metrics_save=1 \
            net.ipv4.tcp_slow_start_after_idle=0 net.ipv4.tcp_syn_linear_timeouts=4
    done
    static_neighbours
}

# --- captures ----------------------------------------------------------------------------------
CAPPIDS=()
CAPFILES=()
CAP_LINGER=0.2

# --- traffic -----------------------------------------------------------------------------------
SRVPID=
start_server() { # up down both|respond
    local ready="$WORK/srv.ready"
    rm -f "$ready"
    inB timeout 20 "$PY" "$PEER" server $SRV $PORT "$1" "$2" "$ready" "$WORK/$NAME.info" 1 "$3" &
    SRVPID=$!
    BGPIDS+=("$SRVPID")
    wait_file "$ready"
}

wait_server() { wait "$SRVPID" || die "$NAME: server failed"; }

client() { # up down client-port [wait]
    inA timeout 20 "$PY" "$PEER" client $SRV $PORT "$1" "$2" $CLI "$3" "$WORK/$NAME.info" ${4:+"$4"} ||
        die "$NAME: client failed"
}

# begin NAME relay-mode: a fresh relay, metrics, trace buffer and both captures
begin() {
    NAME=$1
    MODE=$2
    log "$NAME ($MODE)"
    start_relay "$MODE"
    inA ip tcp_metrics flush all 2>/dev/null || true
    inB ip tcp_metrics flush all 2>/dev/null || true
    : >"$WORK/$NAME.info"
    inA nstat -asz --json >"$WORK/$NAME.nstat-client0"
    inB nstat -asz --json >"$WORK/$NAME.nstat-server0"
    trace_clear
    start_cap "$NSA" vc "$WORK/$NAME-client.pcap"
    start_cap "$NSB" vd "$WORK/$NAME-server.pcap"
}

# finish "description" [retrans_kernel.py options]: stop, dump the trace, write NAME.retrans
finish() {
    local desc=$1
    shift
    stop_caps
    sleep 0.1
    cp "$INST/trace" "$WORK/$NAME.trace"
    inA nstat -asz --json >"$WORK/$NAME.nstat-client1"
    inB nstat -asz --json >"$WORK/$NAME.nstat-server1"
    "$PY" "$GEN/retrans_kernel.py" --name "$NAME" --mode "$MODE" --description "$desc" \
        --trace "$WORK/$NAME.trace" --client-pcap "$WORK/$NAME-client.pcap" \
        --server-pcap "$WORK/$NAME-server.pcap" --relay-log "$WORK/$NAME.relay" \
        --info "$WORK/$NAME.info" --out "$WORK/$NAME.retrans" \
        --nstat-client "$WORK/$NAME.nstat-client0" "$WORK/$NAME.nstat-client1" \
        --nstat-server "$WORK/$NAME.nstat-server0" "$WORK/$NAME.nstat-server1" "$@" ||
        die "$NAME: the kernel's counts do not add up (see above)"
    local f
    for f in "$NAME-client.pcap" "$NAME-server.pcap" "$NAME.retrans"; do
        cp "$WORK/$f" "$OUT/$f"
        chmod 644 "$OUT/$f"
    done
}

# only our connections; trace_clock tai (wall-clock time, like the captures)
start_tracing "tcpr-$$" "family == 2 && (sport == $PORT || dport == $PORT)" $EVENTS
setup_net
log "namespaces $NSA $NSB $NSR and tracing instance $INST ready"

# Segments carry 988 bytes (MSS 1000 less 12 of timestamps); "#N" is the relay's index of a
# new-data segment in one direction.

# 1. upload, two single losses: the client's fast retransmits (RACK/SACK)
begin loss-c2s rules:c2s:drop:5,c2s:drop:20
start_server 40000 200 respond
client 40000 200 40201
wait_server
finish "the client uploads 40000 bytes; the relay drops the client's data segments #5 and #20 after the client-side capture point; the client repairs each with one fast retransmission"

# 2. download, a double loss and a single one: the server's fast retransmits
begin loss-s2c rules:s2c:drop:4,s2c:drop:5,s2c:drop:25
start_server 100 40000 respond
client 100 40000 40202
wait_server
finish "the server sends 40000 bytes; the relay drops the server's data segments #4, #5 and #25 after the server-side capture point"

# 3. reordering, both ways at once: the client's #5 one place late (within RACK's reordering
# window: no retransmission), the server's #20 three places late (the third segment SACKed above
# it makes RACK call it lost before it arrives: a spurious fast retransmission)
begin reorder rules:c2s:hold:5:6,s2c:hold:20:23
start_server 30000 30000 both
client 30000 30000 40203
wait_server
finish "both ends send 30000 bytes at once; the relay forwards the client's data segment #5 right after #6 (one place late: within RACK's reordering window, nothing is retransmitted) and the server's #20 right after #23 (three places late: the third SACKed segment above it makes the server retransmit it at once, spuriously: the original arrives first and the retransmission draws a D-SACK)"

# 4. duplication by the network: no kernel retransmits anything
begin duplicate rules:c2s:dup:6,s2c:dup:10:12
start_server 20000 20000 both
client 20000 20000 40204
wait_server
finish "both ends send 20000 bytes at once; the relay forwards the client's data segment #6 twice in a row and a copy of the server's #10 again right after #12 (identical frames, same IP id: the network's duplicates, which no kernel retransmitted; the receivers answer with D-SACKs)"

# 5. everything at once, both directions (relay.py's MIX)
begin mix mix
start_server 30000 45000 both
client 30000 45000 40205
wait_server
finish "the client sends 30000 bytes while the server sends 45000; relay.py's mix rules: the client's data segment #3 dropped (one fast retransmission), its #20 duplicated in a row; the server's #5 duplicated in a row, its #12 one place late (after #13: no retransmission), its #33 dropped (one fast retransmission). The rules are spaced so that neither end retransmits while it has SACK blocks of its own to send: those shrink its segments by 12 bytes, and a lost full-size segment may then be resent as two (976 + 12 bytes: two retransmitted segments)"

# 6. SYN loss: the client's first two SYNs are dropped, the third (2 s later) gets through
begin syn-loss rules:c2s:dropsyn:1,c2s:dropsyn:2
start_server 100 100 respond
client 100 100 40206
wait_server
finish "the relay drops the client's first two SYNs after the client-side capture point: the client retransmits its SYN 1 s and 2 s after the first (same ISN), the third gets through; then 100 bytes each way"

# 7. SYN-ACK retransmission: the handshake's final ACK is lost and the client is silent for 1.5 s
begin synack-loss rules:c2s:dropack:1
start_server 100 100 respond
client 100 100 40207 1.5
wait_server
finish "the relay drops the client's handshake ACK; the client waits 1.5 s before sending, so the server, still SYN_RCVD, retransmits its SYN-ACK after 1 s and the client's ACK of that completes the handshake"

# 8. tail loss: the last two segments of the server's answer are lost; nothing follows them, so
# a tail loss probe (a retransmission of the last segment) comes first, then the SACK-driven repair
begin tail-loss rules:s2c:drop:7,s2c:drop:8
start_server 100 7904 respond
client 100 7904 40208
wait_server
finish "the server sends 7904 bytes (8 segments of 988) and then waits for the client's FIN; the relay drops segments #7 and #8 after the server-side capture point; nothing follows them, so the server's tail loss probe retransmits #8 and the client's SACK of it then gets #7 retransmitted"

# 9. a burst of six consecutive losses: the repair sends two-segment skbs, one tracepoint event
# for two wire segments (TCP builds GSO skbs even with GSO off on the device)
begin burst-loss rules:s2c:drop:11,s2c:drop:12,s2c:drop:13,s2c:drop:14,s2c:drop:15,s2c:drop:16
start_server 100 19760 respond
client 100 19760 40209
wait_server
finish "the server sends 19760 bytes (20 segments of 988); the relay drops the server's data segments #11 to #16 after the server-side capture point; the SACKs of #17 to #20 start a recovery that resends the six, some two at a time in one skb (one tcp_retransmit_skb event, two wire segments)"

stop_relay
for f in "$OUT"/*.pcap; do
    log "  $(basename "$f"): $(tcpdump -nr "$f" 2>/dev/null | wc -l) packets, $(stat -c %s "$f") bytes"
done
log "retransmission captures written to $OUT"
