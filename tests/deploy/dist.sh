#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The dist artifact (build/dist/ksctl, `make dist`) on its own: run from an
# empty root that holds only the binary and a mounted /proc and /sys, inside
# a network namespace, as in a container image of another distribution.
# The bed is tests/lib/pair.sh: near runs the chrooted ksctl (allowing
# 198.51.100.0/24, the "LAN"); far records every UDP datagram by its text.
#
# usage: tests/deploy/dist.sh   (as root; V=1 shows every log)
set -u
source "$(dirname "$0")/../lib/report.sh"
source "$(dirname "$0")/../lib/pair.sh"

DIST=${KSCTL_DIST:-${KSCTL_BUILD:-$KS_TOP/build}/dist/ksctl}
RUN=$$-$RANDOM
NEAR=ksd-near-$RUN
FAR=ksd-far-$RUN
PAIR_NEAR=$NEAR PAIR_FAR=$FAR
ROOT=$KS_LOGDIR/root

cleanup() {
	[ -e "/run/netns/$NEAR" ] && nsenter --net="/run/netns/$NEAR" "$DIST" down >/dev/null 2>&1
	pair_destroy
	rm -rf "$KS_LOGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# chrooted ARGS...: ksctl ARGS in near, from the empty root. /proc and /sys
# are mounted in a private mount namespace that ends with the command, so
# whatever ksctl mounts there (bpffs) ends with it too.
chrooted() {
	nsenter --net="/run/netns/$NEAR" unshare --mount --propagation private -- sh -c '
		mount -t proc proc "$1/proc" && mount -t sysfs sysfs "$1/sys" || exit 125
		root=$1; shift
		exec chroot "$root" /ksctl "$@"' _ "$ROOT" "$@"
}

setup() {
	pair_create ksd0 ksd1 || return 1
	mkdir -p "$ROOT/proc" "$ROOT/sys" && cp "$DIST" "$ROOT/ksctl"
}

send() { pair_send "$@"; }
arrived() { pair_arrived "$1"; }
arrived_at_least() { [ "$(arrived "$1")" -ge "$2" ]; }

drops() { # packets dropped (IPv4) per the chrooted `stats --json`
	chrooted stats --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["drop"]["ipv4"]["packets"])'
}

test_static_binary() {
	[ -x "$DIST" ] || { skip_test "no $DIST: run 'make dist'"; return; }
	if readelf -l "$DIST" | grep -q INTERP; then die "$DIST asks for a dynamic loader"; fi
	readelf -d "$DIST" 2>&1 | grep -q NEEDED && die "$DIST needs shared libraries"
	proved "$(basename "$DIST"): no program interpreter, no NEEDED libraries ($(stat -c %s "$DIST") bytes)"
}

test_empty_root() {
	[ "$(id -u)" = 0 ] || { skip_test "needs root"; return; }
	[ -x "$DIST" ] || { skip_test "no $DIST: run 'make dist'"; return; }
	setup || die "setup failed"
	local files d0 d1
	files=$(cd "$ROOT" && find . -mindepth 1 | sort | tr '\n' ' ')
	[ "$files" = "./ksctl ./proc ./sys " ] || die "the root holds more than the artifact: $files"
	# Positive control: before up, both destinations are reached.
	send 203.0.113.10 control 3
	wait_until 5 arrived_at_least control 3 || die "control: $(arrived control)/3 arrived without the kill switch"

	chrooted up -a 198.51.100.0/24 || die "up from the empty root failed"
	# The mount namespace (and any bpffs in it) is gone: the kernel holds it.
	chrooted status -q || die "status -q is not 0 from the empty root"
	chrooted status || die "status"
	d0=$(drops) || die "stats --json failed from the empty root"
	send 203.0.113.10 blocked 5
	send 198.51.100.2 lan 5
	wait_until 5 arrived_at_least lan 5 || die "allowed datagrams: $(arrived lan)/5 arrived"
	[ "$(arrived blocked)" -eq 0 ] || die "$(arrived blocked) blocked datagram(s) reached the far side"
	d1=$(drops)
	[ $((d1 - d0)) -eq 5 ] || die "stats: drop/ipv4 rose by $((d1 - d0)), not 5"
	chrooted stats --prometheus | grep -q '^ksctl_packets_total{verdict="drop",reason="ipv4"} ' || die "stats --prometheus"
	proved "from a root holding only ksctl (+/proc, /sys): up, status -q 0, stats; control 3/3 arrived, then blocked 0/5, LAN 5/5, drop/ipv4 +5"
}

run_test dist_static test_static_binary
run_test dist_empty_root test_empty_root
