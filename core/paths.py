"""What a path is by convention: a test, context (documentation, data, bulk configuration) or the
project's history, and the lane each puts a chunk in. One rule for the agent's test stage, the
index's payloads, the retriever's ranking and the benchmarks' candidate files."""
from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import PurePosixPath

import pathspec

# The rules here are asked about the same paths again and again (each hit of each query, each
# packing try), and each parses the path: the ones the retriever asks remember this many answers.
PATHS_CACHED = 1 << 16

# RSpec's and Jasmine's `spec/` are tests too, and Cucumber's `step_definitions/`, and so are a .NET
# test project (`App.Tests/`, `App.UnitTests/`), an Xcode or Swift test target (`Tests/`,
# `AppTests/`) and a Gradle or Kotlin test source set (`androidTest/`, `commonTest/`,
# `integrationTest/`), and a build's test module (gson's `test-shrinker/`, `test-jpms/`): `TEST_FOLDER_GLOBS`.
# Perl keeps its tests in `t/`, as `.t` scripts; Pester's are `Name.Tests.ps1`.
TEST_DIRS = ("test", "tests", "testing", "__tests__", "spec", "specs", "step_definitions", "Tests", "t")
TEST_FOLDER_GLOBS = ("*[a-z0-9.]Test", "*[a-z0-9.]Tests", "*[a-z0-9.]Spec", "*[a-z0-9.]Specs", "test-*")
TEST_FILE_GLOBS = ("test_*", "*_test.*", "*_tests.*", "conftest.py", "*.test.*", "*.spec.*", "*_spec.*", "*.t",
                   "*.Tests.*")
# Behaviour-driven tests keep their step code beside the `.feature` files: behave's `features/steps/`
# and `features/environment.py`, Cucumber's `features/support/` (and `features/steps/` in older
# projects). Only right below `features/`: an app's `src/features/cart/steps/` is its own code.
BDD_DIR, BDD_FOLDERS, BDD_FILES = "features", ("steps", "support"), ("environment.py",)
# A Python package's `test` or `testing` subpackage is the test support it ships to its users
# (`django.test`, `numpy.testing`, `sphinx.testing`): their client, runner and assertions, which
# are implementation. Only below a package, not below a source-layout folder (`src/test/`, CPython's
# `Lib/test/`), and only `.py` files: elsewhere (`packages/app/test/*.js`) a nested test folder holds tests.
SUPPORT_DIRS = ("test", "testing")
LAYOUT_DIRS = frozenset({"src", "lib", "python"})


def is_test_path(path: str) -> bool:
    """Tests by the usual conventions: a test_*, *_test.*, *.spec.* or conftest.py file, or a file
    inside a tests folder other than a package's own test support (`django/test/client.py`)."""
    parts = PurePosixPath(path).parts
    return bool(parts) and (any(fnmatchcase(parts[-1], glob) for glob in TEST_FILE_GLOBS)
                            or is_bdd_support(parts)
                            or any(is_test_folder(part) and not _is_test_support(parts, i)
                                   for i, part in enumerate(parts[:-1])))


def is_test_folder(name: str) -> bool:
    """A folder of tests by its name alone, wherever it is."""
    return name in TEST_DIRS or any(fnmatchcase(name, glob) for glob in TEST_FOLDER_GLOBS)


def is_bdd_support(parts: tuple[str, ...]) -> bool:
    """Step code beside `.feature` files: `features/steps/`, `features/support/`, `features/environment.py`."""
    return any(a == BDD_DIR and b in (BDD_FOLDERS + BDD_FILES) for a, b in zip(parts, parts[1:]))


def _is_test_support(parts: tuple[str, ...], i: int) -> bool:
    return (parts[i] in SUPPORT_DIRS and i > 0 and parts[i - 1].lower() not in LAYOUT_DIRS
            and parts[-1].endswith(".py"))


PROSE_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".txt", ".adoc"})
PROSE_NAMES = ("readme", "changes", "changelog", "history", "news", "license", "contributing", "authors")
# A prose name makes a page of a file with no suffix or a markup one (`LICENSE`, Ruby's `History.rdoc`);
# in code it is only a name: Sphinx's `builders/changes.py` and `domains/changeset.py`, a `history.lua`.
NAMED_PROSE_SUFFIXES = frozenset({"", ".rdoc", ".org", ".textile", ".pod", ".asciidoc", ".html", ".htm"})
# What a web application's pages are made of: markup and the template languages written around it, and
# style sheets (indexer/languages.py reads them as text).
PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".jinja", ".jinja2", ".j2", ".njk", ".hbs", ".handlebars", ".mustache",
                 ".ejs", ".erb", ".liquid", ".twig", ".cshtml", ".razor", ".jsp", ".gohtml", ".tmpl", ".haml", ".slim",
                 ".pug", ".mako")
