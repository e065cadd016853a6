# netns-lib.sh - helpers shared by make-real.sh and make-paths.sh (sourced, not run)

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
