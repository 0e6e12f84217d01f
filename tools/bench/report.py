#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn the benchmark's raw samples into build/bench/results.json, README's
table (table.md) and a table on stdout.

usage: report.py SAMPLES.tsv OUT_DIR REPETITIONS "CONFIG..." ["SKIPPED..." [CONTROL_PLANE_BINARY]]
SAMPLES.tsv lines: KIND CONFIG WORKLOAD VALUE PAIR. KIND: cpu (sender CPU
ns per packet), perf (udp64 pps, tcp Gbit/s, rr p50 us), p99 (rr), drop
(drop path pps, WORKLOAD is the action), bpf (live accounting, ns per run),
progcost (BPF_PROG_TEST_RUN, WORKLOAD is CLASS:FIELD), proginfo (WORKLOAD
is PROGRAM:FIELD), cp and attach (control plane), watch (KIND:FIELD), machine.
PAIR ties a run to its no-filter partner, recorded as config "base".

Each paired figure is a ratio to its partner, 1.0 being "no difference":
the CPU per packet as filter over no filter (a cost: above 1 costs more),
the others as before, higher is better (udp64 and tcp filter over no
filter, rr no filter over filter). The interval is Student's t on the
logarithms of the ratios (the pairs' geometric mean), which keeps a ratio
and its inverse symmetric.
"""
import json
import math
import os
import platform
import statistics
import sys
from collections import defaultdict

UNITS = {"cpu": "ns/packet", "udp64": "pps", "tcp": "Gbit/s", "rr": "us"}
KSCTL = "ksctl-tc"
# The claims the benchmark exists to decide, on the sender's CPU per packet.
BOUND = 1.01
RIVALS = ("iptables-nft", "iptables-legacy", "nftables")
# Student's t, two-sided 95%, by degrees of freedom (then the normal's 1.96 is close enough).
T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
       2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t95(df):
    return T95[df - 1] if df <= len(T95) else 1.96 + 2.4 / df


def interval(ratios):
    """Geometric mean of @ratios and its 95% interval; None with fewer than two."""
    logs = [math.log(r) for r in ratios if r > 0]
    if len(logs) < 2:
        return None
    mean, sd = statistics.mean(logs), statistics.stdev(logs)
    half = t95(len(logs) - 1) * sd / math.sqrt(len(logs))
    return math.exp(mean), math.exp(mean - half), math.exp(mean + half)


def summary(values):
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} CPUs, {platform.machine()}"


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            kind, config, workload, value, pair = line.rstrip("\n").split("\t")
            rows.append((kind, config, workload, float(value), pair))
    return rows


def by_key(rows, kinds):
    out = defaultdict(list)
    for kind, config, workload, value, _ in rows:
        if kind in kinds:
            out[(kind, config, workload)].append(value)
    return out


def pair_ratios(rows):
    """(kind, config, workload) -> {pair: ratio of the run to its no-filter partner}."""
    runs = {}
    for kind, config, workload, value, pair in rows:
        if kind in ("cpu", "perf", "p99") and pair != "-":
            runs[(kind, config, workload, pair)] = value
    ratios = defaultdict(dict)
    for (kind, config, workload, pair), value in runs.items():
        base = runs.get((kind, "base", workload, pair))
        if config != "base" and base and value:
            inverse = kind == "perf" and workload == "rr"
            ratios[(kind, config, workload)][pair.split(":")[0]] = base / value if inverse else value / base
    return ratios


def workload_kind(workload):
    return "cpu" if workload == "cpu" else "perf"


def entry_of(config, workload, values, base, ratios):
    entry = {"config": config, "workload": workload, "unit": UNITS[workload], **summary(values)}
    base_median = statistics.median(base) if base else None
    if base_median:
        entry["ratio"] = round(base_median / entry["median"] if workload == "rr" else entry["median"] / base_median, 3)
    else:
        entry["ratio"] = None
    paired = list(ratios.values())
    entry["paired_ratio"] = round(statistics.median(paired), 3) if paired else None
    if paired:
        entry["paired_min"], entry["paired_max"] = round(min(paired), 3), round(max(paired), 3)
    ci = interval(paired)
    entry["pairs"] = len(paired)
    if ci:
        entry["paired_mean"], entry["ci95"] = round(ci[0], 4), [round(ci[1], 4), round(ci[2], 4)]
    entry["spread"] = round((entry["max"] - entry["min"]) / entry["median"], 3) if entry["median"] else None
    return entry


def results_of(rows, configs):
    values = by_key(rows, ("cpu", "perf", "p99"))
    ratios = pair_ratios(rows)
    results = []
    for workload in UNITS:
        kind = workload_kind(workload)
        real = "udp64" if workload == "cpu" else workload
        base = values.get((kind, "base", real))
        for config in configs:
            v = values.get((kind, config, real))
            if not v:
                continue
            entry = entry_of(config, workload, v, base, ratios.get((kind, config, real), {}))
            if workload == "rr" and (("p99", config, "rr") in values):
                p99 = values[("p99", config, "rr")]
                base99 = values.get(("p99", "base", "rr"))
                entry["p99"] = summary(p99)
                entry["p99"]["ratio"] = round(statistics.median(base99) / entry["p99"]["median"], 3) if base99 else None
            results.append(entry)
    return results, ratios


def decide(estimate, lo, hi, below):
    """'holds' when the whole interval is below @below, 'does not hold' when it is at or above, else undecided."""
    if hi < below:
        return "holds"
    if lo >= below:
        return "does not hold"
    return f"undecided at this noise (95% interval {lo:.3f}-{hi:.3f}, width {hi - lo:.3f})"


def claims_of(ratios):
    cpu = {c: r for (k, c, w), r in ratios.items() if k == "cpu"}
    claims = []
    mine = cpu.get(KSCTL, {})
    ci = interval(list(mine.values()))
    claim = {"claim": f"ksctl costs the sender at most {BOUND} x no filter per packet", "config": KSCTL,
             "against": "none", "bound": BOUND, "pairs": len(mine)}
    if ci:
        claim.update(estimate=round(ci[0], 4), ci95=[round(ci[1], 4), round(ci[2], 4)],
                     width=round(ci[2] - ci[1], 4), verdict=decide(*ci, BOUND + 1e-12))
    else:
        claim["verdict"] = "undecided: fewer than two pairs"
    claims.append(claim)
    for rival in RIVALS:
        theirs = cpu.get(rival)
        if not theirs:
            continue
        # Same repetition, each over its own no-filter partner: the machine's drift cancels twice.
        both = [mine[rep] / theirs[rep] for rep in mine if rep in theirs]
        ci = interval(both)
        claim = {"claim": f"ksctl costs the sender less than {rival} per packet", "config": KSCTL, "against": rival,
                 "bound": 1.0, "pairs": len(both)}
        if ci:
            claim.update(estimate=round(ci[0], 4), ci95=[round(ci[1], 4), round(ci[2], 4)],
                         width=round(ci[2] - ci[1], 4), verdict=decide(*ci, 1.0))
        else:
            claim["verdict"] = "undecided: fewer than two pairs"
        claims.append(claim)
    # The method's own check: no filter against no filter must not look like a cost.
    null = interval(list(cpu.get("none", {}).values()))
    if null:
        claims.append({"claim": "no filter against no filter (the method's null check): the interval holds 1",
                       "config": "none", "against": "none", "bound": 1.0, "pairs": len(cpu["none"]),
                       "estimate": round(null[0], 4), "ci95": [round(null[1], 4), round(null[2], 4)],
                       "width": round(null[2] - null[1], 4),
                       "verdict": "holds" if null[1] <= 1.0 <= null[2] else "does not hold: the pairs are biased"})
    return claims


def prog_cost_of(rows):
    out = defaultdict(lambda: defaultdict(dict))
    for kind, config, workload, value, _ in rows:
        if kind == "progcost":
            cls, field = workload.split(":")
            out[config][cls][field] = value
    return {c: dict(v) for c, v in out.items()}


def programs_of(rows):
    out = defaultdict(dict)
    for kind, _, workload, value, _ in rows:
        if kind == "proginfo":
            name, field = workload.split(":")
            out[name][field] = int(value)
    return dict(out)


def watch_of(rows):
    trials = defaultdict(list)
    for kind, _, workload, value, _ in rows:
        if kind == "watch":
            trials[workload].append(value)
    if not trials:
        return None
    out = {"trials": len(trials.get("watch:sent", [])), "up_delay_us": trials.get("up_delay_us", [None])[0]}
    for field in ("attach_ms", "first_judged_ms", "first_sent_ms"):
        seen = [v for v in trials.get(f"watch:{field}", []) if v >= 0]
        if seen:
            out[field] = summary(seen)
    never = sum(1 for v in trials.get("watch:attach_ms", []) if v < 0)
    out["never_attached"] = never
    out["sent"] = int(sum(trials.get("watch:sent", [])))
    out["unjudged"] = int(sum(trials.get("watch:unjudged", [])))
    out["trials_with_unjudged"] = sum(1 for v in trials.get("watch:unjudged", []) if v > 0)
    out["control_sent"] = int(sum(trials.get("control:sent", [])))
    out["control_unjudged"] = int(sum(trials.get("control:unjudged", [])))
    return out


def build(rows, reps, configs, skipped, cp_binary=None):
    results, ratios = results_of(rows, configs)
    live = by_key(rows, ("bpf",))
    bpf = {c: round(statistics.median(v), 2) for (_, c, _), v in live.items()}
    net = {c: round(ns - bpf["empty"], 2) for c, ns in bpf.items() if c != "empty"} if "empty" in bpf else {}
    prog_cost = prog_cost_of(rows)
    drops = by_key(rows, ("drop",))
    passing = drops.get(("drop", "none", "pass"))
    drop_path = []
    for (_, config, action), values in drops.items():
        entry = {"config": config, "action": action, "unit": "pps", **summary(values)}
        entry["ratio"] = round(entry["median"] / statistics.median(passing), 3) if passing else None
        drop_path.append(entry)
    cp = by_key(rows, ("cp",))
    attach = by_key(rows, ("attach",))
    loads = [v for (_, _, w), vs in by_key(rows, ("machine",)).items() if w == "loadavg" for v in vs]
    out = {
        "machine": machine(),
        "kernel": platform.release(),
        "repetitions": reps,
        "skipped": skipped,
        "load_average": summary(loads) if loads else None,
        "method": "sender CPU ns per packet (CLOCK_THREAD_CPUTIME_ID of the sending thread, 64-byte UDP); "
                  "each run paired with a no-filter run; ratio = run / partner; 95% interval: Student's t "
                  "on the logarithms of the pairs' ratios",
        "claims": claims_of(ratios),
        "results": results,
        "bpf_ns_per_packet": bpf,
        "bpf_net_ns_per_packet": net,
        "bpf_prog_cost": prog_cost,
        "bpf_test_run_ns": {c: v["allowlist"]["prog_median"] for c, v in prog_cost.items() if "allowlist" in v},
        "bpf_test_run_net_ns": {c: v["allowlist"]["net_median"] for c, v in prog_cost.items() if "allowlist" in v},
        "bpf_programs": programs_of(rows),
        "drop_path": drop_path,
    }
    for (_, _, key), values in cp.items():
        if key.endswith("_ms"):
            out[key] = summary(values)
    out["map_memlock_bytes"] = {k[len("memlock_"):]: int(v[0]) for (_, _, k), v in cp.items()
                                if k.startswith("memlock_")}
    if ("cp", "-", "binary_bytes") in cp:
        out["binary_bytes"] = int(cp[("cp", "-", "binary_bytes")][0])
    out["control_plane_binary"] = cp_binary
    out["attach_us"] = {k: v[0] for (_, _, k), v in attach.items()}
    out["watch"] = watch_of(rows)
    return out


def fmt_ratio(e):
    if e and e.get("paired_mean") is not None:
        lo, hi = e["ci95"]
        return f"{e['paired_mean']:.3f} [{lo:.3f}, {hi:.3f}]"
    return f"{e['paired_ratio']:.3f}" if e and e.get("paired_ratio") is not None else "-"


def table(out, configs):
    by = {(e["config"], e["workload"]): e for e in out["results"]}
    drops = defaultdict(dict)
    for e in out["drop_path"]:
        drops[e["config"]][e["action"]] = e
    head = (f"{'config':<16} {'cpu ns/pkt':>10} {'x none [95% interval]':>24} {'udp64 kpps':>10} "
            f"{'x none':>24} {'tcp Gbit/s':>10} {'rr p50 us':>9} {'drop kpps':>16}")
    lines = [f"ksctl benchmark: {out['machine']}, kernel {out['kernel']}, {out['repetitions']} pair(s) per "
             f"configuration; load average {out['load_average']}", head, "-" * len(head)]
    for c in configs:
        cpu, udp, tcp, rr = (by.get((c, w)) for w in ("cpu", "udp64", "tcp", "rr"))
        d = drops.get(c, {})
        drop = " / ".join(f"{a[0]}:{d[a]['median'] / 1e3:.0f}" for a in sorted(d)) or "-"
        lines.append(f"{c:<16} {cpu['median'] if cpu else 0:>10.0f} {fmt_ratio(cpu):>24} "
                     f"{udp['median'] / 1e3 if udp else 0:>10.1f} {fmt_ratio(udp):>24} "
                     f"{tcp['median'] if tcp else 0:>10.2f} {rr['median'] if rr else 0:>9.1f} {drop:>16}")
    lines.append("claims (sender CPU per packet):")
    for claim in out["claims"]:
        est = f" {claim['estimate']:.3f} [{claim['ci95'][0]:.3f}, {claim['ci95'][1]:.3f}]" if "estimate" in claim else ""
        lines.append(f"  {claim['claim']}:{est} -> {claim['verdict']}")
    for config, classes in out["bpf_prog_cost"].items():
        lines.append(f"program's own cost, {config} (ns per run, net of an empty program: median / min): " +
                     ", ".join(f"{cls} {v['net_median']:.0f}/{v['net_min']:.0f}" for cls, v in classes.items()))
    for name, info in out["bpf_programs"].items():
        capbpf = info.get("verified_insns_capbpf")
        capbpf = ("refused by the verifier" if info.get("capbpf_refused") or out["bpf_programs"].get("ksctl_eth", {})
                  .get("capbpf_refused") else "not measured") if capbpf is None else f"{capbpf}"
        lines.append(f"{name}: {info.get('verified_insns')} instructions verified as root, {capbpf} with CAP_BPF "
                     f"and CAP_NET_ADMIN alone; JIT {info.get('jited_bytes')} bytes")
    for key, label in (("exec_floor_ms", "a process that exits at once"), ("version_ms", "ksctl version"),
                       ("up_ms", "ksctl up"), ("up_again_ms", "ksctl up again"),
                       ("up_clsact_ms", "ksctl up --attach clsact"), ("up_100000_ms", "ksctl up, 100000 prefixes"),
                       ("up_100000_again_ms", "ksctl up again, 100000 prefixes"), ("status_ms", "ksctl status"),
                       ("stats_ms", "ksctl stats --json")):
        if key in out:
            s, c = out[key], out.get(key.replace("_ms", "_cpu_ms"), {})
            lines.append(f"{label}: median {s['median']:.1f} ms (min {s['min']:.1f}, max {s['max']:.1f}); "
                         f"CPU {c.get('median', 0):.1f} ms")
    if out["attach_us"]:
        lines.append("kernel attach calls (us, median): " + ", ".join(f"{k} {v:g}" for k, v in out["attach_us"].items()))
    mem = out["map_memlock_bytes"]
    if mem:
        lines.append("map memory (memlock): " + ", ".join(f"{k} prefixes: {v} B" for k, v in sorted(mem.items())))
    w = out["watch"]
    if w:
        lines.append(f"watch: a link set up and sending at once after its creation, {w['trials']} times: attached "
                     f"after {w.get('attach_ms', {}).get('median', -1):.1f} ms (median), first frame judged after "
                     f"{w.get('first_judged_ms', {}).get('median', -1):.1f} ms; {w['unjudged']} of {w['sent']} "
                     f"frames unjudged, in {w['trials_with_unjudged']} trials (without watch: {w['control_unjudged']} "
                     f"of {w['control_sent']})")
    lines.append("drop kpps: r = REJECT, d = DROP (the article's rules ending in each), p = passing to the receiver (none)")
    return "\n".join(lines)


def markdown(out, configs):
    """README's Performance table."""
    by = {(e["config"], e["workload"]): e for e in out["results"]}
    net = out["bpf_test_run_net_ns"]
    rows = ["| config | sender CPU ns per packet | x no filter [95% interval] | UDP 64 B kpps (x no filter) "
            "| TCP Gbit/s (x no filter) | BPF ns per packet, net of an empty program |",
            "| --- | --- | --- | --- | --- | --- |"]
    for c in configs:
        cpu, udp, tcp = (by.get((c, w)) for w in ("cpu", "udp64", "tcp"))
        if not cpu:
            continue
        ratio = fmt_ratio(cpu)
        udp_s = f"{udp['median'] / 1e3:.1f} ({udp['paired_mean']:.3f})" if udp and "paired_mean" in udp else "-"
        tcp_s = f"{tcp['median']:.1f} ({tcp['paired_mean']:.3f})" if tcp and "paired_mean" in tcp else "-"
        rows.append(f"| {c} | {cpu['median']:.0f} | {ratio} | {udp_s} | {tcp_s} | "
                    f"{net[c]:.0f} |" if c in net else
                    f"| {c} | {cpu['median']:.0f} | {ratio} | {udp_s} | {tcp_s} | - |")
    return "\n".join(rows) + "\n"


def main():
    samples_path, out_dir, reps, configs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split()
    skipped = sys.argv[5].split() if len(sys.argv) > 5 else []
    out = build(load(samples_path), reps, configs, skipped, sys.argv[6] if len(sys.argv) > 6 else None)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    with open(os.path.join(out_dir, "table.md"), "w") as f:
        f.write(markdown(out, configs))
    print(table(out, configs))


if __name__ == "__main__":
    main()