STYLE_SUFFIXES = (".css", ".scss", ".sass", ".less")
DATA_SUFFIXES = frozenset({".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".csv", ".xml", ".sql"})
# Build and container configuration, known by name (the `config` language's files with no suffix): context
# as the rest of the configuration is. In the code's lane, viper's Makefile (targets `deps`, `lint`,
# `test`) took one of the first five places for half of its commits.
CONFIG_NAMES = ("Dockerfile", "Makefile")
TEST_DATA_DIRS = frozenset({"fixtures", "fixture", "testdata"})
DATA_DIRS = TEST_DATA_DIRS | {"data"}
# gettext keeps each language's translated messages in an LC_MESSAGES folder, in whatever format the
# project serves them (Sphinx ships a `sphinx.js` catalog beside each `.po`): data, however it is spelled.
CATALOG_DIRS = frozenset({"LC_MESSAGES"})
# Code under these folders demonstrates the project rather than implementing it: a gallery's or a
# tutorial's scripts call the project's API by name, in the words of its docs, and so match questions
# about that API better than the code that implements it.
EXAMPLE_DIRS = frozenset({"example", "examples", "tutorial", "tutorials", "gallery", "galleries", "demo",
                          "demos", "samples"})
# A documentation folder holds the docs, the code that builds them (Sphinx's conf.py and extensions,
# a site's scripts) and the snippets they show (libuv's `docs/code/*.c`, Spring Boot's `docs`
# packages of examples). But a Go folder is a package and a Rust one a module the crate declares,
# and neither language's doc tools (godoc, rustdoc) read a docs folder: Go or Rust code in a folder
# named `doc` is the project's own, one that writes documentation (cobra's `doc/man_docs.go`,
# ripgrep's `flags/doc/help.rs`). A folder named for the docs' sources is one too: FastAPI's
# `docs_src/` holds 461 tutorial modules beside the 48 of the package.
DOC_DIRS = frozenset({"doc", "docs", "documentation"})
_FIRST_WORD = re.compile(r"[^-_.]*")
MODULE_FOLDER_SUFFIXES = frozenset({".go", ".rs"})


def is_prose(path: str) -> bool:
    """Documentation by its format or name: .md/.rst/.txt files, READMEs, changelogs."""
    p = PurePosixPath(path)
    suffix = p.suffix.lower()
    return suffix in PROSE_SUFFIXES or (suffix in NAMED_PROSE_SUFFIXES and p.name.lower().startswith(PROSE_NAMES))


# A project's history: changelogs, release notes and announcements, and their fragments (towncrier's
# `changelog.d/`, `newsfragments/`, a `releases/` folder of pages). They name every part they ever
# changed, in the words of its issues, and answer when something changed, not how it works.
CHANGELOG_NAMES = ("changes", "changelog", "history", "news", "release", "whatsnew", "whats_new", "whats-new")
CHANGELOG_FOLDER_WORDS = ("change", "release", "whats", "news", "announce")  # a folder name's words begin so
_WORDS = re.compile(r"[a-z0-9]+")


def is_changelog(path: str) -> bool:
    """A page of the project's history: a changelog or release notes by its name, or any page in a
    folder named for changes, releases, announcements, news or what's new (`upcoming_changes`, but
    not `exchange`)."""
    p = PurePosixPath(path)
    return is_prose(path) and (p.name.lower().startswith(CHANGELOG_NAMES)
                               or any(word.startswith(CHANGELOG_FOLDER_WORDS) for part in p.parts[:-1]
                                      for word in _WORDS.findall(part.lower())))


_BULK_SUFFIXES = DATA_SUFFIXES | frozenset(PAGE_SUFFIXES) | frozenset(STYLE_SUFFIXES)


@lru_cache(maxsize=PATHS_CACHED)
def is_bulk_data(path: str) -> bool:
    """Data files of tests and data folders (fixtures, test cases, datasets) and translation catalogs:
    often thousands of small YAML or JSON files whose meaning is in their keys and values, or one
    catalog per language, so the index keeps them by keywords and names only and never spends the
    embedder on them. So are the pages there: a parser's or a scraper's tests keep the pages they
    read (readability's `test/test-pages/`, hundreds of whole sites' articles)."""
    p = PurePosixPath(path)
    return ((p.suffix.lower() in _BULK_SUFFIXES
             and (is_test_path(path) or any(part in DATA_DIRS for part in p.parts[:-1])))
            or any(part in CATALOG_DIRS for part in p.parts[:-1]))


# Benchmarks exercise the code as tests do. Go and Rust keep theirs elsewhere (in `_test.go` files,
# in cargo's `benches/`), and a folder of theirs is a package or a module the crate declares: one
# named for benchmarks is the project's own code (hyperfine's `src/benchmark/`, which runs the
# benchmarks hyperfine is for), as a docs folder of theirs is (`DOC_DIRS`).
BENCH_DIRS = frozenset({"bench", "benchmark", "benchmarks", "benches"})
MODULE_BENCH_DIRS = frozenset({"benches"})


@lru_cache(maxsize=PATHS_CACHED)
def exercises(path: str) -> bool:
    """Code that runs the project's code rather than being it: tests and benchmarks."""
    p = PurePosixPath(path)
    benches = MODULE_BENCH_DIRS if p.suffix.lower() in MODULE_FOLDER_SUFFIXES else BENCH_DIRS
    return is_test_path(path) or any(part in benches for part in p.parts[:-1])


@lru_cache(maxsize=PATHS_CACHED)
def is_context(path: str) -> bool:
    """Files that explain or feed the code rather than implement it: prose, data, bulk configuration,
    translation catalogs, documentation and examples."""
    p = PurePosixPath(path)
    folders = _project_folders(p.parts[:-1])
    # .NET and Swift name folders in PascalCase (`Docs/`, `Samples/`), whose docs and examples are
    # these; but their `Data/` holds data-access code, so the data folders keep their case. Go's tools
    # skip a folder named with a leading underscore, where its projects keep examples (`_examples/`).
    lowered = [part.lower().lstrip("_") for part in folders]
    return (is_prose(path) or p.suffix.lower() in DATA_SUFFIXES or p.name in CONFIG_NAMES
            or _in_data_folder(folders) or any(part in CATALOG_DIRS for part in folders)
            or any(part in EXAMPLE_DIRS for part in lowered)
            or (p.suffix.lower() not in MODULE_FOLDER_SUFFIXES
                and any(_FIRST_WORD.match(part).group() in DOC_DIRS for part in lowered)))


# Java, Kotlin and Scala keep a package's folders below a source root (`src/main/java/`,
# `src/test/kotlin/`), and a package's name opens with its organisation's: `com/google/samples/`,
# `org/springframework/samples/` and the placeholder `com/example/` name who wrote the code, not a
# folder of samples. The folders after them (gson's `com/google/gson/extras/examples/`) say what it is.
JVM_SOURCE_ROOTS = frozenset({"java", "kotlin", "scala", "groovy"})
ORGANISATION_FOLDERS = 3


def _project_folders(folders: tuple[str, ...]) -> tuple[str, ...]:
    """The folders of a path without the organisation's part of a JVM package below its source root
    (`src/<source set>/java`)."""
    for i in range(len(folders) - 1, 1, -1):
        if folders[i] in JVM_SOURCE_ROOTS and folders[i - 2] == "src":
            return folders[:i + 1] + folders[i + 1 + ORGANISATION_FOLDERS:]
    return folders


def _in_data_folder(folders: tuple[str, ...]) -> bool:
    """Fixtures and test data wherever they are, and `data/` at the top of the tree or among the tests
    (black's `tests/data/cases/*.py` are its formatter's inputs). Inside a package, `data/` is a layer
    of the code: PyTorch's `torch/utils/data/`, an Android app's `com/example/data/` repositories."""
    return any(part in TEST_DATA_DIRS or (part == "data" and all(map(is_test_folder, folders[:i])))
               for i, part in enumerate(folders))


# A chunk's lane in the store's payloads, so that a query can leave a lane out in the store itself:
# thousands of fixtures, pages, release notes or test files cannot then fill the candidates of the code.
CODE_LANE, TEST_LANE, CONTEXT_LANE, HISTORY_LANE = "code", "test", "context", "history"
# Which rule the payloads' lanes follow (graph meta "lanes"); bump it when `lane_of` changes, and the
# next build marks every point again.
LANE_RULE = "18"


@lru_cache(maxsize=PATHS_CACHED)
def lane_of(path: str) -> str:
    """The history before the other context, context (docs, data, examples) before tests: a test's
    fixture file is data."""
    return (HISTORY_LANE if is_changelog(path) else CONTEXT_LANE if is_context(path)
            else TEST_LANE if exercises(path) else CODE_LANE)


def chunk_lane(path: str, test: bool) -> str:
    """What a chunk is: its file's lane, but a unit test in a file of code (Rust's, beside the code
    it tests: `Symbol.test`) is a test. The store keeps the file's lane for every chunk: a unit
    test's words are evidence for its own file, the implementation's."""
    lane = lane_of(path)
    return TEST_LANE if test and lane == CODE_LANE else lane


def ignore_patterns(lines: Iterable[str]) -> pathspec.PathSpec:
    """Gitignore-style patterns, matched by RE2 in time linear in the path. Python's own regex engine
    backtracks on a pattern of many `**` or `*` (eight `**` took 3 s on one path 40 folders deep, twenty
    `*a` more than a minute on one file name), and a repository writes its `.gitignore` and may write
    the `exclude` of its `.codeidx.toml`. A pattern git skips (`!` alone) is skipped here too."""
    lines = list(lines)
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines, backend="re2")
    except ValueError:
        return pathspec.GitIgnoreSpec.from_lines([line for line in lines if _is_pattern(line)], backend="re2")


def _is_pattern(line: str) -> bool:
    try:
        pathspec.GitIgnoreSpec.from_lines([line], backend="re2")
    except ValueError:
        return False
    return True
