#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs a command in a throwaway network namespace that holds one Ethernet
# device (veth) and one layer-3 device (tun), named to it by KS_ETH_DEV and
# KS_L3_DEV: the BPF test runs need real interfaces for their ifindex.
set -u
exec unshare --net -- bash -c '
	set -e
	ip link add kseth0 type veth peer name kseth1
	ip tuntap add ksl3 mode tun
	ip link set kseth0 up
	ip link set ksl3 up
	KS_ETH_DEV=kseth0 KS_L3_DEV=ksl3 exec "$@"
' bash "$@"
