#!/bin/bash
# Produce samples/paths/: one small capture per TCP state path, from genuine Linux kernel traffic,
# each with the kernel's own record of the states its sockets went through (NAME.kernel).
#
# Needs root, network namespaces, veth, tcpdump, ethtool, editcap, a tracefs with the
# sock:inet_sock_set_state event, and /usr/bin/python3 with scapy. Everything happens inside
# private namespaces named tcpp-*-$$ and a private tracing instance, all removed on exit (also
# on Ctrl-C); no address outside those namespaces is touched and the global trace buffer is not
# used.
#
# Topology (a new subnet, so it never clashes with make-real.sh's 10.77.0/24 and 10.77.1/24):
#   ns A (client) vc 10.77.2.1/24 <-veth-> rc [ns R: relay.py, 50 ms each way] rd <-veth-> vd 10.77.2.2/24 ns B (server)
# Every connection goes through the relay: the kernel has no netem, so the relay is what makes SYNs
# and FINs cross (the delay) and what loses chosen segments (after the client-side capture point,
# so the capture holds the segment the server never got).
#
# Ground truth: a tracing instance with only sock:inet_sock_set_state enabled, filtered to port
# 8080 and our client ports, cleared before each scenario, dumped after it; paths_kernel.py turns
# the dump into NAME.kernel (see its docstring for the states it adds from the wire and why).
#
# Usage: make-paths.sh [OUTDIR]   (default: the samples/paths folder next to this script)
#        KEEP=1 make-paths.sh ...  keeps the work folder (traces, relay logs, uncut midstream capture)
# Check tcpstate against the result:
#        tests/kernel/check_paths.py build/tcpstate samples/paths   (the kernel-paths test)
set -euo pipefail

GEN=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns-lib.sh
. "$GEN/netns-lib.sh"
OUT=${1:-$GEN/../paths}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PY=/usr/bin/python3
PEER="$GEN/paths_peer.py"
NSA=tcpp-a-$$
NSB=tcpp-b-$$
NSR=tcpp-r-$$
CLI=10.77.2.1
SRV=10.77.2.2
PORT=8080
DELAY=0.05
TRACEFS=/sys/kernel/tracing
INST=
MOUNTED_TRACEFS=
WORK=$(mktemp -d /tmp/tcpp-paths.XXXXXX)
BGPIDS=()
RELAYPID=

