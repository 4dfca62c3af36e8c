"""Turn one file into symbols and references with tree-sitter and the language's tag query.

The query (`queries/<language>.scm`) marks definitions (`@definition.<kind>` with `@name`),
scopes that qualify names without being symbols themselves (`@scope`, e.g. a Rust `impl`),
and references (`@reference.call|import|inherit` with `@name`). A definition also captured as
`@open` has no body of its own (PHP's `namespace App;`): it qualifies what follows it, up to the
next one like it or the end of its parent; a `@body` captured beside a definition (Dart keeps a
function's body after its signature, not in it) belongs to its range. Everything else here is
language-neutral: nesting gives qualified names, the body field gives the signature.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from codeidx.core.models import ParsedFile, Reference, Symbol
from codeidx.indexer.languages import Language, language_named, parser_for, query_for
from codeidx.indexer.preprocessor import with_constructors_joined, without_conditionals, without_macros

MAX_SIGNATURE = 300
MAX_DOCSTRING = 600
# Definitions nested deeper than this are text of the one around them, not symbols of their own: real
# code nests a few levels, and a file of thousands of functions each inside the last (generated, or
# hostile) would otherwise give names and chunks that grow with the square of its length.
MAX_NESTING = 16
# Syntax-tree depth below which the tag query looks for nothing. In 5,806 files of 18 languages the
# deepest definition or reference lay 61 levels down; tree-sitter finds a node's parent by walking from
# the root, so a file nested thousands deep would cost the square of its depth.
MAX_CAPTURE_DEPTH = 256
# Node types that wrap a definition and belong to its range (decorators, export, attributes).
WRAPPERS = {"decorated_definition", "export_statement", "template_declaration"}
# Languages whose docstring is a string literal right above the definition (Julia's `"""Area."""`).
STRING_DOCS_ABOVE = {"julia"}
# Languages whose docstring is the comment right below the definition's first line (MATLAB's help text).
COMMENT_DOCS_BELOW = {"matlab"}
# Languages whose docstring is the comment on the line after the definition ends: an OCaml interface documents
# its `val`s so (192 of ocaml-cohttp's 206 documented items), and the comment above is the item's before.
COMMENT_DOCS_AFTER = {"ocaml_interface"}
# Node types that precede a definition as siblings, between it and its doc comment (Rust `#[derive]`,
# Dart's `@override`, Haskell's type signature `area :: Shape -> Double`, Zig's `pub`).
ATTRIBUTES = {"attribute_item", "annotation", "signature", "pub"}
# An attribute that compiles what follows only for tests: Rust's `#[test]` (or `#[tokio::test]`) and
# `#[cfg(test)]` (also `#[cfg(all(test, unix))]`, but not `#[cfg(not(test))]`). A crate keeps its unit
# tests beside the code in its own files, so a file's path cannot tell them apart.
_TEST_ATTRIBUTE = re.compile(r"^#\[\s*(?:(?:\w+::)*test\s*\]|cfg\s*\(\s*(?:all\s*\(\s*)?test\b)")


@dataclass(frozen=True)
class _Def:
    node: object  # the definition's outer node (with decorators etc.)
    kind: str
    name: str
    start_byte: int
    end_byte: int
    receiver: str = ""  # what a method is defined on: a Go receiver's type, the object of `res.send = function`
    is_scope: bool = False
    test: bool = False  # under a test attribute of its own (`_TEST_ATTRIBUTE`)
    name_byte: int = -1  # where its name starts
    body: object = None  # a body the grammar keeps beside the definition (Dart's `@body`), not in it


def parse_file(path: str, source: bytes, language: str) -> ParsedFile:
    """Symbols and references of one file; a file with syntax errors yields what parses."""
    spec = language_named(language)
    if spec is None or not spec.grammar:
        return ParsedFile(path, language, (), ())
    from tree_sitter import QueryCursor

    if spec.script_blocks:
        source = _script_blocks(source)
    if spec.macros:
        source = without_macros(source)
    if spec.conditionals:
        source = without_conditionals(source)
    if spec.split_constructors:
        source = with_constructors_joined(source)
    try:
        source.decode("utf-8")
    except UnicodeDecodeError:
        # A query's predicates (`#match?`) read a node's text as UTF-8 and fail on a stray Latin-1
        # byte; each becomes U+FFFD here, as the chunks' text has it, and no line moves.
        source = source.decode("utf-8", "replace").encode("utf-8")
    tree = parser_for(language).parse(source)
    defs: list[_Def] = []
    refs: list[tuple[str, str, int, int]] = []  # kind, name, line, byte
    cursor = QueryCursor(query_for(language))
    cursor.set_max_start_depth(MAX_CAPTURE_DEPTH)
    for _, captures in cursor.matches(tree.root_node):
        names = captures.get("name")
        if not names:
            continue
        # A grammar without a node for a dotted path (Scala imports) has the query capture each
        # segment as @name; the name is then the segments joined with dots (`import a.{b => c}`: a.b).
        name_node = names[0]
        text = ".".join(_text(source, n) for n in names)
        for capture, nodes in captures.items():
            node = nodes[0]
            if capture.startswith("definition."):
                outer = node.parent if node.parent is not None and node.parent.type in WRAPPERS else node
                receiver = _text(source, captures["receiver"][0]) if "receiver" in captures else ""
                body = captures["body"][0] if "body" in captures else None
                end = _open_end(outer) if "open" in captures else (body or outer).end_byte
                kind = capture.split(".", 1)[1]
                # `@definition.test`: a unit test the language marks itself (Zig's `test "name" {}`).
                test = kind == "test" or _under_test_attribute(source, outer)
                name = text.strip('"') if kind == "test" else text  # a test is named by its string
                defs.append(_Def(outer, "function" if kind == "test" else kind, _dotted(name),
                                 outer.start_byte, end, receiver, test=test, name_byte=name_node.start_byte,
                                 body=body))
            elif capture == "scope":
                defs.append(_Def(node, "scope", _last_segment(_strip_generics(text)), node.start_byte,
                                 node.end_byte, is_scope=True, test=_under_test_attribute(source, node)))
            elif capture.startswith("reference."):
                refs.append((capture.split(".", 1)[1], _clean_ref(text), name_node.start_point[0] + 1,
                             name_node.start_byte))
    symbols, spans = _symbols(path, spec, source, defs, tree.root_node)
    # A name that defines is not a reference: Elixir's `def area(shape)` is a call node to its grammar.
    defining = {d.name_byte for d in defs}
    enclosing = _innermost(spans, (byte for *_, byte in refs))
    references = tuple(
        Reference(path=path, kind=kind, name=name, line=line, source=enclosing[byte])
        for kind, name, line, byte in sorted(set(refs), key=lambda r: (r[2], r[3], r[0], r[1]))
        if name and byte not in defining)
    return ParsedFile(path, language, tuple(symbols), references, parse_errors=tree.root_node.has_error)


def _symbols(path: str, spec: Language, source: bytes, defs: list[_Def],
             root) -> tuple[list[Symbol], list[tuple[int, int, str]]]:
    """Qualify each definition by the definitions around it; returns symbols and the byte spans of
    symbols and scopes, so that a reference in an `impl Shape for Circle` header belongs to `Circle`."""
    unique = {(d.start_byte, d.end_byte, d.is_scope): d for d in defs}  # one node may match two patterns
    ordered = sorted(unique.values(), key=lambda d: (d.start_byte, -d.end_byte, d.is_scope))
    last = (lambda name: name) if spec.dots_in_names else _last_segment
    stack: list[tuple[_Def, str, bool]] = []  # each open definition, its qualified name, whether it is test code
    symbols: list[Symbol] = []
    spans: list[tuple[int, int, str]] = []
    for d in ordered:
        while stack and stack[-1][0].end_byte <= d.start_byte:
            stack.pop()
        if len(stack) >= MAX_NESTING:
            continue
        parent = stack[-1][1] if stack else ""
        test = d.test or (stack[-1][2] if stack else False)
        if d.receiver:
            parent = last(d.receiver)
        # `Shape::area` defined outside its class keeps its qualifier; its bare name is the tail.
        qualified = f"{parent}.{d.name}" if parent else d.name
        name = last(d.name)
        kind = d.kind
        if kind == "function" and stack and stack[-1][0].kind in ("class", "struct", "interface", "trait", "scope",
                                                                  "enum"):
            kind = "method"
        spans.append((d.start_byte, d.end_byte, qualified))
        stack.append((d, qualified, test))
        if d.is_scope:
            continue
        node = d.node
        symbols.append(Symbol(
            path=path, language=spec.name, kind=kind, name=name, qualified_name=qualified,
            signature=_signature(source, node), docstring=_docstring(source, node, spec.name, root),
            start_line=node.start_point[0] + 1, end_line=_last_line(d.body or node), parent=parent, test=test))
    return symbols, spans


# An opening tag's attributes are bounded, and each block ends at the first closing tag after it, found
# by bisection: a file of thousands of unclosed `<script` tags is one pass, not one scan to the end each.
_SCRIPT_OPEN = re.compile(rb"<script\b[^>]{0,1024}>", re.I)
_SCRIPT_CLOSE = re.compile(rb"</script\s{0,64}>", re.I)


def _script_blocks(source: bytes) -> bytes:
    """A component file (`.vue`, `.svelte`) with all but its `<script>` blocks blanked: every byte
    outside them a space, each newline kept, so that lines and byte offsets stay the file's own."""
    out = bytearray(b" " * len(source))
    for n in (i for i, byte in enumerate(source) if byte == 0x0A):
        out[n] = 0x0A
    closes = [(m.start(), m.end()) for m in _SCRIPT_CLOSE.finditer(source)]
    at = 0
    while (opening := _SCRIPT_OPEN.search(source, at)) is not None:
        n = bisect.bisect_left(closes, (opening.end(), -1))
        if n == len(closes):
            break
        start, at = opening.end(), closes[n][1]
        out[start:closes[n][0]] = source[start:closes[n][0]]
    return bytes(out)


