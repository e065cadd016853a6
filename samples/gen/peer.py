#!/usr/bin/python3
"""Client and server programs driven by make-real.sh to produce real kernel TCP traffic.

Usage:
  peer.py server SCENARIO ADDR PORT READYFILE
  peer.py client SCENARIO ADDR PORT [BINDADDR BINDPORT]

Scenarios:
  client-first  request/response, then the client closes first, the server closes ~0.2 s later
  server-first  request/response, then the server closes first, the client closes ~0.2 s later
  linger        request/response, then the client closes with SO_LINGER {1, 0} -> RST
  closed-port   (client only) connect to a port nobody listens on -> SYN, RST/ACK
  bulk          the client sends 4000 bytes, the server answers with 2000, client closes first
  three         three connections opened 1,2,3; data on 2,3,1; closed 3,1,2 (client side)
  simul         request/response, then both sides call shutdown(SHUT_WR) at the same
                absolute instant (the server picks it and sends it in the response);
                used with a delaying relay so that the FINs cross on the wire
"""
import socket
import sys
import threading
import time

REQUEST = b"GET /hello HTTP/1.0\r\n\r\n"
RESPONSE = b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def recv_until_eof(s, expect_reset=False):
    """Reads to the end. A reset is an error, unless expect_reset: True requires
    one, "allow" takes it like an end."""
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        if not expect_reset:
            raise
        return data
    if expect_reset is True:
        raise SystemExit("expected a reset, got EOF")
    return data


def spin_until(t):
    # sleep most of the way, then spin so both processes leave within microseconds
    while True:
        left = t - time.time()
        if left <= 0:
            return
        if left > 0.005:
            time.sleep(left - 0.004)


# ---------------------------------------------------------------- server side
def serve_one(c, scenario):
    if scenario == "bulk":
        recv_exact(c, 4000)
        c.sendall(b"R" * 2000)
        recv_until_eof(c, expect_reset="allow")
        time.sleep(0.2)
        c.close()
        return
    req = recv_exact(c, len(REQUEST))
    assert req == REQUEST, req
    if scenario == "simul":
        t = time.time() + 0.3
        c.sendall(("%.6f\n" % t).encode().rjust(24, b" "))
        spin_until(t)
        c.shutdown(socket.SHUT_WR)
        recv_until_eof(c, expect_reset="allow")
        c.close()
        return
    c.sendall(RESPONSE)
    if scenario == "server-first":
        time.sleep(0.05)
        c.close()
        return
    # client-first, linger, three: wait for the client's FIN (or RST), then close
    recv_until_eof(c, expect_reset="allow")
    time.sleep(0.2)
    c.close()


def server(scenario, addr, port, ready):
    ls = socket.socket(family_of(addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)
    open(ready, "w").close()
    count = 3 if scenario == "three" else 1
    threads = []
    for _ in range(count):
        c, _peer = ls.accept()
        t = threading.Thread(target=serve_one, args=(c, scenario))
        t.start()
        threads.append(t)
    ls.close()
    for t in threads:
        t.join()


# ---------------------------------------------------------------- client side
def connect(addr, port, bind):
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    if bind:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(bind)
    s.connect((addr, port))
    return s


def client(scenario, addr, port, bind):
    if scenario == "closed-port":
        try:
            connect(addr, port, bind)
        except ConnectionRefusedError:
            return
        raise SystemExit("connect to a closed port succeeded?")
    if scenario == "three":
        socks = []
        for i in range(3):
            b = (bind[0], bind[1] + i) if bind else None
            socks.append(connect(addr, port, b))
            time.sleep(0.05)
        for i in (1, 2, 0):
            socks[i].sendall(REQUEST)
            assert recv_exact(socks[i], len(RESPONSE)) == RESPONSE
            time.sleep(0.05)
        for i in (2, 0, 1):
            socks[i].close()
            time.sleep(0.05)
        time.sleep(0.4)  # let the server's FINs arrive while we are still here
        return
    s = connect(addr, port, bind)
    if scenario == "bulk":
        s.sendall(b"Q" * 4000)
        recv_exact(s, 2000)
        s.close()
        return
    s.sendall(REQUEST)
    if scenario == "simul":
        t = float(recv_exact(s, 24).decode())
        spin_until(t)
        s.shutdown(socket.SHUT_WR)
        recv_until_eof(s, expect_reset="allow")
        s.close()
        return
    if scenario == "server-first":
        data = recv_until_eof(s, expect_reset="allow")
        assert data == RESPONSE, data
        time.sleep(0.2)
        s.close()
        return
    assert recv_exact(s, len(RESPONSE)) == RESPONSE
    if scenario == "linger":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()


def main(argv):
    role, scenario, addr, port = argv[1], argv[2], argv[3], int(argv[4])
    if role == "server":
        server(scenario, addr, port, argv[5])
    elif role == "client":
        bind = (argv[5], int(argv[6])) if len(argv) > 6 else None
        client(scenario, addr, port, bind)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
