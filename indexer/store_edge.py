"""The embedded default store: Qdrant Edge, the Qdrant engine running inside this process.

Chosen over qdrant-client's local mode, which is a pure-Python stand-in: measured here at 30,000
points it took seconds per hybrid query where Edge answers in milliseconds. One process may
hold a shard at a time: a second opener waits for the holder to release it, then gets a clear
error.
"""
from __future__ import annotations

import fcntl
import json
import time
from pathlib import Path
from typing import IO, Callable, Sequence

from codeidx.core.errors import StoreError
from codeidx.core.models import Chunk, SearchFilters, SparseVector, StoreHit
from codeidx.core.paths import lane_of
from codeidx.core.ranking import RRF_K

INDEXED_FIELDS = ("path", "language", "kind", "lane")
UPSERT_BATCH = 256
# Qdrant weighs a keyword (IDF) over every version of a point that a segment still holds: an update
# or a delete leaves the old one until the segment is vacuumed, at its defaults only once a fifth of
# it is. An index updated commit after commit, or re-laned, then weighed keywords unlike a fresh
# build of the same tree (17 of 30 networkx commit messages got another top 20 of keyword hits).
# These thresholds make every `optimize` vacuum whatever any write left behind.
VACUUM = {"deleted_threshold": 0.0, "vacuum_min_vector_number": 1}
# A glob cannot be a Qdrant condition; its literal prefix can. The rest is checked here over
# this many times the wanted number of candidates.
GLOB_OVERFETCH = 8
PREFETCH_FLOOR = 50  # each side of a hybrid query brings at least this many candidates to the fusion
# The nearest dense vectors are searched exactly up to this many points, and by a wide HNSW search
# beyond. HNSW's default search left out a tenth of the 150 nearest of sphinx's 19,652 chunks, a
# different tenth in each build of the same commit; exact search took 2 ms to HNSW's 0.7 there, and
# grows with the points. An ef of 1024 left out 0.2% of them.
EXACT_POINTS = 200_000
WIDE_EF = 1024
# Edge lets one process hold a shard. An opener waits this long for the holder to let go (a build
# or an MCP server does as soon as it sees the opener's marker beside the lock).
OPEN_WAIT = 10.0
OPEN_RETRY = 0.05


def payload_of(chunk: Chunk) -> dict:
    return {"path": chunk.path, "language": chunk.language, "kind": chunk.kind, "name": chunk.name,
            "qualified_name": chunk.qualified_name, "signature": chunk.signature, "docstring": chunk.docstring,
            "start_line": chunk.start_line, "end_line": chunk.end_line, "part": chunk.part,
            "content_hash": chunk.content_hash, "text": chunk.text,
            "lane": lane_of(chunk.path), "test": chunk.test}


def hybrid_query(search: Callable, dense: Sequence[float] | None, sparse: SparseVector | None, limit: int,
                 filters: SearchFilters) -> list[StoreHit]:
    """A query as both stores make it around their client's own call, `search(filters, dense, sparse,
    fetch)` (either vector may be None; it returns scored points with payloads). A glob cannot be a
    Qdrant condition: it is matched here, on more candidates."""
    sparse = sparse if sparse is not None and sparse.indices else None
    if dense is None and sparse is None:
        return []
    # Indexes built before lanes have none in their payloads: their paths are checked here instead.
    check = bool(filters.path_glob or filters.left_out)
    fetch = limit * GLOB_OVERFETCH if filters.path_glob else limit
    points = search(filters, dense, sparse, fetch)
    hits = [StoreHit(str(p.id), float(p.score), dict(p.payload or {})) for p in points]
    if check:
        hits = [h for h in hits if filters.admits(h.payload)]
    return hits[:limit]


def dense_search(points: int) -> dict:
    """How a store's nearest-vector search is made over `points` points: SearchParams' arguments."""
    return {"exact": True} if points <= EXACT_POINTS else {"hnsw_ef": WIDE_EF}


def exact_matches(filters: SearchFilters) -> list[tuple[str, str]]:
    """The filters both stores match exactly on a payload index; each store matches the path its own way."""
    return [(key, value) for key, value in (("language", filters.language), ("kind", filters.kind)) if value]


