#!/bin/bash
# sniff.sh - tcpstate's live capture (issue 7) on real kernel connections (CTest live-sniff).
#
# Usage: sniff.sh TCPSTATE [OUTDIR]
#
# Namespaces A (client, veth vc 10.77.7.1) and B (server, vd 10.77.7.2) joined through a relay
# namespace R that delays every frame by 50 ms each way (samples/gen/netns-lib.sh's
# relay_topology and relay.py: the kernel has no netem, and the delay is what makes two FINs
# cross). `tcpstate -i vc -w OUTDIR/TAG.pcap` runs in A while real connections are made
# (samples/gen/peer.py, and sniff_peer.py for the one left open), and is then stopped:
#
#   json  `--json`, stopped by SIGINT. Six connections at once: client closes first (8001), server
#         closes first (8002), SO_LINGER 0 reset (8003), connect to a closed port (8004),
#         simultaneous close (8005; tried again, up to 3 times, if the kernel says the FINs did not
#         cross), and one left ESTABLISHED (8006).
#   text  the same six in the default text format, stopped by SIGINT.
#   term  `--json`, one connection closed by the client, stopped by SIGTERM.
#   idle  `--json --timeout established=2`, one connection left open: its summary (end idle) must
#         be out, on the clock, before the stop.
#   bad   `-i nosuchdev0` and a bad filter: exit 2, one line on stderr naming the device or filter.
#
# For each run: exit status 0; the live output equals `tcpstate --stream --timeout conntrack
# [--json] -r TAG.pcap` but for its header, capture_stats and file names; it ends with the totals
# and capture_stats (nothing dropped); every connection is there with exactly the states of its
# scenario for each endpoint, ending in the kernel's own states (`ss` in A and B once the traffic
# is over), all reported at the stop; no finding but ts_backwards, as many as the client's
# kernel dropped by PAWS (nstat TcpExtPAWSEstab: over veth two segments now and then arrive
# swapped), and retransmissions, as many as each kernel made (TcpRetransSegs: on a busy machine
# the relay can be slower than a retransmission timer); with --json, before the stop every open
# record and transition is out already (but for an endpoint's last, unconfirmed, receipt).
# tests/live/check_sniff.py does the comparisons.
#
# Nothing sleeps a fixed time: every wait polls a condition (tcpstate's header and pcap file, a
# peer's ready file, the sockets in `ss`, a process gone) with a timeout. Everything lives in
# namespaces tcpls-{a,b,r}-PID, removed on exit, INT and TERM; leftovers of a run killed with
# SIGKILL are removed first. OUTDIR (default: a scratch folder, removed) keeps every output,
# capture and `ss` snapshot. Exit 77 (CTest SKIP_RETURN_CODE) with the reason when the machine
# cannot do it: not root, no namespaces or veth, a tool missing.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$(cd "$HERE/../../samples/gen" && pwd)
# shellcheck source=../../samples/gen/netns-lib.sh
. "$GEN/netns-lib.sh"
PY=/usr/bin/python3
TCPSTATE=${1:?usage: sniff.sh TCPSTATE [OUTDIR]}
case $TCPSTATE in /*) ;; *) TCPSTATE=$PWD/$TCPSTATE ;; esac
START=$EPOCHREALTIME
FAILED=()

log() { printf 'live-sniff: %s\n' "$*"; }
die() { log "FAILED: $*"; exit 1; }
skip() { log "SKIPPED: $*"; exit 77; }
check_failed() { FAILED+=("$1"); log "check FAILED: $1"; }

[ -x "$TCPSTATE" ] || die "no tcpstate binary at $TCPSTATE"
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, veth, live capture)"
for tool in ip ss nstat ethtool sysctl timeout "$PY"; do
    command -v "$tool" >/dev/null || skip "missing $tool (./build.sh deps installs it)"
done
probe=tcpls-probe-$$
ip netns add "$probe" 2>/dev/null || skip "cannot create a network namespace"
ok=0
ip -n "$probe" link add p0 type veth peer name p1 2>/dev/null || ok=$?
ip netns del "$probe"
[ "$ok" = 0 ] || skip "no veth pairs"

# leftovers of a run killed with SIGKILL (no trap ran): its namespaces and scratch folder
for ns in $(ip netns list | awk '{print $1}' | grep -E '^tcpls-(a|b|r|probe)-[0-9]+$' || true); do
    kill -0 "${ns##*-}" 2>/dev/null && continue
    log "removing namespace $ns of a dead run"
    stop_and_del_netns "" "$ns"
done
for d in /tmp/tcpls-*.*; do
    if [ -d "$d" ] && ! kill -0 "$(basename "${d%.*}" | cut -d- -f2)" 2>/dev/null; then rm -rf "$d"; fi
done

NSA=tcpls-a-$$
NSB=tcpls-b-$$
NSR=tcpls-r-$$
CLI=10.77.7.1
SRV=10.77.7.2
DELAY=0.05
NAME=sniff # the relay's log: $WORK/$NAME.relay
WORK=$(mktemp -d "/tmp/tcpls-$$.XXXXXX")
BGPIDS=()
RELAYPID=
install_cleanup_traps # every process in the namespaces, the namespaces and $WORK go on exit
OUT=${2:-$WORK/out}
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

relay_topology
static_neighbours
start_relay pass

# --- waiting on conditions ---------------------------------------------------------------------
poll_until() { # seconds command...: polls the command until it succeeds (0) or time is up (1)
    local end=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.02
    done
}

wait_until() { # seconds what command...: the same, and a timeout ends the test
    local secs=$1 what=$2
    shift 2
    poll_until "$secs" "$@" || die "timed out ($secs s) waiting for $what"
}

exited() { # pid: gone or a zombie
    local st
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
    [ "$st" = Z ]
}

# Every TCP socket of A and B is settled: LISTEN, TIME_WAIT, or one of the N ESTABLISHED ones with
# nothing unacknowledged or unread (so every segment has passed vc, the capture point, too).
settled() { # N
    { ip netns exec "$NSA" ss -tanH; ip netns exec "$NSB" ss -tanH; } | awk -v n="$1" '
        $1 == "ESTAB" && $2 == 0 && $3 == 0 { e++; next } $1 == "TIME-WAIT" || $1 == "LISTEN" { next } { other++ }
        END { exit !(other == 0 && e == n) }'
}

kernel_counts() { # ns: "PAWS RETRANS", the segments its kernel dropped by PAWS in ESTABLISHED and
    # the segments it retransmitted, since the namespace was made
    ip netns exec "$1" nstat -asz TcpExtPAWSEstab TcpRetransSegs |
        awk '$1 == "TcpExtPAWSEstab" { p = $2 } $1 == "TcpRetransSegs" { r = $2 } END { print p + 0, r + 0 }'
}
COUNTS0_A="0 0"
COUNTS0_B="0 0"
counts_mark() { COUNTS0_A=$(kernel_counts "$NSA"); COUNTS0_B=$(kernel_counts "$NSB"); }
counts_since() { # name ns start: "paws NAME n" and "retrans NAME n" since the run began
    local now start
    read -ra now <<<"$(kernel_counts "$2")"
    read -ra start <<<"$3"
    echo "paws $1 $((now[0] - start[0]))"
    echo "retrans $1 $((now[1] - start[1]))"
}

snapshot() { # tag: the kernels' sockets, PAWS drops and retransmissions (in the run), for check_sniff.py
    { ip netns exec "$NSA" ss -tanH | sed 's/^/A /'; ip netns exec "$NSB" ss -tanH | sed 's/^/B /'
      counts_since A "$NSA" "$COUNTS0_A"; counts_since B "$NSB" "$COUNTS0_B"; } >"$OUT/$1.kernel"
}

sock_state() { # ns local peer: ss's state of that socket, nothing if there is none
    ip netns exec "$1" ss -tanH src "$2" dst "$3" | awk '{print $1; exit}'
}

# --- tcpstate ----------------------------------------------------------------------------------
TSPID=
TAG=
capturing() {
    exited "$TSPID" && { cat "$OUT/$TAG.err"; die "tcpstate -i vc exited before it captured"; }
    [ -s "$OUT/$TAG.live" ] && [ -e "$OUT/$TAG.pcap" ]
}

start_tcpstate() { # tag options...: tcpstate -i vc -w OUT/TAG.pcap OPTIONS in A, until it captures
    TAG=$1
    shift
    counts_mark
    ip netns exec "$NSA" "$TCPSTATE" -i vc -w "$OUT/$TAG.pcap" "$@" >"$OUT/$TAG.live" 2>"$OUT/$TAG.err" &
    TSPID=$!
    wait_until 10 "tcpstate to capture (its header and $TAG.pcap)" capturing
}

stop_tcpstate() { # signal: stop it, then its exit status must be 0
    local rc=0
    kill -"$1" "$TSPID"
    wait_until 10 "tcpstate to exit on SIG$1" exited "$TSPID"
    wait "$TSPID" || rc=$?
    if [ -s "$OUT/$TAG.err" ]; then
        log "$TAG: tcpstate's stderr:"
        sed 's/^/    /' "$OUT/$TAG.err"
    fi
    [ "$rc" = 0 ] || check_failed "$TAG: tcpstate exited $rc on SIG$1, expected 0"
}

offline() { # options...: the same analysis from the file tcpstate -w wrote
    local rc=0
    "$TCPSTATE" --stream --timeout conntrack "$@" -r "$OUT/$TAG.pcap" >"$OUT/$TAG.offline$SUFFIX" \
        2>"$OUT/$TAG.offline$SUFFIX.err" || rc=$?
    [ "$rc" = 0 ] || { cat "$OUT/$TAG.offline$SUFFIX.err"; check_failed "$TAG: the offline run exited $rc"; }
}

# Before the stop (JSON): every open record and transition is out already, but for each endpoint's
# last receipt when nothing confirms it (check_sniff.py streamed; tcpstate reads what the kernel
# holds within its wait of 200 ms).
streamed() { "$PY" "$HERE/check_sniff.py" streamed "$OUT/$TAG.live" "$EXPECT" >"$OUT/$TAG.streamed"; }
wait_streamed() {
    if poll_until 5 streamed; then
        log "$TAG: the open records and transitions were out before the stop"
    else
        check_failed "$TAG: the records were not out 5 s after the traffic"
    fi
    cat "$OUT/$TAG.streamed"
}

# --- the connections ---------------------------------------------------------------------------
PIDS=()
EXPECT=
server() { # scenario port: peer.py's server in B, until it listens
    local ready=$WORK/srv.$2.ready
    rm -f "$ready"
    ip netns exec "$NSB" timeout 20 "$PY" "$GEN/peer.py" server "$1" "$SRV" "$2" "$ready" &
    PIDS+=($!)
    wait_file "$ready"
}

client() { # scenario port client-port [expected scenario]: peer.py's client in A
    ip netns exec "$NSA" timeout 20 "$PY" "$GEN/peer.py" client "$1" "$SRV" "$2" "$CLI" "$3" &
    PIDS+=($!)
    echo "${4:-$1} $CLI:$3 $SRV:$2" >>"$EXPECT"
}

wait_peers() {
    local p rc
    for p in "${PIDS[@]}"; do
        rc=0
        wait "$p" || rc=$?
        [ "$rc" = 0 ] || die "a client or server (peer.py) failed with exit $rc"
    done
    PIDS=()
}

simul_settled() { # client-port
    case "$(sock_state "$NSA" "$CLI:$1" "$SRV:8005") $(sock_state "$NSB" "$SRV:8005" "$CLI:$1")" in
    "TIME-WAIT TIME-WAIT" | "TIME-WAIT " | " TIME-WAIT") return 0 ;;
    *) return 1 ;;
    esac
}

# Both ends shut down at the same instant; the FINs crossed if the kernel put both sockets in
# TIME_WAIT (the end that receives a FIN before sending its own never gets there).
simultaneous_close() { # client-port base
    local attempt cport
    for attempt in 1 2 3; do
        cport=$(($1 + 10 * attempt))
        server simul 8005
        ip netns exec "$NSA" timeout 20 "$PY" "$GEN/peer.py" client simul "$SRV" 8005 "$CLI" "$cport" ||
            die "peer.py client simul failed"
        wait_peers
        wait_until 10 "the simultaneous close to settle" simul_settled "$cport"
        if [ "$(sock_state "$NSA" "$CLI:$cport" "$SRV:8005")" = TIME-WAIT ] &&
            [ "$(sock_state "$NSB" "$SRV:8005" "$CLI:$cport")" = TIME-WAIT ]; then
            echo "simul $CLI:$cport $SRV:8005" >>"$EXPECT"
            return 0
        fi
        log "simultaneous close, attempt $attempt: the FINs did not cross; again"
        echo "simul-uncrossed $CLI:$cport $SRV:8005" >>"$EXPECT"
    done
    die "the FINs of a simultaneous close did not cross in 3 attempts"
}

OPENPIDS=()
open_connection() { # client-port: one request and response on 8006, then both ends stay open
    rm -f "$WORK/open.s" "$WORK/open.c"
    ip netns exec "$NSB" timeout 60 "$PY" "$HERE/sniff_peer.py" server "$SRV" 8006 "$WORK/open.s" &
    OPENPIDS=($!)
    wait_file "$WORK/open.s"
    ip netns exec "$NSA" timeout 60 "$PY" "$HERE/sniff_peer.py" client "$SRV" 8006 "$CLI" "$1" "$WORK/open.c" &
    OPENPIDS+=($!)
    wait_file "$WORK/open.c"
    echo "open $CLI:$1 $SRV:8006" >>"$EXPECT"
}

close_open_connection() { # after tcpstate stopped: the next run must not see its last segments
    local p
    for p in "${OPENPIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${OPENPIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    OPENPIDS=()
    wait_until 10 "the open connection to close" settled 0
}

six_connections() { # client-port base
    local b=$1
    server client-first 8001
    server server-first 8002
    server linger 8003
    client client-first 8001 $((b + 1))
    client server-first 8002 $((b + 2))
    client linger 8003 $((b + 3))
    client closed-port 8004 $((b + 4))
    simultaneous_close "$b"
    wait_peers
    open_connection $((b + 6))
    wait_until 10 "the connections to settle" settled 2
}

# --- the runs ----------------------------------------------------------------------------------
SUFFIX=
check_output() { # tag [--json]: the live output against the offline one, and the states
    if [ "${2:-}" = --json ]; then
        "$PY" "$HERE/check_sniff.py" json "$OUT/$1.live" "$OUT/$1.offline" vc "$OUT/$1.pcap" \
            "$EXPECT" "$OUT/$1.kernel" || check_failed "$1: the output"
    else
        SUFFIX=.json offline --json
        SUFFIX=
        "$PY" "$HERE/check_sniff.py" text "$OUT/$1.live" "$OUT/$1.offline" vc "$OUT/$1.offline.json" \
            "$EXPECT" "$OUT/$1.kernel" || check_failed "$1: the output"
    fi
}

run_six() { # tag client-port-base [--json]
    local tag=$1 base=$2
    shift 2
    log "$tag: tcpstate -i vc${*:+ $*}, six connections, SIGINT"
    EXPECT=$OUT/$tag.expect
    : >"$EXPECT"
    start_tcpstate "$tag" "$@"
    six_connections "$base"
    [ "${1:-}" != --json ] || wait_streamed
    snapshot "$tag"
    stop_tcpstate INT
    close_open_connection
    offline "$@"
    check_output "$tag" "$@"
}

run_term() {
    log "term: tcpstate -i vc --json, one connection, SIGTERM"
    EXPECT=$OUT/term.expect
    : >"$EXPECT"
    start_tcpstate term --json
    server client-first 8001
    client client-first 8001 43001
    wait_peers
    wait_until 10 "the connection to settle" settled 0
    wait_streamed
    snapshot term
    stop_tcpstate TERM
    offline --json
    check_output term --json
}

run_idle() {
    log "idle: tcpstate -i vc --json --timeout established=2, one connection left open, SIGINT"
    EXPECT=$OUT/idle.expect
    : >"$EXPECT"
    start_tcpstate idle --json --timeout established=2
    open_connection 44006
    wait_until 10 "the open connection to settle" settled 2
    # established=2, and tcpstate's clock ticks expire what was idle 1 s before: 3 s, 5 at most
    poll_until 6 grep -q '"kind":"connection".*"end":"idle"' "$OUT/idle.live" ||
        check_failed "idle: no summary with end idle in the output 6 s after the last packet"
    snapshot idle
    stop_tcpstate INT
    close_open_connection
    offline --json --timeout established=2
    "$PY" "$HERE/check_sniff.py" idle "$OUT/idle.live" "$OUT/idle.offline" vc "$OUT/idle.pcap" \
        "$EXPECT" "$OUT/idle.kernel" || check_failed "idle: the output"
}

bad_usage() { # name word args...: exit 2 and one line on stderr that contains WORD
    local name=$1 word=$2 rc=0
    shift 2
    ip netns exec "$NSA" timeout 10 "$TCPSTATE" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
    log "$name: tcpstate $* -> exit $rc, stderr: $(head -c 300 "$OUT/$name.err")"
    [ "$rc" = 2 ] || check_failed "$name: exit $rc, expected 2"
    [ "$(wc -l <"$OUT/$name.err")" = 1 ] || check_failed "$name: $(wc -l <"$OUT/$name.err") lines on stderr, expected 1"
    grep -qF -- "$word" "$OUT/$name.err" || check_failed "$name: stderr does not name '$word'"
}

run_six json 41000 --json
run_six text 42000
run_term
run_idle
log "bad: a missing interface, a bad filter"
bad_usage nosuchdev nosuchdev0 -i nosuchdev0
bad_usage badfilter "tcp port 80 and and" -i vc tcp port 80 and and

elapsed=$(awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
if [ ${#FAILED[@]} = 0 ]; then
    log "passed in $elapsed s"
    exit 0
fi
if [ -z "${2:-}" ]; then # keep the outputs of a failure (the scratch folder goes)
    mv "$OUT" "/tmp/live-sniff-failed-$$"
    OUT=/tmp/live-sniff-failed-$$
fi
log "FAILED in $elapsed s (outputs in $OUT): ${FAILED[*]}"
exit 1
