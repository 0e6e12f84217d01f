#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: what ksctl's egress filter costs, next to no filter, the
# reference article's iptables kill switch and the same in nftables.
#
# The figure that decides is the sender's CPU time per packet. Every
# configuration runs once per repetition, in a rotating order, each run
# paired with a run with no filter right before or after it (alternately),
# so that whatever else the machine does hits both halves of a pair; the
# ratio of each pair, over REPS pairs, gives a 95% confidence interval, and
# each claim is printed as decided only when its interval decides it. Then
# the program's own cost (BPF_PROG_TEST_RUN, interleaved with an empty
# program), the control plane and `ksctl watch`. Writes build/bench/
# results.json, bench.svg and table.md (README's table), prints a table.
#
#   QUICK=1    one short pass, one pair each (for make test: no figure asserted, no interval)
#   REPS=N     repetitions, i.e. pairs per configuration (default 10)
#   DURATION=S seconds per measurement (1)
#   CONFIGS="none ksctl-tc ..."  a subset (default: all)
#   KSCTL=PATH the binary under test (default build/ksctl)
#   KSCTL_CP=PATH the binary timed for the control plane (default build/dist/ksctl, the
#              static one containers run, when it exists; else KSCTL)
set -euo pipefail
shopt -s inherit_errexit

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KS_TOP=${KS_TOP:-$(cd "$BENCH_SRC/../.." && pwd)}
BENCH_OUT=${BENCH_OUT:-$KS_TOP/build/bench}
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	REPS=1 DURATION=0.1 CP_REPS=3 CP_LARGE_REPS=1 TEST_RUN_REPEAT=20000 TEST_RUN_ROUNDS=3 WATCH_TRIALS=2
else
	REPS=${REPS:-10} DURATION=${DURATION:-1} CP_REPS=${CP_REPS:-20} CP_LARGE_REPS=${CP_LARGE_REPS:-5}
	TEST_RUN_REPEAT=${TEST_RUN_REPEAT:-1000000} TEST_RUN_ROUNDS=${TEST_RUN_ROUNDS:-15} WATCH_TRIALS=${WATCH_TRIALS:-20}
fi
# watch: how long each late link sends, and how long after its creation it is set up.
WATCH_SECONDS=${WATCH_SECONDS:-0.05} WATCH_UP_DELAY_US=${WATCH_UP_DELAY_US:-0}
ALL_CONFIGS="none iptables-nft iptables-legacy nftables ksctl-tc ksctl-tcx ksctl-clsact ksctl-cgroup
	ksctl-tc-4 ksctl-tc-1000 ksctl-tc-10000 ksctl-tc-100000"
# One line for read: the list spans two.
read -r -a CONFIGS <<< "$(tr '\n' ' ' <<< "${CONFIGS:-$ALL_CONFIGS}")"

source "$BENCH_SRC/bed.sh"
source "$BENCH_SRC/configs.sh"
source "$BENCH_SRC/workloads.sh"
source "$BENCH_SRC/control.sh"

say() { printf 'bench: [%4ds] %s\n' "$SECONDS" "$*" >&2; }

