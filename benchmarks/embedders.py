"""The embedding backends side by side in one run: torch fp32, ONNX fp32 and ONNX int8 on the same
chunks of an indexed repository (tokens/s, padding, closeness to torch), then what a user waits
for with `embed_backend` torch and auto: a cold `codeidx ask` and an MCP server's first answer.

The machine is shared and noisy, so the backends take turns: each pass embeds the sample with every
backend once, and each backend's best pass counts; the cold asks alternate between backends too.
"""
from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from codeidx.core.errors import CodeidxError
from codeidx.core.home import cache_dir

BACKENDS = ("torch", "onnx", "int8")  # what embeds chunks
STARTS = ("torch", "auto")  # what a user chooses between for queries
PASSES = 2


@dataclass(frozen=True)
class Throughput:
    backend: str
    name: str  # the embedder's name: int8 vectors carry their own
    texts: int
    tokens: int  # what the window holds of each text, as `codeidx bench perf` counts
    tokens_per_s: float  # the best of PASSES passes
    cosine_min: float  # against torch fp32, text by text
    cosine_mean: float


@dataclass(frozen=True)
class ColdStart:
    backend: str
    ask_s: tuple[float, ...]  # `codeidx ask --files` in a fresh process, each run
    ask_median_s: float
    mcp_first_answer_s: float  # `codeidx mcp` started to its first search_code answer


def sample_texts(index, size: int) -> list[str]:
    """`size` chunk texts of the index's files, re-chunked as the build chunks them."""
    from codeidx.indexer.chunker import chunk_file
    from codeidx.indexer.parser import parse_file

    count = index.query_embedder.count_tokens
    texts: dict[str, str] = {}
    for record in index.graph.files().values():
        data = (index.root / record.path).read_bytes()
        for chunk in chunk_file(parse_file(record.path, data, record.language), data, count,
                                index.config.embed_max_tokens):
            texts[chunk.content_hash] = chunk.embed_text
    return random.Random(0).sample(sorted(texts.values()), min(size, len(texts)))


def throughput(config, texts: list[str]) -> list[Throughput]:
    from codeidx.indexer.embedder import load_embedder

    embedders = {b: load_embedder(config.embed_model, config.embed_max_tokens, config.embed_batch_size,
                                  device="cpu", backend=b, cache=cache_dir(config.cache_dir)) for b in BACKENDS}
    tokens = sum(min(n, config.embed_max_tokens) for n in embedders["onnx"].count_tokens(texts))
    best = dict.fromkeys(BACKENDS, 0.0)
    vectors: dict[str, np.ndarray] = {}
    for embedder in embedders.values():
        embedder.embed(texts[:config.embed_batch_size])  # first calls allocate; not what a build pays per batch
    for _ in range(PASSES):
        for backend, embedder in embedders.items():
            start = time.perf_counter()
            vectors[backend] = np.asarray(embedder.embed(texts))
            best[backend] = max(best[backend], tokens / (time.perf_counter() - start))
    out = []
    for backend, embedder in embedders.items():
        cos = (vectors[backend] * vectors["torch"]).sum(1)  # every backend's vectors are normalised
        out.append(Throughput(backend, embedder.name, len(texts), tokens, round(best[backend]),
                              round(float(cos.min()), 4), round(float(cos.mean()), 4)))
    return out


def padding_share(config, texts: list[str]) -> float:
    """Padding among the tokens a backend computes, with the builds' batching: texts sorted by length,
    `embed_batch_size` at a time, each batch padded to its longest."""
    from tokenizers import Tokenizer

    from codeidx.indexer.embedder import local_model_path
    from codeidx.indexer.onnx_export import ensure_export

    export = ensure_export(Path(local_model_path(config.embed_model)), cache_dir(config.cache_dir), "fp32")
    if export is None:
        raise CodeidxError(f"{config.embed_model} has no ONNX export: this benchmark compares the backends of one")
    tokenizer = Tokenizer.from_file(str(export.tokenizer))
    tokenizer.no_padding()
    tokenizer.enable_truncation(config.embed_max_tokens)
    lengths = [len(e.ids) for e in tokenizer.encode_batch(sorted(texts, key=len))]
    batches = [lengths[i:i + config.embed_batch_size] for i in range(0, len(lengths), config.embed_batch_size)]
    computed = sum(max(b) * len(b) for b in batches)
    return round(1 - sum(lengths) / computed, 3)


def cold_starts(root: Path, query: str, runs: int) -> list[ColdStart]:
    from codeidx.benchmarks.mcp_latency import measure

    for backend in STARTS:  # untimed: exports what `auto` needs and warms the disk cache for both alike
        _ask(root, query, backend)
    asks: dict[str, list[float]] = {b: [] for b in STARTS}
    for _ in range(runs):
        for backend in STARTS:
            asks[backend].append(round(_ask(root, query, backend), 2))
    out = []
    for backend in STARTS:
        with _backend_env(backend):  # the server subprocess inherits the environment
            server = measure(root, [query], runs=1)
        out.append(ColdStart(backend, tuple(asks[backend]), statistics.median(asks[backend]), server["startup_s"]))
    return out


def _ask(root: Path, query: str, backend: str) -> float:
    env = {**os.environ, "CODEIDX_EMBED_BACKEND": backend}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "codeidx", "ask", query, "--files", "--repo", str(root)],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise CodeidxError(f"codeidx ask failed during the benchmark: {done.stderr.strip()}")
    return time.perf_counter() - start


@contextmanager
def _backend_env(backend: str) -> Iterator[None]:
    before = os.environ.get("CODEIDX_EMBED_BACKEND")
    os.environ["CODEIDX_EMBED_BACKEND"] = backend
    try:
        yield
    finally:
        if before is None:
            del os.environ["CODEIDX_EMBED_BACKEND"]
        else:
            os.environ["CODEIDX_EMBED_BACKEND"] = before


def table(speeds: list[Throughput], padding: float, starts: list[ColdStart]) -> str:
    torch_rate = next(s.tokens_per_s for s in speeds if s.backend == "torch")
    rows = [f"| {s.backend} | {s.name} | {s.texts} | {s.tokens} | {s.tokens_per_s:,.0f} | "
            f"{s.tokens_per_s / torch_rate:.2f}× | {s.cosine_min:.4f} | {s.cosine_mean:.4f} |" for s in speeds]
    cold = [f"| {c.backend} | {' / '.join(f'{s:.2f}' for s in c.ask_s)} | {c.ask_median_s:.2f} | "
            f"{c.mcp_first_answer_s:.2f} |" for c in starts]
    return ("| backend | name | texts | tokens | tokens/s | vs torch | cosine min | cosine mean |\n"
            "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows)
            + f"\n\nPadding share of the batches (sorted by length): {padding:.1%}\n\n"
            "| embed_backend | cold `ask --files` s (each run) | median s | MCP start to first answer s |\n"
            "|---|---|---|---|\n" + "\n".join(cold))
