"""What the retriever reads: one index's components, passed in, never the `Index` that holds them."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from codeidx.core.protocols import Embedder, Store
from codeidx.indexer.graph import Graph


@dataclass(frozen=True)
class Parts:
    """The `Index` facade composes these for each read; a test or another program can compose its own."""

    root: Path  # where current file text is read
    graph: Graph
    store: Store
    embedder: Embedder
    tokenizer_model: str  # budgets are counted in this model's tokens
    user_cache: Path | None = None  # the per-user cache folder, where a counter keeps its parsed tables
    # What the retriever derives from the graph (import edges, the repository map's file graph). Its
    # owner empties it whenever the graph changes; the default is a cache of this bundle alone.
    cache: dict = field(default_factory=dict, compare=False)
