"""Code first: what kind of file a hit is in, and what the query asks for.

A question about behaviour is answered by the code that implements it. Documentation is context,
so it goes after the code (its own lane) unless the question asks for the documentation;
tests count less than the implementation they exercise unless the question is about tests;
data, bulk configuration and translation catalogs (fixtures, YAML, JSON, `LC_MESSAGES/`) and the
code in documentation and example folders (a `conf.py`, a tutorial's snippets) go with the
documentation; the project's history (changelogs, release notes) goes last, after the
documentation, even when that is asked for; and vendored third-party code counts less than the
project's own, as tests do. A definition the question names is exempt, unless it is a test
(`named_weight`).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Callable, Sequence, TypeVar

from codeidx.core.paths import CODE_LANE, CONTEXT_LANE, HISTORY_LANE, PATHS_CACHED, TEST_LANE, exercises, lane_of
from codeidx.indexer.sparse import STOPWORDS

# Third-party code copied into the tree. `packages` only below the top level: at the top it is a
# monorepo's own packages, inside a package (requests/packages/urllib3) a vendored copy.
VENDOR_DIRS = frozenset({"vendor", "vendored", "_vendor", "third_party", "thirdparty", "extern", "externals"})
NESTED_VENDOR_DIRS = frozenset({"packages"})
ASK_CHARS = 1000  # of a query's first line, read for what it asks for
# Words by which a question asks for the documentation rather than the code. The project's own
# documents (the docs, the README, the changelog) are asked for whatever follows: "the docs build"
# is fixed in `docs/`...
_ASKS_DOCS = re.compile(r"\b(docs?|readme|changelog)\b", re.I)
# ...but these words may only qualify the noun after them, which then is code: "the documentation
# generation system", "the manual page translator", "the tutorial example directive". A function word
# after one (listed next) keeps its sense of the docs.
_MAY_QUALIFY = re.compile(r"\b(documentation|documented|tutorial|guide|manual)\b", re.I)
_NOUN = re.compile(r"(?:\s+|-)([a-z]+)\b")
_KEEPS_DOCS = STOPWORDS | frozenset(
    "about which what where how why when been should does do did can could would say says said describe "
    "describes explain explains mention mentions show shows section sections".split())
# Words by which a question asks for the project's history (`paths.is_changelog`), not for how it works.
_ASKS_HISTORY = re.compile(r"\b(change ?logs?|release notes?|what'?s new|news ?fragments?)\b", re.I)
_ASKS_TESTS = re.compile(r"\b(tests?|testing|tested|fixtures?|conftest|bench|benchmarks?)\b", re.I)
# Test and benchmark hits count this much of their score when the question is not about them,
# vendored hits always: still found, but below the project's own code.
TEST_DAMPING = 0.6
# A report (a pasted issue, a commit message: prose not phrased as a question) points at code to
# change, and its reproduction is written as the tests are, so they match it more than they match a
# question: less of their score, unless it is about tests. A question asks how the code behaves,
# and a test shows that too; a name or a few keywords look something up, wherever it is.
REPORT_TEST_DAMPING = 0.45
REPORT_WORDS = 4  # a first line this long, or more than one line, is prose
# A question without its question mark still opens with a question word, or asks for an explanation
# ("explain how ...", "show me where ..."); "Do not log ..." opens a report, so the auxiliaries count
# only with the mark.
_QUESTION = re.compile(r"^\s*(?:how|what|why|where|when|which|who|whose|in what|under what"
                       r"|explain|describe|summari[sz]e|tell me|show me|walk me)\b", re.I)
# A question about a test is mostly answered by the code it exercises as well, so tests stay a little
# below that code even then.
ASKED_TEST_DAMPING = 0.8
VENDOR_DAMPING = 0.6

# Each lane's place in a ranking (`code_first`); tests are code here, ranked by their damped scores.
_CODE_FIRST = {CODE_LANE: 0, TEST_LANE: 0, CONTEXT_LANE: 1, HISTORY_LANE: 2}
_DOCS_ASKED = {CODE_LANE: 0, TEST_LANE: 0, CONTEXT_LANE: 0, HISTORY_LANE: 1}

T = TypeVar("T")


@lru_cache(maxsize=PATHS_CACHED)
def is_vendored(path: str) -> bool:
    """Third-party code kept in the tree: vendor/, third_party/, extern/, a package's packages/."""
    folders = PurePosixPath(path).parts[:-1]
    return any(part in VENDOR_DIRS for part in folders) or any(part in NESTED_VENDOR_DIRS for part in folders[1:])


