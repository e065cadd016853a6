#!/usr/bin/python3
"""Client and server programs driven by make-paths.sh (real kernel TCP, one scenario each).

Usage:
  paths_peer.py server SCENARIO ADDR PORT READYFILE
  paths_peer.py client SCENARIO ADDR PORT BINDADDR BINDPORT
  paths_peer.py simopen a|b LOCALADDR LOCALPORT PEERADDR PEERPORT START_TIME

Every client binds a fixed port (so the outputs are stable), every peer exits non-zero if the
kernel did not do what the scenario needs (the shell script then fails loudly).

Scenarios (client and server side of each; see make-paths.sh for the relay mode they run with):
  normal         request/response, client closes first, server closes 0.2 s after the client's FIN
  syn-unanswered (client only) connect() times out: the relay drops every SYN
  late-data      the client waits 1.5 s before its request (its handshake ACK was dropped, so the
                 server retransmits its SYN-ACK meanwhile), then as normal
  half-close     client sends a request and shutdown(SHUT_WR); the server then sends 5 segments
                 0.1 s apart, then closes; the client reads to EOF and closes
  fast-open      two connections (BINDPORT, BINDPORT+1) with sendto(MSG_FASTOPEN): the first gets
                 the cookie, the second carries the request in its SYN and the server answers
                 at once (before the client's final ACK arrives)
  midstream      three request/response exchanges 0.05 s apart, then as normal
  rst-est        request/response, then 0.3 s later the server closes with SO_LINGER {1,0} (RST)
  rst-close-wait request/response, the client shutdown(SHUT_WR)s (FIN); 0.2 s later the server
                 closes with SO_LINGER {1,0} from CLOSE_WAIT (RST); the client then close()s
  unread         the client sends a request the server never reads; the server close()s 0.3 s
                 after accept (RST because of the unread data)
  reuse-client   normal, then after 0.8 s (> tcp_tw_reuse_delay) a second normal connection from
                 the same client port while the first one's TIME_WAIT is still there
  reuse-server   the server closes first (server TIME_WAIT); 0.5 s later the client connects
                 again from the same port and the server's TIME_WAIT accepts the SYN; normal
  crossing-fin   request/response, then both shutdown(SHUT_WR) at the same absolute instant
                 (the server picks it and sends it in its response)
  server-close   request/response, the server closes first; the client closes 0.2 s after EOF
  closed-port    (client only) nothing listens: the SYN gets an RST/ACK, connect() is refused
  accept-full    the server listens with backlog 0 and accepts nothing until 1.5 s after its
                 queue holds the first connection (BINDPORT); meanwhile the second connection's
                 (BINDPORT+1) SYNs find the accept queue full and are dropped unanswered; its SYN
                 of 2 s gets through; then normal on both
  zero-window    the server (SO_RCVBUF 2048) reads nothing for 1.5 s while the client sends
                 30000 bytes: the window closes and the client sends window probes; then the
                 server reads everything and answers; normal close
  keepalive      request/response, then the client idles 2.6 s with keep-alive on (idle 1 s,
                 interval 1 s): two probes, both answered; then normal
  keepalive-timeout  the same, 2 probes allowed, but the relay drops them (drop-probe): the
                 client's keep-alive times out and it sends an RST
  fin-wait2-timeout  request/response, the client close()s with TCP_LINGER2 1 s (its orphaned
                 FIN_WAIT_2 lasts ~1 s, at least 3.5 RTO); the server stays in CLOSE_WAIT 3 s,
                 then closes: its FIN meets no socket and gets an RST
All scenarios work over IPv4 or IPv6 (by the addresses given).
"""
import select
import socket
import struct
import sys
import time

# The exchange and the helpers make-real.sh's peer uses (same folder, on sys.path).
from peer import REQUEST, RESPONSE, family_of, recv_exact, recv_until_eof, spin_until

LINGER0 = struct.pack("ii", 1, 0)
ZW_BYTES = 30000
MSG_FASTOPEN = 0x20000000
TCP_FASTOPEN = 23


def nodelay(s):
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


