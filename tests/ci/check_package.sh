#!/bin/sh
# check_package.sh - installs tcpstate from BUILD into a scratch prefix, then builds and tests
# tests/ci/consumer (find_package(tcpstate), tcpstate_add_capture_test, tcpstate_add_corpus_test,
# the library) against it. Every one of its tests must pass (two of them by failing).
#   check_package.sh REPO BUILD
set -eu
repo=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$repo/tests/ci/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
	-DSAMPLES="$repo/samples" -DBASELINES="$repo/tests/ci/baselines/samples" \
	-DCHANGED="$repo/tests/ci/three-conns-changed.pcap" >"$tmp/configure.log" 2>&1 ||
	{ cat "$tmp/configure.log"; exit 1; }
cmake --build "$tmp/consumer" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
cd "$tmp/consumer"
ctest --output-on-failure
# The corpus test wrote JUnit with one case per capture of samples/retrans.
n=$(grep -c '<testcase ' retrans.xml)
[ "$n" -eq 18 ] || { echo "retrans.xml has $n test cases, expected 18"; exit 1; }
[ "$(ctest -N | grep -c 'Test *#')" -eq 5 ] || { echo "expected 5 tests in the consumer"; exit 1; }
