"""Ranking metrics for localization: Acc@k, Recall@k and MRR, per instance and on average.

Acc@k asks for every gold item within the first k (the instance is solved at k); Recall@k is
the share of gold items within the first k; MRR rewards the rank of the first gold item.
"""
from __future__ import annotations

import math
from typing import Collection, Iterable, Sequence

KS = (1, 5, 10)


def acc_at(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    return float(set(gold) <= set(ranked[:k])) if gold else 0.0


def hit_at(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """Whether any gold item is within the first k: a question answered by any of its files."""
    return float(bool(set(gold) & set(ranked[:k])))


def recall_at(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    return len(set(gold) & set(ranked[:k])) / len(set(gold)) if gold else 0.0


def reciprocal_rank(ranked: Sequence[str], gold: Collection[str]) -> float:
    for rank, item in enumerate(ranked, 1):
        if item in gold:
            return 1.0 / rank
    return 0.0


def evaluate(ranked: Sequence[str], gold: Collection[str], ks: Iterable[int] = KS) -> dict[str, float]:
    """One instance's metrics, keyed "acc@k", "recall@k" and "mrr"."""
    ks = tuple(ks)
    out = {f"acc@{k}": acc_at(ranked, gold, k) for k in ks}
    out.update({f"recall@{k}": recall_at(ranked, gold, k) for k in ks})
    out["mrr"] = reciprocal_rank(ranked, gold)
    return out


def mean(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """The average of each metric over instances (all rows carry the same keys)."""
    if not rows:
        return {}
    return {key: sum(r[key] for r in rows) / len(rows) for key in rows[0]}


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: a value that was measured, never an interpolation."""
    ordered = sorted(values)
    rank = max(1, math.ceil(len(ordered) * pct / 100))
    return ordered[rank - 1]
