#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Draw build/bench/results.json as an SVG: one panel per workload with
each configuration's median relative to no filter (1.0 = free; whiskers
from min to max), and one panel of BPF run time per packet.
Plain SVG text, no plotting library.

usage: plot.py RESULTS.json OUT.svg
"""
import json
import sys
from xml.sax.saxutils import escape

ROW, LABEL_W, BAR_W, PAD = 18, 130, 300, 14
PANEL_W = LABEL_W + BAR_W + 60


def colour(config):
    if config == "none":
        return "#888888"
    if config.startswith("ksctl"):
        return "#2a7ab9"
    return "#d9822b"


def panel(x, y, title, rows, vmax, unit_fmt, ref=None):
    """rows: [(label, value, lo, hi, config)]; returns (svg parts, height)."""
    parts = [f'<text x="{x}" y="{y + 12}" font-weight="bold">{escape(title)}</text>']
    top = y + 22
    scale = BAR_W / vmax if vmax else 0
    for i, (label, value, lo, hi, config) in enumerate(rows):
        ry = top + i * ROW
        parts.append(f'<text x="{x + LABEL_W - 6}" y="{ry + 12}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{x + LABEL_W}" y="{ry + 2}" width="{max(value * scale, 0):.1f}" height="{ROW - 6}" fill="{colour(config)}"/>')
        if lo is not None and hi is not None:
            cy = ry + ROW / 2 - 1
            parts.append(f'<line x1="{x + LABEL_W + lo * scale:.1f}" y1="{cy}" x2="{x + LABEL_W + hi * scale:.1f}" y2="{cy}" stroke="black"/>')
        parts.append(f'<text x="{x + LABEL_W + max(value * scale, 0) + 4:.1f}" y="{ry + 12}">{unit_fmt(value)}</text>')
    if ref is not None and scale:
        rx = x + LABEL_W + ref * scale
        parts.append(f'<line x1="{rx:.1f}" y1="{top - 2}" x2="{rx:.1f}" y2="{top + len(rows) * ROW}" stroke="#444" stroke-dasharray="3,3"/>')
    return parts, 22 + len(rows) * ROW + PAD


def ratio_rows(results, workload):
    rows = []
    for e in results:
        if e["workload"] != workload or e.get("ratio") is None:
            continue
        base = e["median"] / e["ratio"] if workload != "rr" else e["median"] * e["ratio"]
        # Whiskers: the same ratio for the worst and best repetition.
        if workload == "rr":
            lo, hi = base / e["max"], base / e["min"]
        else:
            lo, hi = e["min"] / base, e["max"] / base
        if e.get("paired_ratio") is not None:
            # Each run over the no-filter run just before it: robust to drift.
            lo, hi = e.get("paired_min", e["paired_ratio"]), e.get("paired_max", e["paired_ratio"])
            rows.append((e["config"], e["paired_ratio"], lo, hi, e["config"]))
            continue
        rows.append((e["config"], e["ratio"], lo, hi, e["config"]))
    return rows


def main():
    data = json.load(open(sys.argv[1]))
    results = data["results"]
    panels = [
        ("UDP 64 B, pps at the receiver (x no filter, paired; whiskers: min-max)", ratio_rows(results, "udp64")),
        ("TCP single stream, Gbit/s (x no filter, paired)", ratio_rows(results, "tcp")),
        ("TCP request/response p50 (no filter / x, paired)", ratio_rows(results, "rr")),
    ]
    parts, y = [], 40
    for title, rows in panels:
        vmax = max([1.1] + [r[3] or r[1] for r in rows])
        p, h = panel(10, y, title, rows, vmax, lambda v: f"{v:.3f}", ref=1.0)
        parts += p
        y += h
    net = data.get("bpf_net_ns_per_packet", {})
    order = [e["config"] for e in results if e["workload"] == "udp64"]
    bpf = [(c, net[c], None, None, c) for c in order if c in net]
    if bpf:
        p, h = panel(10, y, f"BPF run time per packet, net of an empty program ({data['bpf_ns_per_packet'].get('empty', 0):.0f} ns); target 25 ns",
                     bpf, max([25.0] + [b[1] for b in bpf]) * 1.15, lambda v: f"{v:.1f} ns", ref=25.0)
        parts += p
        y += h
    up = data.get("up_ms")
    foot = f"ksctl up: {up['median']:.1f} ms median; " if up else ""
    foot += f"{data['repetitions']} repetition(s); {data['machine']}; kernel {data['kernel']}"
    parts.append(f'<text x="10" y="{y + 4}" font-size="10" fill="#444">{escape(foot)}</text>')
    height, width = y + 16, PANEL_W + 20
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">'
            f'<rect width="100%" height="100%" fill="white"/>'
            f'<text x="10" y="22" font-size="15" font-weight="bold">ksctl: cost of the egress filter</text>')
    with open(sys.argv[2], "w") as f:
        f.write(head + "".join(parts) + "</svg>\n")


if __name__ == "__main__":
    main()
