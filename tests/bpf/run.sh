#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The verdict table, run with BPF_PROG_TEST_RUN in a throwaway network
# namespace holding one Ethernet device (veth) and one layer-3 device (tun).
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${KSCTL_BUILD:-$here/../../build}
exec bash "$here/../lib/devices_netns.sh" "$build/test/test_verdict"
