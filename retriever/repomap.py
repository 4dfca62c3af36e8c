"""A compact map of the repository: its files and most important symbols, fitted to a budget.

Importance is PageRank over the file reference graph (an edge from each file to the files that
define the names it uses), personalised toward the files a query hit, as in aider's repo map.
How many symbols to show is found by binary search against the token budget.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable

from codeidx.core.models import Symbol
from codeidx.indexer.graph import Graph, short_name
from codeidx.retriever.context import AMBIGUOUS
from codeidx.retriever.pagerank import WeightedGraph, pagerank
from codeidx.retriever.parts import Parts

SHOWN_KINDS = {"class", "struct", "interface", "trait", "enum", "function", "method", "type", "module", "macro",
               "resource"}


def repo_map(parts: Parts, focus: str | None = None, budget: int = 1500) -> str:
    """The map as text; `focus` (a query) tilts it toward the files the query finds."""
    from codeidx.retriever.search import search
    from codeidx.retriever.tokens import counter_for

    paths = tuple(dict.fromkeys(h.path for h in search(parts, focus, k=10))) if focus else ()
    return render_map(parts, paths, budget, counter_for(parts.tokenizer_model, parts.user_cache))


def render_map(parts: Parts, hit_paths: tuple[str, ...], budget: int, count: Callable[[str], int]) -> str:
    ranked = rank_symbols(parts, hit_paths)
    if not ranked or budget <= 0:
        return ""
    # Every shown symbol costs at least one token, so no more than `budget` of them can fit.
    lo, hi, best = 1, min(len(ranked), budget), ""
    while lo <= hi:
        mid = (lo + hi) // 2
        text = _render(ranked[:mid])
        if count(text) <= budget:
            best, lo = text, mid + 1
        else:
            hi = mid - 1
    return best


def rank_symbols(parts: Parts, hit_paths: tuple[str, ...] = ()) -> list[Symbol]:
    if "repomap" not in parts.cache:  # the graph's shape changes only when the index does
        parts.cache["repomap"] = _reference_graph(parts.graph)
    shape: _Shape = parts.cache["repomap"]
    if not shape.files.nodes:
        return []
    known = set(shape.files.nodes)
    personal = {p: 1.0 for p in hit_paths if p in known} or None
    rank = pagerank(shape.files, personalization=personal)
    hits = set(hit_paths)

    def score(s: Symbol) -> float:
        return rank.get(s.path, 0.0) * shape.use_weight[s.name] * (3.0 if s.path in hits else 1.0)

    return sorted(shape.symbols, key=lambda s: (-score(s), s.path, s.start_line))


@dataclass(frozen=True)
class _Shape:
    """What the map needs from the whole graph; built once per index state, not per query."""
    symbols: list[Symbol]
    files: WeightedGraph
    use_weight: dict[str, float]


def _reference_graph(graph: Graph) -> _Shape:
    symbols = [s for s in graph.all_symbols() if s.kind in SHOWN_KINDS]
    defined: dict[str, set[str]] = defaultdict(set)
    for s in symbols:
        defined[s.name].add(s.path)
    uses: Counter[str] = Counter()
    edges: Counter[tuple[str, str]] = Counter()
    for ref in graph.all_references():
        name = short_name(ref.name)
        uses[name] += 1
        targets = defined.get(name, ())
        if 0 < len(targets) <= AMBIGUOUS:
            edges.update((ref.path, target) for target in targets if target != ref.path)
    files = WeightedGraph.of(sorted(graph.file_paths()), edges)
    return _Shape(symbols, files, {s.name: (1 + uses[s.name]) ** 0.5 for s in symbols})


def _render(symbols: list[Symbol]) -> str:
    by_file: dict[str, list[Symbol]] = defaultdict(list)
    for s in symbols:
        by_file[s.path].append(s)
    lines: list[str] = []
    for path in sorted(by_file):
        lines.append(f"{path}:")
        for s in sorted(by_file[path], key=lambda s: s.start_line):
            depth = s.qualified_name.count(".") if s.kind != "module" else 0
            lines.append(f"{'  ' * (depth + 1)}{s.start_line}: {s.signature or s.qualified_name}")
    return "\n".join(lines) + "\n"
