"""The gold answer of a localization instance, read from its patch.

Gold files are the files the patch changes; gold functions are the innermost functions or
methods, in the file as it was before the patch, that hold a changed line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from codeidx.core.models import Symbol

FUNCTION_KINDS = ("function", "method")
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class FileChange:
    old_path: str | None  # None: the patch creates the file
    new_path: str | None  # None: the patch deletes the file
    removed: tuple[int, ...]  # pre-image lines removed or replaced
    inserted_after: tuple[int, ...]  # pre-image lines after which new lines go (0: before the first)


def parse_patch(patch: str) -> list[FileChange]:
    """The files of a unified diff (git's or plain) with the pre-image lines each hunk touches."""
    changes: list[FileChange] = []
    old_path = new_path = None
    removed: list[int] = []
    inserted: list[int] = []
    old_left = new_left = 0
    line_no = 0
    started = False

    def close() -> None:
        if started:
            changes.append(FileChange(old_path, new_path, tuple(removed), tuple(dict.fromkeys(inserted))))

    for line in patch.splitlines():
        if old_left > 0 or new_left > 0:  # inside a hunk, whatever the line looks like
            tag = line[:1]
            if tag == "-":
                removed.append(line_no)
                line_no += 1
                old_left -= 1
            elif tag == "+":
                inserted.append(line_no - 1)
                new_left -= 1
            elif tag != "\\":  # "\ No newline at end of file" belongs to neither side
                line_no += 1
                old_left -= 1
                new_left -= 1
            continue
        if line.startswith("--- "):
            close()
            started, removed, inserted = True, [], []
            old_path, new_path = _path(line[4:]), None
        elif line.startswith("+++ "):
            new_path = _path(line[4:])
        elif match := _HUNK.match(line):
            line_no = int(match.group(1))
            old_left = int(match.group(2) or 1)
            new_left = int(match.group(4) or 1)
            if old_left == 0:  # a pure insertion names the line it follows, not the one it precedes
                line_no += 1
    close()
    return changes


def _path(raw: str) -> str | None:
    name = raw.split("\t")[0].strip()
    if name == "/dev/null":
        return None
    return name[2:] if name.startswith(("a/", "b/")) else name


def gold_files(changes: Sequence[FileChange], keep: Callable[[str], bool]) -> tuple[str, ...]:
    """Files that existed before the patch and that `keep` accepts (a new file cannot be found)."""
    return tuple(dict.fromkeys(c.old_path for c in changes if c.old_path and keep(c.old_path)))


def enclosing_functions(change: FileChange, symbols: Sequence[Symbol]) -> tuple[str, ...]:
    """Qualified names of the innermost functions holding the change, in the pre-image's symbols."""
    functions = sorted((s for s in symbols if s.kind in FUNCTION_KINDS), key=lambda s: s.end_line - s.start_line)
    found: list[str] = []

    def innermost(first: int, last: int) -> None:
        for sym in functions:
            if sym.start_line <= first and last <= sym.end_line:
                found.append(sym.qualified_name)
                return

    for line in change.removed:
        innermost(line, line)
    for after in change.inserted_after:
        # Lines added after a function's last line are outside it: both neighbours must be inside.
        innermost(after, after + 1)
    return tuple(dict.fromkeys(found))
