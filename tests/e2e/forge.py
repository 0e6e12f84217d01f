#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What a hostile consumer with Docker's default capabilities (NET_RAW, no
NET_ADMIN) tries in order to forge one of the kill switch's exemptions.
Each attack sends and exits 0 whatever happened: the test reads the far
side, never this program's view.

  forge.py somark-tcp DST PORT MARK      TCP session with SO_MARK (5.17+: NET_RAW suffices)
  forge.py somark-udp DST PORT MARK      UDP datagrams with SO_MARK
  forge.py nd DST6 TYPE                  an ICMPv6 "neighbour discovery" message with a payload, hop limit 255
  forge.py raw-udp SRC DST SPORT DPORT   a hand-made IPv4 UDP datagram (IP_HDRINCL), WireGuard-shaped
  forge.py bound-udp SPORT DST DPORT     a real UDP socket bound to SPORT, WireGuard-shaped payload
  forge.py lsrr SRC HOP DST DPORT        IPv4 UDP with a loose source route via HOP (allowed) to DST
  forge.py rthdr6 HOP DST DPORT          IPv6 UDP with a routing header via HOP to DST
"""
import socket
import struct
import sys

SO_MARK = 36


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def wireguard_initiation():
    """Type 1 and three zero bytes, 148 bytes: the shape of a handshake initiation."""
    return b"\x01\0\0\0" + b"forged by a consumer".ljust(144, b"\0")


def ipv4_header(src, dst, proto, payload_len, options=b""):
    ihl = 5 + len(options) // 4
    header = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + payload_len, 0x1234, 0, 64, proto, 0,
                         socket.inet_aton(src), socket.inet_aton(dst)) + options
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:]


def udp_datagram(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, length)
    header = struct.pack("!HHHH", sport, dport, length, 0)
    csum = checksum(pseudo + header + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, csum) + payload


def send_raw4(packet, dst):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    try:
        s.sendto(packet, (dst, 0))
    except OSError as e:
        print("send: %s" % e, file=sys.stderr)


def somark_tcp(dst, port, mark):
    s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, SO_MARK, int(mark, 0))
    s.settimeout(2)
    try:
        s.connect((dst, int(port)))
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        print(s.recv(100))
    except OSError as e:
        print("tcp: %s" % e, file=sys.stderr)


def somark_udp(dst, port, mark):
    s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_MARK, int(mark, 0))
    for _ in range(3):
        try:
            s.sendto(b"marked by a consumer", (dst, int(port)))
        except OSError as e:
            print("udp: %s" % e, file=sys.stderr)


def nd(dst, icmp_type):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    # type, code, checksum (the kernel fills it in), reserved, a target, then anything.
    message = struct.pack("!BBHI", int(icmp_type), 0, 0, 0) + socket.inet_pton(socket.AF_INET6, dst)
    try:
        s.sendto(message + b"exfiltrated in neighbour discovery", (dst, 0))
    except OSError as e:
        print("nd: %s" % e, file=sys.stderr)


def raw_udp(src, dst, sport, dport):
    payload = wireguard_initiation()
    datagram = udp_datagram(src, dst, int(sport), int(dport), payload)
    send_raw4(ipv4_header(src, dst, 17, len(datagram)) + datagram, dst)


def bound_udp(sport, dst, dport):
    s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("::" if ":" in dst else "0.0.0.0", int(sport)))
    try:
        s.sendto(wireguard_initiation(), (dst, int(dport)))
    except OSError as e:
        print("udp: %s" % e, file=sys.stderr)


def lsrr(src, hop, dst, dport):
    # The header's destination is the first hop; the route lists the final one.
    options = struct.pack("!BBB", 0x83, 7, 4) + socket.inet_aton(dst) + b"\x01"
    payload = b"source routed by a consumer"
    datagram = udp_datagram(src, hop, 40000, int(dport), payload)
    send_raw4(ipv4_header(src, hop, 17, len(datagram), options) + datagram, hop)


def rthdr6(hop, dst, dport):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    # The one kind the kernel lets a socket add (type 2, one address); HOP may carry a %scope.
    rthdr = struct.pack("!BBBBI", 0, 2, 2, 1, 0) + socket.inet_pton(socket.AF_INET6, dst)
    target = socket.getaddrinfo(hop, int(dport), socket.AF_INET6, socket.SOCK_DGRAM)[0][4]
    try:
        s.sendmsg([b"routed by a consumer"], [(socket.IPPROTO_IPV6, socket.IPV6_RTHDR, rthdr)], 0, target)
    except OSError as e:
        print("rthdr: %s" % e, file=sys.stderr)


ATTACKS = {"somark-tcp": somark_tcp, "somark-udp": somark_udp, "nd": nd, "raw-udp": raw_udp,
           "bound-udp": bound_udp, "lsrr": lsrr, "rthdr6": rthdr6}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ATTACKS:
        sys.exit(__doc__)
    ATTACKS[sys.argv[1]](*sys.argv[2:])
