#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ksctl as the compose example runs it, in the shared test bed
# (tests/lib/bed.sh: the VPN namespace, its WireGuard peer, the internet
# with a leak detector, a home LAN, a consumer in its own cgroup).
#
# "As a container": the vpn namespace, a private mount namespace with a
# fresh read-only sysfs (/sys/fs/bpf is then an empty sysfs folder), and
# only Docker's default capabilities plus compose's NET_ADMIN and BPF
# (setpriv empties the bounding set of the rest: no SYS_ADMIN, no PERFMON).
# With --bpffs, a bpffs is bound at /sys/fs/bpf, as compose's ksctl-bpf
# volume does. The binary is the one compose mounts: build/dist/ksctl.
#
# The container's order: tools/ksctl-init, then wg-quick up, then the
# consumers. Every "nothing leaked" has its positive control: the same
# probes leaking before the kill switch was put in force.
#
# usage: tests/deploy/container.sh   (as root; V=1 shows every log)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/report.sh
. "$HERE/../lib/report.sh"
# shellcheck source=../lib/bed.sh
. "$HERE/../lib/bed.sh"

DIST=${KSCTL_DIST:-${KSCTL_BUILD:-$KS_TOP/build}/dist/ksctl}
INIT=${KSCTL_INIT:-$KS_TOP/tools/ksctl-init}
# Docker's default capabilities, plus compose.example.yaml's cap_add.
DOCKER_CAPS=chown,dac_override,fowner,fsetid,kill,setgid,setuid,setpcap,net_bind_service,net_raw,sys_chroot,mknod,audit_write,setfcap
COMPOSE_CAPS=$DOCKER_CAPS,net_admin,bpf
NO_BPF_CAPS=$DOCKER_CAPS,net_admin

# as_container [--bpffs] [--caps LIST] CMD...: CMD in vpn as a container.
as_container() {
	local bpffs="" caps=$COMPOSE_CAPS
	while [ $# -gt 0 ]; do
		case $1 in
		--bpffs) bpffs=$BED_PIN_DIR; shift ;;
		--caps) caps=$2; shift 2 ;;
		*) break ;;
		esac
	done
	bed_vpn unshare --mount --propagation private -- sh -c '
		mount -t sysfs -o ro,nosuid,nodev,noexec sysfs /sys || exit 125
		if [ -n "$1" ]; then mount --bind "$1" /sys/fs/bpf || exit 125; fi
		caps=$(printf "%s" "$2" | sed "s/\([^,]*\)/+\1/g"); shift 2
		exec setpriv --bounding-set=-all,"$caps" --inh-caps=-all -- "$@"' _ "$bpffs" "$caps" "$@"
}

# Root on the host side, with the bed's bpffs: what the container pinned
# in its /sys/fs/bpf/ksctl is in $BED_PIN_DIR/ksctl here.
host_ksctl() { bed_vpn "$DIST" "$@" --pin-dir "$BED_PIN_DIR/ksctl"; }

# Back to a clean vpn namespace: no kill switch, no tunnel, links up, default routes.
reset_vpn() {
	host_ksctl down >/dev/null 2>&1
	bed_vpn "$DIST" down >/dev/null 2>&1
	if bed_vpn ip link show "$BED_TUNNEL" >/dev/null 2>&1; then bed_tunnel_down || return 1; fi
	local dev
	for dev in eth0 lan0 fwd0; do bed_vpn ip link set dev "$dev" up || return 1; done
	# A link that went down lost its IPv6 address (and its routes).
	bed_vpn ip -6 addr replace "$VPN_ETH6/64" dev eth0 nodad || return 1
	wait_until 5 gateway_reachable || return 1
	bed_vpn ip route replace default via "$GW4" dev eth0 &&
		bed_vpn ip -6 route replace default via "$GW6" dev eth0 &&
		bed_counts_reset
}

gateway_reachable() { bed_vpn ping -c1 -W1 -n "$GW4"; }

sum_counts() {
	local name total=0
	for name in "$@"; do total=$((total + $(bed_count "$name"))); done
	echo "$total"
}
tunnel_total() { sum_counts tunnel_{tcp,udp,icmp}{4,6}; }
total_at_least() { [ "$("$1")" -ge "$2" ]; }


# Positive control: with nothing in force, the consumer's probes out of
# eth0 do reach the internet, and the detector counts them.
expect_leaks_without_kill_switch() {
	bed_counts_reset
	bed_leak_attempts eth0
	wait_until 5 bed_count_at_least leak 1 || die "control failed: probes out of eth0 did not reach the detector"
	LEAKED_CONTROL=$(bed_leaks)
	bed_counts_reset
}

