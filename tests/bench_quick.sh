#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench in its quick mode (QUICK=1: one short pass, one pair per
# configuration): it must run every configuration, clean up after itself,
# and write a well-formed results.json, table.md and SVG. No figure is
# asserted: this VM is too noisy for that. The statistics that decide the
# claims are checked on made-up samples whose answers are known.
set -u
source "$(dirname "$0")/lib/report.sh"

BENCH_TMP=$(mktemp -d /tmp/ksctl-bench-quick.XXXXXX)
trap 'rm -rf "$BENCH_TMP" "$KS_LOGDIR"' EXIT
trap 'exit 130' INT TERM

bench_prerequisites() {
	local cmd
	[ "$(id -u)" = 0 ] || { skip_test "needs root"; return 1; }
	for cmd in nft iptables-nft bpftool clang cc python3 taskset setpriv; do
		command -v "$cmd" > /dev/null || { skip_test "no $cmd: run 'make deps'"; return 1; }
	done
	[ -x "$KSCTL" ] || { skip_test "no ksctl at $KSCTL: run 'make'"; return 1; }
}

# Namespaces, cgroups, mounts and processes named after the bench's run id.
leftovers() {
	ip netns list | grep -E "^ksb-(snd|rcv)-$1( |\$)"
	ls -d /sys/fs/cgroup/unified/ksbench-"$1" /sys/fs/cgroup/ksbench-"$1" 2> /dev/null
	grep -E "ksbench-$1\." /proc/mounts
	pgrep -af "ksbench-$1\."
}

test_bench_quick() {
	bench_prerequisites || return $?
	local id=$$
	BED_ID=$id QUICK=1 KSCTL=$KSCTL BENCH_OUT=$BENCH_TMP/out bash "$KS_TOP/tools/bench/bench.sh" \
		|| die "bench.sh exited $?"
	! leftovers "$id" || die "bench.sh left the above behind"
	python3 - "$BENCH_TMP/out" <<-'PY' || die "results.json, table.md or bench.svg is wrong"
	import json, os, sys, xml.etree.ElementTree as ET
	out = sys.argv[1]
	d = json.load(open(os.path.join(out, "results.json")))
	configs = ["none", "iptables-nft", "iptables-legacy", "nftables", "ksctl-tc", "ksctl-tcx", "ksctl-clsact",
	           "ksctl-cgroup", "ksctl-tc-4", "ksctl-tc-1000", "ksctl-tc-10000", "ksctl-tc-100000"]
	units = {"cpu": "ns/packet", "udp64": "pps", "tcp": "Gbit/s", "rr": "us"}
	for key in ("machine", "kernel", "repetitions", "results", "claims", "bpf_ns_per_packet", "bpf_prog_cost",
	            "bpf_programs", "up_ms", "up_cpu_ms", "up_clsact_ms", "status_ms", "stats_ms", "up_100000_ms",
	            "map_memlock_bytes", "attach_us", "watch", "binary_bytes", "load_average"):
	    assert key in d and d[key] is not None, f"no {key!r}"
	assert set(d["skipped"]) <= {"iptables-legacy"}, f"skipped {d['skipped']}"
	got = {(r["config"], r["workload"]): r for r in d["results"]}
	for c in configs:
	    if c in d["skipped"]:
	        continue
	    for w, unit in units.items():
	        r = got.get((c, w))
	        assert r, f"no result for {c} {w}"
	        assert r["unit"] == unit and r["min"] <= r["median"] <= r["max"] and r["median"] > 0, r
	        assert r["pairs"] == 1 and r["paired_ratio"] > 0 and isinstance(r["ratio"], float), r
	assert [c["verdict"] for c in d["claims"]][0].startswith("undecided"), d["claims"]
	for c in ["empty"] + [c for c in configs if c.startswith("ksctl")]:
	    assert d["bpf_ns_per_packet"].get(c, 0) > 0, f"no live BPF run time for {c}"
	classes = {"endpoint", "allowlist", "drop_ipv4", "drop_ipv6", "neighbour_discovery", "dns", "tunnel_only"}
	for c in ("ksctl-tc", "ksctl-tc-100000"):
	    assert set(d["bpf_prog_cost"][c]) == classes, d["bpf_prog_cost"].get(c)
	    assert all(v["prog_median"] > 0 for v in d["bpf_prog_cost"][c].values())
	assert d["bpf_programs"]["ksctl_eth"]["verified_insns"] > 0 and d["bpf_programs"]["ksctl_l3"]["jited_bytes"] > 0
	assert {"4", "100000"} <= set(d["map_memlock_bytes"]), d["map_memlock_bytes"]
	assert {"tcx_attach_us", "tcx_replace_us", "synchronize_rcu_us", "clsact_attach_us"} <= set(d["attach_us"])
	w = d["watch"]
	assert w["trials"] == 2 and w["control_unjudged"] > 0 and w["control_sent"] > 0, w
	assert {"median", "min", "max"} <= set(d["up_ms"]) and d["binary_bytes"] > 0
	assert open(os.path.join(out, "table.md")).read().count("\n| ksctl-tc ") == 1
	assert ET.parse(os.path.join(out, "bench.svg")).getroot().tag.endswith("svg")
	print("configs:", len(configs) - len(d["skipped"]), "skipped:", d["skipped"])
	PY
	proved "QUICK=1 bench ran every configuration paired with no filter (CPU per packet, udp64/tcp/rr), the program's cost per class, the control plane and watch (positive control: late-link frames arrive without watch), wrote valid results.json, table.md and SVG, left nothing behind"
}

