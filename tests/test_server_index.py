"""An index whose vectors live on a Qdrant server (`qdrant_url`), through `Index`: builds, incremental
updates, and a full rebuild that writes a new collection, swaps it in and drops the old one.

qdrant-client's local mode stands in for the server (the same client API, no process to run)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import make_repo
from qdrant_client import QdrantClient

from codeidx.core.errors import IndexMismatchError
from codeidx.index import Index
from codeidx.indexer import store_server

URL = "http://qdrant.test:6333"
pytestmark = pytest.mark.filterwarnings("ignore:Payload indexes have no effect in the local Qdrant")

FILES = {
    "shop/pricing.py": '''def apply_discount(amount, percent):
    """Reduce an amount by a percentage, never below zero."""
    return max(amount - amount * percent / 100, 0)
''',
    "shop/cart.py": '''from shop.pricing import apply_discount


class Cart:
    def total(self, items, coupon=0):
        return apply_discount(sum(items), coupon)
''',
}


class _Unclosable:
    """The shared client as a store sees it: its close() must not end the one in-memory instance."""

    def __init__(self, client: QdrantClient) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def close(self) -> None:
        return None


class FakeServer:
    def __init__(self) -> None:
        self.client = QdrantClient(location=":memory:")
        self.connections: list[tuple[str, str | None]] = []

    def connect(self, url: str, api_key: str | None = None) -> _Unclosable:
        self.connections.append((url, api_key))
        return _Unclosable(self.client)

    def collections(self) -> set[str]:
        return {c.name for c in self.client.get_collections().collections}


@pytest.fixture()
def server(monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    fake = FakeServer()
    monkeypatch.setattr(store_server, "connect", fake.connect)
    return fake


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "shop", FILES)


def collection(repo: Path) -> str:
    with Index.open(repo, qdrant_url=URL) as index:
        return index.graph.meta()["collection"]


def test_a_build_writes_its_vectors_to_a_server_collection(repo: Path, server: FakeServer) -> None:
    with Index.open(repo, qdrant_url=URL, qdrant_api_key="k-123") as index:
        summary = index.build()
        assert summary.store == f"qdrant:{URL}" and summary.chunks >= 3
        name = index.graph.meta()["collection"]
        assert name.startswith("codeidx-") and server.collections() == {name}
        assert server.client.count(name, exact=True).count == index.graph.counts()["chunks"] == summary.chunks
        hits = index.search("take a percentage off an amount", k=3)
        assert hits[0].qualified_name == "apply_discount" and {"dense", "sparse"} & set(hits[0].reasons)
    assert set(server.connections) == {(URL, "k-123")}
    assert not (repo / ".codeidx" / "index" / "vectors").exists()  # nothing of the store on disk


def test_an_incremental_build_updates_the_same_collection(repo: Path, server: FakeServer) -> None:
    with Index.open(repo, qdrant_url=URL) as index:
        index.build()
    name = collection(repo)
    (repo / "shop" / "tax.py").write_text("def add_vat(amount):\n    return amount * 1.2\n")
    (repo / "shop" / "cart.py").unlink()
    with Index.open(repo, qdrant_url=URL) as index:
        summary = index.build()
        assert (summary.full, summary.files_indexed, summary.files_deleted) == (False, 1, 1)
        assert server.collections() == {name}
        assert server.client.count(name, exact=True).count == index.graph.counts()["chunks"]
        assert index.search("add_vat", k=1)[0].path == "shop/tax.py"
        assert all(h.path != "shop/cart.py" for h in index.search("Cart total", k=10))


def test_a_full_rebuild_swaps_in_a_new_collection_and_drops_the_old(repo: Path, server: FakeServer) -> None:
    with Index.open(repo, qdrant_url=URL) as index:
        first = index.build()
    old = collection(repo)
    with Index.open(repo, qdrant_url=URL) as reader:
        assert reader.search("apply_discount", k=1)[0].qualified_name == "apply_discount"
        with Index.open(repo, qdrant_url=URL) as builder:
            full = builder.build(full=True)
        new = collection(repo)
        assert new != old and server.collections() == {new}
        assert full.full and full.chunks == first.chunks and full.chunks_embedded == 0  # the cache held them
        assert server.client.count(new, exact=True).count == full.chunks
        # A reader that held the old index moves to the new one on its next call.
        assert reader.search("apply_discount", k=1)[0].qualified_name == "apply_discount"
    assert not (repo / ".codeidx" / "index.new").exists() and not (repo / ".codeidx" / "index.old").exists()


def test_a_server_index_is_refused_by_the_embedded_store_until_full(repo: Path, server: FakeServer) -> None:
    with Index.open(repo, qdrant_url=URL) as index:
        index.build()
    with pytest.raises(IndexMismatchError, match="--full"), Index.open(repo) as local:
        local.build()