log() { printf '%s\n' "$*" >&2; }
die() { log "make-paths: $*"; exit 1; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_and_del_netns "${BGPIDS[*]:-}" "$NSA" "$NSB" "$NSR"
    if [ -n "$INST" ] && [ -d "$INST" ]; then
        echo 0 >"$INST/tracing_on" 2>/dev/null || true
        echo 0 >"$INST/events/sock/inet_sock_set_state/enable" 2>/dev/null || true
        rmdir "$INST" 2>/dev/null || log "could not remove tracing instance $INST"
    fi
    if [ -n "$MOUNTED_TRACEFS" ]; then umount "$TRACEFS" 2>/dev/null || true; fi
    if [ -n "${KEEP:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in tcpdump ethtool editcap ip timeout; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
done
[ "$(id -u)" = 0 ] || die "must run as root"
"$PY" -c 'import scapy' 2>/dev/null || die "$PY has no scapy"

inA() { ip netns exec "$NSA" "$@"; }
inB() { ip netns exec "$NSB" "$@"; }

# --- tracing ------------------------------------------------------------------------------------
# A private instance (instances/NAME) has its own buffer, event switches, filter and clock, so the
# system's own tracing is left as it was; removing the directory undoes everything.
setup_tracing() {
    if [ ! -d "$TRACEFS/events" ]; then
        mount -t tracefs nodev "$TRACEFS" || die "cannot mount tracefs on $TRACEFS"
        MOUNTED_TRACEFS=1
    fi
    [ -d "$TRACEFS/events/sock/inet_sock_set_state" ] || die "no sock:inet_sock_set_state event"
    INST="$TRACEFS/instances/tcpp-$$"
    mkdir "$INST"
    echo 0 >"$INST/tracing_on"
    # mono = CLOCK_MONOTONIC, which paths_kernel.py maps to the capture's wall-clock times
    echo mono >"$INST/trace_clock"
    echo 1024 >"$INST/buffer_size_kb"
    local ev="$INST/events/sock/inet_sock_set_state"
    # only our connections: port 8080 on one side, a client port 40100-40199 on the other
    # (the listening socket, remote port 0, is left out here already)
    echo "family == 2 && ((sport == $PORT && dport >= 40100 && dport <= 40199) ||" \
        "(dport == $PORT && sport >= 40100 && sport <= 40199))" >"$ev/filter"
    echo 1 >"$ev/enable"
    echo 1 >"$INST/tracing_on"
}

trace_clear() { : >"$INST/trace"; }

# --- namespaces --------------------------------------------------------------------------------
setup_net() {
    relay_topology
    # Short timers so that no scenario takes more than a few seconds:
    #  - tcp_syn_retries=1: the give-up time is modelled as if the RTO doubled (1+2 = 3 s), but
    #    Linux 6.x retransmits a SYN every second for the first tcp_syn_linear_timeouts (4) times,
    #    so this is a SYN at 0, 1 and 2 s and the give-up at 3 s (2 would mean 6 SYNs and 7 s)
    #  - 2 SYN-ACK retransmissions
    #  - an orphaned FIN_WAIT_2 lasts 5 s, not 60
    #  - tcp_tw_reuse=1 (default 2 = loopback only) with a 100 ms delay: the reuse-client scenario
    inA sysctl -qw net.ipv4.tcp_syn_retries=1 net.ipv4.tcp_fin_timeout=5 \
        net.ipv4.tcp_tw_reuse=1 net.ipv4.tcp_tw_reuse_delay=100
    inB sysctl -qw net.ipv4.tcp_synack_retries=2 net.ipv4.tcp_fin_timeout=5
    static_neighbours
}

# --- captures ----------------------------------------------------------------------------------
CAPPIDS=()
stop_caps() {
    sleep 0.3 # the last segments through the 50 ms relay
    local p
    for p in "${CAPPIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
    for p in "${CAPPIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    CAPPIDS=()
}

# --- traffic -----------------------------------------------------------------------------------
SRVPIDS=()
start_server() { # scenario
    local ready="$WORK/srv.ready"
    rm -f "$ready"
    inB timeout 20 "$PY" "$PEER" server "$1" $SRV $PORT "$ready" &
    SRVPIDS+=($!)
    BGPIDS+=($!)
    wait_file "$ready"
}

wait_servers() {
    local p
    for p in "${SRVPIDS[@]}"; do wait "$p" || die "server failed"; done
    SRVPIDS=()
}

client() { # scenario client-port
    inA timeout 20 "$PY" "$PEER" client "$1" $SRV $PORT $CLI "$2" || die "client $1 failed"
}

# begin NAME relay-mode: fresh trace buffer, relay, client-side capture
begin() {
    NAME=$1
    log "$NAME"
    start_relay "$2"
    trace_clear
    start_cap "$NSA" vc "$WORK/$NAME.pcap"
}

# finish NAME [paths_kernel.py options]: stop, dump the trace, write NAME.kernel, check, publish
finish() {
    stop_caps
    sleep 0.2 # last state changes (e.g. LAST_ACK -> CLOSED) after the final segment
    cp "$INST/trace" "$WORK/$NAME.trace"
    "$PY" "$GEN/paths_kernel.py" "$WORK/$NAME.trace" "$WORK/$NAME.pcap" "$WORK/$NAME.kernel" \
        --relay-log "$WORK/$NAME.relay" "$@"
}

publish() { # files...
    local f
    for f in "$@"; do
        cp "$WORK/$f" "$OUT/$f"
        chmod 644 "$OUT/$f"
    done
}

count() { tcpdump -nr "$WORK/$1" 2>/dev/null | wc -l; }

expect() { # file "tcpdump filter" description
    [ -n "$(tcpdump -nr "$WORK/$1" "$2" 2>/dev/null | head -1)" ] ||
        die "$1: no packet matches '$2' ($3)"
}

expect_n() { # file "tcpdump filter" minimum description
    local n
    n=$(tcpdump -nr "$WORK/$1" "$2" 2>/dev/null | wc -l)
    [ "$n" -ge "$3" ] || die "$1: $n packets match '$2', expected >= $3 ($4)"
}

expect_kernel() { # NAME "exact line"
    grep -qxF "$2" "$WORK/$1.kernel" || {
        cat "$WORK/$1.kernel" >&2
        die "$1.kernel: no line '$2'"
    }
}

SYN='tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn'
SYNACK='tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)'
FINF='tcp[tcpflags] & tcp-fin != 0'
RSTF='tcp[tcpflags] & tcp-rst != 0'

setup_tracing
setup_net
log "namespaces $NSA $NSB $NSR and tracing instance $INST ready"

# 1. simultaneous open: both ends connect() at the same instant; with 50 ms each way the SYNs cross
for attempt in 1 2 3; do
    begin sim-open pass
    t=$("$PY" -c 'import time; print("%.6f" % (time.time() + 0.3))')
    ip netns exec "$NSB" timeout 10 "$PY" "$PEER" simopen b $SRV $PORT $CLI 40100 "$t" &
    b=$!
    BGPIDS+=("$b")
    okA=0; okB=0
    inA timeout 10 "$PY" "$PEER" simopen a $CLI 40100 $SRV $PORT "$t" || okA=$?
    wait "$b" || okB=$?
    finish --note "no listener: both ends bind (10.77.2.1:40100, 10.77.2.2:8080) and connect() to each other at the same instant; 50 ms apart through the relay, the SYNs cross and each end goes SYN_SENT -> SYN_RCVD (sending a SYN-ACK) -> ESTABLISHED; then 10.77.2.1 sends a request, gets the answer and closes first"
    # crossed: two bare SYNs, one from each side
    if [ "$okA$okB" = 00 ] && [ "$(tcpdump -nr "$WORK/sim-open.pcap" "$SYN" 2>/dev/null | wc -l)" -ge 2 ]; then break; fi
    [ "$attempt" = 3 ] && die "sim-open: the SYNs never crossed"
    log "  attempt $attempt: the SYNs did not cross, retrying"
    sleep 1
done
expect_kernel sim-open "$CLI:40100 SYN_SENT SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
expect_kernel sim-open "$SRV:8080 SYN_SENT SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
publish sim-open.pcap sim-open.kernel

# 2. SYN never answered: the relay drops every SYN; 3 SYNs with one ISN, connect() gives up at 3 s
begin syn-unanswered drop-syn
client syn-unanswered 40101
finish --note "nothing listens on 10.77.2.2:8080 in this scenario (and no SYN reaches it): the server has no socket; the client's give-up (SYN_SENT -> CLOSED, tcp_syn_retries=1) sends nothing, and the capture ends with the last SYN"
[ "$(count syn-unanswered.pcap)" = 3 ] || die "syn-unanswered: $(count syn-unanswered.pcap) packets, expected 3 SYNs"
[ "$(tcpdump -nr "$WORK/syn-unanswered.pcap" -S 2>/dev/null | awk '{print $9}' | sort -u | wc -l)" = 1 ] ||
    die "syn-unanswered: the SYNs do not share one ISN"
expect_kernel syn-unanswered "$CLI:40101 SYN_SENT CLOSED"
publish syn-unanswered.pcap syn-unanswered.kernel

# 3. the handshake's final ACK is lost after the capture point: the server retransmits its SYN-ACK
# after 1 s while the client is ESTABLISHED (and silent); the client's ACK of that one gets through
begin lost-final-ack drop-hs-ack
start_server normal
client late-data 40102
wait_servers
finish --note "the client waits 1.5 s before its request: the server, still SYN_RCVD, retransmits its SYN-ACK after 1 s and the client's answer to it completes the server's handshake"
expect_n lost-final-ack.pcap "$SYNACK" 2 "SYN-ACK retransmitted"
expect_kernel lost-final-ack "$CLI:40102 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
expect_kernel lost-final-ack "$SRV:8080 SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
publish lost-final-ack.pcap lost-final-ack.kernel

# 4. the client closes first; its ACK of the server's FIN is lost after the capture point, so the
# server retransmits the FIN and the client, in TIME_WAIT, acknowledges it again
begin fin-retransmit drop-fin-ack
start_server normal
client normal 40103
wait_servers
finish --note "the client closes first; the server retransmits its FIN because the client's ACK of it was dropped, and the client, in TIME_WAIT, acknowledges it again"
expect_n fin-retransmit.pcap "src host $SRV and $FINF" 2 "FIN retransmitted"
expect_kernel fin-retransmit "$CLI:40103 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
expect_kernel fin-retransmit "$SRV:8080 SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
publish fin-retransmit.pcap fin-retransmit.kernel

# 5. half-close: the client's FIN comes first, then the server sends 5 segments and closes
begin half-close pass
start_server half-close
client half-close 40104
wait_servers
finish --note "half-close: the client sends its request and shutdown(SHUT_WR)s (FIN); the server then sends 5 x 100 bytes 0.1 s apart, which the client, in FIN_WAIT_2, acknowledges one by one; then the server closes"
expect_n half-close.pcap "src host $SRV and greater 100" 5 "server data after the client's FIN"
expect_kernel half-close "$CLI:40104 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
expect_kernel half-close "$SRV:8080 SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
publish half-close.pcap half-close.kernel

# 6. TCP Fast Open: client and server enabled (3) only for this scenario; the first connection
# (40105) fetches the cookie, the second (40106) sends its request in the SYN
begin fast-open pass
inA sysctl -qw net.ipv4.tcp_fastopen=3
inB sysctl -qw net.ipv4.tcp_fastopen=3
start_server fast-open
client fast-open 40105
wait_servers
finish --note "TCP Fast Open (net.ipv4.tcp_fastopen=3 both ends): 40105 asks for a cookie (empty TFO option), 40106 sends the cookie and its 23-byte request in the SYN; the server answers right after its SYN-ACK, and 40106 (TCP_QUICKACK off) acknowledges the SYN-ACK and the answer in one ACK"
inA sysctl -qw net.ipv4.tcp_fastopen=1
inB sysctl -qw net.ipv4.tcp_fastopen=1
expect fast-open.pcap "src port 40106 and $SYN and greater 80" "a SYN with data"
# the point of the scenario: on the client-side wire the server's answer precedes the final ACK
case "$(tcpdump -nr "$WORK/fast-open.pcap" port 40106 2>/dev/null | sed -n 3p)" in
*"$SRV.$PORT > "*"length 44"*) ;;
*) die "fast-open: the server's data is not the 3rd segment of the Fast Open connection" ;;
esac
expect_kernel fast-open "$CLI:40106 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
publish fast-open.pcap fast-open.kernel

