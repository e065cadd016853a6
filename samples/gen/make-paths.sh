#!/bin/bash
# Produce samples/paths/: one small capture per TCP state path, from genuine Linux kernel traffic,
# each captured at both ends (NAME.pcap at the client's veth, before the relay, NAME-server.pcap at
# the server's, after it) with the kernel's own record of the states its sockets went through
# (NAME.kernel) and of the segments each endpoint retransmitted (NAME.retrans, as in
# make-retrans.sh). The live test (tests/kernel/live.sh, CTest kernel-live) runs this script into a
# scratch folder on every test run.
#
# Needs root, network namespaces, veth, tcpdump, ethtool, a tracefs with the
# sock:inet_sock_set_state, tcp:tcp_retransmit_skb and tcp:tcp_retransmit_synack events, and
# /usr/bin/python3 with scapy. Everything happens inside
# private namespaces named tcpp-*-$$ and a private tracing instance, all removed on exit (also
# on Ctrl-C); no address outside those namespaces is touched and the global trace buffer is not
# used.
#
# Topology (a new subnet, so it never clashes with make-real.sh's 10.77.0/24 and 10.77.1/24):
#   ns A (client) vc 10.77.2.1/24 <-veth-> rc [ns R: relay.py, 50 ms each way] rd <-veth-> vd 10.77.2.2/24 ns B (server)
#                    fd77:2::1/64                                                   fd77:2::2/64  (the ipv6 scenario)
# Every connection goes through the relay: the kernel has no netem, so the relay is what makes SYNs
# and FINs cross (the delay) and what loses chosen segments (after the client-side capture point,
# so the capture holds the segment the server never got).
#
# Ground truth: a tracing instance with sock:inet_sock_set_state and the two retransmission events
# enabled, filtered to port 8080 and our client ports, cleared before each scenario, dumped after
# it; paths_kernel.py turns the dump into NAME.kernel (see its docstring for the states it adds
# from the wire and why), retrans_kernel.py into NAME.retrans.
#
# Usage: make-paths.sh [OUTDIR]   (default: the samples/paths folder next to this script)
#        KEEP=1 make-paths.sh ...  keeps the work folder (traces, relay logs, uncut midstream capture)
# Check tcpstate against the result:
#        tests/kernel/check_paths.py build/tcpstate samples/paths   (the kernel-paths test)
#        tests/kernel/check_retrans.py build/tcpstate OUTDIR        (with NAME.retrans)
# ONLY="name ..." make-paths.sh OUTDIR  runs only those scenarios (a quick look at one)
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
CLI6=fd77:2::1
SRV6=fd77:2::2
PORT=8080
DELAY=0.05
EVENTS="sock/inet_sock_set_state tcp/tcp_retransmit_skb tcp/tcp_retransmit_synack"
WORK=$(mktemp -d /tmp/tcpp-paths.XXXXXX)
BGPIDS=()
RELAYPID=

log() { printf '%s\n' "$*" >&2; }
die() { log "make-paths: $*"; exit 1; }

install_cleanup_traps

for tool in tcpdump ethtool ip timeout; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
done
[ "$(id -u)" = 0 ] || die "must run as root"
"$PY" -c 'import scapy' 2>/dev/null || die "$PY has no scapy"

inA() { ip netns exec "$NSA" "$@"; }
inB() { ip netns exec "$NSB" "$@"; }

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
CAPFILES=()

# --- traffic -----------------------------------------------------------------------------------
SRVPIDS=()
RETRANS_JOBS=()
start_server() { # scenario [server-address]
    local ready="$WORK/srv.ready"
    rm -f "$ready"
    inB timeout 20 "$PY" "$PEER" server "$1" "${2:-$SRV}" $PORT "$ready" &
    SRVPIDS+=($!)
    BGPIDS+=($!)
    wait_file "$ready"
}

wait_servers() {
    local p
    for p in "${SRVPIDS[@]}"; do wait "$p" || die "server failed"; done
    SRVPIDS=()
}

client() { # scenario client-port [server-address client-address]
    inA timeout 20 "$PY" "$PEER" client "$1" "${3:-$SRV}" $PORT "${4:-$CLI}" "$2" || die "client $1 failed"
}

