"""Configuration resolution: defaults, the user's file, the repository's file, environment, flags,
each over the one before; and the types of what files and the environment give.

What a repository's file may not set without trust is tested in test_security_config.py."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from codeidx.core.config import Config, read_repo_file
from codeidx.core.errors import CodeidxError


def user_file(text: str) -> Path:
    folder = Path(os.environ["CODEIDX_CONFIG_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(text)
    return folder / "config.toml"


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    return root


def test_each_layer_overrides_the_one_before(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Config.load(repo).budget == Config().budget == 8000
    user_file("budget = 1000\n")
    assert Config.load(repo).budget == 1000
    (repo / ".codeidx.toml").write_text("budget = 2000\n")
    assert Config.load(repo).budget == 2000
    monkeypatch.setenv("CODEIDX_BUDGET", "3000")
    assert Config.load(repo).budget == 3000
    assert Config.load(repo, budget=4000).budget == 4000
    # A flag left unset (None) does not hide what the layers below say.
    assert Config.load(repo, budget=None).budget == 3000


def test_a_layer_sets_only_its_own_keys(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user_file("budget = 1000\ntop_k = 4\n")
    (repo / ".codeidx.toml").write_text("top_k = 5\n")
    monkeypatch.setenv("CODEIDX_TOKENIZER_MODEL", "gpt-4")
    config = Config.load(repo)
    assert (config.budget, config.top_k, config.tokenizer_model) == (1000, 5, "gpt-4")


def test_the_repository_file_wins_over_the_pyproject_table(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.codeidx]\ntop_k = 3\nbudget = 700\n")
    assert read_repo_file(repo) == (repo.resolve() / "pyproject.toml", {"top_k": 3, "budget": 700})
    assert (Config.load(repo).top_k, Config.load(repo).budget) == (3, 700)
    (repo / ".codeidx.toml").write_text("top_k = 6\n")
    config = Config.load(repo)
    assert (config.top_k, config.budget) == (6, 8000)  # the table is not read at all once the file exists


def test_a_pyproject_without_the_table_is_no_configuration(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert read_repo_file(repo) == (None, {})
    assert Config.load(repo) == Config.load(None)


def test_the_environment_is_coerced_to_each_field_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEIDX_TOP_K", " 12 ")
    monkeypatch.setenv("CODEIDX_MAX_COST", "2.5")
    monkeypatch.setenv("CODEIDX_EXCLUDE", "vendor/**, build/** ,")
    monkeypatch.setenv("CODEIDX_ALLOW_NETWORK", "Yes")
    config = Config.load(None)
    assert (config.top_k, config.max_cost) == (12, 2.5)
    assert config.exclude == ("vendor/**", "build/**") and config.allow_network is True
    monkeypatch.setenv("CODEIDX_ALLOW_NETWORK", "0")
    assert Config.load(None).allow_network is False


@pytest.mark.parametrize("where", ["env", "user", "repo"])
def test_a_value_of_the_wrong_type_is_one_error_naming_the_key_and_its_source(
        repo: Path, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if where == "env":
        monkeypatch.setenv("CODEIDX_TOP_K", "many")
        source = "CODEIDX_TOP_K"
    elif where == "user":
        source = str(user_file('top_k = "many"\n'))
    else:
        (repo / ".codeidx.toml").write_text('top_k = "many"\n')
        source = str(repo.resolve() / ".codeidx.toml")
    with pytest.raises(CodeidxError) as caught:
        Config.load(repo)
    message = str(caught.value)
    assert "top_k='many'" in message and "not a valid int" in message and source in message


def test_unreadable_toml_names_the_file(repo: Path) -> None:
    (repo / ".codeidx.toml").write_text("budget = = 3\n")
    with pytest.raises(CodeidxError, match="cannot read configuration in .*\\.codeidx\\.toml"):
        Config.load(repo)


def test_unknown_keys_are_kept_aside_not_refused(repo: Path) -> None:
    user_file("budget = 900\nfuture_setting = 'on'\n")
    config = Config.load(repo)
    assert config.budget == 900 and config.extra == {"future_setting": "on"}
    # From an untrusted repository an unknown key is one more key it may not set.
    (repo / ".codeidx.toml").write_text("later_setting = 1\n")
    assert Config.load(repo).untrusted == ("later_setting",)


def test_an_embedder_prefix_is_bounded(repo: Path) -> None:
    user_file(f'embed_query_prefix = "{"x" * 501}"\n')
    with pytest.raises(CodeidxError, match="embed_query_prefix is 501 characters long") as caught:
        Config.load(repo)
    assert "\n" not in str(caught.value)
