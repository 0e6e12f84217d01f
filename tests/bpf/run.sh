#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The verdict table, and what a verdict reports beyond its counter (drop
# events, selftest notes), run with BPF_PROG_TEST_RUN in a throwaway network
# namespace holding one Ethernet device (veth) and one layer-3 device (tun);
# then the programs loaded as a container loads them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${KSCTL_BUILD:-$here/../../build}
status=0
for test in test_verdict test_events; do
	bash "$here/../lib/devices_netns.sh" "$build/test/$test" || status=1
done

# With CAP_BPF and CAP_NET_ADMIN alone (compose's cap_add), the verifier
# also walks the paths a CPU could take speculatively: a program that loads
# as root can be refused there. A throwaway network and mount namespace,
# with a bpffs of its own for the pins.
if out=$(unshare --net --mount --propagation private -- bash -c '
	set -e
	ip link add kseth0 type veth peer name kseth1
	dir=$(mktemp -d /tmp/ksctl-unpriv.XXXXXX)
	mkdir "$dir/bpf" "$dir/run"
	trap "umount $dir/bpf; rm -rf $dir" EXIT
	mount -t bpf bpf "$dir/bpf"
	KSCTL_RUN_DIR=$dir/run capsh --drop=cap_perfmon,cap_sys_admin -- -c \
		"$1 up -i wg0 --endpoint 198.51.100.1:51820 --pin-dir $dir/bpf/ksctl" 2>&1
' bash "$build/test/ksctl"); then
	echo "[verdict_loads_unprivileged] PASS  the programs load and attach with CAP_BPF and CAP_NET_ADMIN alone (no PERFMON, no SYS_ADMIN)"
else
	echo "[verdict_loads_unprivileged] FAIL  with CAP_BPF and CAP_NET_ADMIN alone: $out"
	status=1
fi
exit $status
