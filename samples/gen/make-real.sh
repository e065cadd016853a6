#!/bin/bash
# Produce the real-traffic sample captures in samples/ from genuine Linux kernel TCP traffic.
#
# Needs root, network namespaces, veth, tcpdump, ethtool, editcap/mergecap (wireshark-common)
# and /usr/bin/python3. Everything happens inside private namespaces named tcps-*-$$ that are
# always removed on exit; no address outside those namespaces is touched.
#
# Topology:
#   ns A (client) va 10.77.0.1/24 fd77::1/64  <-veth->  vb 10.77.0.2/24 fd77::2/64 ns B (server)
#   ns A          vc 10.77.1.1/24  <-veth-> rc [ns R: relay.py, 50 ms each way] rd <-veth-> vd 10.77.1.2/24 ns B
#
# Usage: make-real.sh [OUTDIR]   (default: the samples/ folder next to this script)
set -euo pipefail

GEN=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns-lib.sh
. "$GEN/netns-lib.sh"
OUT=$(cd "${1:-$GEN/..}" && pwd)
PY=/usr/bin/python3
PEER="$GEN/peer.py"
NSA=tcps-a-$$
NSB=tcps-b-$$
NSR=tcps-r-$$
WORK=$(mktemp -d /tmp/tcps-real.XXXXXX)
BGPIDS=()

log() { printf '%s\n' "$*" >&2; }
die() { log "make-real: $*"; exit 1; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_and_del_netns "${BGPIDS[*]:-}" "$NSA" "$NSB" "$NSR"
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in tcpdump ethtool editcap mergecap capinfos ip timeout; do
    command -v "$tool" >/dev/null || { log "missing tool: $tool"; exit 1; }
done
[ "$(id -u)" = 0 ] || { log "must run as root"; exit 1; }

inA() { ip netns exec "$NSA" "$@"; }
inR() { ip netns exec "$NSR" "$@"; }

quiet_ns() {
    # no router solicitations, no IPv6 on links that carry no address of ours
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
        net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0
}

# no_offload, wait_up and wait_file come from netns-lib.sh

setup() {
    ip netns add "$NSA"
    ip netns add "$NSB"
    ip netns add "$NSR"
    quiet_ns "$NSA"; quiet_ns "$NSB"; quiet_ns "$NSR"
    inR sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    # direct pair
    ip link add va netns "$NSA" type veth peer name vb netns "$NSB"
    # relayed path A:vc <-> R:rc ... R:rd <-> B:vd
    ip link add vc netns "$NSA" type veth peer name rc netns "$NSR"
    ip link add vd netns "$NSB" type veth peer name rd netns "$NSR"
    ip -n "$NSA" addr add 10.77.0.1/24 dev va
    ip -n "$NSB" addr add 10.77.0.2/24 dev vb
    ip -n "$NSA" addr add fd77::1/64 dev va nodad
    ip -n "$NSB" addr add fd77::2/64 dev vb nodad
    ip -n "$NSA" addr add 10.77.1.1/24 dev vc
    ip -n "$NSB" addr add 10.77.1.2/24 dev vd
    no_offload "$NSA" va; no_offload "$NSB" vb
    no_offload "$NSA" vc; no_offload "$NSB" vd
    no_offload "$NSR" rc; no_offload "$NSR" rd
    local ns
    for ns in "$NSA" "$NSB" "$NSR"; do ip -n "$ns" link set lo up; done
    ip -n "$NSA" link set va up; ip -n "$NSB" link set vb up
    ip -n "$NSA" link set vc up; ip -n "$NSB" link set vd up
    ip -n "$NSR" link set rc up; ip -n "$NSR" link set rd up
    wait_up "$NSA" va; wait_up "$NSB" vb
    wait_up "$NSA" vc; wait_up "$NSB" vd; wait_up "$NSR" rc; wait_up "$NSR" rd
    # relay with 50 ms one-way delay
    rm -f "$WORK/relay.ready"
    ip netns exec "$NSR" "$PY" "$GEN/relay.py" rc rd 0.05 pass "$WORK/relay.ready" &
    BGPIDS+=($!)
    wait_file "$WORK/relay.ready"
}


# --- captures --------------------------------------------------------------------------
CAPPIDS=()
start_cap() { # ns ifname file [tcpdump args...] ; filter is always appended: tcp
    local ns=$1 ifn=$2 file=$3
    shift 3
    local err
    err="$WORK/$(basename "$file").err"
    ip netns exec "$ns" tcpdump -Z root -i "$ifn" --immediate-mode -w "$file" "$@" tcp 2>"$err" &
    local pid=$!
    BGPIDS+=("$pid")
    CAPPIDS+=("$pid")
    local _
    for _ in $(seq 1 200); do
        grep -q 'listening on' "$err" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$err" >&2; log "tcpdump failed"; exit 1; }
        sleep 0.025
    done
    log "tcpdump did not start"; exit 1
}

stop_caps() {
    sleep 0.3
    local p
    for p in "${CAPPIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
    for p in "${CAPPIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    CAPPIDS=()
}

# --- traffic ----------------------------------------------------------------------------
SRVPIDS=()
start_server() { # scenario addr port
    local ready="$WORK/srv.$3.ready"
    rm -f "$ready"
    ip netns exec "$NSB" timeout 30 "$PY" "$PEER" server "$1" "$2" "$3" "$ready" &
    SRVPIDS+=($!)
    BGPIDS+=($!)
    wait_file "$ready"
}

wait_servers() {
    local p
    for p in "${SRVPIDS[@]}"; do wait "$p"; done
    SRVPIDS=()
}

client() { # scenario addr port [bindaddr bindport]
    inA timeout 30 "$PY" "$PEER" client "$@"
}

# one connection between A and B captured on va (A's end)
# every scenario uses its own client port so that no SYN reuses a tuple left in TIME_WAIT
simple() { # outfile scenario family client-port [tcpdump args...]
    local out=$1 scen=$2 fam=$3 cport=$4
    shift 4
    local srv=10.77.0.2 cli=10.77.0.1
    if [ "$fam" = 6 ]; then srv=fd77::2; cli=fd77::1; fi
    start_cap "$NSA" va "$WORK/$out" "$@"
    if [ "$scen" != closed-port ]; then start_server "$scen" "$srv" 8080; fi
    client "$scen" "$srv" 8080 "$cli" "$cport"
    wait_servers
    stop_caps
}

first_fin_from() { # file expected-source-address
    local src
    src=$(tcpdump -nr "$WORK/$1" 'tcp[tcpflags] & tcp-fin != 0 or ip6[53] & 1 != 0' 2>/dev/null |
        head -1 | awk '{print $3}')
    case "$src" in
    "$2".*) log "  $1: first FIN from $2" ;;
    *) log "$1: first FIN from '$src', expected $2"; exit 1 ;;
    esac
}

