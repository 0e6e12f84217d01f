#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The reconcile core on the veth pair (tests/lib/pair.sh): --dry-run changes
# nothing, a rejected up changes nothing, writers take turns, down refuses
# when it cannot see, and `ksctl watch` covers links created later and puts
# back what is removed by hand. Every "nothing arrived" has its control.
set -u
source "$(dirname "$0")/../lib/report.sh"
source "$(dirname "$0")/../lib/pair.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

RUN_ID=$$
NEAR=ks-rnear-$RUN_ID
FAR=ks-rfar-$RUN_ID
PAIR_NEAR=$NEAR PAIR_FAR=$FAR
PIN_MNT=$KS_LOGDIR/bpf
PIN_ROOT=$PIN_MNT/ksctl
export KSCTL_RUN_DIR=$KS_LOGDIR/run

cleanup() {
	pair_destroy
	umount "$PIN_MNT" 2>/dev/null
	rm -rf "$KS_LOGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

near() { nsenter --net="/run/netns/$NEAR" "$@"; }
ks() { near "$KSCTL" "$@" --pin-dir "$PIN_ROOT"; }

# attachments DEV: every BPF program at DEV's egress, tcx and clsact, one id a line.
attachments() {
	near python3 "$HERE/tcx_query.py" "$1"
	{ near tc filter show dev "$1" egress 2>/dev/null | grep -o ' id [0-9]*' || true; } | awk '{ print $2 }'
}

setup() {
	pair_create ksr0 ksr1 || return 1
	mkdir -p "$PIN_MNT" && mount -t bpf bpf "$PIN_MNT"
}

arrived() {
	sleep 0.2
	pair_arrived "$1"
}

test_dry_run() {
	local before after out
	ks down >/dev/null 2>&1
	out=$(ks up -a 198.51.100.0/24 --dry-run) || die "up --dry-run failed"
	echo "$out"
	grep -q '^ksr0: attach tcx (not protected until then)$' <<< "$out" || die "the plan does not attach ksr0: $out"
	[ -z "$(attachments ksr0)" ] || die "--dry-run attached something: $(attachments ksr0)"
	! compgen -G "$PIN_ROOT/netns-*/prog_*" >/dev/null || die "--dry-run pinned programs"
	ks up -a 198.51.100.0/24 2>/dev/null || die "up failed"
	before=$(attachments ksr0)
	out=$(ks up -a 198.51.100.0/24 --attach clsact --dry-run) || die "the second --dry-run failed"
	grep -q '^ksr0: attach clsact' <<< "$out" && grep -q '^ksr0: detach tcx' <<< "$out" ||
		die "the plan for a switch of kinds: $out"
	after=$(attachments ksr0)
	[ "$before" = "$after" ] || die "--dry-run changed the attachments: '$before' -> '$after'"
	proved "up --dry-run prints 'attach tcx' and attaches and pins nothing; on a kill switch in force, the plan to switch to clsact (attach, then detach) leaves the attachments as they were"
}

# One entry more than the maps hold: refused whole, before anything is written.
test_overfull_refused() {
	local list before
	ks up -a 198.51.100.0/24 -a 10.20.0.0/16 -a 10.21.5.0/24 2>/dev/null || die "up failed"
	before=$(ks allow list)
	list=$KS_LOGDIR/overfull.txt
	python3 -c 'import sys
for i in range((1 << 18) + 1):
    print("100.%d.%d.%d/32" % (64 + (i >> 16), (i >> 8) & 255, i & 255))' > "$list"
	local rc=0
	ks up --allow-file "$list" 2> "$KS_LOGDIR/err" || rc=$?
	[ $rc = 2 ] || die "an over-full allow file: exit $rc: $(cat "$KS_LOGDIR/err")"
	grep -q "at most 262144 per family" "$KS_LOGDIR/err" || die "the refusal does not say why: $(cat "$KS_LOGDIR/err")"
	[ "$(ks allow list)" = "$before" ] || die "the allowlist changed"
	# The rejected up used to reset the block counter: this /24 then shared a block.
	ks allow add 203.0.100.0/24 2>/dev/null || die "allow add failed"
	send 198.51.100.2 overfull-lan 3
	send 203.0.113.10 overfull-public 3
	[ "$(arrived overfull-lan)" = 3 ] || die "an allowed destination was dropped after the rejected up"
	[ "$(arrived overfull-public)" = 0 ] || die "a destination nobody allowed passed after the rejected up"
	ks allow del 203.0.100.0/24 2>/dev/null
	proved "an allow file of 262,145 prefixes is refused (exit 2) before any write: allow list unchanged, and after allow add the LAN passes (3/3) while 203.0.113.10 stays blocked (0/3)"
}

send() { pair_send "$@"; }

# Eight ups at once, half of them switching kinds: one writer at a time.
test_concurrent_writers() {
	local i pids=() n
	for i in $(seq 1 8); do
		if ((i % 2)); then
			ks up -a 198.51.100.0/24 --attach tcx 2>> "$KS_LOGDIR/writers.err" &
		else
			ks up -a 198.51.100.0/24 --attach clsact 2>> "$KS_LOGDIR/writers.err" &
		fi
		pids+=($!)
	done
	ks allow add 192.0.2.0/24 2>> "$KS_LOGDIR/writers.err" &
	pids+=($!)
	for i in "${pids[@]}"; do
		wait "$i" || die "a concurrent writer failed (pid $i): $(cat "$KS_LOGDIR/writers.err")"
	done
	n=$(attachments ksr0 | wc -l)
	[ "$n" = 1 ] || die "ksr0 has $n egress programs after 8 concurrent ups: $(attachments ksr0)"
	ks status -q || die "not in force after the concurrent ups"
	ks down 2>/dev/null || die "down failed"
	[ -z "$(attachments ksr0)" ] || die "down left $(attachments ksr0)"
	ks up -a 198.51.100.0/24 2>/dev/null
	proved "8 concurrent ups (tcx and clsact alternating) and an allow add all succeed in turn: one program on ksr0, in force; down then leaves none"
}

test_writer_waits() {
	local rc=0
	exec 9> "$KSCTL_RUN_DIR/netns-$(near python3 -c 'import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); print(int.from_bytes(s.getsockopt(socket.SOL_SOCKET, 71, 8), "little"))').lock"
	flock -n 9 || die "cannot take the lock for the test"
	echo 4242 >&9
	SECONDS=0
	ks up -a 198.51.100.0/24 2> "$KS_LOGDIR/err" || rc=$?
	exec 9>&-
	[ $rc = 1 ] || die "up while another writer holds the lock: exit $rc"
	grep -q "another ksctl (pid 4242)" "$KS_LOGDIR/err" || die "the holder is not named: $(cat "$KS_LOGDIR/err")"
	((SECONDS >= 9)) || die "up gave up after $SECONDS s, before its 10 s wait"
	ks up -a 198.51.100.0/24 2>/dev/null || die "up after the lock was released failed"
	proved "up waits 10 s for a held lock, then exits 1 naming the holder (pid 4242); once released, up succeeds"
}

# Without the privilege to read the attachments, down must not claim success.
test_down_blind() {
	local rc=0
	near setpriv --reuid=65534 --regid=65534 --clear-groups env KSCTL_RUN_DIR="$KS_LOGDIR/run-nobody" \
		"$KSCTL" down --pin-dir "$PIN_ROOT" 2> "$KS_LOGDIR/err" || rc=$?
	[ $rc = 1 ] || die "down without privilege: exit $rc: $(cat "$KS_LOGDIR/err")"
	compgen -G "$PIN_ROOT/netns-*/prog_eth" >/dev/null || die "down without privilege removed the pins"
	ks status -q || die "no longer in force"
	send 203.0.113.10 blind 2
	[ "$(arrived blind)" = 0 ] || die "leak after the failed down"
	proved "down as nobody exits 1, keeps the pins; the kill switch stays in force (0/2 leaked)"
}

watch_log_has() { grep -q "$1" "$KS_LOGDIR/watch.log"; }

# A link made after up, sent through at once: only watch covers it.
late_link() {
	ip link add "$1" netns "$NEAR" type veth peer name "$2" netns "$FAR" &&
		ip -n "$NEAR" addr add "$3.1/24" dev "$1" && ip -n "$FAR" addr add "$3.2/24" dev "$2" &&
		ip -n "$NEAR" link set "$1" up && ip -n "$FAR" link set "$2" up
}

# watch in the background, stopped with the test's subshell whatever happens.
start_watch() {
	nsenter --net="/run/netns/$NEAR" "$KSCTL" watch --pin-dir "$PIN_ROOT" > "$KS_LOGDIR/watch.log" 2>&1 &
	WATCH_PID=$!
	# A test that stopped watch itself must not fail on the way out (errexit runs in the trap too).
	trap 'kill "$WATCH_PID" 2>/dev/null || true' EXIT
	wait_until 10 watch_log_has "keeping the kill switch" || die "watch did not start"
}

test_watch_links() {
	ks up -a 198.51.100.0/24 2>/dev/null || die "up failed"
	# Control: without watch, a link made after up leaks until up runs again.
	late_link kslate0 kslate1 198.18.60 || die "cannot make the control link"
	wait_until 5 near ping -c1 -W1 198.18.60.2
	near python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"kslate0")
for _ in range(3): s.sendto(b"late-control", ("198.18.60.2", 9000))'
	[ "$(arrived late-control)" -ge 1 ] || die "the control link did not leak: the test could not see a leak"
	start_watch
	wait_until 5 watch_log_has "kslate0: kill switch attached" || die "watch did not cover the existing late link"
	late_link kswatch0 kswatch1 198.18.61 || die "cannot make a link"
	near python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"kswatch0")
