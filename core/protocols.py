"""The seams between components. Implementations live beside the code that owns them."""
from __future__ import annotations

from typing import Any, Protocol, Sequence

from codeidx.core.models import Chunk, SearchFilters, SparseVector, StoreHit


class Embedder(Protocol):
    name: str  # stable model identifier, recorded in the index
    dim: int
    max_tokens: int  # the window: text beyond it is truncated

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed documents (chunks)."""

    def embed_query(self, text: str) -> list[float]:
        """Embed one search query."""

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens the model's own tokenizer sees in each text (before truncation), in one batch."""


class Store(Protocol):
    """Dense + sparse vectors and payloads for chunks. Point ids are the chunk ids."""

    def upsert(self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float] | None],
               sparse: Sequence[SparseVector]) -> None:
        """Store chunks; a None dense vector stores the point without one, for `set_dense` to add later."""

    def set_dense(self, chunk_ids: Sequence[str], dense: Sequence[Sequence[float]]) -> None:
        """Add dense vectors to points already stored, leaving their sparse vectors and payloads."""

    def set_lane(self, chunk_ids: Sequence[str], lane: str) -> None:
        """Set the `lane` payload field of points already stored (indexes built before lanes existed)."""

    def delete(self, chunk_ids: Sequence[str]) -> None: ...

    def query(
        self,
        dense: Sequence[float] | None,
        sparse: SparseVector | None,
        limit: int,
        filters: SearchFilters = SearchFilters(),
    ) -> list[StoreHit]:
        """Hybrid (RRF over both) when both vectors are given, else dense-only or sparse-only."""

    def retrieve(self, chunk_ids: Sequence[str]) -> list[StoreHit]: ...

    def count(self) -> int: ...

    def flush(self) -> None: ...

    def release(self) -> None:
        """Let other processes open the store until this one's next call (a long build pauses between writes)."""

    def wanted(self) -> bool:
        """Whether another process waits to open the store that this one holds (a build then releases it)."""

    def close(self) -> None: ...


class Model(Protocol):
    """The language model the agent loop talks to. Totals are read after each step to enforce the limits."""

    cost: float  # USD spent so far
    tokens: int  # prompt and completion tokens so far
    steps: int  # turns of the loop so far

    def complete(self, messages: list[dict], tools: list[dict], step: int) -> Any:
        """The assistant's next message: an object with `content`, `tool_calls` and `model_dump()`, as LiteLLM's."""

    def condense(self, text: str, step: int) -> str:
        """Long tool output made shorter for the next prompt, or returned as it is."""
