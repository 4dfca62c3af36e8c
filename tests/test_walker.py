"""Which files get indexed: git's view of the tree, ignore rules, and everything that must be skipped."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import git, make_repo

from codeidx.indexer.graph import FileRecord
from codeidx.indexer.languages import sniffed_language
from codeidx.indexer.plan import make_plan
from codeidx.indexer.walker import content_skip_reason, walk

SOURCES = {
    "app/main.py": "def main():\n    return 1\n",
    "app/util.js": "export function add(a, b) { return a + b }\n",
    "README.md": "# Demo\n\nSome text.\n",
    ".gitignore": "build/\n*.log\n",
}


def paths(result) -> list[str]:
    return [f.path for f in result.files]


def test_git_tree_lists_tracked_and_untracked_but_not_ignored(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", SOURCES)
    (repo / "build").mkdir()
    (repo / "build" / "gen.py").write_text("x = 1\n")
    (repo / "debug.log").write_text("noise\n")
    (repo / "new.py").write_text("def fresh():\n    pass\n")
    result = walk(repo, ".codeidx", 1_000_000)
    assert paths(result) == ["README.md", "app/main.py", "app/util.js", "new.py"]
    languages = {f.path: f.language for f in result.files}
    assert languages["app/main.py"] == "python" and languages["app/util.js"] == "javascript"


def test_plain_folder_honours_gitignore_files_at_every_level(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    for rel, text in {**SOURCES, "lib/.gitignore": "secret_dir/\n", "lib/secret_dir/x.py": "a = 1\n",
                      "lib/ok.py": "b = 2\n", "build/out.py": "c = 3\n"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    assert paths(walk(root, ".codeidx", 1_000_000)) == ["README.md", "app/main.py", "app/util.js", "lib/ok.py"]



def test_secrets_large_files_symlinks_and_the_index_folder_are_skipped(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {**SOURCES, ".env": "TOKEN=abc\n", "deploy/id_rsa": "key\n",
                                      "certs/server.pem": "pem\n", "big.py": "x = 1\n" * 100_000})
    outside = tmp_path / "outside.py"
    outside.write_text("y = 2\n")
    os.symlink(outside, repo / "link.py")
    (repo / ".codeidx").mkdir()
    (repo / ".codeidx" / "stray.py").write_text("z = 3\n")
    result = walk(repo, ".codeidx", 100_000)
    assert paths(result) == ["README.md", "app/main.py", "app/util.js"]
    assert result.skipped["secret"] == (".env", "certs/server.pem", "deploy/id_rsa")
    assert result.skipped["too large"] == ("big.py",)
    assert result.skipped["symlink outside repository"] == ("link.py",)


def test_configured_excludes_are_skipped(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", SOURCES)
    result = walk(repo, ".codeidx", 1_000_000, exclude=("app/*.js",))
    assert paths(result) == ["README.md", "app/main.py"]
    assert result.skipped["excluded"] == ("app/util.js",)


def test_content_checks_catch_binary_minified_and_private_keys() -> None:
    assert content_skip_reason(b"\x89PNG\r\n\x1a\n\x00\x00") == "binary"
    assert content_skip_reason(b"var a=1;" * 5000) == "generated"
    assert content_skip_reason(b"-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n") == "secret"
    normal = b"def f():\n    return '" + b"x" * 3000 + b"'\n" + b"y = 1\n" * 200
    assert content_skip_reason(normal) is None


def test_plan_trusts_stat_hashes_moved_files_and_finds_deletions(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", SOURCES)
    first = make_plan(repo, walk(repo, ".codeidx", 1_000_000), {})
    assert sorted(f.path for f, _ in first.index) == ["README.md", "app/main.py", "app/util.js"]
    known = {f.path: FileRecord(f.path, f.language, f.size, f.mtime_ns, sha, False) for f, sha in first.index}

    assert make_plan(repo, walk(repo, ".codeidx", 1_000_000), known).is_empty

    (repo / "app" / "main.py").write_text("def main():\n    return 2\n")  # content change
    os.utime(repo / "README.md", ns=(1, 1))  # stat change only
    git(repo, "mv", "app/util.js", "app/helpers.js")  # rename = delete + add
    plan = make_plan(repo, walk(repo, ".codeidx", 1_000_000), known)
    assert sorted(f.path for f, _ in plan.index) == ["app/helpers.js", "app/main.py"]
    assert [r.path for r in plan.touch] == ["README.md"]
    assert plan.delete == ("app/util.js",)
    assert plan.changed_paths == ["app/helpers.js", "app/main.py", "app/util.js"]


@pytest.mark.parametrize(("path", "head", "language"), [
    ("bin/flask", b"#!/usr/bin/env python3\nimport sys\n", "python"),
    ("bin/tool", b"#!/usr/bin/python3.11 -u\n", "python"),
    ("scripts/release", b"#! /bin/sh -e\nset -u\n", "shell"),
    ("install", b"#!/usr/bin/env -S bash -eu\n", "shell"),
    ("cli", b"#!/usr/bin/env NODE_ENV=production node\n", "javascript"),
    ("rake-task", b"#!/usr/bin/env ruby\n", "ruby"),
    ("bin/perlish", b"#!/usr/bin/perl\n", "perl"),
    ("bin/awkish", b"#!/usr/bin/awk -f\n", None),  # no grammar here
    ("LICENSE", b"MIT License\n", None),
    ("run.txt", b"#!/bin/sh\n", None),  # a suffix decides: this is text
    ("bin/env-only", b"#!/usr/bin/env\n", None),
    ("Sources/Circle.m", b"// Circle.m\n\n#import <Foundation/Foundation.h>\n", "objc"),
    ("Sources/Circle.m", b"@implementation Circle\n@end\n", "objc"),
    ("toolbox/area.m", b"% AREA of a circle\nfunction a = area(r)\n", "matlab"),
    ("include/db.h", b"#pragma once\nnamespace leveldb {\nclass DB {\n public:\n", "cpp"),
    ("SDWebImage/SDImageCache.h", b"#import <Foundation/Foundation.h>\n@interface SDImageCache : NSObject\n", "objc"),
    ("src/jv.h", b"#ifdef __cplusplus\nextern \"C\" {\n#endif\ntypedef struct { int x; } jv;\n", "c"),
])
def test_a_file_whose_suffix_does_not_tell_is_known_by_its_first_bytes(path: str, head: bytes,
                                                                      language: str | None) -> None:
    """A script with no suffix by its `#!` line; a `.m` file is Objective-C or MATLAB, a `.h` header
    Objective-C, C++ or C."""
    assert sniffed_language(path, head) == language


def test_scripts_with_no_suffix_are_indexed_by_their_first_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {**SOURCES, "bin/deploy": "#!/bin/bash\ndeploy() {\n  echo up\n}\n",
                                      "bin/manage": "#!/usr/bin/env python3\ndef main():\n    pass\n",
                                      "AUTHORS": "Ada\n", "bin/empty": "", "Makefile": "test:\n\tpytest\n",
                                      "Rakefile": "task :default\n"})
    result = walk(repo, ".codeidx", 1_000_000)
    languages = {f.path: f.language for f in result.files}
    assert languages["bin/deploy"] == "shell" and languages["bin/manage"] == "python"
    # A file its name tells stays what its name says, `#!` or not.
    assert languages["Makefile"] == "config" and languages["Rakefile"] == "ruby"
    assert set(result.skipped["unsupported type"]) == {".gitignore", "AUTHORS", "bin/empty"}


def test_pages_templates_and_style_sheets_are_indexed_as_text(tmp_path: Path) -> None:
    pages = ["app/templates/base.html", "views/users/show.html.erb", "Views/Home/Index.cshtml", "web/page.gohtml",
             "site/_layouts/post.liquid", "templates/mail.j2", "static/site.scss", "static/app.css"]
    result = walk(make_repo(tmp_path / "web", {p: "<p>{{ title }}</p>\n" for p in pages}), ".codeidx", 1 << 20)
    assert {f.path: f.language for f in result.files} == {
        p: "css" if p.endswith(("css", "scss")) else "html" for p in pages}
    assert not result.skipped


def test_pages_a_tool_generated_are_left_out_and_templates_that_write_the_tag_are_kept() -> None:
    generated = [b'<!DOCTYPE HTML>\n<!-- Generated by javadoc (17) -->\n<html lang="en">\n<head>\n'
                 b'<meta name="generator" content="javadoc/ClassWriterImpl">\n<title>Buffer</title>\n',
                 b'<html><head>\n<META NAME="Generator" CONTENT="Doxygen 1.9.8"/>\n</head>\n',
                 b'<head>\n  <meta name="generator" content="Docutils 0.19: https://docutils.sourceforge.io/" />\n',
                 b'<html>\n' + b'<p>Session</p>\n' * 2000 + b'<p>Generated by <a class="link" href="https://github.com/'
                 b'realm/jazzy" target="_blank">jazzy \xe2\x99\xaa\xe2\x99\xab v0.15.4</a>, a Realm project.</p>\n']
    kept = [b'<head>\n  <meta name="generator" content="Jekyll v{{ jekyll.version }}">\n</head>\n',
            b'<head>{{ hugo.Generator }}<meta name="generator" content="<%= app_name %>"></head>\n',
            b'{% extends "base.html" %}\n{% block content %}<h1>Posts</h1>{% endblock %}\n',
            b'<p>This email was generated by FlaskBB for {{ user.username }}.</p>\n',
            b'<div class="footer">{% trans %}Created using <a href="https://www.sphinx-doc.org/">Sphinx</a>'
            b'{% endtrans %}</div>\n']
    assert [content_skip_reason(page, "html") for page in generated] == ["generated"] * 4
    assert [content_skip_reason(page, "html") for page in kept] == [None] * 5
    # Only a page: a static site generator's own source writes the tag as a string.
    assert content_skip_reason(b'HEAD = \'<meta name="generator" content="mkdocs">\'\n', "python") is None
