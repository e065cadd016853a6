#!/usr/bin/env bash
# bench/live.sh - live capture under load (issue 7): the benchmark capture replayed with
# `tcpreplay --topspeed` into a veth between two network namespaces, captured on the other end by
# `tcpdump -w /dev/null`, `tcpstate -q` and `tcpstate --json`, each RUNS times, with the same
# kernel buffer (-B). Prints, per run: the packets sent and tcpreplay's rate, what reached the
# capturing veth, and what each tool received and dropped (tcpdump's "packets ... by kernel"
# lines, tcpstate's capture_stats), and a summary table (also in bench/out/live-results.md).
#
# Needs root, network namespaces, veth, ethtool and tcpreplay (installed with apt-get when
# missing). Everything lives in namespaces tcplb-{s,c}-PID, removed on exit, INT and TERM.
#
# Environment (all optional):
#   TCPSTATE   tcpstate binary (default: build/tcpstate; relative to the repository root)
#   BENCH_CAP  the capture to replay (default: bench/out/bench-650000-25000.pcap, generated with
#              gencap as run.sh does when it is missing); it must be Ethernet (LINKTYPE 1)
#   BENCH_OUT  work directory (default: bench/out)
#   RUNS       runs of each tool (default: 3)
#   BUF_KIB    -B for both tools, KiB (default: 32768)
#   TOOLS      which of tcpdump, tcpstate-q, tcpstate-json (default: all three)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=../samples/gen/netns-lib.sh
. "$root/samples/gen/netns-lib.sh" # no_offload, wait_up, stop_and_del_netns

out=${BENCH_OUT:-$here/out}
runs=${RUNS:-3}
buf=${BUF_KIB:-32768}
tools=${TOOLS:-tcpdump tcpstate-q tcpstate-json}
tcpstate=${TCPSTATE:-build/tcpstate}
case $tcpstate in /*) ;; *) tcpstate=$root/$tcpstate ;; esac
mkdir -p "$out"
cap=${BENCH_CAP:-$out/bench-650000-25000.pcap}

die() { echo "live.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, veth, live capture)"
[ -x "$tcpstate" ] || die "no tcpstate at $tcpstate (build it, or set TCPSTATE)"
for t in ip ethtool tcpdump; do command -v "$t" >/dev/null || die "missing $t (./build.sh deps)"; done
if ! command -v tcpreplay >/dev/null; then
    echo "live.sh: installing tcpreplay" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tcpreplay >/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tcpreplay >/dev/null; }
fi

# ---------------------------------------------------------------- the capture
if [ ! -s "$cap" ]; then
    [ -z "${BENCH_CAP:-}" ] || die "BENCH_CAP=$cap: no such capture"
    echo "== generating $cap"
    cc -O2 -o "$out/gencap" "$here/gencap.c" -lm
    "$out/gencap" "$cap.tmp" 650000 25000
    mv "$cap.tmp" "$cap"
fi
# tcpreplay sends the frames as they are: only an Ethernet capture fits a veth
magic=$(od -An -tx4 -N4 "$cap" | tr -d ' ')
case $magic in
a1b2c3d4 | a1b23c4d) linktype=$(od -An -tu4 -j20 -N4 "$cap" | tr -d ' ') ;;
*) die "$cap: not a little-endian classic pcap (magic $magic)" ;;
esac
[ "$linktype" = 1 ] || die "$cap: link type $linktype, tcpreplay on a veth needs Ethernet (1)"
sent_expected=$("$tcpstate" -q "$cap" | sed -n 's/^totals: \([0-9]*\) packets.*/\1/p')
echo "== $cap: Ethernet, $sent_expected packets"

# ---------------------------------------------------------------- the veth
NSS=tcplb-s-$$
NSC=tcplb-c-$$
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_and_del_netns "" "$NSS" "$NSC"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for ns in $(ip netns list | awk '{print $1}' | grep -E '^tcplb-[sc]-[0-9]+$' || true); do
    kill -0 "${ns##*-}" 2>/dev/null || stop_and_del_netns "" "$ns"
done
for ns in "$NSS" "$NSC"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add vs netns "$NSS" mtu 9000 type veth peer name vr netns "$NSC" mtu 9000
no_offload "$NSS" vs
no_offload "$NSC" vr
ip -n "$NSS" link set vs up
ip -n "$NSC" link set vr up
wait_up "$NSS" vs
wait_up "$NSC" vr
ifindex=$(ip netns exec "$NSC" cat /sys/class/net/vr/ifindex)

# ---------------------------------------------------------------- one run
link_stat() { # ns dev field (rx_packets, rx_dropped, tx_packets, tx_dropped)
    ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo gone; }

# the capture's packet socket is bound to vr (/proc/net/packet of its namespace)
bound() { ip netns exec "$NSC" awk -v i="$ifindex" 'NR > 1 && $5 == i { f = 1 } END { exit !f }' /proc/net/packet; }

wait_for() { # seconds what command...
    local end=$((SECONDS + $1)) what=$2
    shift 2
    until "$@"; do
        [ "$SECONDS" -lt "$end" ] || die "timed out waiting for $what"
        sleep 0.05
    done
}

# the capturer has used no CPU for 1 s: it has read everything the kernel holds for it
drained() {
    local t0 t1 _
    t0=$(cpu_ticks "$pid")
    for _ in 1 2 3 4 5; do
        sleep 0.2
        t1=$(cpu_ticks "$pid")
        [ "$t1" = "$t0" ] || return 1
    done
}

