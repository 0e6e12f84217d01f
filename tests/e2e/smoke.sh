#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The namespace smoke suite: ksctl on a plain veth pair, no tunnel
# (tests/lib/pair.sh): near runs ksctl, allowing 198.51.100.0/24, so .2 is
# the LAN and 203.0.113.10 the internet; far counts what arrives, by tag.
set -u
source "$(dirname "$0")/../lib/report.sh"
source "$(dirname "$0")/../lib/pair.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

RUN_ID=$$
NEAR=ks-near-$RUN_ID
FAR=ks-far-$RUN_ID
PAIR_NEAR=$NEAR PAIR_FAR=$FAR
PIN_MNT=$KS_LOGDIR/bpf
PIN_ROOT=$PIN_MNT/ksctl
CGROUP_DIR=

cleanup() {
	pair_destroy
	[ -n "$CGROUP_DIR" ] && rmdir "$CGROUP_DIR" 2>/dev/null
	umount "$PIN_MNT" 2>/dev/null
	rm -rf "$KS_LOGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

near() { nsenter --net="/run/netns/$NEAR" "$@"; }
ks() { near "$KSCTL" "$@" --pin-dir "$PIN_ROOT"; }

# A client configuration as a provider hands it out, and a broken one.
write_configs() {
	mkdir -p "$KS_LOGDIR/conf" "$KS_LOGDIR/bad"
	WG_CONF=$KS_LOGDIR/conf/wg0.conf BAD_CONF=$KS_LOGDIR/bad/wg0.conf
	cat > "$WG_CONF" <<-EOF
	[Interface]
	PrivateKey = $(wg genkey)
	Address = 10.64.12.34/32
	DNS = 10.64.0.1
	[Peer]
	PublicKey = $(wg genkey | wg pubkey)
	AllowedIPs = 0.0.0.0/0, ::/0
	Endpoint = 203.0.113.77:51820
	EOF
	printf '[Interface]\nListenPort = seventy\n' > "$BAD_CONF"
}

setup() {
	write_configs || return 1
	pair_create kseth0 kseth1 || return 1
	mkdir -p "$PIN_MNT"
	mount -t bpf bpf "$PIN_MNT"
}

send() { pair_send "$@"; }

# arrived TAG: how many datagrams tagged TAG reached far (after the sender's packets had time to land).
arrived() {
	sleep 0.2
	pair_arrived "$1"
}

counter() { # counter VERDICT REASON: packets so far
	ks stats --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[sys.argv[1]][sys.argv[2]]["packets"])' "$1" "$2"
}

test_block_and_allow() {
	ks up -a 198.51.100.0/24
	local drops0 allowed0
	drops0=$(counter drop ipv4)
	allowed0=$(counter pass allowlist)
	send 203.0.113.10 blocked-1 5
	send 198.51.100.2 lan-1 5
	[ "$(arrived blocked-1)" -eq 0 ] || die "a blocked probe reached the far side"
	[ "$(arrived lan-1)" -eq 5 ] || die "allowed probes did not all arrive: $(arrived lan-1)/5"
	[ $(( $(counter drop ipv4) - drops0 )) -eq 5 ] || die "drop/ipv4 rose by $(( $(counter drop ipv4) - drops0 )), not 5"
	[ $(( $(counter pass allowlist) - allowed0 )) -eq 5 ] || die "pass/allowlist did not rise by exactly 5"
	proved "5 probes to 203.0.113.10: 0 arrived, drop/ipv4 +5; 5 to the LAN: 5 arrived, pass/allowlist +5"
}

test_status_and_coverage() {
	ks status -q || die "status -q should exit 0 while in force"
	ks status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["in_force"] and d["mode"] == "tc" and d["source"] == "pins", d
ifs = {i["name"]: i for i in d["interfaces"]}
assert ifs["kseth0"]["role"] == "protected" and ifs["kseth0"]["egress_programs"] == 1, ifs
assert ifs["lo"]["role"] == "loopback", ifs
assert d["packet_sockets"] == 0, d'
	# A packet socket could bypass every egress hook: status points at it.
	# The socket stays open until we stop it: a loaded machine may take seconds to start python.
	nsenter --net="/run/netns/$NEAR" python3 -c \
		'import socket, time; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); time.sleep(60)' &
	local holder=$!
	wait_until 20 sh -c "nsenter --net=/run/netns/$NEAR $KSCTL status --pin-dir $PIN_ROOT | grep -q '1 packet socket open'" ||
		{ kill "$holder"; die "status does not mention the open packet socket"; }
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	# An interface created after `up` is a hole until `up` runs again.
	ip -n "$NEAR" link add kslate0 type veth peer name kslate1
	if ks status -q; then die "status -q exits 0 with an unprotected interface"; fi
	{ ks status || true; } | grep -q 'kslate0 *UNPROTECTED' || die "status does not name the unprotected interface"
	ks up -a 198.51.100.0/24 2>/dev/null
	ks status -q || die "a second up did not cover the new interface"
	ip -n "$NEAR" link del kslate0
	proved "status -q is 0 in force, 1 with a new unprotected interface (named), 0 after up again"
}

