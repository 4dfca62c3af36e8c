"""The BM25 baseline: whole files as documents, our code-aware tokens, bm25s' Lucene scoring."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from codeidx.indexer.sparse import code_tokens


class FileBM25:
    """A BM25 index over files; `rank` returns (path, score), best first, ties by path."""

    def __init__(self, paths: Sequence[str], texts: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        import bm25s

        self.paths = list(paths)
        self._model = bm25s.BM25(k1=k1, b=b, method="lucene")
        self._model.index([code_tokens(t) for t in texts], show_progress=False)

    @classmethod
    def from_files(cls, root: Path, paths: Sequence[str]) -> "FileBM25":
        return cls(paths, [(root / p).read_text(encoding="utf-8", errors="replace") for p in paths])

    def scores(self, query: str) -> list[float]:
        vocab = self._model.vocab_dict
        # bm25s wants known tokens only: a word no file holds adds nothing to any score.
        tokens = [t for t in code_tokens(query) if t in vocab]
        if not tokens:
            return [0.0] * len(self.paths)
        return [float(s) for s in self._model.get_scores(tokens)]

    def rank(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        pairs = sorted(zip(self.paths, self.scores(query)), key=lambda ps: (-ps[1], ps[0]))
        return pairs[:k]
