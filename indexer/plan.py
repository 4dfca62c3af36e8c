"""The refresh is a plan before it is work: what to parse and embed, what to re-stat, what to drop.

Files whose stat (size, mtime) is unchanged are trusted without reading them; the others are
hashed, and only a changed hash sends a file to the parser and the embedder. A file whose chunks
an interrupted build left without dense vectors goes through again: the embedding cache makes
what it already embedded free.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from codeidx.core.models import SourceFile
from codeidx.indexer.graph import FileRecord
from codeidx.indexer.walker import WalkResult, content_skip_reason


@dataclass(frozen=True)
class Plan:
    index: tuple[tuple[SourceFile, str], ...]  # (file, sha256): new or changed content
    touch: tuple[FileRecord, ...]  # stat moved, content did not: record the new stat only
    delete: tuple[str, ...]  # indexed before, gone (or now skipped) now
    unchanged: int
    skipped: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)  # reason -> the paths left out

    @property
    def is_empty(self) -> bool:
        return not (self.index or self.touch or self.delete)

    @property
    def changed_paths(self) -> list[str]:
        return sorted([f.path for f, _ in self.index] + list(self.delete))


def make_plan(root: Path, walked: WalkResult, known: dict[str, FileRecord], full: bool = False,
              incomplete: frozenset[str] = frozenset()) -> Plan:
    index: list[tuple[SourceFile, str]] = []
    touch: list[FileRecord] = []
    skipped = {reason: list(paths) for reason, paths in walked.skipped.items()}
    unchanged = 0
    present: set[str] = set()
    for f in walked.files:
        old = None if full else known.get(f.path)
        if (old is not None and old.size == f.size and old.mtime_ns == f.mtime_ns and old.language == f.language
                and f.path not in incomplete):
            present.add(f.path)
            unchanged += 1
            continue
        try:
            data = (root / f.path).read_bytes()
        except OSError:
            skipped.setdefault("unreadable", []).append(f.path)
            continue
        reason = content_skip_reason(data, f.language)
        if reason is not None:
            skipped.setdefault(reason, []).append(f.path)
            continue
        present.add(f.path)
        sha = hashlib.sha256(data).hexdigest()
        if old is not None and old.sha256 == sha and old.language == f.language and f.path not in incomplete:
            touch.append(FileRecord(f.path, f.language, f.size, f.mtime_ns, sha, old.parse_errors))
            unchanged += 1
        else:
            index.append((f, sha))
    delete = tuple(sorted(p for p in known if p not in present)) if not full else ()
    return Plan(tuple(index), tuple(touch), delete, unchanged,
                {reason: tuple(paths) for reason, paths in skipped.items()})