test_idempotent_up() {
	local before after
	before=$(counter drop ipv4)
	ks up -a 198.51.100.0/24 -a 2001:db8::/32
	ks up -a 198.51.100.0/24 -a 2001:db8::/32
	after=$(counter drop ipv4)
	[ "$after" -ge "$before" ] && [ "$before" -gt 0 ] || die "counters were reset: $before -> $after"
	ks status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
n = [i["egress_programs"] for i in d["interfaces"] if i["name"] == "kseth0"]
assert n == [1], n'
	[ "$(ks allow list | tr '\n' ' ')" = "198.51.100.0/24 2001:db8::/32 " ] || die "allowlist: $(ks allow list)"
	send 203.0.113.10 blocked-2 3
	[ "$(arrived blocked-2)" -eq 0 ] || die "leak after re-up"
	proved "up twice more: one program on kseth0, counters kept ($before -> $after), allowlist replaced"
}

test_allow_add_del() {
	ks allow add 203.0.113.10/32
	send 203.0.113.10 added 2
	[ "$(arrived added)" -eq 2 ] || die "an added prefix does not pass"
	ks allow del 203.0.113.10/32
	send 203.0.113.10 removed 2
	[ "$(arrived removed)" -eq 0 ] || die "a removed prefix still passes"
	local rc=0
	ks allow del 203.0.113.10/32 2>"$KS_LOGDIR/err" || rc=$?
	[ $rc -eq 1 ] && grep -q "203.0.113.10/32 is not in the allowlist" "$KS_LOGDIR/err" || die "del of an absent prefix: rc $rc"
	proved "allow add lets 203.0.113.10 through (2/2), allow del blocks it again (0/2)"
}

# expect_exit CODE PATTERN CMD...: the exit code and a one-line message naming the problem.
expect_exit() {
	local want=$1 pattern=$2 rc=0; shift 2
	"$@" > "$KS_LOGDIR/out" 2> "$KS_LOGDIR/err" || rc=$?
	[ $rc -eq "$want" ] || die "'$*' exited $rc, want $want: $(cat "$KS_LOGDIR/err")"
	grep -q -- "$pattern" "$KS_LOGDIR/err" || die "'$*' said: $(cat "$KS_LOGDIR/err"), want /$pattern/"
}

