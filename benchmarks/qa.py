"""Natural questions about code (SWE-QA): does `ask` put the files that answer them first?

Each question is asked at its repository's pinned commit; the gold answer is the files its
reference answer names. The whole repository is indexed, docs and tests included, as a user
indexes it, and each system is judged on what a user reads: the file ranking of `ask --files`
(Hit@1/5/10, MRR), the first hit (the first snippet), and how much of the top 10 hits is prose.
BM25 over whole `.py` files ranks the same questions in the same run.

Same conventions as `bench localize`: one working checkout per repository made from the user's
clone, one index per commit inside it, moved from commit to commit, and one embedding cache.
"""
from __future__ import annotations

import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from codeidx.benchmarks.bm25 import FileBM25
from codeidx.benchmarks.dataset import json_lines
from codeidx.benchmarks.metrics import hit_at, mean, percentile, reciprocal_rank
from codeidx.benchmarks.paired import VERSUS_NOTE, versus_table
from codeidx.benchmarks.workspace import Checkout
from codeidx.core.errors import CodeidxError
from codeidx.core.git import QUIET_GIT
from codeidx.core.paths import is_prose
from codeidx.core.ranking import LEVERS
from codeidx.retriever.rerank import Rerank

TOP = 10  # rankings are kept to this depth
KS = (1, 5, 10)
WINDOW = 256  # the default embedding window
INDEX_DIR = f".codeidx-bench-qa-{WINDOW}"
# The modes compared: `full` is what `ask` gives users, `hybrid+names+graph` the ranking before its
# levers, and each `full-no-<lever>` says what that lever is worth beside the others.
SYSTEMS = ("hybrid+names+graph", "full", *(f"full-no-{lever}" for lever in LEVERS))
RERANKED = "full+rerank"  # `full`, its top files reordered by the rerank model given to `run`
REQUIRED = ("id", "repo", "commit", "question", "gold_files")


@dataclass(frozen=True)
class Question:
    id: str
    repo: str  # "owner/name"
    commit: str
    text: str
    gold_files: tuple[str, ...]


@dataclass(frozen=True)
class QuestionResult:
    id: str
    repo: str
    gold_files: tuple[str, ...]
    files: dict[str, tuple[str, ...]] = field(hash=False)  # system -> file ranking, best first
    hits: dict[str, tuple[str, ...]] = field(hash=False)  # system -> the paths of its top hits, in order
    query_ms: dict[str, float] = field(hash=False)


@dataclass(frozen=True)
class RepoBuild:
    repo: str
    commit: str
    seconds: float
    files_indexed: int
    chunks_embedded: int
    chunks: int


@dataclass(frozen=True)
class Scores:
    system: str
    questions: int
    hit: dict[str, float]  # "hit@k" (a gold file in the first k files) and "mrr"
    first_hit: float  # share of questions whose first hit is in a gold file
    prose_share: float | None  # share of the top hits in prose files; None for BM25 (it ranks .py files only)


def load_questions(path: str | Path, repos: Iterable[str] = (), limit: int | None = None) -> list[Question]:
    """SWE-QA questions, one JSON object a line; `repos` keeps only those repositories."""
    path = Path(path)
    wanted = set(repos)
    out = []
    for n, rec in json_lines(path, "pass a SWE-QA JSON Lines file"):
        missing = [k for k in REQUIRED if not isinstance(rec, dict) or k not in rec]
        if missing:
            raise CodeidxError(f"{path}: line {n} lacks {', '.join(missing)}: it is not a SWE-QA question")
        if not wanted or rec["repo"] in wanted:
            out.append(Question(rec["id"], rec["repo"], rec["commit"], rec["question"], tuple(rec["gold_files"])))
    if not out:
        raise CodeidxError(f"{path} has no questions" + (f" for {', '.join(sorted(wanted))}" if wanted else ""))
    return out[:limit] if limit else out


def run(questions: Sequence[Question], checkout_for: Callable[[Question], Checkout], cache_dir: Path | None,
        systems: Sequence[str] = SYSTEMS, on_result: Callable[[QuestionResult], None] = lambda r: None,
        on_build: Callable[[RepoBuild], None] = lambda b: None,
        rerank: Rerank | None = None) -> tuple[list[QuestionResult], list[RepoBuild]]:
    """`rerank`: a second stage (retriever/rerank.py); with it, a `full+rerank` row (`ask --rerank-model`)
    joins the systems."""
    results: list[QuestionResult] = []
    builds: list[RepoBuild] = []
    by_repo: dict[str, list[Question]] = {}
    for q in questions:
        by_repo.setdefault(q.repo, []).append(q)
    for repo, group in by_repo.items():
        checkout = checkout_for(group[0])
        group.sort(key=lambda q: (checkout.commit_time(q.commit), q.commit))
        for commit in dict.fromkeys(q.commit for q in group):
            checkout.goto(commit)
            build, found = _ask_all([q for q in group if q.commit == commit], checkout.path, cache_dir, systems,
                                    on_result, rerank)
            builds.append(RepoBuild(repo, commit, *build))
            on_build(builds[-1])
            results.extend(found)
    return results, builds


