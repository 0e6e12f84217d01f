#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Proof and sight, in the shared test bed (tests/lib/bed.sh): drop events with
# who sent them and where to, their rate limit and its accounting, the
# selftest (held in force; failing, by name, when the program is detached
# from one interface or the allowlist lets its probes out), status --verify,
# stats --watch under tmux and the Prometheus file that is never half written.
# Every "nothing got through" has its positive control: the same probes
# reaching the leak detector when the kill switch lets them.
#
# usage: tests/e2e/events.sh [TEST...]   (as root; V=1 shows every log)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -n "${KSCTL_BUILD:-}" ] && : "${KSCTL:=$KSCTL_BUILD/test/ksctl}"
# shellcheck source=../lib/report.sh
. "$HERE/../lib/report.sh"
# shellcheck source=../lib/bed.sh
. "$HERE/../lib/bed.sh"

TMUX_SOCKET=ksev-$$
# A container's cgroup, as Docker names it under systemd: made inside the bed's consumer cgroup.
CONTAINER_ID=$(printf 'ce%.0s' {1..32})
DOCKER_CGROUP=

cleanup() {
	tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null
	if [ -n "$DOCKER_CGROUP" ] && [ -d "$DOCKER_CGROUP" ]; then
		# shellcheck disable=SC2046 # one PID a word
		bed_kill_pids $(cat "$DOCKER_CGROUP/cgroup.procs" 2>/dev/null)
		rmdir "$DOCKER_CGROUP"
	fi
	bed_destroy
	rm -rf "$KS_LOGDIR"
}

ks() { bed_ksctl "$@"; }
ks_up() { bed_ksctl_up "$@" >/dev/null 2>&1 || die "'ksctl up $*' failed: $(bed_ksctl_up "$@" 2>&1)"; }

# The consumer (Docker's default capabilities, its own cgroup) runs python: SCRIPT ARGS...
consumer_py() { bed_consumer python3 -c "$@"; }

# Datagrams to a blocked host, as fast as python sends them: COUNT [DST] [PORT]; prints the seconds taken.
SEND_MANY='
import socket, sys, time
n, dst, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
start = time.monotonic()
for i in range(n):
    try:
        s.sendto(b"flood %d" % i, (dst, port))
    except OSError:
        pass
print("%.3f" % (time.monotonic() - start))'

# drops: every packet the kill switch dropped so far; outcome NAME: its drop events' outcome count.
drops() {
	ks stats --json | python3 -c 'import json, sys; print(sum(v["packets"] for v in json.load(sys.stdin)["drop"].values()))'
}
outcome() { ks stats --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["events"][sys.argv[1]])' "$1"; }

cgroup_rel() { echo "${1#"$(bed_cgroup2_root)"}"; }

t_events_report() {
	ks_up
	ks events >/dev/null || die "events failed"
	bed_counts_reset
	bed_probe_udp "$PUB4"
	bed_probe_tcp "$PUB6"
	bed_probe_tcp "$LAN_HOST"
	# The same from a container's cgroup, as Docker names it.
	DOCKER_CGROUP=$BED_CGROUP/docker-$CONTAINER_ID.scope
	mkdir "$DOCKER_CGROUP" || die "cannot make $DOCKER_CGROUP"
	bed_consumer sh -c 'echo $$ > "$1/cgroup.procs" && exec python3 -c "$2" 1 "$3" 7' _ "$DOCKER_CGROUP" "$SEND_MANY" \
		"$PUB4_ALT" >/dev/null || die "the container's probe failed"
	# Read while the container's cgroup is there: a cgroup that is gone has no path.
	ks events --json > "$KS_LOGDIR/events.json" || die "events --json failed"
	wait_for 3 rmdir "$DOCKER_CGROUP" && DOCKER_CGROUP=
	cat "$KS_LOGDIR/events.json"
	python3 - "$KS_LOGDIR/events.json" "$(cgroup_rel "$BED_CGROUP")" "$PUB4" "$PUB6" "$LAN_HOST" "$VPN_ETH4" \
		"$PUB4_ALT" "$CONTAINER_ID" <<-'EOF' || die "the events do not say what was sent"
	import json, sys
	path, cgroup, pub4, pub6, lan, src4, alt4, cid = sys.argv[1:]
	events = [json.loads(line) for line in open(path)]
	def find(**want):
	    found = [e for e in events if all(e.get(k) == v for k, v in want.items())]
	    assert found, "no event with %s" % want
	    return found[0]
	find(destination=pub4, destination_port=7, protocol="udp", reason="ipv4", verdict="drop", interface="eth0",
	     source=src4, family=4, cgroup=cgroup)
	find(destination=pub6, destination_port=80, protocol="tcp", reason="ipv6", interface="eth0", family=6,
	     cgroup=cgroup)
	e = find(destination=alt4, destination_port=7, reason="ipv4", cgroup=cgroup + "/docker-%s.scope" % cid)
	assert e["container"] == {"engine": "docker", "kubernetes": False, "id": cid}, e
	assert not [e for e in events if e.get("destination") == lan], "an event for the allowed LAN probe"
	assert all(e["cgroup_id"] > 1 for e in events if "cgroup" in e), events
	EOF
	[ "$(bed_leaks)" = 0 ] || die "the probes leaked: $(bed_leak_log)"
	[ "$(bed_count lan_tcp)" -ge 1 ] || die "control: the LAN probe did not arrive"
	[ -z "$(ks events)" ] || die "a second read printed the events again"
	bed_probe_udp "$PUB4"
	ks events | grep -qE " drop ipv4 eth0 udp $VPN_ETH4:[0-9]+ > $PUB4:7 len [0-9]+ cgroup $(cgroup_rel "$BED_CGROUP")\$" ||
		die "the plain line is not as documented: $(ks events)"
	proved "UDP to $PUB4:7 and TCP to [$PUB6]:80 from the consumer: events with reason, ports, source and cgroup $(cgroup_rel "$BED_CGROUP"); a docker-ID.scope cgroup gives the container id; none for the LAN probe that passed (arrived); read once; 0 leaks"
}

