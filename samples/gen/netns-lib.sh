# netns-lib.sh - helpers shared by the make-*.sh generators that use namespaces (sourced, not run)

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

# Two namespaces joined by one veth, va in $1 and vb in $2, with addresses
# $3 and $4 (/24), links and loopbacks up, offloads off (make-paws.sh,
# make-rst-inject.sh).
veth_pair() { # nsa nsb addr_a addr_b
    ip netns add "$1"
    ip netns add "$2"
    ip link add va netns "$1" type veth peer name vb netns "$2"
    ip -n "$1" addr add "$3/24" dev va
    ip -n "$2" addr add "$4/24" dev vb
    ip -n "$1" link set lo up
    ip -n "$2" link set lo up
    ip -n "$1" link set va up
    ip -n "$2" link set vb up
    no_offload "$1" va
    no_offload "$2" vb
    wait_up "$1" va
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
# $NAME, the arrays BGPIDS and CAPPIDS of background processes and CAPFILES of
# the captures being written, and functions log and die.

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
# only (no router solicitations, no IPv6 at all: the captures hold only our TCP),
# unless $CLI6 and $SRV6 are set: then vc and vd (only) also get those IPv6
# addresses (no duplicate address detection: usable at once).
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
    if [ -n "${CLI6:-}" ]; then
        ip netns exec "$NSA" sysctl -qw net.ipv6.conf.vc.disable_ipv6=0
        ip netns exec "$NSB" sysctl -qw net.ipv6.conf.vd.disable_ipv6=0
        ip -n "$NSA" addr add "$CLI6/64" dev vc nodad
        ip -n "$NSB" addr add "$SRV6/64" dev vd nodad
    fi
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
    if [ -n "${CLI6:-}" ]; then
        ip -n "$NSA" neigh replace "$SRV6" lladdr "$mac_b" dev vc nud permanent
        ip -n "$NSB" neigh replace "$CLI6" lladdr "$mac_a" dev vd nud permanent
    fi
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
    CAPFILES+=("$file")
    local _
    for _ in $(seq 1 200); do
        grep -q 'listening on' "$err" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$err" >&2; die "tcpdump failed"; }
        sleep 0.025
    done
    die "tcpdump did not start"
}

# Stops the captures started with start_cap (SIGINT: tcpdump writes everything out) and fails if
# one of them lost packets.
stop_caps() {
    sleep "${CAP_LINGER:-0.3}" # the last segments through the relay
    local p f
    for p in "${CAPPIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
    for p in "${CAPPIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    CAPPIDS=()
    for f in "${CAPFILES[@]}"; do
        grep -q '^0 packets dropped by kernel' "$f.err" || { cat "$f.err" >&2; die "$f: tcpdump lost packets"; }
    done
    CAPFILES=()
}

# --- tracing ------------------------------------------------------------------------------------
# A private tracing instance (instances/NAME) has its own buffer, event switches, filters and
# clock, so the system's own tracing is left as it was; removing the directory undoes everything.
# The clock is tai (CLOCK_TAI: wall-clock time plus a whole number of seconds, 0 unless set),
# which the *_kernel.py scripts map to the captures' wall-clock times.
TRACEFS=/sys/kernel/tracing
INST=
MOUNTED_TRACEFS=
TRACE_EVENTS=

# Why live tracing cannot work here, or nothing (status 0) when it can.
tracing_unavailable() { # events...
    local ev
    if [ ! -d "$TRACEFS/events" ] && ! grep -qw tracefs /proc/filesystems 2>/dev/null; then
        echo "the kernel has no tracefs"
        return 0
    fi
    if [ -d "$TRACEFS/events" ]; then
        for ev in "$@"; do
            [ -d "$TRACEFS/events/$ev" ] || { echo "tracefs has no $ev event"; return 0; }
        done
    fi
    return 1
}

start_tracing() { # instance-name "filter" events...
    local name=$1 filter=$2 ev
    shift 2
    if [ ! -d "$TRACEFS/events" ]; then
        mount -t tracefs nodev "$TRACEFS" || die "cannot mount tracefs on $TRACEFS"
        MOUNTED_TRACEFS=1
    fi
    for ev in "$@"; do [ -d "$TRACEFS/events/$ev" ] || die "no $ev event"; done
    INST="$TRACEFS/instances/$name"
    mkdir "$INST"
    TRACE_EVENTS="$*"
    echo 0 >"$INST/tracing_on"
    echo tai >"$INST/trace_clock"
    echo 1024 >"$INST/buffer_size_kb"
    for ev in "$@"; do
        echo "$filter" >"$INST/events/$ev/filter"
        echo 1 >"$INST/events/$ev/enable"
    done
    echo 1 >"$INST/tracing_on"
}

trace_clear() { : >"$INST/trace"; }

stop_tracing() {
    local ev
    if [ -n "$INST" ] && [ -d "$INST" ]; then
        echo 0 >"$INST/tracing_on" 2>/dev/null || true
        for ev in $TRACE_EVENTS; do echo 0 >"$INST/events/$ev/enable" 2>/dev/null || true; done
        rmdir "$INST" 2>/dev/null || log "could not remove tracing instance $INST"
    fi
    INST=
    if [ -n "$MOUNTED_TRACEFS" ]; then umount "$TRACEFS" 2>/dev/null || true; fi
    MOUNTED_TRACEFS=
}

# The EXIT trap of make-paths.sh and make-retrans.sh: every process, namespace and the tracing
# instance they made goes, also on Ctrl-C or TERM (the INT and TERM traps exit, which runs it).
cleanup_all() {
    local rc=$?
    trap - EXIT INT TERM
    stop_and_del_netns "${BGPIDS[*]:-}" "$NSA" "$NSB" "$NSR"
    stop_tracing
    if [ -n "${KEEP:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    exit "$rc"
}

install_cleanup_traps() {
    trap cleanup_all EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
