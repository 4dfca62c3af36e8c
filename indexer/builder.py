"""Carry out a plan: searchable first, semantic next, in one pipeline.

A parsing thread (with worker processes on a machine with cores to spare, see parse_stage.py)
chunks each file; the writer stores its points with their keyword (sparse)
vectors and payloads, and with any dense vector the embedding cache already holds, then records
the file in the graph. Parsing and writing never wait for the embedder, so every file answers by
keywords, names and the graph within seconds (the lexical phase). The chunks left without a
dense vector go to an embedding thread, which starts on the first group stored and never waits
on writing; the writer adds each group's vectors to the stored points and only then marks them
in the graph (the dense phase, the slow part). Bulk data (fixtures and data files of tests and data
folders, core/paths.is_bulk_data) is stored by keywords only: thousands of YAML or JSON fixtures
would otherwise take most of the embedder's time for the files least likely to answer a question.

Each group is committed whole or not at all: the graph records a file only after its points are
stored, and a chunk as embedded only after its vector is. An interrupted build leaves a
consistent, searchable index, and the next build embeds only what is missing. The writer lets
go of the store between writes when another process waits for it (an `ask`, an MCP server).
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

from codeidx.core.paths import is_bulk_data
from codeidx.core.protocols import Embedder, Store
from codeidx.indexer.embed_cache import EmbeddingCache, cache_key, embed_with_cache
from codeidx.indexer.graph import FileUpdate, Graph
from codeidx.indexer.parse_stage import Parsed, parse_files, workers_for
from codeidx.indexer.plan import Plan

# Chunks per group: large enough that sorting by length cuts padding, small enough that an
# interrupted build loses little.
GROUP_CHUNKS = 256
WANTED_POLL = 0.1  # seconds between the idle writer's looks for a reader waiting on the store
_PARSED, _EMBEDDED, _DONE = object(), object(), object()


@dataclass(frozen=True)
class Progress:
    phase: str  # "lexical" (parsing, keyword vectors, the graph) or "dense" (embedding)
    done: int  # files stored, or chunks embedded
    total: int


@dataclass(frozen=True)
class Pending:
    """A chunk stored without its dense vector, which the embedding thread embeds."""

    chunk_id: str
    text: str  # what is embedded: the chunk's header and code
    content_hash: str


@dataclass(frozen=True)
class BuildStats:
    files_indexed: int = 0
    symbols: int = 0
    chunks: int = 0
    chunks_embedded: int = 0  # cache misses that went through the model
    tokens_embedded: int = 0
    parse_errors: int = 0
    chunks_by_language: dict[str, int] = field(default_factory=dict, hash=False)
    # Seconds each stage was busy; parsing, embedding and writing overlap, and the largest of them
    # bounds the build. The store's optimize (after bulk writes) comes after.
    stage_seconds: dict[str, float] = field(default_factory=dict, hash=False)
    lexical_seconds: float = 0.0  # from the start until every file was searchable by keywords and names
    chunks_keyword_only: int = 0  # bulk data, stored without a dense vector


def execute(plan: Plan, root: Path, graph: Graph, store: Store, embedder: Embedder, cache: EmbeddingCache,
            max_tokens: int, totals: "Totals", on_progress: Callable[[Progress], None] | None = None) -> None:
    """Apply `plan` to the graph and the store; `totals` counts what was done."""
    _drop(plan.delete, graph, store)
    graph.touch(plan.touch)
    writes: queue.Queue = queue.Queue()  # unbounded: the writer is far faster than the embedder
    to_embed: queue.Queue = queue.Queue()
    stop = threading.Event()
    errors: list[BaseException] = []

    def parse_all() -> None:
        group: list[Parsed] = []
        # A worker needs a counter it can take along; the embedder's own method otherwise.
        count = getattr(embedder, "counter", None) or embedder.count_tokens
        parsed = parse_files(plan.index, root, count, max_tokens, stop, workers_for(len(plan.index)))
        try:
            while True:
                with totals.busy("parse"):
                    item = next(parsed, None)
                if item is None:
                    break
                group.append(item)
                if sum(len(p.update.chunks) for p in group) >= GROUP_CHUNKS:
                    writes.put(group)
                    group = []
            if group:
                writes.put(group)
        finally:
            parsed.close()
            writes.put(_PARSED)

    def embed_all() -> None:
        batch: list[Pending] = []
        try:
            while True:
                item = to_embed.get()
                if stop.is_set():
                    return
                if item is not _DONE:
                    batch.extend(item)
                while len(batch) >= GROUP_CHUNKS or (item is _DONE and batch):
                    group, batch = batch[:GROUP_CHUNKS], batch[GROUP_CHUNKS:]
                    with totals.busy("embed"):
                        vectors, embedded, tokens = embed_with_cache(
                            embedder, cache, [p.text for p in group], [p.content_hash for p in group])
                    totals.add_embedded(embedded, tokens)
                    writes.put(([p.chunk_id for p in group], vectors))
                if item is _DONE:
                    return
        finally:
            writes.put(_EMBEDDED)

    threads = [threading.Thread(target=_guard(fn, errors, stop), daemon=True) for fn in (parse_all, embed_all)]
    for t in threads:
        t.start()
    writer = _Writer(graph, store, cache_key(embedder), cache, totals, on_progress)
    try:
        parsing = embedding = True
        while (parsing or embedding) and not errors:
            try:
                item = writes.get(timeout=WANTED_POLL)
            except queue.Empty:  # waiting for the embedder: a reader may be waiting for the store
                writer.let_readers_in()
                continue
            if item is _PARSED:
                parsing = False
                to_embed.put(_DONE)
                writer.lexical_done()
            elif item is _EMBEDDED:
                embedding = False
            elif isinstance(item, list):
                to_embed.put(writer.store_files(item))
            else:
                writer.store_dense(*item)
    finally:
        stop.set()
        to_embed.put(_DONE)
        for t in threads:
            while t.is_alive():
                _drain(writes)
                t.join(0.05)
        store.release()
    if errors:
        raise errors[0]


class _Writer:
    """The one thread that writes: files' points and graph rows, then dense vectors as they come."""

    def __init__(self, graph: Graph, store: Store, key: str, cache: EmbeddingCache, totals: "Totals",
                 on_progress: Callable[[Progress], None] | None) -> None:
        self.graph, self.store, self.key, self.cache, self.totals = graph, store, key, cache, totals
        self.on_progress = on_progress
        self.pending = 0  # chunks sent to the embedder
        self.embedded = 0  # of those, stored with their dense vector
        self.lexical = True

    def store_files(self, parsed: list[Parsed]) -> list[Pending]:
        """Store the files' points (dense vectors from the cache where it has them) and graph rows;
        returns the chunks left to embed."""
        updates = [p.update for p in parsed]
        chunks = [c for u in updates for c in u.chunks]
        keyword_only = {c.id for c in chunks if is_bulk_data(c.path)}
        with self.totals.busy("write"):
            known = self.cache.get_many(self.key, [c.content_hash for c in chunks if c.id not in keyword_only])
            dense = [None if c.id in keyword_only else known.get(c.content_hash) for c in chunks]
            stale = set(self.graph.chunk_ids([u.record.path for u in updates])) - {c.id for c in chunks}
            # New points first, then stale ones out, then the graph: a file is never missing.
            self.store.upsert(chunks, dense, [v for p in parsed for v in p.sparse])
            self.store.delete(sorted(stale))
            self.store.flush()
            self.graph.replace_files(updates, {c.id for c, d in zip(chunks, dense) if d is not None}, keyword_only)
        self.let_readers_in()
        self.totals.record(updates, len(keyword_only))
        pending = [Pending(c.id, c.embed_text, c.content_hash) for c, d in zip(chunks, dense)
                   if d is None and c.id not in keyword_only]
        self.pending += len(pending)
        self._progress(Progress("lexical", self.totals.files, self.totals.total))
        return pending

    def store_dense(self, ids: list[str], vectors: list[list[float]]) -> None:
        with self.totals.busy("write"):
            self.store.set_dense(ids, vectors)
            self.store.flush()
            self.graph.mark_dense(ids)
        self.let_readers_in()
        self.embedded += len(ids)
        if not self.lexical:  # one phase at a time for a progress bar: the dense total is known only now
            self._progress(Progress("dense", self.embedded, self.pending))

    def lexical_done(self) -> None:
        self.lexical = False
        self.totals.lexical_done()
        if self.pending:
            self._progress(Progress("dense", self.embedded, self.pending))

    def let_readers_in(self) -> None:
        """Release the store if another process waits for it (it reopens on the next write). Only
        then: each reopen reads the shard back, work a build that nobody reads need not do."""
        if self.store.wanted():
            self.store.release()

    def _progress(self, progress: Progress) -> None:
        if self.on_progress:
            self.on_progress(progress)


