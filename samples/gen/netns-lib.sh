# netns-lib.sh - helpers shared by make-real.sh, make-paths.sh and make-retrans.sh (sourced, not run)

# Wire-sized segments in the capture: no TSO/GSO/GRO, and real checksums (tx off).
no_offload() { # ns ifname
    ip netns exec "$1" ethtool -K "$2" rx off tx off tso off gso off gro off >/dev/null 2>&1 ||
        ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null
}

# Waits up to 5 s for a link to be UP: the first connect must not race the link.
wait_up() { # ns ifname
    local _
    for _ in $(seq 1 100); do
        if ip -n "$1" -o link show "$2" | grep -q 'state UP'; then return 0; fi
        sleep 0.05
    done
    printf 'link %s in %s never came UP\n' "$2" "$1" >&2
    return 1
}

# Stops our background processes (pids given), then kills whatever still runs
# inside our own namespaces (we started it) and deletes them.
stop_and_del_netns() { # "pid..." ns...
    local p ns pids=$1
    shift
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    for ns in "$@"; do
        if ip netns pids "$ns" >/dev/null 2>&1; then
            for p in $(ip netns pids "$ns"); do kill -9 "$p" 2>/dev/null || true; done
            ip netns del "$ns" 2>/dev/null || true
        fi
    done
}

# The helpers below work on the client/relay/server layout of make-paths.sh and
# make-retrans.sh: namespaces $NSA (client, veth vc), $NSR (relay, rc and rd),
# $NSB (server, vd), addresses $CLI and $SRV, scratch folder $WORK, scenario
# $NAME, and the arrays BGPIDS and CAPPIDS of background processes.

# Waits up to 5 s for a file to appear (a helper's "ready" file).
wait_file() {
    local _
    for _ in $(seq 1 200); do
        [ -e "$1" ] && return 0
        sleep 0.025
    done
    die "timed out waiting for $1"
}

# Client -- relay -- server: namespaces and veths up, offloads off, IPv4
# only (no router solicitations, no IPv6 at all: the captures hold only our TCP).
relay_topology() {
    local ns
    for ns in "$NSA" "$NSB" "$NSR"; do
        ip netns add "$ns"
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    done
    ip link add vc netns "$NSA" type veth peer name rc netns "$NSR"
    ip link add vd netns "$NSB" type veth peer name rd netns "$NSR"
    ip -n "$NSA" addr add $CLI/24 dev vc
    ip -n "$NSB" addr add $SRV/24 dev vd
    no_offload "$NSA" vc; no_offload "$NSB" vd
    no_offload "$NSR" rc; no_offload "$NSR" rd
    for ns in "$NSA" "$NSB" "$NSR"; do ip -n "$ns" link set lo up; done
    ip -n "$NSA" link set vc up; ip -n "$NSB" link set vd up
    ip -n "$NSR" link set rc up; ip -n "$NSR" link set rd up
    wait_up "$NSA" vc; wait_up "$NSB" vd; wait_up "$NSR" rc; wait_up "$NSR" rd
}

# Static neighbours: no ARP through the relay, whose round trip would hold back
# the first segment of a scenario (and make two crossing SYNs wait for ARP).
static_neighbours() {
    local mac_a mac_b
    mac_b=$(ip -n "$NSB" -o link show vd | grep -o "link/ether [0-9a-f:]*" | cut -d" " -f2)
    mac_a=$(ip -n "$NSA" -o link show vc | grep -o "link/ether [0-9a-f:]*" | cut -d" " -f2)
    ip -n "$NSA" neigh replace $SRV lladdr "$mac_b" dev vc nud permanent
    ip -n "$NSB" neigh replace $CLI lladdr "$mac_a" dev vd nud permanent
}

# The relay is restarted for each scenario with that scenario's mode.
start_relay() { # mode
    stop_relay
    rm -f "$WORK/relay.ready"
    ip netns exec "$NSR" "$PY" "$GEN/relay.py" rc rd $DELAY "$1" "$WORK/relay.ready" \
        2>"$WORK/$NAME.relay" &
    RELAYPID=$!
    BGPIDS+=("$RELAYPID")
    wait_file "$WORK/relay.ready"
}

stop_relay() {
    if [ -n "$RELAYPID" ]; then
        kill "$RELAYPID" 2>/dev/null || true
        wait "$RELAYPID" 2>/dev/null || true
        RELAYPID=
    fi
}

# Starts tcpdump in a namespace and returns once it listens.
start_cap() { # ns ifname file
    local ns=$1 ifn=$2 file=$3 err
    err="$WORK/$(basename "$file").err"
    ip netns exec "$ns" tcpdump -Z root -i "$ifn" --immediate-mode -w "$file" tcp 2>"$err" &
    local pid=$!
    BGPIDS+=("$pid")
    CAPPIDS+=("$pid")
    local _
    for _ in $(seq 1 200); do
        grep -q 'listening on' "$err" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$err" >&2; die "tcpdump failed"; }
        sleep 0.025
    done
    die "tcpdump did not start"
}
