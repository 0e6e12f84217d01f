#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write N allowlist prefixes, IPv4 and IPv6 mixed half and half, one CIDR a
line (ksctl's --allow-file format), none of which covers the benchmark's
destinations except the one test prefix written first.

usage: prefixes.py N TEST_PREFIX AVOID_ADDR... > FILE
Deterministic (seeded), so every run and every repetition tests the same trie.
"""
import ipaddress
import random
import sys


def covers(version, addr, length, other):
    """Does version/addr/length cover the address other (an ip_address)?"""
    bits = 32 if version == 4 else 128
    if other.version != version:
        return False
    shift = bits - length
    return (int(other) >> shift) == (addr >> shift)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: prefixes.py N TEST_PREFIX AVOID_ADDR...")
    count = int(sys.argv[1])
    test = ipaddress.ip_network(sys.argv[2])
    # Avoiding the test prefix's first address keeps every random one off it too.
    avoid = [ipaddress.ip_address(a) for a in sys.argv[3:]] + [test.network_address]
    rng = random.Random(20251125 + count)
    seen = set()
    out = [f"# {count} prefixes for the ksctl benchmark; only the first covers the test destination", str(test)]
    while len(out) - 1 < count:
        version = 4 if len(out) % 2 else 6
        if version == 4:
            # Lengths spread like a routing table's: mostly long, some short.
            length = rng.randint(8, 32)
            addr = rng.getrandbits(32) >> (32 - length) << (32 - length)
        else:
            length = rng.randint(16, 128)
            addr = (0x2 << 124 | rng.getrandbits(124)) >> (128 - length) << (128 - length)
        if (version, addr, length) in seen or any(covers(version, addr, length, a) for a in avoid):
            continue
        seen.add((version, addr, length))
        text = ipaddress.IPv4Address(addr) if version == 4 else ipaddress.IPv6Address(addr)
        out.append(f"{text}/{length}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
