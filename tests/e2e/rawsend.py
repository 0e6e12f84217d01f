#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Send hand-built Ethernet/IPv4/UDP frames on an interface through an
AF_PACKET socket: no routing, no socket option, no netfilter OUTPUT.

usage: rawsend.py [--qdisc-bypass] IFNAME DST_MAC SRC_IP DST_IP DST_PORT [COUNT]

--qdisc-bypass sets PACKET_QDISC_BYPASS: the frame skips tc egress, so no
egress filter can stop it (a known limit, see DESIGN.md).

Prints what the kernel answered for each send (ENOBUFS is what a tc drop
looks like); a test must judge by what arrives on the far side."""
import errno
import socket
import struct
import sys

SOL_PACKET = 263
PACKET_QDISC_BYPASS = 20


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def frame(src_mac: bytes, dst_mac: bytes, src: str, dst: str, port: int, seq: int) -> bytes:
    payload = f"raw frame {seq}\n".encode()
    udp_len = 8 + len(payload)
    saddr, daddr = socket.inet_aton(src), socket.inet_aton(dst)
    pseudo = saddr + daddr + struct.pack("!BBH", 0, socket.IPPROTO_UDP, udp_len)
    udp = struct.pack("!HHHH", 40000 + seq, port, udp_len, 0) + payload
    udp = udp[:6] + struct.pack("!H", checksum(pseudo + udp) or 0xFFFF) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, seq, 0, 64,
                     socket.IPPROTO_UDP, 0, saddr, daddr)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return dst_mac + src_mac + struct.pack("!H", 0x0800) + ip + udp


def main() -> int:
    args = sys.argv[1:]
    bypass = bool(args) and args[0] == "--qdisc-bypass"
    if bypass:
        args = args[1:]
    if len(args) not in (5, 6):
        print(__doc__, file=sys.stderr)
        return 2
    ifname, dst_mac, src, dst, port = args[:5]
    count = int(args[5]) if len(args) == 6 else 1
    with open(f"/sys/class/net/{ifname}/address") as f:
        src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    dst_mac_b = bytes.fromhex(dst_mac.replace(":", ""))
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        if bypass:
            s.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
        s.bind((ifname, 0))
        for seq in range(1, count + 1):
            try:
                s.send(frame(src_mac, dst_mac_b, src, dst, int(port), seq))
                print(f"frame {seq}: sent")
            except OSError as e:
                print(f"frame {seq}: {errno.errorcode.get(e.errno, e.errno)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
