#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench's figures for drop events and the selftest: what reporting drops
# costs the drop path, and how long `ksctl selftest` takes.
#
# On the bench's own bed (bed.sh: a veth pair between two private network
# namespaces), ksctl in force on the sender, a flood of 64-byte UDP datagrams
# (sendmmsg) to a blocked address, with events off (--event-rate 0), at the
# default rate (the rest of the flood suppressed), and at a rate no flood
# reaches with a reader draining them (every drop written). The three
# alternate in a rotating order, REPS times; medians, and the ratio to "off".
# Writes build/bench/events.json and prints a table.
#
#   QUICK=1    one short repetition (no figure worth quoting)
#   REPS=N     repetitions (default 5), DURATION=S seconds per flood (2)
#   SELFTEST_RUNS=N   selftests timed (default 50)
#   KSCTL=PATH the binary under test (default build/ksctl)
set -euo pipefail
shopt -s inherit_errexit

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KS_TOP=${KS_TOP:-$(cd "$BENCH_SRC/../.." && pwd)}
BENCH_OUT=${BENCH_OUT:-$KS_TOP/build/bench}
if [ "${QUICK:-0}" = 1 ]; then
	REPS=1 DURATION=0.5 SELFTEST_RUNS=5
else
	REPS=${REPS:-5} DURATION=${DURATION:-2} SELFTEST_RUNS=${SELFTEST_RUNS:-50}
fi
# Interface names are kbs$BED_ID: short.
BED_ID=${BED_ID:-e$$}
CONFIGS=(off default every)

source "$BENCH_SRC/bed.sh"
source "$BENCH_SRC/configs.sh"
source "$BENCH_SRC/workloads.sh"

say() { printf 'bench events: %s\n' "$*" >&2; }

READER=
stop_reader() {
	[ -z "$READER" ] || { kill "$READER" 2> /dev/null; wait "$READER" 2> /dev/null || true; }
	READER=
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	stop_reader
	ks down > /dev/null 2>&1
	bed_destroy
	exit "$rc"
}

# The kill switch with events as CONFIG asks, on the same maps each time (counters kept).
events_config() {
	stop_reader
	case $1 in
	off) ks_quiet up "${KSCTL_DEFAULT_ALLOW[@]}" --event-rate 0 ;;
	default) ks_quiet up "${KSCTL_DEFAULT_ALLOW[@]}" ;;
	every)
		ks_quiet up "${KSCTL_DEFAULT_ALLOW[@]}" --event-rate 1000000
		# A simple command (not snd, a function: its subshell would take the kill), and nsenter
		# execs ksctl: $! is the reader itself.
		nsenter --net="/run/netns/$SND" "$KSCTL" events --follow --pin-dir "$BED_BPFFS/ksctl" > /dev/null &
		READER=$! ;;
	esac
}

# The flood's rate in packets a second, as the sender handed them to the kernel;
# what reached the receiver must stay near 0.
drop_flood() {
	local before after out
	before=$(rcv_rx_packets)
	out=$(load "$BENCH_OUT/udp_blast" "$BLOCKED_ADDR" "$DROP_PORT" 64 "$DURATION" 64)
	after=$(rcv_rx_packets)
	(( after - before < 10 )) || { say "$(( after - before )) blocked packets reached the receiver"; return 1; }
	awk '{ printf "%.0f\n", $2 / $6 }' <<< "$out"
}

outcomes() {
	ks stats --json | python3 -c 'import json, sys; e = json.load(sys.stdin)["events"]; print(e["written"], e["suppressed"], e["lost"])'
}

