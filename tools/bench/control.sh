# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Control-plane figures: how long `ksctl up` takes until protection is in
# force, `ksctl stats --json`, `up` with 100,000 prefixes, the maps' memory.
# Each prints "KIND VALUE" sample lines. Source after configs.sh.

# Milliseconds that `ksctl ARGS...` takes, wall clock, timed inside the
# sender's namespace (so nsenter's own exec is not in the figure) by a shell
# that reads the clock without forking.
ks_ms() {
	snd env ERR="$BED_DIR/ks_ms.err" bash -c 't0=$EPOCHREALTIME
		"$@" > /dev/null 2> "$ERR" || { echo "bench: ksctl $* failed: $(cat "$ERR")" >&2; exit 1; }
		t1=$EPOCHREALTIME
		awk -v a="$t0" -v b="$t1" "BEGIN { printf \"%.3f\\n\", (b - a) * 1000 }"' \
		_ "$KSCTL" "$@" --pin-dir "$BED_BPFFS/ksctl"
}

# up_ms: `ksctl up` (default allowlist + test prefixes) from exec to exit;
# then status must agree it is in force (not timed) and a blocked burst
# must not get through, or the figure means nothing.
cp_up() {
	local i
	for (( i = 0; i < CP_REPS; i++ )); do
		echo "up_ms $(ks_ms up "${KSCTL_DEFAULT_ALLOW[@]}")"
		filter_check ksctl-tc
		ks_quiet down
		# tcx attachment waits for an RCU grace period; clsact does not.
		echo "up_clsact_ms $(ks_ms up --attach clsact "${KSCTL_DEFAULT_ALLOW[@]}")"
		filter_check ksctl-clsact
		ks_quiet down
	done
}

cp_stats() {
	local i
	ks_quiet up "${KSCTL_DEFAULT_ALLOW[@]}"
	for (( i = 0; i < CP_REPS; i++ )); do
		echo "stats_ms $(ks_ms stats --json)"
	done
	echo "memlock_default $(ksctl_memlock)"
	ks_quiet down
}

cp_up_large() {
	local i n=100000 file
	file=$(allow_file $n)
	for (( i = 0; i < CP_LARGE_REPS; i++ )); do
		echo "up_${n}_ms $(ks_ms up --force --allow-file "$file")"
		filter_check ksctl-tc-$n
		[ "$i" -eq 0 ] && echo "memlock_$n $(ksctl_memlock)"
		ks_quiet down
	done
}

# Bytes the kernel charges for ksctl's maps and its tc program (bpftool memlock).
ksctl_memlock() {
	local dir f total=0 m
	dir=$(echo "$BED_BPFFS"/ksctl/netns-*)
	for f in allow4 allow6 counters config; do
		m=$(bpftool map show pinned "$dir/$f" -j | python3 -c 'import json, sys; print(json.load(sys.stdin)["bytes_memlock"])')
		total=$(( total + m ))
	done
	echo "$total"
}
