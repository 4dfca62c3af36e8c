"""The library API: `Index.open(root)`, then `build()`, `status()`, `ask()`, `search()`.

The index of a repository lives in `<root>/.codeidx/index/` (the SQLite graph and, by default,
the embedded Qdrant Edge shard). A full build is written beside it in `index.new/` and swapped
in only when complete, so a failed or interrupted build never costs the previous index.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from codeidx.config import Config
from codeidx.errors import CodeidxError, IndexMismatchError, NoIndexError
from codeidx.home import ensure_home, index_home
from codeidx.indexer.graph import SCHEMA_VERSION, Graph
from codeidx.indexer.plan import Plan, make_plan
from codeidx.indexer.walker import walk
from codeidx.models import SearchFilters

OPTIMIZE_AFTER = 0.1  # share of the files a build must rewrite before the store is optimized

if TYPE_CHECKING:
    from codeidx.indexer.builder import Progress
    from codeidx.protocols import Embedder, Store


@dataclass(frozen=True)
class BuildSummary:
    root: str
    model: str
    store: str
    full: bool
    files_total: int
    files_indexed: int
    files_deleted: int
    files_unchanged: int
    symbols: int
    chunks: int
    chunks_embedded: int
    tokens_embedded: int
    parse_errors: int
    seconds: float
    chunks_by_language: dict[str, int] = field(default_factory=dict, hash=False)
    skipped: dict[str, int] = field(default_factory=dict, hash=False)
    stage_seconds: dict[str, float] = field(default_factory=dict, hash=False)  # busy time of each stage


@dataclass(frozen=True)
class IndexStatus:
    root: str
    model: str
    store: str
    built_at: str
    files: int
    symbols: int
    chunks: int
    languages: dict[str, int] = field(default_factory=dict, hash=False)
    changed: tuple[str, ...] = ()


class Index:
    def __init__(self, root: Path, config: Config) -> None:
        self.root = root
        self.config = config
        self.home = index_home(root, config.index_dir)
        self._graph: Graph | None = None
        self._store: Store | None = None
        self._embedder: Embedder | None = None

    @classmethod
    def open(cls, root: str | os.PathLike, config: Config | None = None, **overrides: Any) -> "Index":
        path = Path(root).expanduser()
        if not path.exists():
            raise CodeidxError(f"no such directory: {path}")
        if not path.is_dir():
            raise CodeidxError(f"not a directory: {path}")
        path = path.resolve()
        config = (config or Config.load(path)).replace(**overrides)
        return cls(path, config)

    # --- locations ---
    @property
    def current(self) -> Path:
        return self.home / "index"

    @property
    def exists(self) -> bool:
        return (self.current / "index.db").is_file()

    def _require(self) -> None:
        _recover(self.home)
        if not self.exists:
            raise NoIndexError(f"no index in {self.root}: run `codeidx build {self.root}` first")

    # --- components, opened lazily ---
    @property
    def graph(self) -> Graph:
        if self._graph is None:
            self._require()
            self._graph = Graph(self.current / "index.db")
        return self._graph

    @property
    def store(self) -> "Store":
        if self._store is None:
            meta = self.graph.meta()
            self._store = _open_store(self.config, meta.get("collection", self.config.collection),
                                      self.current, int(meta["dim"]))
        return self._store

    @property
    def embedder(self) -> "Embedder":
        if self._embedder is None:
            from codeidx.indexer.embedder import load_embedder

            self._embedder = load_embedder(self.config.embed_model, self.config.embed_max_tokens,
                                           self.config.embed_batch_size, device=self.config.embed_device)
        return self._embedder

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        if self._graph is not None:
            self._graph.close()
        self._store = self._graph = None

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- build ---
    def build(self, full: bool = False, on_progress: Callable[["Progress"], None] | None = None) -> BuildSummary:
        """Index the repository: incrementally by default, from scratch with `full=True`."""
        start = time.perf_counter()
        ensure_home(self.home)  # what build replaces and deletes below lies in a folder codeidx made
        with _build_lock(self.home):
            _recover(self.home)
            full = full or not self.exists
            self.close()
            target = self.home / "index.new" if full else self.current
            if full:
                shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True, exist_ok=True)
            graph = Graph(target / "index.db")
            store = None
            try:
                if full:
                    graph.set_meta(**self._new_meta(self.embedder))
                meta = graph.meta()
                self._check_compatible(meta)
                walked = walk(self.root, self.config.index_dir, self.config.max_file_bytes, self.config.exclude)
                plan = make_plan(self.root, walked, graph.files(), full=full)
                stats = None
                if not plan.is_empty:
                    stats, store, meta = self._execute(plan, graph, target, meta, on_progress)
                files_total = graph.counts()["files"]
            finally:
                if store is not None:
                    store.close()
                graph.close()
            if full:
                _swap_in(self.home, target)
            if full and self.config.qdrant_url and "previous_collection" in meta:
                _drop_collection(self.config, meta["previous_collection"])
        return _summary(self, plan, stats, full, files_total, time.perf_counter() - start)

    def _execute(self, plan: Plan, graph: Graph, target: Path, meta: dict[str, str],
                 on_progress: Callable[["Progress"], None] | None) -> tuple[Any, "Store", dict[str, str]]:
        from codeidx.indexer.builder import execute
        from codeidx.indexer.embed_cache import EmbeddingCache

        embedder = self.embedder
        store = _open_store(self.config, meta["collection"], target, embedder.dim)
        cache = EmbeddingCache(_cache_dir(self.config) / "embeddings.sqlite")
        try:
            stats = execute(plan, self.root, graph, store, embedder, cache, self.config.embed_max_tokens, on_progress)
        finally:
            cache.close()
        # Merging segments pays off after bulk writes; after a small edit it costs more than it saves.
        optimize = getattr(store, "optimize", None)
        if optimize is not None and len(plan.index) + len(plan.delete) >= OPTIMIZE_AFTER * max(graph.counts()["files"], 1):
            began = time.perf_counter()
            optimize()
            stats = replace(
                stats, stage_seconds={**stats.stage_seconds, "optimize": round(time.perf_counter() - began, 3)})
        graph.set_meta(built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        return stats, store, meta

    def _new_meta(self, embedder: "Embedder") -> dict[str, str]:
        meta = {"schema": SCHEMA_VERSION, "model": self.config.embed_model, "dim": str(embedder.dim),
                "max_tokens": str(self.config.embed_max_tokens), "store": _store_kind(self.config),
                "collection": self.config.collection}
        if self.config.qdrant_url:
            # A full rebuild on a server writes a new collection and drops the old one after the swap.
            meta["collection"] = f"{self.config.collection}-{uuid.uuid4().hex[:8]}"
            if self.exists:
                old = Graph(self.current / "index.db")
                previous = old.meta().get("collection")
                old.close()
                if previous:
                    meta["previous_collection"] = previous
        return meta

    def _check_compatible(self, meta: dict[str, str]) -> None:
        wanted = {"schema": SCHEMA_VERSION, "model": self.config.embed_model,
                  "max_tokens": str(self.config.embed_max_tokens), "store": _store_kind(self.config)}
        for key, value in wanted.items():
            if meta.get(key, value) != value:
                raise IndexMismatchError(
                    f"the index was built with {key} {meta[key]!r}, not {value!r}: "
                    f"run `codeidx build --full` to rebuild it")

    # --- status ---
    def status(self) -> IndexStatus:
        """What is indexed, with which model and store, and which files changed since."""
        graph = self.graph
        meta = graph.meta()
        walked = walk(self.root, self.config.index_dir, self.config.max_file_bytes, self.config.exclude)
        plan = make_plan(self.root, walked, graph.files())
        counts = graph.counts()
        return IndexStatus(root=str(self.root), model=meta.get("model", ""), store=meta.get("store", ""),
                           built_at=meta.get("built_at", ""), files=counts["files"], symbols=counts["symbols"],
                           chunks=counts["chunks"], languages=graph.languages(), changed=tuple(plan.changed_paths))

    def changed_files(self) -> list[str]:
        return list(self.status().changed)

    def refresh(self) -> BuildSummary | None:
        """Bring the index up to date with the files on disk; None when nothing changed."""
        if self.exists and not self.changed_files():
            return None
        return self.build()

    # --- ask ---
    def search(self, query: str, k: int = 10, filters: SearchFilters = SearchFilters(), mode: str = "full"):
        from codeidx.retriever.search import search

        return search(self, query, k=k, filters=filters, mode=mode)

    def ask(self, query: str, budget: int | None = None, k: int | None = None,
            filters: SearchFilters = SearchFilters(), files: bool = False, refresh: bool = False):
        from codeidx.retriever.ask import ask

        if refresh:
            self.refresh()
        return ask(self, query, budget=budget or self.config.budget, k=k or self.config.top_k,
                   filters=filters, files=files)

    def repo_map(self, focus: str | None = None, budget: int = 1500) -> str:
        from codeidx.retriever.repomap import repo_map

        return repo_map(self, focus=focus, budget=budget)


def _summary(index: Index, plan: Plan, stats: Any, full: bool, files_total: int, seconds: float) -> BuildSummary:
    from codeidx.indexer.builder import BuildStats

    stats = stats or BuildStats()
    return BuildSummary(
        root=str(index.root), model=index.config.embed_model, store=_store_kind(index.config), full=full,
        files_total=files_total, files_indexed=stats.files_indexed, files_deleted=len(plan.delete),
        files_unchanged=plan.unchanged, symbols=stats.symbols, chunks=stats.chunks,
        chunks_embedded=stats.chunks_embedded, tokens_embedded=stats.tokens_embedded,
        parse_errors=stats.parse_errors, seconds=round(seconds, 3),
        chunks_by_language=dict(stats.chunks_by_language), skipped=dict(plan.skipped),
        stage_seconds=dict(stats.stage_seconds))


def _store_kind(config: Config) -> str:
    return f"qdrant:{config.qdrant_url}" if config.qdrant_url else "qdrant-edge"


def _open_store(config: Config, collection: str, index_dir: Path, dim: int) -> "Store":
    from codeidx.indexer.store import open_store

    return open_store(config.replace(collection=collection), index_dir, dim)


def _drop_collection(config: Config, collection: str) -> None:
    from codeidx.indexer.store import drop_collection

    drop_collection(config, collection)


def _cache_dir(config: Config) -> Path:
    path = Path(config.cache_dir).expanduser() if config.cache_dir else Path.home() / ".cache" / "codeidx"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _swap_in(home: Path, staged: Path) -> None:
    """Replace the current index with a completed full build; `_recover` finishes a torn swap."""
    old = home / "index.old"
    shutil.rmtree(old, ignore_errors=True)
    if (home / "index").exists():
        os.rename(home / "index", old)
    os.rename(staged, home / "index")
    shutil.rmtree(old, ignore_errors=True)


def _recover(home: Path) -> None:
    if not (home / "index").exists() and (home / "index.old").exists():
        os.rename(home / "index.old", home / "index")


@contextmanager
def _build_lock(home: Path) -> Iterator[None]:
    with open(home / "lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CodeidxError(f"another codeidx build is running on {home.parent}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
