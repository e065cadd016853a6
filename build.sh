#!/bin/sh
# build.sh - one command from a fresh Debian machine to a working tcpstate.
#
#   ./build.sh demo   install what is missing, build, analyse samples/handshake-close.pcap
#   ./build.sh test   install what is missing, build plain and sanitized, run every test
#   ./build.sh deps   only install what is missing
#
# Packages come from Debian only; the list below is the whole of what the
# project needs to build and test.
set -eu
cd "$(dirname "$0")"

BUILD_PKGS="gcc make cmake pkg-config libpcap-dev libcunit1-dev zlib1g-dev libxxhash-dev"
# tcpdump, ethtool, iproute2 (ip, ss, nstat), procps (sysctl) and python3-scapy: the live kernel
# test (tests/kernel/live.sh), which is skipped where it cannot run (no root, namespaces or tracefs).
TEST_PKGS="python3 gzip tcpdump ethtool iproute2 procps python3-scapy"

install_missing() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "build.sh: installing:$missing"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
}

jobs=$(nproc 2>/dev/null || echo 2)

build() { # dir, extra cmake args...
	dir=$1
	shift
	cmake -S . -B "$dir" "$@" >/dev/null
	cmake --build "$dir" -j "$jobs"
}

case "${1:-}" in
deps)
	install_missing $BUILD_PKGS $TEST_PKGS
	;;
demo)
	install_missing $BUILD_PKGS
	build build -DCMAKE_BUILD_TYPE=Release -DTCPS_BUILD_TESTS=OFF
	./build/tcpstate samples/handshake-close.pcap
	;;
test)
	install_missing $BUILD_PKGS $TEST_PKGS
	# Plain build, warnings as errors, then the same suite under ASan+UBSan.
	build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTCPS_WERROR=ON -DTCPS_BUILD_TESTS=ON
	(cd build && ctest --output-on-failure -j "$jobs")
	build build-asan -DCMAKE_BUILD_TYPE=Debug -DTCPS_WERROR=ON -DTCPS_SANITIZE=ON -DTCPS_BUILD_TESTS=ON
	# kernel-live checks the sanitized tcpstate against the plain run's live captures (when it
	# made them) instead of making them again: the kernel's behaviour does not depend on the build.
	live=""
	[ -e build/tests/kernel-live/complete ] && live="$PWD/build/tests/kernel-live"
	(cd build-asan && TCPS_LIVE_CAPTURES=$live ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j "$jobs")
	# The reader and writer threads under ThreadSanitizer: the unit suites
	# 'source', 'source_fast' and 'report_thread', and the regress tests, among them
	# threads-equal (a 16 MiB capture, so both threads run).
	build build-tsan -DCMAKE_BUILD_TYPE=Debug -DTCPS_WERROR=ON -DTCPS_TSAN=ON -DTCPS_BUILD_TESTS=ON
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 ./build-tsan/tests/unit_tests source source_fast report_thread
	(cd build-tsan && TSAN_OPTIONS=halt_on_error=1:exitcode=66 ctest --output-on-failure -j "$jobs" -L 'regress|ci')
	;;
*)
	echo "usage: ./build.sh demo|test|deps" >&2
	exit 2
	;;
esac
