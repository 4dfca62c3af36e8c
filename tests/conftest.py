"""Shared fixtures. No test touches a real home folder, the network or a model hub."""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pytest

from codeidx.cli.common import setup_process

if TYPE_CHECKING:
    from codeidx.index import Index

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
setup_process()  # what the entry point sets for the whole process (tiktoken's encodings), set for the tests too
# Module-scoped fixtures run before the autouse one below: even they must not read a real user config.
os.environ["CODEIDX_CONFIG_DIR"] = os.path.join(tempfile.gettempdir(), f"codeidx-test-config-{os.getpid()}")


@pytest.fixture(scope="session")
def embedding_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One content-addressed embedding cache for the whole session: tests share what they embed."""
    return tmp_path_factory.mktemp("embedding-cache")


@pytest.fixture(scope="session", autouse=True)
def _session_user_dirs(tmp_path_factory: pytest.TempPathFactory, embedding_cache_dir: Path) -> Iterator[None]:
    """Module-scoped fixtures (an index built once for a module's tests) run before the per-test
    isolation below: they get a temporary home and the shared cache too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CODEIDX_CACHE_DIR", str(embedding_cache_dir))
        patch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
        yield


@pytest.fixture(autouse=True)
def _isolated_user_dirs(monkeypatch: pytest.MonkeyPatch, embedding_cache_dir: Path, tmp_path: Path) -> None:
    monkeypatch.setenv("CODEIDX_CACHE_DIR", str(embedding_cache_dir))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CODEIDX_CONFIG_DIR", str(tmp_path / "home" / ".config" / "codeidx"))


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def make_repo(root: Path, files: dict[str, str], commit: bool = True) -> Path:
    """A real git repository in `root` holding `files`, committed once."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "test@example.com")
    git(root, "config", "user.name", "Test")
    if commit:
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "initial")
    return root


def index_counts(db: Path) -> tuple[int, int]:
    """(files stored, chunks still without their dense vector) in an index.db, read as another process
    would read it while a build writes."""
    import sqlite3

    try:
        with sqlite3.connect(db) as conn:
            return (conn.execute("SELECT COUNT(*) FROM files").fetchone()[0],
                    conn.execute("SELECT COUNT(*) FROM chunks WHERE dense=0").fetchone()[0])
    except sqlite3.Error:
        return 0, 0


def built_index(factory: pytest.TempPathFactory, name: str, files: dict[str, str]) -> Iterator[Index]:
    """For a module-scoped fixture: a repository of `files`, indexed once, open for the module's reads."""
    from codeidx.index import Index

    with Index.open(make_repo(factory.mktemp(name) / "repo", files)) as index:
        index.build()
        yield index