def _ask_all(questions: list[Question], root: Path, cache_dir: Path | None, systems: Sequence[str],
             on_result: Callable[[QuestionResult], None],
             rerank: Rerank | None) -> tuple[tuple, list[QuestionResult]]:
    from codeidx.index import Index
    from codeidx.retriever.ask import rank
    from codeidx.retriever.parts import Parts

    cache = str(cache_dir / f"window-{WINDOW}") if cache_dir else None
    with Index.open(root, index_dir=INDEX_DIR, embed_max_tokens=WINDOW, cache_dir=cache) as index:
        summary = index.build()
        build = (round(summary.seconds, 1), summary.files_indexed, summary.chunks_embedded,
                 index.graph.counts()["chunks"])
        # What `ask` reads, composed once for the commit: the graph-derived caches are shared by every question.
        parts = Parts(index.root, index.graph, index.store, index.embedder, index.config.tokenizer_model)
        python = _tracked(root, ".py")
        bm25 = FileBM25.from_files(root, python)
        out = []
        for q in questions:
            files = {"bm25": tuple(p for p, _ in bm25.rank(q.text, TOP))}
            hits = {"bm25": files["bm25"]}
            query_ms = {}
            for name in (*systems, RERANKED) if rerank else systems:
                start = time.perf_counter()
                found, ranked = rank(parts, q.text, TOP, files=True, mode=name.removesuffix("+rerank"),
                                     rerank=rerank if name == RERANKED else None)
                query_ms[name] = round((time.perf_counter() - start) * 1000, 2)
                files[name] = tuple(f.path for f in ranked)
                hits[name] = tuple(h.path for h in found)
            result = QuestionResult(q.id, q.repo, q.gold_files, files, hits, query_ms)
            on_result(result)
            out.append(result)
    return build, out


def _tracked(root: Path, suffix: str) -> list[str]:
    out = subprocess.run(["git", "-C", str(root), *QUIET_GIT, "ls-files", "-z"], capture_output=True, text=True,
                         check=True)
    return sorted(p for p in out.stdout.split("\0") if p.endswith(suffix))


def score(results: Sequence[QuestionResult]) -> list[Scores]:
    systems = list(dict.fromkeys(s for r in results for s in r.files))
    out = []
    for system in systems:
        rows = [{**{f"hit@{k}": hit_at(r.files[system], r.gold_files, k) for k in KS},
                 "mrr": reciprocal_rank(r.files[system], r.gold_files)} for r in results]
        first = mean([{"f": float(bool(r.hits[system]) and r.hits[system][0] in r.gold_files)} for r in results])
        shown = [p for r in results for p in r.hits[system][:TOP]]
        prose = None if system == "bm25" else sum(map(is_prose, shown)) / len(shown) if shown else 0.0
        out.append(Scores(system, len(results), mean(rows), first["f"], prose))
    return out


def by_repo(results: Sequence[QuestionResult]) -> dict[str, list[Scores]]:
    """Scores per repository, then "overall" over every question."""
    repos = dict.fromkeys(r.repo for r in results)
    out = {repo: score([r for r in results if r.repo == repo]) for repo in repos}
    out["overall"] = score(results)
    return out


def scores_table(scores: Sequence[Scores]) -> str:
    head = ["system", "n", *[f"Hit@{k}" for k in KS], "MRR", "first hit in gold", "prose in top 10"]
    rows = [[s.system, str(s.questions), *[f"{s.hit[f'hit@{k}']:.3f}" for k in KS], f"{s.hit['mrr']:.3f}",
             f"{s.first_hit:.3f}", "—" if s.prose_share is None else f"{s.prose_share:.3f}"] for s in scores]
    return _table(head, rows)


def report(results: Sequence[QuestionResult], builds: Sequence[RepoBuild], command: str, machine: str,
           dataset: str) -> str:
    parts = [f"### SWE-QA ({dataset})", f"Command: `{command}`  \nMachine: {machine}",
             f"{len(results)} questions; file ranking of `ask --files` (Hit@k: a gold file among the first k), "
             "the first hit, and the share of prose among the top 10 hits. BM25 ranks the repository's "
             "`.py` files in the same run."]
    for repo, scores in by_repo(results).items():
        parts += [f"**{repo}**", scores_table(scores)]
    versus = versus_table(results, questions=True)
    if versus:
        parts += [f"`full` paired with each other system over all questions ({VERSUS_NOTE}):", versus]
    parts += ["Index builds (whole repository at the pinned commit):",
              _table(["repository", "commit", "build s", "files indexed", "chunks embedded", "chunks in index"],
                     [[b.repo, b.commit[:12], f"{b.seconds:.1f}", str(b.files_indexed), str(b.chunks_embedded),
                       str(b.chunks)] for b in builds]),
              "Ranking time per question (in-process, model loaded):", latency_table(results)]
    return "\n\n".join(parts)


def latency_table(results: Sequence[QuestionResult]) -> str:
    rows = []
    for system in dict.fromkeys(s for r in results for s in r.query_ms):
        times = [r.query_ms[system] for r in results if system in r.query_ms]
        rows.append([system, str(len(times)), f"{statistics.median(times):.0f}", f"{percentile(times, 95):.0f}"])
    return _table(["system", "questions", "p50 ms", "p95 ms"], rows)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
