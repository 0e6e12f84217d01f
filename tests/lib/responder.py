#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A UDP responder for the test bed: one process, one socket bound to its
own address (never 0.0.0.0: see DESIGN.md), always listening.
usage: udp_echo.py ADDR PORT [REPLY]   (no REPLY: echo each datagram)"""
import socket
import sys


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    addr, port = sys.argv[1], int(sys.argv[2])
    reply = (sys.argv[3] + "\n").encode() if len(sys.argv) == 4 else None
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.bind((addr, port))
        while True:
            data, peer = s.recvfrom(65535)
            s.sendto(reply if reply is not None else data, peer)


if __name__ == "__main__":
    sys.exit(main())
