"""Exact signals in a query: identifiers, file paths and stack-trace frames.

Vectors find code by meaning; these find code by name, which is what a pasted traceback or
a question naming `Session.send` really asks for.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from codeidx.indexer.languages import language_for
from codeidx.indexer.sparse import STOPWORDS


@dataclass(frozen=True)
class Frame:
    path: str
    line: int
    function: str


@dataclass(frozen=True)
class Signals:
    identifiers: tuple[str, ...]  # names that look like code: snake_case, CamelCase, dotted, called()
    paths: tuple[str, ...]
    frames: tuple[Frame, ...]  # innermost first, whatever order the trace printed them in
    defined: frozenset[str] = frozenset()  # names the query's own code defines: `def test_foo(`, `class Foo:`


# Python prints the innermost frame last ("most recent call last"), in both of its formats; every
# other runtime prints it first.
_PYTHON_FRAMES = (
    re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>[\w.<>]+))?'),
    # pytest's tracebacks: `src/pkg/mod.py:42: in func`. Anchored at the start of a token: unanchored,
    # every position of a long token was a fresh start scanning to its end, quadratic in the token
    # (a 128K-character one took 45 s).
    re.compile(r"(?<![\w./\\-])(?P<path>[\w./\\-]+\.py):(?P<line>\d+)(?:: in (?P<func>[\w.<>]+))?"),
)
_FRAME_PATTERNS = (
    *_PYTHON_FRAMES,
    # Swift's crash site, before its backtrace: `Fatal error: ...: file Sources/App/Session.swift, line 233`;
    # bash's `./install.sh: line 42: ...`.
    re.compile(r"file (?P<path>[\w./-]+\.swift), line (?P<line>\d+)"),
    re.compile(r"(?<![\w./\\-])(?P<path>[\w./\\-]+\.(?:sh|bash)): line (?P<line>\d+)"),
    # Perl's `die` and Carp: `Illegal division by zero at lib/Shop/Stock.pm line 5.`
    re.compile(r"at (?P<path>[\w./\\-]+\.(?:pm|pl|t)) line (?P<line>\d+)"),
    # Java, Kotlin, Scala: `at pkg.Class.method(File.java:7)`. The name must meet `(` at once, so a long
    # token after `at ` is scanned once, not once per split.
    re.compile(r"at (?P<func>[\w.$<>]+)\((?P<path>[\w$-]+\.(?:java|kt|scala|groovy)):(?P<line>\d+)\)"),
    re.compile(r"at (?:(?P<func>[\w.$<>]+) )?\(?(?P<path>[\w./\\@-]+\.\w+):(?P<line>\d+)(?::\d+)?\)?"),  # JS, Java
    # Go, Rust, C, Lua, Swift, Dart, Elixir, generic; anchored as pytest's is.
    re.compile(r"(?<![\w./\\-])(?P<path>[\w./\\-]+\.(?:go|rs|c|cc|cpp|h|rb|php|ts|js|lua|swift|dart|exs?)):"
               r"(?P<line>\d+)"),
)
_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\."
                   r"(?:py|js|jsx|ts|tsx|go|rs|java|c|h|cc|cpp|hpp|cs|rb|php|kt|scala|swift|dart|lua|exs?|sh|bash|vue|pm|pl|hs|tf|jl|zig|cuh?|erl|hrl|clj[sc]?|mli?|gd"
                   r"|svelte|proto|md|toml|ya?ml|json))\b")
# A definition in a pasted snippet (Python, JS, Go, Rust, Java): the reporter's own code
# (`def test_foo():`), or the repository's.
_DEFINED = re.compile(r"\b(?:def|class|function|func|fn)[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*[(:{<]")
_ABBREVIATION = re.compile(r"[a-z]\.[a-z]")
MAX_LINE_DIGITS = 7  # past any source file: a longer "line number" points nowhere (and overflows SQLite)
# `Session.send`, Rust's `stock::Stock`, and Ruby's and Javadoc's `Request#perform` (an instance
# method: `Body#streaming?` keeps its Ruby `?` or `!`).
_WORD = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::|#)[A-Za-z_][A-Za-z0-9_]*)*)"
                   r"(?P<call>\(\))?(?P<mark>[?!](?!\w))?")


def extract(query: str) -> Signals:
    frames = []
    for pattern in _FRAME_PATTERNS:
        found = [Frame(m.group("path").replace("\\", "/"), int(m.group("line")),
                       (m.groupdict().get("func") or "").rsplit(".", 1)[-1]) for m in pattern.finditer(query)
                 if len(m.group("line")) <= MAX_LINE_DIGITS]
        frames.extend(reversed(found) if pattern in _PYTHON_FRAMES else found)  # innermost first
    paths = tuple(dict.fromkeys(m.group(1) for m in _PATH.finditer(query)))
    identifiers = []
    path_set = set(paths)  # a pasted log names thousands of paths: a tuple scan per word was quadratic
    for m in _WORD.finditer(query):
        name = m.group("name")
        word = name.replace("::", ".").replace("#", ".")
        called = bool(m.group("call"))  # `res.json()` is called: a name, whatever its tail
        if _looks_like_code(word, called) and (called or word not in path_set):
            # A sentence's own question mark may end it too: `Request#perform?` asks for both.
            identifiers.extend([word + m.group("mark"), word] if m.group("mark") and "#" in name else [word])
        elif m.group("mark") == "!" and not called and len(word) >= 3 and word.lower() not in STOPWORDS:
            # Julia's, Ruby's and Elixir's `mapcols!`, `close!` (a name that changes what it is given) read
            # as plain words but for the `!`; prose's "it fails!" names nothing an index defines.
            identifiers.append(word + "!")
    return Signals(tuple(dict.fromkeys(identifiers)), paths, tuple(dict.fromkeys(frames)),
                   frozenset(m.group(1) for m in _DEFINED.finditer(query)))


def _looks_like_code(word: str, called: bool) -> bool:
    if word.lower() in STOPWORDS or len(word) < 3:
        return False
    if called or "_" in word.strip("_") or "." in word:
        # "e.g", "i.e" and a file's name ("runner.py") are not names; JavaScript's `res.send` and
        # `app.use` are, however short.
        return not _ABBREVIATION.fullmatch(word) and (called or language_for(word) is None)
    has_inner_capital = any(c.isupper() for c in word[1:])
    return has_inner_capital and any(c.islower() for c in word)
