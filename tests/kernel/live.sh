#!/bin/bash
# live.sh - tcpstate against the Linux kernel, live: real connections now, the kernel's own
# record of them, and tcpstate's reconstruction of each capture compared with it (CTest kernel-live).
#
# Usage: live.sh TCPSTATE OUTDIR
#
# 1. samples/gen/make-paths.sh OUTDIR/paths: 24 scenarios (handshakes, closes, resets, timers,
#    reuse, Fast Open, keep-alive, zero window, accept queue, IPv6), each captured at both ends
#    (NAME.pcap at the client's veth, NAME-server.pcap at the server's), with NAME.kernel (each
#    socket's states from sock:inet_sock_set_state) and NAME.retrans (each endpoint's
#    retransmissions from tcp:tcp_retransmit_skb and tcp:tcp_retransmit_synack).
# 2. samples/gen/make-retrans.sh OUTDIR/retrans: 9 scenarios of loss, reordering and duplication
#    at both ends, with NAME.retrans.
# 3. check_paths.py on OUTDIR/paths (states, both captures), check_retrans.py on both folders
#    (retransmission counts, both captures). Any difference fails the test.
# The two generators own their namespaces, processes and tracing instances and remove them on
# exit, INT and TERM; this script stops them with TERM on its own INT/TERM or after its deadline
# (LIVE_DEADLINE seconds each, default 150), and first removes what an earlier run killed with
# SIGKILL left behind (namespaces tcpp-*/tcpr-* and tracing instances whose process is gone).
#
# Exit 77 (CTest SKIP_RETURN_CODE) with the reason when the machine cannot do it: not root, no
# network namespaces or veth, no tracefs or no such events, a tool missing (./build.sh deps
# installs them all).
#
# TCPS_LIVE_CAPTURES=DIR: check TCPSTATE against the captures of an earlier complete run in DIR
# instead of making new ones (./build.sh test: the sanitized build re-checks the plain build's
# live captures of the same run).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$HERE/../../samples/gen
PY=/usr/bin/python3
TCPSTATE=${1:?usage: live.sh TCPSTATE OUTDIR}
OUT=${2:?usage: live.sh TCPSTATE OUTDIR}
DEADLINE=${LIVE_DEADLINE:-150}
CHILD=
START=$(date +%s.%N)

skip() {
    printf 'kernel-live: SKIPPED: %s\n' "$*"
    exit 77
}

elapsed() { "$PY" -c "import sys, time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$START"; }

check() { # the comparisons, on the folder $1
    local rc=0
    echo "== states per endpoint, both vantage points (check_paths.py $1/paths)"
    "$PY" "$HERE/check_paths.py" "$TCPSTATE" "$1/paths" || rc=1
    echo "== retransmissions per endpoint, both vantage points (check_retrans.py $1/paths)"
    "$PY" "$HERE/check_retrans.py" "$TCPSTATE" "$1/paths" || rc=1
    echo "== retransmissions per endpoint, both vantage points (check_retrans.py $1/retrans)"
    "$PY" "$HERE/check_retrans.py" "$TCPSTATE" "$1/retrans" || rc=1
    return $rc
}

if [ -n "${TCPS_LIVE_CAPTURES:-}" ]; then
    [ -e "$TCPS_LIVE_CAPTURES/complete" ] ||
        { echo "kernel-live: no complete live run in $TCPS_LIVE_CAPTURES"; exit 1; }
    echo "kernel-live: checking $TCPSTATE against the live captures in $TCPS_LIVE_CAPTURES"
    check "$TCPS_LIVE_CAPTURES"
    rc=$?
    echo "kernel-live: $( [ $rc = 0 ] && echo passed || echo FAILED ) in $(elapsed) s"
    exit $rc
fi

# a run that is skipped or fails leaves no earlier run's captures behind as if they were its own
rm -rf "$OUT"

# --- can this machine do it? -----------------------------------------------------------------
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, veth, tracefs)"
for tool in ip tcpdump ethtool nstat ss timeout sysctl; do
    command -v "$tool" >/dev/null || skip "missing $tool (./build.sh deps installs it)"
done
"$PY" -c 'import scapy' 2>/dev/null || skip "$PY has no scapy (python3-scapy; ./build.sh deps installs it)"
probe=tcplive-probe-$$
ip netns add "$probe" 2>/dev/null || skip "cannot create a network namespace"
if ! ip -n "$probe" link add p0 type veth peer name p1 2>/dev/null; then
    ip netns del "$probe"
    skip "no veth pairs"
fi
ip netns del "$probe"
tmnt=$(mktemp -d /tmp/tcplive-tracefs.XXXXXX)
why=
if mount -t tracefs nodev "$tmnt" 2>/dev/null; then
    for ev in sock/inet_sock_set_state tcp/tcp_retransmit_skb tcp/tcp_retransmit_synack; do
        [ -d "$tmnt/events/$ev" ] || why="tracefs has no $ev event"
    done
    umount "$tmnt"
else
    why="cannot mount tracefs"
fi
rmdir "$tmnt"
[ -z "$why" ] || skip "$why"

# --- leftovers of a run killed with SIGKILL (no trap ran) ---------------------------------------
tracefs=/sys/kernel/tracing
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^tcp[pr]-[abr]-[0-9]+$'); do
    if ! kill -0 "${ns##*-}" 2>/dev/null; then
        echo "kernel-live: removing namespace $ns of a dead run"
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    fi
done
if [ -d "$tracefs/instances" ]; then
    for inst in "$tracefs"/instances/tcp[pr]-*; do
        [ -d "$inst" ] || continue
        if ! kill -0 "${inst##*-}" 2>/dev/null; then
            echo "kernel-live: removing tracing instance $inst of a dead run"
            echo 0 >"$inst/tracing_on"
            rmdir "$inst" 2>/dev/null
        fi
    done
fi

# --- the run -----------------------------------------------------------------------------------
stop_child() {
    if [ -n "$CHILD" ]; then
        kill -TERM "$CHILD" 2>/dev/null
        wait "$CHILD" 2>/dev/null
        CHILD=
    fi
}
trap 'stop_child' EXIT
trap 'stop_child; exit 130' INT
trap 'stop_child; exit 143' TERM

mkdir -p "$OUT"
run_gen() { # script folder
    local t0 rc
    t0=$(date +%s)
    # in the background, so that a trapped signal is handled at once (wait is interruptible)
    timeout -s TERM "$DEADLINE" "$GEN/$1" "$OUT/$2" >"$OUT/$2.log" 2>&1 &
    CHILD=$!
    wait "$CHILD"
    rc=$?
    CHILD=
    echo "kernel-live: $1 $( [ $rc = 0 ] && echo done || echo "FAILED (exit $rc)" ) in $(($(date +%s) - t0)) s"
    if [ $rc != 0 ]; then
        tail -n 30 "$OUT/$2.log"
        [ $rc = 124 ] && echo "kernel-live: $1 did not finish within $DEADLINE s"
        exit 1
    fi
}
run_gen make-paths.sh paths
run_gen make-retrans.sh retrans
touch "$OUT/complete"

check "$OUT"
rc=$?
echo "kernel-live: $( [ $rc = 0 ] && echo passed || echo FAILED ) in $(elapsed) s (captures and kernel records in $OUT)"
exit $rc
