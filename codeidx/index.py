"""The library API: `Index.open(root)`, then `build()`, `status()`, `ask()`, `search()`.

`Index` is a facade: it opens the graph, the vector store and the embedding model, and hands
them to the indexer and the retriever, which never see the `Index` itself.

The index of a repository lives in `<root>/.codeidx/index/` (the SQLite graph and, by default,
the embedded Qdrant Edge shard). A full build over a usable index is written beside it in
`index.new/` and swapped in only when complete, so a failed or interrupted build never costs the
previous index. A first build (or one replacing a damaged index) has nothing to keep serving: it
writes in place and answers as soon as its files are stored, before their dense vectors are.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, TypeVar

from codeidx.core.config import Config
from codeidx.core.errors import CodeidxError, DamagedIndexError, IndexMismatchError, NoIndexError
from codeidx.core.home import cache_dir, ensure_home, index_home
from codeidx.core.models import SearchFilters
from codeidx.core.paths import LANE_RULE, lane_of
from codeidx.indexer.embedder import embedder_name
from codeidx.indexer.graph import SCHEMA_VERSION, Graph
from codeidx.indexer.languages import SYMBOL_RULE
from codeidx.indexer.plan import Plan, make_plan
from codeidx.indexer.sparse import SPARSE_RULE
from codeidx.indexer.store_edge import shard_files_present
from codeidx.indexer.walker import walk

OPTIMIZE_AFTER = 0.1  # share of the files a build must rewrite before the store is optimized
REQUIRED_META = ("schema", "model", "dim", "max_tokens", "store")  # what every build writes and readers need
EDGE_STORE = "qdrant-edge"  # the embedded store, as the index's meta names it
GIVEN_STORE = "given"  # a store passed to `Index`: its vectors are not in the index's folder
SWAP_WAIT = 2.0  # seconds a reader waits for a running build to finish swapping in a new index
LOCK_WAIT = 0.2  # seconds a build waits for the lock: a reader's probe of it holds it for an instant
# A summary names the files it left out, so a user can tell why a file is not found (a fixture taken
# for a secret, a large source file), up to this many per reason; the counts are whole. Our own
# folder is not worth naming, and a name that is not UTF-8 cannot be printed.
SKIPPED_NAMED = 20
UNNAMED_SKIPS = ("internal", "bad file name")

T = TypeVar("T")

if TYPE_CHECKING:
    from codeidx.core.protocols import Embedder, Store
    from codeidx.indexer.builder import Progress
    from codeidx.retriever.ask import AskResult, FileHit
    from codeidx.retriever.parts import Parts
    from codeidx.retriever.rerank import Rerank
    from codeidx.retriever.search import Hit
    from codeidx.retriever.symbols import SymbolLookup


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
    skipped: dict[str, int] = field(default_factory=dict, hash=False)  # reason -> files left out for it
    skipped_files: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)  # reason -> the first of them
    stage_seconds: dict[str, float] = field(default_factory=dict, hash=False)  # busy time of each stage
    searchable_seconds: float = 0.0  # from the start until every file answered by keywords and names
    chunks_keyword_only: int = 0  # of `chunks`, bulk data stored without a dense vector (core/paths.is_bulk_data)


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
    dense_chunks: int = 0  # chunks with their dense vector; fewer than `chunks` while a build embeds
    dense_coverage: float = 1.0  # dense_chunks / (chunks - keyword_only)
    keyword_only: int = 0  # chunks of bulk data (fixtures, data folders), searched by keywords and names only
    building: bool = False  # a build is running on this index now
    # Files per lane (core/paths.lane_of: code, test, context, history): how ask will rank them, so a
    # user can see when the code was taken for docs or examples.
    lanes: dict[str, int] = field(default_factory=dict, hash=False)


class Index:
    _opened: tuple[int, int] | None = None  # which index.db the open handles belong to (see `_generation`)

    def __init__(self, root: Path, config: Config, *, embedder: "Embedder | None" = None,
                 store: "Store | None" = None) -> None:
        """`embedder` and `store`, when given, replace the ones the configuration names. A given
        store is used as it is for builds and reads, and left open: its owner closes it."""
        self.root = root
        self.config = config
        self.home = index_home(root, config.index_dir)
        self._graph: Graph | None = None
        self._given_store = store
        self._store: Store | None = store
        self._embedder: Embedder | None = embedder
        # The model recorded in the index and checked on reads: a given embedder's own name, never the
        # configured one it replaces, so an index built with one is never read with the other's vectors.
        self.model_name = embedder.name if embedder is not None else embedder_name(config)
        # What the retriever derives from the graph; emptied whenever the graph is let go, as every build does.
        self._derived: dict = {}

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

    def require(self) -> None:
        """Raise NoIndexError unless an index is built here (a swap a build left half done is finished first)."""
        if not self.exists and (self.home / "index.old").exists():
            _settle(self.home)
        if not self.exists:
            raise NoIndexError(f"no index in {self.root}: run `codeidx build {self.root}` first")

    # --- components, opened lazily ---
    def warm(self) -> None:
        """Open the graph and the store and load the model now, so that no query waits for them."""
        self._read(self._parts)

    def _parts(self) -> "Parts":
        from codeidx.retriever.parts import Parts

        return Parts(self.root, self.graph, self.store, self.query_embedder, self.config.tokenizer_model,
                     cache_dir(self.config.cache_dir), self._derived)

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            self.require()
            self._opened = _generation(self.current)  # before opening: a swap in between is then seen
            self._graph = _open_graph(self.current)
        return self._graph

    @property
    def store(self) -> "Store":
        if self._store is None:
            graph = self.graph
            meta = graph.meta()
            store = self._open_store(meta.get("collection", self.config.collection), self.current, int(meta["dim"]))
            # A build stores vectors before graph rows, so fewer points than chunks means lost points.
            if store.count() < graph.counts()["chunks"]:
                store.close()
                raise DamagedIndexError(_damaged(self.current, "its vector store has lost points"))
            self._store = store
        return self._store

    @property
    def embedder(self) -> "Embedder":
        """The embedder of builds (`embed_backend` picks torch or onnxruntime)."""
        if self._embedder is None:
            from codeidx.indexer.embedder import build_embedder

            self._embedder = build_embedder(self.config)
        return self._embedder

    @property
    def query_embedder(self) -> "Embedder":
        """The embedder of queries: the build's when one is loaded (or given), else the one the index's
        vectors need, through onnxruntime unless the backend is torch, so a read never imports torch."""
        if self._embedder is not None:
            return self._embedder
        from codeidx.indexer.embedder import query_embedder

        return query_embedder(self.config, self.graph.meta().get("model", ""))

    def let_others_in(self) -> None:
        """Let go of the store if another process waits to open it (a build); the next read reopens it."""
        if self._store is not None and self._store is not self._given_store and self._store.wanted():
            self.close()

    def close(self) -> None:
        # After a full build swapped in a new index, these handles' files are gone; they were only
        # read, so a close that cannot flush loses nothing. Asked after the failure: the swap may
        # land while the handles close.
        for handle in (self._store, self._graph):
            if handle is None or handle is self._given_store:
                continue
            try:
                handle.close()
            except Exception:
                if not self._swapped():
                    raise
        self._store, self._graph = self._given_store, None
        self._derived.clear()

    def _swapped(self) -> bool:
        return self._graph is not None and _generation(self.current) != self._opened

    def _read(self, fn: Callable[[], T]) -> T:
        """Run a read on the index on disk now. A full build elsewhere swaps a new index in and
        deletes the old one's files: the handles are then reopened, and a read the swap broke runs
        once more. A graph that sqlite finds corrupt is reported as a damaged index."""
        if self._swapped():
            self.close()
        at_start = _generation(self.current)
        with _corruption_is_damage(self.current):
            try:
                return fn()
            except Exception:
                if _generation(self.current) == at_start:
                    raise
                self.close()
                return fn()

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
            fresh = not self.exists or _is_damaged(self.current)  # nothing worth serving while this runs
            full = full or fresh or self._rules_outdated()
            self.close()
            target = self.home / "index.new" if full and not fresh else self.current
            if full:
                shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True, exist_ok=True)
            graph = Graph(target / "index.db")
            store = None
            discard = False
            try:
                if full:
                    graph.set_meta(**self._new_meta(self.embedder))
                meta = graph.meta()
                self._check_compatible(meta)
                walked = walk(self.root, self.config.index_dir, self.config.max_file_bytes, self.config.exclude)
                plan = make_plan(self.root, walked, graph.files(), full=full, incomplete=graph.incomplete_paths())
                stats = None
                relane = meta.get("lanes") != LANE_RULE  # points stored before their payloads had this lane rule
                if not plan.is_empty or relane:
                    store = self._open_store(meta["collection"], target, self.embedder.dim)
                if relane:
                    _mark_lanes(graph, store)
                if not plan.is_empty:
                    stats = self._execute(plan, graph, store, start, on_progress)
                files_total = graph.counts()["files"]
            except BaseException:
                # A first build that stored no file leaves nothing behind: the next one starts clean.
                discard = fresh and graph.counts()["files"] == 0
                raise
            finally:
                if store is not None and store is not self._given_store:
                    store.close()
                graph.close()
                if discard:
                    shutil.rmtree(target, ignore_errors=True)
            if target != self.current:
                _swap_in(self.home, target)
            if full and self.config.qdrant_url and "previous_collection" in meta:
                from codeidx.indexer.store import drop_collection

                drop_collection(self.config.qdrant_url, self.config.qdrant_api_key, meta["previous_collection"])
        return _summary(self, plan, stats, full, files_total, time.perf_counter() - start)

    def _execute(self, plan: Plan, graph: Graph, store: "Store", start: float,
                 on_progress: Callable[["Progress"], None] | None) -> Any:
        from codeidx.indexer.builder import Totals, execute
        from codeidx.indexer.embed_cache import EmbeddingCache

        embedder = self.embedder
        cache = EmbeddingCache(cache_dir(self.config.cache_dir) / "embeddings.sqlite")
        totals = Totals(len(plan.index), started=start)
        try:
            execute(plan, self.root, graph, store, embedder, cache, self.config.embed_max_tokens, totals, on_progress)
            stats = totals.stats()
        finally:
            cache.close()
        # Merging segments pays off after bulk writes; after a small edit it costs more than it saves.
        # The files rewritten since the last optimize add up over builds, so that many small ones (an
        # agent's edits) leave no more than a tenth of the files' old versions in the keyword weights.
        optimize = getattr(store, "optimize", None)
        counted = graph.meta().get("rewritten_since_optimize", "0")
        rewritten = (int(counted) if counted.isdigit() else 0) + len(plan.index) + len(plan.delete)
        if optimize is not None and rewritten >= OPTIMIZE_AFTER * max(graph.counts()["files"], 1):
            began = time.perf_counter()
            optimize()
            rewritten = 0
            stats = replace(
                stats, stage_seconds={**stats.stage_seconds, "optimize": round(time.perf_counter() - began, 3)})
        graph.set_meta(built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), rewritten_since_optimize=str(rewritten))
        return stats

    def _open_store(self, collection: str, index_dir: Path, dim: int) -> "Store":
        from codeidx.indexer.store import open_store

        if self._given_store is not None:
            return self._given_store
        return open_store(index_dir, dim, url=self.config.qdrant_url, api_key=self.config.qdrant_api_key,
                          collection=collection)

    def _new_meta(self, embedder: "Embedder") -> dict[str, str]:
        meta = {"schema": SCHEMA_VERSION, "lanes": LANE_RULE, "sparse": SPARSE_RULE, "symbols": SYMBOL_RULE,
                "model": self.model_name, "dim": str(embedder.dim), "max_tokens": str(self.config.embed_max_tokens),
                "store": self._store_kind(), "collection": self.config.collection}
        if self.config.qdrant_url:
            # A full rebuild on a server writes a new collection and drops the old one after the swap.
            meta["collection"] = f"{self.config.collection}-{uuid.uuid4().hex[:8]}"
            if self.exists and not _is_damaged(self.current):
                old = Graph(self.current / "index.db")
                previous = old.meta().get("collection")
                old.close()
                if previous:
                    meta["previous_collection"] = previous
        return meta

    def _store_kind(self) -> str:
        if self._given_store is not None:
            return GIVEN_STORE
        return f"qdrant:{self.config.qdrant_url}" if self.config.qdrant_url else EDGE_STORE

    def _rules_outdated(self) -> bool:
        """Whether the index's keyword vectors or symbols were made by an older rule
        (`sparse.SPARSE_RULE`, `languages.SYMBOL_RULE`; none recorded: the first). Old keyword vectors
        would not compare with new ones, and old symbols would stay until their files change, so the
        build starts over, as `--full` does: the embedding cache keeps that from embedding a chunk
        whose text is unchanged. An index of another model or window still asks for `--full` first:
        that rebuild embeds everything."""
        graph = Graph(self.current / "index.db")
        try:
            meta = graph.meta()
        finally:
            graph.close()
        self._check_compatible(meta)
        return meta.get("sparse", "1") != SPARSE_RULE or meta.get("symbols", "1") != SYMBOL_RULE

    def _check_compatible(self, meta: dict[str, str]) -> None:
        wanted = {"schema": SCHEMA_VERSION, "model": self.model_name,
                  "max_tokens": str(self.config.embed_max_tokens), "store": self._store_kind()}
        for key, value in wanted.items():
            if meta.get(key, value) != value:
                raise IndexMismatchError(
                    f"the index was built with {key} {meta[key]!r}, not {value!r}: "
                    f"run `codeidx build --full` to rebuild it")

    # --- status ---
    def status(self) -> IndexStatus:
        """What is indexed, with which model and store, and which files changed since."""
        return self._read(self._status)

    def _status(self) -> IndexStatus:
        graph = self.graph
        meta = graph.meta()
        counts = graph.counts()
        building = self.building
        return IndexStatus(root=str(self.root), model=meta.get("model", ""), store=meta.get("store", ""),
                           built_at=meta.get("built_at", ""), files=counts["files"], symbols=counts["symbols"],
                           chunks=counts["chunks"], languages=graph.languages(),
                           changed=() if building else tuple(self._changed()), dense_chunks=graph.dense_count(),
                           dense_coverage=round(graph.dense_coverage(), 4), keyword_only=graph.keyword_only_count(),
                           building=building, lanes=dict(Counter(lane_of(path) for path in graph.files())))

    @property
    def building(self) -> bool:
        """Whether a build (in any process) is running on this index now."""
        return _build_running(self.home)

    def changed_files(self) -> list[str]:
        """Files added, edited or deleted since the last build."""
        return self._read(self._changed)

    def _changed(self) -> list[str]:
        # The one staleness check: status, refresh and ask all ask it.
        walked = walk(self.root, self.config.index_dir, self.config.max_file_bytes, self.config.exclude)
        return make_plan(self.root, walked, self.graph.files()).changed_paths

    def refresh(self) -> BuildSummary | None:
        """Bring the index up to date with the files on disk; None when nothing changed."""
        if self.exists and not self.changed_files():
            return None
        return self.build()

    # --- ask ---
    def search(self, query: str, k: int = 10, filters: SearchFilters = SearchFilters(),
               mode: str = "full") -> "list[Hit]":
        from codeidx.retriever.search import search

        return self._read(lambda: search(self._parts(), query, k=k, filters=filters, mode=mode))

    def rank(self, query: str, k: int = 10, filters: SearchFilters = SearchFilters(),
             files: bool = False) -> "tuple[list[Hit], tuple[FileHit, ...]]":
        """The hits `ask` shows, in its order (the best-supported file's best hit first, then each hit's
        rank fused with its file's, code before docs), and with `files` its file ranking: what a tool
        that lists hits should list."""
        from codeidx.retriever.ask import rank

        return self._read(lambda: rank(self._parts(), query, k, filters=filters, files=files))

    def ask(self, query: str, budget: int | None = None, k: int | None = None,
            filters: SearchFilters = SearchFilters(), files: bool = False, refresh: bool = False,
            rerank: "Rerank | None" = None) -> "AskResult":
        """`rerank`: a second stage that reorders the top files (see retriever/rerank.py)."""
        from codeidx.retriever.ask import ask

        if refresh:
            self.refresh()
        # While a build runs, the files it has not reached yet are not "changed since the build".
        return self._read(lambda: ask(self._parts(), query, budget=budget or self.config.budget,
                                      k=k or self.config.top_k, filters=filters, files=files,
                                      changed=[] if self.building else self._changed(), rerank=rerank))

    def repo_map(self, focus: str | None = None, budget: int = 1500) -> str:
        from codeidx.retriever.repomap import repo_map

        return self._read(lambda: repo_map(self._parts(), focus=focus, budget=budget))

    def lookup(self, name: str) -> "SymbolLookup":
        """A symbol's definition by name (bare, qualified or `path:name`), or the candidates when several fit."""
        from codeidx.retriever.symbols import lookup

        return self._read(lambda: lookup(self._parts(), name))


def _summary(index: Index, plan: Plan, stats: Any, full: bool, files_total: int, seconds: float) -> BuildSummary:
    from codeidx.indexer.builder import BuildStats

    stats = stats or BuildStats()
    return BuildSummary(
        root=str(index.root), model=index.model_name, store=index._store_kind(), full=full,
        files_total=files_total, files_indexed=stats.files_indexed, files_deleted=len(plan.delete),
        files_unchanged=plan.unchanged, symbols=stats.symbols, chunks=stats.chunks,
        chunks_embedded=stats.chunks_embedded, tokens_embedded=stats.tokens_embedded,
        parse_errors=stats.parse_errors, seconds=round(seconds, 3), searchable_seconds=stats.lexical_seconds,
        chunks_by_language=dict(stats.chunks_by_language),
        skipped={reason: len(paths) for reason, paths in sorted(plan.skipped.items())},
        skipped_files={reason: tuple(sorted(paths)[:SKIPPED_NAMED]) for reason, paths in sorted(plan.skipped.items())
                       if reason not in UNNAMED_SKIPS},
        stage_seconds=dict(stats.stage_seconds), chunks_keyword_only=stats.chunks_keyword_only)


def _mark_lanes(graph: Graph, store: "Store") -> None:
    """Give every stored point the lane today's rule gives its path, so code-only queries filter in
    the store; an index from before that rule gets it without re-embedding."""
    by_lane: dict[str, list[str]] = {}
    for path in sorted(graph.files()):
        by_lane.setdefault(lane_of(path), []).append(path)
    for lane, paths in by_lane.items():
        store.set_lane(graph.chunk_ids(paths), lane)
    optimize = getattr(store, "optimize", None)
    if optimize is not None:  # every point was written again: vacuum the old versions (store_edge.VACUUM)
        optimize()
    graph.set_meta(lanes=LANE_RULE, rewritten_since_optimize="0")


def _swap_in(home: Path, staged: Path) -> None:
    """Replace the current index with a completed full build; `_recover` finishes a torn swap."""
    old = home / "index.old"
    shutil.rmtree(old, ignore_errors=True)
    if (home / "index").exists():
        os.rename(home / "index", old)
    os.rename(staged, home / "index")
    shutil.rmtree(old, ignore_errors=True)


def _recover(home: Path) -> None:
    """Put the old index back after a build died between the two renames of `_swap_in`; only
    under the build lock, for in a running build that moment is the swap itself."""
    if not (home / "index").exists() and (home / "index.old").exists():
        os.rename(home / "index.old", home / "index")


def _settle(home: Path) -> None:
    """A reader found the index mid-swap: wait for the running build to finish it, or recover a torn one."""
    try:
        with _build_lock(home):
            _recover(home)
    except CodeidxError:  # the lock is held: a build is running, and its swap takes microseconds
        deadline = time.monotonic() + SWAP_WAIT
        while not (home / "index" / "index.db").exists() and time.monotonic() < deadline:
            time.sleep(0.01)


def _generation(index_dir: Path) -> tuple[int, int] | None:
    """Which index.db lies in `index_dir` now; a full build's swap puts a new file there."""
    try:
        st = os.stat(index_dir / "index.db")
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def _open_graph(index_dir: Path) -> Graph:
    """The graph of the index in `index_dir`, checked cheaply for damage before anything reads it."""
    with _corruption_is_damage(index_dir):
        graph = Graph(index_dir / "index.db")
        meta = graph.meta()
        chunks = graph.counts()["chunks"]
    missing = [key for key in REQUIRED_META if key not in meta]
    why = (f"index.db lacks its {', '.join(missing)} metadata" if missing
           else "its vector store's files are missing" if chunks and meta["store"] == EDGE_STORE
           and not shard_files_present(index_dir / "vectors") else None)
    if why:
        graph.close()
        raise DamagedIndexError(_damaged(index_dir, why))
    return graph


def _is_damaged(index_dir: Path) -> bool:
    """What a build asks before it trusts the index on disk; it rebuilds a damaged one from scratch."""
    try:
        _open_graph(index_dir).close()
    except DamagedIndexError:
        return True
    return False


@contextmanager
def _corruption_is_damage(index_dir: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if type(exc) is not sqlite3.DatabaseError:  # its subclasses are locks and misuse, not damage
            raise
        raise DamagedIndexError(_damaged(index_dir, f"index.db: {exc}")) from exc


def _damaged(index_dir: Path, why: str) -> str:
    return f"the index in {index_dir} is damaged ({why}): run `codeidx build --full` to rebuild it"


@contextmanager
def _build_lock(home: Path) -> Iterator[None]:
    with open(home / "lock", "w") as handle:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    raise CodeidxError(f"another codeidx build is running on {home.parent}; "
                                       f"wait for it to finish") from exc
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_running(home: Path) -> bool:
    """Whether another process holds the build lock: probed with a shared lock, held for an instant."""
    try:
        handle = open(home / "lock")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