main() {
	local rep i c pps w0 s0 l0 w1 s1 l1 start end
	[ "$(id -u)" = 0 ] || { say "needs root (network namespaces, BPF): run it with sudo"; return 1; }
	[ -x "$KSCTL" ] || { say "no ksctl binary at '$KSCTL': run 'make' first"; return 1; }
	mkdir -p "$BENCH_OUT"
	if [ ! -x "$BENCH_OUT/udp_blast" ] || [ "$BENCH_SRC/udp_blast.c" -nt "$BENCH_OUT/udp_blast" ]; then
		cc -O2 -Wall -Wextra -Werror -o "$BENCH_OUT/udp_blast" "$BENCH_SRC/udp_blast.c"
	fi
	SAMPLES=$BENCH_OUT/events-samples.tsv
	: > "$SAMPLES"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	bed_create
	for (( rep = 0; rep < REPS; rep++ )); do
		for (( i = 0; i < ${#CONFIGS[@]}; i++ )); do
			c=${CONFIGS[(i + rep) % ${#CONFIGS[@]}]}
			events_config "$c"
			read -r w0 s0 l0 < <(outcomes)
			pps=$(drop_flood)
			read -r w1 s1 l1 < <(outcomes)
			printf 'drop\t%s\t%s\t%s\t%s\t%s\n' "$c" "$pps" $(( w1 - w0 )) $(( s1 - s0 )) $(( l1 - l0 )) >> "$SAMPLES"
			say "repetition $(( rep + 1 ))/$REPS, events $c: $pps pps, $(( w1 - w0 )) written, $(( s1 - s0 )) suppressed, $(( l1 - l0 )) lost"
		done
	done
	events_config default
	for (( i = 0; i < SELFTEST_RUNS; i++ )); do
		start=$(date +%s%N)
		ks selftest --json > "$BENCH_OUT/selftest.json" || { say "selftest did not hold"; return 1; }
		end=$(date +%s%N)
		python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print("selftest\t%d\t%d\t%d" % (d["duration_us"], int(sys.argv[2]) // 1000, len(d["probes"])))' \
			"$BENCH_OUT/selftest.json" $(( end - start )) >> "$SAMPLES"
	done
	python3 - "$SAMPLES" "$BENCH_OUT/events.json" <<-'EOF'
	import json, statistics, sys
	drop, selftest = {}, []
	for line in open(sys.argv[1]):
	    f = line.split("\t")
	    if f[0] == "drop":
	        drop.setdefault(f[1], []).append([int(x) for x in f[2:]])
	    else:
	        selftest.append([int(x) for x in f[1:]])
	off = statistics.median(s[0] for s in drop["off"])
	result = {"drop_pps": {c: [s[0] for s in v] for c, v in drop.items()},
	          "events_per_flood": {c: [s[1:] for s in v] for c, v in drop.items()},
	          "median_pps": {c: statistics.median(s[0] for s in v) for c, v in drop.items()},
	          "selftest": {"runs": len(selftest), "probes": selftest[0][2],
	                       "inside_us_median": statistics.median(s[0] for s in selftest),
	                       "command_us_median": statistics.median(s[1] for s in selftest),
	                       "command_us_max": max(s[1] for s in selftest)}}
	result["ratio_to_off"] = {c: round(m / off, 3) for c, m in result["median_pps"].items()}
	json.dump(result, open(sys.argv[2], "w"), indent=1)
	words = {"off": "events off (--event-rate 0)", "default": "default (100 a second, the rest suppressed)",
	         "every": "every drop written, read by events -f"}
	print("drop path: a 64-byte UDP flood to a blocked address, median of %d" % len(drop["off"]))
	for c in ("off", "default", "every"):
	    written = statistics.median(s[1] for s in drop[c])
	    print("  %-45s %8.1f kpps (%.3f)  %d events written a flood" % (words[c], result["median_pps"][c] / 1000,
	          result["ratio_to_off"][c], written))
	s = result["selftest"]
	print("selftest: %d probes, %.1f ms inside the run, %.1f ms for the whole command (median of %d; max %.1f ms)"
	      % (s["probes"], s["inside_us_median"] / 1000, s["command_us_median"] / 1000, s["runs"], s["command_us_max"] / 1000))
	EOF
	say "wrote $BENCH_OUT/events.json"
}

main "$@"; exit $?
