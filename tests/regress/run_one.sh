#!/bin/sh
# run_one.sh - runs tcpstate on one capture and compares with the golden file.
#   run_one.sh TCPSTATE REPO NAME CAPTURE [OPTIONS...]
# CAPTURE "stdin:PATH" feeds PATH on standard input as "-"; "none" passes no
# capture (the options name it, e.g. with -r and a filter). The golden file
# holds stdout, then stderr, then the exit status. TCPS_UPDATE=1 rewrites it
# (review the diff before committing, as tcpdump's update-test.sh asks).
set -u
bin=$1 repo=$2 name=$3 capture=$4
shift 4
cd "$repo" || exit 1
expected="tests/regress/expected/$name.out"
actual=$(mktemp)
err=$(mktemp)
trap 'rm -f "$actual" "$err"' EXIT
export TZ=UTC LC_ALL=C
case "$capture" in
stdin:*) "$bin" "$@" - <"${capture#stdin:}" >"$actual" 2>"$err"; rc=$? ;;
none) "$bin" "$@" >"$actual" 2>"$err" </dev/null; rc=$? ;;
*) "$bin" "$@" "$capture" >"$actual" 2>"$err"; rc=$? ;;
esac
{ echo "--- stderr"; cat "$err"; echo "--- exit $rc"; } >>"$actual"
if [ "${TCPS_UPDATE:-0}" = 1 ]; then
	cp "$actual" "$expected"
	echo "updated $expected"
	exit 0
fi
if [ ! -f "$expected" ]; then
	echo "missing golden file $expected (run with TCPS_UPDATE=1 to create it)"
	exit 1
fi
diff -u "$expected" "$actual" && exit 0
echo "FAIL: $name differs from $expected"
exit 1
