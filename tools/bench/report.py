#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn the benchmark's raw samples into build/bench/results.json and a
table on stdout.

usage: report.py SAMPLES.tsv RESULTS.json REPETITIONS "CONFIG..." ["SKIPPED..."]
SAMPLES.tsv lines: KIND CONFIG WORKLOAD VALUE, KIND one of perf (udp64
pps, tcp Gbit/s, rr p50 us), p99 (rr), drop (drop path pps, WORKLOAD is
the action), bpf (ns per run), cp (control plane, WORKLOAD is the figure).
"""
import json
import os
import platform
import statistics
import sys
from collections import defaultdict

UNITS = {"udp64": "pps", "tcp": "Gbit/s", "rr": "us"}


def summary(values):
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def ratio(median, base, lower_is_better):
    if not base or not median:
        return None
    return round(base / median if lower_is_better else median / base, 3)


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} CPUs, {platform.machine()}"


def load(path):
    samples, ordered = defaultdict(list), []
    with open(path) as f:
        for line in f:
            kind, config, workload, value = line.rstrip("\n").split("\t")
            samples[(kind, config, workload)].append(float(value))
            ordered.append((kind, config, workload, float(value)))
    return samples, ordered


def paired_ratios(ordered):
    """Each filtered figure over the no-filter figure measured just before it."""
    last_none, pairs = {}, defaultdict(list)
    for kind, config, workload, value in ordered:
        if kind not in ("perf", "p99"):
            continue
        if config == "none":
            last_none[(kind, workload)] = value
        elif (kind, workload) in last_none and value:
            base = last_none[(kind, workload)]
            pairs[(kind, config, workload)].append(base / value if workload == "rr" else value / base)
    return pairs


def build(loaded, reps, configs, skipped):
    samples, ordered = loaded
    pairs = paired_ratios(ordered)
    results = []
    for workload, unit in UNITS.items():
        base = samples.get(("perf", "none", workload))
        base_median = statistics.median(base) if base else None
        for config in configs:
            values = samples.get(("perf", config, workload))
            if not values:
                continue
            entry = {"config": config, "workload": workload, "unit": unit, **summary(values)}
            entry["ratio"] = ratio(entry["median"], base_median, workload == "rr")
            paired = pairs.get(("perf", config, workload))
            entry["paired_ratio"] = round(statistics.median(paired), 3) if paired else (1.0 if config == "none" else None)
            if paired:
                entry["paired_min"], entry["paired_max"] = round(min(paired), 3), round(max(paired), 3)
            entry["spread"] = round((entry["max"] - entry["min"]) / entry["median"], 3) if entry["median"] else None
            p99 = samples.get(("p99", config, workload))
            if p99:
                base99 = samples.get(("p99", "none", workload))
                entry["p99"] = summary(p99)
                entry["p99"]["ratio"] = ratio(entry["p99"]["median"], statistics.median(base99) if base99 else None, True)
            results.append(entry)
    bpf = {c: round(statistics.median(v), 2) for (k, c, _), v in samples.items() if k == "bpf"}
    net = {c: round(ns - bpf["empty"], 2) for c, ns in bpf.items() if c != "empty"} if "empty" in bpf else {}
    test_run = {c: round(statistics.median(v), 2) for (k, c, _), v in samples.items() if k == "testrun"}
    test_run_net = {c: round(ns - test_run["empty"], 2) for c, ns in test_run.items() if c != "empty"} if "empty" in test_run else {}
    passing = samples.get(("drop", "none", "pass"))
    drop_path = []
    for (kind, config, action), values in samples.items():
        if kind != "drop":
            continue
        entry = {"config": config, "action": action, "unit": "pps", **summary(values)}
        entry["ratio"] = ratio(entry["median"], statistics.median(passing) if passing else None, False)
        drop_path.append(entry)
    cp = {w: v for (k, _, w), v in samples.items() if k == "cp"}
    out = {
        "machine": machine(),
        "kernel": platform.release(),
        "repetitions": reps,
        "skipped": skipped,
        "results": results,
        "bpf_ns_per_packet": bpf,
        "bpf_net_ns_per_packet": net,
        "bpf_test_run_ns": test_run,
        "bpf_test_run_net_ns": test_run_net,
        "drop_path": drop_path,
    }
    for key in ("up_ms", "up_clsact_ms", "stats_ms", "up_100000_ms"):
        if key in cp:
            out[key] = summary(cp[key])
    out["map_memlock_bytes"] = {k[len("memlock_"):]: int(v[0]) for k, v in cp.items() if k.startswith("memlock_")}
    if "binary_bytes" in cp:
        out["binary_bytes"] = int(cp["binary_bytes"][0])
    return out


def fmt(entry, scale=1.0, digits=1):
    if not entry:
        return "-"
    r = entry.get("paired_ratio")
    return f"{entry['median'] / scale:.{digits}f} ({r:.3f})" if r is not None else f"{entry['median'] / scale:.{digits}f}"


def table(out, configs):
    by = {(e["config"], e["workload"]): e for e in out["results"]}
    drops = defaultdict(dict)
    for e in out["drop_path"]:
        drops[e["config"]][e["action"]] = e
    head = f"{'config':<17} {'udp64 kpps (x none)':>21} {'tcp Gbit/s (x none)':>20} {'rr p50 us (none/x)':>19} {'rr p99 us':>10} {'bpf ns (net)':>13} {'test_run (net)':>14} {'drop kpps':>16}"
    lines = [f"ksctl benchmark: {out['machine']}, kernel {out['kernel']}, {out['repetitions']} repetition(s); median (paired ratio: median of each run over the no-filter run just before it)", head, "-" * len(head)]
    for c in configs:
        rr = by.get((c, "rr"))
        p99 = f"{rr['p99']['median']:.1f}" if rr and "p99" in rr else "-"
        ns = out["bpf_ns_per_packet"].get(c)
        bpf = f"{ns:.1f} ({out['bpf_net_ns_per_packet'][c]:.1f})" if ns is not None and c in out["bpf_net_ns_per_packet"] else "-"
        tr = out["bpf_test_run_ns"].get(c)
        trs = f"{tr:.1f} ({out['bpf_test_run_net_ns'][c]:.1f})" if tr is not None and c in out["bpf_test_run_net_ns"] else "-"
        d = drops.get(c, {})
        drop = " / ".join(f"{a[0]}:{d[a]['median'] / 1e3:.0f}" for a in sorted(d)) or "-"
        lines.append(f"{c:<17} {fmt(by.get((c, 'udp64')), 1e3):>21} {fmt(by.get((c, 'tcp')), 1, 2):>20} {fmt(rr):>19} {p99:>10} {bpf:>13} {trs:>14} {drop:>16}")
    if "empty" in out["bpf_ns_per_packet"]:
        lines.append(f"empty tc program: {out['bpf_ns_per_packet']['empty']:.1f} ns per run (kernel accounting included), "
                     f"{out['bpf_test_run_ns'].get('empty', 0):.1f} ns in BPF_PROG_TEST_RUN")
    for key, label in (("up_ms", "ksctl up"), ("up_clsact_ms", "ksctl up --attach clsact"), ("up_100000_ms", "ksctl up, 100000 prefixes"), ("stats_ms", "ksctl stats --json")):
        if key in out:
            s = out[key]
            lines.append(f"{label}: median {s['median']:.1f} ms (min {s['min']:.1f}, max {s['max']:.1f})")
    mem = out["map_memlock_bytes"]
    if mem:
        lines.append("map memory (memlock): " + ", ".join(f"{k} prefixes: {v} B" if k != "default" else f"default allowlist: {v} B" for k, v in mem.items()))
    if "binary_bytes" in out:
        lines.append(f"ksctl binary: {out['binary_bytes']} bytes")
    lines.append("drop kpps: r = REJECT, d = DROP (the article's rules ending in each), p = passing to the receiver (none)")
    return "\n".join(lines)


def main():
    samples_path, out_path, reps, configs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split()
    skipped = sys.argv[5].split() if len(sys.argv) > 5 else []
    out = build(load(samples_path), reps, configs, skipped)
    with open(out_path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(table(out, configs))


if __name__ == "__main__":
    main()