for _ in range(3):
    try: s.sendto(b"late-watched", ("198.18.61.2", 9000))
    except OSError: pass'
	ip -n "$NEAR" link add ksmv0 link ksr0 type macvlan mode bridge
	ip -n "$NEAR" tuntap add kstun0 mode tun
	wait_until 5 watch_log_has "ksmv0: kill switch attached" || die "watch did not cover the macvlan"
	wait_until 5 watch_log_has "kstun0: kill switch attached" || die "watch did not cover the tun device"
	[ "$(arrived late-watched)" = 0 ] || die "a link made under watch leaked"
	ks status -q || die "status: not in force under watch"
	grep "attached" "$KS_LOGDIR/watch.log"
	proved "without watch a late link leaks (control); under watch a veth made and used at once, a macvlan and a tun device carry the kill switch ($(grep -c attached "$KS_LOGDIR/watch.log") attachments logged), 0 leaked"
}

test_watch_restores() {
	local pin
	start_watch
	# A clsact filter deleted by hand: the event brings it back.
	ks up -a 198.51.100.0/24 --attach clsact 2>/dev/null || die "up --attach clsact failed"
	near tc filter del dev ksr0 egress
	wait_until 5 ks status -q || die "watch did not cover ksr0 again after its filter was deleted"
	grep -q 'ksr0: kill switch attached' "$KS_LOGDIR/watch.log" || die "watch did not log it"
	# A tcx program detached through its pin sends no event: the periodic look brings it back.
	ks up -a 198.51.100.0/24 --attach tcx 2>/dev/null || die "up --attach tcx failed"
	pin=$(compgen -G "$PIN_ROOT/netns-*/prog_eth")
	near python3 - "$pin" <<-'EOF' || die "cannot detach the tcx program"
	import ctypes, socket, struct, sys
	libc = ctypes.CDLL(None, use_errno=True)
	name = ctypes.create_string_buffer(sys.argv[1].encode())
	buf = ctypes.create_string_buffer(struct.pack("=QII", ctypes.addressof(name), 0, 0), 128)
	fd = libc.syscall(321, 7, buf, 128)  # BPF_OBJ_GET
	buf = ctypes.create_string_buffer(struct.pack("=IIII", socket.if_nametoindex("ksr0"), fd, 47, 0), 128)
	sys.exit(libc.syscall(321, 9, buf, 128) != 0)  # BPF_PROG_DETACH, tcx egress
	EOF
	wait_until 5 sh -c "[ -n \"\$(nsenter --net=/run/netns/$NEAR python3 $HERE/tcx_query.py ksr0)\" ]" ||
		die "watch did not attach ksr0 again after a tcx detach"
	send 203.0.113.10 restored 3
	[ "$(arrived restored)" = 0 ] || die "leak after the restore"
	kill "$WATCH_PID"
	wait "$WATCH_PID" || die "watch exited non-zero on SIGTERM"
	ks status -q || die "watch's exit took the kill switch away"
	proved "under watch a clsact filter deleted with tc and a tcx program detached through its pin both come back (status in force again, logged); SIGTERM ends watch with exit 0 and everything in force"
}

setup || { echo "[reconcile_setup] FAIL  cannot build the namespace bed"; exit 1; }
run_test reconcile_dry_run test_dry_run
run_test reconcile_overfull_refused test_overfull_refused
run_test reconcile_concurrent_writers test_concurrent_writers
run_test reconcile_writer_waits test_writer_waits
run_test reconcile_down_blind test_down_blind
run_test reconcile_watch_links test_watch_links
run_test reconcile_watch_restores test_watch_restores
