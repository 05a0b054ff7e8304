"""Summaries of an accuracy run: per family × size × method (score, median seconds, tokens),
protocol figures per method, a Markdown table and a PNG plot (score against context length)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from rlm_desktop.bench.accuracy.methods import METHODS, Outcome


def cells(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[(o.task.family, o.task.size, o.method)].append(o)
    rows = []
    for (family, size, method), group in groups.items():
        rows.append(
            {
                "family": family,
                "size": size,
                "chars": round(statistics.mean(o.task.chars for o in group)),
                "method": method,
                "tasks": len(group),
                "score": round(statistics.mean(o.score for o in group), 3),
                "median_seconds": round(statistics.median(o.seconds for o in group), 2),
                "mean_tokens": round(statistics.mean(o.tokens for o in group)),
            }
        )
    return sorted(rows, key=lambda r: (r["family"], r["chars"], METHODS.index(r["method"])))


def protocol_figures(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    for method in ("rlm", "rlm_nosub"):
        runs = [o for o in outcomes if o.method == method and o.protocol is not None]
        if not runs:
            continue
        protos = [o.protocol for o in runs if o.protocol]
        turns = sum(p.turns for p in protos)
        blocks = sum(p.blocks for p in protos)
        figures[method] = {
            "runs": len(runs),
            "turns": turns,
            "parse_rate": round(sum(p.parsed for p in protos) / turns, 3) if turns else 0.0,
            "valid_code_rate": round(sum(p.valid_blocks for p in protos) / blocks, 3)
            if blocks
            else 0.0,
            "final_rate": round(sum(p.reached_final for p in protos) / len(protos), 3),
            "mean_iterations": round(turns / len(protos), 2),
            "subcalls_per_run": round(sum(p.subcalls for p in protos) / len(protos), 2),
        }
    return figures


def markdown(rows: list[dict[str, Any]]) -> str:
    methods = [m for m in METHODS if any(r["method"] == m for r in rows)]
    by_key: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in rows:
        by_key[(r["family"], r["size"])][r["method"]] = r
    head = "| family | size | " + " | ".join(f"{m} score (s, tokens)" for m in methods) + " |"
    lines = [head, "|" + "---|" * (2 + len(methods))]
    for (family, size), per in by_key.items():
        shown = [
            f"{per[m]['score']:.2f} ({per[m]['median_seconds']:.0f}, {per[m]['mean_tokens']:,})"
            if m in per
            else "—"
            for m in methods
        ]
        lines.append(f"| {family} | {size} | " + " | ".join(shown) + " |")
    return "\n".join(lines)


STYLES: dict[str, dict[str, Any]] = {  # overlapping lines stay visible
    "rlm": {"marker": "o", "markersize": 9, "linestyle": "-"},
    "rlm_nosub": {"marker": "s", "markersize": 6, "linestyle": "--"},
    "direct": {"marker": "^", "markersize": 6, "linestyle": ":"},
}


def plot(rows: list[dict[str, Any]], path: Path, title: str) -> bool:
    """Score against context length, one line per method, a panel per family."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    families = sorted({r["family"] for r in rows})
    fig, axes = plt.subplots(1, len(families), figsize=(4.2 * len(families), 3.6), squeeze=False)
    for ax, family in zip(axes[0], families, strict=True):
        for method in METHODS:
            pts = sorted(
                (r["chars"], r["score"])
                for r in rows
                if r["family"] == family and r["method"] == method
            )
            if pts:
                style = STYLES[method]
                ax.plot(*zip(*pts, strict=True), label=method, linewidth=2, **style)
        ax.set_xscale("log")
        ax.set_ylim(-0.05, 1.05)
        ax.set_title(family)
        ax.set_xlabel("context length (characters)")
        ax.set_ylabel("score")
        ax.grid(alpha=0.3)
    axes[0][0].legend()
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
