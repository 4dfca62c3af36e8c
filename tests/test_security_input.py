"""Hostile and damaged input (issue #11): huge queries, a rebuild under a reader, a damaged index,
file names that are not UTF-8. Real parts throughout: tree-sitter, the default model, Qdrant Edge,
git repositories, the CLI and the MCP server as subprocesses."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_repo
from test_mcp import call, server

from codeidx.cli import cli
from codeidx.core.home import remove_tree
from codeidx.index import Index, _swap_in
from codeidx.indexer.walker import walk
from codeidx.retriever.query_text import MAX_QUERY_CHARS, bound_query, readable
from codeidx.retriever.signals import extract

FILES = {
    "shop/pricing.py": '''def apply_discount(amount, code):
    """Apply a percentage discount code such as SAVE10."""
    if code and code.startswith("SAVE"):
        return amount * (100 - int(code[4:])) / 100
    return amount
''',
    "shop/cart.py": '''from shop.pricing import apply_discount


class Cart:
    def total(self, code=None):
        return apply_discount(sum(self.items), code)
''',
}
NEW_FILE = ("shop/refunds.py", "def refund_order(order):\n    \"\"\"Give the customer their money back.\"\"\"\n    return -order\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedding_cache_dir: Path) -> Path:
    """One indexed repository; each test works on its own copy."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CODEIDX_CACHE_DIR", str(embedding_cache_dir))
        repo = make_repo(tmp_path_factory.mktemp("template") / "shop", FILES)
        with Index.open(repo) as index:
            index.build()
    return repo


@pytest.fixture()
def repo(built: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(built, tmp_path / "shop", symlinks=True))


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def assert_one_line_error(code: int, output: str, *phrases: str) -> None:
    assert code != 0, output
    assert "Traceback" not in output and len(output.strip().splitlines()) == 1, output
    for phrase in phrases:
        assert phrase in output, output


# --- huge queries ---

def test_a_one_megabyte_token_and_a_pasted_log_are_answered_from_their_head_and_tail(repo: Path) -> None:
    token = "a" * 1_000_000
    log = "".join(f'  File "/srv/app/pkg/mod{i}.py", line {i}, in handler_{i}\n    step_{i}(Thing{i}.go())\n'
                  for i in range(3000))[:200_000]
    log = "Why does checkout fail?\n" + log + 'File "/srv/app/shop/pricing.py", line 4, in apply_discount\nValueError\n'
    with Index.open(repo) as index:
        assert index.search(token)
        hits = index.search(log, k=3)
        # The innermost frame, at the very end of the log, survived the cut and leads the answer.
        assert hits[0].qualified_name == "apply_discount" and "trace" in hits[0].reasons
        answer = index.ask(log, budget=1000)
    assert len(answer.query) == MAX_QUERY_CHARS
    assert answer.query.startswith("Why does checkout fail?") and answer.query.endswith("ValueError\n")
    assert bound_query(answer.query) == answer.query


def test_signal_extraction_is_linear_on_long_tokens_and_long_logs() -> None:
    # Each of these took minutes or hours before (quadratic backtracking, or a scan per word);
    # linear, they take well under a second, and a CI timeout catches a regression.
    for query in ("a" * 1_000_000, "a.py" * 250_000, "src/" * 250_000, "a1." * 330_000,
                  "".join(f"f{i}.py x_{i} " for i in range(60_000))):
        extract(query)
    signals = extract("x" * 1_000_000 + " at shop/pricing.py:4 in apply_discount()")
    assert [(f.path, f.line) for f in signals.frames] == [("shop/pricing.py", 4)]
    assert "apply_discount" in signals.identifiers


def test_boilerplate_removal_is_linear_and_bounded_on_hostile_queries() -> None:
    # Near-misses of every pattern, each a megabyte: unterminated comments, `==` chains, runs of four
    # package rows broken by a stray line, one giant checklist line.
    for query in ("<!--" * 250_000, "a==1.1" * 170_000, ("pkg 1.0 /x y\n" * 4 + "z\n") * 18_000,
                  "- [x] " * 170_000, "Installing collected packages: " * 33_000):
        assert len(readable(query)) <= MAX_QUERY_CHARS


