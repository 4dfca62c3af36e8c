"""One build at a time per index, and a full rebuild's swap that died half-way is put right."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_repo

from codeidx.cli import cli
from codeidx.core.errors import CodeidxError
from codeidx.index import Index

FILES = {
    "app/pricing.py": "def apply_discount(amount, percent):\n    return amount * (100 - percent) / 100\n",
    "app/cart.py": "from app.pricing import apply_discount\n\n\ndef total(items):\n"
                   "    return apply_discount(sum(items), 10)\n",
}


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "app", FILES)


def test_a_second_build_while_one_runs_is_refused_in_one_line(repo: Path) -> None:
    running, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def hold(progress: object) -> None:  # the first build waits here, mid-way, holding the lock
        running.set()
        release.wait(120)

    def first_build() -> None:
        with Index.open(repo) as index:
            outcome.append(index.build(on_progress=hold))

    thread = threading.Thread(target=first_build)
    thread.start()
    try:
        assert running.wait(120), "the first build never reported progress"
        second = CliRunner().invoke(cli, ["build", str(repo)], catch_exceptions=False)
        assert second.exit_code == 1
        [line] = second.stderr.strip().splitlines()
        assert f"another codeidx build is running on {repo}" in line and "wait for it to finish" in line
        with pytest.raises(CodeidxError, match="another codeidx build is running"), Index.open(repo) as index:
            index.build(full=True)
    finally:
        release.set()
        thread.join(120)
    [summary] = outcome
    assert summary.files_indexed == 2  # the first build was not disturbed
    with Index.open(repo) as index:
        assert index.build().files_indexed == 0  # and once it is done, the next build runs


def torn_swap(repo: Path) -> Path:
    """What a full rebuild killed between the two renames of its swap leaves: `index.old`, no `index`."""
    home = repo / ".codeidx"
    (home / "index").rename(home / "index.old")
    return home


def test_a_reader_puts_back_an_index_whose_swap_was_interrupted(repo: Path) -> None:
    with Index.open(repo) as index:
        index.build()
    home = torn_swap(repo)
    with Index.open(repo) as index:
        assert index.search("apply_discount", k=1)[0].qualified_name == "apply_discount"
    assert (home / "index" / "index.db").is_file() and not (home / "index.old").exists()


def test_a_build_after_an_interrupted_swap_resumes_from_the_old_index(repo: Path) -> None:
    with Index.open(repo) as index:
        index.build()
    home = torn_swap(repo)
    shutil.copytree(home / "index.old", home / "index.new")  # a staged build may be left beside it too
    with Index.open(repo) as index:
        summary = index.build()
        assert not summary.full and summary.files_indexed == 0  # the old index came back whole
        assert index.search("total", k=1)[0].path == "app/cart.py"
    assert not (home / "index.old").exists()
    with Index.open(repo) as index:
        assert index.build(full=True).full
    assert not (home / "index.new").exists() and not (home / "index.old").exists()
