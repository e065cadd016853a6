#!/bin/bash
# rst_inject.sh - rst_not_from_endpoint against the Linux kernel, live (CTest kernel-rst-inject).
#
# Usage: rst_inject.sh TCPSTATE OUTDIR
#
# samples/gen/make-rst-inject.sh OUTDIR makes four connections between real sockets and injects
# a segment in the client's name towards the server after the client's first data: an exact RST
# (the server's kernel takes it, TcpEstabResets 1, and answers the client's next data with RST),
# an RST 100 bytes ahead (the kernel sends a challenge ACK and goes on), and a bare SYN with a new
# ISN (a challenge ACK again, TcpExtTCPSYNChallenge 1; TcpExtTCPChallengeACK 2 in all); then a
# SYN,ACK with a new ISN in the server's name towards the client (the client's kernel challenges
# it: its TcpExtTCPSYNChallenge 1 and TcpExtTCPChallengeACK 1). The
# generator checks those kernel facts; this script then checks tcpstate's reading of the fresh
# capture: both RSTs are rst_not_from_endpoint against the client, the first closes the server
# (rcv_rst at the RST) and the client (the server's answer), the second closes nothing (the
# connection ends with its FINs), the SYN is syn_new_isn and moves nothing (the client's next
# data is new data, the server closes passively), the server's answers to the second RST and to
# the SYN are the two challenge_acks the kernel counted, the SYN,ACK is syn_new_isn too and the
# client's answer to it the third challenge_ack (not an ack_of_unseen: the SYN,ACK moved none of
# the server's numbers), and nothing else is reported but the second RST's rst_not_exact.
#
# Exit 77 (CTest SKIP_RETURN_CODE) with the reason when the machine cannot do it.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TCPSTATE=$1
OUT=$2
skip() { printf 'rst_inject: skipped: %s\n' "$*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root"
for t in ip tcpdump nstat ethtool; do command -v "$t" >/dev/null || skip "no $t"; done
/usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "no python3-scapy"
ip netns add tcps-probe-$$ 2>/dev/null || skip "no network namespaces"
ip netns del tcps-probe-$$
rm -rf "$OUT" && mkdir -p "$OUT" || exit 1
timeout 60 bash "$HERE/../../samples/gen/make-rst-inject.sh" "$OUT" || { echo "rst_inject: the generator failed"; exit 1; }
got=$("$TCPSTATE" "$OUT/rst-inject.pcap") || { echo "rst_inject: tcpstate failed"; exit 1; }
fail=0
expect() { # expect PATTERN WHAT: one line of the report matches
    if ! grep -qE -- "$1" <<<"$got"; then echo "rst_inject: missing: $2"; fail=1; fi
}
expect '^conn 1 .*:7001 roles syn$' "connection 1 on port 7001"
expect '^  #[0-9]+ .*10\.79\.0\.1:[0-9]+ +! rst_not_from_endpoint \(warning, illegal\) in ESTABLISHED on snd_rst: RST at seq 4, then the endpoint went on sending at seq 4 in packet [0-9]+: ' "the exact RST disowned by the client's next data"
expect '^  #[0-9]+ .*10\.79\.0\.2:7001 +rcv_rst +ESTABLISHED → CLOSED$' "the server takes the exact RST"
expect '^  #[0-9]+ .*10\.79\.0\.1:[0-9]+ +rcv_rst +ESTABLISHED → CLOSED$' "the client closed by the server's answer"
expect '^  #[0-9]+ .*10\.79\.0\.1:[0-9]+ +! rst_not_from_endpoint \(warning, illegal\) in ESTABLISHED on snd_rst: RST at seq 104, then the endpoint went on sending at seq 4 in packet [0-9]+: ' "the RST ahead disowned by the client's next data"
expect '^  end \(capture ended, states as reached\): 10\.79\.0\.1:[0-9]+ TIME_WAIT, 10\.79\.0\.2:7002 CLOSED$' "the second connection closes with its FINs"
expect '^  #[0-9]+ .*10\.79\.0\.2:7002 +! challenge_ack \(info, network\) in ESTABLISHED on snd_ack: ack 4 answers the RST at seq 104 in packet [0-9]+: ' "the server's challenge ACK (TcpExtTCPChallengeACK 1)"
expect '^conn 3 .*:7003 roles syn$' "connection 3 on port 7003"
expect '^  #[0-9]+ .*10\.79\.0\.1:[0-9]+ +! syn_new_isn \(error, illegal\) in ESTABLISHED on snd_syn: SYN with ISN [0-9]+ while the connection.s ISN is [0-9]+ ' "the injected SYN"
expect '^  #[0-9]+ .*10\.79\.0\.2:7003 +! challenge_ack \(info, network\) in ESTABLISHED on snd_ack: ack 4 answers the SYN with ISN [0-9]+ in packet [0-9]+: ' "the server's challenge ACK to the SYN (TcpExtTCPSYNChallenge 1)"
expect '^  #[0-9]+ .*10\.79\.0\.2:7003 +rcv_fin +ESTABLISHED → CLOSE_WAIT$' "the server closes passively after the SYN"
expect '^  end \(capture ended, states as reached\): 10\.79\.0\.1:[0-9]+ TIME_WAIT, 10\.79\.0\.2:7003 CLOSED$' "the third connection closes with its FINs"
expect '^conn 4 .*:7004 roles syn$' "connection 4 on port 7004"
expect '^  #[0-9]+ .*10\.79\.0\.2:7004 +! syn_new_isn \(error, illegal\) in ESTABLISHED on snd_synack: SYN,ACK with ISN [0-9]+ while the connection.s ISN is [0-9]+ ' "the injected SYN,ACK"
expect '^  #[0-9]+ .*10\.79\.0\.1:[0-9]+ +! challenge_ack \(info, network\) in ESTABLISHED on snd_ack: ack 1 answers the SYN,ACK with ISN [0-9]+ in packet [0-9]+: ' "the client's challenge ACK to the SYN,ACK (its TcpExtTCPSYNChallenge 1)"
expect '^  end \(capture ended, states as reached\): 10\.79\.0\.1:[0-9]+ TIME_WAIT, 10\.79\.0\.2:7004 CLOSED$' "the fourth connection closes with its FINs"
expect '^  transitions 33, findings 8: syn_new_isn 2, rst_not_exact 1, rst_not_from_endpoint 2, challenge_ack 3$' "exactly these findings"
[ "$fail" = 0 ] || { printf '%s\n' "$got"; exit 1; }
echo "rst_inject: the kernel's four answers and tcpstate's reading agree"