# exchange NAME relay-mode server-scenario client-scenario client-port "note" [server-addr client-addr]:
# one scenario from begin to finish (the server-scenario "-" starts no server)
exchange() {
    begin "$1" "$2"
    [ "$3" = - ] || start_server "$3" "${7:-}"
    client "$4" "$5" "${7:-}" "${8:-}"
    [ "$3" = - ] || wait_servers
    finish --note "$6"
}

# want NAME: whether the scenario is to run (all, or those named in $ONLY)
want() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }

# begin NAME relay-mode: fresh trace buffer, relay, captures at both ends
begin() {
    NAME=$1
    MODE=$2
    forget_retrans "$NAME" # a retried scenario: the earlier attempt's files are rewritten now
    log "$NAME"
    start_relay "$2"
    trace_clear
    start_cap "$NSA" vc "$WORK/$NAME.pcap"
    start_cap "$NSB" vd "$WORK/$NAME-server.pcap"
}

# finish [paths_kernel.py options]: stop, dump the trace, write NAME.kernel and NAME.retrans
finish() {
    stop_caps
    sleep 0.2 # last state changes (e.g. LAST_ACK -> CLOSED) after the final segment
    cp "$INST/trace" "$WORK/$NAME.trace"
    kernel_files "$@"
}

kernel_files() { # [paths_kernel.py options]
    local note= a prev=
    "$PY" "$GEN/paths_kernel.py" "$WORK/$NAME.trace" "$WORK/$NAME.pcap" "$WORK/$NAME.kernel" \
        --relay-log "$WORK/$NAME.relay" --clients "$CLI,$CLI6" "$@"
    for a in "$@"; do
        if [ "$prev" = --note ] && [ -z "$note" ]; then note=$a; fi
        prev=$a
    done
    # in the background (no later step needs it before the end): scapy's start-up alone is a
    # second, and 24 of them would be a third of the run
    "$PY" "$GEN/retrans_kernel.py" --name "$NAME" --mode "$MODE" --description "$note" \
        --trace "$WORK/$NAME.trace" --client-pcap "$WORK/$NAME.pcap" \
        --server-pcap "$WORK/$NAME-server.pcap" --relay-log "$WORK/$NAME.relay" \
        --out "$WORK/$NAME.retrans" 2>"$WORK/$NAME.retrans.log" &
    RETRANS_JOBS+=("$!:$NAME")
    BGPIDS+=("$!")
}

# publish NAME's captures and NAME.kernel (NAME.retrans once it is written: publish_retrans)
publish_all() {
    publish "$NAME.pcap" "$NAME-server.pcap" "$NAME.kernel"
}

forget_retrans() { # NAME
    local job keep=()
    for job in "${RETRANS_JOBS[@]}"; do
        if [ "${job#*:}" = "$1" ]; then wait "${job%%:*}" || true; else keep+=("$job"); fi
    done
    RETRANS_JOBS=("${keep[@]}")
}

