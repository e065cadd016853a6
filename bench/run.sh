#!/usr/bin/env bash
# bench/run.sh - time tcpstate against a bare libpcap read loop and tshark.
#
# Environment (all optional):
#   TCPSTATE     tcpstate binary (default: build/tcpstate; relative paths are
#                taken relative to the repository root)
#   BENCH_OUT    work directory (default: bench/out)
#   BENCH_CAP    an existing capture to time instead of bench/out's generated
#                one (nothing is generated; e.g. another worktree's file)
#   PACKETS      packets in the generated capture      (default: 650000)
#   CONNS        connections in the generated capture  (default: 25000)
#   RUNS         hyperfine runs for pcaploop/tcpstate  (default: 5)
#   TSHARK_RUNS  hyperfine runs for tshark             (default: 2; 0 skips it)
#   WARMUP       hyperfine warmup runs                 (default: 1)
#   ROUNDS       paired rounds: pcaploop, tcpstate, tcpstate -q in turn (default: 15; 0 skips)
#   CC, CFLAGS   compiler and flags                    (default: cc, -O2)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

out=${BENCH_OUT:-$here/out}
packets=${PACKETS:-650000}
conns=${CONNS:-25000}
runs=${RUNS:-5}
tshark_runs=${TSHARK_RUNS:-2}
rounds=${ROUNDS:-15}
warmup=${WARMUP:-1}
cc=${CC:-cc}
cflags=${CFLAGS:--O2}
tcpstate=${TCPSTATE:-build/tcpstate}
case $tcpstate in /*) ;; *) tcpstate=$root/$tcpstate ;; esac

mkdir -p "$out"
cap=${BENCH_CAP:-$out/bench-$packets-$conns.pcap}

say() { printf '\n== %s\n' "$*"; }
q() { printf '%q' "$1"; }

# ---------------------------------------------------------------- tools
command -v hyperfine >/dev/null || { echo "run.sh: hyperfine not found" >&2; exit 1; }
have_tshark=1
command -v tshark >/dev/null || { have_tshark=0; echo "run.sh: tshark not found, skipping it" >&2; }
((tshark_runs > 0)) || have_tshark=0 # TSHARK_RUNS=0: not timed
if [ ! -x /usr/bin/time ]; then
    echo "run.sh: /usr/bin/time missing, installing package 'time'" >&2
    if [ "$(id -u)" -eq 0 ]; then
        apt-get install -y time >/dev/null || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
    else
        sudo apt-get install -y time >/dev/null
    fi
fi

# ---------------------------------------------------------------- build
# Rebuild only when the source (or the flags) changed.
build() { # name libs...
    local name=$1; shift
    local bin=$out/$name src=$here/$name.c stamp=$out/.$name.flags
    if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$cc $cflags" ]; then
        echo "cc $cflags -o $bin $src $*"
        # shellcheck disable=SC2086
        $cc $cflags -o "$bin" "$src" "$@"
        echo "$cc $cflags" >"$stamp"
    fi
}
say "build"
build gencap -lm
build pcaploop -lpcap

# ---------------------------------------------------------------- capture
if [ -n "${BENCH_CAP:-}" ]; then
    [ -s "$cap" ] || { echo "run.sh: BENCH_CAP=$cap: no such capture" >&2; exit 1; }
    say "using $cap (BENCH_CAP)"
elif [ ! -s "$cap" ] || [ "$out/gencap" -nt "$cap" ]; then
    say "generating $cap"
    "$out/gencap" "$cap.tmp" "$packets" "$conns"
    mv "$cap.tmp" "$cap"
else
    say "reusing $cap"
fi
ls -l "$cap"

# ---------------------------------------------------------------- machine
mem=$(free -h | awk '/^Mem:/{print $2}')
model=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
machine="$(nproc) CPUs, ${model:-unknown CPU}, $mem RAM, Linux $(uname -r)"
libpcap=$(dpkg-query -W -f '${Version}' libpcap0.8 2>/dev/null || pkg-config --modversion libpcap 2>/dev/null || echo '?')
tsharkv=$( ((have_tshark)) && tshark --version 2>/dev/null | head -1 | sed 's/ (Git.*//' || echo 'n/a')
say "machine"
echo "nproc:    $(nproc)"
lscpu | grep 'Model name' || true
echo "memory:   $mem ($(awk '/MemTotal/{print $2 " kB"}' /proc/meminfo))"
echo "kernel:   $(uname -srm)"
echo "libpcap:  $libpcap; $tsharkv; $(hyperfine --version); $($cc --version | head -1)"

