#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Another tool's tcx egress program beside ksctl: it counts the packets it
sees and passes them on (TCX_NEXT). Raw bpf(2) calls, as bpftool 7.1 has
no tcx; program and counter are pinned under DIR (a bpffs).

  tcx_counter.py attach IFNAME first|last DIR   attach, first or last in line
  tcx_counter.py count DIR                      packets seen so far
  tcx_counter.py detach IFNAME DIR              detach and unpin
"""
import ctypes
import os
import socket
import struct
import sys

SYS_BPF = 321  # x86_64
MAP_CREATE, MAP_LOOKUP_ELEM, PROG_LOAD, OBJ_PIN, OBJ_GET, PROG_ATTACH, PROG_DETACH = 0, 1, 5, 6, 7, 8, 9
MAP_TYPE_ARRAY, PROG_TYPE_SCHED_CLS, TCX_EGRESS = 2, 3, 47
F_BEFORE, F_AFTER = 1 << 3, 1 << 4
libc = ctypes.CDLL(None, use_errno=True)


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    ret = libc.syscall(SYS_BPF, cmd, buf, 128)
    if ret < 0:
        sys.exit("tcx_counter: bpf(%d): %s" % (cmd, os.strerror(ctypes.get_errno())))
    return ret, buf


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("=BBhi", code, (src << 4) | dst, off, imm)


def program(map_fd):
    return b"".join([
        insn(0x62, dst=10, off=-4, imm=0),          # *(u32 *)(r10 - 4) = 0
        insn(0x18, dst=1, src=1, imm=map_fd),       # r1 = the counter map
        insn(0x00),
        insn(0xbf, dst=2, src=10),                  # r2 = r10
        insn(0x07, dst=2, imm=-4),                  # r2 += -4
        insn(0x85, imm=1),                          # call bpf_map_lookup_elem
        insn(0x15, dst=0, off=2, imm=0),            # if r0 == 0 goto +2
        insn(0xb7, dst=1, imm=1),                   # r1 = 1
        insn(0xdb, dst=0, src=1, off=0, imm=0),     # lock *(u64 *)(r0 + 0) += r1
        insn(0xb7, dst=0, imm=-1),                  # r0 = TC_ACT_UNSPEC: the next program runs
        insn(0x95),                                 # exit
    ])


def pin(fd, path):
    name = ctypes.create_string_buffer(path.encode())
    bpf(OBJ_PIN, struct.pack("=QII", ctypes.addressof(name), fd, 0))


def get(path):
    name = ctypes.create_string_buffer(path.encode())
    return bpf(OBJ_GET, struct.pack("=QII", ctypes.addressof(name), 0, 0))[0]


def attach(ifname, where, pin_dir):
    map_fd, _ = bpf(MAP_CREATE, struct.pack("=IIII", MAP_TYPE_ARRAY, 4, 8, 1))
    code = ctypes.create_string_buffer(program(map_fd))
    license = ctypes.create_string_buffer(b"GPL")
    attr = struct.pack("=IIQQIIQII16s", PROG_TYPE_SCHED_CLS, len(code.raw) // 8, ctypes.addressof(code),
                       ctypes.addressof(license), 0, 0, 0, 0, 0, b"tcx_counter")
    prog_fd, _ = bpf(PROG_LOAD, attr)
    flags = F_BEFORE if where == "first" else F_AFTER
    bpf(PROG_ATTACH, struct.pack("=IIII", socket.if_nametoindex(ifname), prog_fd, TCX_EGRESS, flags))
    pin(map_fd, os.path.join(pin_dir, "tcx_counter_map"))
    pin(prog_fd, os.path.join(pin_dir, "tcx_counter_prog"))


def count(pin_dir):
    map_fd = get(os.path.join(pin_dir, "tcx_counter_map"))
    key, value = ctypes.c_uint32(0), ctypes.c_uint64(0)
    bpf(MAP_LOOKUP_ELEM, struct.pack("=IIQQQ", map_fd, 0, ctypes.addressof(key), ctypes.addressof(value), 0))
    print(value.value)


def detach(ifname, pin_dir):
    prog_fd = get(os.path.join(pin_dir, "tcx_counter_prog"))
    bpf(PROG_DETACH, struct.pack("=IIII", socket.if_nametoindex(ifname), prog_fd, TCX_EGRESS, 0))
    for name in ("tcx_counter_map", "tcx_counter_prog"):
        os.unlink(os.path.join(pin_dir, name))


if __name__ == "__main__":
    commands = {"attach": (attach, 3), "count": (count, 1), "detach": (detach, 2)}
    if len(sys.argv) < 2 or sys.argv[1] not in commands or len(sys.argv) != commands[sys.argv[1]][1] + 2:
        sys.exit(__doc__)
    commands[sys.argv[1]][0](*sys.argv[2:])