def test_quote_reading_is_linear_and_bounded_on_hostile_queries() -> None:
    from codeidx.retriever.quotes import MAX_QUOTES, messages, quoted

    # Near-misses, each a megabyte: unclosed backticks and quotes, options too long to be one,
    # one line of calls with no end, a quote in every line, one name that almost ends in Error,
    # and a message on every line.
    for query in ("`" * 1_000_000, '"a' * 500_000, "--" + "x-" * 500_000, "f(" * 500_000,
                  "\n".join(f"`q{i} = v{i}`" for i in range(80_000)), "E" + "rror" * 250_000,
                  "ValueError: something went wrong here\n" * 25_000):
        assert len(quoted(query)) <= MAX_QUOTES and len(messages(query)) <= MAX_QUOTES


def test_the_names_a_question_spells_are_found_in_bounded_work_on_hostile_input(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from codeidx.core.models import ParsedFile, Symbol
    from codeidx.indexer.graph import FileRecord, FileUpdate, Graph
    from codeidx.retriever.described import MAX_NAMES, described_names

    # A repository may define any names: twenty thousand that share their words, one of 100,000 letters.
    names = [f"paren_expr_{i}" for i in range(20_000)] + ["Paren" + "x" * 100_000 + "Expr"]
    symbols = tuple(Symbol("gen.py", "python", "function", n, n, f"def {n}()", "", i + 1, i + 1)
                    for i, n in enumerate(names))
    graph = Graph(tmp_path / "index.db")
    graph.replace_files([FileUpdate(FileRecord("gen.py", "python", 1, 1, "0", False),
                                    ParsedFile("gen.py", "python", symbols, ()), ())])
    parts = SimpleNamespace(graph=graph)  # all that the lookup reads
    for query in ("paren expression " * 20, ("parenthesized" + "x" * 50_000 + " ") * 40, "a" * 1_000_000,
                  "paren expression " * 100_000, "abstract syntax tree " * 13):
        assert len(described_names(parts, query)) <= MAX_NAMES
    assert described_names(parts, "the paren expression")  # the names are there to be found
    graph.close()



def test_pasted_sentences_are_found_in_bounded_work_on_hostile_files(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from codeidx.retriever.quotes import MAX_FILE_BYTES, pasting_files

    # A repository may hold any text: a megabyte-long string of the very words pasted, an unclosed
    # docstring, a sea of quotes and backticks; the query may be a megabyte of the same few words.
    sentence = "the value was not found in any of the places searched "
    files = {"same.py": 'MESSAGE = "' + sentence * 18_000 + '"\n',
             "open.py": '"""' + sentence * 18_000,
             "quotes.py": "'\"`" * 330_000,
             "huge.py": '"' + sentence * 20_000 + '"\n'}  # past the size read
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    parts = SimpleNamespace(root=tmp_path)  # all that the reading needs
    assert (tmp_path / "huge.py").stat().st_size > MAX_FILE_BYTES
    for query in (sentence * 18_000, "value " * 170_000, sentence):
        assert set(pasting_files(parts, query, sorted(files))) <= {"same.py", "open.py"}
    assert pasting_files(parts, "It said: " + sentence, sorted(files))[0] in ("same.py", "open.py")


def test_test_files_are_matched_to_modules_in_bounded_work_on_a_hostile_tree() -> None:
    from codeidx.retriever.tested import modules_tested

    # A tree may hold 100,000 modules that all end in the same word, paths hundreds of folders deep,
    # and test names of thousands of words; the match is one pass over the files and a comparison
    # of each test's words against those ending in its last word.
    deep = "/".join(f"d{i}" for i in range(300))
    paths = frozenset({f"pkg/m{i}/x_utils.py" for i in range(100_000)} | {f"{deep}/utils.py", "pkg/real/cart.py"})
    long_name = "tests/test_" + "_".join(["utils"] * 5_000) + ".py"
    tests = [long_name, f"{deep}/tests/test_utils.py", "pkg/real/tests/test_cart.py", "tests/test_" + "x" * 100_000 + ".py"]
    assert modules_tested(tests, paths) == {f"{deep}/tests/test_utils.py": f"{deep}/utils.py",
                                            "pkg/real/tests/test_cart.py": "pkg/real/cart.py"}


def test_files_nested_thousands_deep_or_of_thousands_of_definitions_are_parsed_and_chunked_in_linear_work() -> None:
    from codeidx.indexer.chunker import MAX_HEADER_NAME, chunk_file
    from codeidx.indexer.parser import MAX_NESTING, parse_file

    # Each took minutes, or memory without end, before: a million-byte file of functions each inside the
    # last gave names and chunks growing with the square of its depth (tree-sitter finds a node's parent
    # from the root; each chunk held all the functions inside it), one of 28,000 definitions compared
    # every definition with every other, and a component of unclosed `<script>` tags scanned to its end
    # from each. Linear, they take seconds, and a CI timeout catches a regression.
    def count(texts):
        return [len(t) // 4 + 1 for t in texts]

    depth = 45_000
    nested = ("function f0() {\n" + "".join(f"function f{i}() {{\n" for i in range(1, depth))
              + "x();\n" + "}\n" * depth).encode()
    flat = "".join(f"def f{i}(x):\n    return g{i}(x)\n" for i in range(28_000)).encode()
    long_name = ("function " + "n" * 200_000 + "() {\n" + "x();\n" * 2_000 + "}\n").encode()
    for path, language, source in (("nested.js", "javascript", nested), ("flat.py", "python", flat),
                                   ("long.js", "javascript", long_name),
                                   ("deep.rb", "ruby", ("def a\n" + "begin\n" * 90_000 + "end\n" * 90_000 + "end\n").encode()),
                                   ("open.vue", "vue", b"<script>\n" * 110_000), ("tag.svelte", "svelte", b"<script " * 120_000)):
        parsed = parse_file(path, source, language)
        chunks = chunk_file(parsed, source, count, 256)
        assert sum(len(c.embed_text) for c in chunks) < 3 * len(source) + 1_000 * len(chunks), path
        assert all(len(c.embed_text.split("\n", 1)[0]) < MAX_HEADER_NAME + 100 for c in chunks), path
    nested_symbols = parse_file("nested.js", nested, "javascript").symbols
    assert [s.name for s in nested_symbols] == [f"f{i}" for i in range(MAX_NESTING)]  # the rest is their text
    assert len(parse_file("flat.py", flat, "python").references) == 28_000


def test_a_plain_folder_a_thousand_deep_with_a_broken_ignore_file_is_walked(tmp_path: Path) -> None:
    """Outside git the walker reads the tree and its `.gitignore` files itself: `os.walk` recursed (a
    RecursionError past about 1,000 folders), and a pattern git skips (`!` alone) raised. Removing such a
    tree (a clone the agent's tests ran in) recursed as well."""
    root = tmp_path / "plain"
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    for _ in range(1_200):  # one folder at a time: pathlib's mkdir(parents=True) recurses too
        os.mkdir("a", dir_fd=fd)
        fd, parent = os.open("a", os.O_RDONLY, dir_fd=fd), fd
        os.close(parent)
    with os.fdopen(os.open("deep.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as f:
        f.write("def deep():\n    return 1\n")
    os.close(fd)
    (root / "kept.py").write_text("k = 1\n")
    (root / "skip.log.py").write_text("s = 1\n")
    (root / ".gitignore").write_text("!\n\\\n*.log.py\n")
    (root / "link").symlink_to(root / "a", target_is_directory=True)  # not followed: its files would come twice
    try:
        assert [f.path for f in walk(root, ".codeidx", 1_000_000).files] == \
            sorted(["/".join(["a"] * 1_200) + "/deep.py", "kept.py"])
    finally:  # shutil.rmtree, pytest's too, recurses: a copy of such a tree must still go
        remove_tree(root)
    assert not root.exists()


def test_an_endless_ignore_file_is_read_to_a_bound(tmp_path: Path) -> None:
    """Each pattern is matched against every path below its folder: 50,000 lines would cost a minute for
    a few hundred files."""
    from codeidx.indexer.walker import MAX_IGNORE_LINES

    root = tmp_path / "plain"
    root.mkdir()
    for name in ("kept.py", "early.py", "late.py"):
        (root / name).write_text("x = 1\n")
    lines = ["early.py"] + [f"p{i}/" for i in range(50_000)] + ["late.py"]
    (root / ".gitignore").write_text("\n".join(lines) + "\n")
    assert [f.path for f in walk(root, ".codeidx", 1_000_000).files] == ["kept.py", "late.py"]  # late.py: past the lines read
    assert MAX_IGNORE_LINES < len(lines)


def test_ignore_patterns_built_to_backtrack_are_matched_in_linear_time(tmp_path: Path) -> None:
    """A `.gitignore` (read by the walker outside git) and the `exclude` of a repository's `.codeidx.toml`
    are the repository's text. Python's regex engine took 3 s on one path 40 folders deep for eight
    `**`, and more than a minute on one file name for twenty `*a`; matched by RE2, each is linear."""
    root = tmp_path / "plain"
    deep = root.joinpath(*["a"] * 60)
    deep.mkdir(parents=True)
    (deep / ("a" * 200 + "c.py")).write_text("x = 1\n")
    (root / "kept.py").write_text("k = 1\n")
    backtracking = ["/".join(["**", "a"] * 12) + "/b", "*a" * 20 + "b"]
    (root / ".gitignore").write_text("\n".join(backtracking) + "\n")
    found = [f.path for f in walk(root, ".codeidx", 1_000_000, exclude=tuple(backtracking)).files]
    assert found == ["/".join(["a"] * 60) + "/" + "a" * 200 + "c.py", "kept.py"]
    (root / ".gitignore").write_text("*c.py\n")  # the patterns still match what they name
    assert [f.path for f in walk(root, ".codeidx", 1_000_000).files] == ["kept.py"]

# --- a full rebuild under a reader ---

def stage_rebuilt_index(repo: Path, tmp_path: Path) -> Path:
    """What `build --full` leaves in index.new before its swap: a complete index holding NEW_FILE."""
    other = Path(shutil.copytree(repo, tmp_path / "other", symlinks=True))
    (other / NEW_FILE[0]).write_text(NEW_FILE[1])
    with Index.open(other) as index:
        index.build()
    return Path(shutil.copytree(other / ".codeidx" / "index", repo / ".codeidx" / "index.new"))


def test_a_long_lived_reader_follows_the_swap_of_a_full_rebuild(repo: Path, tmp_path: Path) -> None:
    (repo / NEW_FILE[0]).write_text(NEW_FILE[1])
    staged = stage_rebuilt_index(repo, tmp_path)
    index = Index.open(repo)
    assert index.search("apply_discount", k=1)[0].qualified_name == "apply_discount"  # graph and store open
    _swap_in(repo / ".codeidx", staged)  # the old index's files are deleted under the open handles
    assert index.search("refund_order", k=1)[0].qualified_name == "refund_order"
    assert index.status().files == 3 and not index.status().changed
    _swap_in(repo / ".codeidx", stage_rebuilt_index(repo, tmp_path / "again"))
    index.close()  # closing handles whose files are gone is not an error


def test_ask_while_another_process_runs_a_full_rebuild_never_fails(repo: Path) -> None:
    (repo / NEW_FILE[0]).write_text(NEW_FILE[1])
    builder = subprocess.Popen([sys.executable, "-m", "codeidx", "build", "--full", str(repo)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    asked = 0
    while builder.poll() is None or asked == 0:
        code, output = run_cli("ask", "apply a discount code", "--repo", str(repo), "--budget", "500")
        assert code == 0 and "apply_discount" in output, output
        asked += 1
    assert builder.wait() == 0, builder.stdout.read()
    code, output = run_cli("ask", "give the customer their money back", "--repo", str(repo), "--budget", "500")
    assert code == 0 and "refund_order" in output, output


def test_the_mcp_server_takes_a_huge_query_and_keeps_serving_after_an_external_full_rebuild(
        repo: Path, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with server(repo, tmp_path / "server.log") as session:
            is_error, text = await call(session, "search_code", query="b" * 1_000_000, k=3)
            assert not is_error, text
            is_error, text = await call(session, "search_code", query="apply_discount", k=1)
            assert not is_error and json.loads(text)["hits"][0]["name"] == "apply_discount", text
            (repo / NEW_FILE[0]).write_text(NEW_FILE[1])
            code, output = run_cli("build", "--full", str(repo))  # this test's process: not the server's
            assert code == 0, output
            for _ in range(2):  # every call after the swap, not just the first, is answered
                is_error, text = await call(session, "search_code", query="refund_order", k=1)
                assert not is_error and json.loads(text)["hits"][0]["name"] == "refund_order", text
            is_error, text = await call(session, "get_symbol", name="refund_order")
            assert not is_error and "shop/refunds.py:1-3" in text, text

    asyncio.run(scenario())
    assert "Traceback" not in (tmp_path / "server.log").read_text()


# --- a damaged index ---

def truncate(db: Path) -> None:
    db.write_bytes(db.read_bytes()[:db.stat().st_size // 2])


def garble(db: Path) -> None:
    db.write_bytes(b"not a database at all " * 500)


def forget_meta(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM meta")
    conn.close()


def delete_store_files(db: Path) -> None:
    for entry in db.parent.iterdir():
        if entry.name != "index.db":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


@pytest.mark.parametrize("damage", [truncate, garble, forget_meta, delete_store_files])
def test_a_damaged_index_is_reported_in_one_line_and_a_plain_build_repairs_it(repo: Path, damage) -> None:
    damage(repo / ".codeidx" / "index" / "index.db")
    for command in (["status", str(repo)], ["ask", "discount", "--repo", str(repo)]):
        assert_one_line_error(*run_cli(*command), "damaged", "codeidx build --full")
    code, output = run_cli("build", str(repo), "--json")
    assert code == 0 and json.loads(output)["full"], output
    code, output = run_cli("ask", "apply a discount code", "--repo", str(repo), "--budget", "500")
    assert code == 0 and "apply_discount" in output, output
    code, output = run_cli("status", str(repo))
    assert code == 0 and "up to date" in output, output


# --- file names ---

def test_a_file_name_with_control_characters_is_skipped_and_never_printed(tmp_path: Path) -> None:
    # A hostile repository names a file so that printing it retitles the terminal (or hides text from
    # a model): such a name reaches no payload, prompt or summary; it is counted, not named.
    name = "shop/logo\x1b]0;pwned\x07.py"
    root = make_repo(tmp_path / "shop", {**FILES, name: "def hidden():\n    return 1\n"})
    shown = CliRunner().invoke(cli, ["build", str(root)], catch_exceptions=False).output
    assert "bad file name 1" in shown and "\x1b" not in shown and "pwned" not in shown
    data = json.loads(CliRunner().invoke(cli, ["build", str(root), "--json"], catch_exceptions=False).output)
    assert data["skipped"]["bad file name"] == 1 and "bad file name" not in data["skipped_files"]
    with Index.open(root) as index:
        assert all("pwned" not in h.path for h in index.search("def hidden", k=5))


def test_a_file_name_that_is_not_utf8_is_skipped_and_counted(tmp_path: Path) -> None:
    for in_git in (True, False):  # git lists the candidates, or a walk of the folder does
        root = tmp_path / ("git" if in_git else "plain")
        for rel, text in FILES.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        fd = os.open(os.fsencode(root) + b"/shop/bad\xff.py", os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, b"def hidden():\n    return 1\n")
        os.close(fd)
        if in_git:
            make_repo(root, {})  # commits the badly named file with the others
        with Index.open(root) as index:
            summary = index.build()
            assert summary.skipped.get("bad file name") == 1, summary.skipped
            assert summary.files_total == len(FILES)
            assert index.search("apply_discount", k=1)[0].qualified_name == "apply_discount"


def test_a_file_turned_into_a_link_out_of_the_repository_after_the_build_is_not_read(tmp_path: Path) -> None:
    """A test run in the agent's worktree may replace an indexed file with a link to a file outside it:
    `symbol` and the agent's `get_symbol` read the file on disk, and must not follow the link."""
    root = make_repo(tmp_path / "calc", {"calc.py": "def add(a, b):\n    return a + b\n"})
    with Index.open(root) as index:
        index.build()
    outside = tmp_path / "private.py"
    outside.write_text("def add(a, b):\n    return 'TOPSECRET'\n")
    (root / "calc.py").unlink()
    (root / "calc.py").symlink_to(outside)
    result = CliRunner().invoke(cli, ["symbol", "add", "--repo", str(root)], catch_exceptions=False)
    assert result.exit_code == 1 and "TOPSECRET" not in result.output + result.stderr
    assert result.stderr.strip() == "Error: cannot read calc.py: calc.py leads out of the repository"


def test_a_huge_symbol_name_is_refused_in_one_short_line(repo: Path) -> None:
    """A confused model or a pasted log as `get_symbol`'s or `symbol`'s name: the error does not echo it."""
    result = CliRunner().invoke(cli, ["symbol", "x" * 100_000, "--repo", str(repo)], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: a symbol name is at most 1000 characters, not 100000"


# --- a repository's own git config ---

def _signed_commit(repo: Path, message: str) -> None:
    """A commit carrying a (bogus) signature: what makes `git log --show-signature` start gpg.program."""
    tree = subprocess.run(["git", "-C", str(repo), "write-tree"], capture_output=True, text=True).stdout.strip()
    parent = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    body = (f"tree {tree}\nparent {parent}\nauthor T <t@example.com> 1700000000 +0000\n"
            "committer T <t@example.com> 1700000000 +0000\n"
            "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\n"
            f"{message}\n")
    sha = subprocess.run(["git", "-C", str(repo), "hash-object", "-t", "commit", "-w", "--stdin"], input=body,
                         capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(["git", "-C", str(repo), "update-ref", "HEAD", sha], check=True)


def test_no_program_the_repositorys_git_config_names_runs_in_a_build_or_a_benchmark(repo: Path,
                                                                                   tmp_path: Path) -> None:
    """`.git/config` can point core.fsmonitor (run by `git ls-files --others`, which the walker runs) and
    gpg.program (run by `git log` under log.showSignature, which `bench history` runs) at a program of
    the repository's; plain git runs both."""
    from codeidx.benchmarks.history import mine_commits

    marker = tmp_path / "ran"
    program = tmp_path / "payload.sh"
    program.write_text(f"#!/bin/sh\ntouch {marker}\n")
    program.chmod(0o755)
    (repo / "shop" / "pricing.py").write_text(FILES["shop/pricing.py"] + "\n\nFULL_REFUND = 100\n")
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-am", "Refund an order in full"], check=True)
    _signed_commit(repo, "Signed: nothing changed")
    for key, value in (("core.fsmonitor", str(program)), ("log.showSignature", "true"), ("gpg.program", str(program))):
        subprocess.run(["git", "-C", str(repo), "config", key, value], check=True)
    for premise in (["ls-files", "--others"], ["log", "-n1", "--format=%s"]):
        subprocess.run(["git", "-C", str(repo), *premise], capture_output=True)
        assert marker.exists(), f"plain git {premise[0]} ran the program: the test's premise"
        marker.unlink()

    (repo / "shop" / "notes.py").write_text("NOTE = 'untracked, listed by ls-files --others'\n")
    done = subprocess.run([sys.executable, "-m", "codeidx", "build", str(repo), "--json"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["files_total"] == 3  # the listing worked, the untracked file included
    assert [i.query for i in mine_commits(repo, 5, (".py",))] == ["Refund an order in full"]
    assert not marker.exists()