# ---------------------------------------------------------------- commands
names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
add pcaploop "$(q "$out/pcaploop") $(q "$cap")"
have_tcpstate=0 tcpstate_ver="not measured"
if [ -x "$tcpstate" ]; then
    have_tcpstate=1
    # time a private copy, so that a rebuild of build/tcpstate during the run
    # cannot change (or remove) the binary between hyperfine runs
    cp "$tcpstate" "$out/tcpstate-under-test"
    tcpstate_ver="$("$tcpstate" -V 2>/dev/null | head -1 || true), binary sha256 $(sha256sum "$tcpstate" | cut -c1-12)"
    echo "tcpstate: $tcpstate ($tcpstate_ver), copied to $out/tcpstate-under-test"
    tcpstate=$out/tcpstate-under-test
    add tcpstate "$(q "$tcpstate") $(q "$cap")"
    add "tcpstate -q" "$(q "$tcpstate") -q $(q "$cap")"
    # the same in one thread: what the analysis costs without the reader thread
    add "tcpstate --one-thread" "$(q "$tcpstate") --one-thread $(q "$cap")"
    add "tcpstate -q --one-thread" "$(q "$tcpstate") -q --one-thread $(q "$cap")"
else
    echo "run.sh: $tcpstate not found or not executable; timing without tcpstate" >&2
    echo "        (build it first, or set TCPSTATE=/path/to/tcpstate)" >&2
fi

say "sanity runs"
for i in "${!names[@]}"; do
    echo "\$ ${cmds[$i]}"
    case ${names[$i]} in
    "tcpstate -q"*) bash -c "${cmds[$i]}" ;;
    tcpstate*) bash -c "${cmds[$i]}" | tail -n 3 ;;
    *) bash -c "${cmds[$i]}" ;;
    esac
done

# ---------------------------------------------------------------- timing
hf=(hyperfine --warmup "$warmup" --style basic)
for i in "${!names[@]}"; do hf+=(-n "${names[$i]}" "${cmds[$i]}"); done
say "hyperfine (runs=$runs)"
"${hf[@]}" --runs "$runs" --export-json "$out/hf-main.json" --export-csv "$out/hf-main.csv" --export-markdown "$out/hf-main.md"

rm -f "$out"/hf-tshark.*
if ((have_tshark)); then
    tcmd="tshark -q -z conv,tcp -r $(q "$cap")"
    names+=(tshark) cmds+=("$tcmd")
    say "hyperfine tshark (runs=$tshark_runs)"
    hyperfine --warmup "$warmup" --style basic --runs "$tshark_runs" -n tshark "$tcmd" \
        --export-json "$out/hf-tshark.json" --export-csv "$out/hf-tshark.csv" --export-markdown "$out/hf-tshark.md"
fi

# ---------------------------------------------------------------- paired rounds
# hyperfine times each command's runs in a row, and on a shared host the load
# changes between one command's block and the next: the ratio of two blocks'
# means then moves by 10-30 %. Here every round runs pcaploop and each
# tcpstate command once, one after the other, and a command's ratio is taken
# within its round, so both sides of a ratio see the same load. Times come
# from bash's EPOCHREALTIME: no process is started around the command.
: >"$out/paired.tsv"
if ((have_tcpstate && rounds > 0)); then
    say "paired rounds (rounds=$rounds)"
    for ((r = 1; r <= rounds; r++)); do
        line=$r
        for i in 0 1 2; do # pcaploop, tcpstate, tcpstate -q
            t0=$EPOCHREALTIME
            bash -c "exec ${cmds[$i]}" >/dev/null 2>&1
            t1=$EPOCHREALTIME
            line+=$'\t'$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1e3 }')
        done
        printf '%s\n' "$line" >>"$out/paired.tsv"
        printf 'round %2d: %s\n' "$r" "${line#*$'\t'}"
    done
fi

