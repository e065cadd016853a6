#!/usr/bin/python3
"""Client and server programs driven by make-retrans.sh (real kernel TCP through relay.py).

Usage:
  retrans_peer.py server ADDR PORT UP DOWN READYFILE INFOFILE [COUNT [ORDER]]
  retrans_peer.py client ADDR PORT UP DOWN BINDADDR BINDPORT INFOFILE [WAIT]

One exchange per connection, the same for every scenario (the relay's rules make the scenario):
the client sends UP bytes while the server sends DOWN bytes; with ORDER "both" (the default)
each end sends in a thread of its own, so the data flows both ways at once; with ORDER "respond"
the server reads the UP bytes before it sends (a request and its response: fewer timing
accidents, e.g. whether the server's ACK of the request goes before or after its data). Each end reads the other's bytes and waits until all it sent is
acknowledged, then records its counters (below); then the client shutdown(SHUT_WR)s, the server
reads that FIN and shutdown(SHUT_WR)s, and the client reads the server's FIN. So the client
closes first and no FIN goes before the data it follows has been delivered: a loss at the tail
of the data is a real tail loss (only a tail loss probe or the RTO repairs it).
WAIT (client, seconds, default 0) is a pause between connect() and the first byte: with the
handshake's final ACK dropped, the server retransmits its SYN-ACK meanwhile.

Both ends use MSS 1000 (TCP_MAXSEG before connect()/listen()): with timestamps, 988 bytes a
segment; and CUBIC (TCP_CONGESTION; an accepted socket inherits the listener's), whatever the
namespace's default. The server accepts COUNT (default 1) connections one after the other.

The counters: once all its data is acknowledged (tcpi_unacked 0), while the connection is
still ESTABLISHED (or CLOSE_WAIT) and so still listed by ss, each end appends one JSON line to
INFOFILE with the kernel's own counters from getsockopt(TCP_INFO) (the struct ss -ti prints:
total_retrans is the Y of its "retrans:X/Y") and, as a cross-check, the retrans field of
`ss -tin` run at that moment. Only the FINs come after: a FIN retransmission would be missing here
(make-retrans.sh drops no FIN). Exits non-zero if the exchange went wrong.
"""
import json
import socket
import struct
import subprocess
import sys
import threading
import time

MSS = 1000
CC = b"cubic"


def tcp_info(s):
    raw = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    u32 = lambda off: struct.unpack_from("I", raw, off)[0]  # noqa: E731
    u64 = lambda off: struct.unpack_from("Q", raw, off)[0]  # noqa: E731
    info = {
        "state": raw[0], "retransmits": raw[2], "unacked": u32(24), "lost": u32(32),
        "retrans": u32(36), "snd_mss": u32(16), "total_retrans": u32(100),
        "segs_out": u32(136), "data_segs_out": u32(156),
        "congestion": s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode(),
    }
    if len(raw) >= 224:
        info.update({"bytes_retrans": u64(208), "dsack_dups": u32(216), "reord_seen": u32(220)})
    if len(raw) >= 244:
        info["total_rto"] = struct.unpack_from("H", raw, 240)[0]
        info["total_rto_recoveries"] = struct.unpack_from("H", raw, 242)[0]
    return info


def ss_retrans(local, remote):
    """The Y of "retrans:X/Y" in `ss -tin` for this socket, or None (no such field: 0 retrans)."""
    run = subprocess.run(["ss", "-tinH", "src", "%s:%d" % local, "dst", "%s:%d" % remote],
                         capture_output=True, text=True, check=False)
    for word in run.stdout.split():
        if word.startswith("retrans:"):
            return int(word.split("/")[1])
    return 0 if run.stdout.strip() else None


def report(s, infofile, role):
    deadline = time.monotonic() + 5
    while tcp_info(s)["unacked"] and time.monotonic() < deadline:
        time.sleep(0.01)
    local, remote = s.getsockname(), s.getpeername()
    ss_total = ss_retrans(local, remote)
    info = tcp_info(s)
    info.update({"role": role, "local": "%s:%d" % local, "remote": "%s:%d" % remote,
                 "ss_total_retrans": ss_total})
    with open(infofile, "a") as f:
        f.write(json.dumps(info, sort_keys=True) + "\n")


def recv_exact(s, n):
    got = 0
    while got < n:
        chunk = s.recv(min(65536, n - got))
        if not chunk:
            raise SystemExit("peer closed after %d of %d bytes" % (got, n))
        got += len(chunk)


def recv_eof(s):
    if s.recv(1):
        raise SystemExit("data where EOF was expected")


def sender(s, n, fill):
    t = threading.Thread(target=s.sendall, args=(fill * n,))
    t.start()
    return t


def server(addr, port, up, down, ready, infofile, count=1, order="both"):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, MSS)
    ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, CC)
    ls.bind((addr, port))
    ls.listen(8)
    open(ready, "w").close()
    for _ in range(count):
        c, _peer = ls.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if order == "respond":
            recv_exact(c, up)
            sender(c, down, b"S").join()
        else:
            t = sender(c, down, b"S")
            recv_exact(c, up)
            t.join()
        report(c, infofile, "server")
        recv_eof(c)
        c.shutdown(socket.SHUT_WR)
        c.close()
    ls.close()


def client(addr, port, up, down, bind, infofile, wait=0.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, MSS)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, CC)
    s.bind(bind)
    s.connect((addr, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if wait:
        time.sleep(wait)
    t = sender(s, up, b"C")
    recv_exact(s, down)
    t.join()
    report(s, infofile, "client")
    s.shutdown(socket.SHUT_WR)
    recv_eof(s)
    s.close()


def main(argv):
    if argv[1] == "server":
        server(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), argv[6], argv[7],
               int(argv[8]) if len(argv) > 8 else 1, argv[9] if len(argv) > 9 else "both")
    elif argv[1] == "client":
        client(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), (argv[6], int(argv[7])), argv[8],
               float(argv[9]) if len(argv) > 9 else 0.0)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
