"""Which language a file is in, and its tree-sitter grammar and tag query.

The one module that knows where grammars come from: tree-sitter-language-pack 0.13.0, which
bundles compiled grammars (its 1.x releases download them at first use, which fails offline).
Adding a language is a row in LANGUAGES and a query file `queries/<name>.scm`; languages whose
grammars share nodes share query files (JavaScript, TypeScript and TSX read `ecmascript.scm` first).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import PurePosixPath

from codeidx.core.paths import CONFIG_NAMES, PAGE_SUFFIXES, STYLE_SUFFIXES


@dataclass(frozen=True)
class Language:
    name: str
    extensions: tuple[str, ...]
    grammar: str | None = None  # None: indexed as text, without symbols
    filenames: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # the query files, when not the language's own alone
    # A component file (Vue, Svelte) whose code is its `<script>` blocks: only they are parsed, in the
    # grammar above; the template and the style around them are kept as text.
    script_blocks: bool = False
    # The programs a script with no suffix names on its `#!` line (`#!/usr/bin/env python3`), without
    # their version (`python3.11` is `python`).
    interpreters: tuple[str, ...] = ()
    # A dot is part of a name (R's `filter.data.frame`, Terraform's `aws_s3_bucket.uploads`), not a path to it.
    dots_in_names: bool = False
    # Macros stand on lines of their own (`Q_OBJECT`), which the grammar reads into the next line: they are
    # blanked before the parse (indexer/preprocessor.py).
    macros: bool = False
    # Conditional compilation (`#if os(iOS)` ... `#endif`) inside a type loses the type to the grammar: its
    # lines are blanked before the parse, and both branches read (indexer/preprocessor.py).
    conditionals: bool = False
    # A web application's pages and style sheets: code read as text, which a benchmark may rank and a
    # tool may have written (indexer/walker.py).
    pages: bool = False
    # A primary constructor may stand on the line below its class header, where the grammar has ended the
    # class (Kotlin): it is joined to the header before the parse (indexer/preprocessor.py).
    split_constructors: bool = False


LANGUAGES = (
    Language("python", (".py", ".pyi"), "python", interpreters=("python", "pypy")),
    Language("javascript", (".js", ".jsx", ".mjs", ".cjs"), "javascript", tags=("ecmascript", "javascript"),
             interpreters=("node", "nodejs")),
    Language("typescript", (".ts", ".mts", ".cts"), "typescript", tags=("ecmascript", "typescript"),
             interpreters=("ts-node", "tsx", "deno", "bun")),
    Language("tsx", (".tsx",), "tsx", tags=("ecmascript", "typescript")),
    Language("go", (".go",), "go"),
    Language("rust", (".rs",), "rust"),
    Language("java", (".java",), "java"),
    Language("c", (".c", ".h"), "c", macros=True),
    Language("cpp", (".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx"), "cpp", macros=True),
    Language("csharp", (".cs",), "csharp"),
    Language("ruby", (".rb",), "ruby", ("Rakefile", "Gemfile"), interpreters=("ruby",)),
    Language("php", (".php",), "php", interpreters=("php",)),
    Language("kotlin", (".kt", ".kts"), "kotlin", split_constructors=True),
    Language("scala", (".scala",), "scala"),
    Language("swift", (".swift",), "swift", conditionals=True),
    Language("lua", (".lua",), "lua", interpreters=("lua", "luajit")),
    Language("shell", (".sh", ".bash"), "bash", interpreters=("sh", "bash", "dash", "ksh", "zsh")),
    Language("elixir", (".ex", ".exs"), "elixir", interpreters=("elixir",)),
    Language("dart", (".dart",), "dart", interpreters=("dart",)),
    Language("protobuf", (".proto",), "proto"),
    Language("sql", (".sql",), "sql"),
    Language("haskell", (".hs",), "haskell", interpreters=("runghc", "runhaskell", "stack")),
    Language("perl", (".pl", ".pm", ".t"), "perl", interpreters=("perl",)),
    Language("cuda", (".cu", ".cuh"), "cuda", tags=("cpp",), macros=True),
    Language("objc", (".m", ".mm"), "objc", macros=True),
    Language("matlab", (), "matlab"),  # `.m` files without Objective-C's marks (`sniffed_language`)
    Language("zig", (".zig",), "zig"),
    Language("solidity", (".sol",), "solidity"),
    Language("graphql", (".graphql", ".graphqls", ".gql"), "graphql"),
    Language("powershell", (".ps1", ".psm1"), "powershell", interpreters=("pwsh", "powershell")),
    Language("julia", (".jl",), "julia", interpreters=("julia",)),
    Language("erlang", (".erl", ".hrl", ".escript"), "erlang", interpreters=("escript",)),
    Language("clojure", (".clj", ".cljs", ".cljc", ".bb"), "clojure", interpreters=("bb", "clojure", "clj")),
    Language("gdscript", (".gd",), "gdscript"),
    Language("ocaml", (".ml",), "ocaml", interpreters=("ocaml",)),
    # An interface file has a grammar of its own; one query reads both.
    Language("ocaml_interface", (".mli",), "ocaml_interface", tags=("ocaml",)),
    Language("r", (".r",), "r", interpreters=("Rscript",), dots_in_names=True),
    Language("terraform", (".tf", ".tfvars", ".hcl"), "hcl", tags=("hcl",), dots_in_names=True),
    Language("vue", (".vue",), "typescript", tags=("ecmascript", "typescript"), script_blocks=True),
    Language("svelte", (".svelte",), "typescript", tags=("ecmascript", "typescript"), script_blocks=True),
    Language("markdown", (".md", ".markdown", ".rst", ".txt")),
    # Pages, the templates a web application renders (Jinja, Django, ERB, Handlebars, EJS, Liquid, Twig,
    # Razor, JSP, Go's html/template, Haml, Slim, Pug, Mako) and the style sheets beside them: read as
    # text, in the code's lane unless a folder says otherwise.
    Language("html", PAGE_SUFFIXES, pages=True),
    Language("css", STYLE_SUFFIXES, pages=True),
    Language("config", (".toml", ".yaml", ".yml", ".json", ".ini", ".cfg", ".edn"), None, CONFIG_NAMES),
)

# Which tag queries made an index's symbols (graph meta "symbols"): bump it when a query or the
# parser finds other definitions or marks them otherwise (3: an object literal's functions in
# JavaScript and TypeScript, Rust's unit tests marked as `Symbol.test`; 4: a `.h` header in the
# language its first bytes show, C++ or Objective-C; 5: a C++ class behind an export macro; 6: C-family
# macro lines and Swift's `#if` lines blanked before the parse; 7: `##` and `;;` doc comments, and a
# definition spanning a whole file ending on its last line; 8: a Kotlin primary constructor below its
# class header joined to it), and the next build parses every file again,
# as `--full` does; the embedding cache keeps the chunks whose text did not change from being embedded
# again.
SYMBOL_RULE = "8"

_BY_EXTENSION = {ext: lang for lang in LANGUAGES for ext in lang.extensions}
_BY_FILENAME = {name: lang for lang in LANGUAGES for name in lang.filenames}
_BY_NAME = {lang.name: lang for lang in LANGUAGES}
_BY_INTERPRETER = {program: lang for lang in LANGUAGES for program in lang.interpreters}
HEAD_BYTES = 4096  # what `sniffed_language` reads of a file: a `#!` line, an Objective-C file's first `#import`
# A suffix several languages share -> each language with the marks its files show in their first bytes,
# in order, and the language of a file that shows none.
_OBJC = rb"^[ \t]*(?:#import\b|@interface\b|@implementation\b|@protocol\b|@class\b)"
_CPP = (rb"^[ \t]*(?:namespace\b|template\s*<|class\s+\w+[^;\n]*\{?\s*$|(?:public|private|protected)\s*:)"
        rb"|\bstd::")
_SHARED_SUFFIXES = {
    ".m": ((("objc", re.compile(_OBJC + rb"|^[ \t]*#include\b", re.M)),), "matlab"),
    ".h": ((("objc", re.compile(_OBJC, re.M)), ("cpp", re.compile(_CPP, re.M))), "c"),
}
# `#!/usr/bin/env -S python3 -u` or `#! /bin/sh -e`: the program, after env and its options and settings.
_SHEBANG = re.compile(rb"#![ \t]*(\S+)([^\n]*)")
_VERSION = re.compile(r"[\d.]+$")


def language_for(path: str) -> str | None:
    """The language of a repository path, or None when codeidx does not index that kind of file."""
    p = PurePosixPath(path)
    lang = _BY_FILENAME.get(p.name) or _BY_EXTENSION.get(p.suffix.lower())
    return lang.name if lang else None


def needs_head(path: str) -> bool:
    """Whether a file's first `HEAD_BYTES` decide its language: a script with no suffix (but not one
    its name tells, `Makefile`, `Rakefile`), or a suffix two languages share."""
    p = PurePosixPath(path)
    suffix = p.suffix.lower()
    return (not suffix and p.name not in _BY_FILENAME) or suffix in _SHARED_SUFFIXES


def sniffed_language(path: str, head: bytes) -> str | None:
    """The language of a file `needs_head` names, given its first `HEAD_BYTES`: a script by the
    interpreter its `#!` line names (`bin/flask`, `install`), a `.m` file as Objective-C or MATLAB,
    a `.h` header as Objective-C, C++ or C; None when they tell nothing."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in _SHARED_SUFFIXES:
        candidates, otherwise = _SHARED_SUFFIXES[suffix]
        return next((language for language, marks in candidates if marks.search(head)), otherwise)
    match = _SHEBANG.match(head)
    if suffix or match is None:
        return None
    words = [match.group(1).decode("ascii", "replace"), *match.group(2).decode("ascii", "replace").split()]
    program = words[0].rsplit("/", 1)[-1]
    if program == "env":
        program = next((w for w in words[1:] if not w.startswith("-") and "=" not in w), "")
    lang = _BY_INTERPRETER.get(_VERSION.sub("", program))
    return lang.name if lang else None


def has_grammar(language: str) -> bool:
    lang = _BY_NAME.get(language)
    return bool(lang and lang.grammar)


def language_named(language: str) -> Language | None:
    """The row of LANGUAGES for a language's name; its fields say how the parser reads the language."""
    return _BY_NAME.get(language)


@lru_cache(maxsize=None)
def parser_for(language: str):
    from tree_sitter import Parser

    return Parser(_grammar(language))


@lru_cache(maxsize=None)
def query_for(language: str):
    from tree_sitter import Query

    files = resources.files("codeidx.indexer").joinpath("queries")
    text = "\n".join(files.joinpath(f"{name}.scm").read_text(encoding="utf-8")
                     for name in _BY_NAME[language].tags or (language,))
    return Query(_grammar(language), text)


@lru_cache(maxsize=None)
def _grammar(language: str):
    from tree_sitter_language_pack import get_language

    return get_language(_BY_NAME[language].grammar)
