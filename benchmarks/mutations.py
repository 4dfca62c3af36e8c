"""Small deterministic bugs to inject into code: one tree-sitter node rewritten at a time.

Each language has a table of rules keyed by node type; a rule turns one node into zero or more
mutations (a byte range and its replacement). Adding a language is a table of rules and a check
that the mutated file still compiles; Python is the first.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Iterator

from codeidx.indexer.languages import parser_for


@dataclass(frozen=True)
class Mutation:
    start: int  # byte range of the original text replaced
    end: int
    replacement: bytes
    rule: str  # which kind of bug: comparison, boolean, off_by_one, not, swap_args, return
    line: int  # 1-based line of the change, to find the function it is in
    description: str  # what changed, e.g. "`<` -> `>=`"

    def apply(self, source: bytes) -> bytes:
        return source[:self.start] + self.replacement + source[self.end:]


Rule = Callable[[object, bytes], Iterator[Mutation]]


def _text(node, source: bytes) -> bytes:
    return source[node.start_byte:node.end_byte]


def _mutation(node, source: bytes, replacement: bytes, rule: str) -> Mutation:
    before = _text(node, source).decode(errors="replace")
    return Mutation(node.start_byte, node.end_byte, replacement, rule, node.start_point[0] + 1,
                    f"`{before}` -> `{replacement.decode(errors='replace')}`")


# --- Python ---------------------------------------------------------------------------------------------

_PY_FLIPS = {b"<": b">=", b">=": b"<", b">": b"<=", b"<=": b">", b"==": b"!=", b"!=": b"==",
             b"is": b"is not", b"is not": b"is", b"in": b"not in", b"not in": b"in"}
_PY_BOOLS = {b"and": b"or", b"or": b"and"}
_PY_ARG_TYPES = {"keyword_argument", "list_splat", "dictionary_splat", "comment", "parenthesized_list_splat"}


def _py_comparison(node, source: bytes) -> Iterator[Mutation]:
    for child in node.children:
        flipped = _PY_FLIPS.get(_text(child, source)) if not child.is_named else None
        if flipped:
            yield _mutation(child, source, flipped, "comparison")


def _py_boolean(node, source: bytes) -> Iterator[Mutation]:
    op = node.child_by_field_name("operator")
    if op is not None and _text(op, source) in _PY_BOOLS:
        yield _mutation(op, source, _PY_BOOLS[_text(op, source)], "boolean")


def _py_integer(node, source: bytes) -> Iterator[Mutation]:
    text = _text(node, source)
    if text.isdigit():  # decimal only: 0x1f, 1_000 and 1j are left alone
        yield _mutation(node, source, str(int(text) + 1).encode(), "off_by_one")


def _py_not(node, source: bytes) -> Iterator[Mutation]:
    argument = node.child_by_field_name("argument")
    if argument is not None:
        yield _mutation(node, source, _text(argument, source), "not")


def _py_call_arguments(node, source: bytes) -> Iterator[Mutation]:
    args = node.child_by_field_name("arguments")
    if args is None or args.type != "argument_list":  # a generator argument: f(x for x in y)
        return
    named = args.named_children
    if len(named) < 2 or any(a.type in _PY_ARG_TYPES for a in named[:2]):
        return
    first, second = named[0], named[1]
    if _text(first, source) == _text(second, source):
        return
    between = source[first.end_byte:second.start_byte]
    swapped = _text(second, source) + between + _text(first, source)
    yield Mutation(first.start_byte, second.end_byte, swapped, "swap_args", first.start_point[0] + 1,
                   f"arguments of `{_text(node.child_by_field_name('function'), source).decode(errors='replace')}` "
                   f"swapped")


def _py_return(node, source: bytes) -> Iterator[Mutation]:
    value = next(iter(node.named_children), None)
    if value is None:
        return
    text = _text(value, source)
    replacement = {b"True": b"False", b"False": b"True", b"None": None}.get(text, b"None")
    if replacement:
        yield _mutation(value, source, replacement, "return")


def _py_compiles(source: bytes) -> bool:
    try:
        with warnings.catch_warnings():  # a mutated literal may draw a SyntaxWarning; only errors matter
            warnings.simplefilter("ignore")
            compile(source, "<mutated>", "exec", dont_inherit=True)  # compiled, never run
    except (SyntaxError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Rules:
    by_node: dict[str, Rule]
    compiles: Callable[[bytes], bool]  # the mutated file is still valid code


RULES: dict[str, Rules] = {
    "python": Rules({"comparison_operator": _py_comparison, "boolean_operator": _py_boolean,
                     "integer": _py_integer, "not_operator": _py_not, "call": _py_call_arguments,
                     "return_statement": _py_return}, _py_compiles),
}


def mutations(source: bytes, language: str) -> list[Mutation]:
    """Every mutation the language's rules offer in `source`, in file order."""
    rules = RULES[language].by_node
    found: list[Mutation] = []
    stack = [parser_for(language).parse(source).root_node]
    while stack:
        node = stack.pop()
        rule = rules.get(node.type)
        if rule is not None:
            found.extend(rule(node, source))
        stack.extend(reversed(node.children))
    return sorted(found, key=lambda m: (m.start, m.end, m.rule))
