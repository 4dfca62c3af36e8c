"""Time to first answer: how long after `codeidx build` starts a user's `codeidx ask`, run in
another terminal, gets an answer, and how long until the build ends with every chunk embedded.

A first build of a copy, with an empty embedding cache, runs as a process of its own. Another
process asks the same question again as soon as its last ask ends, as an impatient user would;
the first ask that answers is the first answer. The ask's own cold start is part of it, as the
user feels it, and the asks take CPU from the build, as they would. The ONNX export of the model,
made once per machine (the first build or ask anywhere makes it), is made before the clock starts
and timed on its own.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from codeidx.benchmarks.workspace import copy_repo
from codeidx.core.config import Config
from codeidx.core.errors import CodeidxError
from codeidx.indexer.embedder import local_model_path
from codeidx.indexer.onnx_export import ensure_export


@dataclass(frozen=True)
class FirstAnswer:
    repo: str
    files: int
    chunks: int
    first_answer_s: float  # from the build's start to the end of the first ask that answered
    coverage_at_first_answer: float  # the share of chunks with dense vectors that answer had
    asks_before: int  # asks that found no index yet
    searchable_s: float  # the build's own report of when every file was stored (keywords, names, graph)
    build_s: float  # from the build's start to its end: full hybrid quality
    ratio: float  # first_answer_s / build_s
    export_s: float  # the one-time ONNX export into the empty cache, before the clock started


def measure(source: Path, work_dir: Path, query: str) -> FirstAnswer:
    """Measure a first build of a copy of `source` made in `work_dir` (the caller removes it)."""
    copy, cache = work_dir / "repo", work_dir / "embedding-cache"
    copy_repo(source, copy)
    env = {**os.environ, "CODEIDX_CACHE_DIR": str(cache)}
    began = time.perf_counter()
    config = Config.load(copy, cache_dir=str(cache))
    if config.embed_backend == "auto":
        ensure_export(Path(local_model_path(config.embed_model)), cache, "fp32")
    export = time.perf_counter() - began
    start = time.perf_counter()
    log = open(work_dir / "build.log", "w+")
    build = subprocess.Popen([sys.executable, "-m", "codeidx", "build", str(copy), "--json"],
                             stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    first, coverage, misses = None, 0.0, 0
    while first is None:
        done = subprocess.run([sys.executable, "-m", "codeidx", "ask", query, "--repo", str(copy), "--format", "json"],
                              capture_output=True, text=True, env=env)
        if done.returncode == 0:
            first, coverage = time.perf_counter() - start, json.loads(done.stdout)["dense_coverage"]
        elif build.poll() is not None:
            raise CodeidxError(f"codeidx ask failed once the build had ended (exit {build.returncode}): "
                               f"{done.stderr.strip()[-300:]}; the build said: {_tail(log)}")
        else:
            misses += 1
    out, _ = build.communicate()
    total = time.perf_counter() - start
    if build.returncode != 0:
        raise CodeidxError(f"the build failed during the benchmark (exit {build.returncode}): {_tail(log)}")
    log.close()
    summary = json.loads(out)
    return FirstAnswer(repo=str(source), files=summary["files_indexed"], chunks=summary["chunks"],
                       first_answer_s=round(first, 2), coverage_at_first_answer=coverage, asks_before=misses,
                       searchable_s=summary["searchable_seconds"], build_s=round(total, 2),
                       ratio=round(first / total, 3), export_s=round(export, 2))


def _tail(log) -> str:
    log.seek(0)
    return " ".join(log.read().split())[-300:]


def table(results: list[FirstAnswer]) -> str:
    rows = ["| repository | files | chunks | first answer s | dense share then | searchable s | full build s | "
            "first answer / full build |", "|---|---|---|---|---|---|---|---|"]
    rows += [f"| {Path(r.repo).name} | {r.files} | {r.chunks} | {r.first_answer_s:.1f} | "
             f"{r.coverage_at_first_answer:.0%} | {r.searchable_s:.1f} | {r.build_s:.1f} | {r.ratio:.3f} |"
             for r in results]
    return "\n".join(rows)