def _under_test_attribute(source: bytes, node) -> bool:
    """Whether one of the attributes right above a definition compiles it only for tests."""
    sibling = node.prev_named_sibling
    while sibling is not None and (sibling.type in ATTRIBUTES or _is_comment(sibling)):
        if sibling.type in ATTRIBUTES and _TEST_ATTRIBUTE.match(_text(source, sibling)):
            return True
        sibling = sibling.prev_named_sibling
    return False


def _open_end(node) -> int:
    """Where the scope of a definition without a body ends: at the next one like it, or with its parent."""
    sibling = node.next_named_sibling
    while sibling is not None and sibling.type != node.type:
        sibling = sibling.next_named_sibling
    return sibling.start_byte if sibling is not None else node.parent.end_byte


def _innermost(spans: list[tuple[int, int, str]], offsets) -> dict[int, str]:
    """Each offset's innermost enclosing span's name ("" outside every span), in one sweep: spans are
    syntax nodes, so they nest, and a file of many definitions and references costs n log n, not n * m.
    Of two spans over the same bytes (a definition and a scope on one node), the first counts."""
    ordered = sorted(spans, key=lambda s: (s[0], -s[1]))  # stable: the definition before its scope
    found: dict[int, str] = {}
    stack: list[tuple[int, int, str]] = []
    i = 0
    for byte in sorted(set(offsets)):
        while i < len(ordered) and ordered[i][0] <= byte:
            span = ordered[i]
            i += 1
            while stack and stack[-1][1] <= span[0]:
                stack.pop()
            if not stack or stack[-1][:2] != span[:2]:
                stack.append(span)
        while stack and stack[-1][1] <= byte:
            stack.pop()
        found[byte] = stack[-1][2] if stack else ""
    return found