expect_no_leak() {
	bed_leak_attempts eth0
	bed_leak_attempts
	bed_probe_udp "$PUB4_ALT" eth0
	# The probes are synchronous (1 s timeouts); a leak is counted by the
	# time they return, as the control shows.
	[ "$(bed_leaks)" -eq 0 ] || die "$(bed_leaks) packet(s) leaked $1:"$'\n'"$(bed_leak_log)"
}

# not_ready: prints why the suite cannot run and succeeds, or fails.
# A test says `if why=$(not_ready); then skip_test "$why"; return; fi`
# (under CI=true skip_test fails, and so does the test).
not_ready() {
	[ "$(id -u)" = 0 ] || { echo "needs root"; return 0; }
	[ -x "$DIST" ] || { echo "no $DIST: run 'make dist'"; return 0; }
	command -v setpriv >/dev/null || { echo "setpriv is missing: run 'make deps'"; return 0; }
	[ "$BED_READY" = 1 ] || { echo "the test bed could not be created: $BED_ERROR"; return 0; }
	return 1
}

# ---------------------------------------------------------------------------

test_environment_is_a_container() {
	local why
	if why=$(not_ready); then skip_test "$why"; return; fi
	local out
	out=$(as_container sh -c 'grep ^CapEff /proc/self/status; stat -f -c %T /sys/fs/bpf; touch /sys/ks-probe 2>&1; true')
	echo "$out"
	local eff want
	eff=$(echo "$out" | awk '/^CapEff/ { print $2 }')
	want=$(setpriv --bounding-set=-all,"+${COMPOSE_CAPS//,/,+}" -- awk '/^CapEff/ { print $2 }' /proc/self/status)
	[ "$eff" = "$want" ] || die "effective capabilities $eff, expected $want"
	# CAP_SYS_ADMIN is bit 21, CAP_BPF 39, CAP_NET_ADMIN 12.
	(( (0x$eff >> 21 & 1) == 0 && (0x$eff >> 39 & 1) == 1 && (0x$eff >> 12 & 1) == 1 )) || die "capabilities: $eff"
	echo "$out" | grep -qx sysfs || die "/sys/fs/bpf should be a plain sysfs folder (no bpffs)"
	echo "$out" | grep -q 'Read-only file system' || die "/sys should be read-only"
	[ "$(as_container --bpffs stat -f -c %T /sys/fs/bpf)" = bpf_fs ] || die "--bpffs does not provide a bpffs"
	proved "the emulated container has CapEff $eff (NET_ADMIN+BPF, no SYS_ADMIN), read-only /sys, no bpffs unless --bpffs"
}

test_no_bpffs() {
	local why
	if why=$(not_ready); then skip_test "$why"; return; fi
	reset_vpn || die "reset"
	expect_leaks_without_kill_switch
	local out
	out=$(as_container "$DIST" up --config "$BED_WG_CONF" 2>&1) || die "ksctl up failed as a container: $out"
	echo "$out"
	echo "$out" | grep -q 'not pinned' || die "expected an unpinned kill switch (no bpffs, no SYS_ADMIN)"
	as_container "$DIST" status -q || die "status -q is not 0 as a container"
	bed_counts_reset
	bed_tunnel_up || die "wg-quick up"
	as_container "$DIST" status -q || die "status -q is not 0 once wg0 exists"
	bed_counts_reset
	bed_probe_udp "$PUB4"
	bed_probe_tcp "$PUB6"
	wait_until 5 total_at_least tunnel_total 2 || die "traffic through the tunnel did not arrive: $(tunnel_total)"
	expect_no_leak "with the tunnel up"
	bed_tunnel_down || die "wg-quick down"
	expect_no_leak "with the tunnel down"
	as_container "$DIST" status -q || die "status -q is not 0 after the tunnel went away"
	# A tun device made later, not a tunnel of the record: status must not wave it through.
	bed_vpn ip tuntap add kslate9 mode tun || die "cannot make a tun device"
	out=$(as_container "$DIST" status 2>&1) && die "status is 0 with an uncovered tun device: $out"
	bed_vpn ip link del kslate9
	grep -q 'kslate9.*UNPROTECTED' <<< "$out" || die "status does not name the uncovered tun device: $out"
	proved "NET_ADMIN+BPF, ro /sys, no bpffs: up (clsact, unpinned), status -q 0; control leaked $LEAKED_CONTROL, then 0 leaks with tunnel up and down; tunnel traffic arrived; a tun device made later: status 1, named UNPROTECTED"
}

