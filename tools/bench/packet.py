#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write one Ethernet + IPv4 + UDP frame with a 64-byte payload to a file,
for BPF_PROG_TEST_RUN (bpftool prog run ... data_in FILE).

usage: packet.py SRC_ADDR DST_ADDR > FILE
"""
import ipaddress
import struct
import sys


def checksum(data):
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def main():
    src, dst = (ipaddress.IPv4Address(a).packed for a in sys.argv[1:3])
    payload = bytes(64)
    udp = struct.pack("!HHHH", 40000, 9000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = bytes.fromhex("020000000002" "020000000001") + struct.pack("!H", 0x0800)
    sys.stdout.buffer.write(eth + ip + udp)


if __name__ == "__main__":
    main()