results=$out/live-runs.tsv
: >"$results"
run_one() { # tool run
    local tool=$1 n=$2 log=$out/live-$1.log o=$out/live-$1.out
    local rx0 rxd0 txd0 replay sent pps secs rx rxd txd recv drop ifdrop analysed cpu
    case $tool in
    tcpdump) ip netns exec "$NSC" tcpdump -i vr -B "$buf" -w /dev/null >"$o" 2>"$log" & ;;
    tcpstate-q) ip netns exec "$NSC" "$tcpstate" -i vr -B "$buf" -q >"$o" 2>"$log" & ;;
    tcpstate-json) ip netns exec "$NSC" "$tcpstate" -i vr -B "$buf" --json >"$o" 2>"$log" & ;;
    esac
    pid=$!
    wait_for 10 "$tool to bind its packet socket" bound
    sleep 0.5 # its ring and filter are set up right after the bind
    rx0=$(link_stat "$NSC" vr rx_packets) rxd0=$(link_stat "$NSC" vr rx_dropped)
    txd0=$(link_stat "$NSS" vs tx_dropped)
    replay=$(ip netns exec "$NSS" tcpreplay --topspeed -i vs "$cap" 2>&1)
    sent=$(sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p' <<<"$replay")
    secs=$(sed -n 's/^Actual: .* sent in \([0-9.]*\) seconds.*/\1/p' <<<"$replay")
    pps=$(sed -n 's/^Rated: .*, \([0-9.]*\) pps.*/\1/p' <<<"$replay")
    [ -n "$sent" ] || { echo "$replay"; die "tcpreplay failed"; }
    wait_for 300 "$tool to read everything" drained
    cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f %.2f", ($14 + $15) / hz, $14 / hz }' "/proc/$pid/stat")
    rx=$(($(link_stat "$NSC" vr rx_packets) - rx0))
    rxd=$(($(link_stat "$NSC" vr rx_dropped) - rxd0))
    txd=$(($(link_stat "$NSS" vs tx_dropped) - txd0))
    kill -INT "$pid"
    wait "$pid" || die "$tool exited $? (see $log)"
    case $tool in
    tcpdump)
        analysed=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$log")
        recv=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter.*/\1/p' "$log")
        drop=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$log")
        ifdrop=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by interface.*/\1/p' "$log")
        ;;
    tcpstate-q)
        analysed=$(sed -n 's/^totals: \([0-9]*\) packets.*/\1/p' "$o")
        read -r recv drop ifdrop < <(grep '^capture: ' "$o" | sed 's/[^0-9 ]//g' | awk '{print $1, $2, $3}')
        ;;
    tcpstate-json)
        read -r analysed recv drop ifdrop < <(/usr/bin/python3 -c '
import json, sys
t = s = {}
for line in open(sys.argv[1]):
    if "\"totals\"" in line or "\"capture_stats\"" in line:
        r = json.loads(line)
        if r["kind"] == "totals": t = r
        if r["kind"] == "capture_stats": s = r
print(t.get("packets"), s.get("received"), s.get("dropped"), s.get("if_dropped"))' "$o")
        ;;
    esac
    printf '%-14s run %d: sent %s in %s s (%s pps), veth rx %s (rx_dropped %s, tx_dropped %s); received %s, dropped %s, if_dropped %s, analysed %s; cpu %s s (user %s)\n' \
        "$tool" "$n" "$sent" "$secs" "$pps" "$rx" "$rxd" "$txd" "$recv" "$drop" "${ifdrop:--}" "$analysed" ${cpu}
    [ "$tool" != tcpstate-q ] || grep '^capture: ' "$o" | sed 's/^/               /'
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$sent" "$pps" "$rx" "$recv" "$drop" "$analysed" "${cpu% *}" "$secs" >>"$results"
    [ "$tool" != tcpstate-json ] || echo "               (JSON output: $(stat -c %s "$o") bytes)"
    rm -f "$o"
}

echo "== machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), Linux $(uname -r)"
echo "== $("$tcpstate" -V 2>/dev/null | head -1); $(tcpdump --version 2>&1 | head -1); $(tcpreplay -V 2>&1 | head -1)"
echo "== -B $buf KiB, $runs runs each: $tools"
for n in $(seq 1 "$runs"); do
    for tool in $tools; do run_one "$tool" "$n"; done
done

# ---------------------------------------------------------------- summary
{
    echo "Live capture, $(date -u +%Y-%m-%d): $(basename "$cap") ($sent_expected packets) replayed with"
    echo "tcpreplay --topspeed over a veth, -B $buf KiB, $runs runs each; $(nproc) CPUs, Linux $(uname -r)."
    echo
    echo "| tool | runs | sent | tcpreplay pps (mean) | received (min) | dropped (min / max) | analysed (min) | CPU s (mean) |"
    echo "|:---|---:|---:|---:|---:|---:|---:|---:|"
    awk -F'\t' '
        { t = $1; if (!(t in n)) order[++k] = t; n[t]++; sent[t] = $2; pps[t] += $3
          if (!(t in rmin) || $5 < rmin[t]) rmin[t] = $5
          if (!(t in dmin) || $6 < dmin[t]) dmin[t] = $6
          if (!(t in dmax) || $6 > dmax[t]) dmax[t] = $6
          if (!(t in amin) || $7 < amin[t]) amin[t] = $7
          cpu[t] += $8 }
        END { for (i = 1; i <= k; i++) { t = order[i]
            printf "| `%s` | %d | %d | %.0f | %d | %d / %d | %d | %.2f |\n", t, n[t], sent[t], pps[t] / n[t],
                rmin[t], dmin[t], dmax[t], amin[t], cpu[t] / n[t] } }' "$results"
} >"$out/live-results.md"
echo
cat "$out/live-results.md"
echo
echo "(written to $out/live-results.md)"
