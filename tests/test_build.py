"""`codeidx build` end to end: real tree-sitter, the real model, the embedded Qdrant Edge store."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import git, index_counts, make_repo

from codeidx.cli import cli
from codeidx.core.config import Config
from codeidx.core.errors import IndexMismatchError, NoIndexError
from codeidx.index import Index

FILES = {
    "shop/cart.py": '''"""Shopping cart."""
from shop.pricing import apply_discount


class Cart:
    """Holds items and computes totals."""

    def __init__(self):
        self.items = []

    def add(self, name, price):
        self.items.append((name, price))

    def total(self, code=None):
        subtotal = sum(p for _, p in self.items)
        return apply_discount(subtotal, code)
''',
    "shop/pricing.py": '''def apply_discount(amount, code):
    """Apply a percentage discount code such as SAVE10."""
    if code and code.startswith("SAVE"):
        return amount * (100 - int(code[4:])) / 100
    return amount
''',
    "web/server.go": '''package web

import "net/http"

// Handler serves the cart page.
type Handler struct{ Name string }

// ServeHTTP writes a greeting.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte("hello " + h.Name))
}
''',
    "ui/widget.ts": '''export interface Widget { render(): string }

export class Button implements Widget {
  constructor(private label: string) {}
  render(): string { return `<button>${this.label}</button>` }
}
''',
    "README.md": "# Shop\n\nA tiny shop.\n\n## Discounts\n\nCodes like SAVE10 take ten percent off.\n",
}


def chunk_count(index: Index) -> int:
    return index.graph.counts()["chunks"]


def assert_consistent(root: Path) -> None:
    """Every chunk the graph knows is in the store, and nothing else is."""
    with Index.open(root) as index:
        assert index.store.count() == chunk_count(index)
        ids = [r[0] for r in index.graph.db.execute("SELECT id FROM chunks")]
        assert len(index.store.retrieve(ids)) == len(ids)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "shop", FILES)


def test_first_build_indexes_every_language_and_a_second_does_nothing(repo: Path) -> None:
    with Index.open(repo) as index:
        summary = index.build()
    assert summary.full and summary.files_indexed == 5 and summary.files_total == 5
    assert set(summary.chunks_by_language) >= {"python", "go", "typescript", "markdown"}
    assert summary.symbols >= 8 and summary.chunks >= 8
    with Index.open(repo) as index:
        names = {s.qualified_name for s in index.graph.all_symbols()}
        assert {"Cart", "Cart.total", "apply_discount", "Handler", "Button.render"} <= names
        assert index.status().changed == ()
        again = index.build()
    assert (again.files_indexed, again.chunks_embedded, again.files_deleted) == (0, 0, 0)
    assert (repo / ".codeidx" / ".gitignore").read_text() == "*\n"
    assert git(repo, "status", "--porcelain") == ""
    assert_consistent(repo)


def test_edit_add_delete_and_rename_update_exactly_the_affected_files(repo: Path) -> None:
    with Index.open(repo) as index:
        index.build()
        before = {r[0]: r[1] for r in index.graph.db.execute("SELECT id, path FROM chunks")}
    (repo / "shop" / "pricing.py").write_text(FILES["shop/pricing.py"] + "\n\ndef tax(amount):\n    return amount * 0.2\n")
    (repo / "shop" / "refunds.py").write_text("def refund(order):\n    return order.total() * -1\n")
    (repo / "README.md").unlink()
    git(repo, "mv", "ui/widget.ts", "ui/button.ts")
    with Index.open(repo) as index:
        assert set(index.status().changed) == {"shop/pricing.py", "shop/refunds.py", "README.md",
                                               "ui/widget.ts", "ui/button.ts"}
        summary = index.build()
        after = {r[0]: r[1] for r in index.graph.db.execute("SELECT id, path FROM chunks")}
        names = {s.qualified_name for s in index.graph.all_symbols()}
    assert summary.files_indexed == 3 and summary.files_deleted == 2 and not summary.full
    assert {"tax", "refund", "Button.render"} <= names
    assert not any(p in ("README.md", "ui/widget.ts") for p in after.values())
    # Chunks of untouched files keep their ids: nothing else was re-stored.
    untouched = {i for i, p in before.items() if p in ("shop/cart.py", "web/server.go")}
    assert untouched <= set(after)
    assert_consistent(repo)


def test_branch_switch_reuses_cached_embeddings(repo: Path) -> None:
    with Index.open(repo) as index:
        index.build()
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "shop" / "cart.py").write_text(FILES["shop/cart.py"].replace("self.items = []", "self.items = list()"))
    git(repo, "commit", "-qam", "feature")
    with Index.open(repo) as index:
        on_feature = index.build()
    git(repo, "checkout", "-q", "main")
    with Index.open(repo) as index:
        back = index.build()
    assert on_feature.files_indexed == 1 and on_feature.chunks_embedded >= 1
    assert back.files_indexed == 1 and back.chunks_embedded == 0
    assert_consistent(repo)


def test_full_rebuild_replaces_the_index_and_keeps_the_cache(repo: Path) -> None:
    with Index.open(repo) as index:
        first = index.build()
        full = index.build(full=True)
    assert full.full and full.chunks == first.chunks and full.chunks_embedded == 0
    assert not (repo / ".codeidx" / "index.new").exists()
    assert_consistent(repo)


def test_syntax_errors_and_bad_encodings_do_not_stop_the_build(repo: Path) -> None:
    (repo / "broken.py").write_text("def good():\n    return 1\n\ndef bad(:\n    pass\n")
    (repo / "latin1.py").write_bytes("def caf\xe9():\n    return '\xe9'\n".encode("latin-1"))
    with Index.open(repo) as index:
        summary = index.build()
        names = {s.qualified_name for s in index.graph.all_symbols()}
    assert summary.files_indexed == 7 and summary.parse_errors >= 1
    assert "good" in names


def test_a_different_model_is_refused_until_full(repo: Path) -> None:
    with Index.open(repo) as index:
        index.build()
    with pytest.raises(IndexMismatchError, match="--full"):
        Index.open(repo, embed_max_tokens=128).build()


def test_ask_before_build_says_to_build(repo: Path) -> None:
    with pytest.raises(NoIndexError, match="codeidx build"):
        Index.open(repo).status()


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codeidx", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600)


def test_cli_json_summary_and_status(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(repo), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["files_indexed"] == 5 and data["chunks"] >= 8 and "skipped" in data
    # Each stage reports its busy time, so a user can see what bounds the build.
    assert {"parse", "embed", "write"} <= set(data["stage_seconds"]) and sum(data["stage_seconds"].values()) > 0
    status = CliRunner().invoke(cli, ["status", str(repo), "--json"], catch_exceptions=False)
    assert json.loads(status.output)["changed"] == []
    # Status says how ask will rank the files: the code first, the README as context.
    assert json.loads(status.output)["lanes"] == {"code": 4, "context": 1}
    shown = CliRunner().invoke(cli, ["status", str(repo)], catch_exceptions=False).output
    assert "ranked as: code 4, context (docs, data, examples) 1\n" in shown
    # An update counts what it parsed, which is not what the index holds.
    again = CliRunner().invoke(cli, ["build", str(repo)], catch_exceptions=False)
    assert "0 parsed" in again.output and "from the files parsed: 0 symbols, 0 chunks" in again.output


@pytest.mark.parametrize("args, message", [
    (["build", "/no/such/dir"], "no such directory"),
    (["build", "{file}"], "not a directory"),
    (["build", "{repo}", "--embed-model", "/no/such/model"], "cannot load embedding model"),
    (["build", "{repo}", "--qdrant-url", "http://127.0.0.1:9"], "cannot reach Qdrant"),
    (["status", "{repo}"], "codeidx build"),
])
def test_bad_input_is_one_line_and_non_zero(repo: Path, args: list[str], message: str) -> None:
    args = [a.format(repo=repo, file=repo / "README.md") for a in args]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (repo / ".codeidx" / "index").exists()


def test_a_real_build_process_fails_in_one_line(repo: Path) -> None:
    """`python -m codeidx build` itself, once: the entry point, its exit status and its stderr."""
    result = run_cli("build", str(repo), "--embed-model", "/no/such/model")
    assert result.returncode == 1 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert "cannot load embedding model" in line and "Traceback" not in result.stderr
    assert not (repo / ".codeidx" / "index").exists()


def test_failed_model_load_leaves_the_previous_index_untouched(repo: Path) -> None:
    with Index.open(repo) as index:
        index.build()
        chunks = chunk_count(index)
    result = CliRunner().invoke(cli, ["build", str(repo), "--full", "--embed-model", "/no/such/model"])
    assert result.exit_code == 1
    with Index.open(repo) as index:
        assert chunk_count(index) == chunks
    assert_consistent(repo)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_an_interrupted_build_leaves_a_usable_index_and_resumes(repo: Path, sig: int) -> None:
    with Index.open(repo) as index:
        index.build()
    # 120 files of a few symbols each, two embedding groups: the signal comes once every file is
    # stored (the lexical phase) and before the last vector is. Each signal's own text: from the
    # session's embedding cache the rest of a build takes milliseconds, and the signal could come
    # after it finished.
    body = "\n\n".join(f"def handler_{i}_{{n}}(request):\n    '''Handle request kind {i} after signal {sig}.'''\n"
                       f"    return request.reply({i} * {{n}})" for i in range(3))
    for n in range(120):
        (repo / "gen" / f"mod_{n}.py").parent.mkdir(exist_ok=True)
        (repo / "gen" / f"mod_{n}.py").write_text(body.format(n=n))
    # Ctrl-C as at a terminal: a shell starts background jobs (a CI script's, say) with SIGINT ignored,
    # and the build would inherit that and run on.
    proc = subprocess.Popen([sys.executable, "-m", "codeidx", "build", str(repo)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    db = repo / ".codeidx" / "index" / "index.db"
    deadline = time.monotonic() + 300
    while index_counts(db)[0] < 125 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode != 0 and "Traceback" not in stderr, (proc.returncode, index_counts(db), stderr[-2000:])
    assert_consistent(repo)
    files, waiting = index_counts(db)
    assert files == 125 and waiting > 0
    with Index.open(repo) as index:
        # Searchable before it is embedded: the new files answer by name, and the answer says what is missing.
        status = index.status()
        assert status.dense_coverage < 1 and not status.building and status.changed == ()
        answer = index.ask("handler_2_77", files=True)
        assert answer.files[0].path == "gen/mod_77.py" and 0 < answer.dense_coverage < 1
        assert "still being embedded" in answer.markdown
        incomplete = index.graph.incomplete_paths()
        resumed = index.build()
        # Only the files left without vectors go through again, and only what was not embedded yet is embedded.
        assert resumed.files_indexed == len(incomplete) and 0 < resumed.chunks_embedded <= waiting
        assert index.status().dense_coverage == 1.0
    assert_consistent(repo)


class HashEmbedder:
    """Vectors from a hash of the text: no model to load, and enough for searches by name."""

    name = "test-hash"
    dim = 16
    max_tokens = 256

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return [b / 255 + 0.01 for b in hashlib.sha256(text.encode()).digest()[:self.dim]]

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(t.split()) for t in texts]


@pytest.mark.filterwarnings("ignore:Payload indexes have no effect:UserWarning")  # local mode
def test_an_index_builds_and_searches_with_the_embedder_and_store_it_is_given(tmp_path: Path) -> None:
    from qdrant_client import QdrantClient

    from codeidx.indexer.store_server import ServerStore

    repo = make_repo(tmp_path / "shop", FILES)
    store = ServerStore(QdrantClient(location=":memory:"), "given", HashEmbedder.dim)
    with Index(repo, Config.load(repo), embedder=HashEmbedder(), store=store) as index:
        built = index.build()
        assert built.store == "given" and store.count() == built.chunks
        assert index.search("apply_discount", k=3)[0].qualified_name == "apply_discount"
        (repo / "shop" / "pricing.py").write_text("def apply_coupon(amount):\n    return amount\n")
        assert index.build().full is False  # no shard in the index's folder, and none expected
        assert index.search("apply_coupon", k=3)[0].qualified_name == "apply_coupon"
        status = index.status()
    assert built.model == status.model == "test-hash"  # the embedder that made the vectors, not the configured one
    assert store.count() == status.chunks  # closing the index left the given store open for its owner
    store.close()


def test_parse_workers_store_what_the_parse_thread_stores(tmp_path: Path, monkeypatch) -> None:
    """On a machine with cores to spare, worker processes parse: the same chunks, graph and keyword vectors."""
    from codeidx.indexer import builder

    def index_of(repo: Path) -> tuple[set, set, set]:
        with Index.open(repo) as index:
            built = index.build()
            assert built.files_indexed == len(FILES)
            chunks = {tuple(r) for r in index.graph.db.execute("SELECT id, path, qualified_name, start_line FROM chunks")}
            symbols = {(s.path, s.qualified_name, s.signature) for s in index.graph.all_symbols()}
            # A set: the store orders points of equal score either way.
            hits = {(h.path, h.qualified_name) for h in index.search("apply_discount", k=5, mode="sparse")}
        return chunks, symbols, hits

    in_thread = index_of(make_repo(tmp_path / "a" / "shop", FILES))
    monkeypatch.setattr(builder, "workers_for", lambda files: 2)
    assert index_of(make_repo(tmp_path / "b" / "shop", FILES)) == in_thread


def test_small_builds_add_up_to_the_optimize_that_vacuums_old_versions(tmp_path: Path) -> None:
    # Twenty files: a build that rewrites two of them (a tenth) optimizes. One edit alone does not,
    # but the next one does: the rewrites since the last optimize add up, as an agent's edits would.
    files = {f"pkg/mod{i:02}.py": f"def value_{i}():\n    return {i}\n" for i in range(20)}
    repo = make_repo(tmp_path / "pkg", files)

    def edit_and_build(index: Index, i: int):
        (repo / f"pkg/mod{i:02}.py").write_text(f"def value_{i}():\n    return {i} + 1\n")
        return index.build()

    with Index.open(repo, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        first = edit_and_build(index, 1)
        second = edit_and_build(index, 2)
        third = edit_and_build(index, 3)
    assert first.files_indexed == second.files_indexed == 1
    assert "optimize" not in first.stage_seconds and "optimize" in second.stage_seconds
    assert "optimize" not in third.stage_seconds  # counted again from the optimize
    with Index.open(repo, cache_dir=str(tmp_path / "cache")) as index:
        index.graph.set_meta(rewritten_since_optimize="lots")  # a damaged or planted count
        assert edit_and_build(index, 4).files_indexed == 1  # counted from zero, not a traceback


def test_an_index_from_before_payload_lanes_gets_them_at_its_next_build(tmp_path: Path) -> None:
    from codeidx.core.models import SearchFilters
    from codeidx.core.paths import LANE_RULE
    from codeidx.indexer.graph import Graph
    from codeidx.indexer.sparse import sparse_query

    repo = make_repo(tmp_path / "shop", {**FILES, "docs/discounts.md": "# Discounts\n\nCodes take a percentage off.\n"})
    with Index.open(repo) as index:
        index.build()
        everything = [c for c in index.graph.chunk_ids(sorted(index.graph.files()))]
        index.store.set_lane(everything, "")  # as if stored before lanes: docs look like code to the store
    graph = Graph(repo / ".codeidx" / "index" / "index.db")
    graph.set_meta(lanes="0")
    graph.close()

    def best_code(index: Index) -> list[str]:
        """The best code-only hit. Unmarked, the docs' point fills the store's one candidate and
        is then dropped by its path."""
        hits = index.store.query(None, sparse_query("discounts codes percentage"), 1, SearchFilters(left_out=("context",)))
        return [h.payload["path"] for h in hits]

    with Index.open(repo) as index:
        assert best_code(index) == []
        index.store.release()
        assert index.build().files_indexed == 0  # nothing re-parsed or re-embedded
        assert index.graph.meta()["lanes"] == LANE_RULE
        assert best_code(index) == ["shop/pricing.py"]


@pytest.mark.parametrize("rule", ["sparse", "symbols"])
def test_an_index_of_an_older_keyword_or_symbol_rule_is_rebuilt_without_embedding_again(tmp_path: Path,
                                                                                        rule: str) -> None:
    from codeidx.indexer.graph import Graph
    from codeidx.indexer.languages import SYMBOL_RULE
    from codeidx.indexer.sparse import SPARSE_RULE

    repo = make_repo(tmp_path / "shop", FILES)
    with Index.open(repo) as index:
        first = index.build()
    graph = Graph(repo / ".codeidx" / "index" / "index.db")
    graph.db.execute("DELETE FROM meta WHERE key = ?", (rule,))  # as an index from before the rule was recorded
    graph.db.commit()
    graph.close()
    with Index.open(repo) as index:
        again = index.build()
        assert again.full and again.chunks == first.chunks and again.chunks_embedded == 0  # from the cache
        assert index.graph.meta()[rule] == {"sparse": SPARSE_RULE, "symbols": SYMBOL_RULE}[rule]
        assert index.build().full is False  # once
    graph = Graph(repo / ".codeidx" / "index" / "index.db")
    graph.db.execute("DELETE FROM meta WHERE key = ?", (rule,))
    graph.db.commit()
    graph.close()
    with Index.open(repo, embed_max_tokens=128) as index:  # another window: every chunk would be embedded again
        with pytest.raises(IndexMismatchError, match="build --full"):
            index.build()


def test_bulk_test_data_is_searchable_by_keywords_without_costing_the_embedder(tmp_path: Path) -> None:
    fixtures = {f"test/fixtures/dialects/ansi/case_{i:03}.yml": f"file:\n  statement:\n    keyword: frame_clause_{i:03}\n"
                for i in range(150)}
    data = {"data/regions.json": '{"regions": ["north", "south"]}\n',
            # a translation catalog in code's clothing (Sphinx ships one per language)
            "shop/locale/de/LC_MESSAGES/shop.js": 'Catalog.add({"Invoice total": "Rechnungsbetrag"});\n'}
    root = make_repo(tmp_path / "shop", {**FILES, **fixtures, **data, "config/settings.yml": "currency: EUR\n"})
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        built = index.build()
        assert built.chunks_keyword_only == 152  # one chunk each; settings.yml is configuration, not bulk data
        assert built.chunks_embedded == built.chunks - 152
        status = index.status()
        assert status.keyword_only == 152 and status.dense_coverage == 1.0
        assert index.search("frame_clause_137", k=3)[0].path == "test/fixtures/dialects/ansi/case_137.yml"
        assert index.search("which regions are there?", k=10, mode="dense")[0].path != "data/regions.json"
        again = index.build()  # none of them waits for a vector that will never come
        assert again.files_indexed == 0 and again.chunks_embedded == 0
    shown = CliRunner().invoke(cli, ["status", str(root)], catch_exceptions=False).output
    assert "152 chunks of test and data files by keywords only" in shown and "up to date" in shown


def test_a_script_with_no_suffix_is_indexed_in_the_language_its_first_line_names(tmp_path: Path) -> None:
    script = '#!/usr/bin/env python3\n"""Restock the shelves."""\n\n\ndef restock_shelves(count):\n    return count\n'
    root = make_repo(tmp_path / "shop", {**FILES, "bin/restock": script, "AUTHORS": "Ada Lovelace\n"})
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        built = index.build()
        assert built.files_indexed == 6 and built.skipped["unsupported type"] == 1  # AUTHORS: no `#!`
        assert "restock_shelves" in {s.qualified_name for s in index.graph.all_symbols()}
        hit = index.search("restock_shelves", k=1)[0]
        assert (hit.path, hit.language, hit.name) == ("bin/restock", "python", "restock_shelves")