# 7. midstream: three exchanges and a normal close; the published capture lacks the first 5 packets
begin midstream pass
start_server midstream
client midstream 40107
wait_servers
stop_caps
sleep 0.2
cp "$INST/trace" "$WORK/midstream.trace"
"$PY" "$GEN/paths_kernel.py" "$WORK/midstream.trace" "$WORK/midstream.pcap" "$WORK/midstream.kernel" \
    --relay-log "$WORK/midstream.relay" --cut 5 --note "the capture was cut with 'editcap FULL midstream.pcap 1-5': it starts after the handshake and the first request; the states here are the whole connection's"
mv "$WORK/midstream.pcap" "$WORK/midstream-full.pcap"
editcap "$WORK/midstream-full.pcap" "$WORK/midstream.pcap" 1-5
expect_kernel midstream "$CLI:40107 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
publish midstream.pcap midstream.kernel

# 8. the server aborts an established connection: SO_LINGER {1,0} + close() sends RST
begin rst-established-server pass
start_server rst-est
client rst-est 40108
wait_servers
finish --note "0.3 s after its answer the server closes with SO_LINGER {1,0}: an RST from ESTABLISHED, no FIN"
expect rst-established-server.pcap "src host $SRV and $RSTF" "RST from the server"
expect_kernel rst-established-server "$CLI:40108 SYN_SENT ESTABLISHED CLOSED"
expect_kernel rst-established-server "$SRV:8080 SYN_RCVD ESTABLISHED CLOSED"
publish rst-established-server.pcap rst-established-server.kernel

