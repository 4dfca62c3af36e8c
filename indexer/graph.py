"""The symbol graph and the index's bookkeeping, in one SQLite file beside the vectors.

Files (with the stat and hash that make rebuilds incremental), symbols and the words of their
names, references by name (imports, calls, base classes) and the chunk ids stored in the vector
store for each file.
A file's rows are replaced in one transaction, written only after its points are stored, so
the graph never claims work that the store lacks; each chunk row says whether its point has its
dense vector yet (a build stores keyword vectors first and embeds after).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from pathlib import Path

from codeidx.core.models import Chunk, ParsedFile, Reference, Symbol
from codeidx.indexer.sparse import spelled_words

# 2: chunk text, payloads and symbols hold secrets redacted; an older index may hold them in clear.
SCHEMA_VERSION = "2"

_BATCH = 500  # values in one `IN (...)`: SQLite builds before 3.32 allow 999 at most
KEYWORD_ONLY = 2  # `chunks.dense` of a chunk indexed without a dense vector on purpose (core/paths.is_bulk_data)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, language TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL, parse_errors INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS symbols (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL, language TEXT NOT NULL, kind TEXT NOT NULL,
    name TEXT NOT NULL, qualified_name TEXT NOT NULL, signature TEXT NOT NULL, docstring TEXT NOT NULL,
    start_line INTEGER NOT NULL, end_line INTEGER NOT NULL, parent TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refs (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    short_name TEXT NOT NULL, line INTEGER NOT NULL, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, path TEXT NOT NULL, kind TEXT NOT NULL, qualified_name TEXT NOT NULL,
    start_line INTEGER NOT NULL, end_line INTEGER NOT NULL, part INTEGER NOT NULL,
    dense INTEGER NOT NULL DEFAULT 0);  -- 0 waiting for its vector, 1 has it, 2 keyword-only (KEYWORD_ONLY)
CREATE TABLE IF NOT EXISTS name_words (  -- each definition name's words, once per file (sparse.spelled_words)
    path TEXT NOT NULL, name TEXT NOT NULL, word TEXT NOT NULL, capitals INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS symbols_name ON symbols(name);
CREATE INDEX IF NOT EXISTS name_words_word ON name_words(word);
CREATE INDEX IF NOT EXISTS name_words_path ON name_words(path);
CREATE INDEX IF NOT EXISTS symbols_qualified ON symbols(qualified_name);
CREATE INDEX IF NOT EXISTS symbols_path ON symbols(path);
CREATE INDEX IF NOT EXISTS refs_short ON refs(short_name);
CREATE INDEX IF NOT EXISTS refs_path ON refs(path);
CREATE INDEX IF NOT EXISTS chunks_path ON chunks(path);
"""


@dataclass(frozen=True)
class FileRecord:
    path: str
    language: str
    size: int
    mtime_ns: int
    sha256: str
    parse_errors: bool


@dataclass(frozen=True)
class FileUpdate:
    """Everything the graph learns about one re-indexed file."""

    record: FileRecord
    parsed: ParsedFile
    chunks: tuple[Chunk, ...]


