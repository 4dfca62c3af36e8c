"""`codeidx ask` on a real repository whose answers are known."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_repo

from codeidx.cli import cli
from codeidx.core.errors import CodeidxError
from codeidx.core.models import SearchFilters
from codeidx.core.paths import is_changelog, is_context, is_test_path, lane_of
from codeidx.index import Index

FILES = {
    "netlib/__init__.py": "",
    "netlib/retry.py": '''"""Retry policy for outgoing HTTP requests."""
import random
import time


class RetryPolicy:
    """Decide whether a failed request should be attempted again, and when."""

    def __init__(self, attempts=3, backoff=0.5):
        self.attempts = attempts
        self.backoff = backoff

    def should_retry(self, attempt, status):
        """Server errors and throttling are worth another attempt until attempts run out."""
        return attempt < self.attempts and status in (429, 500, 502, 503, 504)

    def sleep_before(self, attempt):
        time.sleep(self.backoff * (2 ** attempt) + random.random() / 10)
''',
    "netlib/adapters.py": '''"""Transport adapters."""
from netlib.retry import RetryPolicy


class BaseAdapter:
    def send(self, request):
        raise NotImplementedError


class HTTPAdapter(BaseAdapter):
    """Sends requests over a connection pool, applying the retry policy."""

    def __init__(self, retries=None):
        self.retries = retries or RetryPolicy()

    def send(self, request):
        attempt = 0
        while True:
            response = self._transmit(request)
            if not self.retries.should_retry(attempt, response.status):
                return response
            self.retries.sleep_before(attempt)
            attempt += 1

    def _transmit(self, request):
        return request.connection.roundtrip(request)
''',
    "netlib/sessions.py": '''"""User-facing sessions."""
from netlib.adapters import HTTPAdapter


class Session:
    """Keeps cookies and an adapter across requests."""

    def __init__(self):
        self.adapter = HTTPAdapter()
        self.cookies = {}

    def get(self, url):
        return self.request("GET", url)

    def request(self, method, url):
        prepared = prepare_request(method, url, self.cookies)
        return self.adapter.send(prepared)


def prepare_request(method, url, cookies):
    if not url.startswith("http"):
        raise ValueError("invalid URL: " + url)
    return {"method": method, "url": url, "cookies": dict(cookies)}
''',
    "netlib/text.py": '''def slugify(title):
    """Lowercase a title and join its words with dashes."""
    return "-".join(title.lower().split())


def truncate(text, width):
    return text if len(text) <= width else text[: width - 1] + "..."
''',
    "web/format.js": '''// Format a price with a currency symbol for display in the shop.
export function formatPrice(amount, currency) {
  return currency + amount.toFixed(2);
}
''',
    "docs/guide.md": "# Guide\n\n## Retries\n\nFailed requests are retried with exponential backoff.\n",
}

TRACE = """Traceback (most recent call last):
  File "/home/alice/venv/lib/python3.11/site-packages/netlib/sessions.py", line 13, in get
    return self.request("GET", url)
  File "/home/alice/venv/lib/python3.11/site-packages/netlib/sessions.py", line 17, in request
    prepared = prepare_request(method, url, self.cookies)
  File "/home/alice/venv/lib/python3.11/site-packages/netlib/sessions.py", line 23, in prepare_request
    raise ValueError("invalid URL: " + url)
ValueError: invalid URL: ftp://x
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("ask") / "netlib", FILES)
    env_cache = tmp_path_factory.mktemp("cache")
    with Index.open(root, cache_dir=str(env_cache)) as index:
        index.build()
    return root


@pytest.fixture()
def index(repo: Path):
    with Index.open(repo) as idx:
        yield idx


def names(hits) -> list[str]:
    return [h.qualified_name for h in hits]


def test_a_question_without_the_name_finds_the_code_by_meaning(index: Index) -> None:
    hits = index.search("how do we decide to try a failed request again?", k=5)
    assert hits[0].path == "netlib/retry.py"
    assert {"RetryPolicy", "RetryPolicy.should_retry"} & set(names(hits[:2]))


def test_an_identifier_finds_its_definition_first(index: Index) -> None:
    hits = index.search("why does HTTPAdapter.send loop forever?", k=5)
    assert hits[0].qualified_name == "HTTPAdapter.send" and "name" in hits[0].reasons
    assert index.search("prepare_request", k=3)[0].qualified_name == "prepare_request"


def test_a_stack_trace_finds_its_frames(index: Index) -> None:
    hits = index.search(TRACE, k=5)
    assert hits[0].qualified_name == "prepare_request" and "trace" in hits[0].reasons
    assert {"Session.get", "Session.request"} <= set(names(hits))


def test_the_context_holds_the_callers_and_callees_of_a_hit(index: Index) -> None:
    result = index.ask("HTTPAdapter.send", k=1, budget=4000)
    relations = {(r.qualified_name, r.relation) for r in result.related}
    assert ("RetryPolicy.should_retry", "calls") in relations
    assert ("HTTPAdapter._transmit", "calls") in relations
    assert ("Session.request", "called by") in relations
    assert ("HTTPAdapter", "parent") in relations
    assert "netlib/adapters.py:16-23" in result.markdown
    assert "## Repository map" in result.markdown


def gpt_4o_tokens(text: str) -> int:
    """gpt-4o's own count, straight from tiktoken (o200k_base, from the files LiteLLM ships: conftest
    sets up the process as the CLI does)."""
    import tiktoken

    return len(tiktoken.get_encoding("o200k_base").encode(text, disallowed_special=()))


@pytest.mark.parametrize("budget", [300, 800, 2000, 8000])
def test_the_budget_is_never_exceeded(index: Index, budget: int) -> None:
    result = index.ask("how are requests retried after server errors?", budget=budget)
    assert index.config.tokenizer_model == "gpt-4o"
    # The reported count is the target model's real count of what is printed, not an estimate.
    assert gpt_4o_tokens(result.markdown) == result.tokens <= budget
    assert result.snippets


def test_filters_limit_language_path_and_kind(index: Index) -> None:
    js = index.search("format a price for display", filters=SearchFilters(language="javascript"))
    assert js and all(h.language == "javascript" for h in js)
    scoped = index.search("retry", filters=SearchFilters(path_glob="netlib/a*.py"))
    assert scoped and {h.path for h in scoped} == {"netlib/adapters.py"}
    classes = index.search("retry", filters=SearchFilters(kind="class"))
    assert classes and all(h.kind == "class" for h in classes)


