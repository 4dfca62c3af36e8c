"""Two rankings of the same instances compared instance by instance: is a difference more than chance?

One instance moves Acc@1 by 0.024 on SWE-bench Lite dev's 42 and Hit@1 by 0.005 on SWE-QA dev's
190, and most changes a ranking lever makes are a few instances either way. Paired by instance, the
question is how many instances each ranking wins, and how far the mean difference could move had
other instances been drawn: a bootstrap interval over the instances, and an exact sign test over
the instances that changed.

`compare` reads the `results.json` that `bench localize`, `bench history` and `bench qa` write: one
system against another in the same run (`full` against `bm25`), or the same system in two runs
(before and after a change), on the instances both hold; several runs pool their instances.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from codeidx.benchmarks.metrics import KS, acc_at, hit_at, reciprocal_rank
from codeidx.core.errors import CodeidxError

# What a report's paired table means, in a few words: `bench compare` says the rest.
VERSUS_NOTE = ("the difference full − other with its 95% bootstrap interval, the instances each wins, "
               "an exact sign test; an interval that holds 0 shows no difference yet")
RESAMPLES = 10_000
RESAMPLE_BLOCK = 4_000_000
CONFIDENCE = 0.95
SEED = 0  # the interval of one comparison is the same in every run of it


@dataclass(frozen=True)
class Paired:
    """The system's scores against the baseline's, instance by instance."""

    metric: str
    n: int
    baseline: float  # the baseline's mean
    system: float  # the system's mean
    difference: float  # system - baseline
    wins: int  # instances where the system scores higher
    losses: int  # instances where it scores lower
    low: float  # the bootstrap interval of the mean difference (system - baseline)
    high: float
    p: float  # exact two-sided sign test over wins and losses: the chance of a split this uneven or more


@dataclass(frozen=True)
class Moved:
    id: str
    before: int  # the baseline's rank of the first gold file, 1-based; 0 where it is not in the ranking
    after: int


@dataclass(frozen=True)
class Comparison:
    baseline: str  # "RUN:SYSTEM"
    system: str
    rows: tuple[Paired, ...]
    moved: tuple[Moved, ...]  # instances whose first gold file changed rank


@dataclass(frozen=True)
class _Ranked:
    """One instance as a system ranked it."""

    files: list[str]
    gold: set[str]
    first_hit: float  # for a question, whether `ask`'s first hit is in a gold file

    @classmethod
    def of(cls, files: Iterable[str], gold: Iterable[str], hits: Iterable[str] = ()) -> "_Ranked":
        return cls(list(files), set(gold), float(bool(set(list(hits)[:1]) & set(gold))))


def paired(metric: str, system: Sequence[float], baseline: Sequence[float],
           resamples: int = RESAMPLES, seed: int = SEED) -> Paired:
    """`system` against `baseline`, both one score per instance in the same order."""
    if len(system) != len(baseline) or not system:
        raise ValueError("paired scores need the same instances, at least one")
    diffs = np.asarray(system, dtype=float) - np.asarray(baseline, dtype=float)
    rng = np.random.default_rng(seed)
    # Resampled a block at a time: a block's draws are at most RESAMPLE_BLOCK numbers, whatever the run's size.
    step = max(1, RESAMPLE_BLOCK // len(diffs))
    means = np.concatenate([diffs[rng.integers(0, len(diffs), size=(min(step, resamples - i), len(diffs)))].mean(axis=1)
                            for i in range(0, resamples, step)])
    tail = (1 - CONFIDENCE) / 2
    wins, losses = int((diffs > 0).sum()), int((diffs < 0).sum())
    return Paired(metric, len(diffs), float(np.mean(baseline)), float(np.mean(system)), float(diffs.mean()),
                  wins, losses, float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail)),
                  sign_test(wins, losses))


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact binomial test of wins against losses at even odds; ties are left out."""
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(wins, losses) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def compare(baseline_runs: Sequence[Path], baseline_system: str, runs: Sequence[Path], system: str) -> Comparison:
    """`system` of each run against `baseline_system` of the baseline run beside it (which may be the
    same run), on the instances both hold. Several pairs of runs are pooled into one comparison: the
    histories of many repositories, which alone are too small to tell a difference."""
    if len(baseline_runs) != len(runs) or not runs:
        raise CodeidxError("give one baseline run for each run")
    kinds, before, after = set(), {}, {}
    for base_run, run in zip(baseline_runs, runs):
        (kind, old), (other, new) = _rankings(base_run, baseline_system), _rankings(run, system)
        shared = [i for i in old if i in new]
        if kind != other or not shared:
            raise CodeidxError(f"{base_run} and {run} share no instance: compare runs of the same benchmark")
        kinds.add(kind)
        for i in shared:
            key = f"{_label(run)}:{i}" if len(runs) > 1 else i
            before[key], after[key] = old[i], new[i]
    if len(kinds) > 1:
        raise CodeidxError("localization runs and question runs cannot be pooled: compare each kind alone")
    rows = _rows(before, after, questions=kinds == {"questions"})
    ranks = {i: (_first_gold(before[i]), _first_gold(after[i])) for i in after}
    moved = tuple(Moved(i, *ranks[i]) for i in after if ranks[i][0] != ranks[i][1])
    return Comparison(_names(baseline_runs, baseline_system), _names(runs, system), rows, moved)


