"""`get_symbol` and `codeidx symbol`: a name -> its definition, code and neighbours in the symbol graph.

A name may be bare (`send`), qualified (`HTTPAdapter.send`) or pinned to a file
(`netlib/adapters.py:HTTPAdapter.send`), the form candidates are listed in, so an agent
can pick one of several definitions by passing the candidate back.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codeidx.core.errors import CodeidxError
from codeidx.core.models import Symbol
from codeidx.core.secrets import redact
from codeidx.indexer.graph import Graph
from codeidx.retriever.context import Related, related
from codeidx.retriever.parts import Parts

RELATED_LIMIT = 40  # generous: an agent asking for one symbol wants its whole neighbourhood
MAX_NAME = 1000  # a pinned name (path and qualified name) is far shorter; a longer one is pasted text


@dataclass(frozen=True)
class SymbolInfo:
    symbol: Symbol
    code: str
    related: tuple[Related, ...]

    def of(self, relation: str) -> tuple[Related, ...]:
        return tuple(r for r in self.related if r.relation == relation)


@dataclass(frozen=True)
class SymbolLookup:
    """One definition, or, when the name fits several, the candidates and no definition."""

    name: str
    definition: SymbolInfo | None
    candidates: tuple[Symbol, ...]


def pinned(symbol: Symbol) -> str:
    """The unambiguous spelling of a symbol that `lookup` accepts back."""
    return f"{symbol.path}:{symbol.qualified_name}"


def lookup(parts: Parts, name: str) -> SymbolLookup:
    name = name.strip()
    if not name:
        raise CodeidxError("the symbol name is empty: pass a name like `send` or `HTTPAdapter.send`")
    if len(name) > MAX_NAME:  # the error would echo it back, to a terminal or a model
        raise CodeidxError(f"a symbol name is at most {MAX_NAME} characters, not {len(name)}")
    matches = _matches(parts.graph, name)
    if not matches:
        raise CodeidxError(f"no symbol named {name!r} in the index")
    if len(matches) > 1:
        return SymbolLookup(name, None, tuple(matches))
    return SymbolLookup(name, describe(parts, matches[0]), ())


def render_lookup(found: SymbolLookup, again: str) -> str:
    """A lookup as Markdown: the definition with its code and neighbours, or the candidates to pick from
    (`again` says how to ask once more: "call get_symbol again", "run `codeidx symbol` again")."""
    if found.definition is None:
        rows = [f"- `{pinned(s)}` ({s.kind}, lines {s.start_line}-{s.end_line}): {s.signature}"
                for s in found.candidates]
        return (f"{len(found.candidates)} definitions match `{found.name}`; "
                f"{again} with one of these names:\n" + "\n".join(rows))
    info = found.definition
    s = info.symbol
    out = [f"# {s.qualified_name} ({s.kind})", f"{s.path}:{s.start_line}-{s.end_line}", "",
           f"Signature: `{s.signature}`"]
    if s.docstring:
        out += ["", s.docstring]
    out += ["", f"```{s.language}", info.code, "```"]
    for title, relation in (("Defined in", "parent"), ("Calls", "calls"), ("Called by", "called by"),
                            ("Bases", "base"), ("Subclasses", "subclass")):
        rows = info.of(relation)
        if rows:
            out += ["", f"{title}:"]
            out += [f"- `{r.symbol.qualified_name}` ({r.symbol.kind}) {r.symbol.path}:{r.symbol.start_line}"
                    + (f", at line {r.line}" if relation in ("calls", "called by") else "") for r in rows]
    return "\n".join(out)


def source_lines(root: Path, path: str) -> list[str]:
    """A file's lines as they are on disk now, secrets redacted like the index's own text.

    The whole file at once: a key block that a line range would cut through is still seen whole. A file
    that became a link out of the repository after the build (a test run may make one in the agent's
    worktree) is not followed: the walker would not have indexed it."""
    target = (root / path).resolve()
    if not target.is_relative_to(root.resolve()):
        raise OSError(f"{path} leads out of the repository")
    return redact(target.read_text(encoding="utf-8", errors="replace")).splitlines()


def describe(parts: Parts, symbol: Symbol) -> SymbolInfo:
    try:
        lines = source_lines(parts.root, symbol.path)
    except OSError as exc:
        raise CodeidxError(f"cannot read {symbol.path}: {exc.strerror or exc}") from None
    code = "\n".join(lines[symbol.start_line - 1:symbol.end_line])
    rel = related(parts, symbol.path, symbol.qualified_name, limit=RELATED_LIMIT)
    return SymbolInfo(symbol, code, tuple(rel))


def _matches(graph: Graph, name: str) -> list[Symbol]:
    path, _, qualified = name.replace("::", ".").rpartition(":")
    found = graph.symbols_named(qualified)
    if path:
        found = [s for s in found if s.path == path]
    # An exact qualified name beats a tail or bare-name match: `Session.get` over `Client.Session.get`.
    exact = sorted((s for s in found if s.qualified_name == qualified), key=lambda s: (s.path, s.start_line))
    if path and exact:
        return exact[:1]  # pinned: a name defined twice in one file means its first definition
    return exact or sorted(found, key=lambda s: (s.path, s.start_line))
