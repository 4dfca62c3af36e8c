"""What an issue quotes from the code, found where the code holds it verbatim.

A report quotes the source more often than it names it: the option it ran (`--collect-only`),
the line it read (`method = builtin_str(method)`), a setting or a string in backticks. Keywords
split such a quote into common words; the file that holds it whole, and few others do, is
where the report points. A quote that many files hold says nothing and is dropped.
"""
from __future__ import annotations

import functools
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from codeidx.core.paths import CODE_LANE, lane_of
from codeidx.indexer.sparse import name_words
from codeidx.retriever.lanes import is_vendored
from codeidx.retriever.parts import Parts

MAX_QUOTES = 32
MAX_FILES_PER_QUOTE = 3  # held by more, a quote is a common phrase, not a pointer
MAX_FILE_BYTES = 1 << 20  # a larger source file is generated or data
# Per query. Past it the rarity of a quote cannot be judged, and quotes are not used: a repository
# with more code than this is read for them in a quarter of a second or more.
MAX_SCAN_BYTES = 32 << 20
QUOTE_BOOST = 1.25  # a file that holds a quote counts this much more (search.rank_files)

_OPTION = re.compile(r"(?<![\w-])--[A-Za-z][\w-]{2,40}")
_SPAN = re.compile(r"`([^`\n]{4,120})`|\"([^\"\n]{6,120})\"|(?<!\w)'([^'\n]{6,120})'(?!\w)")
_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
# A tool's message, as logging, warnings and most command-line tools print it.
_MESSAGE = re.compile(r"(?:\b[A-Z]\w*(?:Error|Warning|Exception)|\b(?i:warning|error))\s*:[ \t]*([^\n]{12,200})")
MIN_MESSAGE_WORDS = 3  # fewer words are a phrase many messages share
# A run of the query's words this long, in order, in a file's strings is a sentence the program
# writes, pasted: a message without an `Error:` before it, a banner, a format. Shorter runs are lists
# of names an issue and a config share (`extensions = ['sphinx.ext.autodoc', 'sphinx.ext.napoleon']`).
MIN_PASTED_WORDS = 8
# String literals: triple-quoted, single-line quoted, backquoted (template literals, raw strings).
_STRING = re.compile(r'"""(.*?)"""|\'\'\'(.*?)\'\'\'|"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'|`([^`]*)`', re.S)
_TOKEN = re.compile(r"[a-z0-9]+")
_PROMPT = re.compile(r"^\s*(?:>>>|\.\.\.|\$|>)\s?")
_CODE_LINE = re.compile(r"[A-Za-z_][\w.]*(?:\(|\[|\s?=[^=])")  # a call, an index or an assignment


@dataclass(frozen=True)
class Quote:
    path: str
    text: str  # as the file holds it: a message's longest leading words that any file holds


def quoted(query: str) -> tuple[str, ...]:
    """The strings a query quotes, most specific kind first: options, quoted spans, lines of code."""
    found: list[str] = _OPTION.findall(query)
    found += [next(g for g in m.groups() if g) for m in _SPAN.finditer(query)]
    for raw in query.splitlines():
        line = _PROMPT.sub("", raw).strip()
        if 12 <= len(line) <= 160 and _CODE_LINE.search(line):
            found.append(line)
    spans = (s.strip() for s in found)
    return tuple(dict.fromkeys(s for s in spans if _specific(s)))[:MAX_QUOTES]


def _specific(span: str) -> bool:
    """Whether a quote can point into the code. A single word (`'logged'`, `Logger`) is emphasis or a
    common name, and a piece of a statement (`raise LookupError(`, the first line of a call spread over
    several) is in many files by chance; an option, a setting (`autodoc_typehints`) or a line is not."""
    if len(span) < 4 or (span.isalpha() and len(name_words(span)) == 1):
        return False
    return all(span.count(a) == span.count(b) for a, b in ("()", "[]", "{}"))


def messages(query: str) -> tuple[str, ...]:
    """The warning and error messages a query pastes (`WARNING: no number is assigned for table`)."""
    return tuple(dict.fromkeys(m.strip(" `'\".:\r") for m in _MESSAGE.findall(query)))[:MAX_QUOTES]


def find_quotes(quotes: Iterable[str], paths: Iterable[str], read: Callable[[str], str | None],
                pasted_messages: Iterable[str] = ()) -> list[Quote]:
    """Where each quote occurs in the files (`read` gives a file's text, None to skip it), for
    quotes that at most `MAX_FILES_PER_QUOTE` files hold; the rarest quotes first.

    A message is held by the files that hold its longest prefix any file holds: code writes a
    message with placeholders (`no number is assigned for %s`) that the paste has filled in."""
    # Each quote as its forms, shortest first: a file holding a longer form holds the shorter ones.
    forms = [(q,) for q in quotes] + [f for f in map(_prefixes, pasted_messages) if f]
    if not forms:
        return []
    held: list[dict[str, int]] = [{} for _ in forms]  # per quote: path -> how many of its forms the file holds
    budget = MAX_SCAN_BYTES
    for path in paths:
        text = read(path)
        if text is None or len(text) > MAX_FILE_BYTES:
            continue
        budget -= len(text)
        if budget < 0:
            return []
        for quote, where in zip(forms, held):
            n = 0
            while n < len(quote) and quote[n] in text:
                n += 1
            if n:
                where[path] = n
    kept = []
    for quote, where in zip(forms, held):
        most = max(where.values(), default=0)
        holders = [path for path, n in where.items() if n == most]
        if 1 <= len(holders) <= MAX_FILES_PER_QUOTE:
            kept.append([Quote(path, quote[most - 1]) for path in holders])
    return [q for found in sorted(kept, key=len) for q in found]


def _prefixes(message: str) -> tuple[str, ...]:
    """A message's leading words, from `MIN_MESSAGE_WORDS` of them to all."""
    words = message.split()
    return tuple(p for p in (" ".join(words[:n]) for n in range(MIN_MESSAGE_WORDS, len(words) + 1)) if len(p) >= 12)


def quoting_files(parts: Parts, query: str) -> frozenset[str]:
    """The code files that hold, verbatim, something the query quotes that few files hold.

    A quoted name of the repository's own, a symbol (`pytester.runpytest_subprocess`) or a module
    (`sphinx.ext.intersphinx`), is left out: verbatim, it finds the places that mention it, not where
    it is defined, which the name and path signals find (retriever/search.py)."""
    quotes = [q for q in quoted(query) if not _names_code(parts, q)]
    pasted = messages(query)
    if not quotes and not pasted:
        return frozenset()
    # Only the code proper: a test, a benchmark or a page quoting the same option points at nothing new.
    code = sorted(p for p in parts.graph.file_paths() if _code_proper(p))
    return frozenset(q.path for q in find_quotes(quotes, code, read_source(parts.root), pasted))


def pasting_files(parts: Parts, query: str, paths: Iterable[str]) -> tuple[str, ...]:
    """The code files among `paths` whose string literals hold a run of `MIN_PASTED_WORDS` or more
    of the query's words in order, the longest run first: the report pasted what the program wrote.

    Only the files given are read (the pool `ask` ranks: tens of files, not the tree); a run that
    more than `MAX_FILES_PER_QUOTE` of them hold is boilerplate, a licence or a shared docstring,
    and none counts."""
    words = _TOKEN.findall(query.lower())
    if len(words) < MIN_PASTED_WORDS:
        return ()
    code = [p for p in dict.fromkeys(paths) if _code_proper(p)]
    runs = pasted_runs(words, code, read_source(parts.root))
    if len(runs) > MAX_FILES_PER_QUOTE:
        return ()
    return tuple(sorted(runs, key=lambda p: (-runs[p], p)))


def pasted_runs(words: list[str], paths: Iterable[str], read: Callable[[str], str | None]) -> dict[str, int]:
    """Each file's longest run of `words` held in order by its string literals, where it is at least
    `MIN_PASTED_WORDS` long (`read` gives a file's text, None to skip it)."""
    first: dict[tuple[str, ...], int] = {}  # each run of MIN_PASTED_WORDS query words -> where it starts
    for i in range(len(words) - MIN_PASTED_WORDS + 1):
        first.setdefault(tuple(words[i:i + MIN_PASTED_WORDS]), i)
    runs: dict[str, int] = {}
    budget = MAX_SCAN_BYTES
    for path in paths:
        text = read(path)
        if text is None:
            continue
        budget -= len(text)
        if budget < 0:
            break
        held = _TOKEN.findall(" ".join(next(g for g in m.groups() if g is not None)
                                       for m in _STRING.finditer(text)).lower())
        longest, i = 0, 0
        while i + MIN_PASTED_WORDS <= len(held):
            start = first.get(tuple(held[i:i + MIN_PASTED_WORDS]))
            if start is None:
                i += 1
                continue
            n = MIN_PASTED_WORDS
            while i + n < len(held) and start + n < len(words) and held[i + n] == words[start + n]:
                n += 1
            longest = max(longest, n)
            i += n - MIN_PASTED_WORDS + 1  # past this run: each word is compared a bounded number of times
        if longest:
            runs[path] = longest
    return runs


def _code_proper(path: str) -> bool:
    """In the code's lane (no test, benchmark, page, data or history) and not a vendored copy."""
    return lane_of(path) == CODE_LANE and not is_vendored(path)


def _names_code(parts: Parts, quote: str) -> bool:
    if not _NAME.fullmatch(quote):
        return False
    module = quote.replace(".", "/")
    return bool(parts.graph.symbols_named(quote.rsplit(".", 1)[-1]) or parts.graph.resolve_path(module + ".py")
                or parts.graph.resolve_path(module + "/__init__.py"))


def read_source(root: Path) -> Callable[[str], str | None]:
    """A reader of the worktree's files, None for one that is gone, unreadable, too large, or a link
    out of the worktree (the repository may have put one there since the build)."""
    base = root.resolve()

    # Resolving every file's path was most of a read's cost: each folder is resolved once, and a file
    # that is no link lies where its folder does.
    @functools.lru_cache(maxsize=None)
    def inside(folder: str) -> bool:
        try:
            return (root / folder).resolve().is_relative_to(base)
        except (OSError, RuntimeError):  # RuntimeError: a link loop, before Python 3.13
            return False

    def read(path: str) -> str | None:
        file = root / path
        try:
            if not inside(os.path.dirname(path)):
                return None
            status = file.lstat()
            if stat.S_ISLNK(status.st_mode):
                file = file.resolve()
                if not file.is_relative_to(base):
                    return None
                status = file.stat()
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_FILE_BYTES:
                return None
            return file.read_bytes().decode("utf-8", errors="replace")
        except (OSError, RuntimeError):
            return None
    return read