test_bad_input() {
	expect_exit 2 "invalid address or CIDR '10.0.0.300/8'" ks up -a 10.0.0.300/8
	expect_exit 2 "invalid prefix length in '10.0.0.0/40'" ks up -a 10.0.0.0/40
	expect_exit 2 "invalid fwmark 'banana'" ks up -m banana
	expect_exit 2 "fwmark 0 in '0'" ks up -m 0
	expect_exit 2 "invalid interface name 'averyveryverylongname'" ks up -i averyveryverylongname
	expect_exit 2 "unknown option '--bogus'" ks up --bogus
	expect_exit 2 "option '--allow' needs a value" near "$KSCTL" up --allow
	expect_exit 2 "invalid mode 'fast'" ks up --mode fast
	expect_exit 2 "needs --cgroup" ks up --mode cgroup
	expect_exit 2 "unknown command 'upp'" near "$KSCTL" upp
	expect_exit 2 "unknown action 'show'" ks allow show
	expect_exit 2 "invalid address or CIDR 'x'" ks allow add x
	expect_exit 2 "exclude each other" ks stats --json --prometheus
	expect_exit 2 "unknown option '--force'" ks down --force
	expect_exit 1 "cannot use pin directory '/nonexistent/x'" near "$KSCTL" up --pin-dir /nonexistent/x
	expect_exit 1 "cannot open cgroup '/nonexistent'" ks up --mode cgroup --cgroup /nonexistent
	expect_exit 1 "tunnel 'kseth0' is an Ethernet interface" ks up -i kseth0 -a 198.51.100.0/24
	# A typo must not open the internet.
	expect_exit 2 "allowed prefix 0.0.0.0/0 reaches public address space" ks up -a 0.0.0.0/0
	expect_exit 2 "allowed prefix ::/0 reaches public address space" ks up -a ::/0
	expect_exit 2 "allowed prefix 172.0.0.0/11 reaches public" ks up -a 172.0.0.0/11
	expect_exit 2 "'192.168.1.0/2' has host bits set, and its network 192.0.0.0/2 reaches public" ks up -a 192.168.1.0/2
	expect_exit 2 "'192.168.1.0/2' has host bits set" ks up -a 192.168.1.0/2 --force
	expect_exit 2 "allowed prefix 0.0.0.0/1 reaches public" ks allow add 0.0.0.0/1
	expect_exit 2 "--lan-dns '192.168.1.0/24' is a prefix" ks up --lan-dns 192.168.1.0/24
	expect_exit 2 "--lan-dns 10.64.0.1 is inside 10.64.0.1/32" ks up --lan-dns 10.64.0.1 --config "$WG_CONF"
	expect_exit 2 "wg0.conf:2" ks up --config "$BAD_CONF"
	ks status -q || die "bad input weakened the kill switch"
	send 203.0.113.10 after-bad-input 3
	[ "$(arrived after-bad-input)" -eq 0 ] || die "leak after bad input"
	proved "26 bad inputs (wide public prefixes, host bits on them, a bad wg-quick config): exit 2 or 1 with the bad value named; still in force, 0/3 leaked"
}

# Wide prefixes are for those who mean them: --force.
test_force_wide() {
	ks up -a 0.0.0.0/0 --force 2>/dev/null || die "up -a 0.0.0.0/0 --force failed"
	send 203.0.113.10 forced-open 3
	[ "$(arrived forced-open)" -eq 3 ] || die "0.0.0.0/0 with --force did not allow: $(arrived forced-open)/3"
	ks allow add 0.0.0.0/1 --force 2>/dev/null || die "allow add --force failed"
	ks up -a 198.51.100.0/24 2>/dev/null
	send 203.0.113.10 closed-again 3
	[ "$(arrived closed-again)" -eq 0 ] || die "still open after going back"
	proved "0.0.0.0/0 and allow add 0.0.0.0/1 are accepted with --force (3/3 arrived), and closed again by up (0/3)"
}

# Another tool's tcx program after ksctl still sees what ksctl passes.
coexistence_cleanup() {
	near python3 "$HERE/../e2e/tcx_counter.py" detach kseth0 "$PIN_MNT" 2>/dev/null || true
}

test_coexistence() {
	local before after
	trap coexistence_cleanup EXIT
	ks up -a 198.51.100.0/24 --attach tcx 2>/dev/null
	near python3 "$HERE/../e2e/tcx_counter.py" attach kseth0 last "$PIN_MNT" || die "cannot attach the counter"
	before=$(near python3 "$HERE/../e2e/tcx_counter.py" count "$PIN_MNT")
	send 198.51.100.2 chain 4
	[ "$(arrived chain)" -eq 4 ] || die "the allowed probes did not arrive"
	after=$(near python3 "$HERE/../e2e/tcx_counter.py" count "$PIN_MNT")
	(( after - before >= 4 )) || die "the tcx program after ksctl saw $((after - before)) of 4 passed packets"
	ks status --json | grep -q '"first_in_chain":true' || die "status: $(ks status --json)"
	near python3 "$HERE/../e2e/tcx_counter.py" detach kseth0 "$PIN_MNT"
	near python3 "$HERE/../e2e/tcx_counter.py" attach kseth0 first "$PIN_MNT" || die "cannot attach the counter first"
	ks status | grep -q 'kseth0 .*another tcx program runs before ksctl' || die "status does not warn: $(ks status)"
	proved "with ksctl passing 'next', a tcx program after it saw $((after - before)) packets for 4 passed probes; a program before ksctl makes status warn"
}