t_events_rate_limit() {
	local d0 w0 s0 l0 d1 w1 s1 l1 seconds events
	ks_up --event-rate 20
	ks events >/dev/null
	d0=$(drops) w0=$(outcome written) s0=$(outcome suppressed) l0=$(outcome lost)
	seconds=$(consumer_py "$SEND_MANY" 3000 "$PUB4" 9) || die "the flood failed"
	events=$(ks events --json | wc -l)
	d1=$(drops) w1=$(outcome written) s1=$(outcome suppressed) l1=$(outcome lost)
	echo "flood of 3000 in ${seconds}s: drops +$((d1 - d0)), events $events, written +$((w1 - w0)), suppressed +$((s1 - s0)), lost +$((l1 - l0))"
	[ $((d1 - d0)) -ge 3000 ] || die "only $((d1 - d0)) drops"
	# A burst of 20, then 20 a second.
	python3 -c 'import sys; e, s = int(sys.argv[1]), float(sys.argv[2]); sys.exit(not 20 <= e <= 20 + 20 * s + 1)' \
		"$events" "$seconds" || die "$events events in ${seconds}s at 20 a second"
	[ $((w1 - w0)) = "$events" ] || die "written +$((w1 - w0)), but $events events read"
	[ $((w1 - w0 + s1 - s0 + l1 - l0)) = $((d1 - d0)) ] || die "written + suppressed + lost is not the drops"
	[ $((s1 - s0)) -ge $((3000 - events)) ] || die "suppressed +$((s1 - s0))"
	local limited="3000 drops in ${seconds}s at --event-rate 20: $events events, $((s1 - s0)) suppressed"
	# Control: without the limit's bite every drop is reported, so the limit is what held them back.
	ks_up --event-rate 1000000
	d0=$(drops) s0=$(outcome suppressed)
	consumer_py "$SEND_MANY" 2000 "$PUB4" 9 >/dev/null || die "the second flood failed"
	events=$(ks events --json | wc -l)
	d1=$(drops) s1=$(outcome suppressed)
	[ "$events" = $((d1 - d0)) ] && [ "$s1" = "$s0" ] ||
		die "control: $events events for $((d1 - d0)) drops, suppressed +$((s1 - s0))"
	[ "$(bed_leaks)" = 0 ] || die "the flood leaked"
	proved "$limited, written + suppressed + lost = drops; control at 1000000/s: $events events for $events drops, none suppressed"
}

# probes_of JSON: "interface kind outcome judged" per probe, into JSON.probes.
probes_of() {
	python3 -c 'import json, sys
for p in json.load(open(sys.argv[1]))["probes"]:
    print(p["interface"], p["kind"], p["outcome"], p["judged"])' "$1" > "$1.probes"
}