expect() { # file "tcpdump filter" description
    if [ -z "$(tcpdump -nr "$WORK/$1" "$2" 2>/dev/null | head -1)" ]; then
        log "$1: no packet matches '$2' ($3)"; exit 1
    fi
}

check_count() { # file expected-minimum
    local n
    n=$(tcpdump -nr "$WORK/$1" 2>/dev/null | wc -l)
    if [ "$n" -lt "$2" ]; then log "$1: only $n packets (expected >= $2)"; exit 1; fi
    log "  $1: $n packets"
}

setup
log "namespaces $NSA $NSB $NSR ready"

log "handshake-close"
simple handshake-close.pcap client-first 4 40001
check_count handshake-close.pcap 9
first_fin_from handshake-close.pcap 10.77.0.1

log "server-close"
simple server-close.pcap server-first 4 40002
check_count server-close.pcap 9
first_fin_from server-close.pcap 10.77.0.2

log "ipv6"
simple ipv6.pcap client-first 6 40003
check_count ipv6.pcap 9
first_fin_from ipv6.pcap fd77::1

log "three-conns"
simple three-conns.pcap three 4 40011
check_count three-conns.pcap 27

log "rst-closed-port"
simple rst-closed-port.pcap closed-port 4 40004
check_count rst-closed-port.pcap 2
expect rst-closed-port.pcap 'src host 10.77.0.2 and tcp[tcpflags] & (tcp-rst|tcp-ack) == (tcp-rst|tcp-ack)' "RST/ACK from the server"

log "linger-rst"
simple linger-rst.pcap linger 4 40005
check_count linger-rst.pcap 6
expect linger-rst.pcap 'src host 10.77.0.1 and tcp[tcpflags] & tcp-rst != 0' "RST from the client"
[ -z "$(tcpdump -nr "$WORK/linger-rst.pcap" 'tcp[tcpflags] & tcp-fin != 0' 2>/dev/null)" ] ||
    { log "linger-rst.pcap: has a FIN"; exit 1; }