# ---------------------------------------------------------------- server side
def serve_one(c, scenario, index):
    nodelay(c)
    if scenario == "zero-window":
        time.sleep(1.5)  # the client fills our small buffer and probes the zero window
        assert recv_exact(c, ZW_BYTES) == b"z" * ZW_BYTES
        c.sendall(RESPONSE)
        recv_until_eof(c)
        time.sleep(0.2)
        c.close()
        return
    if scenario == "unread":
        time.sleep(0.3)  # the request has arrived by now and is never read
        c.close()
        return
    if scenario == "midstream":
        for _ in range(3):
            assert recv_exact(c, len(REQUEST)) == REQUEST
            c.sendall(RESPONSE)
        recv_until_eof(c)
        time.sleep(0.2)
        c.close()
        return
    assert recv_exact(c, len(REQUEST)) == REQUEST
    if scenario == "crossing-fin":
        t = time.time() + 0.3
        c.sendall(("%.6f\n" % t).encode().rjust(24, b" "))
        spin_until(t)
        c.shutdown(socket.SHUT_WR)
        recv_until_eof(c)
        c.close()
        return
    if scenario == "half-close":
        recv_until_eof(c)  # the client's FIN: from now on only we send
        for i in range(5):
            c.sendall(bytes([0x30 + i]) * 100)
            time.sleep(0.1)
        c.close()
        return
    c.sendall(RESPONSE)
    if scenario == "rst-est":
        time.sleep(0.3)  # after the client's ACK of the response (one 100 ms round trip)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
        c.close()
        return
    if scenario == "server-close":
        time.sleep(0.05)
        c.close()  # server first
        return
    if scenario == "keepalive-timeout":
        recv_until_eof(c, expect_reset=True)  # the client's RST when its keep-alive times out
        c.close()
        return
    if scenario == "fin-wait2-timeout":
        recv_until_eof(c)  # the client's FIN; we stay in CLOSE_WAIT
        time.sleep(3)  # the client's orphaned FIN_WAIT_2 (~1 s) is gone by now
        c.close()
        return
    if scenario == "reuse-server" and index == 0:
        time.sleep(0.05)
        c.close()  # server first: its end goes to TIME_WAIT
        return
    recv_until_eof(c)  # the client's FIN
    time.sleep(0.2)
    if scenario == "rst-close-wait":
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
    c.close()