preflight() {
	local cmd missing=()
	[ "$(id -u)" = 0 ] || { say "needs root (network namespaces, BPF): run it with sudo"; return 1; }
	for cmd in ip nsenter taskset tc nft iptables-nft ip6tables-nft bpftool clang cc python3 timeout setpriv; do
		command -v "$cmd" > /dev/null || missing+=("$cmd")
	done
	[ ${#missing[@]} -eq 0 ] || { say "missing commands: ${missing[*]}: run 'make deps'"; return 1; }
	[ -x "$KSCTL" ] || { say "no ksctl binary at '$KSCTL': run 'make' first"; return 1; }
}

# Build the load generators, the measuring tools and the empty BPF program when out of date.
build_helpers() {
	local prog multiarch libs
	mkdir -p "$BENCH_OUT"
	for prog in udp_blast udp_sink tcp_rr timed prog_cost attach_cost link_latency; do
		libs=()
		case $prog in prog_cost | attach_cost | link_latency) libs=(-lbpf) ;; esac
		if [ ! -x "$BENCH_OUT/$prog" ] || [ "$BENCH_SRC/$prog.c" -nt "$BENCH_OUT/$prog" ] ||
			{ [ "$prog" = prog_cost ] && [ "$KS_TOP/tests/lib/frame.h" -nt "$BENCH_OUT/$prog" ]; }; then
			cc -O2 -Wall -Wextra -Werror -I"$KS_TOP/include" -o "$BENCH_OUT/$prog" "$BENCH_SRC/$prog.c" "${libs[@]}"
		fi
	done
	multiarch=$(cc -print-multiarch)
	if [ ! -f "$BENCH_OUT/empty_tc.bpf.o" ] || [ "$BENCH_SRC/empty_tc.bpf.c" -nt "$BENCH_OUT/empty_tc.bpf.o" ]; then
		clang -g -O2 -target bpf -Wall -Werror -I"/usr/include/$multiarch" \
			-c "$BENCH_SRC/empty_tc.bpf.c" -o "$BENCH_OUT/empty_tc.bpf.o"
	fi
}

CURRENT=
BPF_STATS_SAVED=
cleanup() {
	local rc=$?
	# Tear everything down, whatever fails on the way.
	set +e
	trap - EXIT INT TERM
	[ -n "$CURRENT" ] && config_clear "$CURRENT" > /dev/null 2>&1
	[ -n "$BPF_STATS_SAVED" ] && sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_SAVED"
	bed_destroy
	exit "$rc"
}

# sample KIND CONFIG WORKLOAD VALUE [PAIR]: one figure; PAIR ties a run to its no-filter partner.
sample() {
	[ -n "$4" ] || { say "no figure for $1 $2 $3"; return 1; }
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:--}" >> "$SAMPLES"
}

# Lines "KEY VALUE" on stdin, as samples of KIND for CONFIG.
samples() {
	local k v
	while read -r k v; do sample "$1" "$2" "$k" "$v"; done
}

# What the filter does with a blocked packet.
drop_action() {
	case $1 in
	none) echo pass ;;
	ksctl-*) echo drop ;;
	*) echo "$KILL_ACTION" ;;
	esac
}

# The paired workloads on what is in force, as CONFIG; "base" is the no-filter partner.
measure_paired() {
	local c=$1 pair=$2 pps ns p50 p99
	read -r pps ns < <(wl_udp64)
	sample cpu "$c" udp64 "$ns" "$pair"
	sample perf "$c" udp64 "$pps" "$pair"
	sample perf "$c" tcp "$(wl_tcp)" "$pair"
	read -r p50 p99 < <(wl_rr)
	sample perf "$c" rr "$p50" "$pair"
	sample p99 "$c" rr "$p99" "$pair"
}

# One configuration, once: apply, check it filters, the paired workloads,
# the drop path (and in the first repetition the live accounting), clear.
measure_config() {
	local c=$1 rep=$2 v leaked
	CURRENT=$c
	config_apply "$c"
	filter_check "$c"
	measure_paired "$c" "$rep:$c"
	read -r v leaked < <(wl_drop64)
	sample drop "$c" "$(drop_action "$c")" "$v"
	[ "$c" = none ] || (( leaked < 10 )) || { say "$c leaked $leaked blocked packets"; return 1; }
	case $c in ksctl-*) [ "$rep" -gt 0 ] || sample bpf "$c" udp64 "$(wl_bpf_ns "$c")" ;; esac
	config_clear "$c"
	CURRENT=
	# The article's rule set rejects; the same rules ending in DROP, for the drop path only.
	case $c in iptables-* | nftables)
		CURRENT=$c
		KILL_ACTION=drop config_apply "$c"
		read -r v leaked < <(wl_drop64)
		sample drop "$c" drop "$v"
		config_clear "$c"
		CURRENT= ;;
	esac
}