test_no_privilege() {
	local rc=0
	# Without CAP_BPF and CAP_NET_ADMIN nothing can be loaded or removed.
	near capsh --drop=cap_bpf,cap_net_admin,cap_sys_admin,cap_perfmon -- -c \
		"$KSCTL up --pin-dir $PIN_ROOT" 2>"$KS_LOGDIR/err" || rc=$?
	[ $rc -eq 1 ] || die "unprivileged up exited $rc"
	grep -q "CAP_BPF" "$KS_LOGDIR/err" || die "no hint about privileges: $(cat "$KS_LOGDIR/err")"
	# An ordinary user can neither open the pins nor query the attachments: down must say so.
	rc=0
	near setpriv --reuid=65534 --regid=65534 --clear-groups "$KSCTL" down --pin-dir "$PIN_ROOT" \
		2>"$KS_LOGDIR/err" || rc=$?
	[ $rc -eq 1 ] || die "down as nobody exited $rc: $(cat "$KS_LOGDIR/err")"
	ks status -q || die "an unprivileged attempt removed the kill switch"
	send 203.0.113.10 unprivileged 3
	[ "$(arrived unprivileged)" -eq 0 ] || die "leak after unprivileged attempts"
	proved "without CAP_BPF/CAP_NET_ADMIN up exits 1 naming them; down as nobody exits 1; protection stays"
}

test_loader_gone_private_mounts() {
	ks down >/dev/null 2>&1
	# ip netns exec gives ksctl a private /sys: the bpffs it mounts there dies with it.
	ip netns exec "$NEAR" "$KSCTL" up -a 198.51.100.0/24 2>"$KS_LOGDIR/err"
	send 203.0.113.10 no-pins 4
	[ "$(arrived no-pins)" -eq 0 ] || die "leak once the loader and its mount namespace were gone"
	ip netns exec "$NEAR" "$KSCTL" status -q || die "status cannot find it through the kernel"
	ip netns exec "$NEAR" "$KSCTL" status --json | grep -q '"source":"kernel"' || die "not found through the kernel"
	ip netns exec "$NEAR" "$KSCTL" stats --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["drop"]["ipv4"]["packets"] >= 4, d'
	ip netns exec "$NEAR" "$KSCTL" up -a 198.51.100.0/24 2>/dev/null
	ip netns exec "$NEAR" "$KSCTL" status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
n = [i["egress_programs"] for i in d["interfaces"] if i["name"] == "kseth0"]
assert n == [1], n'
	ip netns exec "$NEAR" "$KSCTL" down 2>/dev/null
	send 203.0.113.10 no-pins-down 2
	[ "$(arrived no-pins-down)" -eq 2 ] || die "down through the kernel did not remove it"
	ks up -a 198.51.100.0/24 2>/dev/null
	proved "up under ip netns exec holds after exit (0/4 leaked); status, stats, up and down find it by id"
}

# Pins from another version (a map missing) must not lock anyone out.
test_foreign_pins() {
	ks up -a 198.51.100.0/24 2>/dev/null
	rm "$PIN_ROOT"/netns-*/table4
	ks status -q 2>"$KS_LOGDIR/err" || die "status lost the kill switch: $(cat "$KS_LOGDIR/err")"
	grep -q "lack maps this ksctl needs" "$KS_LOGDIR/err" || die "no word about the pins: $(cat "$KS_LOGDIR/err")"
	ks up -a 198.51.100.0/24 2>/dev/null || die "up over foreign pins failed"
	compgen -G "$PIN_ROOT/netns-*/table4" >/dev/null || die "up did not pin again"
	ks status --json 2>&1 | grep -q '"source":"pins".*"egress_programs":1' || die "after up: $(ks status --json)"
	send 203.0.113.10 foreign-pins 3
	[ "$(arrived foreign-pins)" -eq 0 ] || die "leak"
	proved "pins missing a map: status warns and finds it through the kernel; up replaces it, one program, pinned again"
}

