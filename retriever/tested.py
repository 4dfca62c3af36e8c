"""The module a test file is named for: `tests/test_skipping.py` tests `src/_pytest/skipping.py`.

Test files are named after what they test, by conventions that hold across languages and
projects: `test_foo.py` and `foo_test.go` test `foo`, `foo.test.ts` and `foo.spec.js` test `foo`,
`FooTest.java` tests `Foo`, `foo_spec.rb` tests `foo`, `test-foo.R` tests `foo.R`. A name may spell a
path (`test_ext_napoleon_docstring.py` tests `sphinx/ext/napoleon/docstring.py`) and a private
module may drop its underscore (`test_argcomplete.py` tests `_argcomplete.py`). A question that
finds a test has found where the code it asks about is exercised: the file ranking passes a share
of the test's evidence on to that module (search.rank_files).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import PurePosixPath

from codeidx.core.paths import is_context, is_test_path

_SPEC_MARKS = (".test.", ".spec.")
_PREFIXES = ("test_", "test-", "Test")  # `test-filter.R`: testthat's files
_SUFFIXES = ("_tests", "_test", "_spec", "Tests", "Test", "Spec")
# A package's or a folder's own file stands for the folder: `pkg/__init__.py` is `pkg`.
_FOLDER_FILES = frozenset({"__init__", "index", "mod"})
MAX_PARTS = 6  # a test's name spells at most a module's last few folders
# A test written as a script in a language whose modules are compiled: Elixir's `router_test.exs`
# tests `router.ex`.
_SCRIPT_SUFFIXES = {".exs": ".ex"}


def modules_tested(tests: Iterable[str], paths: frozenset[str]) -> dict[str, str]:
    """Each of `tests` whose name names one module among `paths` -> that module. Where several
    modules fit the name (`test_utils.py`, with a `utils.py` in each package), the one nearest the
    test in the tree, or none if that is a tie."""
    tests = [t for t in dict.fromkeys(tests) if is_test_path(t)]
    if not tests:
        return {}
    by_name = _modules(paths)
    found = {}
    for test in tests:
        subject = _subject(test)
        module = _nearest(test, by_name.get(subject, [])) if subject else None
        if module is not None:
            found[test] = module
    return found


@lru_cache(maxsize=4)  # one index's files, asked again by every query (a frozenset keeps its hash)
def _modules(paths: frozenset[str]) -> dict[tuple[str, str], list[str]]:
    """The code files among `paths` by each name a test may give them, with their extension: the
    file's own name and that name after its last few folders', `docstring`, `napoleon_docstring`, ..."""
    modules: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in paths:
        if is_test_path(path) or is_context(path):
            continue
        p = PurePosixPath(path)
        stem = p.name.split(".", 1)[0]
        parts = [*p.parts[:-1], *([] if stem in _FOLDER_FILES else [stem])][-MAX_PARTS:]
        names = [_name(part) for part in parts]
        for i in range(len(names)):
            if names[i]:
                modules[("_".join(n for n in names[i:] if n), p.suffix)].append(path)
    return modules


def _subject(test: str) -> tuple[str, str] | None:
    """The name a test file gives its module, and the module's extension."""
    name = PurePosixPath(test).name
    stem = name.split(".", 1)[0]
    rest = name[len(stem):]  # `.py`, or `.test.ts`
    mark = next((m for m in _SPEC_MARKS if rest.startswith(m)), None)
    if mark is not None:
        subject, extension = stem, "." + rest[len(mark):]
    else:
        prefix = next((p for p in _PREFIXES if stem.startswith(p)), "")
        suffix = "" if prefix else next((s for s in _SUFFIXES if stem.endswith(s)), "")
        if not prefix and not suffix:
            return None
        subject, extension = stem[len(prefix):len(stem) - len(suffix)], rest
    subject = _name(subject)
    return (subject, _SCRIPT_SUFFIXES.get(extension, extension)) if subject else None


def _name(part: str) -> str:
    """A file or folder name as a test spells it: lowercase, private underscores left out."""
    return "_".join(word.lower() for word in part.split("_") if word)


def _nearest(test: str, modules: list[str]) -> str | None:
    if len(modules) <= 1:
        return modules[0] if modules else None
    test_parts = PurePosixPath(test).parts

    def shared(path: str) -> int:
        count = 0
        for a, b in zip(PurePosixPath(path).parts, test_parts):
            if a != b:
                break
            count += 1
        return count

    best = max(shared(m) for m in modules)
    nearest = [m for m in modules if shared(m) == best]
    return nearest[0] if len(nearest) == 1 else None
