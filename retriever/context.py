"""Where a symbol sits: its enclosing class, what it calls, what calls it, its bases and subclasses.

References are stored by name, so a name is resolved to definitions here: the same file first,
then the files this file imports, then anywhere, and a name defined in too many places to tell
(`get`, `run`) is left unresolved rather than guessed.
"""
from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from codeidx.core.models import Symbol
from codeidx.indexer.graph import Graph, short_name
from codeidx.retriever.parts import Parts

AMBIGUOUS = 4  # more definitions than this elsewhere, and a name says nothing


@dataclass(frozen=True)
class Related:
    symbol: Symbol
    relation: str  # "parent" | "calls" | "called by" | "base" | "subclass"
    line: int  # where the relation is written


def related(parts: Parts, path: str, qualified_name: str, limit: int = 8) -> list[Related]:
    """Symbols one step from `qualified_name` in `path`, most telling first."""
    if not qualified_name:
        return []
    seen: set[tuple[str, str, str]] = set()
    unique: list[Related] = []
    # Lazily, most telling first: the callers, the costliest to find, are often past the limit.
    for r in _one_step(parts, path, qualified_name):
        key = (r.symbol.path, r.symbol.qualified_name, r.relation)
        if key not in seen and (r.symbol.path, r.symbol.qualified_name) != (path, qualified_name):
            seen.add(key)
            unique.append(r)
            if len(unique) >= limit:
                break
    return unique[:limit]


def _one_step(parts: Parts, path: str, qualified_name: str) -> Iterator[Related]:
    graph = parts.graph
    own = graph.symbol(path, qualified_name)
    parent = graph.symbol(path, own.parent) if own and own.parent else None
    if parent is not None:
        yield Related(parent, "parent", parent.start_line)
    imported = imported_files(parts, path)
    for ref in graph.references_from(path, qualified_name):
        if ref.kind in ("call", "inherit"):
            relation = "calls" if ref.kind == "call" else "base"
            yield from (Related(s, relation, ref.line) for s in resolve(graph, ref.name, path, imported)[:1])
    name = qualified_name.rsplit(".", 1)[-1]
    for ref in graph.references_to(name, kinds=("call", "inherit")):
        if ref.path == path and ref.source == qualified_name:
            continue
        # The caller must be able to see us: same file, or a file that imports ours.
        if ref.path != path and path not in imported_files(parts, ref.path):
            continue
        source = graph.symbol_at(ref.path, ref.line)
        if source is not None and source.qualified_name != qualified_name:
            yield Related(source, "called by" if ref.kind == "call" else "subclass", ref.line)


def resolve(graph: Graph, written: str, path: str, imported: set[str]) -> list[Symbol]:
    """Definitions a name written in `path` may refer to, best first."""
    candidates = [s for s in graph.symbols_named(short_name(written)) if s.kind != "module"]
    local = [s for s in candidates if s.path == path]
    near = [s for s in candidates if s.path in imported]
    if local or near:
        return local + near
    return candidates if len(candidates) <= AMBIGUOUS else []


def imported_files(parts: Parts, path: str) -> frozenset[str]:
    """Indexed files that `path` imports (Python dotted and relative, JS/TS relative, Go packages)."""
    key = ("imported_files", path)
    if key not in parts.cache:  # asked again and again while expanding many hits
        files = parts.graph.file_paths()
        refs = parts.graph.references_from(path, kind="import")
        found = {p for ref in refs for p in _import_candidates(ref.name, path) if p in files}
        if path.endswith(".go"):
            found |= {p for ref in refs for p in _go_package_files(ref.name, files)}
        parts.cache[key] = frozenset(found)
    return parts.cache[key]


def _go_package_files(name: str, files) -> set[str]:
    """A Go import names a package, which is a folder: `example.com/shop/cart` is every .go file in
    `cart/` (or `shop/cart/`...), the module path from go.mod being a prefix the repository omits."""
    segments = name.split("/")
    if len(segments) < 2:  # "fmt", "strings": the standard library
        return set()
    folders = {"/".join(segments[i:]) for i in range(len(segments))}
    return {f for f in files if f.endswith(".go") and posixpath.dirname(f) in folders}


def _import_candidates(name: str, path: str) -> list[str]:
    here = posixpath.dirname(path)
    if name.startswith("."):
        if name.startswith("./") or name.startswith("../"):  # JS/TS relative
            base = posixpath.normpath(posixpath.join(here, name))
            return [base + ext for ext in ("", ".ts", ".tsx", ".js", ".jsx", "/index.ts", "/index.js")]
        dots = len(name) - len(name.lstrip("."))  # Python relative: one dot is this package
        base = here
        for _ in range(dots - 1):
            base = posixpath.dirname(base)
        rest = name[dots:].replace(".", "/")
        stem = posixpath.join(base, rest) if rest else base
        return [stem + ".py", stem + "/__init__.py"]
    stem = name.replace(".", "/")
    options = [stem + ".py", stem + "/__init__.py", stem + ".h", stem, stem + ".rs", stem + ".go"]
    # Packages usually live under a source folder: try the name below each parent of this file.
    folders = here.split("/") if here else []
    for i in range(len(folders)):
        options.extend(posixpath.join(*folders[: i + 1], o) for o in (stem + ".py", stem + "/__init__.py"))
    return options

