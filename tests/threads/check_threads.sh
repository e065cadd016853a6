#!/bin/sh
# The reader thread (captures of 4 MiB and more) and the writer thread
# (timelines formatted beside the analysis) change nothing: every output
# format gives the same bytes, errors and exit status as --one-thread, on a
# whole capture and on one cut mid-record.
# usage: check_threads.sh TCPSTATE GENCAP WORKDIR
set -eu
tcpstate=$1 gencap=$2 dir=$3
mkdir -p "$dir"
cap=$dir/threads.pcap
# 30,000 packets, 1,200 connections: about 16 MiB, past the 4 MiB from which
# both threads start (src/cli/run.c, READ_AHEAD_MIN_BYTES).
"$gencap" "$cap" 30000 1200 2>/dev/null
size=$(wc -c <"$cap")
if [ "$size" -lt 4194304 ]; then
	echo "FAIL: $cap is $size bytes, under the 4 MiB that starts the threads" >&2
	exit 1
fi
cut=$dir/threads-cut.pcap
head -c $((size / 2 + 7)) "$cap" >"$cut"

fails=0
for input in "$cap" "$cut"; do
	for args in "" "--json" "--stream" "--stream --json" "-tttt -S" "-tt --json" "-q" "-q --json" \
		"--fail-on warning" "--json --fail-on error"; do
		# shellcheck disable=SC2086 # args are words
		set +e
		"$tcpstate" $args "$input" >"$dir/a.out" 2>"$dir/a.err"
		ra=$?
		"$tcpstate" --one-thread $args "$input" >"$dir/b.out" 2>"$dir/b.err"
		rb=$?
		set -e
		if [ "$ra" != "$rb" ] || ! cmp -s "$dir/a.out" "$dir/b.out" || ! cmp -s "$dir/a.err" "$dir/b.err"; then
			echo "FAIL: tcpstate $args $(basename "$input"): threads differ from --one-thread (exit $ra vs $rb)" >&2
			diff "$dir/a.out" "$dir/b.out" | head -5 >&2 || true
			fails=$((fails + 1))
		else
			echo "ok: tcpstate $args $(basename "$input") (exit $ra, $(wc -c <"$dir/a.out") bytes)"
		fi
	done
done
[ "$fails" -eq 0 ]