def _guard(fn: Callable[[], None], errors: list[BaseException], stop: threading.Event) -> Callable[[], None]:
    """Run a pipeline thread; a failure stops the others and is raised by `execute`."""

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread
            errors.append(exc)
            stop.set()

    return run


def _drop(paths: tuple[str, ...], graph: Graph, store: Store) -> None:
    if paths:
        store.delete(graph.chunk_ids(list(paths)))
        store.flush()
        graph.delete_files(list(paths))


def _drain(q: queue.Queue) -> None:
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return


class Totals:
    """Counters shared by both phases and their threads."""

    def __init__(self, total: int, started: float | None = None) -> None:
        self.started = started if started is not None else time.perf_counter()
        self.lexical_seconds = 0.0
        self.total = total
        self.files = 0
        self.embedded = 0
        self._tokens = 0
        self._symbols = 0
        self._chunks = 0
        self._keyword_only = 0
        self._errors = 0
        self._by_language: Counter[str] = Counter()
        self._busy: Counter[str] = Counter(dict.fromkeys(("parse", "embed", "write"), 0.0))  # each stage, even idle
        self._lock = threading.Lock()

    @contextmanager
    def busy(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            with self._lock:
                self._busy[stage] += time.perf_counter() - start

    def lexical_done(self) -> None:
        self.lexical_seconds = time.perf_counter() - self.started

    def add_embedded(self, n: int, tokens: int) -> None:
        with self._lock:
            self.embedded += n
            self._tokens += tokens

    def record(self, updates: list[FileUpdate], keyword_only: int = 0) -> None:
        with self._lock:
            self._keyword_only += keyword_only
            for u in updates:
                self.files += 1
                self._symbols += len(u.parsed.symbols)
                self._chunks += len(u.chunks)
                self._errors += int(u.record.parse_errors)
                self._by_language[u.record.language] += len(u.chunks)

    def stats(self) -> BuildStats:
        return BuildStats(self.files, self._symbols, self._chunks, self.embedded, self._tokens, self._errors,
                          dict(self._by_language), {k: round(v, 3) for k, v in self._busy.items()},
                          round(self.lexical_seconds, 3), self._keyword_only)
