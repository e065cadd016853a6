#!/usr/bin/python3
"""Layer-2 relay that forwards every Ethernet frame between two interfaces after a fixed delay.

Usage: relay.py IF1 IF2 DELAY_SECONDS READYFILE

Runs inside its own network namespace (make-real.sh); the kernel has no netem here, so this is
how the simultaneous-close sample gets a one-way delay long enough for two FINs to cross.
"""
import heapq
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main(argv):
    if1, if2, delay, ready = argv[1], argv[2], float(argv[3]), argv[4]
    socks = {}
    for name in (if1, if2):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        socks[name] = s
    other = {if1: socks[if2], if2: socks[if1]}
    by_fd = {s.fileno(): name for name, s in socks.items()}
    open(ready, "w").close()
    queue = []  # (due, seq, out_socket, frame)
    seq = 0
    while True:
        timeout = None
        if queue:
            timeout = max(0.0, queue[0][0] - time.monotonic())
        r, _, _ = select.select(list(socks.values()), [], [], timeout)
        now = time.monotonic()
        for s in r:
            frame, addr = s.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue
            heapq.heappush(queue, (now + delay, seq, other[by_fd[s.fileno()]], frame))
            seq += 1
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame = heapq.heappop(queue)
            out.send(frame)


if __name__ == "__main__":
    main(sys.argv)
