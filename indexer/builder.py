"""Carry out a plan: parse, chunk, embed and store, as a three-stage pipeline.

A parsing thread feeds whole files to the embedding loop (the slow, CPU-bound stage, which
must never wait on parsing or writing), and a writer thread stores each group's vectors and
only then records its files in the graph. A group is committed whole or not at all, so an
interrupted build leaves an index that is consistent, and the next build resumes from it with
the embedding cache holding everything already embedded.
"""
from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from codeidx.core.models import SourceFile
from codeidx.core.protocols import Embedder, Store
from codeidx.core.secrets import redact
from codeidx.indexer.chunker import chunk_file
from codeidx.indexer.embed_cache import EmbeddingCache, embed_with_cache
from codeidx.indexer.graph import FileRecord, FileUpdate, Graph
from codeidx.indexer.parser import parse_file
from codeidx.indexer.plan import Plan
from codeidx.indexer.sparse import sparse_vector

# Chunks per embedding group: large enough that sorting by length cuts padding, small enough
# that an interrupted build loses little.
GROUP_CHUNKS = 256
_DONE = object()


@dataclass(frozen=True)
class Progress:
    files_done: int
    files_total: int
    chunks_embedded: int


@dataclass(frozen=True)
class BuildStats:
    files_indexed: int = 0
    symbols: int = 0
    chunks: int = 0
    chunks_embedded: int = 0  # cache misses that went through the model
    tokens_embedded: int = 0
    parse_errors: int = 0
    chunks_by_language: dict[str, int] = field(default_factory=dict, hash=False)
    # Seconds each stage was busy; parse, embed and write overlap, and the largest of them bounds
    # the build; the store's optimize (after bulk writes) comes after them.
    stage_seconds: dict[str, float] = field(default_factory=dict, hash=False)


def execute(plan: Plan, root: Path, graph: Graph, store: Store, embedder: Embedder, cache: EmbeddingCache,
            max_tokens: int, on_progress: Callable[[Progress], None] | None = None) -> BuildStats:
    """Apply `plan` to the graph and the store; returns what was done."""
    _drop(plan.delete, graph, store)
    graph.touch(plan.touch)

    parsed_q: queue.Queue = queue.Queue(maxsize=32)
    # Unbounded: the writer is far faster than the embedder, and a dead writer must not block it.
    write_q: queue.Queue = queue.Queue()
    stop = threading.Event()
    errors: list[BaseException] = []
    totals = _Totals(len(plan.index))

    def parse_all() -> None:
        try:
            for f, sha in plan.index:
                if stop.is_set():
                    break
                with totals.busy("parse"):
                    update = _parse_one(root, f, sha, embedder, max_tokens)
                parsed_q.put(update)
        finally:
            parsed_q.put(_DONE)

    def write_all() -> None:
        while (item := write_q.get()) is not _DONE:
            updates, vectors = item
            with totals.busy("write"):
                chunks = [c for u in updates for c in u.chunks]
                stale = set(graph.chunk_ids([u.record.path for u in updates])) - {c.id for c in chunks}
                # New points first, then stale ones out, then the graph: a file is never missing.
                store.upsert(chunks, vectors, [sparse_vector(c.embed_text) for c in chunks])
                store.delete(sorted(stale))
                store.flush()
                graph.replace_files(updates)
            totals.record(updates)
            if on_progress:
                on_progress(Progress(totals.files, totals.total, totals.embedded))

    threads = [threading.Thread(target=_guard(fn, errors, stop), daemon=True) for fn in (parse_all, write_all)]
    for t in threads:
        t.start()
    try:
        _embed_loop(parsed_q, write_q, embedder, cache, totals, stop)
    finally:
        stop.set()
        _drain(parsed_q)
        write_q.put(_DONE)
        for t in threads:
            t.join()
    if errors:
        raise errors[0]
    return totals.stats()


def _embed_loop(parsed_q: queue.Queue, write_q: queue.Queue, embedder: Embedder, cache: EmbeddingCache,
                totals: "_Totals", stop: threading.Event) -> None:
    group: list[FileUpdate] = []
    while True:
        item = parsed_q.get()
        if stop.is_set():
            return
        if item is not _DONE:
            group.append(item)
        if group and (item is _DONE or sum(len(u.chunks) for u in group) >= GROUP_CHUNKS):
            chunks = [c for u in group for c in u.chunks]
            with totals.busy("embed"):
                vectors, embedded, tokens = embed_with_cache(
                    embedder, cache, [c.embed_text for c in chunks], [c.content_hash for c in chunks])
            totals.add_embedded(embedded, tokens)
            write_q.put((group, vectors))
            group = []
        if item is _DONE:
            return


def _parse_one(root: Path, f: SourceFile, sha: str, embedder: Embedder, max_tokens: int) -> FileUpdate:
    data = _redacted((root / f.path).read_bytes())
    parsed = parse_file(f.path, data, f.language)
    chunks = tuple(chunk_file(parsed, data, embedder.count_tokens, max_tokens))
    record = FileRecord(f.path, f.language, f.size, f.mtime_ns, sha, parsed.parse_errors)
    return FileUpdate(record=record, parsed=parsed, chunks=chunks)


def _redacted(data: bytes) -> bytes:
    """The file with its secrets redacted before it is parsed: so the chunks' text, their embedded text,
    the payloads and the graph's signatures and docstrings all hold `[redacted:<kind>]`, never the secret.
    Line numbers do not move (a redaction keeps its newlines)."""
    text = data.decode("utf-8", "surrogateescape")
    clean = redact(text)
    return data if clean is text else clean.encode("utf-8", "surrogateescape")


def _drop(paths: tuple[str, ...], graph: Graph, store: Store) -> None:
    if paths:
        store.delete(graph.chunk_ids(list(paths)))
        store.flush()
        graph.delete_files(list(paths))


def _guard(fn: Callable[[], None], errors: list[BaseException], stop: threading.Event) -> Callable[[], None]:
    """Run a pipeline stage; a failure stops the others and is re-raised by `execute`."""

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            errors.append(exc)
            stop.set()

    return run


def _drain(q: queue.Queue) -> None:
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return


class _Totals:
    """Counters shared by the pipeline's threads."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.files = 0
        self.embedded = 0
        self._tokens = 0
        self._symbols = 0
        self._chunks = 0
        self._errors = 0
        self._by_language: Counter[str] = Counter()
        self._busy: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def busy(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            with self._lock:
                self._busy[stage] += time.perf_counter() - start

    def add_embedded(self, n: int, tokens: int) -> None:
        with self._lock:
            self.embedded += n
            self._tokens += tokens

    def record(self, updates: list[FileUpdate]) -> None:
        with self._lock:
            for u in updates:
                self.files += 1
                self._symbols += len(u.parsed.symbols)
                self._chunks += len(u.chunks)
                self._errors += int(u.record.parse_errors)
                self._by_language[u.record.language] += len(u.chunks)

    def stats(self) -> BuildStats:
        return BuildStats(self.files, self._symbols, self._chunks, self.embedded, self._tokens, self._errors,
                          dict(self._by_language), {k: round(v, 3) for k, v in self._busy.items()})
