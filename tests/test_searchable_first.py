"""A build makes the index searchable before it embeds it, and other processes can ask meanwhile.

The lexical phase (parsing, keyword vectors, the graph) takes seconds; the dense phase adds the
vectors group by group. These tests run a real build in a real subprocess and read the index from
this process while it embeds, as `codeidx ask` or an MCP server in another terminal would.
"""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

from click.testing import CliRunner
from conftest import index_counts, make_repo

from codeidx.cli import cli
from codeidx.index import Index


def _generated(n_files: int) -> dict[str, str]:
    """Modules of fresh text, so that nothing comes from the session's embedding cache."""
    salt = uuid.uuid4().hex
    body = "\n\n".join(
        f"def route_{i}_{{n}}(request):\n    \"\"\"Route request kind {i} of batch {{n}} ({salt}) to its handler,"
        f" checking the session, the quota and the permissions first.\"\"\"\n"
        f"    session = request.session\n    return request.dispatch({i}, {{n}}, session)" for i in range(4))
    return {f"svc/mod_{n}.py": body.format(n=n) for n in range(n_files)} | {"README.md": "# service\n"}


def test_another_process_asks_while_the_first_build_embeds(tmp_path: Path) -> None:
    files = _generated(150)
    repo = make_repo(tmp_path / "svc", files)
    proc = subprocess.Popen([sys.executable, "-m", "codeidx", "build", str(repo)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    db = repo / ".codeidx" / "index" / "index.db"
    deadline = time.monotonic() + 300
    while index_counts(db)[0] < len(files) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the build finished before it could be asked"
    with Index.open(repo) as index:
        status = index.status()
        assert status.building and status.files == len(files) and status.dense_coverage < 1
        assert status.changed == ()  # the files the build has yet to embed are not "changed since the build"
        answer = index.ask("route_3_121", files=True)
        assert answer.files[0].path == "svc/mod_121.py" and answer.dense_coverage < 1
        assert "still being embedded" in answer.markdown and "changed since" not in answer.markdown
    text = CliRunner().invoke(cli, ["status", str(repo)], catch_exceptions=False).output
    assert "a build is running" in text or "up to date" in text  # it may finish while the status runs
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr[-2000:]
    with Index.open(repo) as index:
        status = index.status()
        assert status.dense_coverage == 1.0 and not status.building and status.built_at
        answer = index.ask("which function routes request kind 3 of batch 121 to its handler?", files=True)
        assert answer.dense_coverage == 1.0 and "still being embedded" not in answer.markdown
        assert any("dense" in h.reasons for h in answer.hits)


def test_an_index_from_before_the_dense_flag_counts_as_fully_embedded(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "svc", _generated(3))
    with Index.open(repo) as index:
        index.build()
    with sqlite3.connect(repo / ".codeidx" / "index" / "index.db") as conn:
        conn.execute("ALTER TABLE chunks DROP COLUMN dense")
    with Index.open(repo) as index:
        assert index.status().dense_coverage == 1.0
        assert index.build().files_indexed == 0


def test_a_first_build_that_fails_before_storing_a_file_leaves_no_index(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "svc", _generated(2))
    result = CliRunner().invoke(cli, ["build", str(repo), "--embed-model", str(tmp_path / "no-model")])
    assert result.exit_code == 1 and "cannot load embedding model" in result.stderr
    assert not (repo / ".codeidx" / "index").exists()
    assert CliRunner().invoke(cli, ["build", str(repo)]).exit_code == 0
