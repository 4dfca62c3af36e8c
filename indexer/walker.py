"""Choose which files of a repository get indexed, and count what was left out and why.

Inside a git work tree the candidates are what git tracks plus untracked files it does not
ignore; elsewhere every file, with `.gitignore` rules honoured. Secrets are never indexed, so
that no key or password can reach a payload, a prompt or a model.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pathspec

from codeidx.core.models import SourceFile
from codeidx.core.secrets import has_private_key, is_secret_path
from codeidx.indexer.languages import HEAD_BYTES, language_for, needs_head, sniffed_language

# Minified or generated files (a few enormous lines) cost embedding time and answer nothing;
# one long literal in an otherwise normal file must not exclude it.
MAX_MEAN_LINE_CHARS = 250
MAX_LINE_CHARS = 20_000
# A page a tool wrote (javadoc, Doxygen, typedoc, Sphinx's docutils, MkDocs, Hugo, Jekyll, coverage
# reports) names it: committed API docs and sites are hundreds of pages, each costing the embedder
# what a template does, and the code they were made from is in the index already. A template that
# writes the tag fills it in (`{{ hugo.Generator }}`, `v{{ jekyll.version }}`), so the content must be
# plain text.
_GENERATOR = re.compile(rb"""<meta\s+name\s*=\s*["']?generator["']?\s+content\s*=\s*["'][^"'{}<%$]*["']""", re.I)


@dataclass(frozen=True)
class WalkResult:
    files: tuple[SourceFile, ...]
    skipped: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)  # reason -> the paths left out


def walk(root: Path, index_dir: str, max_file_bytes: int, exclude: tuple[str, ...] = ()) -> WalkResult:
    """Stat every candidate file under `root`; read nothing but the first bytes of a file whose suffix
    does not tell its language (languages.needs_head)."""
    root = root.resolve()
    skipped: dict[str, list[str]] = {}
    extra = pathspec.GitIgnoreSpec.from_lines(exclude) if exclude else None
    files: list[SourceFile] = []
    for rel in sorted(_candidates(root)):
        reason = _skip_by_name(rel, index_dir, extra)
        if reason is None:
            reason, found = _stat(root, rel, max_file_bytes)
        if reason is not None:
            skipped.setdefault(reason, []).append(rel)
            continue
        files.append(found)
    return WalkResult(tuple(files), {reason: tuple(paths) for reason, paths in skipped.items()})


def content_skip_reason(data: bytes, language: str = "") -> str | None:
    """Reasons to leave a file out that only its bytes can tell."""
    head = data[:8192]
    if b"\x00" in head:
        return "binary"
    if has_private_key(data):
        return "secret"
    lines = data.split(b"\n")
    if len(data) / len(lines) > MAX_MEAN_LINE_CHARS or max(map(len, lines)) > MAX_LINE_CHARS:
        return "generated"
    if language == "html" and _GENERATOR.search(head):
        return "generated"
    return None


def _skip_by_name(rel: str, index_dir: str, extra: pathspec.PathSpec | None) -> str | None:
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:  # listed with surrogateescape: a name that no index, payload or prompt can hold
        return "bad file name"
    if not rel.isprintable():  # control characters: printed, the name would drive the reader's terminal
        return "bad file name"
    parts = PurePosixPath(rel).parts
    if ".git" in parts or parts[0] == index_dir:
        return "internal"
    if is_secret_path(rel):
        return "secret"
    if extra is not None and extra.match_file(rel):
        return "excluded"
    return None


def _stat(root: Path, rel: str, max_file_bytes: int) -> tuple[str | None, SourceFile | None]:
    path = root / rel
    try:
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                return "symlink outside repository", None
        st = path.stat()
    except OSError:
        return "unreadable", None
    if not path.is_file():
        return "not a file", None
    if not os.access(path, os.R_OK):
        return "unreadable", None
    if st.st_size > max_file_bytes:
        return "too large", None
    language = _sniffed_language(path, rel) if needs_head(rel) else language_for(rel)
    if language is None:
        return "unsupported type", None
    return None, SourceFile(path=rel, language=language, size=st.st_size, mtime_ns=st.st_mtime_ns)


def _sniffed_language(path: Path, rel: str) -> str | None:
    """The language of a file whose first bytes decide it (languages.needs_head); only they are read."""
    try:
        with path.open("rb") as f:
            return sniffed_language(rel, f.read(HEAD_BYTES))
    except OSError:
        return None


def _candidates(root: Path) -> list[str]:
    git = _git_files(root)
    return git if git is not None else _walk_with_gitignore(root)


def _git_files(root: Path) -> list[str] | None:
    """Tracked plus untracked-but-not-ignored files, or None when `root` is not in a git work tree."""
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "-c", "core.quotepath=off", "ls-files", "-z", "--cached", "--others",
             "--exclude-standard"],
            capture_output=True, check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    # Paths come relative to `root`, also when it is a subfolder of a repository. Deleted but
    # still tracked files are listed too; the stat step drops them.
    return sorted({p for p in out.decode("utf-8", "surrogateescape").split("\0") if p})


def _walk_with_gitignore(root: Path) -> list[str]:
    found: list[str] = []
    specs: list[tuple[str, pathspec.PathSpec]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        ignore_file = Path(dirpath) / ".gitignore"
        if ignore_file.is_file():
            lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
            specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(lines)))

        def ignored(rel: str, is_dir: bool) -> bool:
            for base, spec in specs:
                if base and not rel.startswith(base + "/"):
                    continue
                sub = rel[len(base) + 1:] if base else rel
                if spec.match_file(sub + ("/" if is_dir else "")):
                    return True
            return False

        dirnames[:] = sorted(d for d in dirnames if d != ".git" and not ignored(_join(rel_dir, d), True))
        found.extend(r for r in (_join(rel_dir, f) for f in filenames) if not ignored(r, False))
    return found


def _join(base: str, name: str) -> str:
    return f"{base}/{name}" if base else name