t_selftest_holds() {
	local rc=0 want probe
	ks_up
	bed_counts_reset
	ks selftest --json > "$KS_LOGDIR/selftest.json" || rc=$?
	cat "$KS_LOGDIR/selftest.json"
	[ "$rc" -eq 0 ] || die "selftest exited $rc in force"
	want="eth0:udp4 eth0:tcp4 eth0:icmp4 eth0:udp6 eth0:tcp6 eth0:icmp6 eth0:mark eth0:raw4 eth0:raw6 eth0:arp lan0:raw4 lan0:raw6 fwd0:raw4 fwd0:raw6"
	probes_of "$KS_LOGDIR/selftest.json"
	for probe in $want; do
		grep -qx "${probe%%:*} ${probe#*:} held 1" "$KS_LOGDIR/selftest.json.probes" || die "no held $probe probe"
	done
	[ "$(grep -vc ' held 1$' "$KS_LOGDIR/selftest.json.probes")" = 0 ] || die "a probe did not hold"
	# Nothing escaped, nothing is left behind.
	[ "$(bed_leaks)" = 0 ] || die "a probe leaked: $(bed_leak_log)"
	[ "$(bpftool map dump pinned "$(compgen -G "$BED_PIN_DIR/netns-*/probes")" -j)" = "[]" ] || die "probes left in the map"
	! bed_vpn ip neigh show | grep -qE '203\.0\.113\.|2001:db8:6b73:' || die "neighbour entries left: $(bed_vpn ip neigh show)"
	ks status --verify -q || die "status --verify -q exited non-zero in force"
	ks status --verify --json | python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["in_force"] and d["selftest"]["held"], d' ||
		die "status --verify --json"
	proved "in force: all $(wc -l < "$KS_LOGDIR/selftest.json.probes") probes ($want) judged once as expected in $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["duration_us"] // 1000)' "$KS_LOGDIR/selftest.json") ms; 0 leaks; probes map empty, no neighbour entries; status --verify exits 0"
}

t_selftest_allowlist() {
	local rc=0
	ks_up
	bed_counts_reset
	ks allow add 203.0.113.0/24 >/dev/null || die "allow add failed"
	ks selftest > "$KS_LOGDIR/out" 2>&1 || rc=$?
	cat "$KS_LOGDIR/out"
	ks allow del 203.0.113.0/24 >/dev/null
	[ "$rc" -eq 1 ] || die "selftest exited $rc with the probes' addresses allowed"
	head -n 1 "$KS_LOGDIR/out" | grep -q '^ksctl selftest: FAILED: eth0 udp4, eth0 tcp4, eth0 icmp4,' ||
		die "the first line does not name the probes that got out"
	grep -qE '^  eth0 +udp4 .* FAILED: got pass allowlist$' "$KS_LOGDIR/out" || die "no reason given for eth0 udp4"
	# The positive control of "0 leaks" above: the same probes, let out, reach the detector.
	wait_for 5 bed_count_at_least leak 3 || die "control: the allowed probes never reached the detector"
	ks status -q || die "status -q (coverage only) should still exit 0"
	ks allow add 203.0.113.0/24 >/dev/null && rc=0 && { ks status --verify -q || rc=$?; }
	ks allow del 203.0.113.0/24 >/dev/null
	[ "$rc" -eq 1 ] || die "status --verify -q exited $rc with the probes allowed"
	proved "203.0.113.0/24 allowed: selftest exits 1 naming eth0 udp4, tcp4, icmp4... ('got pass allowlist'), $(bed_leaks) probe packets reached the detector (control); status --verify -q exits 1, status -q 0"
}

t_selftest_detached() {
	local rc=0
	ks_up --attach clsact
	bed_vpn tc filter del dev lan0 egress || die "cannot remove the filter from lan0"
	ks selftest > "$KS_LOGDIR/out" 2>&1 || rc=$?
	cat "$KS_LOGDIR/out"
	[ "$rc" -eq 1 ] || die "selftest exited $rc with lan0 unprotected"
	head -n 1 "$KS_LOGDIR/out" | grep -q '^ksctl selftest: FAILED: lan0 raw4, lan0 raw6 (2 of ' ||
		die "the first line does not name lan0's probes"
	grep -qE '^  lan0 +raw4 .* FAILED: never judged: no kill switch saw it leave lan0$' "$KS_LOGDIR/out" ||
		die "no reason given for lan0 raw4"
	! grep -qE '^  eth0 .* FAILED' "$KS_LOGDIR/out" || die "eth0's probes failed too"
	rc=0
	ks status --verify -q || rc=$?
	[ "$rc" -eq 1 ] || die "status --verify -q exited $rc"
	ks_up --attach clsact
	ks selftest >/dev/null || die "selftest still fails after up covered lan0 again"
	proved "the filter deleted from lan0: selftest exits 1 naming lan0 raw4 and raw6 (never judged), eth0's held; status --verify -q 1; after up, 0"
}