log "sll / sll2"
start_cap "$NSA" any "$WORK/sll.pcap" -y LINUX_SLL
start_server client-first 10.77.0.2 8080
client client-first 10.77.0.2 8080 10.77.0.1 40006
wait_servers
stop_caps
check_count sll.pcap 9
start_cap "$NSA" any "$WORK/sll2.pcap" -y LINUX_SLL2
start_server client-first 10.77.0.2 8080
client client-first 10.77.0.2 8080 10.77.0.1 40007
wait_servers
stop_caps
check_count sll2.pcap 9

log "nano"
simple nano.pcap client-first 4 40008 --time-stamp-precision=nano
check_count nano.pcap 9
# the same packets again, as pcapng (if_tsresol 9): tcpdump/libpcap cannot write pcapng
editcap -F pcapng "$WORK/nano.pcap" "$WORK/nano.pcapng"
check_count nano.pcapng 9

log "snaplen-cut"
simple snaplen-cut.pcap bulk 4 40009 -s 80
check_count snaplen-cut.pcap 9

log "multi-if"
# connection 1 (port 8080) is captured on va in A, connection 2 (port 8081) on vb in B:
# two interfaces, each connection seen on exactly one of them, interleaved in time.
start_cap "$NSA" va "$WORK/mi-a.pcap" port 8080 and
start_cap "$NSB" vb "$WORK/mi-b.pcap" port 8081 and
start_cap "$NSB" any "$WORK/mi-any.pcap" -y LINUX_SLL port 8081 and
start_server client-first 10.77.0.2 8080
start_server client-first 10.77.0.2 8081
client client-first 10.77.0.2 8080 10.77.0.1 40021 &
c1=$!
sleep 0.1
client client-first 10.77.0.2 8081 10.77.0.1 40022
wait "$c1"
wait_servers
stop_caps
mergecap -F pcapng -I none -w "$WORK/multi-if-same.pcapng" "$WORK/mi-a.pcap" "$WORK/mi-b.pcap"
mergecap -F pcapng -I none -w "$WORK/multi-if-mixed.pcapng" "$WORK/mi-a.pcap" "$WORK/mi-any.pcap"
check_count multi-if-same.pcapng 18
# libpcap 1.10 refuses this one ("an interface has a type 113 different from ..."): count with capinfos
[ "$(capinfos -Mc "$WORK/multi-if-mixed.pcapng" | awk "/Number of packets/ {print \$NF}")" -ge 18 ] || { log "multi-if-mixed.pcapng: too few packets"; exit 1; }
[ "$(capinfos -I "$WORK/multi-if-same.pcapng" | grep -c "Interface #")" = 2 ] || { log "multi-if-same.pcapng: IDBs were merged"; exit 1; }

log "simultaneous-close (via the 50 ms relay)"
ok=
for attempt in 1 2 3 4 5; do
    start_cap "$NSA" vc "$WORK/simultaneous-close.pcap"
    start_server simul 10.77.1.2 8080
    client simul 10.77.1.2 8080 10.77.1.1 $((40030 + attempt))
    wait_servers
    stop_caps
    # the FINs crossed if neither side's first FIN acknowledges the other side's FIN
    if "$PY" "$GEN/check_crossed.py" "$WORK/simultaneous-close.pcap"; then ok=1; break; fi
    log "  attempt $attempt: FINs did not cross, retrying"
    sleep 1
done
[ -n "$ok" ] || { log "could not make FINs cross"; exit 1; }
check_count simultaneous-close.pcap 10

for f in handshake-close.pcap server-close.pcap ipv6.pcap three-conns.pcap rst-closed-port.pcap \
    linger-rst.pcap sll.pcap sll2.pcap nano.pcap nano.pcapng snaplen-cut.pcap \
    multi-if-same.pcapng multi-if-mixed.pcapng simultaneous-close.pcap; do
    cp "$WORK/$f" "$OUT/$f"
    chmod 644 "$OUT/$f"
done
gzip -n -9 -c "$OUT/handshake-close.pcap" >"$OUT/handshake-close.pcap.gz"
log "real captures written to $OUT"