def test_files_mode_ranks_the_right_file_first(index: Index) -> None:
    result = index.ask("exponential backoff sleep between attempts", files=True, k=5)
    assert result.files[0].path == "netlib/retry.py"


def test_ablation_modes_each_find_results(index: Index) -> None:
    for mode in ("dense", "sparse", "hybrid", "hybrid+names", "full"):
        hits = index.search("RetryPolicy", k=3, mode=mode)
        assert hits and hits[0].path == "netlib/retry.py", mode
    with pytest.raises(CodeidxError, match="unknown mode"):
        index.search("x", mode="magic")


def test_json_output_is_stable(repo: Path) -> None:
    args = ["ask", "where is the retry policy applied?", "--repo", str(repo), "--format", "json", "--budget", "2000"]
    first = CliRunner().invoke(cli, args, catch_exceptions=False)
    second = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    data = json.loads(first.output)
    assert set(data) == {"query", "budget", "tokens", "hits", "files", "snippets", "related", "repo_map", "stale",
                         "markdown", "dense_coverage", "reranked"}
    assert set(data["hits"][0]) >= {"path", "start_line", "end_line", "qualified_name", "score", "reasons", "lane"}
    lanes = {item["path"]: item["lane"] for item in data["hits"] + data["files"] + data["snippets"]}
    assert lanes["netlib/retry.py"] == "code" and all(lane == ("context" if path.startswith("docs/") else
                                                               "test" if path.startswith("tests/") else "code")
                                                      for path, lane in lanes.items())


def test_files_asked_for_are_listed_first_in_the_markdown(repo: Path) -> None:
    args = ["ask", "where is the retry policy applied?", "--repo", str(repo), "-k", "3"]
    plain = CliRunner().invoke(cli, args, catch_exceptions=False).output
    listed = CliRunner().invoke(cli, [*args, "--files"], catch_exceptions=False).output
    ranked = [f["path"] for f in json.loads(CliRunner().invoke(cli, [*args, "--files", "--json"]).output)["files"]]
    assert "## Files" not in plain and ranked[0] == "netlib/retry.py"
    section = listed.split("## Files, best first\n\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [f"{n}. `{path}`" for n, path in enumerate(ranked, 1)]
    assert listed.index("## Files") < listed.index("## Relevant code")


def test_changed_files_are_reported_and_refresh_updates(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "def alpha():\n    return 1\n"})
    with Index.open(root) as index:
        index.build()
    (root / "b.py").write_text("def beta_handler():\n    return 2\n")
    with Index.open(root) as index:
        stale = index.ask("beta_handler")
        assert stale.stale == ("b.py",) and "changed since the last build" in stale.markdown
        assert "beta_handler" not in stale.repo_map
        fresh = index.ask("beta_handler", refresh=True)
    # The map is computed once per index state: the refresh must not leave the old one behind.
    assert fresh.stale == () and fresh.hits[0].qualified_name == "beta_handler" and "beta_handler" in fresh.repo_map


def test_symbol_prints_a_definition_or_the_candidates_to_pick_from(repo: Path) -> None:
    one = CliRunner().invoke(cli, ["symbol", "HTTPAdapter.send", "--repo", str(repo)], catch_exceptions=False)
    assert one.exit_code == 0, one.output
    assert one.output.startswith("# HTTPAdapter.send (method)\nnetlib/adapters.py:")
    assert "Called by:" in one.output or "Calls:" in one.output
    several = CliRunner().invoke(cli, ["symbol", "send", "--repo", str(repo)], catch_exceptions=False)
    assert "run `codeidx symbol` again" in several.output
    assert "- `netlib/adapters.py:BaseAdapter.send`" in several.output
    pinned = CliRunner().invoke(cli, ["symbol", "netlib/adapters.py:BaseAdapter.send", "--repo", str(repo), "--json"],
                                catch_exceptions=False)
    data = json.loads(pinned.output)
    assert data["candidates"] == [] and data["definition"]["symbol"]["qualified_name"] == "BaseAdapter.send"
    assert "def send(self, request):" in data["definition"]["code"]
    missing = CliRunner().invoke(cli, ["symbol", "NoSuchThing", "--repo", str(repo)], catch_exceptions=False)
    assert missing.exit_code == 1 and missing.stderr.strip() == "Error: no symbol named 'NoSuchThing' in the index"


