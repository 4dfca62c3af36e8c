"""The recall@k figure: file-level recall for k = 1..10, every system beside BM25."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from codeidx.benchmarks.harness import InstanceResult
from codeidx.benchmarks.summary import recall_curve, systems_of


def recall_plot(results: Sequence[InstanceResult], path: Path, title: str, depth: int = 10) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display is needed or wanted
    import matplotlib.pyplot as plt

    ks = list(range(1, depth + 1))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for system in systems_of(results):
        style = {"color": "black", "linestyle": "--"} if system == "bm25" else {}
        ax.plot(ks, recall_curve(results, system, depth), marker="o", markersize=3, label=system, **style)
    ax.set_xlabel("k (files)")
    ax.set_ylabel("file recall@k")
    ax.set_xticks(ks)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