# The capabilities of compose's VPN container: Docker's defaults, NET_ADMIN and BPF; no SYS_ADMIN, no PERFMON.
as_container() {
	local caps=$1; shift
	bed_vpn setpriv --bounding-set=-all,"+${caps//,/,+}" --inh-caps=-all -- "$KSCTL" "$@" --pin-dir "$BED_PIN_DIR"
}

t_selftest_as_container() {
	local rc=0 caps=$BED_DOCKER_CAPS,net_admin,bpf
	ks down >/dev/null 2>&1
	as_container "$caps" up --config "$BED_WG_CONF" >/dev/null 2>"$KS_LOGDIR/err" ||
		die "up with CAP_BPF and CAP_NET_ADMIN only: $(cat "$KS_LOGDIR/err")"
	as_container "$caps" selftest > "$KS_LOGDIR/out" || die "selftest as the container: $(cat "$KS_LOGDIR/out")"
	bed_probe_udp "$PUB4"
	as_container "$caps" events | grep -q " > $PUB4:7 " || die "events as the container"
	# Without NET_RAW: no raw frames, so nothing can be proven for lan0 and fwd0, and the run fails.
	as_container "${caps/net_raw,/}" selftest > "$KS_LOGDIR/out" 2>&1 || rc=$?
	cat "$KS_LOGDIR/out"
	[ "$rc" -eq 1 ] || die "selftest without CAP_NET_RAW exited $rc"
	grep -q '^  problem: lan0: no probe could be sent out of it (Operation not permitted)$' "$KS_LOGDIR/out" ||
		die "the problem with lan0 is not named"
	grep -q '^  problem: the probe that must pass could not be sent out of eth0' "$KS_LOGDIR/out" ||
		die "the missing pass probe is not named"
	grep -qE '^  eth0 +udp4 .* held$' "$KS_LOGDIR/out" || die "eth0's socket probes should hold without NET_RAW"
	proved "with Docker's capabilities + NET_ADMIN + BPF: up loads (no PERFMON), selftest holds, events reads; without NET_RAW selftest exits 1 naming lan0 and the pass probe, eth0's sockets held"
}

# pane: what tmux shows.
pane() { tmux -L "$TMUX_SOCKET" capture-pane -p -t ksev; }
# ipv4_rate: the packets/s column of the drop ipv4 row.
ipv4_rate() { pane | awk '$1 == "drop" && $2 == "ipv4" { print $5 }'; }

t_stats_watch() {
	local rate lines
	command -v tmux >/dev/null || { skip_test "no tmux: run 'apt-get install tmux'"; return; }
	ks_up
	tmux -L "$TMUX_SOCKET" new-session -d -s ksev -x 160 -y 40 \
		"nsenter --net=/run/netns/$BED_VPN $KSCTL stats --watch 1 --pin-dir $BED_PIN_DIR" || die "tmux"
	wait_for 10 sh -c "tmux -L $TMUX_SOCKET capture-pane -p -t ksev | grep -q 'packets/s'" || die "no table: $(pane)"
	[ "$(ipv4_rate)" = 0 ] || die "a rate without traffic: $(pane)"
	# About 100 blocked datagrams a second for three seconds.
	consumer_py 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(300):
    s.sendto(b"steady", ("'"$PUB4"'", 9)); time.sleep(0.01)' &
	local sender=$!
	sleep 2.5
	rate=$(ipv4_rate)
	pane
	wait "$sender"
	# At most what was sent; at least some of it, however loaded the machine.
	[ -n "$rate" ] && [ "$rate" -ge 10 ] && [ "$rate" -le 130 ] || die "drop ipv4 at $rate packets/s, want about 100"
	[ "$(pane | grep -c '^ksctl stats at ')" = 1 ] || die "the table was not redrawn in place"
	tmux -L "$TMUX_SOCKET" kill-server
	# Not a terminal: one table after another, and SIGINT ends it with 0.
	bed_vpn timeout --preserve-status -s INT 2.5 "$KSCTL" stats --watch 1 --pin-dir "$BED_PIN_DIR" > "$KS_LOGDIR/watch" ||
		die "stats --watch exited $? on SIGINT"
	lines=$(grep -c '^ksctl stats at ' "$KS_LOGDIR/watch")
	[ "$lines" -ge 2 ] || die "$lines tables in 2.5 s"
	proved "stats --watch 1 under tmux: drop ipv4 0 packets/s idle, $rate/s under ~100/s, redrawn in place; piped: $lines tables in 2.5 s, exit 0 on SIGINT"
}

