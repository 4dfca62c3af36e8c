"""Which language a file is in, and its tree-sitter grammar and tag query.

The one module that knows where grammars come from: tree-sitter-language-pack 0.13.0, which
bundles compiled grammars (its 1.x releases download them at first use, which fails offline).
Adding a language is a row in LANGUAGES and a query file `queries/<name>.scm`; languages whose
grammars share nodes share query files (JavaScript, TypeScript and TSX read `ecmascript.scm` first).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import PurePosixPath


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


LANGUAGES = (
    Language("python", (".py", ".pyi"), "python"),
    Language("javascript", (".js", ".jsx", ".mjs", ".cjs"), "javascript", tags=("ecmascript", "javascript")),
    Language("typescript", (".ts", ".mts", ".cts"), "typescript", tags=("ecmascript", "typescript")),
    Language("tsx", (".tsx",), "tsx", tags=("ecmascript", "typescript")),
    Language("go", (".go",), "go"),
    Language("rust", (".rs",), "rust"),
    Language("java", (".java",), "java"),
    Language("c", (".c", ".h"), "c"),
    Language("cpp", (".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx"), "cpp"),
    Language("csharp", (".cs",), "csharp"),
    Language("ruby", (".rb",), "ruby", ("Rakefile", "Gemfile")),
    Language("php", (".php",), "php"),
    Language("kotlin", (".kt", ".kts"), "kotlin"),
    Language("scala", (".scala",), "scala"),
    Language("swift", (".swift",), "swift"),
    Language("lua", (".lua",), "lua"),
    Language("shell", (".sh", ".bash"), "bash"),
    Language("elixir", (".ex", ".exs"), "elixir"),
    Language("dart", (".dart",), "dart"),
    Language("protobuf", (".proto",), "proto"),
    Language("sql", (".sql",), "sql"),
    Language("vue", (".vue",), "typescript", tags=("ecmascript", "typescript"), script_blocks=True),
    Language("svelte", (".svelte",), "typescript", tags=("ecmascript", "typescript"), script_blocks=True),
    Language("markdown", (".md", ".markdown", ".rst", ".txt")),
    Language("config", (".toml", ".yaml", ".yml", ".json", ".ini", ".cfg"), None, ("Dockerfile", "Makefile")),
)

# Which tag queries made an index's symbols (graph meta "symbols"): bump it when a query or the
# parser finds other definitions or marks them otherwise (3: an object literal's functions in
# JavaScript and TypeScript, Rust's unit tests marked as `Symbol.test`), and the next build parses
# every file again, as `--full` does; the embedding cache keeps the chunks whose text did not
# change from being embedded again.
SYMBOL_RULE = "3"

_BY_EXTENSION = {ext: lang for lang in LANGUAGES for ext in lang.extensions}
_BY_FILENAME = {name: lang for lang in LANGUAGES for name in lang.filenames}
_BY_NAME = {lang.name: lang for lang in LANGUAGES}


def language_for(path: str) -> str | None:
    """The language of a repository path, or None when codeidx does not index that kind of file."""
    p = PurePosixPath(path)
    lang = _BY_FILENAME.get(p.name) or _BY_EXTENSION.get(p.suffix.lower())
    return lang.name if lang else None


def has_grammar(language: str) -> bool:
    lang = _BY_NAME.get(language)
    return bool(lang and lang.grammar)


def in_script_blocks(language: str) -> bool:
    """Whether only a file's `<script>` blocks are code (`Language.script_blocks`)."""
    lang = _BY_NAME.get(language)
    return bool(lang and lang.script_blocks)


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
