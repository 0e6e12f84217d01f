#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench in its quick mode (QUICK=1: one short repetition): it must run
# every configuration, clean up after itself, and write a well-formed
# results.json and SVG. No figure is asserted: this VM is too noisy for that.
set -u
source "$(dirname "$0")/lib/report.sh"

BENCH_TMP=$(mktemp -d /tmp/ksctl-bench-quick.XXXXXX)
trap 'rm -rf "$BENCH_TMP" "$KS_LOGDIR"' EXIT
trap 'exit 130' INT TERM

bench_prerequisites() {
	local cmd
	[ "$(id -u)" = 0 ] || { skip_test "needs root"; return 1; }
	for cmd in iperf3 nft iptables-nft bpftool clang cc python3 taskset; do
		command -v "$cmd" > /dev/null || { skip_test "no $cmd: run 'make deps'"; return 1; }
	done
	[ -x "$KSCTL" ] || { skip_test "no ksctl at $KSCTL: run 'make'"; return 1; }
}

# Namespaces, cgroups and mounts named after the bench's run id.
leftovers() {
	ip netns list | grep -E "^ksb-(snd|rcv)-$1( |\$)"
	ls -d /sys/fs/cgroup/unified/ksbench-"$1" /sys/fs/cgroup/ksbench-"$1" 2> /dev/null
	grep -E "ksbench-$1\." /proc/mounts
}

test_bench_quick() {
	bench_prerequisites || return $?
	local id=$$
	BED_ID=$id QUICK=1 KSCTL=$KSCTL BENCH_OUT=$BENCH_TMP/out bash "$KS_TOP/tools/bench/bench.sh" \
		|| die "bench.sh exited $?"
	! leftovers "$id" || die "bench.sh left the above behind"
	python3 - "$BENCH_TMP/out/results.json" "$BENCH_TMP/out/bench.svg" <<-'PY' || die "results.json or bench.svg is wrong"
	import json, sys, xml.etree.ElementTree as ET
	d = json.load(open(sys.argv[1]))
	configs = ["none", "iptables-nft", "iptables-legacy", "nftables", "ksctl-tc", "ksctl-tcx", "ksctl-clsact",
	           "ksctl-cgroup", "ksctl-tc-4", "ksctl-tc-1000", "ksctl-tc-10000", "ksctl-tc-100000"]
	units = {"udp64": "pps", "tcp": "Gbit/s", "rr": "us"}
	for key in ("machine", "kernel", "repetitions", "results", "bpf_ns_per_packet", "up_ms", "binary_bytes"):
	    assert key in d, f"no {key!r}"
	assert set(d["skipped"]) <= {"iptables-legacy"}, f"skipped {d['skipped']}"
	got = {(r["config"], r["workload"]): r for r in d["results"]}
	for c in configs:
	    if c in d["skipped"]:
	        continue
	    for w, unit in units.items():
	        r = got.get((c, w))
	        assert r, f"no result for {c} {w}"
	        assert r["unit"] == unit and r["min"] <= r["median"] <= r["max"] and r["median"] > 0, r
	        assert isinstance(r["ratio"], float), r
	for c in ["empty"] + [c for c in configs if c.startswith("ksctl")]:
	    assert d["bpf_ns_per_packet"].get(c, 0) > 0, f"no BPF run time for {c}"
	assert {"median", "min", "max"} <= set(d["up_ms"]) and d["binary_bytes"] > 0
	assert ET.parse(sys.argv[2]).getroot().tag.endswith("svg")
	print("configs:", len(configs) - len(d["skipped"]), "skipped:", d["skipped"])
	PY
	proved "QUICK=1 bench ran every configuration x udp64/tcp/rr, BPF run times and control plane, wrote valid results.json + SVG, left nothing behind"
}

run_test bench_quick test_bench_quick
