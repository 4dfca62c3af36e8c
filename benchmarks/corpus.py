"""Which files a localization benchmark ranks: the non-test source files of a checkout.

BM25 and codeidx must rank the same candidates, so the same rule both lists the files BM25
reads and becomes the `exclude` patterns that keep everything else out of the codeidx index.
"""
from __future__ import annotations

import subprocess
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from codeidx.core.errors import CodeidxError
from codeidx.core.git import QUIET_GIT
from codeidx.core.paths import (
    BDD_DIR,
    BDD_FILES,
    BDD_FOLDERS,
    TEST_DIRS,
    TEST_FILE_GLOBS,
    TEST_FOLDER_GLOBS,
    is_bdd_support,
    is_test_folder,
)
from codeidx.indexer.languages import LANGUAGES, has_grammar

# What a benchmark may rank: the languages parsed for symbols, and the pages, templates and style sheets
# a web application is built of, which are read as text. Not prose or config, which the lanes rank after.
CODE_LANGUAGES = frozenset(lang.name for lang in LANGUAGES if has_grammar(lang.name) or lang.pages)


def is_excluded_test(path: str) -> bool:
    """core/paths.py's rule as the index's `exclude` patterns apply it: a gitignore pattern matches any
    component of a path, so a folder named like a test file counts too, and both sides rank the same files."""
    parts = PurePosixPath(path).parts
    # Each glob matches any path component, as the same pattern does in a gitignore file.
    return (any(is_test_folder(part) for part in parts[:-1]) or is_bdd_support(parts)
            or any(fnmatchcase(part, g) for part in parts for g in TEST_FILE_GLOBS))


def extensions_for(languages: frozenset[str]) -> tuple[str, ...]:
    unknown = set(languages) - CODE_LANGUAGES
    if unknown:
        raise CodeidxError(f"unknown language {', '.join(sorted(unknown))}: "
                           f"choose from {', '.join(sorted(CODE_LANGUAGES))}")
    return tuple(ext for lang in LANGUAGES if lang.name in languages for ext in lang.extensions)


def is_candidate(path: str, extensions: tuple[str, ...]) -> bool:
    return PurePosixPath(path).suffix.lower() in extensions and not is_excluded_test(path)


def index_excludes(extensions: tuple[str, ...]) -> tuple[str, ...]:
    """Gitignore patterns that leave exactly the candidates in a codeidx index."""
    keep = tuple(f"!*{ext}" for ext in extensions)
    tests = tuple(f"**/{d}/**" for d in (*TEST_DIRS, *TEST_FOLDER_GLOBS))
    bdd = (*(f"**/{BDD_DIR}/{d}/**" for d in BDD_FOLDERS), *(f"**/{BDD_DIR}/{f}" for f in BDD_FILES))
    return ("*", *keep, *tests, *bdd, *TEST_FILE_GLOBS)


def candidate_files(root: Path, extensions: tuple[str, ...]) -> list[str]:
    """The candidates git tracks at the checked-out commit, sorted; a link to nothing (aeson's
    `attoparsec-aeson/src/...` at some commits) is no file to rank."""
    out = subprocess.run(["git", "-C", str(root), *QUIET_GIT, "ls-files", "-z"], capture_output=True, text=True)
    if out.returncode != 0:
        raise CodeidxError(f"{root} is not a git work tree: benchmarks need a git checkout")
    return sorted(p for p in out.stdout.split("\0") if p and is_candidate(p, extensions) and (root / p).is_file())