# ---------------------------------------------------------------- peak RSS
say "peak RSS (/usr/bin/time -v)"
: >"$out/rss.tsv"
for i in "${!names[@]}"; do
    tf=$out/time-${names[$i]// /_}.txt
    /usr/bin/time -v -o "$tf" bash -c "exec ${cmds[$i]}" >/dev/null 2>&1
    kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tf")
    printf '%s\t%s\n' "${names[$i]}" "$kb" >>"$out/rss.tsv"
    printf '%-12s %8s kB\n' "${names[$i]}" "$kb"
done

# ---------------------------------------------------------------- report
say "results"
capsize=$(stat -c %s "$cap")
{
    echo "Machine: $machine"
    echo "Tools: libpcap $libpcap, $tsharkv, $(hyperfine --version), $($cc --version | head -1)"
    echo "tcpstate: $tcpstate_ver"
    if [ -n "${BENCH_CAP:-}" ]; then
        echo "Capture: $cap (BENCH_CAP), $("$out/pcaploop" "$cap" | cut -d' ' -f2) packets, $capsize bytes (page cache warm)"
    else
        echo "Capture: $(basename "$cap"), $packets packets, $conns connections, $capsize bytes (page cache warm)"
    fi
    echo
} >"$out/results.md"

csvs=("$out/hf-main.csv")
((have_tshark)) && csvs+=("$out/hf-tshark.csv")
# one table from hyperfine's CSV exports (command,mean,stddev,median,user,system,min,max)
# joined with the peak RSS figures
awk -F, -v OFS=' | ' -v main_runs="$runs" -v tshark_runs="$tshark_runs" '
    FILENAME ~ /rss\.tsv$/ { split($0, a, "\t"); rss[a[1]] = a[2]; next }
    FNR == 1 { runs = (FILENAME ~ /tshark/) ? tshark_runs : main_runs; next }
    { n++; cmd[n] = $1; mean[n] = $2; sd[n] = $3; mn[n] = $7; mx[n] = $8; nr[n] = runs; cpu[n] = $5 + $6
      if ($1 == "pcaploop") { base = $2; basemin = $7 } }
    END {
        print "| Command | Mean [ms] | Min [ms] | Max [ms] | CPU (user+sys) [ms] | Runs | Relative to pcaploop | Peak RSS [MiB] |"
        print "|:---|---:|---:|---:|---:|---:|---:|---:|"
        for (i = 1; i <= n; i++)
            printf "| `%s` | %.1f ± %.1f | %.1f | %.1f | %.1f | %d | %.2f | %.1f |\n", cmd[i], mean[i] * 1e3,
                sd[i] * 1e3, mn[i] * 1e3, mx[i] * 1e3, cpu[i] * 1e3, nr[i], mean[i] / base, rss[cmd[i]] / 1024
        print ""
        for (i = 1; i <= n; i++)
            if (cmd[i] ~ /^tcpstate/)
                printf "Ratio `%s` / `pcaploop`: **%.2f** on means, %.2f on minimums (target <= 2.00: %s)\n",
                    cmd[i], mean[i] / base, mn[i] / basemin, (mean[i] / base <= 2.0) ? "met" : "NOT met"
    }' "$out/rss.tsv" "${csvs[@]}" >>"$out/results.md"
((have_tcpstate)) || echo "tcpstate: not measured (binary not found)" >>"$out/results.md"
if [ -s "$out/paired.tsv" ]; then
    # per round: pcaploop, tcpstate, tcpstate -q [ms]; ratios within rounds
    sort -n "$out/paired.tsv" | awk -F'\t' '
        function median(a, n,   i, j, t) {
            for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        { n++; for (c = 2; c <= 4; c++) { t[c, n] = $c; s[c] += $c } r1[n] = $3 / $2; r2[n] = $4 / $2; m1 += r1[n]; m2 += r2[n] }
        END {
            print ""
            printf "Paired rounds (%d; each round runs the three in turn; ratios taken within a round):\n\n", n
            print "| Command | Median [ms] | Mean [ms] | Ratio to pcaploop, mean of rounds | median of rounds |"
            print "|:---|---:|---:|---:|---:|"
            split("pcaploop,tcpstate,tcpstate -q", name, ",")
            for (c = 2; c <= 4; c++) { for (i = 1; i <= n; i++) v[i] = t[c, i]; med[c] = median(v, n) }
            printf "| `pcaploop` | %.1f | %.1f | 1.00 | 1.00 |\n", med[2], s[2] / n
            for (i = 1; i <= n; i++) v[i] = r1[i]
            printf "| `tcpstate` | %.1f | %.1f | **%.2f** | %.2f |\n", med[3], s[3] / n, m1 / n, median(v, n)
            for (i = 1; i <= n; i++) v[i] = r2[i]
            printf "| `tcpstate -q` | %.1f | %.1f | **%.2f** | %.2f |\n", med[4], s[4] / n, m2 / n, median(v, n)
            printf "\nPaired ratio `tcpstate`: %.2f, `tcpstate -q`: %.2f (target <= 2.00: %s)\n", m1 / n, m2 / n,
                (m1 / n <= 2.0 && m2 / n <= 2.0) ? "met" : "NOT met"
        }' >>"$out/results.md"
fi
cat "$out/results.md"
echo
echo "(written to $out/results.md)"
