"""Names a question spells out in words, found in a real index of a real repository."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import make_repo

from codeidx.index import Index
from codeidx.retriever.ask import rank
from codeidx.retriever.described import (
    MAX_QUERY_WORDS,
    WINDOW,
    _contractions,
    _span,
    described_chunks,
    described_names,
)

AST = '''"""Nodes of the abstract syntax tree of a C declaration."""


class ASTBase:
    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return vars(self) == vars(other)


class ASTParenExpr(ASTBase):
    def __init__(self, expr):
        self.expr = expr


class ASTBinOpExpr(ASTBase):
    def __init__(self, exprs, ops):
        self.exprs = exprs
        self.ops = ops


class ASTNoexceptExpr(ASTBase):
    def __init__(self, expr):
        self.expr = expr


class ASTDeclaratorParen(ASTBase):
    def __init__(self, inner, next):
        self.inner = inner
        self.next = next
'''

PARSER = '''"""The parser of C declarations and expressions."""
from cfam.ast import ASTBinOpExpr, ASTNoexceptExpr, ASTParenExpr


class DefinitionParser:
    """Parses a declaration: expressions, parenthesized expressions, declarators."""

    def parse_primary(self):
        """A parenthesized expression: an expression in parentheses, compared and returned as a node."""
        self.expect("(")
        expression = self.parse_expression()
        self.expect(")")
        return ASTParenExpr(expression)

    def parse_expression(self):
        """An expression: operands and binary operators, or a parenthesized expression."""
        return ASTBinOpExpr([self.parse_primary()], [])

    def parse_noexcept(self):
        return ASTNoexceptExpr(self.parse_expression())

    def parse_declarators(self):
        return [self.parse_expression()]

    def expect(self, token):
        return token

    def read_tokenizer(self):
        return self.expect
'''

QUESTION = "Why does the equality comparison in the parenthesized expression node class return NotImplemented?"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("described")
    root = make_repo(tmp / "cfam", {"cfam/__init__.py": "", "cfam/ast.py": AST, "cfam/parser.py": PARSER,
                                    "tests/test_parser.py": "def test_class_method():\n    assert True\n"})
    with Index.open(root, cache_dir=str(tmp / "cache")) as index:
        index.build()
        yield index


def test_a_name_is_spelled_out_in_full_words_abbreviations_and_acronyms(index: Index) -> None:
    parts = index._parts()
    assert described_names(parts, QUESTION)[0] == "ASTParenExpr"  # `AST`, one word of three, unspelled
    assert described_names(parts, "How is the noexcept expression of the abstract syntax tree printed?")[0] \
        == "ASTNoexceptExpr"
    assert "parse_declarators" in described_names(parts, "Where does the parser parse a declarator?")


def test_words_far_apart_filler_and_one_word_names_spell_nothing(index: Index) -> None:
    parts = index._parts()
    between = "alpha bravo charlie delta echo foxtrot golf hotel india juliet".split()[:WINDOW]
    assert "ASTParenExpr" not in described_names(parts, " ".join(["expression", *between, "parenthesized"]))
    assert "test_class_method" not in described_names(parts, "which class method is tested?")  # the question's frame
    assert "expect" not in described_names(parts, "what do we expect here?")  # one word: any text holds it
    assert "read_tokenizer" not in described_names(parts, "where is a token read?")  # another word, not a form


def test_a_long_report_is_left_to_its_identifiers(index: Index) -> None:
    report = QUESTION + " " + " ".join(f"detail{chr(97 + n % 26)}" for n in range(MAX_QUERY_WORDS))
    assert described_names(index._parts(), report) == []


def test_a_report_describes_a_change_not_a_name(index: Index) -> None:
    parts = index._parts()
    assert described_names(parts, "How is the parenthesized expression printed?")[0] == "ASTParenExpr"
    # A commit message or an issue's title: the same words, about a change, name nothing.
    assert described_names(parts, "Print the parenthesized expression without spaces") == []
    assert described_names(parts, "fix: parenthesized expression\n\nIt was printed twice.") == []


def test_the_described_class_leads_the_answer_where_its_words_alone_point_elsewhere(index: Index) -> None:
    parts = index._parts()
    hits, files = rank(parts, QUESTION, 5, files=True)
    _, plain = rank(parts, QUESTION, 5, files=True, mode="full-no-described")
    assert plain[0].path == "cfam/parser.py"  # its docstrings say "parenthesized expression" over and over
    assert files[0].path == "cfam/ast.py"
    assert hits[0].path == "cfam/ast.py" and "described" in hits[0].reasons


def test_ask_leads_with_the_file_its_file_ranking_puts_first(index: Index) -> None:
    for question in (QUESTION, "how is a binary operator expression parsed?", "what does expect return?"):
        assert index.ask(question, k=4).hits[0].path == index.ask(question, k=4, files=True).files[0].path


def test_a_name_may_write_a_word_without_its_vowels(tmp_path: Path) -> None:
    # `ctx`, `cfg`, `msg`: code drops a word's vowels as often as its ending.
    assert {"ctx", "cfg", "msg", "idx"} <= _contractions("context") | _contractions("config") \
        | _contractions("message") | _contractions("index")
    assert _contractions("ctx") == set()  # a short word is written out
    assert not any(set(form[1:]) & set("aeiou") for form in _contractions("application"))
    root = make_repo(tmp_path / "web", {
        "web/__init__.py": "",
        "web/ctx.py": '"""State kept per request."""\n\n\nclass _AppCtxGlobals:\n    """A plain namespace."""\n\n'
                      "    def get(self, name, default=None):\n        return self.__dict__.get(name, default)\n",
        "web/app.py": '"""The application: request dispatch and its application context."""\n\n\n'
                      "class Application:\n    def application_context(self):\n        return {}\n",
    })
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        names = described_names(index._parts(), "where is the data of an application context stored?")
    assert "_AppCtxGlobals" in names


def test_the_span_is_the_narrowest_window_holding_every_word() -> None:
    assert _span([[0, 9], [8]]) == 1
    assert _span([[3], [3]]) == 0
    assert _span([[0], [20], [5, 21]]) == 20


def test_the_name_words_follow_incremental_builds_and_an_older_index_gets_them(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "cfam", {"cfam/__init__.py": "", "cfam/ast.py": AST})
    question = "what is the parenthesized expression node?"
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        assert described_names(index._parts(), question)[0] == "ASTParenExpr"
        (root / "cfam" / "ast.py").write_text(AST.replace("ASTParenExpr", "ASTGroupedExpr"))
        index.build()
        assert "ASTParenExpr" not in described_names(index._parts(), question)
        assert described_names(index._parts(), "what is the grouped expression node?")[0] == "ASTGroupedExpr"
    db = sqlite3.connect(root / ".codeidx" / "index" / "index.db")  # as an index from before the words
    db.execute("DROP TABLE name_words")
    db.commit()
    db.close()
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        assert described_names(index._parts(), "what is the grouped expression node?")[0] == "ASTGroupedExpr"


def test_a_test_whose_name_the_question_spells_is_found_only_when_tests_are_asked_about(tmp_path: Path) -> None:
    # Tests are named in sentences; a question that spells one asks about the code it checks.
    root = make_repo(tmp_path / "cfam", {
        "cfam/__init__.py": "", "cfam/ast.py": AST,
        "tests/test_ast.py": "from cfam.ast import ASTParenExpr\n\n\n"
                             "def test_parenthesized_expression_keeps_its_inner_expression():\n"
                             "    assert ASTParenExpr(1).expr == 1\n"})
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        parts = index._parts()

        def described_paths(question: str) -> list[str]:
            found = parts.store.retrieve(described_chunks(parts, question))
            return [h.payload["path"] for h in found]

        asked = described_paths("How does a parenthesized expression keep its inner expression?")
        about_tests = described_paths("Which test checks that a parenthesized expression keeps its inner expression?")
    assert "tests/test_ast.py" not in asked and "cfam/ast.py" in asked
    assert "tests/test_ast.py" in about_tests
