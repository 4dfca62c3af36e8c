"""Speed on one repository: full build, no-op rebuild, a 1% incremental update, query latency,
peak memory, and the embedder's raw tokens/s on the same texts, all in one run.

The work happens on a copy (a shared clone, or a plain copy outside git) with an empty
embedding cache, so the user's checkout and cache are never touched and the full build embeds
everything it indexes. A warm cache can be passed instead (`cache_dir`): the build then embeds
nothing, which measures rebuilds and queries on a large repository without hours of embedding.
"""
from __future__ import annotations

import os
import random
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from codeidx.benchmarks.metrics import percentile
from codeidx.benchmarks.workspace import copy_repo
from codeidx.core.errors import CodeidxError
from codeidx.core.home import remove_tree

RAW_SAMPLE = 1000  # chunks re-embedded to measure the embedder alone
QUERIES = 20
# Appending a comment changes a file's hash and the text of its last chunk. The line that starts a
# comment in each of the indexer's languages (indexer/languages.py); Markdown takes a line of prose.
COMMENT = {"python": "#", "ruby": "#", "config": "#", "markdown": "", "php": "//", "javascript": "//",
           "typescript": "//", "tsx": "//", "go": "//", "rust": "//", "java": "//", "c": "//", "cpp": "//",
           "csharp": "//", "kotlin": "//", "scala": "//", "swift": "//", "dart": "//", "lua": "--", "shell": "#",
           "elixir": "#", "protobuf": "//", "sql": "--", "terraform": "#", "r": "#", "haskell": "--", "perl": "#",
           "zig": "//", "julia": "#", "cuda": "//", "objc": "//", "matlab": "%",
           "solidity": "//", "powershell": "#", "graphql": "#", "erlang": "%",
           "ocaml": "(*", "ocaml_interface": "(*", "clojure": ";", "gdscript": "#",
           "vue": "//", "svelte": "//",  # after a component's blocks, as text: any line changes its hash
           "html": "", "css": ""}  # as text too


@dataclass(frozen=True)
class PerfResult:
    repo: str
    files: int
    chunks: int
    build_s: float
    files_per_s: float
    chunks_per_s: float
    tokens_embedded: int
    tokens_per_s: float  # the pipeline's, over the whole build
    raw_tokens_per_s: float  # the embedder's alone, on a sample of the same texts
    efficiency: float  # tokens_per_s / raw_tokens_per_s
    noop_s: float
    touched_files: int
    incremental_s: float
    incremental_chunks_embedded: int
    queries: int
    model_load_s: float  # the first query pays for loading the model
    search_p50_ms: float
    search_p95_ms: float
    ask_p50_ms: float
    ask_p95_ms: float
    cli_ask_s: float  # `codeidx ask` from a cold start, median of cli_runs
    peak_rss_mb: float
    stage_seconds: dict[str, float] = field(default_factory=dict, hash=False)  # the full build's busy time per stage


def measure(source: Path, work_dir: Path, on_step: Callable[[str], None] = lambda s: None,
            *, cli_runs: int, **overrides: object) -> PerfResult:
    """Measure `source` on a copy made in `work_dir` (removed afterwards)."""
    from codeidx.index import Index

    copy = work_dir / "repo"
    copy_repo(source, copy)
    try:
        if overrides.get("cache_dir") is None:
            overrides["cache_dir"] = str(work_dir / "embedding-cache")
        with Index.open(copy, **overrides) as index:
            on_step("full build")
            full = index.build(full=True)
            on_step("raw embedder")
            raw = _raw_tokens_per_s(index)
            on_step("no-op rebuild")
            noop = index.build()
            touched = _touch(copy, index, share=0.01)
            on_step(f"incremental update of {len(touched)} files")
            inc = index.build()
            queries = sample_queries(index)
            on_step(f"{len(queries)} queries")
            start = time.perf_counter()
            index.search(queries[0])
            model_load = time.perf_counter() - start
            search_ms = _times_ms(lambda q: index.search(q, k=10), queries)
            ask_ms = _times_ms(lambda q: index.ask(q), queries)
        on_step("CLI cold start")
        cli = statistics.median(_cli_ask(copy, queries[i % len(queries)], overrides) for i in range(cli_runs))
        rate = full.tokens_embedded / full.seconds if full.seconds else 0.0
        return PerfResult(
            repo=str(source), files=full.files_indexed, chunks=full.chunks, build_s=full.seconds,
            files_per_s=full.files_indexed / full.seconds, chunks_per_s=full.chunks_embedded / full.seconds,
            tokens_embedded=full.tokens_embedded, tokens_per_s=rate, raw_tokens_per_s=raw,
            efficiency=rate / raw if raw else 0.0, noop_s=noop.seconds, touched_files=len(touched),
            incremental_s=inc.seconds, incremental_chunks_embedded=inc.chunks_embedded, queries=len(queries),
            model_load_s=model_load, search_p50_ms=percentile(search_ms, 50), search_p95_ms=percentile(search_ms, 95),
            ask_p50_ms=percentile(ask_ms, 50), ask_p95_ms=percentile(ask_ms, 95), cli_ask_s=cli,
            peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, stage_seconds=full.stage_seconds)
    finally:
        remove_tree(work_dir / "repo")


