#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The verdict table, run with BPF_PROG_TEST_RUN in a throwaway network
# namespace holding one Ethernet device (veth) and one layer-3 device (tun).
set -u
build=${KSCTL_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
exec unshare --net -- bash -c '
	set -e
	ip link add kseth0 type veth peer name kseth1
	ip tuntap add ksl3 mode tun
	ip link set kseth0 up
	ip link set ksl3 up
	KS_ETH_DEV=kseth0 KS_L3_DEV=ksl3 "$1"
' bash "$build/test/test_verdict"
