"""Run localization instances: check out each base commit, build, rank with BM25 and codeidx.

Instances of one repository share one checkout and one index per embedding window, visited in
commit order, so after the first build each instance costs an incremental build (and the
embedding cache makes text seen at an earlier commit free).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from codeidx.benchmarks.bm25 import FileBM25
from codeidx.benchmarks.corpus import candidate_files, index_excludes
from codeidx.benchmarks.dataset import Instance
from codeidx.benchmarks.patches import FUNCTION_KINDS, enclosing_functions, gold_files, parse_patch
from codeidx.benchmarks.workspace import Checkout
from codeidx.core.errors import CodeidxError
from codeidx.core.ranking import FILE_POOL, MODES

TOP = 10  # rankings are kept to this depth


@dataclass(frozen=True)
class Settings:
    work_dir: Path  # checkouts go here, one per repository
    cache_dir: Path | None = None  # embedding cache; one subfolder per window
    modes: tuple[str, ...] = MODES
    max_tokens: tuple[int, ...] = (256,)
    extensions: tuple[str, ...] = (".py", ".pyi")
    # Index the whole repository, tests and docs too, as `codeidx build` does: the ranking is then
    # what a user's `ask --files` shows, and a test or a page can take a gold file's place.
    whole_repo: bool = False

    def system(self, mode: str, tokens: int) -> str:
        return mode if len(self.max_tokens) == 1 else f"{mode}@{tokens}"


@dataclass(frozen=True)
class BuildCost:
    seconds: float
    full: bool
    files_indexed: int
    chunks_embedded: int
    tokens_embedded: int
    chunks: int  # chunks in the index after the build


@dataclass(frozen=True)
class InstanceResult:
    instance_id: str
    repo: str
    candidates: int  # files ranked
    gold_files: tuple[str, ...]
    gold_functions: tuple[str, ...]  # "path::qualified_name"
    files: dict[str, tuple[str, ...]] = field(hash=False)  # system -> files, best first
    functions: dict[str, tuple[str, ...]] = field(hash=False)  # system -> functions, best first
    builds: dict[str, BuildCost] = field(hash=False)  # window ("256") -> what its build cost
    query_ms: dict[str, float] = field(hash=False)  # system -> search time


def run(instances: Sequence[Instance], checkout_for: Callable[[Instance], Checkout], settings: Settings,
        on_result: Callable[[InstanceResult], None] = lambda r: None,
        on_skip: Callable[[Instance, str], None] = lambda i, why: None) -> list[InstanceResult]:
    results: list[InstanceResult] = []
    for _repo, group in _by_repo(instances).items():
        checkout = checkout_for(group[0])
        group.sort(key=lambda i: checkout.commit_time(i.base_commit))
        try:
            checkout.goto(group[0].base_commit)  # the indexes live in the checkout
        except CodeidxError:
            if not (checkout.path / ".git").exists():
                raise  # no clone: nothing to run
            # `_run_one` skips that instance and says why; the checkout is there for the others
        indexes = {t: _open_index(checkout.path, settings, t) for t in settings.max_tokens}
        try:
            for instance in group:
                result = _run_one(instance, checkout, indexes, settings)
                if isinstance(result, str):
                    on_skip(instance, result)
                    continue
                results.append(result)
                on_result(result)
        finally:
            for index in indexes.values():
                index.close()
    return results


def _by_repo(instances: Iterable[Instance]) -> dict[str, list[Instance]]:
    groups: dict[str, list[Instance]] = {}
    for inst in instances:
        groups.setdefault(inst.repo, []).append(inst)
    return groups


def _open_index(root: Path, settings: Settings, tokens: int):
    from codeidx.index import Index

    cache = settings.cache_dir / f"window-{tokens}" if settings.cache_dir else None
    # One cache per window: the cache is keyed by text, and a text longer than the smaller
    # window embeds differently in each.
    # A whole-repository index excludes what `codeidx build` would (the repository's own settings).
    scope = {} if settings.whole_repo else {"exclude": index_excludes(settings.extensions)}
    return Index.open(root, index_dir=f".codeidx-bench-{'whole-' if settings.whole_repo else ''}{tokens}",
                      embed_max_tokens=tokens, cache_dir=str(cache) if cache else None, **scope)


def _run_one(instance: Instance, checkout: Checkout, indexes: dict, settings: Settings) -> InstanceResult | str:
    """The instance's result, or why it was skipped."""
    from codeidx.retriever.ask import file_ranking, in_answer_order
    from codeidx.retriever.parts import Parts

    try:
        checkout.goto(instance.base_commit)
    except CodeidxError as error:
        # A partial clone or a lost object (a large file left out) can break one old commit: the
        # others still count.
        return f"its base commit cannot be checked out ({error})"
    root = checkout.path
    paths = candidate_files(root, settings.extensions)
    present = set(paths)
    changes = parse_patch(instance.patch)
    gold = gold_files(changes, lambda p: p in present)
    if not gold:
        return "its patch changes no candidate file that exists at the base commit"
    files: dict[str, tuple[str, ...]] = {
        "bm25": tuple(p for p, _ in FileBM25.from_files(root, paths).rank(instance.query, TOP))}
    functions: dict[str, tuple[str, ...]] = {}
    builds: dict[str, BuildCost] = {}
    query_ms: dict[str, float] = {}
    gold_fns: tuple[str, ...] = ()
    for tokens, index in indexes.items():
        summary = index.build()
        builds[str(tokens)] = BuildCost(summary.seconds, summary.full, summary.files_indexed, summary.chunks_embedded,
                                        summary.tokens_embedded, index.graph.counts()["chunks"])
        if not gold_fns:
            gold_fns = tuple(f"{c.old_path}::{q}" for c in changes if c.old_path in gold
                             for q in enclosing_functions(c, index.graph.symbols_in(c.old_path)))
        parts = Parts(index.root, index.graph, index.store, index.embedder, index.config.tokenizer_model)
        for mode in settings.modes:
            name = settings.system(mode, tokens)
            start = time.perf_counter()
            hits = index.search(instance.query, k=FILE_POOL * TOP, mode=mode)
            query_ms[name] = round((time.perf_counter() - start) * 1000, 2)
            ranked = file_ranking(parts, instance.query, hits, TOP, mode)  # what `ask --files` shows
            files[name] = tuple(f.path for f in ranked)
            # The pool's functions in the order `ask` shows its hits (`in_answer_order`).
            shown = in_answer_order(instance.query, hits, ranked, mode)
            symbols = (f"{h.path}::{h.qualified_name}" for h in shown if h.kind in FUNCTION_KINDS)
            functions[name] = tuple(dict.fromkeys(symbols))[:TOP]
    return InstanceResult(instance.instance_id, instance.repo, len(paths), gold, tuple(dict.fromkeys(gold_fns)),
                          files, functions, builds, query_ms)

