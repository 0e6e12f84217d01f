# SPDX-License-Identifier: MIT
# Control-plane figures: how long `ksctl up` takes until protection is in
# force, `ksctl stats --json`, `up` with 100,000 prefixes, the maps' memory.
# Each prints "KIND VALUE" sample lines. Source after configs.sh.

# Milliseconds that CMD... takes, wall clock, with no fork to read the clock.
ms_of() {
	local t0 t1
	t0=$EPOCHREALTIME
	"$@" > /dev/null 2> "$BED_DIR/ms_of.err" || { echo "bench: $* failed: $(cat "$BED_DIR/ms_of.err")" >&2; return 1; }
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
}

# up_ms: `ksctl up` (default allowlist + test prefixes) from exec to exit;
# then status must agree it is in force (not timed) and a blocked burst
# must not get through, or the figure means nothing.
cp_up() {
	local i
	for (( i = 0; i < CP_REPS; i++ )); do
		echo "up_ms $(ms_of ks up $(ksctl_default_allow))"
		filter_check ksctl-tc
		ks_quiet down
	done
}

cp_stats() {
	local i
	ks_quiet up $(ksctl_default_allow)
	for (( i = 0; i < CP_REPS; i++ )); do
		echo "stats_ms $(ms_of ks stats --json)"
	done
	echo "memlock_default $(ksctl_memlock)"
	ks_quiet down
}

cp_up_large() {
	local i n=100000 file
	file=$(allow_file $n)
	for (( i = 0; i < CP_LARGE_REPS; i++ )); do
		echo "up_${n}_ms $(ms_of ks up --allow-file "$file")"
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