def shard_files_present(path: Path) -> bool:
    """Whether a shard's files are on disk: opened without them, a shard silently starts empty."""
    segments = path / "segments"
    return (path / "edge_config.json").is_file() and segments.is_dir() and any(segments.iterdir())


class EdgeStore:
    """The shard is opened on first use and held until `release` or `close`. A process waiting for
    it leaves a marker (`wanted`), and a long-lived holder lets go when it sees one."""

    def __init__(self, path: Path, dim: int, wait: float = OPEN_WAIT) -> None:
        import qdrant_edge as q

        self.q = q
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self.dim = dim
        self.wait = wait
        self._shard = None
        self._written = False  # a reader never writes: its close must not touch files a rebuild may have removed
        self._points: int | None = None  # counted for the next dense search after a write or an open
        self._open()

    @property
    def shard(self):
        if self._shard is None:
            self._open()
        return self._shard

    def _open(self) -> None:
        # Edge's own lock is not enough: a second process's load changes files before it finds the
        # shard locked, so every opener takes this lock first and holds it while the shard is open.
        self._lock = _lock(self.lock_path, self.wait, self.path.parent)
        self._points = None  # another process may have written while this one let go
        try:
            if (self.path / "edge_config.json").exists():
                # A shard created before VACUUM gets it now (Edge checks the rest is compatible).
                self._shard = (self.q.EdgeShard.load(str(self.path)) if self._vacuums()
                               else self.q.EdgeShard.load(str(self.path), self._config()))
            else:
                self._shard = self._create()
        except Exception as exc:  # noqa: BLE001 - Edge raises plain Exception with a runtime message
            self._lock.close()
            if "WouldBlock" in str(exc):  # a process that does not take the lock above
                raise StoreError(_in_use(self.path.parent)) from exc
            raise StoreError(f"cannot open the vector store in {self.path}: {str(exc)[:200]}; "
                             f"run `codeidx build --full` to rebuild it") from exc

    def _config(self):
        q = self.q
        return q.EdgeConfig(
            vectors={"dense": q.EdgeVectorParams(size=self.dim, distance=q.Distance.Cosine)},
            sparse_vectors={"sparse": q.EdgeSparseVectorParams(modifier=q.Modifier.Idf)},
            optimizers=q.EdgeOptimizersConfig(**VACUUM))

    def _vacuums(self) -> bool:
        try:
            stored = json.loads((self.path / "edge_config.json").read_text()).get("optimizers") or {}
        except (OSError, ValueError):
            return False
        return all(stored.get(key) == value for key, value in VACUUM.items())

    def _create(self):
        q = self.q
        self.path.mkdir(parents=True, exist_ok=True)
        shard = q.EdgeShard.create(str(self.path), self._config())
        for name in INDEXED_FIELDS:
            shard.update(q.UpdateOperation.create_field_index(name, q.PayloadSchemaType.Keyword))
        return shard

    def upsert(self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float] | None],
               sparse: Sequence[SparseVector]) -> None:
        q = self.q
        points = [q.Point(c.id, {"sparse": q.SparseVector(indices=list(s.indices), values=list(s.values)),
                                 **({"dense": list(d)} if d is not None else {})},
                          payload_of(c)) for c, d, s in zip(chunks, dense, sparse)]
        self._update([q.UpdateOperation.upsert_points(points[start:start + UPSERT_BATCH])
                      for start in range(0, len(points), UPSERT_BATCH)])

    def set_dense(self, chunk_ids: Sequence[str], dense: Sequence[Sequence[float]]) -> None:
        q = self.q
        points = [q.PointVectors(i, {"dense": list(d)}) for i, d in zip(chunk_ids, dense)]
        self._update([q.UpdateOperation.update_vectors(points[start:start + UPSERT_BATCH])
                      for start in range(0, len(points), UPSERT_BATCH)])

    def set_lane(self, chunk_ids: Sequence[str], lane: str) -> None:
        q = self.q
        # A shard made before lanes has no index on the field, and filtering on it unindexed made a
        # code-only query several times slower.
        self._update([q.UpdateOperation.create_field_index("lane", q.PayloadSchemaType.Keyword),
                      *(q.UpdateOperation.set_payload(list(chunk_ids[start:start + UPSERT_BATCH]), {"lane": lane})
                        for start in range(0, len(chunk_ids), UPSERT_BATCH))])

    def delete(self, chunk_ids: Sequence[str]) -> None:
        self._update([self.q.UpdateOperation.delete_points(list(chunk_ids[start:start + UPSERT_BATCH]))
                      for start in range(0, len(chunk_ids), UPSERT_BATCH)])

    def _update(self, operations: list) -> None:
        self._written = True
        self._points = None
        for operation in operations:
            self.shard.update(operation)

    def query(self, dense: Sequence[float] | None, sparse: SparseVector | None, limit: int,
              filters: SearchFilters = SearchFilters()) -> list[StoreHit]:
        return hybrid_query(self._search, dense, sparse, limit, filters)

    def _search(self, filters: SearchFilters, dense, sparse, fetch: int):
        q = self.q
        condition = self._filter(filters)
        nearest = []  # (query, search params)
        if dense is not None:
            if self._points is None:
                self._points = self.count()
            nearest.append((q.Query.Nearest(list(dense), using="dense"), q.SearchParams(**dense_search(self._points))))
        if sparse is not None:
            vector = q.SparseVector(indices=list(sparse.indices), values=list(sparse.values))
            nearest.append((q.Query.Nearest(vector, using="sparse"), None))
        if len(nearest) == 1:
            (query, params), = nearest
            request = q.QueryRequest(limit=fetch, query=query, filter=condition, with_payload=True,
                                     params=params)
        else:
            prefetches = [q.Prefetch(limit=max(fetch, PREFETCH_FLOOR), query=n, filter=condition, params=params)
                          for n, params in nearest]
            request = q.QueryRequest(limit=fetch, prefetches=prefetches, query=q.Fusion.Rrf(k=RRF_K),
                                     with_payload=True)
        return self.shard.query(request)

    def _filter(self, filters: SearchFilters):
        q = self.q
        must = [q.FieldCondition(key=key, match=q.MatchValue(value)) for key, value in exact_matches(filters)]
        if filters.path_prefix:
            must.append(q.FieldCondition(key="path", match=q.MatchPrefix(filters.path_prefix)))
        left_out = filters.left_out
        must_not = [q.FieldCondition(key="lane", match=q.MatchAny(list(left_out)))] if left_out else []
        return q.Filter(must=must, must_not=must_not) if must or must_not else None

    def retrieve(self, chunk_ids: Sequence[str]) -> list[StoreHit]:
        if not chunk_ids:
            return []
        records = self.shard.retrieve(list(chunk_ids), True, False)
        return [StoreHit(str(r.id), 1.0, dict(r.payload or {})) for r in records]

    def count(self) -> int:
        return int(self.shard.count(self.q.CountRequest(exact=True)))

    def flush(self) -> None:
        self.shard.flush()

    def release(self) -> None:
        if self._shard is not None:
            self._close_shard()

    def wanted(self) -> bool:
        return self._shard is not None and _wanted(self.lock_path).exists()

    def optimize(self) -> None:
        """Merge segments, build the vector index and vacuum what updates and deletes left (`VACUUM`);
        worth it after bulk writes."""
        self.shard.optimize()

    def close(self) -> None:
        if self._shard is not None:
            self._close_shard()

    def _close_shard(self) -> None:
        shard, self._shard = self._shard, None
        try:
            if self._written:
                shard.flush()
            shard.close()
        finally:
            self._lock.close()


def _lock(path: Path, wait: float, where: Path) -> IO:
    """The shard's lock file, locked for this process; waits `wait` seconds for another holder, with
    a marker beside the lock that asks the holder, a build between writes, to let go."""
    handle = open(path, "a")
    wanted = _wanted(path)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            wanted.unlink(missing_ok=True)
            return handle
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.close()
                raise StoreError(_in_use(where)) from None
            wanted.touch()  # again each time: another waiter that got the lock first removed it
            time.sleep(OPEN_RETRY)


def _wanted(lock: Path) -> Path:
    return lock.with_name(lock.name + ".wanted")


def _in_use(where: Path) -> str:
    return (f"the index in {where} is in use by another codeidx process (a build or an MCP server); "
            f"wait for it or stop it")
