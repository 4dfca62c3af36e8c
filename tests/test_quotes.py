"""What an issue quotes from the code: read from the issue, found verbatim in the real files."""
from __future__ import annotations

import os
import re
from pathlib import Path

from conftest import make_repo

from codeidx.index import Index
from codeidx.retriever.ask import rank
from codeidx.retriever.quotes import (
    MAX_FILES_PER_QUOTE,
    MAX_QUOTES,
    MIN_PASTED_WORDS,
    Quote,
    find_quotes,
    messages,
    pasted_runs,
    pasting_files,
    quoted,
    quoting_files,
    read_source,
)

ISSUE = """Add a short form for --dry-run

Typing `--dry-run` every time is long. In tool/cli.py there is this line:

    parser.add_argument("--dry-run", action="store_true")

I would like (if possible) something shorter, like git's.
>>> run(["deploy", "--dry-run"])
"""


def test_options_spans_and_lines_of_code_are_read_from_an_issue_and_prose_is_not() -> None:
    quotes = quoted(ISSUE)
    assert quotes[0] == "--dry-run"
    assert 'parser.add_argument("--dry-run", action="store_true")' in quotes
    assert 'run(["deploy", "--dry-run"])' in quotes  # the interpreter's prompt is not part of the code
    assert not any(q.startswith(("Typing", "I would like")) for q in quotes)


def test_a_single_word_or_a_piece_of_a_statement_is_no_quote() -> None:
    issue = ("Setting `autodoc_typehints` to 'description' is 'ignored' for `Logger`:\n"
             "    raise LookupError(\n        f'unknown {name}'\n    )\n    value = lookup(name)\n")
    assert quoted(issue) == ("autodoc_typehints", "value = lookup(name)")


def test_the_quotes_of_a_long_paste_are_bounded() -> None:
    paste = "\n".join(f"value_{i} = compute({i})" for i in range(5000))
    assert len(quoted(paste)) == MAX_QUOTES


def test_a_quote_that_many_files_hold_says_nothing_and_the_rarest_come_first() -> None:
    files = {f"pkg/m{i}.py": 'flag("--verbose")\n' for i in range(MAX_FILES_PER_QUOTE + 1)}
    files["pkg/cli.py"] = 'flag("--verbose")\n\nflag("--dry-run")\n'
    found = find_quotes(["--verbose", "--dry-run", "--nowhere"], sorted(files), files.get)
    assert found == [Quote("pkg/cli.py", "--dry-run")]


def test_a_pasted_message_is_found_where_the_code_writes_it_with_placeholders() -> None:
    log = "Running Sphinx v3.3\r\nWARNING: no number is assigned for table: tab-1\r\nbuild succeeded."
    assert messages(log) == ("no number is assigned for table: tab-1",)
    files = {"pkg/std.py": 'logger.warning(__("no number is assigned for %s: %s"), figtype, label)\n',
             "pkg/other.py": '"""A number is assigned to each table."""\nNOTE = "no number is set"\n',
             "pkg/third.py": "# when no number is assigned, the caption stays\n"}
    found = find_quotes([], sorted(files), files.get, messages(log))
    # other.py holds its first three words, third.py four, std.py five: std.py alone is where it is written
    assert found == [Quote("pkg/std.py", "no number is assigned for")]


def test_more_code_than_the_budget_turns_quotes_off(monkeypatch) -> None:
    from codeidx.retriever import quotes

    monkeypatch.setattr(quotes, "MAX_SCAN_BYTES", 100)
    files = {"a.py": "x" * 60 + "--dry-run", "b.py": "y" * 60}
    assert find_quotes(["--dry-run"], ["a.py", "b.py"], files.get) == []  # b.py unread: rarity unknown
    assert find_quotes(["--dry-run"], ["a.py"], files.get) != []


def test_a_link_out_of_the_worktree_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("--dry-run")
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "cli.py").write_text("--dry-run")
    os.symlink(outside, root / "pkg" / "link.py")
    os.symlink(root / "pkg" / "loop.py", root / "pkg" / "loop.py")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "cli.py").write_text("--dry-run")
    os.symlink(tmp_path / "elsewhere", root / "out")  # a folder out of the worktree
    os.symlink(root / "pkg", root / "alias")  # a folder and a file linked within it
    os.symlink(root / "pkg" / "cli.py", root / "pkg" / "same.py")
    read = read_source(root)
    assert read("pkg/cli.py") == "--dry-run"
    assert read("alias/cli.py") == "--dry-run" and read("pkg/same.py") == "--dry-run"
    assert read("pkg/link.py") is None and read("pkg/gone.py") is None and read("pkg/loop.py") is None
    assert read("out/cli.py") is None and read("pkg/../../elsewhere/cli.py") is None
    assert read(str(tmp_path / "elsewhere" / "cli.py")) is None  # an absolute path is out of it too
    assert read("pkg") is None  # a folder is no file