# 9. the client's FIN first; the server, in CLOSE_WAIT, aborts with SO_LINGER {1,0}: RST, no FIN
begin rst-close-wait pass
start_server rst-close-wait
client rst-close-wait 40109
wait_servers
finish --note "the client shutdown(SHUT_WR)s (FIN); 0.2 s later the server, in CLOSE_WAIT, closes with SO_LINGER {1,0}: an RST and no FIN, while the client is in FIN_WAIT_2"
expect rst-close-wait.pcap "src host $SRV and $RSTF" "RST from the server"
expect_kernel rst-close-wait "$CLI:40109 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 CLOSED"
expect_kernel rst-close-wait "$SRV:8080 SYN_RCVD ESTABLISHED CLOSE_WAIT CLOSED"
publish rst-close-wait.pcap rst-close-wait.kernel

# 10. the server close()s with the request unread in its receive buffer: RST instead of FIN
begin unread-data-rst pass
start_server unread
client unread 40110
wait_servers
finish --note "the server close()s 0.3 s after accept() without reading the 23-byte request: unread data makes the kernel send an RST instead of a FIN"
expect unread-data-rst.pcap "src host $SRV and $RSTF" "RST from the server"
expect_kernel unread-data-rst "$SRV:8080 SYN_RCVD ESTABLISHED CLOSED"
publish unread-data-rst.pcap unread-data-rst.kernel

