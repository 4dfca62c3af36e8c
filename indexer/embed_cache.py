"""A per-user cache of embeddings keyed by (model, text format, window, hash of the embedded text).

Embedding is the slow part of a build; this cache makes unchanged text free across rebuilds,
branch switches and worktrees. Each batch is committed on its own, so an interrupted build
keeps what it already embedded.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Sequence

import numpy as np

from codeidx.core.protocols import Embedder
from codeidx.indexer import chunker

_LOOKUP_CHUNK = 500  # stay under SQLite's bound-parameter limit


class EmbeddingCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        # The mode is kept in the file: set once. Setting it needs the database to itself, and SQLite
        # answers "locked" at once, without the busy timeout, while another build (`bench agent run
        # --jobs`) opens a new cache: that one sets it, and this connection works without it meanwhile.
        if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, hash TEXT NOT NULL,"
                        " vector BLOB NOT NULL, PRIMARY KEY (model, hash))")

    def get_many(self, model: str, hashes: Sequence[str]) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), _LOOKUP_CHUNK):
            part = unique[start:start + _LOOKUP_CHUNK]
            rows = self.db.execute(
                f"SELECT hash, vector FROM embeddings WHERE model=? AND hash IN ({','.join('?' * len(part))})",
                (model, *part))
            found.update((h, np.frombuffer(blob, dtype=np.float32).tolist()) for h, blob in rows)
        return found

    def put_many(self, model: str, items: Sequence[tuple[str, Sequence[float]]]) -> None:
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                                [(model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items])

    def close(self) -> None:
        self.db.close()


def cache_key(embedder: Embedder) -> str:
    """What decides a vector besides the text: the model, the version of the chunker's text format and
    the window the model truncates at (the same text embedded under another window is another vector)."""
    return f"{embedder.name}\0text-v{chunker.EMBED_TEXT_VERSION}\0window={embedder.max_tokens}"


def embed_with_cache(embedder: Embedder, cache: EmbeddingCache, texts: Sequence[str],
                     hashes: Sequence[str]) -> tuple[list[list[float]], int, int]:
    """Vectors for `texts`, embedding only the cache misses; returns (vectors, texts embedded, tokens)."""
    key = cache_key(embedder)
    known = cache.get_many(key, hashes)
    missing = {h: t for h, t in zip(hashes, texts) if h not in known}
    tokens = 0
    if missing:
        miss_hashes = list(missing)
        vectors = embedder.embed([missing[h] for h in miss_hashes])
        cache.put_many(key, list(zip(miss_hashes, vectors)))
        known.update(zip(miss_hashes, vectors))
        # The model truncates at its window, so that is all it really embedded.
        tokens = sum(min(n, embedder.max_tokens) for n in embedder.count_tokens(list(missing.values())))
    return [known[h] for h in hashes], len(missing), tokens