def _body(node):
    inner = node
    if node.type in WRAPPERS:
        inner = (node.child_by_field_name("definition") or node.child_by_field_name("declaration")
                 or node.named_children[-1])
    body = inner.child_by_field_name("body")
    if body is None:
        body = next((c for c in inner.children if c.type in ("block", "declaration_list", "field_declaration_list",
                                                             "class_body", "compound_statement", "function_body")),
                    None)
    return inner, body


def _signature(source: bytes, node) -> str:
    """The header up to the body (or the first line when there is none), without comments: grammars
    such as Ruby's attach the next definition's leading comment to the header."""
    inner, body = _body(node)
    # A doc the grammar puts inside the definition, first (GraphQL's `"""description"""`), is no header.
    lead = next((c for c in inner.children if not _is_comment(c)), inner)
    start = max(inner.start_byte, lead.start_byte)
    if body is not None:
        end = body.start_byte
    else:
        line_end = source.find(b"\n", start)
        end = inner.end_byte if line_end == -1 else min(line_end, inner.end_byte)
    pieces, pos = [], start
    for comment in _comments_in(inner, end):
        pieces.append(source[pos:comment.start_byte])
        pos = comment.end_byte
    pieces.append(source[pos:end])
    text = b" ".join(pieces).decode("utf-8", "replace")
    # Scala and Kotlin expression bodies leave the `=` before them.
    text = " ".join(text.split()).rstrip("{:= ").strip()
    return text[:MAX_SIGNATURE]