publish_retrans() {
    local job
    for job in "${RETRANS_JOBS[@]}"; do
        wait "${job%%:*}" || { cat "$WORK/${job#*:}.retrans.log" >&2;
            die "${job#*:}: the kernel's retransmissions do not add up"; }
        publish "${job#*:}.retrans"
    done
    RETRANS_JOBS=()
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

# our connections only: port 8080 on one side, a client port 40100-40199 on the other (the
# listening socket, remote port 0, is left out here already); both address families
start_tracing "tcpp-$$" "(sport == $PORT && dport >= 40100 && dport <= 40199) || \
(dport == $PORT && sport >= 40100 && sport <= 40199)" $EVENTS
setup_net
log "namespaces $NSA $NSB $NSR and tracing instance $INST ready"

# 1. simultaneous open: both ends connect() at the same instant; with 50 ms each way the SYNs cross
if want sim-open; then
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
    publish_all
fi

# 2. SYN never answered: the relay drops every SYN; 3 SYNs with one ISN, connect() gives up at 3 s
if want syn-unanswered; then
    begin syn-unanswered drop-syn
    client syn-unanswered 40101
    finish --note "nothing listens on 10.77.2.2:8080 in this scenario (and no SYN reaches it): the server has no socket; the client's give-up (SYN_SENT -> CLOSED, tcp_syn_retries=1) sends nothing, and the capture ends with the last SYN"
    [ "$(count syn-unanswered.pcap)" = 3 ] || die "syn-unanswered: $(count syn-unanswered.pcap) packets, expected 3 SYNs"
    [ "$(tcpdump -nr "$WORK/syn-unanswered.pcap" -S 2>/dev/null | awk '{print $9}' | sort -u | wc -l)" = 1 ] ||
        die "syn-unanswered: the SYNs do not share one ISN"
    expect_kernel syn-unanswered "$CLI:40101 SYN_SENT CLOSED"
    publish_all
fi

# 3. the handshake's final ACK is lost after the capture point: the server retransmits its SYN-ACK
# after 1 s while the client is ESTABLISHED (and silent); the client's ACK of that one gets through
if want lost-final-ack; then
    exchange lost-final-ack drop-hs-ack normal late-data 40102 "the client waits 1.5 s before its request: the server, still SYN_RCVD, retransmits its SYN-ACK after 1 s and the client's answer to it completes the server's handshake"
    expect_n lost-final-ack.pcap "$SYNACK" 2 "SYN-ACK retransmitted"
    expect_kernel lost-final-ack "$CLI:40102 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
    expect_kernel lost-final-ack "$SRV:8080 SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
    publish_all
fi

# 4. the client closes first; its ACK of the server's FIN is lost after the capture point, so the
# server retransmits the FIN and the client, in TIME_WAIT, acknowledges it again
if want fin-retransmit; then
    exchange fin-retransmit drop-fin-ack normal normal 40103 "the client closes first; the server retransmits its FIN because the client's ACK of it was dropped, and the client, in TIME_WAIT, acknowledges it again"
    expect_n fin-retransmit.pcap "src host $SRV and $FINF" 2 "FIN retransmitted"
    expect_kernel fin-retransmit "$CLI:40103 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
    expect_kernel fin-retransmit "$SRV:8080 SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
    publish_all
fi

# 5. half-close: the client's FIN comes first, then the server sends 5 segments and closes
if want half-close; then
    exchange half-close pass half-close half-close 40104 "half-close: the client sends its request and shutdown(SHUT_WR)s (FIN); the server then sends 5 x 100 bytes 0.1 s apart, which the client, in FIN_WAIT_2, acknowledges one by one; then the server closes"
    expect_n half-close.pcap "src host $SRV and greater 100" 5 "server data after the client's FIN"
    expect_kernel half-close "$CLI:40104 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
    expect_kernel half-close "$SRV:8080 SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
    publish_all
fi

# 6. TCP Fast Open: client and server enabled (3) only for this scenario; the first connection
# (40105) fetches the cookie, the second (40106) sends its request in the SYN
if want fast-open; then
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
    publish_all
fi

# 7. midstream: three exchanges and a normal close; the published capture lacks the first 5 packets
if want midstream; then
    begin midstream pass
    start_server midstream
    client midstream 40107
    wait_servers
    finish --cut 5 --note "the captures were cut as with 'editcap FULL midstream.pcap 1-5' (both ends): they start after the handshake and the first request; the states here are the whole connection's"
    publish_retrans # its NAME.retrans is made from the whole captures: before they are cut
    for f in midstream midstream-server; do
        mv "$WORK/$f.pcap" "$WORK/$f-full.pcap"
        "$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); from kernelio import cut_pcap; cut_pcap(*sys.argv[2:])' \
            "$GEN" "$WORK/$f-full.pcap" "$WORK/$f.pcap" 5
    done
    expect_kernel midstream "$CLI:40107 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
    publish_all
fi

# 8. the server aborts an established connection: SO_LINGER {1,0} + close() sends RST
if want rst-established-server; then
    exchange rst-established-server pass rst-est rst-est 40108 "0.3 s after its answer the server closes with SO_LINGER {1,0}: an RST from ESTABLISHED, no FIN"
    expect rst-established-server.pcap "src host $SRV and $RSTF" "RST from the server"
    expect_kernel rst-established-server "$CLI:40108 SYN_SENT ESTABLISHED CLOSED"
    expect_kernel rst-established-server "$SRV:8080 SYN_RCVD ESTABLISHED CLOSED"
    publish_all
fi

# 9. the client's FIN first; the server, in CLOSE_WAIT, aborts with SO_LINGER {1,0}: RST, no FIN
if want rst-close-wait; then
    exchange rst-close-wait pass rst-close-wait rst-close-wait 40109 "the client shutdown(SHUT_WR)s (FIN); 0.2 s later the server, in CLOSE_WAIT, closes with SO_LINGER {1,0}: an RST and no FIN, while the client is in FIN_WAIT_2"
    expect rst-close-wait.pcap "src host $SRV and $RSTF" "RST from the server"
    expect_kernel rst-close-wait "$CLI:40109 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 CLOSED"
    expect_kernel rst-close-wait "$SRV:8080 SYN_RCVD ESTABLISHED CLOSE_WAIT CLOSED"
    publish_all
fi

# 10. the server close()s with the request unread in its receive buffer: RST instead of FIN
if want unread-data-rst; then
    exchange unread-data-rst pass unread unread 40110 "the server close()s 0.3 s after accept() without reading the 23-byte request: unread data makes the kernel send an RST instead of a FIN"
    expect unread-data-rst.pcap "src host $SRV and $RSTF" "RST from the server"
    expect_kernel unread-data-rst "$SRV:8080 SYN_RCVD ESTABLISHED CLOSED"
    publish_all
fi

# 11. the client reconnects from the same port while its first connection is in TIME_WAIT
if want reuse-client; then
    exchange reuse-client pass reuse-client reuse-client 40111 "two connections on one 4-tuple: the client binds 40111 again (SO_REUSEADDR) and connect() replaces its own TIME_WAIT (tcp_tw_reuse=1, timestamps on)"
    expect_n reuse-client.pcap "$SYN" 2 "two SYNs on one tuple"
    expect_kernel reuse-client "$CLI:40111 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+ CLOSED+"
    publish_all
fi

# 12. the server closes first; the client's new SYN from the same port meets the server's TIME_WAIT
if want reuse-server-tw; then
    exchange reuse-server-tw pass reuse-server reuse-server 40112 "two connections on one 4-tuple: the server closed first, and the client's new SYN (higher ISN, newer timestamp) is accepted by the server's TIME_WAIT (RFC 6191)"
    expect_n reuse-server-tw.pcap "$SYN" 2 "two SYNs on one tuple"
    expect_kernel reuse-server-tw "$SRV:8080 SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+ CLOSED+"
    publish_all
fi

# 13. crossing FINs, captured at both ends (the server's end as NAME-server.pcap)
if want crossing-fin; then
    ok=
    for cport in 40113 40123 40133; do
        begin crossing-fin pass
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
    publish_all
fi

# 14. the plain paths: the client closes first, then the server closes first
if want client-close; then
    exchange client-close pass normal normal 40140 "request/response; the client closes first, the server 0.2 s after the client's FIN"
    expect_kernel client-close "$CLI:40140 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
    expect_kernel client-close "$SRV:8080 SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
    publish_all
fi
if want server-close; then
    exchange server-close pass server-close server-close 40141 "request/response; the server closes first, the client 0.2 s after the server's FIN"
    expect_kernel server-close "$CLI:40141 SYN_SENT ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
    expect_kernel server-close "$SRV:8080 SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
    publish_all
fi

# 15. nothing listens: the SYN gets an RST/ACK
if want closed-port; then
    exchange closed-port pass - closed-port 40142 "nothing listens on 10.77.2.2:8080: the client's SYN is answered with an RST/ACK by the server's kernel, which has no socket for it"
    expect closed-port.pcap "src host $SRV and $RSTF" "RST/ACK from the server"
    expect_kernel closed-port "$CLI:40142 SYN_SENT CLOSED"
    publish_all
fi

# 16. accept queue full (backlog 0): the second connection's SYNs are dropped by the listener
# until the server accepts the first one; its retransmitted SYN then gets through
if want accept-full; then
    exchange accept-full pass accept-full accept-full 40143 "the server listens with backlog 0 and accepts nothing for 1.5 s: 40143 fills the accept queue, and the SYNs of 40144 are dropped by the server's kernel (after the server-side capture point: both captures hold them) until the server accepts; a SYN retransmission then gets the SYN-ACK"
    expect_n accept-full.pcap "src port 40144 and $SYN" 2 "SYN retransmitted while the queue is full"
    expect_kernel accept-full "$CLI:40144 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
    expect_kernel accept-full "$SRV:8080 SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
    publish_all
fi

# 17. zero window: a receiver that does not read; the sender probes the closed window
if want zero-window; then
    exchange zero-window pass zero-window zero-window 40145 "the server (SO_RCVBUF 2048) reads nothing for 1.5 s while the client sends 30000 bytes: the server's window goes to 0 and the client probes it (Linux's probe: no data, at snd_una - 1); then the server reads everything, answers, and the client closes first"
    expect_n zero-window.pcap "src host $SRV and tcp[14:2] = 0" 1 "a zero window"
    expect_kernel zero-window "$CLI:40145 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
    publish_all
fi

# 18. keep-alive: probes answered, then a normal close; probes dropped, the keep-alive times out
if want keepalive; then
    exchange keepalive pass normal keepalive 40146 "request/response, then the client (SO_KEEPALIVE, TCP_KEEPIDLE 1 s, TCP_KEEPINTVL 1 s) idles 2.6 s: two keep-alive probes (no data, at snd_nxt - 1), each answered by the server; then the client closes first"
    expect_n keepalive.pcap "src host $SRV and $SYNACK" 1 "the handshake"
    expect_kernel keepalive "$CLI:40146 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
    publish_all
fi
if want keepalive-timeout; then
    exchange keepalive-timeout drop-probe keepalive-timeout keepalive-timeout 40147 "request/response, then the client idles with keep-alive on (idle 1 s, interval 1 s, TCP_KEEPCNT 2); the relay drops its probes after the client-side capture point, so none is answered and after the second the client's kernel gives up: an RST, and the server's socket closes on it"
    expect keepalive-timeout.pcap "src host $CLI and $RSTF" "the client's RST at the keep-alive timeout"
    expect_kernel keepalive-timeout "$CLI:40147 SYN_SENT ESTABLISHED CLOSED"
    expect_kernel keepalive-timeout "$SRV:8080 SYN_RCVD ESTABLISHED CLOSED"
    publish_all
fi

# 19. an orphaned FIN_WAIT_2 times out silently; the peer's late FIN gets an RST
if want fin-wait2-timeout; then
    exchange fin-wait2-timeout pass fin-wait2-timeout fin-wait2-timeout 40148 "request/response; the client close()s with TCP_LINGER2 1 s: once the server has acknowledged its FIN the orphaned socket waits in FIN_WAIT_2 (a timewait socket in that substate: the tracepoint shows FIN_WAIT_2 -> CLOSED at that handover, not at the timeout) and goes ~1 s later, sending nothing; the server closes 3 s after the client's FIN and its FIN is answered with an RST"
    expect fin-wait2-timeout.pcap "src host $CLI and $RSTF" "the RST to the late FIN"
    expect_kernel fin-wait2-timeout "$CLI:40148 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 CLOSED"
    expect_kernel fin-wait2-timeout "$SRV:8080 SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
    publish_all
fi

# 20. IPv6: the plain path over fd77:2::/64
if want ipv6; then
    exchange ipv6 pass normal normal 40149 "request/response over IPv6 (fd77:2::1 -> fd77:2::2); the client closes first" $SRV6 $CLI6
    expect_kernel ipv6 "[$CLI6]:40149 SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT+"
    expect_kernel ipv6 "[$SRV6]:8080 SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
    publish_all
fi

stop_relay
publish_retrans
for f in "$OUT"/*.pcap; do
    log "  $(basename "$f"): $(tcpdump -nr "$f" 2>/dev/null | wc -l) packets"
done
log "path captures written to $OUT"
