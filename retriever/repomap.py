"""A compact map of the repository: its files and most important symbols, fitted to a budget.

Importance is PageRank over the file reference graph (an edge from each file to the files that
define the names it uses), personalised toward the files a query hit, as in aider's repo map.
How many symbols to show is found by binary search against the token budget.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Callable

from codeidx.indexer.graph import Graph, short_name
from codeidx.models import Symbol
from codeidx.retriever.context import AMBIGUOUS

if TYPE_CHECKING:
    from codeidx.index import Index

SHOWN_KINDS = {"class", "struct", "interface", "trait", "enum", "function", "method", "type", "module", "macro"}


def repo_map(index: "Index", focus: str | None = None, budget: int = 1500, hit_paths: tuple[str, ...] = ()) -> str:
    """The map as text; `focus` (a query) or `hit_paths` tilt it toward what is being asked."""
    from codeidx.retriever.tokens import counter_for

    paths = tuple(hit_paths)
    if focus and not paths:
        paths = tuple(dict.fromkeys(h.path for h in index.search(focus, k=10)))
    return render_map(index.graph, paths, budget, counter_for(index.config.tokenizer_model))


def render_map(graph: Graph, hit_paths: tuple[str, ...], budget: int, count: Callable[[str], int]) -> str:
    ranked = rank_symbols(graph, hit_paths)
    if not ranked or budget <= 0:
        return ""
    lo, hi, best = 1, len(ranked), ""
    while lo <= hi:
        mid = (lo + hi) // 2
        text = _render(ranked[:mid])
        if count(text) <= budget:
            best, lo = text, mid + 1
        else:
            hi = mid - 1
    return best


def rank_symbols(graph: Graph, hit_paths: tuple[str, ...] = ()) -> list[Symbol]:
    import networkx as nx

    symbols = [s for s in graph.all_symbols() if s.kind in SHOWN_KINDS]
    defined: dict[str, set[str]] = defaultdict(set)
    for s in symbols:
        defined[s.name].add(s.path)
    uses: Counter[str] = Counter()
    g = nx.DiGraph()
    g.add_nodes_from(graph.file_paths())
    for ref in graph.all_references():
        name = short_name(ref.name)
        uses[name] += 1
        targets = defined.get(name, ())
        if 0 < len(targets) <= AMBIGUOUS:
            for target in targets:
                if target != ref.path:
                    weight = g.get_edge_data(ref.path, target, {"weight": 0})["weight"]
                    g.add_edge(ref.path, target, weight=weight + 1)
    if g.number_of_nodes() == 0:
        return []
    personal = {p: 1.0 for p in hit_paths if p in g} or None
    rank = nx.pagerank(g, weight="weight", personalization=personal)
    hits = set(hit_paths)

    def score(s: Symbol) -> float:
        return rank.get(s.path, 0.0) * (1 + uses[s.name]) ** 0.5 * (3.0 if s.path in hits else 1.0)

    return sorted(symbols, key=lambda s: (-score(s), s.path, s.start_line))


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