@pytest.mark.parametrize("args, message", [
    (["  ", "--repo", "{repo}"], "query is empty"),
    (["retry", "--repo", "{repo}", "--budget", "5"], "too small"),
    (["retry", "--repo", "{repo}", "--lang", "cobol"], "nothing in the index matches"),
])
def test_bad_input_is_one_line_and_non_zero(repo: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["ask", *[a.format(repo=repo) for a in args]], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_real_process_without_an_index_says_to_build_in_one_line(tmp_path: Path) -> None:
    """`python -m codeidx ask` itself, once: the entry point, its exit status and its stderr."""
    (tmp_path / "empty").mkdir()
    result = subprocess.run([sys.executable, "-m", "codeidx", "ask", "where?", "--repo", str(tmp_path / "empty")],
                            capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert result.returncode == 1 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert "codeidx build" in line and "Traceback" not in result.stderr


def test_code_comes_before_the_docs_unless_the_question_asks_for_docs(index: Index) -> None:
    behaviour = index.ask("how are failed requests retried with exponential backoff?", files=True, k=8)
    paths = [h.path for h in behaviour.hits]
    assert paths[0] == "netlib/retry.py" and "docs/guide.md" in paths
    assert all(not p.endswith(".md") for p in paths[:paths.index("docs/guide.md")])
    assert paths[paths.index("docs/guide.md"):] == ["docs/guide.md"] * (len(paths) - paths.index("docs/guide.md"))
    assert behaviour.files[-1].path == "docs/guide.md"  # the file ranking keeps the same lanes
    # The answer a reader sees keeps the ranking's order of files ("docs/" would sort before "netlib/").
    shown = list(dict.fromkeys(s.path for s in behaviour.snippets))
    assert shown == list(dict.fromkeys(p for p in paths if p in shown)) and shown[0] == "netlib/retry.py"
    assert behaviour.markdown.index("### netlib/retry.py") < behaviour.markdown.index("### docs/guide.md")
    # The docs are context, in a section of their own after the code.
    assert behaviour.markdown.index("## Relevant code") < behaviour.markdown.index("### netlib/retry.py") \
        < behaviour.markdown.index("## Documentation and data") < behaviour.markdown.index("### docs/guide.md")
    docs = index.ask("what do the docs say about retrying failed requests?", k=8)
    assert "docs/guide.md" in [h.path for h in docs.hits]
    # One lane: the docs among the code, not after it all.
    order = [h.path for h in docs.hits]
    assert order.index("docs/guide.md") < max(i for i, p in enumerate(order) if p.startswith("netlib/"))


def test_a_tool_that_lists_hits_lists_those_ask_shows_in_its_order(index: Index) -> None:
    question = "how are failed requests retried with exponential backoff?"
    hits, files = index.rank(question, k=8, files=True)
    answer = index.ask(question, files=True, k=8)
    assert [h.chunk_id for h in hits] == [h.chunk_id for h in answer.hits] and files == answer.files
    assert hits[0].path == "netlib/retry.py" and hits[-1].path == "docs/guide.md"


def test_lanes_tell_code_tests_docs_and_data_apart() -> None:
    from codeidx.retriever import lanes

    assert [is_test_path(p) for p in ("tests/test_app.py", "src/testing.py", "pkg/conftest.py", "pkg/app.py")] == \
        [True, False, True, False]
    assert [is_context(p) for p in ("README", "docs/api.rst", "tests/data/a.py", "config.yaml", "app.py",
                                          "doc/conf.py", "examples/hello.py", "src/docstring.py",
                                          "pkg/locale/de/LC_MESSAGES/pkg.js", "pkg/locale/__init__.py",
                                          "tutorials/intro/pyplot.py", "galleries/users_explain/axes.py",
                                          "pkg/demo.py")] == \
        [True, True, True, True, False, True, True, False, True, False, True, True, False]
    # A Go package or a Rust module named doc writes documentation: it is code. Other code there is the
    # docs' build or their snippets.
    assert [is_context(p) for p in ("doc/man_docs.go", "crates/core/flags/doc/help.rs", "docs/static/copy.js",
                                          "docs/code/uvcat/main.c", "doc/examples/main.go", "docs/guide.md")] == \
        [False, False, True, True, True, True]
    assert [lane_of(p) for p in ("doc/man_docs.go", "doc/man_docs_test.go")] == ["code", "test"]
    # Build and container files are configuration, as a `.toml` is; a script the build runs is code.
    assert [lane_of(p) for p in ("Makefile", "deploy/Dockerfile", "build/make.py", "Makefile.py")] == \
        ["context", "context", "code", "code"]
    # .NET's PascalCase folders: docs and samples whatever their case, but `Data/` is data-access code.
    assert [lane_of(p) for p in ("src/Snippets/Docs/Retry.cs", "Samples/Web/Program.cs", "src/App/Data/AppDbContext.cs",
                                 "Docs/Tool/main.go")] == ["context", "context", "code", "code"]
    # Other languages' test folders and files: RSpec, .NET test projects, Xcode targets, Gradle source sets.
    assert [is_test_path(p) for p in ("spec/models/user_spec.rb", "lib/user_spec_helper.rb", "src/App.Tests/A.cs",
                                      "Tests/AppTests/A.swift", "app/src/androidTest/java/A.java",
                                      "src/commonTest/kotlin/A.kt", "src/commonMain/kotlin/A.kt", "lib/latest/a.rb",
                                      "contest/a.py", "lib/specification/a.rb", "spec_helper.rb",
                                      "features/step_definitions/steps.rb", "src/features/cart/cart.ts",
                                      "features/steps/http_steps.rb", "features/support/env.rb",
                                      "features/environment.py", "src/features/cart/steps/add.ts",
                                      "features/steps.py")] == \
        [True, False, True, True, True, True, False, False, False, False, False, True, False, True, True, True,
         False, False]
    # So is one named for benchmarks; theirs are in `_test.go` files and cargo's `benches/`.
    assert [lane_of(p) for p in ("src/benchmark/executor.rs", "crates/globset/benches/bench.rs", "bench/run.go",
                                 "benchmarks/bench_graph.py", "bench/bench.js", "benches/parse.rs")] == \
        ["code", "test", "code", "test", "test", "test"]
    # core/ cannot read the indexer's language table, so its copy of Go's and Rust's suffixes is checked here.
    from codeidx.core.paths import MODULE_FOLDER_SUFFIXES
    from codeidx.indexer.languages import LANGUAGES
    assert MODULE_FOLDER_SUFFIXES == {ext for lang in LANGUAGES if lang.name in ("go", "rust") for ext in lang.extensions}
    # The store's lanes: data in a tests folder is context, a test or a benchmark is a test.
    assert [lane_of(p) for p in ("tests/data/a.json", "tests/test_app.py", "benchmarks/bench_io.py", "app.py")] == \
        ["context", "test", "test", "code"]
    # The project's history, in pages named or filed as such; a release script is code.
    assert [is_changelog(p) for p in ("CHANGES.rst", "HISTORY.md", "doc/release/release_3.1.rst",
                                            "docs/releases/4.2.txt", "changelog.d/12.bugfix.md", "docs/news.rst",
                                            "doc/announce/release-2.0.rst", "History.rdoc", "NEWS",
                                            "docs/upcoming_changes/12-ab.rst", "docs/usage/quickstart.rst",
                                            "tools/release/make.py", "README.md", "docs/exchange/rates.md",
                                            "sphinx/builders/changes.py", "sphinx/domains/changeset.py")] == \
        [True] * 10 + [False] * 6
    # data/ at the top or among the tests holds data; inside a package it is a layer of the code.
    assert [lane_of(p) for p in ("data/prepare.py", "tests/data/cases/comments.py", "spec/data/user.rb",
                                 "pkg/fixtures/seed.py", "torch/utils/data/dataloader.py",
                                 "app/src/main/java/com/acme/data/UserRepository.kt", "src/data/api.js",
                                 "pkg/data/words.json")] == ["context"] * 4 + ["code"] * 3 + ["context"]
    # Below a JVM source root the first folders name the package's organisation: `samples` there is
    # no folder of samples, though a package of examples after them is.
    assert [lane_of(p) for p in (
        "core/data/src/main/kotlin/com/google/samples/apps/nowinandroid/core/data/SyncUtilities.kt",
        "src/main/java/org/springframework/samples/petclinic/owner/OwnerController.java",
        "src/test/java/org/springframework/samples/petclinic/owner/OwnerControllerTests.java",
        "app/src/main/java/com/example/data/UserRepository.kt",
        "extras/src/main/java/com/google/gson/extras/examples/rawcollections/RawCollectionsExample.java",
        "test-shrinker/src/main/java/com/example/ClassWithAdapter.java",
        "samples/web/src/main/java/com/acme/App.java", "docs/src/main/java/com/acme/Snippets.java")] == \
        ["code", "code", "test", "code", "context", "test", "context", "context"]
    assert [lane_of(p) for p in ("_examples/hello/main.go", "_docs/api.go", "internal/_tools/gen.go")] == \
        ["context", "code", "code"]  # Go and Rust code in a docs folder is the project's own
    # A folder of the docs' sources is docs; a package whose name only holds the word is not.
    assert [lane_of(p) for p in ("docs_src/dependencies/tutorial005.py", "doc-src/a.js", "fastapi/dependencies/utils.py",
                                 "src/docutils/nodes.py", "pkg/docstring.py")] == ["context", "context"] + ["code"] * 3
    # Perl's tests are `.t` scripts in `t/`, with their helpers beside them; Pester's `Name.Tests.ps1`.
    assert [lane_of(p) for p in ("t/mojo/user_agent.t", "t/lib/Helper.pm", "lib/Mojo/UserAgent.pm", "lib/t.pm",
                                 "tst/Mock.Tests.ps1", "src/functions/Mock.ps1")] == \
        ["test", "test", "code", "code", "test", "code"]
    # A prose name makes a page of a file in no format or a markup one; in code it is only a name.
    assert [lane_of(p) for p in ("LICENSE", "README.rdoc", "lua/telescope/actions/history.lua", "app/news.py",
                                 "src/Authors.java", "license.go")] == ["context", "context"] + ["code"] * 4
    pages = ["CHANGES.rst", "docs/retry.rst", "retry.py"]
    assert lanes.code_first("how does the retry loop stop?", pages, str) == ["retry.py", "docs/retry.rst", "CHANGES.rst"]
    # Asked for docs, the docs join the code, and the history still comes last; asked for it, all is one lane.
    assert lanes.code_first("DOC: the retry loop's docstring", pages, str) == ["docs/retry.rst", "retry.py", "CHANGES.rst"]
    assert lanes.code_first("what do the release notes say about retries?", pages, str) == pages
    # A file that defines what the query names is in the code's lane, in its own place there.
    assert lanes.code_first("how does the retry loop stop?", pages, str, frozenset({"docs/retry.rst"})) == \
        ["docs/retry.rst", "retry.py", "CHANGES.rst"]
    # What a query asks for is in its first line: an issue's body mentioning docs or tests asks for neither.
    issue = "Retry loop stops after one attempt\n\nThe docs say three attempts; my test shows one."
    assert not lanes.asks_for_docs(issue) and not lanes.asks_for_tests(issue)
    assert lanes.asks_for_docs("docs: the retry section is wrong\n\nIt says 3.")
    # The project's docs are asked for by name; "documentation" and the like may only qualify a noun.
    assert [lanes.asks_for_docs(q) for q in ("Where is the retry option documented?", "what does the README say?",
                                             "how do I retry according to the docs", "the user guide says 3",
                                             "the docs build fails", "add a changelog entry",
                                             "how does the documentation generation system skip members?",
                                             "the tutorial example directive", "the manual page translator's buffer",
                                             "a documentation-only function")] == [True] * 6 + [False] * 4
    why, which = lanes.path_weight("why does the retry loop stop?"), lanes.path_weight("which test checks the retry loop?")
    # Asked about, tests count more, but still below the code they exercise.
    assert why("tests/test_retry.py") == lanes.TEST_DAMPING < which("tests/test_retry.py") < 1.0
    # A report (an issue, a commit message) is written as its reproduction, as tests are: they count less.
    report = lanes.path_weight(issue)
    assert report("tests/test_retry.py") == lanes.REPORT_TEST_DAMPING < lanes.TEST_DAMPING
    assert report("src/retry.py") == 1.0
    assert [lanes.is_report(q) for q in ("why does the retry loop stop?", "Where is the timeout set",
                                         "Retry count ignored?\n\nSteps: ...", "retry_loop", "retry loop backoff",
                                         "explain how the retry loop backs off",
                                         issue, "Howto: retry loop stops", "Fix retry loop (#12)\n\nIt stopped.")] \
        == [False] * 6 + [True] * 3
    assert why("src/retry.py") == which("src/retry.py") == 1.0
    # Vendored code counts less than the project's own; a monorepo's top-level packages/ is its own.
    assert [lanes.is_vendored(p) for p in ("requests/packages/urllib3/response.py", "packages/core/index.js",
                                           "pkg/_vendor/six.py", "third_party/zlib/zlib.c", "pkg/package.py")] == \
        [True, False, True, True, False]
    assert why("requests/packages/urllib3/response.py") == lanes.VENDOR_DAMPING


def test_the_budget_counter_keeps_its_parsed_tables_and_counts_the_same(tmp_path: Path, monkeypatch) -> None:
    """The user cache holds tiktoken's parsed tables: the next process loads them instead of the BPE file."""
    import tiktoken

    from codeidx.retriever.tokens import counter_for

    load = counter_for.__wrapped__  # past the process's own memo, as a new process would be
    text = "def retry(request, attempts=3):\n    return session.send(request)  # 重试 ✓\n"
    expected = gpt_4o_tokens(text)
    assert load("gpt-4o", tmp_path)(text) == expected
    [saved] = (tmp_path / "tiktoken").iterdir()

    def parse(name: str):
        raise AssertionError("the BPE file was parsed again")

    with monkeypatch.context() as patch:
        patch.setattr(tiktoken, "get_encoding", parse)
        assert load("gpt-4o", tmp_path)(text) == expected
    saved.write_bytes(b"not marshal")  # damaged: parsed again, and saved whole again
    assert load("gpt-4o", tmp_path)(text) == expected
    assert [p.name for p in (tmp_path / "tiktoken").iterdir()] == [saved.name] and saved.stat().st_size > 1000


PRICING = '''"""Prices shown in the shop."""


def apply_discount(price, percent):
    """Take a percentage discount off a price, never below zero."""
    return max(0.0, price * (1 - percent / 100))
'''


def test_the_projects_own_code_comes_before_vendored_copies_examples_and_benchmarks(tmp_path: Path) -> None:
    # Without the lanes, each of the others outranks shop/pricing.py here.
    root = make_repo(tmp_path / "shop", {
        "shop/__init__.py": "",
        "shop/pricing.py": PRICING,
        "shop/_vendor/pricing.py": PRICING.replace("Take a percentage discount off a price, never below zero.",
                                                   "How a percentage discount is taken off a price."),
        "docs/examples/discount_demo.py": "# Take a percentage discount off a price.\nprint(10.0 * (1 - 20 / 100))\n",
        "benchmarks/bench_discount.py": 'def bench_discount():\n    """Time taking a percentage discount off a price."""\n'
                                        "    return [price * 0.8 for price in range(1000)]\n",
    })
    question = "how is a percentage discount taken off a price?"
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        result = index.ask(question, files=True, k=6)
        unlaned = [h.path for h in index.search(question, k=6, mode="hybrid+names+graph")]
    assert unlaned[0] == "shop/_vendor/pricing.py"
    assert unlaned.index("docs/examples/discount_demo.py") < unlaned.index("shop/pricing.py")
    files = [f.path for f in result.files]
    assert files[0] == "shop/pricing.py" and result.hits[0].path == "shop/pricing.py"
    assert files.index("shop/_vendor/pricing.py") < files.index("docs/examples/discount_demo.py")
    assert files[-1] == "docs/examples/discount_demo.py"  # code in a docs folder is in the docs' lane
    assert files.index("benchmarks/bench_discount.py") > files.index("shop/pricing.py")


def test_an_example_the_query_names_is_in_the_codes_lane(tmp_path: Path) -> None:
    """`LocalStorageTodosApi` asks about the example app that defines it: its file is not sent after every
    file of code, as an example the query only describes is."""
    storage = ('class LocalStorageTodosApi:\n    """Todos kept in a browser\'s local storage."""\n\n'
               '    def save_todos(self, todos):\n        """Store the list of todos."""\n'
               '        self.items = list(todos) + []\n')
    root = make_repo(tmp_path / "todos", {
        "todos/__init__.py": "",
        **{f"todos/{name}.py": f'def {name}_list(items):\n    """Store a {name} list of todos."""\n'
                               f"    return list(items)\n" for name in ("empty", "saved", "shared")},
        "examples/todo_app/storage.py": storage,
        "docs/example/tests/test_todos.py": 'def test_1():\n    """An empty list of todos is stored."""\n'
                                            "    assert empty_list([]) == []\n",
    })
    named = "refactor(todo_app): avoid an empty list addition in `LocalStorageTodosApi`"
    described = "refactor(todo_app): avoid an empty list addition when todos are stored"
    # A test the query names is where it looks from: its file keeps its lane.
    named_test = "how would you parametrize a test like test_1 that stores an empty list of todos?"
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        by_name = index.ask(named, files=True, k=5)
        by_words = [f.path for f in index.ask(described, files=True, k=5).files]
        by_test = index.ask(named_test, files=True, k=5)
    assert by_words.index("examples/todo_app/storage.py") > by_words.index("todos/shared.py")
    assert by_name.files[0].path == "examples/todo_app/storage.py"
    assert by_name.hits[0].qualified_name == "LocalStorageTodosApi"
    assert "test_1" in [h.qualified_name for h in by_test.hits]
    test_files = [f.path for f in by_test.files]
    assert test_files.index("docs/example/tests/test_todos.py") > max(
        test_files.index(p) for p in test_files if p.startswith("todos/"))


def test_code_past_the_best_scores_comes_before_the_pages_that_scored_above_it(tmp_path: Path) -> None:
    from codeidx.retriever.ask import rank

    page = "# {title}\n\nA percentage discount is taken off a price at checkout; {rest}\n"
    root = make_repo(tmp_path / "shop", {
        "shop/pricing.py": PRICING,
        "shop/cart.py": 'def total(prices):\n    """The sum of a cart\'s prices."""\n    return sum(prices)\n',
        **{f"docs/{name}.md": page.format(title=name.title(), rest=f"see the {name} page for more.")
           for name in ("discounts", "sales", "coupons")},
    })
    question = "how is a percentage discount taken off a price?"
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        unlaned = [f.path for f in rank(index._parts(), question, k=5, files=True, mode="full-no-lanes")[1]]
        laned = [f.path for f in index.ask(question, files=True, k=2).files]
    assert unlaned.index("shop/cart.py") > 2  # two pages, at least, scored above it
    assert laned == ["shop/pricing.py", "shop/cart.py"]


def test_a_file_list_the_pool_cannot_fill_is_filled_from_deeper(tmp_path: Path) -> None:
    rules = "".join(f'def discount_rule_{i}(price):\n    """Take discount rule {i} off a price: {i} percent."""\n'
                    f"    return price * {100 - i} / 100\n\n\n" for i in range(40))
    parts = {f"shop/part{i}.py": f'def part_{i}(items):\n    """Count the items of part {i}."""\n    return len(items)\n'
             for i in range(8)}
    root = make_repo(tmp_path / "shop", {"shop/rules.py": rules, **parts})
    question = "how is a discount taken off a price?"
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        pool = index.search(question, k=25)  # what five files are ranked from
        files = [f.path for f in index.ask(question, files=True, k=5).files]
        only = index.ask(question, files=True, k=5, filters=SearchFilters(path_glob="shop/rules.py")).files
    assert [f.path for f in only] == ["shop/rules.py"]  # the deeper pool keeps the filters
    assert {h.path for h in pool} == {"shop/rules.py"}  # forty rules fill the pool
    assert files[0] == "shop/rules.py" and len(files) == 5 and set(files[1:]) <= set(parts)


def test_files_are_ranked_by_their_best_chunk_and_a_length_normalised_share_of_the_rest() -> None:
    from codeidx.retriever.search import Hit, rank_files

    def hit(path: str, score: float) -> Hit:
        return Hit("id", path, "python", "function", "f", "f", "", 1, 2, score, (), "")

    # A long file whose many middling chunks land in the pool against a short file's strong few.
    pool = [hit("short.py", 0.030), hit("short.py", 0.020), *(hit("long.py", 0.028) for _ in range(8))]
    assert [p for p, _ in rank_files(pool)] == ["long.py", "short.py"]
    assert [p for p, _ in rank_files(pool, {"short.py": 4, "long.py": 300})] == ["short.py", "long.py"]


def test_hits_are_shown_by_their_rank_fused_with_their_files_with_the_docs_last() -> None:
    from codeidx.retriever.ask import FileHit, in_answer_order
    from codeidx.retriever.search import Hit

    def hit(path: str, name: str, score: float) -> Hit:
        return Hit(name, path, "python", "function", name, name, "", 1, 2, score, (), "")

    pool = [hit("a.py", "a1", 0.05), hit("docs/a.md", "page", 0.045), hit("b.py", "b1", 0.04),
            hit("a.py", "a2", 0.03), hit("b.py", "b2", 0.02), hit("c.py", "c1", 0.01)]
    files = (FileHit("b.py", 0.06), FileHit("docs/a.md", 0.05), FileHit("a.py", 0.055))
    question = "how are the totals computed?"
    shown = [h.name for h in in_answer_order(question, pool, files)]
    # The top file's best hit leads; a1, first in the search but in the third file, ties b1 (first file,
    # third in the search) and so comes before b2; c1's file is past the ranking; the page goes last.
    assert shown == ["b1", "a1", "b2", "a2", "c1", "page"]
    assert [h.name for h in in_answer_order(question, pool, files, "hybrid+names+graph")] == \
        [h.name for h in pool]  # before the levers: the search's own order


def test_the_hits_shown_include_the_best_hit_of_the_top_file_past_the_search_s_first_k() -> None:
    from codeidx.retriever.ask import FileHit, in_answer_order
    from codeidx.retriever.search import Hit

    def hit(path: str, name: str) -> Hit:
        return Hit(name, path, "python", "function", name, name, "", 1, 2, 0.01, (), "")

    pool = [hit("x.py", "x1"), hit("y.py", "y1"), hit("y.py", "y2"), hit("z.py", "z1"), hit("a.py", "a1")]
    files = (FileHit("a.py", 0.07), FileHit("x.py", 0.06), FileHit("y.py", 0.05))
    assert [h.name for h in in_answer_order("how is it done?", pool, files, k=3)] == ["a1", "x1", "y1"]
    assert len(in_answer_order("how is it done?", pool, files)) == 5  # the whole pool, as the bench ranks it
    parts = [hit("a.py", "a1"), hit("a.py", "a1"), hit("a.py", "a1"), hit("b.py", "b1"), hit("c.py", "c1")]
    shown = in_answer_order("how is it done?", parts, files, k=3)
    assert [h.name for h in shown] == ["a1", "b1", "c1"] and shown[0] is parts[0]  # k definitions, each its best part
    assert [h.name for h in in_answer_order("how is it done?", pool, files, "full-no-file-first", k=3)] == \
        ["x1", "y1", "y2"]  # without the lever: the search's first k


def test_each_lever_can_be_turned_off_for_an_ablation(index: Index) -> None:
    from codeidx.core.ranking import LEVERS, levers

    assert levers("full") == frozenset(LEVERS) and levers("hybrid+names+graph") == frozenset()
    for lever in LEVERS:
        assert levers(f"full-no-{lever}") == frozenset(LEVERS) - {lever}
        assert index.search("how are failed requests retried?", k=3, mode=f"full-no-{lever}")


def test_thousands_of_pages_cannot_crowd_the_code_out_of_the_answer(tmp_path: Path) -> None:
    pages = {f"docs/cases/retry_{i:03}.md": f"# Retry case {i}\n\nFailed requests are retried with exponential "
             f"backoff, up to {i % 7} attempts.\n" for i in range(300)}
    root = make_repo(tmp_path / "net", {**pages, "net/__init__.py": "", "net/retry.py": FILES["netlib/retry.py"]})
    question = "how are failed requests retried with exponential backoff?"
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        crowded = [h.path for h in index.search(question, k=10, mode="hybrid+names+graph")]  # one mixed list
        result = index.ask(question, files=True, k=10)
    assert "net/retry.py" not in crowded  # all ten are pages: the lanes only order what the list holds
    assert result.hits[0].path == "net/retry.py" and result.files[0].path == "net/retry.py"
    assert any(h.path.startswith("docs/cases/") for h in result.hits)  # still shown, after the code


def test_release_notes_cannot_crowd_the_docs_out_of_a_docs_question(tmp_path: Path) -> None:
    said = "The docs on retries: failed requests are retried with exponential backoff."
    notes = {f"docs/releases/1.{i}.md": f"# Release 1.{i}\n\n{said} Retries of failed requests with exponential "
             f"backoff ({i}).\n" for i in range(300)}
    guide = f"# Retries\n\n{said}\n"
    root = make_repo(tmp_path / "net", {**notes, "docs/retries.md": guide, "net/__init__.py": "",
                                         "net/retry.py": FILES["netlib/retry.py"]})
    question = "what do the docs say about retries of failed requests with exponential backoff?"
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        crowded = [h.path for h in index.search(question, k=50, mode="hybrid+names+graph")]  # one mixed list
        result = index.ask(question, files=True, k=10)
        history = index.ask("what do the release notes say about retries with exponential backoff?", files=True, k=10)
    assert "docs/retries.md" not in crowded
    files = [f.path for f in result.files]
    assert "docs/retries.md" in files and "net/retry.py" in files
    assert all(p.startswith("docs/releases/") for p in files[files.index("docs/retries.md") + 1:] if p != "net/retry.py")
    assert history.files[0].path.startswith("docs/releases/")  # asked for, the release notes are one lane with all


def test_hundreds_of_tests_cannot_crowd_the_implementation_out_of_a_report(tmp_path: Path) -> None:
    report = ("Failed requests are not retried with exponential backoff\n\n"
              "After a server error the request fails at once instead of waiting and trying again.")
    tests = {f"tests/test_flaky_{i:03}.py": f'"""Failed requests are retried with exponential backoff after a '
             f'server error: a failed request is tried again, case {i}."""\n\n\ndef test_flaky_{i}(client):\n    assert client.get("/flaky/{i}")'
             f'.status == 200\n' for i in range(300)}
    root = make_repo(tmp_path / "net", {**tests, "net/__init__.py": "", "net/retry.py": FILES["netlib/retry.py"]})
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        crowded = [h.path for h in index.search(report, k=50, mode="full-no-impl-lane")]
        result = index.ask(report, files=True, k=10)
        asked = index.ask("Flaky tests: failed requests are retried with exponential backoff after a server error",
                          files=True, k=10)
    assert "net/retry.py" not in crowded  # the code's list was all tests: damping only orders what it holds
    assert result.hits[0].path == "net/retry.py" and result.files[0].path == "net/retry.py"
    assert any(h.path.startswith("tests/") for h in result.hits)  # still shown, after the code
    assert result.markdown.index("## Relevant code") < result.markdown.index("## Tests")  # in a section of their own
    assert asked.files[0].path.startswith("tests/")  # asked for, the tests keep their place in the code's list


def test_the_answer_leads_with_the_best_supported_file(index: Index) -> None:
    from codeidx.retriever.ask import rank

    question = "how are failed requests retried with backoff?"
    answer = index.ask(question, k=8, files=True)
    by_score, _ = rank(index._parts(), question, 8, mode="full-no-file-first")
    assert {h.chunk_id for h in answer.hits} == {h.chunk_id for h in by_score}  # the same hits, another order
    assert answer.hits[0].path == answer.files[0].path
    plain = [h for h in by_score if not is_context(h.path)]
    assert [h.score for h in plain] == sorted((h.score for h in plain), reverse=True)


def test_a_pasted_issue_is_answered_from_its_own_words_not_its_template(index: Index) -> None:
    from test_query_text import ISSUE

    assert index.search(ISSUE, k=3)[0].qualified_name == "slugify"


def test_a_template_comment_does_not_decide_what_the_question_asks_for(index: Index) -> None:
    # The comment's "docs" is the template's, not the question's: the code still comes first.
    paths = [h.path for h in index.ask("<!-- Please read the docs first -->\nhow are failed requests retried "
                                       "with exponential backoff?", files=True, k=8).hits]
    assert "docs/guide.md" in paths and paths[paths.index("docs/guide.md"):] == ["docs/guide.md"] * paths.count("docs/guide.md")


def test_a_helper_the_question_names_is_not_ranked_down_as_a_test_but_a_named_test_is(tmp_path: Path) -> None:
    # The test lane ranks down what a question finds by its words. A helper it names is what it asks
    # about; a test it names points at the code that test checks.
    root = make_repo(tmp_path / "shop", {
        "shop/__init__.py": "",
        "shop/net.py": '"""Listening sockets: shut down before they are closed, so no client is left waiting."""\n\n\n'
                       'def close_listening_socket(sock):\n    """Shut the listening socket down and close it."""\n'
                       "    sock.shutdown(2)\n    sock.close()\n",
        "tests/helpers/server.py": "class FakeServer:\n    def stop(self):\n        self.running = False\n"
                                   "        self.sock.shutdown(2)\n        self.sock.close()\n",
        "tests/test_net.py": "from shop.net import close_listening_socket\n\n\n"
                             "def test_socket_is_shut_down_before_close(fake_sock):\n"
                             "    close_listening_socket(fake_sock)\n"
                             "    assert fake_sock.calls == ['shutdown', 'close']\n",
    })
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        helper = [f.path for f in index.ask("how does FakeServer shut down its listening socket?", files=True, k=4).files]
        plain = [f.path for f in index.ask("how is a listening socket shut down?", files=True, k=4).files]
        named_test = [f.path for f in index.ask("why does test_socket_is_shut_down_before_close expect the "
                                                "listening socket to be shut down before it is closed?",
                                                files=True, k=4).files]
    assert helper[0] == "tests/helpers/server.py"
    assert plain[0] == "shop/net.py"  # found by its words alone, a test still comes after the code
    assert named_test[0] == "shop/net.py" and "tests/test_net.py" in named_test


def test_a_name_many_definitions_share_points_at_none_of_them(tmp_path: Path) -> None:
    # Seven plugins each define `run()`; one module defines `schedule()`. A report naming `run()`
    # says nothing about which plugin it means; `Plugin3.run` names one exactly.
    plugins = {f"jobs/plugin{i}.py": f"class Plugin{i}:\n    def run(self, job):\n        return job.step({i})\n"
               for i in range(7)}
    root = make_repo(tmp_path / "jobs", {**plugins, "jobs/__init__.py": "",
                                         "jobs/scheduler.py": "def schedule(jobs):\n    return sorted(jobs)\n"})
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        bare = index.search("run() is called twice after schedule() sorts the jobs\n\nSeen in the nightly log.", k=10)
        exact = index.search("Plugin3.run() is called twice\n\nSeen in the nightly log.", k=10)
    named = [h.path for h in bare if "name" in h.reasons]
    assert named == ["jobs/scheduler.py"]  # `schedule` has one definition; `run` has seven
    assert [h.path for h in exact if "name" in h.reasons] == ["jobs/plugin3.py"]


def test_names_the_issues_own_snippet_defines_are_not_looked_up_in_tests_and_benchmarks(tmp_path: Path) -> None:
    # An issue's repro defines its own `foo` and `Author`; the repository's tests and benchmarks have
    # namesakes that are someone else's. A definition in the code proper is kept: a snippet may paste it.
    root = make_repo(tmp_path / "blog", {
        "blog/__init__.py": "",
        "blog/query.py": '"""Query sets."""\n\n\nclass QuerySet:\n    def exclude(self, **filters):\n'
                         '        """Rows that match none of the filters; a null field never matches."""\n'
                         "        return [row for row in self.rows if not self._row_matches(row, filters)]\n\n"
                         "    def _row_matches(self, row, filters):\n"
                         "        return all(row.get(k) == v for k, v in filters.items())\n",
        "tests/models.py": "class Author:\n    name = 'a'\n\n\nclass Book:\n    author = None\n",
        "bench/rows.py": "def foo():\n    return [dict(name=str(n)) for n in range(1000)]\n",
    })
    issue = ("exclude() drops rows whose field is null\n\nWith these models:\n\n```python\n"
             "class Author(Model):\n    name = CharField(null=True)\n\n\ndef foo():\n"
             "    return Author.objects.exclude(name='x')\n```\n\nfoo() misses the authors without a name.")
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        answer = index.ask(issue, files=True, k=3)
        pasted = index.ask("_row_matches is wrong for null values:\n\n```python\n    def _row_matches(self, row, filters):\n"
                           "        return all(row.get(k) == v for k, v in filters.items())\n```", k=3)
    assert answer.files[0].path == "blog/query.py"
    assert not any("name" in h.reasons for h in answer.hits if h.path in ("tests/models.py", "bench/rows.py"))
    assert pasted.hits[0].qualified_name == "QuerySet._row_matches" and "name" in pasted.hits[0].reasons


RUST_RETRY = '''//! Retry policy for outgoing requests.

/// Decides whether a failed request is attempted again, and how long to wait first.
pub struct RetryPolicy {
    pub attempts: u32,
    pub backoff_ms: u64,
}

impl RetryPolicy {
    /// Server errors and throttling are worth another attempt until the attempts run out.
    pub fn should_retry(&self, attempt: u32, status: u16) -> bool {
        attempt < self.attempts && matches!(status, 429 | 500 | 502 | 503 | 504)
    }

    /// Exponential backoff: the wait doubles with each attempt.
    pub fn delay_ms(&self, attempt: u32) -> u64 {
        self.backoff_ms << attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy { attempts: 3, backoff_ms: 100 }
    }

    #[test]
    fn a_failed_request_is_attempted_again_after_a_server_error() {
        // A failed request with a server error status is attempted again: retry decides yes.
        assert!(policy().should_retry(0, 500));
        assert!(policy().should_retry(1, 503));
    }

    #[test]
    fn a_failed_request_is_not_attempted_again_when_attempts_run_out() {
        // Retry decides no once the attempts run out, whatever the failed request's status.
        assert!(!policy().should_retry(3, 500));
    }
}
'''


def test_rust_unit_tests_beside_the_code_come_after_it(tmp_path: Path) -> None:
    """Rust keeps unit tests in the file they test (`#[test]`, `#[cfg(test)]`): the answer shows that
    file's code before them, and says which hits are tests, unless the question asks about tests."""
    root = make_repo(tmp_path / "net", {"Cargo.toml": '[package]\nname = "net"\n', "src/lib.rs": "pub mod retry;\n",
                                        "src/retry.rs": RUST_RETRY})
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        answer = index.ask("how does retry decide whether a failed request is attempted again?", k=8)
        about_tests = index.ask("which test checks that a failed request is attempted again?", k=8)
        few = index.ask("how does retry decide whether a failed request is attempted again?", k=3)
    order = [h.qualified_name for h in answer.hits if h.path == "src/retry.rs"]
    tests = [h.qualified_name for h in answer.hits if h.test]
    assert "tests.a_failed_request_is_attempted_again_after_a_server_error" in tests
    assert "RetryPolicy.should_retry" not in tests
    assert max(order.index(h) for h in order if h not in tests) < min(order.index(t) for t in tests)
    lanes_of = {h["qualified_name"]: h["lane"] for h in answer.to_dict()["hits"]}
    assert lanes_of["RetryPolicy.should_retry"] == "code" and all(lanes_of[t] == "test" for t in tests)
    assert about_tests.hits[0].test  # asked about, a test keeps the place its words earn
    assert not any(h.test for h in few.hits)  # the file's places among the few shown go to its code


def test_templates_and_style_sheets_are_indexed_and_found_in_their_lanes(tmp_path: Path) -> None:
    """A web application's templates and styles answer questions about what a page shows and how it
    looks; a docs theme's template is context, a test's template a test."""
    root = make_repo(tmp_path / "blog", {
        "blog/views.py": 'from flask import render_template\n\n\ndef login():\n    """Show the login page."""\n'
                         '    return render_template("auth/login.html")\n',
        "blog/templates/auth/login.html": '{% extends "base.html" %}\n{% block content %}\n'
                                          '<form method="post" action="/login">\n'
                                          '  <label for="username">Username</label>\n'
                                          '  <input name="username" id="username" required>\n'
                                          '  <label for="password">Password</label>\n'
                                          '  <input type="password" name="password" id="password" required>\n'
                                          '  <input type="submit" value="Log In">\n</form>\n{% endblock %}\n',
        "blog/static/style.css": "nav {\n  background: lightgray;\n  display: flex;\n}\n\n"
                                 ".flash {\n  margin: 1em 0;\n  padding: 1em;\n  background: #cae6f6;\n"
                                 "  border: 1px solid #377ba8;\n}\n",
        "docs/_templates/layout.html": '{% extends "!layout.html" %}\n{% block footer %}Blog docs{% endblock %}\n',
        "tests/templates/form.html": '<form><input name="username"></form>\n',
    })
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        summary = index.build()
        form = index.ask("where is the password field of the login form?", files=True, k=5)
        flash = index.ask("what background color do flash messages have?", files=True, k=3)
    assert summary.files_indexed == 5 and "unsupported type" not in summary.skipped
    assert summary.chunks_keyword_only == 1  # the tests' page, by keywords only, as test data is
    files = [f.path for f in form.files]  # the view that renders it (`login`, a name the question uses), the page
    assert files[:2] == ["blog/views.py", "blog/templates/auth/login.html"]
    assert files.index("docs/_templates/layout.html") > files.index("tests/templates/form.html")
    assert flash.files[0].path == "blog/static/style.css"
    assert [s.language for s in form.snippets if s.path.endswith("login.html")] == ["html"]
    assert {lane_of("docs/_templates/layout.html"), lane_of("tests/templates/form.html")} == {"context", "test"}
