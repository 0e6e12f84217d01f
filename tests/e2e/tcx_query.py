#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print the ids of the BPF programs attached at tcx egress of IFNAME in the
current network namespace, one a line (BPF_PROG_QUERY; bpftool 7.1 cannot
show tcx). usage: tcx_query.py IFNAME"""
import ctypes
import os
import socket
import struct
import sys

SYS_BPF = 321           # x86_64
BPF_PROG_QUERY = 16
BPF_TCX_EGRESS = 47
MAX_IDS = 64


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    ifindex = socket.if_nametoindex(sys.argv[1])
    ids = (ctypes.c_uint32 * MAX_IDS)()
    attr = ctypes.create_string_buffer(struct.pack(
        "=IIIIQII", ifindex, BPF_TCX_EGRESS, 0, 0, ctypes.addressof(ids), MAX_IDS, 0), 64)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(SYS_BPF, BPF_PROG_QUERY, attr, 64) != 0:
        err = ctypes.get_errno()
        print(f"tcx_query: BPF_PROG_QUERY on {sys.argv[1]}: {os.strerror(err)}", file=sys.stderr)
        return 1
    count = struct.unpack_from("=I", attr.raw, 24)[0]
    for i in range(min(count, MAX_IDS)):
        print(ids[i])
    return 0


if __name__ == "__main__":
    sys.exit(main())
