"""File-level evidence: which files the query points at as wholes, not chunk by chunk.

Two ranked lists of files, fused with the symbol hits like any other signal:
- lexical: a deep sparse query over the chunks, each file scored by the sum of its chunks' scores
  over the square root of its chunk count, so a file that holds many of the query's words across
  its functions ranks like a whole-file BM25 document would, and a long file is not ranked
  first for being long;
- names: the query's words in file and folder names (`blueprints.py` for "the blueprint
  collection class"), each word weighted by how few paths hold it.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import PurePosixPath
from typing import Callable

from codeidx.core.models import SearchFilters, SparseVector, StoreHit
from codeidx.indexer.sparse import code_tokens
from codeidx.retriever.parts import Parts

DEEP = 300  # chunks the lexical file score reads
FILES = 20  # files each list contributes
DIR_SHARE = 0.5  # a word in a folder name counts this much of one in the file name


def lexical(parts: Parts, sparse: SparseVector, filters: SearchFilters,
            keep: Callable[[str], bool]) -> tuple[list[str], list[StoreHit]]:
    """Files by the length-normalised sparse score of their chunks, best first, and the chunks read."""
    deep = parts.store.query(None, sparse, DEEP, filters)
    per_file: dict[str, float] = defaultdict(float)
    for hit in deep:
        per_file[hit.payload.get("path", "")] += hit.score
    norm = {p: s / math.sqrt(max(1, len(parts.graph.chunk_ids_for(p)))) for p, s in per_file.items() if keep(p)}
    return sorted(norm, key=lambda p: (-norm[p], p))[:FILES], deep


def by_name(parts: Parts, query: str, keep: Callable[[str], bool]) -> list[str]:
    """Files whose name or folders hold the query's words, the rarer the word the more it counts."""
    if "path_words" not in parts.cache:  # the indexed paths change only with the index
        parts.cache["path_words"] = _path_words(parts.graph.file_paths())
    words, df, total = parts.cache["path_words"]
    wanted = {_stem(t) for t in code_tokens(query)}
    scores: dict[str, float] = {}
    for path, (stem, folders) in words.items():
        if not keep(path):
            continue
        score = sum(_idf(w, df, total) for w in stem & wanted)
        score += DIR_SHARE * sum(_idf(w, df, total) for w in (folders - stem) & wanted)
        if score > 0:
            scores[path] = score
    return sorted(scores, key=lambda p: (-scores[p], len(p), p))[:FILES]


def _path_words(paths) -> tuple[dict[str, tuple[frozenset[str], frozenset[str]]], Counter, int]:
    words = {}
    df: Counter = Counter()
    for path in paths:
        p = PurePosixPath(path)
        stem = frozenset(_stem(t) for t in code_tokens(p.stem))
        folders = frozenset(_stem(t) for part in p.parts[:-1] for t in code_tokens(part))
        words[path] = (stem, folders)
        df.update(stem | folders)
    return words, df, len(words)


def _idf(word: str, df: Counter, total: int) -> float:
    return math.log(1 + total / df[word])  # a word in every path (the package's name) counts little


def _stem(word: str) -> str:
    """Singular and plural alike: blueprints -> blueprint, registries -> registry."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