def _raw_tokens_per_s(index) -> float:
    """The embedder alone on a sample of the chunks the build embedded, re-chunked the same way."""
    from codeidx.indexer.chunker import chunk_file
    from codeidx.indexer.parser import parse_file

    embedder, window = index.embedder, index.config.embed_max_tokens
    texts: dict[str, str] = {}
    for record in index.graph.files().values():
        data = (index.root / record.path).read_bytes()
        for chunk in chunk_file(parse_file(record.path, data, record.language), data, embedder.count_tokens, window):
            texts[chunk.content_hash] = chunk.embed_text
    sample = random.Random(0).sample(sorted(texts.values()), min(RAW_SAMPLE, len(texts)))
    tokens = sum(min(n, embedder.max_tokens) for n in embedder.count_tokens(sample))
    start = time.perf_counter()
    embedder.embed(sample)
    return tokens / (time.perf_counter() - start)


def _touch(root: Path, index, share: float) -> list[str]:
    """Append a comment to every 1/share-th indexed file (at least one) and return their paths."""
    files = index.graph.files()
    # JSON, a config language, has no comments at all.
    paths = sorted(p for p in files if not p.endswith(".json"))
    chosen = paths[:: max(1, round(1 / share))]
    for path in chosen:
        touch(root / path, files[path].language)
    return chosen


def touch(path: Path, language: str) -> None:
    """Append a line that changes `path`'s text and keeps its syntax valid."""
    mark = COMMENT[language]
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"\n{mark} touched by codeidx bench perf{' *)' if mark == '(*' else ''}\n")  # OCaml's closes


def sample_queries(index) -> list[str]:
    """Half names of symbols, half the first lines of docstrings: lookups and questions of meaning."""
    symbols = sorted(index.graph.all_symbols(), key=lambda s: (s.path, s.start_line))
    rng = random.Random(0)
    named = rng.sample(symbols, min(QUERIES // 2, len(symbols)))
    documented = [s for s in symbols if len(s.docstring.split()) >= 4]
    prose = rng.sample(documented, min(QUERIES - len(named), len(documented)))
    queries = [s.name for s in named] + [s.docstring.strip().splitlines()[0] for s in prose]
    return queries or ["where is the main entry point?"]


def _times_ms(call: Callable[[str], object], queries: list[str]) -> list[float]:
    out = []
    for query in queries:
        start = time.perf_counter()
        call(query)
        out.append((time.perf_counter() - start) * 1000)
    return out


def _cli_ask(root: Path, query: str, overrides: dict) -> float:
    # The same settings reach the child through the environment, as a user's would.
    env = {**os.environ, **{f"CODEIDX_{k.upper()}": str(v) for k, v in overrides.items() if v is not None}}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "codeidx", "ask", query, "--repo", str(root), "--format", "json"],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise CodeidxError(f"codeidx ask failed during the benchmark: {done.stderr.strip()}")
    return time.perf_counter() - start
