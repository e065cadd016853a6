#!/usr/bin/python3
"""The connection that live-sniff (tests/live/sniff.sh) leaves open: one request and its response,
then both ends stay ESTABLISHED, silent, until they are killed (after tcpstate has stopped).
The other scenarios are samples/gen/peer.py's.

Usage:
  sniff_peer.py server ADDR PORT READYFILE
  sniff_peer.py client ADDR PORT BINDADDR BINDPORT READYFILE

READYFILE appears when the end is ready: the server listens; the client has its response.
"""
import os
import signal
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples", "gen"))
from peer import REQUEST, RESPONSE, connect, family_of, recv_exact, recv_until_eof  # noqa: E402


def main(argv):
    if argv[1:2] == ["server"] and len(argv) == 5:
        addr, port, ready = argv[2], int(argv[3]), argv[4]
        ls = socket.socket(family_of(addr), socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, port))
        ls.listen(1)
        open(ready, "w").close()
        c, _peer = ls.accept()
        ls.close()
        assert recv_exact(c, len(REQUEST)) == REQUEST
        c.sendall(RESPONSE)
        recv_until_eof(c, expect_reset="allow")  # until killed
    elif argv[1:2] == ["client"] and len(argv) == 7:
        addr, port, bind, ready = argv[2], int(argv[3]), (argv[4], int(argv[5])), argv[6]
        s = connect(addr, port, bind)
        s.sendall(REQUEST)
        assert recv_exact(s, len(RESPONSE)) == RESPONSE
        open(ready, "w").close()
        while True:  # until killed
            signal.pause()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
