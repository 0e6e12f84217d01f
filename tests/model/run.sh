#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The differential test: DIFF_FRAMES random frames (default 1,000,000)
# through the real program and the model of README's verdict table, in a
# throwaway network namespace holding one veth and one tun device.
# DIFF_SEED=S replays a run; V=1 shows each configuration.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${KSCTL_BUILD:-$here/../../build}
args=(--frames "${DIFF_FRAMES:-1000000}")
[ "${V:-0}" = 1 ] && args+=(--verbose)
exec bash "$here/../lib/devices_netns.sh" "$build/test/test_differential" "${args[@]}" "$@"