def versus_table(results: Sequence, system: str = "full", questions: bool = False) -> str:
    """For a benchmark's report: `system` paired with each other system of the same run, by Acc@1 (Hit@1
    for questions) and MRR; "" where the run has no `system`. `results` are a run's `InstanceResult`s
    or `QuestionResult`s."""
    systems = [s for s in dict.fromkeys(s for r in results for s in r.files) if all(s in r.files for r in results)]
    if system not in systems or len(systems) < 2:
        return ""

    def ranked(name: str) -> dict[str, _Ranked]:  # only a question's result has hits
        return {str(n): _Ranked.of(r.files[name], r.gold_files, getattr(r, "hits", {}).get(name, ()))
                for n, r in enumerate(results)}
    head = ["against", "n", f"{'Hit' if questions else 'Acc'}@1 difference [95% interval]", "wins / losses",
            "sign test p", "MRR difference [95% interval]"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for other in (s for s in systems if s != system):
        top, _, _, mrr, *_ = _rows(ranked(other), ranked(system), questions)
        lines.append(f"| {other} | {top.n} | {_interval(top)} | {top.wins} / {top.losses} | {top.p:.2g} | "
                     f"{_interval(mrr)} |")
    return "\n".join(lines)


def _interval(row: Paired) -> str:
    return f"{row.difference:+.3f} [{row.low:+.3f}, {row.high:+.3f}]"


def _rows(before: Mapping[str, _Ranked], after: Mapping[str, _Ranked], questions: bool) -> tuple[Paired, ...]:
    """Each metric of `after` paired with `before`'s, over `after`'s instances. Localization asks for
    every gold file (Acc@k), a question for one of them (Hit@k), as each report does."""
    solved, name = (hit_at, "Hit") if questions else (acc_at, "Acc")
    keys = list(after)
    scores = [(f"{name}@{k}", lambda r, k=k: solved(r.files, r.gold, k)) for k in KS]
    scores.append(("MRR", lambda r: reciprocal_rank(r.files, r.gold)))
    if questions:  # what `ask` shows first, which a question's report scores too
        scores.append(("first hit", lambda r: r.first_hit))
    return tuple(paired(metric, [of(after[i]) for i in keys], [of(before[i]) for i in keys]) for metric, of in scores)


def _rankings(run: Path, system: str) -> tuple[str, dict[str, _Ranked]]:
    """Whether a run's results.json holds instances (localization) or questions, and each one's file
    ranking by `system`."""
    path = run / "results.json" if run.is_dir() else run
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CodeidxError(f"cannot read {path}: {e}: pass a benchmark's --out folder or its results.json") from None
    kind = next((k for k in ("instances", "questions") if isinstance(data, dict) and k in data), "")
    records = data.get(kind) if kind else None
    if not isinstance(records, list):
        raise CodeidxError(f"{path} holds no instances or questions: it is not a benchmark's results.json")
    out = {}
    for rec in records:
        ranked = rec.get("files") if isinstance(rec, dict) else None
        if not isinstance(ranked, dict):
            raise CodeidxError(f"{path} holds a record without rankings: it is not a benchmark's results.json")
        if system not in ranked:
            raise CodeidxError(f"{path} has no system {system!r} (it has {', '.join(ranked)})")
        hits = rec.get("hits")
        out[str(rec.get("instance_id") or rec.get("id"))] = _Ranked.of(
            ranked[system], rec.get("gold_files", ()), hits.get(system, ()) if isinstance(hits, dict) else ())
    return kind, out


def _label(run: Path) -> str:
    """A run's name: its --out folder's."""
    return (run.parent if run.name == "results.json" else run).name


def _names(runs: Sequence[Path], system: str) -> str:
    return f"{runs[0]}:{system}" if len(runs) == 1 else f"{system} of {len(runs)} runs"


def _first_gold(ranked: _Ranked) -> int:
    return next((rank for rank, f in enumerate(ranked.files, 1) if f in ranked.gold), 0)


def table(comparison: Comparison) -> str:
    """The comparison as Markdown: one row a metric, then the instances that moved."""
    lines = [f"{comparison.system} against {comparison.baseline}, {comparison.rows[0].n} instances paired:", "",
             "| metric | baseline | system | difference | 95% interval | wins / losses | sign test p |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r.metric} | {r.baseline:.3f} | {r.system:.3f} | {r.difference:+.3f} | {r.low:+.3f} to {r.high:+.3f} "
              f"| {r.wins} / {r.losses} | {r.p:.3g} |" for r in comparison.rows]
    if comparison.moved:
        lines += ["", "The first gold file's rank, baseline → system (— where it is not ranked):", ""]
        lines += [f"- {m.id}: {m.before or '—'} → {m.after or '—'}" for m in comparison.moved]
    return "\n".join(lines)