# 11. the client reconnects from the same port while its first connection is in TIME_WAIT
begin reuse-client pass
start_server reuse-client
client reuse-client 40111
wait_servers
finish --note "two connections on one 4-tuple: the client binds 40111 again (SO_REUSEADDR) and connect() replaces its own TIME_WAIT (tcp_tw_reuse=1, timestamps on)"
expect_n reuse-client.pcap "$SYN" 2 "two SYNs on one tuple"
expect_kernel reuse-client "$CLI:40111 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+ CLOSED+"
publish reuse-client.pcap reuse-client.kernel

# 12. the server closes first; the client's new SYN from the same port meets the server's TIME_WAIT
begin reuse-server-tw pass
start_server reuse-server
client reuse-server 40112
wait_servers
finish --note "two connections on one 4-tuple: the server closed first, and the client's new SYN (higher ISN, newer timestamp) is accepted by the server's TIME_WAIT (RFC 6191)"
expect_n reuse-server-tw.pcap "$SYN" 2 "two SYNs on one tuple"
expect_kernel reuse-server-tw "$SRV:8080 SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+ CLOSED+"
publish reuse-server-tw.pcap reuse-server-tw.kernel

# 13. crossing FINs, captured at both ends (the server's end as NAME-server.pcap)
ok=
for cport in 40113 40123 40133; do
    begin crossing-fin pass
    start_cap "$NSB" vd "$WORK/crossing-fin-server.pcap"
    start_server crossing-fin
    client crossing-fin $cport
    wait_servers
    finish --note "both ends shutdown(SHUT_WR) at the same instant, 50 ms from each other through the relay: the FINs cross; crossing-fin-server.pcap is the same connection captured at the server's end"
    if grep -qxF "$CLI:$cport SYN_SENT ESTABLISHED FIN_WAIT_1 CLOSING TIME_WAIT+" "$WORK/crossing-fin.kernel" &&
        grep -qxF "$SRV:8080 SYN_RCVD ESTABLISHED FIN_WAIT_1 CLOSING TIME_WAIT+" "$WORK/crossing-fin.kernel"; then
        ok=1; break
    fi
    log "  client port $cport: the FINs did not cross, retrying on another port"
done
[ -n "$ok" ] || die "crossing-fin: the FINs never crossed"
publish crossing-fin.pcap crossing-fin-server.pcap crossing-fin.kernel

stop_relay
for f in "$OUT"/*.pcap; do
    log "  $(basename "$f"): $(tcpdump -nr "$f" 2>/dev/null | wc -l) packets"
done
log "path captures written to $OUT"
