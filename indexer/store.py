"""Choose the vector store: the embedded Qdrant Edge shard, or a Qdrant server when configured."""
from __future__ import annotations

from pathlib import Path

from codeidx.core.config import Config
from codeidx.core.protocols import Store


def open_store(config: Config, index_dir: Path, dim: int) -> Store:
    if config.qdrant_url:
        from codeidx.indexer.store_server import ServerStore, connect

        return ServerStore(connect(config.qdrant_url, config.qdrant_api_key), config.collection, dim)
    from codeidx.indexer.store_edge import EdgeStore

    return EdgeStore(index_dir / "vectors", dim)


def drop_collection(config: Config, collection: str) -> None:
    """Remove a server collection that a full rebuild replaced."""
    from codeidx.indexer.store_server import connect

    client = connect(config.qdrant_url or "", config.qdrant_api_key)
    if client.collection_exists(collection):
        client.delete_collection(collection)