class Graph:
    def __init__(self, path: Path) -> None:
        self.path = path
        # check_same_thread=False: the builder's writer thread owns all writes once a build starts.
        self.db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        had_words = self._has_table("name_words")
        self.db.executescript(SCHEMA)
        columns = {r["name"] for r in self.db.execute("PRAGMA table_info(chunks)")}
        if "dense" not in columns:  # an index from before dense vectors came second had them all
            with self.db:
                self.db.execute("ALTER TABLE chunks ADD COLUMN dense INTEGER NOT NULL DEFAULT 1")
        if not had_words:  # an index from before names were split into words: split its names once
            with self.db:
                rows = self.db.execute("SELECT DISTINCT path, name FROM symbols").fetchall()
                self.db.executemany("INSERT INTO name_words VALUES (?, ?, ?, ?)", _word_rows(rows))
        self._paths: frozenset[str] | None = None  # cached for the retriever; writes reset it

    def close(self) -> None:
        self.db.close()

    def _has_table(self, name: str) -> bool:
        row = self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone()
        return row is not None

    # --- meta ---
    def meta(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.db.execute("SELECT key, value FROM meta")}

    def set_meta(self, **values: str) -> None:
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", list(values.items()))

    # --- files ---
    def files(self) -> dict[str, FileRecord]:
        rows = self.db.execute("SELECT path, language, size, mtime_ns, sha256, parse_errors FROM files")
        return {r["path"]: FileRecord(r["path"], r["language"], r["size"], r["mtime_ns"], r["sha256"],
                                      bool(r["parse_errors"])) for r in rows}

    def file_paths(self) -> frozenset[str]:
        if self._paths is None:
            self._paths = frozenset(r[0] for r in self.db.execute("SELECT path FROM files"))
        return self._paths

    def touch(self, records: Iterable[FileRecord]) -> None:
        """Record a new stat for files whose content did not change."""
        with self.db:
            self.db.executemany("UPDATE files SET size=?, mtime_ns=? WHERE path=?",
                                [(r.size, r.mtime_ns, r.path) for r in records])

    def chunk_counts(self, paths: Sequence[str]) -> dict[str, int]:
        """How many chunks each file has (0 for a file not indexed)."""
        counts = dict.fromkeys(paths, 0)
        for path in counts:
            counts[path] = self.db.execute("SELECT COUNT(*) FROM chunks WHERE path=?", (path,)).fetchone()[0]
        return counts

    def chunk_ids(self, paths: Sequence[str]) -> list[str]:
        ids: list[str] = []
        for path in paths:
            ids.extend(r[0] for r in self.db.execute("SELECT id FROM chunks WHERE path=?", (path,)))
        return ids

    def replace_files(self, updates: Sequence[FileUpdate], dense: Set[str] = frozenset(),
                      keyword_only: Set[str] = frozenset()) -> None:
        """`dense`: the ids of the chunks whose points were stored with their dense vector;
        `keyword_only`: those that will never have one."""
        self._paths = None
        with self.db:
            for u in updates:
                self._delete_rows(u.record.path)
                r = u.record
                self.db.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?)",
                                (r.path, r.language, r.size, r.mtime_ns, r.sha256, int(r.parse_errors)))
                self.db.executemany(
                    "INSERT INTO symbols(path, language, kind, name, qualified_name, signature, docstring,"
                    " start_line, end_line, parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(s.path, s.language, s.kind, s.name, s.qualified_name, s.signature, s.docstring,
                      s.start_line, s.end_line, s.parent) for s in u.parsed.symbols])
                self.db.executemany("INSERT INTO name_words VALUES (?, ?, ?, ?)",
                                    _word_rows({(s.path, s.name) for s in u.parsed.symbols}))
                self.db.executemany(
                    "INSERT INTO refs(path, kind, name, short_name, line, source) VALUES (?, ?, ?, ?, ?, ?)",
                    [(x.path, x.kind, x.name, short_name(x.name), x.line, x.source) for x in u.parsed.references])
                self.db.executemany(
                    "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(c.id, c.path, c.kind, c.qualified_name, c.start_line, c.end_line, c.part,
                      KEYWORD_ONLY if c.id in keyword_only else int(c.id in dense))
                     for c in u.chunks])

    def mark_dense(self, chunk_ids: Sequence[str]) -> None:
        with self.db:
            self.db.executemany("UPDATE chunks SET dense=1 WHERE id=?", [(i,) for i in chunk_ids])

    def dense_count(self) -> int:
        """Chunks whose points have their dense vector: all but the keyword-only once a build has finished."""
        return self.db.execute("SELECT COUNT(*) FROM chunks WHERE dense=1").fetchone()[0]

    def keyword_only_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM chunks WHERE dense=?", (KEYWORD_ONLY,)).fetchone()[0]

    def dense_coverage(self) -> float:
        """The share of the chunks meant to have a dense vector that have it: below 1 while a build embeds."""
        meant, done = self.db.execute("SELECT COUNT(*), SUM(dense=1) FROM chunks WHERE dense!=?",
                                      (KEYWORD_ONLY,)).fetchone()
        return (done or 0) / meant if meant else 1.0

    def incomplete_paths(self) -> frozenset[str]:
        """Files with chunks still waiting for their dense vector (a build stopped before embedding them)."""
        return frozenset(r[0] for r in self.db.execute("SELECT DISTINCT path FROM chunks WHERE dense=0"))

    def delete_files(self, paths: Sequence[str]) -> None:
        self._paths = None
        with self.db:
            for path in paths:
                self._delete_rows(path)

    def _delete_rows(self, path: str) -> None:
        for table in ("files", "symbols", "name_words", "refs", "chunks"):
            self.db.execute(f"DELETE FROM {table} WHERE path=?", (path,))

    # --- queries for the retriever ---
    def symbols_named(self, name: str) -> list[Symbol]:
        """Definitions whose bare or qualified name is `name` (a dotted name also matches its tail), in
        its case: `InputStream.close` is not Kotlin's `Buffer.inputStream.close`."""
        # Every match's bare name is the input's last segment, which the index finds; the tail is
        # compared here, as SQLite's LIKE ignores case.
        rows = self.db.execute("SELECT * FROM symbols WHERE name=?", (name.rsplit(".", 1)[-1],))
        return [_symbol(r) for r in rows
                if name in (r["name"], r["qualified_name"]) or r["qualified_name"].endswith("." + name)]

    def names_with_words(self, words: Iterable[str], capitals: bool = False) -> dict[str, set[str]]:
        """word -> the definition names holding it (with `capitals`, only where it is written in capitals)."""
        found: dict[str, set[str]] = {}
        words = list(dict.fromkeys(words))
        for start in range(0, len(words), _BATCH):
            batch = words[start:start + _BATCH]
            marks = ",".join("?" * len(batch))
            rows = self.db.execute(f"SELECT DISTINCT word, name FROM name_words WHERE word IN ({marks})"
                                   + (" AND capitals=1" if capitals else ""), batch)
            for word, name in rows:
                found.setdefault(word, set()).add(name)
        return found

    def word_frequencies(self, words: Iterable[str]) -> tuple[dict[str, int], int]:
        """How many definitions (a name in a file) hold each word, and how many definitions there are."""
        counts = {w: self.db.execute("SELECT COUNT(*) FROM name_words WHERE word=?", (w,)).fetchone()[0]
                  for w in dict.fromkeys(words)}
        return counts, self.db.execute("SELECT COUNT(*) FROM symbols").fetchone()[0]

    def symbol(self, path: str, qualified_name: str) -> Symbol | None:
        """The definition of `qualified_name` in `path` (its first, if the file defines it twice)."""
        row = self.db.execute("SELECT * FROM symbols WHERE path=? AND qualified_name=? ORDER BY start_line LIMIT 1",
                              (path, qualified_name)).fetchone()
        return _symbol(row) if row else None

    def symbols_in(self, path: str) -> list[Symbol]:
        return [_symbol(r) for r in self.db.execute("SELECT * FROM symbols WHERE path=? ORDER BY start_line", (path,))]

    def symbol_at(self, path: str, line: int) -> Symbol | None:
        """The innermost symbol whose range holds `line`."""
        row = self.db.execute(
            "SELECT * FROM symbols WHERE path=? AND start_line<=? AND end_line>=? "
            "ORDER BY end_line - start_line LIMIT 1", (path, line, line)).fetchone()
        return _symbol(row) if row else None

    def references_from(self, path: str, source: str | None = None, kind: str | None = None) -> list[Reference]:
        sql, args = "SELECT * FROM refs WHERE path=?", [path]
        for column, value in (("source", source), ("kind", kind)):
            if value is not None:
                sql += f" AND {column}=?"
                args.append(value)
        return [_reference(r) for r in self.db.execute(sql + " ORDER BY line", args)]

    def references_to(self, name: str, kinds: Sequence[str] = ("call", "inherit", "import")) -> list[Reference]:
        """Uses of a bare name anywhere (by the last segment of what was written)."""
        marks = ",".join("?" * len(kinds))
        rows = self.db.execute(f"SELECT * FROM refs WHERE short_name=? AND kind IN ({marks}) ORDER BY path, line",
                               (name, *kinds))
        return [_reference(r) for r in rows]

    def chunk_at(self, path: str, line: int) -> str | None:
        """The innermost chunk whose range holds `line`: the part of a long function a frame points at."""
        row = self.db.execute("SELECT id FROM chunks WHERE path=? AND start_line<=? AND end_line>=? "
                              "ORDER BY end_line - start_line LIMIT 1", (path, line, line)).fetchone()
        return row[0] if row else None

    def chunk_ids_for(self, path: str, qualified_name: str | None = None) -> list[str]:
        """Chunks of one symbol (all its parts), or of a whole file when no name is given."""
        if qualified_name is None:
            rows = self.db.execute("SELECT id FROM chunks WHERE path=? ORDER BY start_line", (path,))
        else:
            rows = self.db.execute("SELECT id FROM chunks WHERE path=? AND qualified_name=? ORDER BY part",
                                   (path, qualified_name))
        return [r[0] for r in rows]

    def resolve_path(self, path: str) -> str | None:
        """The indexed file a foreign path (absolute, from a traceback) most likely means.

        Candidates share the file name; the one sharing the longest run of trailing folders wins. A path
        with folders must share one of them with a candidate in a folder: a trace's
        `/usr/lib/python3.11/pathlib.py` is the standard library's, not the repository's `src/pkg/pathlib.py`.
        """
        parts = path.replace("\\", "/").strip("/").split("/")
        name = parts[-1]
        rows = self.db.execute("SELECT path FROM files WHERE path=? OR path LIKE ? ESCAPE '\\'",
                               (name, "%/" + _like_escape(name)))
        best, best_len = None, 0
        for (candidate,) in rows:
            theirs = candidate.split("/")
            common = 0
            while common < min(len(parts), len(theirs)) and parts[-1 - common] == theirs[-1 - common]:
                common += 1
            if common > best_len or (common == best_len and best is not None and len(candidate) < len(best)):
                best, best_len = candidate, common
        if best is not None and best_len == 1 and len(parts) > 1 and "/" in best:
            return None
        return best

    def all_symbols(self) -> list[Symbol]:
        return [_symbol(r) for r in self.db.execute("SELECT * FROM symbols ORDER BY path, start_line")]

    def all_references(self) -> list[Reference]:
        return [_reference(r) for r in self.db.execute("SELECT * FROM refs ORDER BY path, line")]

    def counts(self) -> dict[str, int]:
        return {t: self.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("files", "symbols", "refs", "chunks")}

    def languages(self) -> dict[str, int]:
        rows = self.db.execute("SELECT language, COUNT(*) FROM files GROUP BY language ORDER BY 2 DESC")
        return {r[0]: r[1] for r in rows}


def _word_rows(definitions: Iterable[tuple[str, str]]) -> list[tuple[str, str, str, int]]:
    return [(path, name, word, int(capitals)) for path, name in definitions
            for word, capitals in spelled_words(name).items()]


def short_name(name: str) -> str:
    """`self.session.get` -> `get`; `requests::Session` -> `Session`."""
    for sep in ("::", "->", "/", "\\"):
        name = name.replace(sep, ".")
    return name.rstrip(".").rsplit(".", 1)[-1]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _symbol(r: sqlite3.Row) -> Symbol:
    return Symbol(path=r["path"], language=r["language"], kind=r["kind"], name=r["name"],
                  qualified_name=r["qualified_name"], signature=r["signature"], docstring=r["docstring"],
                  start_line=r["start_line"], end_line=r["end_line"], parent=r["parent"])


def _reference(r: sqlite3.Row) -> Reference:
    return Reference(path=r["path"], kind=r["kind"], name=r["name"], line=r["line"], source=r["source"])
