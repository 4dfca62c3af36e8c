"""Turn per-instance results into per-system averages, cost figures and Markdown tables."""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from codeidx.benchmarks.harness import InstanceResult
from codeidx.benchmarks.metrics import KS, evaluate, mean, percentile
from codeidx.benchmarks.paired import VERSUS_NOTE, versus_table
from codeidx.core.paths import is_context, is_test_path

if TYPE_CHECKING:
    from codeidx.benchmarks.perf import PerfResult

FUNCTION_KS = (5, 10)


@dataclass(frozen=True)
class SystemScores:
    system: str
    instances: int
    files: dict[str, float]  # mean file-level metrics
    function_instances: int  # instances whose gold functions are known
    functions: dict[str, float]  # mean function-level Acc@5/@10; empty for BM25 (it ranks files)


def systems_of(results: Sequence[InstanceResult]) -> list[str]:
    """Every system that ranked every instance, BM25 first, in the order the runs produced them."""
    names = list(dict.fromkeys(s for r in results for s in r.files))
    return [s for s in names if all(s in r.files for r in results)]


def score(results: Sequence[InstanceResult]) -> list[SystemScores]:
    out = []
    for system in systems_of(results):
        with_fns = [r for r in results if r.gold_functions and system in r.functions]
        fn_rows = [{f"acc@{k}": evaluate(r.functions[system], r.gold_functions, FUNCTION_KS)[f"acc@{k}"]
                    for k in FUNCTION_KS} for r in with_fns]
        out.append(SystemScores(system, len(results),
                                mean([evaluate(r.files[system], r.gold_files, KS) for r in results]),
                                len(with_fns), mean(fn_rows)))
    return out


def recall_curve(results: Sequence[InstanceResult], system: str, depth: int = 10) -> list[float]:
    """File Recall@k for k = 1..depth."""
    return [mean([{"r": evaluate(r.files[system], r.gold_files, (k,))[f"recall@{k}"]} for r in results])["r"]
            for k in range(1, depth + 1)]


def scores_table(scores: Sequence[SystemScores]) -> str:
    head = ["system", "n", *[f"Acc@{k}" for k in KS], *[f"R@{k}" for k in KS], "MRR",
            *[f"fn Acc@{k}" for k in FUNCTION_KS], "fn n"]
    rows = []
    for s in scores:
        fns = [_num(s.functions.get(f"acc@{k}")) for k in FUNCTION_KS]
        rows.append([s.system, str(s.instances), *[_num(s.files[f"acc@{k}"]) for k in KS],
                     *[_num(s.files[f"recall@{k}"]) for k in KS], _num(s.files["mrr"]), *fns,
                     str(s.function_instances) if s.functions else "—"])
    return _table(head, rows)


def cost_table(results: Sequence[InstanceResult]) -> str:
    """What indexing cost per repository and window: the first build, then each later one."""
    head = ["repository", "window", "instances", "first build s", "first chunks embedded", "later builds: median s",
            "max s", "mean chunks embedded", "mean tokens embedded", "chunks in index"]
    rows = []
    for repo in dict.fromkeys(r.repo for r in results):
        mine = [r for r in results if r.repo == repo]
        for window in mine[0].builds:
            builds = [r.builds[window] for r in mine if window in r.builds]
            first, later = builds[0], builds[1:]
            rows.append([repo, window, str(len(builds)), f"{first.seconds:.1f}", str(first.chunks_embedded),
                         f"{statistics.median(b.seconds for b in later):.1f}" if later else "—",
                         f"{max(b.seconds for b in later):.1f}" if later else "—",
                         f"{statistics.mean(b.chunks_embedded for b in later):.0f}" if later else "—",
                         f"{statistics.mean(b.tokens_embedded for b in later):.0f}" if later else "—",
                         str(builds[-1].chunks)])
    return _table(head, rows)


def latency_table(results: Sequence[InstanceResult]) -> str:
    systems = [s for s in systems_of(results) if s != "bm25"]
    rows = []
    for system in systems:
        times = sorted(r.query_ms[system] for r in results if system in r.query_ms)
        rows.append([system, str(len(times)), f"{percentile(times, 50):.0f}", f"{percentile(times, 95):.0f}"])
    return _table(["system", "queries", "p50 ms", "p95 ms"], rows)


def others_table(results: Sequence[InstanceResult], depth: int = 5) -> str:
    """The share of the top `depth` places held by tests, and by docs, data and examples (the
    context lane): on a whole-repository index, what stands where a gold file could."""
    rows = []
    for system in systems_of(results):
        tops = [p for r in results for p in r.files[system][:depth]]
        rows.append([system, str(len(tops)), *(_num(sum(map(rule, tops)) / len(tops) if tops else 0.0)
                                               for rule in (is_test_path, is_context))])
    return _table(["system", f"top-{depth} places", "tests", "docs, data, examples"], rows)


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def report(results: Sequence[InstanceResult], title: str, command: str, machine: str,
           whole_repo: bool = False) -> str:
    """The Markdown a run prints: what ran where, then quality, what else stands at the top of a
    whole-repository ranking, indexing cost and query time."""
    versus = versus_table(results)
    return "\n\n".join([
        f"### {title}", f"Command: `{command}`  \nMachine: {machine}",
        f"File-level and function-level localization, {len(results)} instances "
        f"(BM25 ranks the candidate files in the same run):", scores_table(score(results)),
        *([f"`full` paired with each other system, instance by instance ({VERSUS_NOTE}):", versus] if versus else []),
        *(["What holds the top 5 places besides the code (the whole repository indexed):", others_table(results)]
          if whole_repo else []),
        "Indexing cost (one index per window, moved from commit to commit):", cost_table(results),
        "Search time per query (in-process, model loaded):", latency_table(results)])


def perf_table(results: Sequence["PerfResult"]) -> str:
    head = ["repository", "files", "chunks", "full build s", "files/s", "chunks/s", "tokens/s", "raw embedder tokens/s",
            "efficiency", "busy parse/embed/write/optimize s", "no-op s", "1% update s (files)", "search p50/p95 ms",
            "ask p50/p95 ms", "CLI ask s", "peak RSS MB"]
    rows = [[Path(r.repo).name, str(r.files), str(r.chunks), f"{r.build_s:.1f}", f"{r.files_per_s:.1f}",
             f"{r.chunks_per_s:.1f}", f"{r.tokens_per_s:.0f}", f"{r.raw_tokens_per_s:.0f}",
             f"{r.efficiency:.2f}" if r.tokens_embedded else "— (cache warm)",
             " / ".join(f"{r.stage_seconds.get(k, 0):.0f}" for k in ("parse", "embed", "write", "optimize")),
             f"{r.noop_s:.2f}", f"{r.incremental_s:.2f} ({r.touched_files})",
             f"{r.search_p50_ms:.0f} / {r.search_p95_ms:.0f}", f"{r.ask_p50_ms:.0f} / {r.ask_p95_ms:.0f}",
             f"{r.cli_ask_s:.1f}", f"{r.peak_rss_mb:.0f}"] for r in results]
    return _table(head, rows)
