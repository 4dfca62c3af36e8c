"""Whole-file words as a tie-break (`lexical`): of two neighbours in the file ranking, the one whose
code holds more of the query's words, counted over the whole file, comes first.

The ranking scores a file by its best chunks, so a neighbour with one chunk that holds two of the
query's words can pass the file that uses them throughout: `longpoll.js` before Phoenix's
`long_poll.ex`, a test of `_urlparse.py` before httpx's `_urlparse.py`. BM25 over whole files
counts every use. Fused as a full weight, it cost the natural questions (SWE-QA dev) more than it
gave the histories (benchmarks/LOG.md); fused this lightly, it moves a file only past the file just
above it, and then only where BM25 ranks it among its first `DEPTH` code files and the other lower.
"""
from __future__ import annotations

from typing import Callable, Sequence, TypeVar

from codeidx.core.paths import CODE_LANE, lane_of
from codeidx.indexer.sparse import query_terms
from codeidx.retriever.parts import Parts

DEPTH = 10  # BM25's first code files that count
FUSION_K = 5  # a small k: the ranks near the top stay far apart, so a nudge moves a file one place
WEIGHT = 0.2  # of BM25's rank against the file ranking's own
SCANNED = 200  # BM25's first files read to find its first `DEPTH` code files

T = TypeVar("T")


def code_bm25(parts: Parts, query: str, named: frozenset[str] = frozenset()) -> list[str]:
    """BM25's first `DEPTH` files of the code's own lane (no tests, docs or data) for this query, and of
    the `named` files, which define what it names and which the lanes keep with the code."""
    ranked = parts.graph.file_bm25(query_terms(query), SCANNED)
    return [path for path, _ in ranked if lane_of(path) == CODE_LANE or path in named][:DEPTH]


def tie_broken(items: Sequence[T], path_of: Callable[[T], str], bm25: Sequence[str]) -> list[T]:
    """The items in the ranking's order nudged by BM25's: each keeps 1/(k + its place) and gains
    `WEIGHT`/(k + its file's place in `bm25`)."""
    place = {path: n for n, path in enumerate(bm25)}

    def fused(ranked: tuple[int, T]) -> float:
        n, item = ranked
        path = path_of(item)
        return 1 / (FUSION_K + n + 1) + (WEIGHT / (FUSION_K + place[path] + 1) if path in place else 0.0)

    return [item for _, item in sorted(enumerate(items), key=fused, reverse=True)]  # stable: ties keep their order
