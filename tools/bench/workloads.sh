# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The workloads: each runs one measurement from the sender and prints the
# figure as counted on the far side (or by the kernel), one line. Source
# after bed.sh; bench_start_receivers once before the first.

UDP_PORT=9000
DROP_PORT=9001
RR_PORT=7000
TCP_PORT=5201

bench_start_receivers() {
	rcv_daemon "$BENCH_OUT/udp_sink" "$RCV_ADDR" "$UDP_PORT"
	rcv_daemon "$BENCH_OUT/tcp_rr" server "$RCV_ADDR" "$RR_PORT"
	rcv_daemon "$BENCH_OUT/tcp_rr" sink "$RCV_ADDR" "$TCP_PORT"
	bed_wait 10 rcv_listening udp "$UDP_PORT"
	bed_wait 10 rcv_listening tcp "$RR_PORT"
	bed_wait 10 rcv_listening tcp "$TCP_PORT"
}

rcv_listening() {
	if [ "$1" = udp ]; then rcv ss -Hlun "sport = :$2"; else rcv ss -Hltn "sport = :$2"; fi | grep -q .
}

# A load generator must end on its own; timeout only guards against a hang.
load() { snd_load timeout "$(( ${DURATION%.*} + 20 ))" "$@"; }

# udp64: 64-byte datagrams to the receiver's socket. Prints "pps ns": pps
# counted by the receiving veth (rx_packets) over the sender's own measured
# duration, ns the sending thread's CPU time per datagram it sent (the cost
# per packet: it holds the egress filter's share whatever the receiver does).
wl_udp64() {
	local before after out
	before=$(rcv_rx_packets)
	out=$(load "$BENCH_OUT/udp_blast" "$RCV_ADDR" "$UDP_PORT" 64 "$DURATION" 64)
	after=$(rcv_rx_packets)
	awk -v n=$(( after - before )) '$4 > 0 { printf "%.0f %.2f\n", n / $6, $8 * 1e9 / $4 }' <<< "$out"
}

# tcp: one stream, Gbit/s as the receiver counted it (tcp_rr stream).
wl_tcp() {
	load "$BENCH_OUT/tcp_rr" stream "$RCV_ADDR" "$TCP_PORT" "$DURATION" | awk '{ print $6 }'
}

# rr: TCP request/response round trips of 64 bytes: "p50 p99" in microseconds.
wl_rr() {
	load "$BENCH_OUT/tcp_rr" client "$RCV_ADDR" "$RR_PORT" "$DURATION" 64 | awk '{ print $4, $6 }'
}

# drop64: 64-byte datagrams to a destination the filter blocks, one sendto
# each (REJECT fails every send, so sendmmsg would be unfair to it): the
# rate at which the filter disposes of them. Prints "pps leaked", leaked =
# packets that reached the receiving veth anyway (must be ~0 with a filter).
wl_drop64() {
	local before after out
	before=$(rcv_rx_packets)
	out=$(load "$BENCH_OUT/udp_blast" "$BLOCKED_ADDR" "$DROP_PORT" 64 "$DURATION" 1)
	after=$(rcv_rx_packets)
	awk -v leaked=$(( after - before )) '{ printf "%.0f %d\n", $2 / $6, leaked }' <<< "$out"
}

# bpf_ns CONFIG: the program's own run time per packet during a udp64 run,
# from the kernel's accounting (kernel.bpf_stats_enabled), read from its pin.
prog_stats() {
	bpftool prog show pinned "$1" -j | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d.get("run_time_ns", 0), d.get("run_cnt", 0))'
}

wl_bpf_ns() {
	local pin t0 c0 t1 c1
	pin=$(ksctl_prog_pin "$1")
	sysctl -qw kernel.bpf_stats_enabled=1
	read -r t0 c0 < <(prog_stats "$pin")
	wl_udp64 > /dev/null
	read -r t1 c1 < <(prog_stats "$pin")
	sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_SAVED"
	(( c1 > c0 )) || { echo "bench: $1's program did not run (pin $pin)" >&2; return 1; }
	awk -v t=$(( t1 - t0 )) -v c=$(( c1 - c0 )) 'BEGIN { printf "%.2f\n", t / c }'
}

# filter_check CONFIG: refuse to measure a filter that does not filter.
# A short burst to the blocked host: all of it arrives with none (the
# positive control), next to nothing with a kill switch.
filter_check() {
	local before after sent got
	if [[ $1 == ksctl-* ]]; then ks status -q || { echo "bench: $1: ksctl status says not in force" >&2; return 1; }; fi
	before=$(rcv_rx_packets)
	sent=$(load "$BENCH_OUT/udp_blast" "$BLOCKED_ADDR" "$DROP_PORT" 64 0.02 1 | awk '{ print $2 }')
	after=$(rcv_rx_packets)
	got=$(( after - before ))
	if [ "$1" = none ]; then
		(( got >= sent * 9 / 10 && sent > 0 )) ||
			{ echo "bench: positive control failed: $got of $sent packets to $BLOCKED_ADDR arrived with no filter" >&2; return 1; }
	else
		(( got < 10 )) || { echo "bench: $1 let $got of $sent packets to the blocked host $BLOCKED_ADDR through" >&2; return 1; }
	fi
}

# prog_cost CONFIG: the program in force, class by class, in the kernel's
# test loop interleaved with the empty program (tools/bench/prog_cost.c).
# Prints "CLASS:FIELD VALUE" lines.
wl_prog_cost() {
	local dir out
	dir=$(ksctl_pin_dir)
	out=$(snd taskset -c "$SND_CPU" "$BENCH_OUT/prog_cost" run "$SND_IF" "$dir/prog_eth" "$BED_BPFFS/empty" \
		"$dir/counters" "$TEST_RUN_REPEAT" "$TEST_RUN_ROUNDS")
	awk '{ for (i = 5; i < NF; i += 2) print $2 ":" $i, $(i + 1) }' <<< "$out"
}