# reader FILE STOPFILE: reads FILE until STOPFILE exists; prints "reads torn".
READER='
import os, sys, time
path, stop = sys.argv[1], sys.argv[2]
reads = torn = 0
while not os.path.exists(stop):
    try:
        text = open(path).read()
    except FileNotFoundError:
        continue
    reads += 1
    time.sleep(0.001)
    lines = text.split("\n")
    if not (text.startswith("# HELP ksctl_packets_total ") and text.endswith("} 1\n")
            and lines[-2].startswith("ksctl_build_info{")):
        torn += 1
print(reads, torn)'

# rewrite_while_read HOW: 40 rewrites of the file while it is read; prints "reads torn".
rewrite_while_read() {
	local file=$KS_LOGDIR/metrics/ksctl.prom stop=$KS_LOGDIR/metrics/stop reader
	rm -f "$stop"
	ks stats --prometheus --output "$file" || return 1
	python3 -c "$READER" "$file" "$stop" > "$KS_LOGDIR/reader" &
	reader=$!
	for _ in $(seq 40); do
		if [ "$1" = atomic ]; then ks stats --prometheus --output "$file"; else ks stats --prometheus > "$file"; fi
	done
	touch "$stop"
	wait "$reader"
	cat "$KS_LOGDIR/reader"
}

t_prometheus_file() {
	local atomic plain rc=0
	ks_up
	mkdir -p "$KS_LOGDIR/metrics"
	read -r -a atomic <<< "$(rewrite_while_read atomic)"
	read -r -a plain <<< "$(rewrite_while_read plain)"
	echo "atomic: ${atomic[*]}; shell redirection: ${plain[*]}"
	[ "${atomic[0]}" -ge 40 ] && [ "${atomic[1]}" = 0 ] || die "--output: ${atomic[1]} torn of ${atomic[0]} reads"
	[ "${plain[1]}" -gt 0 ] || die "control: the reader saw no torn file of ${plain[0]} written with '>'"
	[ -z "$(compgen -G "$KS_LOGDIR/metrics/ksctl.prom.*")" ] || die "temporary files left: $(ls "$KS_LOGDIR/metrics")"
	grep -q '^ksctl_drop_events_total{outcome="suppressed"} [0-9]*$' "$KS_LOGDIR/metrics/ksctl.prom" ||
		die "no suppression counter"
	grep -q '^ksctl_packets_total{verdict="drop",reason="malformed"} ' "$KS_LOGDIR/metrics/ksctl.prom" ||
		die "not every reason"
	cp "$KS_LOGDIR/metrics/ksctl.prom" "$KS_LOGDIR/before"
	ks stats --prometheus --output "$KS_LOGDIR/missing/ksctl.prom" 2>"$KS_LOGDIR/err" || rc=$?
	[ "$rc" -eq 1 ] && grep -q "cannot write '$KS_LOGDIR/missing/ksctl.prom'" "$KS_LOGDIR/err" ||
		die "--output into a missing directory: exit $rc, $(cat "$KS_LOGDIR/err")"
	proved "40 rewrites with --output while read: ${atomic[0]} reads, 0 torn (control with '>': ${plain[1]} torn of ${plain[0]}); no temporary file left; the suppression counter and every reason in it; a bad --output exits 1 naming it"
}

TESTS=(events_report events_rate_limit selftest_holds selftest_allowlist selftest_detached selftest_as_container
	stats_watch prometheus_file)

main() {
	local name
	BED_QUIET=1 BED_NO_TRAP=1 # read by bed.sh
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	if ! bed_create > "$KS_LOGDIR/bed.log" 2>&1; then
		cat "$KS_LOGDIR/bed.log"
		echo "[events_bed] FAIL  the test bed could not be built"
		return 1
	fi
	# A snapshot: a rebuild during the run must not swap binaries under us.
	cp "$KSCTL" "$BED_DIR/ksctl" && KSCTL=$BED_DIR/ksctl
	[ $# -gt 0 ] || set -- "${TESTS[@]}"
	for name in "$@"; do
		run_test "$name" "t_$name"
	done
	ks down >/dev/null 2>&1
}

main "$@"; exit
