"""Hybrid search: one fused dense + sparse Qdrant query, plus exact signals and graph neighbours.

Every source of evidence is a ranked list, and lists are combined by weighted reciprocal rank
fusion (the same RRF Qdrant uses for dense + sparse), so a hit's score is the sum of what each
signal says about it and its `reasons` name the signals.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, replace

from codeidx.core.errors import CodeidxError
from codeidx.core.models import SearchFilters, StoreHit
from codeidx.core.paths import CONTEXT_LANE, HISTORY_LANE, TEST_LANE, exercises, is_bulk_data, is_context
from codeidx.core.ranking import MODES, RRF_K, levers
from codeidx.indexer.sparse import sparse_query
from codeidx.retriever import lanes
from codeidx.retriever.described import described_chunks
from codeidx.retriever.parts import Parts
from codeidx.retriever.query_text import readable
from codeidx.retriever.quotes import QUOTE_BOOST
from codeidx.retriever.signals import extract

# How much each kind of evidence counts, relative to one vector list.
# `tested`: the share of a test file's score its module gets (retriever/tested.py), as small as a graph
# neighbour's: both are one step from the evidence.
WEIGHTS = {"trace": 3.0, "name": 2.0, "described": 1.0, "pasted": 1.0, "path": 0.7, "graph": 0.15, "tested": 0.15}
CANDIDATES = 50
# A name more definitions share points at none of them (`foo()`, `setup_class`, a `doit` every class
# has), as a quote many files hold does not (retriever/quotes.py). On SWE-bench Lite dev, none of the
# issues' names with more than five definitions was defined in a gold file.
MAX_NAMESAKES = 5
NOT_CODE = (CONTEXT_LANE, HISTORY_LANE)  # the lanes a code-only list leaves out
OTHER_CHUNKS = 0.3  # a file's chunks after its best count this share of their score (see `rank_files`)


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    path: str
    language: str
    kind: str
    name: str
    qualified_name: str
    signature: str
    start_line: int
    end_line: int
    score: float
    reasons: tuple[str, ...]
    text: str
    test: bool = False  # a unit test in a file of code (`Symbol.test`): shown after its file's code


def search(parts: Parts, query: str, k: int = 10, filters: SearchFilters = SearchFilters(),
           mode: str = "full") -> list[Hit]:
    """The `k` best chunks for `query`; `mode` picks the evidence (for ablations)."""
    if not query.strip():
        raise CodeidxError("the query is empty: ask a question, paste a bug report or a stack trace")
    if mode not in MODES:
        raise CodeidxError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    query = readable(query)
    on = levers(mode)
    scores: dict[str, float] = defaultdict(float)
    reasons: dict[str, list[str]] = defaultdict(list)
    payloads: dict[str, dict] = {}
    limit = max(CANDIDATES, k * 3)

    def add(kind: str, ranked: list[StoreHit], weight: float = 1.0) -> None:
        for rank, hit in enumerate(ranked):
            scores[hit.chunk_id] += weight / (RRF_K + rank + 1)
            payloads.setdefault(hit.chunk_id, hit.payload)
            if kind not in reasons[hit.chunk_id]:
                reasons[hit.chunk_id].append(kind)

    store = parts.store
    dense = parts.embedder.embed_query(query) if mode != "sparse" else None
    sparse = sparse_query(query) if mode != "dense" else None
    if mode in ("dense", "sparse"):
        add(mode, store.query(dense, sparse, limit, filters))
    else:
        for lane_filters in _lanes(query, filters, on):
            single = {"dense": store.query(dense, None, limit, lane_filters),
                      "sparse": store.query(None, sparse, limit, lane_filters)}
            sides = {side: {h.chunk_id for h in hits} for side, hits in single.items()}
            for hit in fuse(single.values(), limit):
                if hit.chunk_id in payloads:
                    continue
                # The fused score already is the RRF sum of both lists. Bulk data has no dense vector
                # (core/paths.is_bulk_data): its keyword rank stands for both, or any chunk ranked by
                # meaning alone, however weakly, would tie an exact keyword match.
                keyword_only = is_bulk_data(hit.payload.get("path", "")) and hit.chunk_id not in sides["dense"]
                scores[hit.chunk_id] += hit.score * (2 if keyword_only else 1)
                payloads[hit.chunk_id] = hit.payload
                reasons[hit.chunk_id].extend(side for side, ids in sides.items() if hit.chunk_id in ids)
    strength = MODES.index(mode)  # each mode from hybrid+names on adds to the one before
    if strength >= MODES.index("hybrid+names"):
        for kind, ranked in _exact_signals(parts, query, filters, "described" in on).items():
            add(kind, ranked, WEIGHTS[kind])
    if strength >= MODES.index("hybrid+names+graph"):
        top = sorted(scores, key=lambda i: -scores[i])[:k]
        add("graph", _neighbours(parts, [payloads[i] for i in top], filters), WEIGHTS["graph"])
        if "lanes" in on:  # code first: tests below the code they exercise unless asked for, vendored code below ours
            weight = lanes.path_weight(query)
            for i in scores:
                path = payloads[i].get("path", "")
                if "name" in reasons[i]:
                    scores[i] *= lanes.named_weight(path, payloads[i].get("qualified_name", ""))
                else:
                    scores[i] *= weight(path)
    ranked_ids = sorted(scores,
                        key=lambda i: (-scores[i], payloads[i].get("path", ""), payloads[i].get("start_line", 0)))
    return [_hit(i, payloads[i], scores[i], reasons[i]) for i in ranked_ids[:k]]


def fuse(ranked: Iterable[list[StoreHit]], limit: int) -> list[StoreHit]:
    """Reciprocal rank fusion as Qdrant's hybrid query makes it (1/(RRF_K + rank), from rank 0), made
    here from the single lists, which also tell who found what: two store queries instead of three."""
    scores: dict[str, float] = defaultdict(float)
    hits: dict[str, StoreHit] = {}
    for hits_of_side in ranked:
        for rank, hit in enumerate(hits_of_side):
            scores[hit.chunk_id] += 1 / (RRF_K + rank)
            hits.setdefault(hit.chunk_id, hit)
    best = sorted(scores, key=lambda i: -scores[i])[:limit]
    return [replace(hits[i], score=scores[i]) for i in best]


def _lanes(query: str, filters: SearchFilters, on: frozenset[str]) -> list[SearchFilters]:
    """The store's candidate lists, in order; a hit keeps the score of the first list it is in.

    Thousands of fixtures or pages can fill every candidate: unless the docs are asked for, the code
    gets a list of its own first, and the mixed list adds what that lacks (the docs' lane). Asked
    for, the docs get theirs without the release notes, which name every part of a project ever
    changed. A report (an issue, a commit message) is written as its reproduction is, and so as the
    tests are: they crowd the code's list the same way, and unless it asks for tests, the
    implementation gets its own list before that. A question reads less like a test (on SWE-QA that
    list cost two first places)."""
    wanted = [filters]
    if filters.left_out or lanes.asks_for_history(query):
        return wanted
    if "code-lane" in on:
        wanted.insert(0, replace(filters, left_out=(HISTORY_LANE,) if lanes.asks_for_docs(query) else NOT_CODE))
    if "impl-lane" in on and lanes.is_report(query) and not lanes.asks_for_tests(query) \
            and not lanes.asks_for_docs(query):
        wanted.insert(0, replace(filters, left_out=NOT_CODE + (TEST_LANE,)))
    return wanted


def _exact_signals(parts: Parts, query: str, filters: SearchFilters,
                   described: bool) -> dict[str, list[StoreHit]]:
    graph = parts.graph
    signals = extract(query)
    found: dict[str, list[str]] = {"trace": [], "name": [], "path": []}
    # A frame points at a line, and a long function is several chunks (its overloads share its name
    # too): the chunk that holds the line comes first, and stands for the function wherever a name
    # finds it (a trace names each frame's function).
    at_line: dict[str, str] = {}  # a function's first chunk -> the chunk that holds its frame's line
    # Frames come innermost first: where the error was raised, usually where the bug is.
    for frame in signals.frames:
        path = graph.resolve_path(frame.path)
        sym = graph.symbol_at(path, frame.line) if path else None
        if sym is not None:
            chunks = graph.chunk_ids_for(sym.path, sym.qualified_name)
            at = graph.chunk_at(sym.path, frame.line)
            if at is not None and chunks:
                at_line.setdefault(chunks[0], at)
            found["trace"].extend(([at] if at else []) + chunks)
    for ident in signals.identifiers:
        matches = graph.symbols_named(ident)
        if ident in signals.defined:
            # A name the query's own snippet defines (`def test_foo():`, `class Author(Model):`) is the
            # reporter's; its namesakes in the repository's tests, benchmarks and examples are others'.
            # The repository's code proper may be what the snippet pastes, and stays.
            matches = [s for s in matches if not exercises(s.path) and not is_context(s.path)]
        if len(matches) > MAX_NAMESAKES:  # only what the query names exactly (`Session.send`), if that is few
            matches = [s for s in matches if s.qualified_name == ident]
            if len(matches) > MAX_NAMESAKES:
                continue
        # An exact qualified name beats a bare name that many classes share.
        matches.sort(key=lambda s: (s.qualified_name != ident, s.kind == "module", len(s.qualified_name)))
        for sym in matches:
            found["name"].extend(graph.chunk_ids_for(sym.path, sym.qualified_name)[:1])
    if described:
        found["described"] = described_chunks(parts, query)
    for mentioned in signals.paths:
        path = graph.resolve_path(mentioned)
        if path:
            found["path"].extend(graph.chunk_ids_for(path)[:5])
    for kind in ("name", "described"):
        found[kind] = [at_line.get(i, i) for i in found.get(kind, [])]
    return {kind: _allowed(parts, list(dict.fromkeys(ids)), filters) for kind, ids in found.items() if ids}


def _neighbours(parts: Parts, payloads: list[dict], filters: SearchFilters) -> list[StoreHit]:
    """Callers and callees of the top hits: code one step away in the symbol graph."""
    from codeidx.retriever.context import related

    ids: list[str] = []
    # A long symbol's parts are hits of their own: its neighbours are looked up once.
    for path, name in dict.fromkeys((p.get("path", ""), p.get("qualified_name", "")) for p in payloads):
        for rel in related(parts, path, name, limit=3):
            ids.extend(parts.graph.chunk_ids_for(rel.symbol.path, rel.symbol.qualified_name)[:1])
    return _allowed(parts, list(dict.fromkeys(ids)), filters)


def _allowed(parts: Parts, ids: list[str], filters: SearchFilters) -> list[StoreHit]:
    order = {cid: n for n, cid in enumerate(ids)}
    hits = sorted(parts.store.retrieve(ids), key=lambda h: order[h.chunk_id])
    return [h for h in hits if filters.admits(h.payload)]


def _hit(chunk_id: str, p: dict, score: float, reasons: list[str]) -> Hit:
    return Hit(chunk_id=chunk_id, path=p.get("path", ""), language=p.get("language", ""), kind=p.get("kind", ""),
               name=p.get("name", ""), qualified_name=p.get("qualified_name", ""), signature=p.get("signature", ""),
               start_line=int(p.get("start_line", 0)), end_line=int(p.get("end_line", 0)), score=round(score, 6),
               reasons=tuple(reasons), text=p.get("text", ""), test=bool(p.get("test")))


def rank_files(hits: list[Hit], sizes: Mapping[str, int] | None = None, k: int = 10,
               quoting: Set[str] = frozenset(), pasted: Sequence[str] = (),
               tested: Mapping[str, str] | None = None) -> list[tuple[str, float]]:
    """Files ranked by their chunks: the best chunk, plus a damped share of the others.

    With `sizes` (each file's chunk count), the share is divided by the square root of that count:
    a long file has more chunks to land in the pool by chance, so its many middling hits are weaker
    evidence than a short file's few, as length normalisation does in BM25. A file in `quoting` holds
    what the query quotes (retriever/quotes.py) and counts `QUOTE_BOOST` times more: evidence for the
    file, not for any one of its chunks. `pasted` (the files whose strings hold a run of the query's
    words, longest first: retriever/quotes.py) is one more ranked list, fused by RRF at the file level.
    `tested` maps a test file to the module it is named for (retriever/tested.py), which gets a share
    of the test's score: evidence found where code is exercised is some evidence for that code.
    """
    per_file: dict[str, list[float]] = defaultdict(list)
    for hit in hits:
        per_file[hit.path].append(hit.score)
    sizes = sizes or {}
    ranked = {path: (max(s) + OTHER_CHUNKS * (sum(s) - max(s)) / math.sqrt(max(1, sizes.get(path, 1))))
              * (QUOTE_BOOST if path in quoting else 1.0) for path, s in per_file.items()}
    for rank, path in enumerate(pasted):
        ranked[path] = ranked.get(path, 0.0) + WEIGHTS["pasted"] / (RRF_K + rank + 1)
    for test, module in (tested or {}).items():  # a module is never a test: no share is passed on twice
        ranked[module] = ranked.get(module, 0.0) + WEIGHTS["tested"] * ranked.get(test, 0.0)
    return sorted(ranked.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
