"""Rules that have one home each (#12): each test drives the rule through the code that uses it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_repo

from codeidx.agent.audit import TEXT_LIMIT, summarize
from codeidx.agent.workspace import git
from codeidx.cli import cli
from codeidx.core.errors import CodeidxError, first_line
from codeidx.core.text import head_and_tail
from codeidx.indexer import chunker
from codeidx.indexer.embed_cache import EmbeddingCache, embed_with_cache
from codeidx.retriever.tokens import bundled_encodings


def test_long_text_keeps_head_and_tail_around_a_count_of_what_was_cut():
    text = "HEAD" + "x" * 20_000 + "TAIL"
    kept = summarize(text)
    assert kept.startswith("HEAD") and kept.endswith("TAIL")
    assert f"\n... [{len(text) - TEXT_LIMIT} characters cut] ...\n" in kept
    assert summarize("short") == "short" and head_and_tail("abc", 3) == "abc"


def test_text_already_cut_by_the_sandbox_gets_the_marker_between_its_halves():
    # The sandbox hands back the first and last bytes of a long output and how many it left out.
    kept = head_and_tail("first half|second half", 6000, cut=12345, unit="bytes")
    assert kept == "first half|\n... [12345 bytes cut] ...\nsecond half"


def test_one_line_of_an_error_is_its_first_or_for_git_its_last(tmp_path: Path):
    assert first_line(ValueError("\n  bad value\ntraceback detail")) == "bad value"
    assert first_line(TimeoutError()) == "TimeoutError"
    assert first_line("Cloning into 'x'...\nfatal: repository 'y' does not exist\n", last=True) == \
        "fatal: repository 'y' does not exist"
    make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    with pytest.raises(CodeidxError, match=r"git checkout failed in .*: error: pathspec 'nope' did not match"):
        git(tmp_path / "r", "checkout", "nope")


def test_the_agents_git_ignores_the_users_config_and_the_benchmarks_git_honours_it(tmp_path: Path, monkeypatch):
    user_config = tmp_path / "gitconfig"
    user_config.write_text("[codeidx]\n\tprobe = from-the-user\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(user_config))
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    assert git(repo, "config", "codeidx.probe", clean=False).strip() == "from-the-user"
    assert git(repo, "config", "codeidx.probe", check=False) == ""


def test_an_unknown_setting_warns_naming_the_closest_one(tmp_path: Path):
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n", ".codeidx.toml": "embed_modle = 'x'\nbudget = 900\n"})
    result = CliRunner().invoke(cli, ["status", str(repo)])
    assert (f"codeidx: unknown setting embed_modle in {repo / '.codeidx.toml'} (did you mean embed_model?)\n"
            in result.stderr)
    assert "ignoring" not in result.stderr  # a typo needs fixing, not trust
    config_dir = Path(os.environ["CODEIDX_CONFIG_DIR"])
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text("qwertyuiop = 1\n")
    result = CliRunner().invoke(cli, ["status", str(repo)])
    assert f"codeidx: unknown setting qwertyuiop in {config_dir / 'config.toml'}\n" in result.stderr


def test_an_error_is_one_line_and_with_debug_its_traceback_and_cause(tmp_path: Path):
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n", ".codeidx.toml": "budget = = 3\n"})
    plain = CliRunner().invoke(cli, ["status", str(repo)])
    assert plain.exit_code == 1 and "Traceback" not in plain.stderr
    assert plain.stderr.startswith("Error: cannot read configuration in") and plain.stderr.count("\n") == 1
    debug = CliRunner().invoke(cli, ["--debug", "status", str(repo)])
    assert debug.exit_code == 1 and "Traceback" in debug.stderr
    assert "TOMLDecodeError" in debug.stderr and "direct cause" in debug.stderr  # the cause is kept
    assert "codeidx.core.errors.CodeidxError: cannot read configuration in" in debug.stderr


def test_the_command_line_points_tiktoken_at_the_encodings_litellm_ships(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("LITELLM_LOCAL_MODEL_COST_MAP", raising=False)
    CliRunner().invoke(cli, ["status", str(tmp_path)])
    assert os.environ["TIKTOKEN_CACHE_DIR"] == bundled_encodings()
    assert os.path.isdir(bundled_encodings())
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"  # no price list fetched from GitHub at start


class _CountingEmbedder:
    name = "counting"
    dim = 2

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens
        self.embedded: list[str] = []

    def embed(self, texts):
        self.embedded += texts
        return [[float(len(t)), float(self.max_tokens)] for t in texts]

    def count_tokens(self, texts):
        return [len(t.split()) for t in texts]


def test_a_cached_vector_is_served_only_for_the_same_text_format_and_window(tmp_path: Path, monkeypatch):
    cache = EmbeddingCache(tmp_path / "cache.db")
    texts, hashes = ["def f(): pass"], ["h1"]
    first = _CountingEmbedder(256)
    embed_with_cache(first, cache, texts, hashes)
    again = _CountingEmbedder(256)
    assert embed_with_cache(again, cache, texts, hashes)[1] == 0 and again.embedded == []
    wider = _CountingEmbedder(512)
    vectors, embedded, _ = embed_with_cache(wider, cache, texts, hashes)
    assert embedded == 1 and vectors == [[13.0, 512.0]]
    monkeypatch.setattr(chunker, "EMBED_TEXT_VERSION", chunker.EMBED_TEXT_VERSION + 1)
    assert embed_with_cache(_CountingEmbedder(256), cache, texts, hashes)[1] == 1
    cache.close()
