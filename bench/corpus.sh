#!/usr/bin/env bash
# bench/corpus.sh - `tcpstate corpus` over many small captures with one job and with two.
#
# Issue 6 asks that on this 2-CPU machine -j 2 take at most 0.6x the single-job time. One job
# is timed both ways: with the reader thread (the default for -j 1, which already keeps the
# second CPU partly busy) and with --one-thread (one CPU, the plain single-job cost).
#
# Environment (all optional):
#   TCPSTATE   binary (default build/tcpstate)   CAPTURES  captures to make (default 400)
#   BENCH_OUT  work directory (default bench/out) RUNS      hyperfine runs (default 10)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
out=${BENCH_OUT:-$here/out}
n=${CAPTURES:-400}
runs=${RUNS:-10}
tcpstate=${TCPSTATE:-build/tcpstate}
case $tcpstate in /*) ;; *) tcpstate=$root/$tcpstate ;; esac
command -v hyperfine >/dev/null || { echo "corpus.sh: hyperfine not found" >&2; exit 1; }
[ -x "$tcpstate" ] || { echo "corpus.sh: $tcpstate not built" >&2; exit 1; }
mkdir -p "$out"
[ -x "$out/gencap" ] && [ "$out/gencap" -nt "$here/gencap.c" ] || cc -O2 -o "$out/gencap" "$here/gencap.c" -lm

# Distinct small captures (gencap is deterministic for given sizes): 202 to 1,000 packets each.
dir=$out/corpus-$n
if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    for i in $(seq 1 "$n"); do
        "$out/gencap" "$dir/c$(printf %04d "$i").pcap" $((200 + 2 * i)) $((5 + i % 10)) 2>/dev/null
    done
    touch "$dir/.complete"
fi
echo "corpus: $n captures in $dir, $(du -sh "$dir" | cut -f1)"
cp "$tcpstate" "$out/tcpstate-corpus-under-test"
t=$out/tcpstate-corpus-under-test
hyperfine -N --warmup 1 --runs "$runs" --style basic --export-json "$out/corpus.json" \
    -n "j1-one-thread" "$t corpus -j 1 --one-thread $dir" \
    -n "j1" "$t corpus -j 1 $dir" \
    -n "j2" "$t corpus -j 2 $dir" >/dev/null
python3 - "$out/corpus.json" "$n" "$(nproc)" <<'PY' | tee "$out/corpus-results.md"
import json, sys
d = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
print(f"tcpstate corpus, {sys.argv[2]} captures, {sys.argv[3]} CPUs, hyperfine means (min)\n")
print("| run | mean [ms] | min [ms] | user+sys [ms] |")
print("|:---|---:|---:|---:|")
for k, r in d.items():
    print(f"| `{k}` | {r['mean']*1e3:.1f} ± {r['stddev']*1e3:.1f} | {min(r['times'])*1e3:.1f} | {(r['user']+r['system'])*1e3:.1f} |")
one, ra, two = d["j1-one-thread"], d["j1"], d["j2"]
print("\nj1-one-thread: `corpus -j 1 --one-thread`; j1: `corpus -j 1` (reader thread); j2: `corpus -j 2`")
print(f"\n-j 2 / -j 1 --one-thread: **{two['mean']/one['mean']:.2f}** on means, {min(two['times'])/min(one['times']):.2f} on minimums")
print(f"-j 2 / -j 1 (reader thread): **{two['mean']/ra['mean']:.2f}** on means, {min(two['times'])/min(ra['times']):.2f} on minimums (target <= 0.60)")
PY