test_bpffs_volume() {
	local why
	if why=$(not_ready); then skip_test "$why"; return; fi
	reset_vpn || die "reset"
	expect_leaks_without_kill_switch
	local out before after
	out=$(as_container --bpffs "$DIST" up --config "$BED_WG_CONF" 2>&1) || die "ksctl up failed: $out"
	echo "$out"
	echo "$out" | grep -q 'state pinned in /sys/fs/bpf/ksctl' || die "expected pins in /sys/fs/bpf/ksctl"
	as_container --bpffs "$DIST" status -q || die "status -q is not 0"
	bed_counts_reset
	before=$(as_container --bpffs "$DIST" stats --json) || die "stats failed as a container"
	bed_leak_attempts eth0
	after=$(as_container --bpffs "$DIST" stats --json) || die "stats failed"
	echo "stats before: $before"$'\n'"stats after: $after"
	python3 - "$before" "$after" <<-'EOF' || die "stats did not count the dropped probes"
	import json, sys
	b, a = (json.loads(x) for x in sys.argv[1:])
	d4 = a["drop"]["ipv4"]["packets"] - b["drop"]["ipv4"]["packets"]
	d6 = a["drop"]["ipv6"]["packets"] - b["drop"]["ipv6"]["packets"]
	assert d4 >= 3 and d6 >= 3, (d4, d6)
	EOF
	[ "$(bed_leaks)" -eq 0 ] || die "leaked: $(bed_leak_log)"
	as_container --bpffs "$DIST" allow add "$PUB4_ALT/32" || die "allow add failed as a container"
	bed_probe_udp "$PUB4_ALT" eth0
	wait_until 5 bed_count_at_least direct_udp4 1 || die "an allowed prefix did not pass"
	as_container --bpffs "$DIST" allow del "$PUB4_ALT/32" || die "allow del failed"
	bed_counts_reset
	expect_no_leak "after allow del"
	proved "NET_ADMIN+BPF, ro /sys, bpffs volume: pinned, status -q 0, stats counts drops, allow add/del work; control leaked $LEAKED_CONTROL, then 0"
}

# ksctl-init in the environment compose gives it, as root in a container,
# run by INIT_SHELL: linuxserver runs it with bash, Alpine's /bin/sh is
# busybox ash, Debian's is dash.
run_init() {
	local opts=() shell
	while [ "${1:-}" = --bpffs ] || [ "${1:-}" = --caps ]; do
		if [ "$1" = --caps ]; then opts+=("$1" "$2"); shift 2; else opts+=("$1"); shift; fi
	done
	read -r -a shell <<< "${INIT_SHELL:-dash}"
	as_container "${opts[@]}" env KS_BIN="$DIST" KS_CONFIG="$BED_WG_CONF" "$@" "${shell[@]}" "$INIT"
}

test_init_then_wg_then_consumers() {
	local why
	if why=$(not_ready); then skip_test "$why"; return; fi
	reset_vpn || die "reset"
	expect_leaks_without_kill_switch
	local out
	out=$(INIT_SHELL=bash run_init --bpffs 2>&1) || die "ksctl-init failed: $out"
	echo "$out"
	echo "$out" | grep -q '^\[ksctl-init\] kill switch in force' || die "ksctl-init did not say so"
	# From here on, count: before, the peer's late packets may draw ICMP errors.
	bed_counts_reset
	# The consumer starts before the tunnel exists: nothing may leave.
	expect_no_leak "before wg-quick"
	bed_tunnel_up || die "wg-quick up after ksctl-init"
	as_container --bpffs "$DIST" status -q || die "the healthcheck fails with the tunnel up"
	bed_counts_reset
	bed_probe_udp "$PUB4"
	bed_probe_icmp "$PUB6"
	bed_probe_udp "$LAN_HOST"
	wait_until 5 total_at_least tunnel_total 2 || die "consumer traffic through the tunnel did not arrive"
	wait_until 5 bed_count_at_least lan_udp 1 || die "the LAN (allowlist default 192.168.0.0/16) was not reachable"
	expect_no_leak "with the tunnel up"
	# Again (a container restart runs it again): idempotent, one program.
	out=$(INIT_SHELL="busybox sh" run_init --bpffs 2>&1) || die "a second ksctl-init failed: $out"
	host_ksctl status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
n = [i.get("egress_programs") for i in d["interfaces"] if i["name"] == "eth0"]
assert d["in_force"] and n == [1], d' || die "not exactly one program on eth0 after a second run"
	bed_tunnel_down || die "wg-quick down"
	expect_no_leak "after wg-quick down"
	proved "init (NET_ADMIN+BPF) -> wg-quick -> consumer: 0 leaks before, during and after the tunnel (control: $LEAKED_CONTROL); tunnel and LAN reached; 2nd run: still 1 program"
}

