#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Responders for the test bed: one process, bound to its own address (never
0.0.0.0: see DESIGN.md), always listening.

usage: responder.py udp ADDR PORT [REPLY]   answer each datagram (echo without REPLY)
       responder.py tcp ADDR PORT REPLY     send REPLY on every connection

The TCP side answers at once, then reads until the client closes, so that an
unread request never turns the close into a reset (curl and socat -u both work)."""
import socket
import sys
import threading


def serve_udp(s: socket.socket, reply) -> None:
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(reply if reply is not None else data, peer)


def answer(conn: socket.socket, reply: bytes) -> None:
    with conn:
        conn.settimeout(5)
        try:
            conn.sendall(reply)
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(4096):
                pass
        except OSError:
            pass


def serve_tcp(s: socket.socket, reply: bytes) -> None:
    s.listen(64)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=answer, args=(conn, reply), daemon=True).start()


def main() -> int:
    if len(sys.argv) not in (4, 5) or sys.argv[1] not in ("udp", "tcp") or \
            (sys.argv[1] == "tcp" and len(sys.argv) != 5):
        print(__doc__, file=sys.stderr)
        return 2
    kind, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    reply = (sys.argv[4] + "\n").encode() if len(sys.argv) == 5 else None
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        if kind == "udp":
            serve_udp(s, reply)
        else:
            serve_tcp(s, reply)
    return 0


if __name__ == "__main__":
    sys.exit(main())
