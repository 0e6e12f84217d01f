#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The verdict table, and what a verdict reports beyond its counter (drop
# events, selftest notes), run with BPF_PROG_TEST_RUN in a throwaway network
# namespace holding one Ethernet device (veth) and one layer-3 device (tun).
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${KSCTL_BUILD:-$here/../../build}
rc=0
for test in test_verdict test_events; do
	bash "$here/../lib/devices_netns.sh" "$build/test/$test" || rc=1
done
exit $rc
