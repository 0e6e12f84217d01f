# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Control-plane figures: how long `ksctl up` takes until protection is in
# force (tcx, clsact, again on a running kill switch, 100,000 prefixes),
# `status` and `stats`, the maps' memory, where a tc attachment's time
# goes in the kernel, and how soon `ksctl watch` covers a new link. Each
# prints "KEY VALUE" sample lines. Source after configs.sh and workloads.sh.

# The binary these figures are about: the static one that containers run
# (make dist) when it is there, as it starts faster than a dynamic one.
if [ -z "${KSCTL_CP:-}" ]; then
	KSCTL_CP=$KSCTL
	[ -x "$KS_TOP/build/dist/ksctl" ] && KSCTL_CP=$KS_TOP/build/dist/ksctl
fi

# "WALL CPU": milliseconds that CMD takes from fork to exit, and the CPU
# time it used (tools/bench/timed.c), run inside the sender's namespace;
# its stderr is shown if it fails.
timed_in_snd() {
	local out
	out=$(snd "$BENCH_OUT/timed" "$BED_DIR/timed.err" "$@") ||
		{ echo "bench: $* failed: $(cat "$BED_DIR/timed.err")" >&2; return 1; }
	awk '{ print $2, $4 }' <<< "$out"
}

# KEY CMD...: "KEY_ms WALL" and "KEY_cpu_ms CPU".
timed_sample() {
	local key=$1 wall cpu
	shift
	read -r wall cpu < <(timed_in_snd "$@")
	echo "${key}_ms $wall"
	echo "${key}_cpu_ms $cpu"
}

# KEY ARGS...: the same for `ksctl ARGS...` on the benchmark's pins.
ks_timed_sample() {
	local key=$1
	shift
	timed_sample "$key" "$KSCTL_CP" "$@" --pin-dir "$BED_BPFFS/ksctl"
}

# What any command costs here before it does anything: a process that
# exits at once, and ksctl printing its version.
cp_floor() {
	local i
	for (( i = 0; i < CP_REPS; i++ )); do
		timed_sample exec_floor true
		timed_sample version "$KSCTL_CP" version
	done
}

# up: fresh (after down), with tcx (what up picks here) and with clsact, and
# again on the running kill switch; each must then be in force, and a
# blocked burst must not get through, or the figure means nothing.
cp_up() {
	local i
	for (( i = 0; i < CP_REPS; i++ )); do
		ks_timed_sample up up --config "$BED_DIR/wg0.conf" "${KSCTL_DEFAULT_ALLOW[@]}"
		filter_check ksctl-tc
		ks_timed_sample up_again up --config "$BED_DIR/wg0.conf" "${KSCTL_DEFAULT_ALLOW[@]}"
		filter_check ksctl-tc
		ks_quiet down
		ks_timed_sample up_clsact up --attach clsact --config "$BED_DIR/wg0.conf" "${KSCTL_DEFAULT_ALLOW[@]}"
		filter_check ksctl-clsact
		ks_quiet down
	done
}

cp_status_stats() {
	local i
	ks_up
	for (( i = 0; i < CP_REPS; i++ )); do
		ks_timed_sample stats stats --json
		ks_timed_sample status status
	done
	ks_quiet down
}

# up with 100,000 prefixes, fresh and again; the maps' memory with them and
# with the default list of 4.
cp_up_large() {
	local i n=100000 file
	file=$(allow_file $n)
	for (( i = 0; i < CP_LARGE_REPS; i++ )); do
		ks_timed_sample "up_$n" up --config "$BED_DIR/wg0.conf" --force --allow-file "$file"
		filter_check ksctl-tc-$n
		ks_timed_sample "up_${n}_again" up --config "$BED_DIR/wg0.conf" --force --allow-file "$file"
		[ "$i" -eq 0 ] && echo "memlock_$n $(ksctl_memlock)"
		ks_quiet down
	done
	ks_quiet up --config "$BED_DIR/wg0.conf"
	echo "memlock_4 $(ksctl_memlock)"
	ks_quiet down
}

