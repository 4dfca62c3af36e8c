"""A Qdrant server through qdrant-client, for users who outgrow one machine (`--qdrant-url`).

The same data model as the embedded store: named vectors `dense` and `sparse` (IDF), the same
payload and payload indexes, hybrid queries fused with RRF by the server.
"""
from __future__ import annotations

from typing import Any, Sequence

from codeidx.core.errors import StoreError, first_line
from codeidx.core.models import Chunk, SearchFilters, SparseVector, StoreHit
from codeidx.core.ranking import RRF_K
from codeidx.indexer.store_edge import (
    INDEXED_FIELDS,
    PREFETCH_FLOOR,
    UPSERT_BATCH,
    dense_search,
    exact_matches,
    hybrid_query,
    payload_of,
)


def connect(url: str, api_key: str | None = None) -> Any:
    from qdrant_client import QdrantClient

    # The version check would warn on stderr (a second line) before the error below says the same.
    client = QdrantClient(url=url, api_key=api_key, timeout=10, check_compatibility=False)
    try:
        client.get_collections()
    except Exception as exc:  # noqa: BLE001 - connection errors come in many types
        raise StoreError(f"cannot reach Qdrant at {url}: {first_line(exc, limit=160)}") from exc
    return client


class ServerStore:
    def __init__(self, client: Any, collection: str, dim: int) -> None:
        from qdrant_client import models

        self.m = models
        self.client = client
        self.collection = collection
        self._points: int | None = None  # counted for the next dense search after a write
        if not client.collection_exists(collection):
            client.create_collection(
                collection,
                vectors_config={"dense": models.VectorParams(size=dim, distance=models.Distance.COSINE)},
                sparse_vectors_config={"sparse": models.SparseVectorParams(modifier=models.Modifier.IDF)})
            for name in INDEXED_FIELDS:
                client.create_payload_index(collection, name, models.PayloadSchemaType.KEYWORD)

    def upsert(self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float] | None],
               sparse: Sequence[SparseVector]) -> None:
        m = self.m
        points = [m.PointStruct(id=c.id, payload=payload_of(c), vector={
            "sparse": m.SparseVector(indices=list(s.indices), values=list(s.values)),
            **({"dense": list(d)} if d is not None else {})}) for c, d, s in zip(chunks, dense, sparse)]
        self._points = None
        for start in range(0, len(points), UPSERT_BATCH):
            self.client.upsert(self.collection, points[start:start + UPSERT_BATCH], wait=True)

    def set_dense(self, chunk_ids: Sequence[str], dense: Sequence[Sequence[float]]) -> None:
        points = [self.m.PointVectors(id=i, vector={"dense": list(d)}) for i, d in zip(chunk_ids, dense)]
        for start in range(0, len(points), UPSERT_BATCH):
            self.client.update_vectors(self.collection, points[start:start + UPSERT_BATCH], wait=True)

    def set_lane(self, chunk_ids: Sequence[str], lane: str) -> None:
        self.client.create_payload_index(self.collection, "lane", self.m.PayloadSchemaType.KEYWORD)  # as at creation
        for start in range(0, len(chunk_ids), UPSERT_BATCH):
            self.client.set_payload(self.collection, {"lane": lane}, points=list(chunk_ids[start:start + UPSERT_BATCH]),
                                    wait=True)

    def delete(self, chunk_ids: Sequence[str]) -> None:
        if chunk_ids:
            self._points = None
            self.client.delete(self.collection, self.m.PointIdsList(points=list(chunk_ids)), wait=True)

    def query(self, dense: Sequence[float] | None, sparse: SparseVector | None, limit: int,
              filters: SearchFilters = SearchFilters()) -> list[StoreHit]:
        return hybrid_query(self._search, dense, sparse, limit, filters)

    def _search(self, filters: SearchFilters, dense, sparse, fetch: int):
        m = self.m
        condition = self._filter(filters)
        prefetch = []
        if dense is not None:
            if self._points is None:
                self._points = self.count()
            prefetch.append(m.Prefetch(query=list(dense), using="dense", limit=max(fetch, PREFETCH_FLOOR),
                                       filter=condition, params=m.SearchParams(**dense_search(self._points))))
        if sparse is not None:
            vector = m.SparseVector(indices=list(sparse.indices), values=list(sparse.values))
            prefetch.append(m.Prefetch(query=vector, using="sparse", limit=max(fetch, PREFETCH_FLOOR),
                                       filter=condition))
        if len(prefetch) == 1:
            only = prefetch[0]
            return self.client.query_points(self.collection, query=only.query, using=only.using, limit=fetch,
                                            query_filter=condition, with_payload=True,
                                            search_params=only.params).points
        # Edge's k, not the server's default of 2: one hybrid scale for both stores, the one the
        # retriever's own fusion makes (retriever/search.py `fuse`).
        return self.client.query_points(self.collection, prefetch=prefetch, limit=fetch, with_payload=True,
                                        query=m.RrfQuery(rrf=m.Rrf(k=RRF_K))).points

    def _filter(self, filters: SearchFilters):
        m = self.m
        must = [m.FieldCondition(key=key, match=m.MatchValue(value=value)) for key, value in exact_matches(filters)]
        # The server has no prefix match before 1.19; MatchText on an unindexed field matches whole
        # words only, so the prefix is cut back to whole folders ("shop/ca*" -> "shop/"), and the
        # glob itself is checked on the hits.
        prefix = filters.path_prefix
        prefix = prefix[:prefix.rfind("/") + 1]
        if any(ch.isalnum() for ch in prefix):
            must.append(m.FieldCondition(key="path", match=m.MatchText(text=prefix)))
        left_out = filters.left_out
        must_not = [m.FieldCondition(key="lane", match=m.MatchAny(any=list(left_out)))] if left_out else []
        return m.Filter(must=must, must_not=must_not) if must or must_not else None

    def retrieve(self, chunk_ids: Sequence[str]) -> list[StoreHit]:
        records = self.client.retrieve(self.collection, list(chunk_ids), with_payload=True)
        return [StoreHit(str(r.id), 1.0, dict(r.payload or {})) for r in records]

    def count(self) -> int:
        return int(self.client.count(self.collection, exact=True).count)

    def flush(self) -> None:
        """Writes are made with wait=True, so they are durable on the server already."""

    def release(self) -> None:
        """A server serves many clients at once: there is nothing to let go."""

    def wanted(self) -> bool:
        return False

    def close(self) -> None:
        self.client.close()
