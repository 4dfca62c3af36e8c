"""Choose the vector store: the embedded Qdrant Edge shard, or a Qdrant server when a URL is given."""
from __future__ import annotations

from pathlib import Path

from codeidx.core.protocols import Store


def open_store(index_dir: Path, dim: int, *, url: str | None, api_key: str | None, collection: str) -> Store:
    """The server's `collection` when `url` is set, else the shard in `index_dir`."""
    if url:
        from codeidx.indexer.store_server import ServerStore, connect

        return ServerStore(connect(url, api_key), collection, dim)
    from codeidx.indexer.store_edge import EdgeStore

    return EdgeStore(index_dir / "vectors", dim)


def drop_collection(url: str, api_key: str | None, collection: str) -> None:
    """Remove a server collection that a full rebuild replaced."""
    from codeidx.indexer.store_server import connect

    client = connect(url, api_key)
    if client.collection_exists(collection):
        client.delete_collection(collection)
