"""Lexical vectors from a code-aware tokenizer, for Qdrant's sparse index (which adds IDF): BM25.

Identifiers are split into their words (`HTTPAdapter` -> http, adapter; `get_connection` ->
get, connection) and kept whole as well, so a query can match either a word or an exact name.
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter

from codeidx.core.models import SparseVector

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|\d+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|[A-Z]+|\d+")
STOPWORDS = frozenset(
    "a an and are as at be but by for from has have if in into is it its of on or that the this to was "
    "were will with self".split())
# BM25's saturation constant: repeating a word in one chunk adds less and less.
K1 = 1.2
# BM25's length normalisation, at its usual value: a word counts less in a long chunk (a class's
# header, a module's imports), where it is one of many, than in a short one. The average length is a
# constant, not the index's own, so a chunk's vector never changes when others do (incremental
# builds): the mean chunk holds 66-68 tokens in flask, requests, pytest and sphinx alike, as the
# embedding window bounds every chunk.
B = 0.75
AVG_TOKENS = 66
# Which rule made a stored document vector: an index made by another is rebuilt (codeidx/index.py).
SPARSE_RULE = "2"


def code_tokens(text: str) -> list[str]:
    """Lowercased tokens: each identifier whole, its dotted parts, and the words inside them."""
    out: list[str] = []
    for whole in _IDENT.findall(text):
        out.extend(_identifier_tokens(whole))
    return out


# Code repeats its identifiers endlessly: splitting each distinct one once makes this stage,
# which runs on every chunk of a build, several times faster.
@functools.lru_cache(maxsize=1 << 17)
def _identifier_tokens(whole: str) -> tuple[str, ...]:
    parts = whole.split(".")
    candidates = [whole] if len(parts) > 1 else []
    for part in parts:
        words = name_words(part)
        candidates.append(part)
        if len(words) > 1:
            candidates.extend(words)
    return tuple(t for t in (c.lower().strip("_") for c in candidates) if len(t) > 1 and t not in STOPWORDS)


def name_words(name: str) -> list[str]:
    """The words an identifier is made of, as written: `ASTParenExpr` -> AST, Paren, Expr."""
    return [w for piece in name.split("_") for w in _CAMEL.findall(piece)]


def spelled_words(name: str) -> dict[str, bool]:
    """The words of a name a description may spell, lowercased, each with whether it is written in
    capitals (an acronym: `AST`); stopwords and single letters left out."""
    words: dict[str, bool] = {}
    for word in name_words(name):
        lower = word.lower()
        if len(word) > 1 and lower not in STOPWORDS:
            words[lower] = words.get(lower, False) or word.isupper()
    return words


@functools.lru_cache(maxsize=1 << 17)
def token_id(token: str) -> int:
    """A stable 32-bit id (Python's own `hash` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "little")


def sparse_vector(text: str) -> SparseVector:
    """A document's saturated, length-normalised term frequencies; Qdrant multiplies in the IDF at
    query time."""
    counts = Counter(code_tokens(text))
    saturation = K1 * (1 - B + B * sum(counts.values()) / AVG_TOKENS)
    weights: dict[int, float] = {}
    for token, tf in counts.items():
        idx = token_id(token)
        weights[idx] = weights.get(idx, 0.0) + tf * (K1 + 1) / (tf + saturation)
    return _vector(weights)


def sparse_query(text: str) -> SparseVector:
    """A query weighs each distinct token once; rare tokens win through IDF."""
    return _vector({token_id(t): 1.0 for t in set(code_tokens(text))})


def _vector(weights: dict[int, float]) -> SparseVector:
    items = sorted(weights.items())
    return SparseVector(indices=tuple(i for i, _ in items), values=tuple(round(v, 4) for _, v in items))