def server(scenario, addr, port, ready):
    ls = socket.socket(family_of(addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if scenario == "fast-open":
        ls.setsockopt(socket.IPPROTO_TCP, TCP_FASTOPEN, 16)
    if scenario == "zero-window":
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # accepted sockets inherit it
    ls.bind((addr, port))
    ls.listen(0 if scenario == "accept-full" else 16)
    open(ready, "w").close()
    if scenario == "accept-full":
        # the first connection is in the accept queue once the listener is readable: from then on
        # the queue is full (backlog 0) and SYNs are dropped; 1.5 s later we empty it
        select.select([ls], [], [], 10)
        time.sleep(1.5)
    count = 2 if scenario in ("fast-open", "reuse-client", "reuse-server", "accept-full") else 1
    # one connection at a time: in every scenario the second starts after the first ended
    for i in range(count):
        c, _peer = ls.accept()
        serve_one(c, scenario, i)
    ls.close()


# ---------------------------------------------------------------- client side
def bound_socket(bind):
    s = socket.socket(family_of(bind[0]), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(bind)
    return s


def connect(addr, port, bind):
    s = bound_socket(bind)
    s.connect((addr, port))
    nodelay(s)
    return s


def normal_client(addr, port, bind):
    s = connect(addr, port, bind)
    s.sendall(REQUEST)
    assert recv_exact(s, len(RESPONSE)) == RESPONSE
    s.close()
    time.sleep(0.5)  # stay until the server's FIN has come and been answered


def client(scenario, addr, port, bind):
    if scenario == "closed-port":
        try:
            connect(addr, port, bind)
        except ConnectionRefusedError:
            return
        raise SystemExit("connect to a closed port succeeded")
    if scenario == "accept-full":
        s1 = connect(addr, port, bind)
        s1.sendall(REQUEST)
        s2 = bound_socket((bind[0], bind[1] + 1))
        s2.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, 4)  # SYNs at 0, 1, 2, 3 s
        t0 = time.monotonic()
        s2.connect((addr, port))
        if time.monotonic() - t0 < 0.9:
            raise SystemExit("the second connection was not held up by the full accept queue")
        nodelay(s2)
        s2.sendall(REQUEST)
        for s in (s1, s2):
            assert recv_exact(s, len(RESPONSE)) == RESPONSE
            s.close()
        time.sleep(0.5)
        return
    if scenario == "zero-window":
        s = connect(addr, port, bind)
        s.sendall(b"z" * ZW_BYTES)  # blocks while the window is closed
        assert recv_exact(s, len(RESPONSE)) == RESPONSE
        s.close()
        time.sleep(0.5)
        return
    if scenario in ("keepalive", "keepalive-timeout"):
        s = connect(addr, port, bind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 2)
        s.sendall(REQUEST)
        assert recv_exact(s, len(RESPONSE)) == RESPONSE
        if scenario == "keepalive":
            time.sleep(2.6)  # probes at ~1.1 and ~2.1 s, each answered
            s.close()
            time.sleep(0.5)
            return
        try:  # probes at ~1 and ~2 s, dropped: at ~3 s the kernel gives up and sends an RST
            s.recv(1)
        except TimeoutError:
            return
        raise SystemExit("the keep-alive did not time out")
    if scenario == "fin-wait2-timeout":
        s = connect(addr, port, bind)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_LINGER2, 1)
        s.sendall(REQUEST)
        assert recv_exact(s, len(RESPONSE)) == RESPONSE
        s.close()  # orphaned: FIN_WAIT_2 ends ~1 s after the server's ACK, without a trace
        return
    if scenario == "server-close":
        s = connect(addr, port, bind)
        s.sendall(REQUEST)
        assert recv_until_eof(s) == RESPONSE
        time.sleep(0.2)
        s.close()
        time.sleep(0.2)
        return
    if scenario == "syn-unanswered":
        s = bound_socket(bind)
        try:
            s.connect((addr, port))
        except (TimeoutError, socket.timeout):
            return
        raise SystemExit("connect succeeded although every SYN was dropped")
    if scenario == "fast-open":
        for i in range(2):
            s = bound_socket((bind[0], bind[1] + i))
            nodelay(s)
            if i == 1:
                # delayed-ACK ("pingpong") mode: the SYN-ACK is not acknowledged at once, so the
                # server's answer, sent right after its SYN-ACK, reaches us (and the client-side
                # capture) before our final ACK, which then acknowledges both
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 0)
            # no cookie yet (i == 0): the kernel sends a SYN with a cookie request and the data
            # after the handshake; with the cookie (i == 1) the request rides on the SYN
            s.sendto(REQUEST, MSG_FASTOPEN, (addr, port))
            assert recv_exact(s, len(RESPONSE)) == RESPONSE
            s.close()
            time.sleep(0.5)
        return
    if scenario in ("reuse-client", "reuse-server"):
        if scenario == "reuse-client":
            normal_client(addr, port, bind)  # we close first: our end is in TIME_WAIT
            time.sleep(0.3)  # TIME_WAIT began ~0.5 s ago: > tcp_tw_reuse_delay (set to 0.1 s)
        else:
            s = connect(addr, port, bind)
            s.sendall(REQUEST)
            assert recv_until_eof(s) == RESPONSE  # the server closes first
            time.sleep(0.05)
            s.close()
            time.sleep(0.5)
        normal_client(addr, port, bind)  # same port: the 4-tuple of the first connection
        return
    s = connect(addr, port, bind)
    if scenario == "late-data":
        time.sleep(1.5)  # the server retransmits its SYN-ACK (1 s) while we are ESTABLISHED
    if scenario == "midstream":
        for _ in range(3):
            s.sendall(REQUEST)
            assert recv_exact(s, len(RESPONSE)) == RESPONSE
            time.sleep(0.05)
        s.close()
        time.sleep(0.5)
        return
    s.sendall(REQUEST)
    if scenario == "unread":
        recv_until_eof(s, expect_reset=True)
        s.close()
        return
    if scenario == "half-close":
        s.shutdown(socket.SHUT_WR)
        data = recv_until_eof(s)
        assert len(data) == 500, len(data)
        s.close()
        return
    if scenario == "crossing-fin":
        t = float(recv_exact(s, 24).decode())
        spin_until(t)
        s.shutdown(socket.SHUT_WR)
        recv_until_eof(s)
        s.close()
        return
    assert recv_exact(s, len(RESPONSE)) == RESPONSE
    if scenario == "rst-est":
        recv_until_eof(s, expect_reset=True)
        s.close()
        return
    if scenario == "rst-close-wait":
        # shutdown, not close: the socket stays a full FIN_WAIT_2 socket until the RST
        # (a close()d one would be handed to a timewait socket at once, out of the tracepoint's view)
        s.shutdown(socket.SHUT_WR)
        recv_until_eof(s, expect_reset=True)
        s.close()
        return
    s.close()  # normal, late-data: client closes first
    time.sleep(0.5)


def simopen(side, local, peer, start):
    """Both ends bind and connect() to each other at the same instant: the SYNs cross."""
    s = bound_socket(local)
    spin_until(start)
    s.connect(peer)
    nodelay(s)
    if side == "a":
        s.sendall(REQUEST)
        assert recv_exact(s, len(RESPONSE)) == RESPONSE
        s.close()  # a closes first
        time.sleep(0.5)
    else:
        assert recv_exact(s, len(REQUEST)) == REQUEST
        s.sendall(RESPONSE)
        recv_until_eof(s)
        time.sleep(0.2)
        s.close()


def main(argv):
    role = argv[1]
    if role == "server":
        server(argv[2], argv[3], int(argv[4]), argv[5])
    elif role == "client":
        client(argv[2], argv[3], int(argv[4]), (argv[5], int(argv[6])))
    elif role == "simopen":
        simopen(argv[2], (argv[3], int(argv[4])), (argv[5], int(argv[6])), float(argv[7]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
