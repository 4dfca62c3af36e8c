"""Code first: what kind of file a hit is in, and what the query asks for.

A question about behaviour is answered by the code that implements it. Documentation is context,
so it goes after the code (its own lane) unless the question asks for the documentation;
tests count less than the implementation they exercise unless the question is about tests; and
data and bulk configuration (fixtures, YAML, JSON) go with the documentation.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Callable, Sequence, TypeVar

from codeidx.core.paths import is_test_path

PROSE_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".txt", ".adoc"})
PROSE_NAMES = ("readme", "changes", "changelog", "history", "news", "license", "contributing", "authors")
DATA_SUFFIXES = frozenset({".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".csv", ".xml", ".sql"})
DATA_DIRS = frozenset({"fixtures", "fixture", "testdata", "data"})
# Words by which a question asks for the documentation rather than the code.
_ASKS_DOCS = re.compile(r"\b(docs?|documentation|documented|readme|tutorial|guide|changelog|manual)\b", re.I)
_ASKS_TESTS = re.compile(r"\b(tests?|testing|tested|fixtures?|conftest)\b", re.I)
# Test hits count this much of their score when the question is not about tests: still found,
# but below the code they exercise.
TEST_DAMPING = 0.6

T = TypeVar("T")


def is_prose(path: str) -> bool:
    """Documentation by its format or name: .md/.rst/.txt files, READMEs, changelogs."""
    p = PurePosixPath(path)
    return p.suffix.lower() in PROSE_SUFFIXES or p.name.lower().startswith(PROSE_NAMES)


def is_context(path: str) -> bool:
    """Files that explain or feed the code rather than implement it: prose, data, bulk configuration."""
    p = PurePosixPath(path)
    return (is_prose(path) or p.suffix.lower() in DATA_SUFFIXES
            or any(part in DATA_DIRS for part in p.parts[:-1]))


def asks_for_docs(query: str) -> bool:
    return bool(_ASKS_DOCS.search(query))


def asks_for_tests(query: str) -> bool:
    return bool(_ASKS_TESTS.search(query))


def test_weight(query: str) -> Callable[[str], float]:
    """A path's share of its score: tests damped unless the query is about tests."""
    if asks_for_tests(query):
        return lambda path: 1.0
    return lambda path: TEST_DAMPING if is_test_path(path) else 1.0


def code_first(query: str, items: Sequence[T], path_of: Callable[[T], str]) -> list[T]:
    """The same items, code before context (each lane in its own order), unless the query asks for docs."""
    if asks_for_docs(query):
        return list(items)
    return ([i for i in items if not is_context(path_of(i))] + [i for i in items if is_context(path_of(i))])
