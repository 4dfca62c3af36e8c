"""Definitions in templates of the `{% %}` family (Jinja, Django, Nunjucks, Twig): blocks and macros.

The language pack has no grammar for them, and a page is read as text; but its blocks and macros are
what other templates extend, override and call (`{% block content %}` ... `{% endblock %}`,
`{% macro render_field(field) %}` ... `{% endmacro %}`). Read as symbols with their lines, they cut a
page's chunks where its parts begin and end, name its hits, and `codeidx symbol render_field` finds the
macro. A tag left open (a template cut short, a tag inside a comment) defines nothing.
"""
from __future__ import annotations

import re

from codeidx.core.models import ParsedFile, Symbol

# An opening or closing tag, with its whitespace control (`{%-`, `-%}`): the tag's word, then the
# definition's name and, for a macro, its parameters.
_TAG = re.compile(r"\{%-?\s*(block|endblock|macro|endmacro)\b(?:\s+([A-Za-z_]\w*))?([^%]{0,500}?)-?%\}")
_COMMENT = re.compile(r"\{#.*?#\}", re.S)  # a tag commented out defines nothing
_KINDS = {"block": "block", "macro": "function"}
_SPACE = re.compile(r"\s+")


def template_definitions(path: str, language: str, source: bytes) -> ParsedFile:
    """A template's blocks (kind `block`, qualified through the blocks around them: `content.sidebar`)
    and macros (kind `function`), each from its opening tag's line to its closing tag's."""
    text = _COMMENT.sub(lambda c: re.sub(r"[^\n]", " ", c.group(0)), source.decode("utf-8", "replace"))
    open_: list[tuple[str, str, str, int, str]] = []  # (tag, name, qualified name, start line, signature)
    symbols: list[Symbol] = []
    line, counted = 1, 0
    for m in _TAG.finditer(text):
        line += text.count("\n", counted, m.start())
        counted = m.start()
        tag, name = m.group(1), m.group(2)
        if tag in _KINDS:
            if name:
                qualified = ".".join([o[1] for o in open_] + [name])
                open_.append((tag, name, qualified, line, _SPACE.sub(" ", m.group(0))))
            continue
        opener = tag.removeprefix("end")
        at = next((i for i in range(len(open_) - 1, -1, -1) if open_[i][0] == opener), None)
        if at is None:
            continue
        _, name, qualified, start, signature = open_[at]
        del open_[at:]  # what was opened inside and never closed ends here too
        end = line + text.count("\n", m.start(), m.end())
        parent = qualified.rpartition(".")[0]
        symbols.append(Symbol(path, language, _KINDS[opener], name, qualified, signature, "", start, end, parent))
    return ParsedFile(path, language, tuple(sorted(symbols, key=lambda s: (s.start_line, -s.end_line))), ())