def test_the_file_that_holds_the_quoted_option_is_ranked_first(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "tool", {
        "tool/__init__.py": "",
        "tool/cli.py": '"""Command line entry point."""\nimport argparse\n\nfrom tool.shortcuts import abbreviated\n\n\n'
                       'def parser():\n'
                       '    parser = argparse.ArgumentParser()\n'
                       '    parser.add_argument("--dry-run", action="store_true")\n'
                       '    parser.add_argument("--target")\n    return parser\n',
        "tool/shortcuts.py": '"""Short forms of long commands, so that typing them every time is not so long."""\n\n\n'
                             'def abbreviated(command):\n    """A shorter form of a long command, like git\'s."""\n'
                             '    return command[:2]\n',
        "tests/test_cli.py": 'def test_dry_run():\n    assert main(["--dry-run"]) == 0\n',
        "benchmarks/bench_cli.py": 'def time_dry_run():\n    main(["--dry-run"])\n',
    })
    issue = "A short form for `--dry-run`\n\nTyping it every time is long: I would like a shorter form, like git's."
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        answer = index.ask(issue, files=True, k=3)
        quoted_first = [f.path for f in answer.files]
        _, plain = rank(index._parts(), issue, 3, files=True, mode="full-no-quotes")
        # cli.py holds both names verbatim, but as a caller: the names' own signals find their definitions.
        names = quoting_files(index._parts(), "Is `tool.shortcuts` or `abbreviated` to blame?")
        holders = quoting_files(index._parts(), issue)
    assert [f.path for f in plain][0] == "tool/shortcuts.py"  # the issue's words describe the other file
    assert quoted_first[0] == "tool/cli.py"
    assert {h.path for h in answer.hits if "quote" in h.reasons} == {"tool/cli.py"}  # the JSON says why
    assert names == frozenset()
    assert holders == {"tool/cli.py"}  # the test and the benchmark that run the option are not where it is


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def test_a_sentence_the_program_writes_is_found_in_its_strings_and_not_in_its_code() -> None:
    pasted = words("It fails with: Using skip outside of a test is not allowed. To skip a module, use the marker.")
    files = {
        # The message is split over two literals and ends in a placeholder: the run still holds.
        "pkg/runner.py": 'raise UsageError(\n    "Using skip outside of a test is not allowed. "\n'
                         '    "To skip a module, use %s." % marker)\n',
        # The same words as code, not as a string: a traceback's lines are the trace signal's.
        "pkg/code.py": "using = skip_outside_of_a_test_is_not_allowed(to, skip, a, module)\n"
                       "Using(skip).outside(of, a, test, is_, not_, allowed)\n",
        "pkg/short.py": 'HINT = "a test is not allowed"\n',  # fewer words than a sentence
    }
    runs = pasted_runs(pasted, sorted(files), files.get)
    assert runs == {"pkg/runner.py": 14}  # "using skip ... use" in order; the placeholder ends it
    assert MIN_PASTED_WORDS > len(words("a test is not allowed"))


def test_a_sentence_that_many_files_hold_is_boilerplate(tmp_path: Path) -> None:
    notice = "Licensed under the terms of the licence that comes with this project"
    for i in range(MAX_FILES_PER_QUOTE + 1):
        (tmp_path / f"m{i}.py").write_text(f'"""{notice}."""\n')
    (tmp_path / "cli.py").write_text('print("the configuration file was not found in any of the folders searched")\n')
    parts = type("Parts", (), {"root": tmp_path})()
    issue = f"My build says: the configuration file was not found in any of the folders searched. {notice}."
    paths = [f"m{i}.py" for i in range(MAX_FILES_PER_QUOTE + 1)] + ["cli.py"]
    assert pasting_files(parts, issue, paths) == ()
    assert pasting_files(parts, issue, ["m0.py", "cli.py"]) == ("cli.py", "m0.py")  # the longest run first
    assert pasting_files(parts, "the configuration file was not found", ["cli.py"]) == ()  # too short


def test_the_file_that_writes_the_pasted_message_is_ranked_first(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "tool", {
        "tool/__init__.py": "",
        "tool/outcomes.py": '"""Outcomes of a test: skip, fail, pass."""\n\n\n'
                            'def skip(reason, allow_module_level=False):\n'
                            '    """Skip the running test, or the whole module with allow_module_level."""\n'
                            '    raise Skipped(reason, allow_module_level)\n',
        "tool/collect.py": '"""Collecting the tests of a file."""\n\n\n'
                           'def import_test_module(path):\n'
                           '    try:\n        return load(path)\n'
                           '    except Skipped as exc:\n'
                           '        if not exc.allow_module_level:\n'
                           '            raise UsageError("Calling it outside of a test is not allowed. To mark "\n'
                           '                             "every test of a file, set a marker at the top of the file.")\n',
    })
    issue = ("Improve skipping a whole module\n\nWhen I skip in a module under an old Python version, "
             "skip with allow_module_level works, but without it I get: Calling it outside of a test is not "
             "allowed. To mark every test of a file, set a marker at the top of the file.\n"
             "The skip outcome should explain allow_module_level.")
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        answer = index.ask(issue, files=True, k=3)
        _, plain = rank(index._parts(), issue, 3, files=True, mode="full-no-pasted")
    assert plain[0].path == "tool/outcomes.py"  # the issue's words describe the skip itself
    assert answer.files[0].path == "tool/collect.py"  # the file that writes the message
    assert {h.path for h in answer.hits if "pasted" in h.reasons} == {"tool/collect.py"}  # the JSON says why