def _comments_in(node, end: int):
    for child in node.children:
        if child.start_byte >= end:
            return
        if _is_comment(child):
            yield child
        else:
            yield from _comments_in(child, end)


def _is_comment(node) -> bool:
    # Grammars name them comment, line_comment, block_comment, multiline_comment, doc_comment, haddock,
    # and GraphQL's description...
    return "comment" in node.type or node.type in ("haddock", "description")


def _docstring(source: bytes, node, language: str, root) -> str:
    if language == "python":
        _, body = _body(node)
        first = body.named_children[0] if body is not None and body.named_children else None
        if first is not None and first.type == "expression_statement" and first.named_children:
            first = first.named_children[0]
        if first is not None and first.type == "string":
            return _clean_doc(_text(source, first))
    if language == "elixir":
        doc = _elixir_doc(source, node)
        if doc is not None:
            return doc
    if language == "clojure":
        doc = _clojure_doc(source, node)
        if doc is not None:
            return doc
    if language == "gdscript" and node.type == "source":
        return _script_doc(source, node)
    first = node.named_children[0] if node.named_children else None
    if language == "graphql" and first is not None and first.type == "description":  # `"""A product."""` inside
        return _clean_doc(_text(source, first))
    if language in COMMENT_DOCS_BELOW:
        below = _comments_below(node)
        if below:
            return _clean_doc("\n".join(_text(source, c) for c in below))
    if language in COMMENT_DOCS_AFTER:
        after = node.next_named_sibling
        if after is not None and _is_comment(after) and after.start_point[0] <= node.end_point[0] + 1:
            return _clean_doc(_text(source, after))
        above = node.prev_named_sibling
        before = above.prev_named_sibling if above is not None and _is_comment(above) else None
        if before is not None and not _is_comment(before) and before.end_point[0] + 1 >= above.start_point[0]:
            return ""  # the comment above is the item's before, right after it
    if language in STRING_DOCS_ABOVE:
        above = node.prev_named_sibling
        if (above is not None and above.type == "string_literal"
                and source.count(b"\n", above.end_byte, node.start_byte) <= 1):
            return _clean_doc(_text(source, above))
    return _clean_doc("\n".join(reversed(list(_leading_comments(source, node, root)))))


