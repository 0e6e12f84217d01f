#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every libFuzzer harness, tests/fuzz/fuzz_NAME.c built as
# build/fuzz/fuzz_NAME (`make fuzzers`), for FUZZ_SECONDS each (10 unless
# given: the quick run of `make test`; `make fuzz` gives 60), FUZZ_JOBS at a
# time (default: one per core). Seeds come from tests/fuzz/corpus/NAME/; what a
# run learns stays in build/fuzz/corpus/NAME/ for the next one. A crash, a
# failed property, a leak, an input slower than 10 s or an OOM fails the
# harness and keeps the input in build/fuzz/artifacts/NAME/.
set -u
source "$(dirname "$0")/../lib/report.sh"

BUILD=${KSCTL_BUILD:-$KS_TOP/build}
SECONDS_EACH=${FUZZ_SECONDS:-10}
JOBS=${FUZZ_JOBS:-$(nproc)}
trap 'rm -rf "$KS_LOGDIR"' EXIT
trap 'exit 130' INT TERM

# fuzz NAME: one harness for SECONDS_EACH; its log is build/fuzz/log/NAME.log.
fuzz() {
	local name=$1
	local fuzzer=$BUILD/fuzz/fuzz_$name seeds=$KS_TOP/tests/fuzz/corpus/$name
	local corpus=$BUILD/fuzz/corpus/$name artifacts=$BUILD/fuzz/artifacts/$name
	local log=$BUILD/fuzz/log/$name.log rc=0 runs cov input
	[ -x "$fuzzer" ] || { skip_test "no $fuzzer: run 'make fuzzers'"; return; }
	[ -d "$seeds" ] || die "no seeds: add tests/fuzz/corpus/$name/"
	mkdir -p "$corpus" "$artifacts" "${log%/*}"
	# libFuzzer stops itself; the outer timeout is for a harness that hangs before it starts.
	timeout $((SECONDS_EACH + 120)) "$fuzzer" -max_total_time="$SECONDS_EACH" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
		"$corpus" "$seeds" > "$log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(sed -n 's/.*DONE *cov: \([0-9]*\).*/\1/p' "$log")
	if [ "$rc" -ne 0 ]; then
		tail -n 40 "$log"
		input=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
		[ -n "$input" ] || die "fuzz_$name exited $rc and kept no input: see $log"
		die "fuzz_$name exited $rc; the input is kept in $input;" \
			"reproduce with: KSCTL_FUZZ_VERBOSE=1 $fuzzer $input"
	fi
	proved "$runs runs in ${SECONDS_EACH} s, $cov edges, corpus $(find "$corpus" -type f | wc -l) inputs:" \
		"no crash, failed property, leak, timeout or OOM"
}

# One harness in the background: a log folder of its own for run_test.
fuzz_job() {
	local KS_LOGDIR=$RESULTS/$1
	mkdir -p "$KS_LOGDIR"
	run_test "fuzz_$1" fuzz "$1" > "$RESULTS/$1.out"
}

RESULTS=$KS_LOGDIR
names=()
for source in "$KS_TOP"/tests/fuzz/fuzz_*.c; do
	name=${source##*/fuzz_}
	names+=("${name%.c}")
done

# FUZZ_JOBS harnesses at a time; the results in name order.
running=0
for name in "${names[@]}"; do
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
	fuzz_job "$name" &
	running=$((running + 1))
done
wait
for name in "${names[@]}"; do
	cat "$RESULTS/$name.out"
done
