#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Draw build/bench/results.json as an SVG: one panel per workload with
each configuration's paired ratio to no filter (the pairs' geometric mean;
whiskers: its 95% confidence interval; the dashed line at 1.0 is "no
difference"), the claims with their verdicts, and one panel of the BPF
program's own cost per packet class. Plain SVG text, no plotting library.

usage: plot.py RESULTS.json OUT.svg
"""
import json
import sys
from xml.sax.saxutils import escape

ROW, LABEL_W, BAR_W, PAD = 18, 140, 300, 14
PANEL_W = LABEL_W + BAR_W + 150


def colour(config):
    if config == "none":
        return "#888888"
    if config.startswith("ksctl"):
        return "#2a7ab9"
    return "#d9822b"


def panel(x, y, title, rows, vmin, vmax, unit_fmt, ref=None):
    """rows: [(label, value, lo, hi, config)], drawn from vmin to vmax; returns (svg parts, height)."""
    parts = [f'<text x="{x}" y="{y + 12}" font-weight="bold">{escape(title)}</text>']
    top = y + 22
    scale = BAR_W / (vmax - vmin) if vmax > vmin else 0

    def at(v):
        return x + LABEL_W + (min(max(v, vmin), vmax) - vmin) * scale

    for i, (label, value, lo, hi, config) in enumerate(rows):
        ry = top + i * ROW
        parts.append(f'<text x="{x + LABEL_W - 6}" y="{ry + 12}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{x + LABEL_W}" y="{ry + 2}" width="{max(at(value) - x - LABEL_W, 0):.1f}" '
                     f'height="{ROW - 6}" fill="{colour(config)}"/>')
        text = unit_fmt(value)
        if lo is not None and hi is not None:
            cy = ry + ROW / 2 - 1
            parts.append(f'<line x1="{at(lo):.1f}" y1="{cy}" x2="{at(hi):.1f}" y2="{cy}" stroke="black"/>')
            for end in (lo, hi):
                parts.append(f'<line x1="{at(end):.1f}" y1="{cy - 4}" x2="{at(end):.1f}" y2="{cy + 4}" stroke="black"/>')
            text += f" [{unit_fmt(lo)}, {unit_fmt(hi)}]"
        parts.append(f'<text x="{max(at(value), at(hi) if hi is not None else 0) + 4:.1f}" y="{ry + 12}">'
                     f'{escape(text)}</text>')
    if ref is not None and scale:
        rx = at(ref)
        parts.append(f'<line x1="{rx:.1f}" y1="{top - 2}" x2="{rx:.1f}" y2="{top + len(rows) * ROW}" '
                     f'stroke="#444" stroke-dasharray="3,3"/>')
    return parts, 22 + len(rows) * ROW + PAD


def ratio_rows(results, workload):
    rows = []
    for e in results:
        if e["workload"] != workload:
            continue
        if e.get("paired_mean") is not None:
            rows.append((e["config"], e["paired_mean"], e["ci95"][0], e["ci95"][1], e["config"]))
        elif e.get("paired_ratio") is not None:
            rows.append((e["config"], e["paired_ratio"], None, None, e["config"]))
    return rows


def text_lines(x, y, title, lines):
    parts = [f'<text x="{x}" y="{y + 12}" font-weight="bold">{escape(title)}</text>']
    for i, line in enumerate(lines):
        parts.append(f'<text x="{x}" y="{y + 28 + i * 14}">{escape(line)}</text>')
    return parts, 22 + len(lines) * 14 + PAD


def main():
    with open(sys.argv[1]) as f:
        data = json.load(f)
    results = data["results"]
    panels = [
        ("Sender CPU per packet, x no filter (cost: lower is better; whiskers: 95% interval)",
         ratio_rows(results, "cpu")),
        ("UDP 64 B, pps at the receiver, x no filter (paired)", ratio_rows(results, "udp64")),
        ("TCP single stream, Gbit/s, x no filter (paired)", ratio_rows(results, "tcp")),
        ("TCP request/response p50, no filter / x (paired)", ratio_rows(results, "rr")),
    ]
    parts, y = [], 40
    for title, rows in panels:
        if not rows:
            continue
        lo = min([0.8] + [r[2] or r[1] for r in rows])
        hi = max([1.2] + [r[3] or r[1] for r in rows])
        p, h = panel(10, y, title, rows, lo - 0.05, hi + 0.05, lambda v: f"{v:.3f}", ref=1.0)
        parts += p
        y += h
    claims = [f"{c['claim']}: {c['verdict']}" for c in data.get("claims", [])]
    if claims:
        p, h = text_lines(10, y, "Claims", claims)
        parts += p
        y += h
    for config, classes in data.get("bpf_prog_cost", {}).items():
        rows = [(cls, v["net_median"], v["net_min"], v["net_median"], config) for cls, v in classes.items()]
        p, h = panel(10, y, f"BPF program's own cost, {config}: ns per run net of an empty program "
                     "(BPF_PROG_TEST_RUN; bar: median, whisker from the minimum)",
                     rows, 0, max([10.0] + [r[1] for r in rows]) * 1.2, lambda v: f"{v:.0f} ns")
        parts += p
        y += h
    up, watch = data.get("up_ms"), data.get("watch")
    foot = f"ksctl up: {up['median']:.1f} ms median; " if up else ""
    if watch and watch.get("attach_ms"):
        foot += f"watch attaches a new link {watch['attach_ms']['median']:.1f} ms after its creation; "
    foot += f"{data['repetitions']} pair(s) per configuration; load average {data.get('load_average')}; "
    parts.append(f'<text x="10" y="{y + 4}" font-size="10" fill="#444">{escape(foot)}</text>')
    parts.append(f'<text x="10" y="{y + 18}" font-size="10" fill="#444">'
                 f'{escape(data["machine"] + "; kernel " + data["kernel"])}</text>')
    height, width = y + 30, PANEL_W + 200
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
            f'font-size="11"><rect width="100%" height="100%" fill="white"/>'
            f'<text x="10" y="22" font-size="15" font-weight="bold">ksctl: cost of the egress filter</text>')
    with open(sys.argv[2], "w") as f:
        f.write(head + "".join(parts) + "</svg>\n")


if __name__ == "__main__":
    main()
