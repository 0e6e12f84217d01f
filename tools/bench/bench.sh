#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: what ksctl's egress filter costs, next to no filter, the
# reference article's iptables kill switch and the same in nftables.
#
# Every configuration runs in every repetition, in a rotating order, each
# right after a run with no filter, so drift on this 2-core VM hits all of
# them alike and every figure has a neighbour to be compared with. Writes
# build/bench/results.json and build/bench/bench.svg, prints a table.
#
#   QUICK=1    one short repetition (for make test: < 60 s, no figures asserted)
#   PAIRED=0   no extra no-filter run before each configuration (quick mode)
#   REPS=N     repetitions (default 5), DURATION=S seconds per measurement (2)
#   CONFIGS="none ksctl-tc ..."  a subset (default: all)
#   KSCTL=PATH the binary under test (default build/ksctl)
set -euo pipefail
shopt -s inherit_errexit

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KS_TOP=${KS_TOP:-$(cd "$BENCH_SRC/../.." && pwd)}
BENCH_OUT=${BENCH_OUT:-$KS_TOP/build/bench}
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	REPS=1 DURATION=0.5 CP_REPS=3 CP_LARGE_REPS=1 TEST_RUN_REPEAT=200000 PAIRED=0
else
	REPS=${REPS:-5} DURATION=${DURATION:-2} CP_REPS=${CP_REPS:-20} CP_LARGE_REPS=${CP_LARGE_REPS:-5}
	TEST_RUN_REPEAT=${TEST_RUN_REPEAT:-5000000} PAIRED=${PAIRED:-1}
fi
ALL_CONFIGS="none iptables-nft iptables-legacy nftables ksctl-tc ksctl-tcx ksctl-clsact ksctl-cgroup
	ksctl-tc-4 ksctl-tc-1000 ksctl-tc-10000 ksctl-tc-100000"
# One line for read: the list spans two.
read -r -a CONFIGS <<< "$(tr '\n' ' ' <<< "${CONFIGS:-$ALL_CONFIGS}")"

source "$BENCH_SRC/bed.sh"
source "$BENCH_SRC/configs.sh"
source "$BENCH_SRC/workloads.sh"
source "$BENCH_SRC/control.sh"

say() { printf 'bench: %s\n' "$*" >&2; }

preflight() {
	local cmd missing=()
	[ "$(id -u)" = 0 ] || { say "needs root (network namespaces, BPF): run it with sudo"; return 1; }
	for cmd in ip nsenter taskset tc nft iptables-nft ip6tables-nft iperf3 bpftool clang cc python3 timeout; do
		command -v "$cmd" > /dev/null || missing+=("$cmd")
	done
	[ ${#missing[@]} -eq 0 ] || { say "missing commands: ${missing[*]}: run 'make deps'"; return 1; }
	[ -x "$KSCTL" ] || { say "no ksctl binary at '$KSCTL': run 'make' first"; return 1; }
}

# Build the load generators and the empty BPF program when out of date.
build_helpers() {
	local prog multiarch
	mkdir -p "$BENCH_OUT"
	for prog in udp_blast udp_sink tcp_rr; do
		if [ ! -x "$BENCH_OUT/$prog" ] || [ "$BENCH_SRC/$prog.c" -nt "$BENCH_OUT/$prog" ]; then
			cc -O2 -Wall -Wextra -Werror -o "$BENCH_OUT/$prog" "$BENCH_SRC/$prog.c"
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

sample() {
	[ -n "$4" ] || { say "no figure for $1 $2 $3"; return 1; }
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$SAMPLES"
}

# What the filter does with a blocked packet.
drop_action() {
	case $1 in
	none) echo pass ;;
	ksctl-*) echo drop ;;
	*) echo "$KILL_ACTION" ;;
	esac
}

# One configuration, once: apply, check it filters, every workload, clear.
measure_config() {
	local c=$1 v leaked p50 p99
	CURRENT=$c
	config_apply "$c"
	filter_check "$c"
	sample perf "$c" udp64 "$(wl_udp64)"
	sample perf "$c" tcp "$(wl_tcp)"
	read -r p50 p99 < <(wl_rr)
	sample perf "$c" rr "$p50"
	sample p99 "$c" rr "$p99"
	read -r v leaked < <(wl_drop64)
	sample drop "$c" "$(drop_action "$c")" "$v"
	[ "$c" = none ] || (( leaked < 10 )) || { say "$c leaked $leaked blocked packets"; return 1; }
	case $c in ksctl-*)
		sample bpf "$c" udp64 "$(wl_bpf_ns "$c")"
		sample testrun "$c" frame "$(wl_test_run_ns "$c")" ;;
	esac
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

# No filter, the workloads only: measured right before every configuration,
# so that each figure has a neighbour to be compared with (the paired ratio).
measure_none_pair() {
	local p50 p99
	sample perf none udp64 "$(wl_udp64)"
	sample perf none tcp "$(wl_tcp)"
	read -r p50 p99 < <(wl_rr)
	sample perf none rr "$p50"
	sample p99 none rr "$p99"
}

measure_empty() {
	CURRENT=empty
	config_apply empty
	sample bpf empty udp64 "$(wl_bpf_ns empty)"
	sample testrun empty frame "$(wl_test_run_ns empty)"
	config_clear empty
	CURRENT=
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
	bench_start_receivers
	local active=() skipped=()
	for c in "${CONFIGS[@]}"; do
		if config_available "$c"; then active+=("$c"); else skipped+=("$c"); say "skipping $c: not usable on this machine"; fi
	done
	n=${#active[@]}
	for (( rep = 0; rep < REPS; rep++ )); do
		# Rotate the order each repetition: no configuration always runs first or last.
		order=()
		for (( i = 0; i < n; i++ )); do order+=("${active[(i + rep) % n]}"); done
		say "repetition $(( rep + 1 ))/$REPS: ${order[*]}"
		for c in "${order[@]}"; do
			[ "$c" = none ] || [ "$PAIRED" != 1 ] || measure_none_pair
			measure_config "$c"
		done
		measure_empty
	done
	say "control plane: up x$CP_REPS, stats x$CP_REPS, up with 100000 prefixes x$CP_LARGE_REPS"
	cp_up | while read -r k v; do sample cp - "$k" "$v"; done
	cp_stats | while read -r k v; do sample cp - "$k" "$v"; done
	cp_up_large | while read -r k v; do sample cp - "$k" "$v"; done
	sample cp - binary_bytes "$(stat -c %s "$KSCTL")"
	python3 "$BENCH_SRC/report.py" "$SAMPLES" "$BENCH_OUT/results.json" "$REPS" "${active[*]}" "${skipped[*]}"
	python3 "$BENCH_SRC/plot.py" "$BENCH_OUT/results.json" "$BENCH_OUT/bench.svg"
	say "wrote $BENCH_OUT/results.json and $BENCH_OUT/bench.svg"
}

main "$@"; exit $?