# A pair: CONFIG and a no-filter run, the no-filter run first in even repetitions.
measure_pair() {
	local c=$1 rep=$2
	if (( rep % 2 == 0 )); then
		measure_paired base "$rep:$c"
		measure_config "$c" "$rep"
	else
		measure_config "$c" "$rep"
		measure_paired base "$rep:$c"
	fi
}

# The empty program under live accounting: what the accounting itself costs.
measure_empty() {
	CURRENT=empty
	config_apply empty
	sample bpf empty udp64 "$(wl_bpf_ns empty)"
	config_clear empty
	CURRENT=
}

# The program's own cost, class by class, with 4 prefixes and with 100,000.
measure_programs() {
	local c
	for c in ksctl-tc ksctl-tc-100000; do
		[[ " ${ACTIVE[*]} " == *" $c "* ]] || continue
		CURRENT=$c
		config_apply "$c"
		wl_prog_cost > "$BED_DIR/progcost"
		samples progcost "$c" < "$BED_DIR/progcost"
		config_clear "$c"
		CURRENT=
	done
	cp_programs > "$BED_DIR/proginfo"
	samples proginfo - < "$BED_DIR/proginfo"
}

# How busy the machine is besides the benchmark: the 1-minute load average.
sample_load() {
	sample machine - loadavg "$(cut -d' ' -f1 /proc/loadavg)"
}

main() {
	local rep i n c order
	preflight
	build_helpers
	SAMPLES=$BENCH_OUT/samples.tsv
	: > "$SAMPLES"
	BPF_STATS_SAVED=$(sysctl -n kernel.bpf_stats_enabled)
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	bed_create
	bench_wg_config
	snd bpftool prog load "$BENCH_OUT/empty_tc.bpf.o" "$BED_BPFFS/empty" type classifier
	bench_start_receivers
	local skipped=()
	ACTIVE=()
	for c in "${CONFIGS[@]}"; do
		if config_available "$c"; then ACTIVE+=("$c"); else skipped+=("$c"); say "skipping $c: not usable on this machine"; fi
	done
	n=${#ACTIVE[@]}
	sample_load
	for (( rep = 0; rep < REPS; rep++ )); do
		# Rotate the order each repetition: no configuration always runs first or last.
		order=()
		for (( i = 0; i < n; i++ )); do order+=("${ACTIVE[(i + rep) % n]}"); done
		say "repetition $(( rep + 1 ))/$REPS: ${order[*]}"
		for c in "${order[@]}"; do
			measure_pair "$c" "$rep"
		done
		[ "$rep" -gt 0 ] || measure_empty
		sample_load
	done
	say "the program's own cost: BPF_PROG_TEST_RUN x$TEST_RUN_REPEAT, $TEST_RUN_ROUNDS rounds per class"
	measure_programs
	say "control plane ($KSCTL_CP): up x$CP_REPS, status and stats x$CP_REPS, up with 100000 prefixes x$CP_LARGE_REPS"
	# Not in pipelines: they run in this shell, whose cleanup knows what they started.
	{ cp_floor; cp_up; cp_status_stats; cp_up_large; } > "$BED_DIR/cp"
	samples cp - < "$BED_DIR/cp"
	cp_attach > "$BED_DIR/attach"
	samples attach - < "$BED_DIR/attach"
	sample cp - binary_bytes "$(stat -c %s "$KSCTL_CP")"
	say "watch: a late link, $WATCH_TRIALS times (and once without watch)"
	cp_watch > "$BED_DIR/watch"
	samples watch - < "$BED_DIR/watch"
	sample watch - up_delay_us "$WATCH_UP_DELAY_US"
	sample_load
	python3 "$BENCH_SRC/report.py" "$SAMPLES" "$BENCH_OUT" "$REPS" "${ACTIVE[*]}" "${skipped[*]}" "$KSCTL_CP"
	python3 "$BENCH_SRC/plot.py" "$BENCH_OUT/results.json" "$BENCH_OUT/bench.svg"
	say "wrote $BENCH_OUT/results.json, bench.svg and table.md"
}

main "$@"; exit $?