# Bytes the kernel charges for every map of the instance in force (bpftool memlock).
ksctl_memlock() {
	local f total=0 m
	for f in "$(ksctl_pin_dir)"/*; do
		case ${f##*/} in prog_* | *_new) continue ;; esac
		m=$(bpftool map show pinned "$f" -j | python3 -c 'import json, sys; print(json.load(sys.stdin)["bytes_memlock"])')
		total=$(( total + m ))
	done
	echo "$total"
}

# The kernel's own attach calls on the bare veth (tools/bench/attach_cost.c);
# a clsact qdisc that an earlier configuration left there goes first.
cp_attach() {
	snd tc qdisc del dev "$SND_IF" clsact 2> /dev/null || true
	snd "$BENCH_OUT/attach_cost" "$SND_IF" "$CP_REPS" | awk '{ for (i = 1; i < NF; i += 2) print $i, $(i + 1) }'
}

# The verifier's and the JIT's figures for each program, loaded as root and
# again with only CAP_BPF and CAP_NET_ADMIN (a container): without
# CAP_PERFMON the verifier also walks the speculative paths.
cp_programs() {
	local dir
	ks_up
	dir=$(ksctl_pin_dir)
	snd "$BENCH_OUT/prog_cost" info "$dir/prog_eth" "$dir/prog_l3" |
		awk '{ for (i = 3; i < NF; i += 2) print $2 ":" $i, $(i + 1) }'
	ks_quiet down
	# A refusal is a figure too (the verifier's limits): recorded, not fatal.
	if snd setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all,+bpf,+net_admin -- \
		"$KSCTL" -v up --config "$BED_DIR/wg0.conf" "${KSCTL_DEFAULT_ALLOW[@]}" --pin-dir "$BED_BPFFS/ksctl" \
		> "$BED_DIR/capbpf.log" 2>&1; then
		dir=$(ksctl_pin_dir)
		snd "$BENCH_OUT/prog_cost" info "$dir/prog_eth" "$dir/prog_l3" |
			awk '{ print $2 ":verified_insns_capbpf", $4 }'
		ks_quiet down
	else
		echo "bench: ksctl up with CAP_BPF and CAP_NET_ADMIN alone was refused:" \
			"$(grep -m1 -E 'is too complex|is too large' "$BED_DIR/capbpf.log")" >&2
		echo "ksctl_eth:capbpf_refused 1"
	fi
}

# watch: a link created after up, set up and sending at once
# (tools/bench/link_latency.c). First without watch, the positive control:
# its frames must arrive unjudged; then WATCH_TRIALS times under watch.
cp_watch() {
	local i log=$BED_DIR/watch.log link=kbl${SND_IF#kbs} pid out
	ks_up
	out=$(link_trial "$link" control)
	echo "$out"
	grep -q '^control:unjudged [1-9]' <<< "$out" ||
		{ echo "bench: positive control failed: without watch, no frame of a late link arrived" >&2; return 1; }
	# A simple command: $! is watch itself (nsenter execs it), which the bed's cleanup can stop.
	nsenter --net="/run/netns/$SND" "$KSCTL" watch --pin-dir "$BED_BPFFS/ksctl" > "$log" 2>&1 &
	pid=$!
	BED_PIDS+=("$pid")
	bed_wait 10 grep -q 'keeping the kill switch' "$log"
	for (( i = 0; i < WATCH_TRIALS; i++ )); do
		link_trial "$link" watch
	done
	kill "$pid"
	wait "$pid" || { echo "bench: ksctl watch exited $? on SIGTERM" >&2; return 1; }
	ks_quiet down
}

# One trial: "KIND:FIELD VALUE" lines.
link_trial() {
	local out
	out=$(snd "$BENCH_OUT/link_latency" "/run/netns/$RCV" "$1" "$BLOCKED_ADDR" "$WATCH_SECONDS" "$WATCH_UP_DELAY_US")
	awk -v kind="$2" '{ for (i = 1; i < NF; i += 2) print kind ":" $i, $(i + 1) }' <<< "$out"
}
