"""Carry out a plan in two phases: searchable first, semantic next.

The lexical phase parses and chunks each file and stores its points with their keyword (sparse)
vectors and payloads, and with any dense vector the embedding cache already holds; a parsing
thread feeds the writer. It takes seconds, and `ask` answers from then on.

The dense phase embeds the chunks still without a dense vector, the slow part, in a thread that
never waits on writing, while the writer adds each group's vectors to the stored points and only
then marks them in the graph.

Each group is committed whole or not at all: the graph records a file only after its points are
stored, and a chunk as embedded only after its vector is. An interrupted build leaves a
consistent, searchable index, and the next build embeds only what is missing. Both writers
release the store every few seconds, so that an `ask` in another process can open it between writes.
"""
from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence, TypeVar

from codeidx.core.models import SourceFile
from codeidx.core.protocols import Embedder, Store
from codeidx.core.secrets import redact
from codeidx.indexer.chunker import chunk_file
from codeidx.indexer.embed_cache import EmbeddingCache, cache_key, embed_with_cache
from codeidx.indexer.graph import FileRecord, FileUpdate, Graph
from codeidx.indexer.parser import parse_file
from codeidx.indexer.plan import Plan
from codeidx.indexer.sparse import sparse_vector

# Chunks per group: large enough that sorting by length cuts padding, small enough that an
# interrupted build loses little.
GROUP_CHUNKS = 256
HOLD_SECONDS = 2.0  # the longest a writer holds the store before letting other processes in
QUEUE_GROUPS = 4  # groups made ahead of the writer
_DONE = object()
T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    phase: str  # "lexical" (parsing, keyword vectors, the graph) or "dense" (embedding)
    done: int  # files stored, or chunks embedded
    total: int


@dataclass(frozen=True)
class Pending:
    """A chunk stored without its dense vector, which the dense phase embeds."""

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
    # Seconds each stage was busy; parsing overlaps writing, and embedding overlaps writing; the
    # largest of them bounds the build. The store's optimize (after bulk writes) comes after.
    stage_seconds: dict[str, float] = field(default_factory=dict, hash=False)
    lexical_seconds: float = 0.0  # from the start until every file was searchable by keywords and names


def store_lexical(plan: Plan, root: Path, graph: Graph, store: Store, embedder: Embedder, cache: EmbeddingCache,
                  max_tokens: int, totals: "Totals", on_progress: Callable[[Progress], None] | None = None
                  ) -> list[Pending]:
    """Apply `plan` to the graph and the store, dense vectors only from the cache; returns the chunks
    left to embed."""
    _drop(plan.delete, graph, store)
    graph.touch(plan.touch)
    key = cache_key(embedder)
    pending: list[Pending] = []
    holder = _Holder(store)

    def parse_all(put: Callable[[list[FileUpdate]], None], stop: threading.Event) -> None:
        group: list[FileUpdate] = []
        for f, sha in plan.index:
            if stop.is_set():
                return
            with totals.busy("parse"):
                group.append(_parse_one(root, f, sha, embedder, max_tokens))
            if sum(len(u.chunks) for u in group) >= GROUP_CHUNKS:
                put(group)
                group = []
        if group:
            put(group)

    def write(updates: list[FileUpdate]) -> None:
        chunks = [c for u in updates for c in u.chunks]
        with totals.busy("write"):
            known = cache.get_many(key, [c.content_hash for c in chunks])
            dense = [known.get(c.content_hash) for c in chunks]
            stale = set(graph.chunk_ids([u.record.path for u in updates])) - {c.id for c in chunks}
            # New points first, then stale ones out, then the graph: a file is never missing.
            store.upsert(chunks, dense, [sparse_vector(c.embed_text) for c in chunks])
            store.delete(sorted(stale))
            store.flush()
            graph.replace_files(updates, {c.id for c, d in zip(chunks, dense) if d is not None})
            holder.wrote()
        pending.extend(Pending(c.id, c.embed_text, c.content_hash) for c, d in zip(chunks, dense) if d is None)
        totals.record(updates)
        if on_progress:
            on_progress(Progress("lexical", totals.files, totals.total))

    _pipeline(parse_all, write)
    holder.release()
    totals.lexical_done()
    return pending


def embed_pending(pending: Sequence[Pending], graph: Graph, store: Store, embedder: Embedder, cache: EmbeddingCache,
                  totals: "Totals", on_progress: Callable[[Progress], None] | None = None) -> None:
    """Embed the chunks stored without their dense vector and add the vectors to their points."""
    holder = _Holder(store)
    done = 0

    def embed_all(put: Callable[[tuple[list[str], list[list[float]]]], None], stop: threading.Event) -> None:
        for start in range(0, len(pending), GROUP_CHUNKS):
            if stop.is_set():
                return
            group = pending[start:start + GROUP_CHUNKS]
            with totals.busy("embed"):
                vectors, embedded, tokens = embed_with_cache(
                    embedder, cache, [p.text for p in group], [p.content_hash for p in group])
            totals.add_embedded(embedded, tokens)
            put(([p.chunk_id for p in group], vectors))

    def write(item: tuple[list[str], list[list[float]]]) -> None:
        nonlocal done
        ids, vectors = item
        with totals.busy("write"):
            store.set_dense(ids, vectors)
            store.flush()
            graph.mark_dense(ids)
            holder.wrote()
        done += len(ids)
        if on_progress:
            on_progress(Progress("dense", done, len(pending)))

    _pipeline(embed_all, write)
    holder.release()


def _pipeline(produce: Callable[[Callable[[T], None], threading.Event], None], consume: Callable[[T], None]) -> None:
    """Run `produce` in a thread, handing what it puts to `consume` in this one, in order. A failure
    (or Ctrl-C) on either side stops both and is raised here, after the thread has finished."""
    items: queue.Queue = queue.Queue(maxsize=QUEUE_GROUPS)
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            produce(items.put, stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
            errors.append(exc)
        finally:
            items.put(_DONE)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        while (item := items.get()) is not _DONE and not errors:
            consume(item)
    finally:
        stop.set()
        while thread.is_alive():  # a producer blocked on a full queue needs room to see `stop`
            _drain(items)
            thread.join(0.05)
    if errors:
        raise errors[0]


class _Holder:
    """Releases the store after a write unless it did so less than `HOLD_SECONDS` ago: on a CPU a
    group takes seconds to embed, so the store is free between any two writes; on a GPU, where
    groups come many times a second, a reader waits at most that long and reopening costs little."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.last = time.monotonic()

    def wrote(self) -> None:
        if time.monotonic() - self.last >= HOLD_SECONDS:
            self.release()

    def release(self) -> None:
        self.store.release()
        self.last = time.monotonic()


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
                          dict(self._by_language), {k: round(v, 3) for k, v in self._busy.items()},
                          round(self.lexical_seconds, 3))