def _elixir_doc(source: bytes, node) -> str | None:
    """Elixir keeps a function's doc in the `@doc` above it (past its `@spec` and `@impl`), and a
    module's in a `@moduledoc` of its body's own (after the modules it nests, if it opens with them);
    `@doc false` hides one, and gives none."""
    target = node.child_by_field_name("target")
    if target is not None and _text(source, target) in ("defmodule", "defprotocol"):
        block = next((c for c in node.named_children if c.type == "do_block"), None)
        docs = (_attribute_doc(source, child, "moduledoc") for child in (block.named_children if block else ()))
        return next((doc for doc in docs if doc is not None), None)
    above = node.prev_named_sibling
    while above is not None and above.type == "unary_operator" and _text(source, above).startswith("@"):
        doc = _attribute_doc(source, above, "doc")
        if doc is not None:
            return doc
        above = above.prev_named_sibling
    return None


def _last_line(node) -> int:
    """The 1-based last line of a node; a whole file that a definition spans (a Clojure namespace, a GDScript
    class) ends past its final newline, at the start of a line it does not hold."""
    row, column = node.end_point
    return row + 1 if column or row == node.start_point[0] else row


def _clojure_doc(source: bytes, node) -> str | None:
    """Clojure's docstring is the string after a definition's name (`(defn area "Area." [r] ...)`, and a
    namespace's in its `ns` form); a protocol method's is the string after its parameters. In `(def x "s")`
    the string is the value, and after a function's parameters it is its body."""
    if node.type == "source":  # the namespace: the file, named by its `ns` form
        node = next((c for c in node.named_children if c.type == "list_lit"), None)
        if node is None:
            return None
    forms = [c for c in node.named_children if not _is_comment(c)]
    head = _text(source, forms[0]) if forms else ""
    if head.startswith("def") or head == "ns":
        doc = forms[2] if len(forms) > 2 + (head == "def") else None
    else:  # `(area [this] "Area of the shape.")` in a `defprotocol`, not a record's `(label [_] "circle")`
        parent = node.parent.named_children if node.parent is not None else []
        declares = bool(parent) and _text(source, parent[0]) in ("defprotocol", "definterface")
        doc = forms[-1] if declares and len(forms) > 2 else None
    return _clean_doc(_text(source, doc)) if doc is not None and doc.type == "str_lit" else None


def _script_doc(source: bytes, node) -> str:
    """A GDScript file's class doc: the first block of `##` lines among its header (`@tool`, `class_name`,
    `extends`), above it as some projects write it or below it as Godot's style guide does."""
    block: list = []
    header = ("annotation", "class_name_statement", "extends_statement")
    for child in node.named_children:
        doc = _is_comment(child) and _text(source, child).startswith("##")  # `#` alone is a comment, no doc
        if doc and (not block or child.start_point[0] == block[-1].end_point[0] + 1):
            block.append(child)
        elif block:
            if child.type not in header and child.start_point[0] == block[-1].end_point[0] + 1:
                return ""  # right above a member, the block is the member's
            break
        elif not (_is_comment(child) or child.type in header):
            break
    return _clean_doc("\n".join(_text(source, c) for c in block))


def _attribute_doc(source: bytes, node, name: str) -> str | None:
    """The text of a `@name "..."` (or `\"\"\"` heredoc) attribute, None when `node` is another."""
    match = re.match(rf"@{name}\s+(~[SsD])?(\"\"\".*\"\"\"|\".*\")\s*$", _text(source, node), re.S)
    return _clean_doc(match.group(2)) if match else None


def _comments_below(node) -> list:
    """The comments that start on the line after a definition's first, one per line, as its children."""
    found = []
    line = node.start_point[0] + 1
    for child in node.named_children:
        if _is_comment(child) and child.start_point[0] == line:
            found.append(child)
            line = child.end_point[0] + 1
        elif found:
            break
    return found