# Made-up pairs whose intervals are known: each claim must come out as
# decided only when its interval decides it.
test_bench_report() {
	python3 - "$KS_TOP/tools/bench" "$BENCH_TMP" <<-'PY' || die "the claims' statistics are wrong"
	import math, os, subprocess, sys, json
	bench, tmp = sys.argv[1], sys.argv[2]
	sys.path.insert(0, bench)
	import report
	# Student's t on logs: ratios e^(+-0.01) alternating, 10 pairs: mean 0, sd 0.0105, half 0.0075.
	ci = report.interval([math.exp(0.01 * (-1) ** i) for i in range(10)])
	assert abs(ci[0] - 1) < 1e-9 and abs(math.log(ci[2]) - 2.262 * 0.010541 / math.sqrt(10)) < 1e-4, ci
	assert report.interval([1.2]) is None
	assert report.decide(1.0, 0.99, 1.005, 1.01) == "holds"
	assert report.decide(1.05, 1.02, 1.08, 1.01) == "does not hold"
	assert report.decide(1.0, 0.95, 1.05, 1.01).startswith("undecided at this noise (95% interval 0.950-1.050, width 0.100)")
	# A whole run of samples: ksctl 0.5% over no filter, steady; iptables 10% over; nftables as noisy as can be.
	lines = []
	for rep in range(10):
	    for c, ratio in (("none", 1.0), ("ksctl-tc", 1.005), ("iptables-nft", 1.10), ("nftables", 1.0 + 0.3 * (-1) ** rep)):
	        base = 1000 + 50 * rep
	        jitter = 1 + 0.001 * (-1) ** rep
	        lines.append(f"cpu\tbase\tudp64\t{base}\t{rep}:{c}")
	        lines.append(f"cpu\t{c}\tudp64\t{base * ratio * jitter}\t{rep}:{c}")
	samples = os.path.join(tmp, "synthetic.tsv")
	open(samples, "w").write("\n".join(lines) + "\n")
	subprocess.run([sys.executable, os.path.join(bench, "report.py"), samples, tmp, "10",
	                "none ksctl-tc iptables-nft nftables", ""], check=True, stdout=subprocess.DEVNULL)
	d = json.load(open(os.path.join(tmp, "results.json")))
	verdicts = {(c["config"], c["against"]): c["verdict"] for c in d["claims"]}
	assert verdicts[("ksctl-tc", "none")] == "holds", verdicts
	assert verdicts[("ksctl-tc", "iptables-nft")] == "holds", verdicts
	assert verdicts[("ksctl-tc", "nftables")].startswith("undecided at this noise"), verdicts
	assert verdicts[("none", "none")] == "holds", verdicts
	cpu = {r["config"]: r for r in d["results"] if r["workload"] == "cpu"}
	assert cpu["iptables-nft"]["ci95"][0] > 1.09 and cpu["ksctl-tc"]["pairs"] == 10, cpu
	PY
	proved "on made-up pairs the 95% intervals are Student's t on the log ratios, and a claim is decided (holds / does not hold) only when its interval is wholly on one side, else undecided with its width"
}

run_test bench_report test_bench_report
run_test bench_quick test_bench_quick
