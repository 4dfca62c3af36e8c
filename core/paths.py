"""What a path is by convention: a test. One rule for the agent's test stage, the retriever's
ranking and the benchmarks' candidate files."""
from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import PurePosixPath

TEST_DIRS = ("test", "tests", "testing", "__tests__")
TEST_FILE_GLOBS = ("test_*", "*_test.*", "*_tests.*", "conftest.py", "*.test.*", "*.spec.*")


def is_test_path(path: str) -> bool:
    """Tests by the usual conventions: inside a tests folder, or a test_*, *_test.*, *.spec.* or
    conftest.py file."""
    parts = PurePosixPath(path).parts
    return bool(parts) and (any(part in TEST_DIRS for part in parts[:-1])
                            or any(fnmatchcase(parts[-1], glob) for glob in TEST_FILE_GLOBS))