def _leading_comments(source: bytes, node, root):
    """The comments directly above a definition, nearest first, found by position rather than by
    tree shape: grammars attach them as a sibling of a wrapper (Go `type`), inside the parent's
    header (Ruby) or at the end of the previous statement (Kotlin)."""
    # Start from the outermost node that the definition opens on its line: `type` in `type Shape
    # interface`, but not the class around `class A { fun x() = 1 }`.
    while (node.parent is not None and node.parent.start_point[0] == node.start_point[0]
           and node.parent.named_children[0] == node):
        node = node.parent
    start = node.start_byte
    while True:
        pos = start - 1
        while pos >= 0 and source[pos] in b" \t\r\n":
            pos -= 1
        if pos < 0:
            return
        # The byte may be a comment's own token (Scala's `*/`): climb to the comment, not past `start`.
        comment = root.descendant_for_byte_range(pos, pos + 1)
        while (comment is not None and comment.end_byte <= start and not _is_comment(comment)
               and comment.type not in ATTRIBUTES):
            comment = comment.parent
        if comment is not None and comment.type in ATTRIBUTES and source.count(b"\n", pos, start) <= 1:
            start = comment.start_byte  # the doc comment is above the attributes
            continue
        if comment is None or not _is_comment(comment):
            return
        while comment.parent is not None and _is_comment(comment.parent):
            comment = comment.parent
        line_start = source.rfind(b"\n", 0, comment.start_byte) + 1
        # A blank line, or code before the comment on its line (a trailing comment), ends the doc;
        # newlines are counted from `pos` because Rust's line comments end with their newline.
        if source.count(b"\n", pos, start) > 1 or source[line_start:comment.start_byte].strip():
            return
        yield _text(source, comment)
        start = comment.start_byte


# Lua's doc comments start `---`, R's (roxygen) `#'`, Haskell's (Haddock) `-- |` and `-- ^`, MATLAB's `%`,
# PowerShell's help `<# ... #>`, OCaml's `(** ... *)`, Clojure's `;;`, GDScript's `##`.
_COMMENT_MARKS = re.compile(r"^\s*(/\*\*?|\(\*\*?|\*/|\*\)|\*|///?|//!|<#|#>|#[#']?|---?(?:\s?[|^])?|%+|;+)\s?",
                            re.MULTILINE)
_COMMENT_ENDS = re.compile(r"\s*\*\)\s*$", re.MULTILINE)  # OCaml's `*)` closing a line; C's `*/` goes wherever it is
# C# XML documentation tags; a reference tag (`<see cref="Shape"/>`) keeps the name it points to.
_XML_DOC_TAG = re.compile(
    r"<(?:see|seealso|paramref|typeparamref)\s+\w+=\"([^\"]*)\"\s*/>"
    r"|</?(?:summary|remarks|returns|param|paramref|typeparam|typeparamref|value|example|exception"
    r"|see|seealso|c|code|para|list|listheader|item|term|description|inheritdoc|include|permission)\b[^<>]*>")


def _clean_doc(text: str) -> str:
    text = text.strip()
    for quote in ('"""', "'''", '"', "'"):
        if len(text) >= 2 * len(quote) and text.startswith(quote) and text.endswith(quote):
            text = text[len(quote):-len(quote)]
            break
    else:
        text = _COMMENT_ENDS.sub("", _COMMENT_MARKS.sub("", text)).replace("*/", "")
        text = _XML_DOC_TAG.sub(lambda m: m.group(1) or "", text)
    lines = [ln.strip() for ln in text.strip().splitlines()]
    return "\n".join(lines).strip()[:MAX_DOCSTRING]


def _text(source: bytes, node) -> str:
    return source[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _dotted(name: str) -> str:
    for sep in ("::", "\\"):
        name = name.replace(sep, ".")
    return name


def _last_segment(name: str) -> str:
    return _dotted(name).rsplit(".", 1)[-1]


def _strip_generics(name: str) -> str:
    return name.split("<", 1)[0]


def _clean_ref(text: str) -> str:
    """Import paths lose quotes and angle brackets; multi-line callees are collapsed."""
    text = text.strip().strip("\"'<>`")
    return " ".join(text.split())[:200]