def asks_for_docs(query: str) -> bool:
    ask = _the_ask(query)
    return bool(_ASKS_DOCS.search(ask)) or any(not _qualifies(ask[m.end():]) for m in _MAY_QUALIFY.finditer(ask))


def _qualifies(rest: str) -> bool:
    """Whether a docs word is used as an adjective: a lowercase word follows it that is not a function word."""
    after = _NOUN.match(rest)
    return bool(after) and after.group(1) not in _KEEPS_DOCS


def asks_for_tests(query: str) -> bool:
    return bool(_ASKS_TESTS.search(_the_ask(query)))


def is_report(query: str) -> bool:
    """Prose that is not a question: more than one line, or a first line of `REPORT_WORDS` words or
    more, that neither ends with a question mark nor opens with a question word."""
    ask = _the_ask(query).rstrip()
    prose = len(ask.split()) >= REPORT_WORDS or "\n" in query.strip()
    return prose and not ask.endswith("?") and not _QUESTION.match(ask)


def _the_ask(query: str) -> str:
    """What a query asks for is in its first line: a question, or a pasted issue's title. The body
    of an issue or a trace describes a situation ("the docs build fails", "in my test"), and on
    SWE-bench Lite dev such words turned the lanes off for 10 (docs) and 13 (tests) of 42 issues."""
    return next((line for line in query.splitlines() if line.strip()), "")[:ASK_CHARS]


def path_weight(query: str) -> Callable[[str], float]:
    """A path's share of its score: vendored code damped, and tests and benchmarks unless the query
    is about them (more in a report than in a question)."""
    tests = (ASKED_TEST_DAMPING if asks_for_tests(query) else REPORT_TEST_DAMPING if is_report(query)
             else TEST_DAMPING)

    def weight(path: str) -> float:
        return (tests if exercises(path) else 1.0) * (VENDOR_DAMPING if is_vendored(path) else 1.0)
    return weight


def named_weight(path: str, qualified_name: str) -> float:
    """The share of its score a definition the query names keeps. What a question names is what it
    asks about, wherever it lives (`TLSServer`, a test helper): all of it. But a test it names
    (`test_*`, `Test*`, in a test file) is where the question looks from, at the code that test
    checks: it counts as tests do."""
    return TEST_DAMPING if is_named_test(path, qualified_name) else 1.0


def is_named_test(path: str, qualified_name: str) -> bool:
    return exercises(path) and any(part.startswith(("test", "Test")) for part in qualified_name.split("."))


def asks_for_history(query: str) -> bool:
    return bool(_ASKS_HISTORY.search(_the_ask(query)))


def code_first(query: str, items: Sequence[T], path_of: Callable[[T], str],
               named: frozenset[str] = frozenset()) -> list[T]:
    """The same items, code before context before the project's history (each lane in its own order);
    when the query asks for docs, the docs join the code, and when it asks for the history, all is
    in one lane. The `named` paths, which define what the query names, are in the code's lane
    wherever they are: `LocalStorageTodosApi` asks about the example app that defines it."""
    if asks_for_history(query):
        return list(items)
    order = _DOCS_ASKED if asks_for_docs(query) else _CODE_FIRST

    def lane(item: T) -> int:
        path = path_of(item)
        return order[CODE_LANE] if path in named else order[lane_of(path)]
    return sorted(items, key=lane)  # stable: each lane keeps its order
