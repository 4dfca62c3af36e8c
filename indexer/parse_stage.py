"""The parse stage of a build: read, redact, parse, chunk and sparse-encode each file, in the
calling thread or, on a machine with cores to spare, in worker processes.

Beside a fast embedder one Python thread cannot keep up: on an H100, parsing sqlalchemy's 590
files took 17 s while embedding them took 16 s. Workers parse files side by side and the results
come back in plan order. On a small machine every core serves the embedder, so the stage stays
in one thread there, as it does for a small plan, which would spend more starting workers than parsing.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from codeidx.core.models import SourceFile, SparseVector
from codeidx.core.secrets import redact
from codeidx.indexer.chunker import chunk_file
from codeidx.indexer.graph import FileRecord, FileUpdate
from codeidx.indexer.parser import parse_file
from codeidx.indexer.sparse import sparse_vector
from codeidx.indexer.token_counter import TokenCounter

SPARE_CORES = 2  # left to the embedder and the writer
MAX_WORKERS = 8
MIN_FILES = 200  # a plan smaller than this parses in the thread
_count: Callable[[Sequence[str]], list[int]] | None = None  # a worker's counter, set as it starts


@dataclass(frozen=True)
class Parsed:
    update: FileUpdate
    sparse: tuple[SparseVector, ...]  # one per chunk


def workers_for(files: int) -> int:
    """How many worker processes parse a plan of `files` files here (0: the calling thread does)."""
    if files < MIN_FILES:
        return 0
    return max(0, min(MAX_WORKERS, (os.cpu_count() or 1) - SPARE_CORES))


def parse_files(files: Sequence[tuple[SourceFile, str]], root: Path, count: Callable[[Sequence[str]], list[int]],
                max_tokens: int, stop: threading.Event, workers: int = 0) -> Iterator[Parsed]:
    """Each file parsed, in order, until `stop` is set. Workers need `count` to be a `TokenCounter`."""
    if workers == 0 or not isinstance(count, TokenCounter):
        for f, sha in files:
            if stop.is_set():
                return
            yield parse_one(root, f, sha, count, max_tokens)
        return
    # spawn, not fork: the process has threads (the embedder's among them) whose locks a fork would copy held.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(count,))
    try:
        for parsed in pool.map(_parse_in_worker, [(root, f, sha, max_tokens) for f, sha in files], chunksize=4):
            if stop.is_set():
                return
            yield parsed
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def parse_one(root: Path, f: SourceFile, sha: str, count: Callable[[Sequence[str]], list[int]],
              max_tokens: int) -> Parsed:
    data = _redacted((root / f.path).read_bytes())
    parsed = parse_file(f.path, data, f.language)
    chunks = tuple(chunk_file(parsed, data, count, max_tokens))
    record = FileRecord(f.path, f.language, f.size, f.mtime_ns, sha, parsed.parse_errors)
    return Parsed(FileUpdate(record=record, parsed=parsed, chunks=chunks),
                  tuple(sparse_vector(c.embed_text) for c in chunks))


def _start_worker(count: TokenCounter) -> None:
    global _count
    _count = count


def _parse_in_worker(job: tuple[Path, SourceFile, str, int]) -> Parsed:
    root, f, sha, max_tokens = job
    assert _count is not None  # set by the pool's initializer
    return parse_one(root, f, sha, _count, max_tokens)


def _redacted(data: bytes) -> bytes:
    """The file with its secrets redacted before it is parsed: so the chunks' text, their embedded text,
    the payloads and the graph's signatures and docstrings all hold `[redacted:<kind>]`, never the secret.
    Line numbers do not move (a redaction keeps its newlines)."""
    text = data.decode("utf-8", "surrogateescape")
    clean = redact(text)
    return data if clean is text else clean.encode("utf-8", "surrogateescape")
