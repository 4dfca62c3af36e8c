"""The small frozen records that cross module boundaries.

The indexer produces them, the store and the graph keep them, the retriever reads them back.
Line numbers are 1-based and inclusive everywhere.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from codeidx.core.paths import lane_of


@dataclass(frozen=True)
class SourceFile:
    """A file the walker chose to index."""

    path: str  # POSIX path relative to the repository root
    language: str  # e.g. "python", "typescript", "markdown", "text"
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Symbol:
    """A named definition found by tree-sitter."""

    path: str
    language: str
    kind: str  # "function" | "class" | "method" | "struct" | "interface" | "enum" | "trait" | "module" | ...
    name: str  # the bare name: "get"
    qualified_name: str  # dotted through enclosing definitions: "Session.get"
    signature: str  # the definition's first line(s) up to the body, whitespace-collapsed
    docstring: str  # docstring or leading comment, "" if none
    start_line: int
    end_line: int
    parent: str = ""  # qualified name of the enclosing symbol, "" at top level
    # Test code wherever its file is: a Rust `#[test]`, or inside a `#[cfg(test)]` module. Its chunks'
    # payloads keep it (`Chunk.test`); the graph's symbol table does not.
    test: bool = False


@dataclass(frozen=True)
class Reference:
    """A use of a name inside a file: the raw material of the symbol graph."""

    path: str
    kind: str  # "import" | "call" | "inherit"
    name: str  # the referenced name as written, e.g. "requests.get", "BaseAdapter", "os.path"
    line: int
    source: str = ""  # qualified name of the enclosing symbol ("" = module level)


@dataclass(frozen=True)
class ParsedFile:
    """What the parser learned about one file."""

    path: str
    language: str
    symbols: tuple[Symbol, ...]
    references: tuple[Reference, ...]
    parse_errors: bool = False  # tree-sitter reported ERROR nodes; what parsed is still used


@dataclass(frozen=True)
class Chunk:
    """One unit of retrieval: a symbol (or part of one), a module's loose code, or a text section."""

    id: str  # stable UUID string derived from path, qualified name, part and content
    path: str
    language: str
    kind: str  # symbol kind, or "module" for loose top-level code, "section" for text
    name: str
    qualified_name: str
    signature: str
    docstring: str
    start_line: int
    end_line: int
    text: str  # the source lines start_line..end_line
    embed_text: str  # context header + text, what the embedders see
    content_hash: str  # sha256 of embed_text
    part: int = 0  # 0 for a whole symbol, 1..n for the pieces of a split one
    test: bool = False  # the piece of a test symbol (`Symbol.test`)


@dataclass(frozen=True)
class SparseVector:
    indices: tuple[int, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class SearchFilters:
    path_glob: str | None = None
    language: str | None = None
    kind: str | None = None
    left_out: tuple[str, ...] = ()  # lanes (`paths.lane_of`) to leave out, in the store itself

    @property
    def path_prefix(self) -> str:
        """The glob's part before its first wildcard (`src/api/*.py` -> `src/api/`): what a store can index."""
        glob = self.path_glob or ""
        return glob[:min((i for i, ch in enumerate(glob) if ch in "*?["), default=len(glob))]

    def admits(self, payload: dict) -> bool:
        """Whether a chunk with this payload passes every filter; the one definition of what they mean."""
        return ((not self.language or payload.get("language") == self.language)
                and (not self.kind or payload.get("kind") == self.kind)
                and (not self.path_glob or _glob_match(payload.get("path", ""), self.path_glob))
                and (not self.left_out or _lane(payload) not in self.left_out))


def _lane(payload: dict) -> str:
    """A point's lane as the store filtered on it; by its path where it was stored before lanes."""
    return payload.get("lane") or lane_of(payload.get("path", ""))


def _glob_match(path: str, glob: str) -> bool:
    """fnmatch, where `**/` may also match nothing (`src/**/*.py` holds `src/a.py`)."""
    return fnmatch.fnmatchcase(path, glob) or ("**/" in glob and fnmatch.fnmatchcase(path, glob.replace("**/", "")))


@dataclass(frozen=True)
class StoreHit:
    """A point returned by the vector store."""

    chunk_id: str
    score: float
    payload: dict = field(hash=False, compare=False)