test_clsact() {
	ks down >/dev/null 2>&1
	ks up -a 198.51.100.0/24 --attach clsact 2>/dev/null
	send 203.0.113.10 clsact 3
	[ "$(arrived clsact)" -eq 0 ] || die "clsact leaks"
	ks status | grep -q 'kseth0 *protected by clsact' || die "status: $(ks status)"
	ks up -a 198.51.100.0/24 2>/dev/null # keeps what is attached
	ks status | grep -q 'kseth0 *protected by clsact' || die "re-up changed the attachment kind"
	[ "$(near tc filter show dev kseth0 egress | grep -c 'handle 0x6b73')" -eq 1 ] || die "not exactly one clsact filter"
	# Asked for explicitly, the kind switches: new first, then the old one goes.
	ks up -a 198.51.100.0/24 --attach tcx 2>/dev/null
	ks status | grep -q 'kseth0 *protected by tcx' || die "--attach tcx did not switch"
	[ "$(near tc filter show dev kseth0 egress | grep -c 'handle 0x6b73')" -eq 0 ] || die "the clsact filter stayed"
	ks up -a 198.51.100.0/24 --attach clsact 2>/dev/null
	ks status --json | grep -q '"attach":"clsact","egress_programs":1' || die "back to clsact: $(ks status --json)"
	send 203.0.113.10 clsact-switched 3
	[ "$(arrived clsact-switched)" -eq 0 ] || die "leak after switching kinds"
	ks down 2>/dev/null
	[ "$(near tc filter show dev kseth0 egress | grep -c 'handle 0x6b73')" -eq 0 ] || die "down left the filter"
	ks up -a 198.51.100.0/24 2>/dev/null
	proved "clsact blocks (0/3), re-up replaces in place (one filter), --attach switches tcx<->clsact, down removes it"
}

test_cgroup_mode() {
	local cg_root
	ks down >/dev/null 2>&1
	cg_root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$cg_root" ] || { skip_test "no cgroup v2 mount"; return; }
	CGROUP_DIR=$cg_root/ksctl-smoke-$RUN_ID
	mkdir "$CGROUP_DIR"
	ks up --mode cgroup --cgroup "$CGROUP_DIR" -a 198.51.100.0/24 2>/dev/null
	ks stats --json | grep -q '"mode":"cgroup"' || die "stats mode"
	ks status -q || die "status in cgroup mode"
	send 203.0.113.10 in-cgroup 3 sh -c 'echo $$ > '"$CGROUP_DIR"'/cgroup.procs && exec "$@"' sh
	send 198.51.100.2 in-cgroup-lan 3 sh -c 'echo $$ > '"$CGROUP_DIR"'/cgroup.procs && exec "$@"' sh
	send 203.0.113.10 outside-cgroup 3
	[ "$(arrived in-cgroup)" -eq 0 ] || die "the cgroup's traffic leaked"
	[ "$(arrived in-cgroup-lan)" -eq 3 ] || die "the cgroup's LAN traffic was blocked"
	[ "$(arrived outside-cgroup)" -eq 3 ] || die "traffic outside the cgroup should pass in cgroup mode"
	local rc=0
	ks up -a 198.51.100.0/24 2>"$KS_LOGDIR/err" || rc=$?
	[ $rc -eq 1 ] && grep -q "run 'ksctl down' first" "$KS_LOGDIR/err" || die "mode switch without down: rc $rc"
	ks down 2>/dev/null
	rmdir "$CGROUP_DIR" && CGROUP_DIR=
	ks up -a 198.51.100.0/24 2>/dev/null
	proved "cgroup mode: the cgroup's probes 0/3 public, 3/3 LAN; outside it 3/3; no silent mode switch"
}

test_down() {
	ks status -q || die "not in force before down"
	send 203.0.113.10 before-down 3
	ks down
	send 203.0.113.10 after-down 3
	[ "$(arrived before-down)" -eq 0 ] || die "leak before down"
	[ "$(arrived after-down)" -eq 3 ] || die "the probe cannot see a leak: $(arrived after-down)/3 after down"
	if ks status -q; then die "status -q is 0 after down"; fi
	! compgen -G "$PIN_ROOT/netns-*" >/dev/null || die "down left pins: $(ls "$PIN_ROOT")"
	ks down | grep -q . || true
	proved "before down 0/3 arrived, after down 3/3 (the probe sees leaks); status 1; pins removed"
}

setup || { echo "[smoke_setup] FAIL  cannot build the namespace bed"; exit 1; }
run_test smoke_block_and_allow test_block_and_allow
run_test smoke_status_coverage test_status_and_coverage
run_test smoke_idempotent_up test_idempotent_up
run_test smoke_allow_add_del test_allow_add_del
run_test smoke_bad_input test_bad_input
run_test smoke_force_wide test_force_wide
run_test smoke_coexistence test_coexistence
run_test smoke_no_privilege test_no_privilege
run_test smoke_loader_gone test_loader_gone_private_mounts
run_test smoke_foreign_pins test_foreign_pins
run_test smoke_clsact test_clsact
run_test smoke_cgroup_mode test_cgroup_mode
run_test smoke_down test_down
