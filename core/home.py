"""The folders codeidx keeps its own files in, and the proof that it made them.

Per user: the cache (`cache_dir`) of embeddings and exported models. Per repository: the index folder.

codeidx writes `.gitignore`s and deletes old indexes only inside a folder it made, which a marker
file written when it made the folder proves.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from codeidx.core.errors import CodeidxError

MARKER = ".codeidx-owned"
# What codeidx kept in its folder before the marker existed: such a folder is adopted, not refused.
OLDER_LAYOUT = frozenset({".gitignore", "lock", "index", "index.new", "index.old", "runs", "worktrees"})


def cache_dir(configured: str | None) -> Path:
    """The per-user cache folder (`Config.cache_dir`, default ~/.cache/codeidx), made if missing."""
    path = Path(configured).expanduser() if configured else Path.home() / ".cache" / "codeidx"
    path.mkdir(parents=True, exist_ok=True)
    return path


def index_home(root: Path, index_dir: str) -> Path:
    """`root/index_dir`, refused unless it names a folder inside the repository other than its root."""
    folder = root / index_dir
    inside = folder.resolve()  # a symlink pointing out of the repository does not count as inside
    if Path(index_dir).is_absolute() or inside == root.resolve() or not inside.is_relative_to(root.resolve()):
        raise CodeidxError(f"index_dir {index_dir!r} must name a folder inside the repository {root}, "
                           f"not the repository itself nor a place outside it (the default is .codeidx)")
    return folder


def ensure_home(folder: Path) -> Path:
    """Make `folder` codeidx's own (the marker, and a `.gitignore` of `*` so git ignores it), or check
    that it already is; then codeidx may write and delete inside it. Returns `folder`.

    A symlink, or a folder with files that codeidx did not make, is refused with a CodeidxError.
    """
    if folder.is_symlink():
        raise CodeidxError(f"{folder} is a symlink: codeidx keeps its files only in a folder it makes itself")
    if not owns(folder):
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())) and not _made_by_older_codeidx(folder):
            raise CodeidxError(
                f"{folder} exists and was not made by codeidx, so codeidx will not write or delete in it: "
                f"move it away (delete it if it is an index from an older codeidx) or set index_dir elsewhere")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MARKER).write_text("codeidx made this folder: it writes and deletes only in folders with this file\n")
    # codeidx makes no links: one here (say, index.new -> /elsewhere, committed beside a forged marker)
    # would take its writes and deletes out of the folder.
    links = sorted(entry.name for entry in folder.iterdir() if entry.is_symlink())
    if links:
        raise CodeidxError(f"{folder} holds symlinks codeidx did not make ({', '.join(links)}): remove them")
    (folder / ".gitignore").write_text("*\n")
    return folder


def owns(folder: Path) -> bool:
    marker = folder / MARKER
    return marker.is_file() and not marker.is_symlink()


def _made_by_older_codeidx(folder: Path) -> bool:
    """A folder holding only what an older codeidx wrote there, its `.gitignore` of `*` included."""
    if not folder.is_dir() or (folder / ".gitignore").is_symlink():
        return False
    names = {entry.name for entry in folder.iterdir()}
    ignore = folder / ".gitignore"
    return ".gitignore" in names and names <= OLDER_LAYOUT and ignore.read_text(errors="replace") == "*\n"


def remove_tree(folder: Path) -> None:
    """Delete a copy of a repository codeidx made (a clone, a scratch checkout), errors ignored. What a
    repository's tests write there may nest a thousand folders deep, where `shutil.rmtree`, which
    recurses, ends in a RecursionError: then `rm -rf` finishes the job."""
    try:
        shutil.rmtree(folder, ignore_errors=True)
    except RecursionError:
        subprocess.run(["rm", "-rf", "--", str(folder)], check=False)