test_init_fails_closed_without_bpf() {
	local why
	if why=$(not_ready); then skip_test "$why"; return; fi
	reset_vpn || die "reset"
	expect_leaks_without_kill_switch
	local out rc=0
	out=$(INIT_SHELL=bash run_init --bpffs --caps "$NO_BPF_CAPS" 2>&1) || rc=$?
	echo "$out"
	[ $rc -ne 0 ] || die "ksctl-init exited 0 without CAP_BPF"
	echo "$out" | grep -q '^\[ksctl-init\] FAILED' || die "no FAILED line"
	echo "$out" | grep -qi 'CAP_BPF\|refused\|permitted' || die "the reason (BPF refused) is not in the output"
	if as_container --bpffs "$DIST" status -q; then die "the healthcheck passes although nothing is in force"; fi
	bed_counts_reset
	local dev
	for dev in eth0 lan0 fwd0; do
		bed_vpn ip -br link show dev "$dev" | grep -q ' DOWN ' || die "KS_ON_FAILURE=block left $dev up"
	done
	# linuxserver's init goes on with wg-quick and the consumers anyway.
	bed_tunnel_up --no-wait || die "wg-quick up"
	expect_no_leak "after a failed ksctl-init"
	proved "without CAP_BPF: ksctl-init exit $rc with the reason, healthcheck fails, eth0/lan0/fwd0 set down; wg-quick + consumer: 0 leaks (control: $LEAKED_CONTROL)"
}

test_init_exit_mode_keeps_routes() {
	local why
	if why=$(not_ready); then skip_test "$why"; return; fi
	reset_vpn || die "reset"
	local out rc=0
	out=$(INIT_SHELL="busybox sh" run_init --bpffs --caps "$NO_BPF_CAPS" KS_ON_FAILURE=exit 2>&1) || rc=$?
	echo "$out"
	[ $rc -ne 0 ] || die "ksctl-init exited 0 without CAP_BPF"
	if as_container --bpffs "$DIST" status -q; then die "the healthcheck passes although nothing is in force"; fi
	bed_vpn ip -br link show dev eth0 | grep -q ' UP ' || die "KS_ON_FAILURE=exit set eth0 down"
	proved "KS_ON_FAILURE=exit: exit $rc, healthcheck fails (consumers held back by compose), interfaces left up"
}

# late_arrived TOKEN: datagrams carrying TOKEN that reached the late link's far end.
late_arrived() { grep -c -- "$1" "$KS_LOGDIR/late.log" 2>/dev/null || true; }
# late_send TOKEN: three datagrams from the consumer, bound to the late link.
late_send() {
	bed_consumer python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"kslate0")
for _ in range(3):
    try: s.sendto(sys.argv[1].encode(), ("198.18.62.2", 9100))
    except OSError: pass' "$1"
	sleep 0.5
}

# The Kubernetes sidecar: no bpffs and no SYS_ADMIN, so nothing can reopen
# the programs once loaded. With KS_WATCH=1 ksctl-init stays as
# `ksctl up --watch`, holding them: a link made later carries the kill switch.
test_init_watch_without_bpffs() {
	local why pid init_pid
	if why=$(not_ready); then skip_test "$why"; return; fi
	reset_vpn || die "reset"
	run_init KS_WATCH=1 > "$KS_LOGDIR/init-watch.log" 2>&1 &
	pid=$!
	wait_until 10 grep -q 'watching for interfaces added later' "$KS_LOGDIR/init-watch.log" ||
		die "ksctl-init did not start watching: $(cat "$KS_LOGDIR/init-watch.log")"
	# The far end listens in inet (tests end with the bed, and the link with it).
	bed_inet python3 -u -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9100))  # before the late link and its address exist
while True: print(s.recv(100).decode(), flush=True)' > "$KS_LOGDIR/late.log" 2>&1 &
	bed_veth "$BED_VPN" kslate0 "$BED_INET" kslate1 && bed_addr "$BED_VPN" kslate0 198.18.62.1/24 &&
		bed_addr "$BED_INET" kslate1 198.18.62.2/24 || die "cannot make the late link"
	late_send late-watched
	wait_until 5 grep -q 'kslate0: kill switch attached' "$KS_LOGDIR/init-watch.log" ||
		die "the late link was not covered: $(cat "$KS_LOGDIR/init-watch.log")"
	as_container "$DIST" status -q || die "status -q is not 0 with the late link covered"
	[ "$(late_arrived late-watched)" = 0 ] || die "the consumer's datagrams left through the late link"
	# ksctl-init is the shell running $INIT below run_init: TERM it, as the kubelet would.
	init_pid=$(pgrep -f -- "$INIT" | while read -r p; do
		grep -qx "$BED_VPN" <<< "$(ip netns identify "$p" 2>/dev/null)" && echo "$p"; done | head -n 1)
	[ -n "$init_pid" ] || die "cannot find ksctl-init's process"
	kill -TERM "$init_pid"
	wait "$pid" || die "ksctl-init exited $? on SIGTERM"
	as_container "$DIST" status -q || die "the kill switch went with ksctl-init"
	# The control: without the kill switch the same datagrams arrive.
	bed_vpn "$DIST" down > /dev/null 2>&1 || die "down failed"
	late_send late-open
	[ "$(late_arrived late-open)" -ge 1 ] || die "the control: nothing arrived without the kill switch"
	proved "KS_WATCH=1 without bpffs or SYS_ADMIN: a link made later is covered ($(grep -o 'attached ([a-z]*) [0-9.]* ms' "$KS_LOGDIR/init-watch.log" | head -n 1) after the event), status -q 0, 0/3 arrived; SIGTERM exits 0 leaving it in force; control: $(late_arrived late-open)/3 arrived after down"
}

test_init_rejects_bad_settings() {
	local why
	if why=$(not_ready); then skip_test "$why"; return; fi
	reset_vpn || die "reset"
	local out rc what
	while IFS='|' read -r what setting expect; do
		rc=0
		out=$(run_init --bpffs KS_ON_FAILURE=exit "$setting" 2>&1) || rc=$?
		echo "$out"
		[ $rc -eq 1 ] || die "$what: exit $rc, expected 1"
		echo "$out" | grep -qF -- "$expect" || die "$what: the output does not name '$expect'"
	done <<-EOF
	a missing binary|KS_BIN=/nonexistent/ksctl|/nonexistent/ksctl
	a bad fwmark|KS_FWMARK=bogus|'bogus'
	a bad prefix|KS_ALLOW=10.0.0.0/8,300.1.2.3/8|300.1.2.3/8
	a bad failure mode|KS_ON_FAILURE=maybe|maybe
	a prefix as a resolver|KS_LAN_DNS=192.168.77.0/24|192.168.77.0/24
	a missing configuration|KS_CONFIG=/nonexistent/wg0.conf|/nonexistent/wg0.conf
	EOF
	if bed_vpn "$DIST" status -q; then die "something was put in force by a rejected setting"; fi
	proved "missing KS_BIN, bad KS_FWMARK, KS_ALLOW, KS_ON_FAILURE, KS_LAN_DNS, KS_CONFIG: exit 1, each message names the bad value, nothing in force"
}

# ---------------------------------------------------------------------------

trap 'bed_destroy; rm -rf "$KS_LOGDIR"' EXIT
trap 'exit 130' INT TERM
export BED_NO_TRAP=1
# The bed is made in this shell (run_test runs tests in subshells).
BED_READY=0 BED_ERROR="not attempted (no root or no $DIST)"
if [ "$(id -u)" = 0 ] && [ -x "$DIST" ]; then
	if BED_QUIET=1 bed_create > "$KS_LOGDIR/bed.log" 2>&1; then
		BED_READY=1
	else
		BED_ERROR=$(tail -n 5 "$KS_LOGDIR/bed.log" | tr '\n' ' ')
	fi
fi

run_test container_environment test_environment_is_a_container
run_test container_no_bpffs test_no_bpffs
run_test container_bpffs_volume test_bpffs_volume
run_test init_then_wg_then_consumers test_init_then_wg_then_consumers
run_test init_fails_closed_without_bpf test_init_fails_closed_without_bpf
run_test init_exit_mode_keeps_routes test_init_exit_mode_keeps_routes
run_test init_watch_without_bpffs test_init_watch_without_bpffs
run_test init_rejects_bad_settings test_init_rejects_bad_settings
