"""Lines for the compiler's preprocessor that the grammars cannot read, blanked before a file is parsed.

tree-sitter parses C, C++ and Objective-C as written, before macros expand. A line that is only a macro use
(`Q_OBJECT`, `Q_PROPERTY(bool flat READ isFlat)`, `Q_UNUSED(event)`, `QT_BEGIN_NAMESPACE`) has no
`;` to end it, so the grammar reads it into the next line and loses the member or statement after
it; Qt's `public slots:` and `signals:` are no access specifiers to it. In flameshot, a Qt
application, 135 of its 221 C++ files parsed with errors, 20 with these blanked
(benchmarks/RESULTS.md). Swift's conditional compilation (`#if canImport(Security)` ... `#endif`)
inside a type or an extension made its grammar drop the type, its members becoming free functions;
its lines are blanked and both branches read, as the code of either platform. Kotlin's grammar ends
a class header at a line break, so a primary constructor on the line below it (okio's
`actual open class ByteString` above `internal actual constructor(`) made the class end there and
its members free functions; that line break moves past the constructor's first modifier, where the
grammar reads on. The bytes become spaces, each newline kept (or moved within its own statement), so
lines and offsets stay the file's own: the chunks are cut from the file as it is.
"""
from __future__ import annotations

import re

# A whole line naming an all-caps macro with an underscore in its name, maybe with arguments on the
# same line and a comment, and no `;`, `{` or `}`: not a call (that ends with `;`).
_MACRO_LINE = re.compile(rb"^[ \t]*[A-Z][A-Z0-9]*_[A-Z0-9_]*(?:[ \t]*\([^;{}\n]*\))?[ \t]*(?://[^\n]*)?$", re.M)
# What may start the line after it: a declaration, a statement, a label, a directive, a comment, a
# closing brace, or nothing. Not `{` (`TEST_F(Suite, Name)` with its body below is a definition) nor
# an operator (`LOG_IF(INFO, x)` with `<< "message";` below is one statement).
_NEXT_LINE = re.compile(rb"\n[ \t]*(?:[A-Za-z_~#}\[]|//|/\*|\n|$)")
_SLOTS = re.compile(rb"\b(?:public|protected|private)[ \t]+(slots|Q_SLOTS)[ \t]*:")
_SIGNALS = re.compile(rb"^[ \t]*(signals|Q_SIGNALS)[ \t]*:", re.M)
# A class header ending its line (group 1, the line break), then a primary constructor with a modifier
# or an annotation first (group 2, the blank after it): `constructor` alone is not read as one.
_WORD = rb"(?:@[\w.]+(?:\([^)\n]*\))?|[a-z]+)"
_SPLIT_CONSTRUCTOR = re.compile(rb"\bclass[ \t]+\w+(?:<[^\n{}]*>)?[ \t]*(\n)[ \t]*" + _WORD + rb"([ \t]+)(?:"
                                + _WORD + rb"[ \t]+)*constructor[ \t]*\(")
_CONDITIONAL = re.compile(rb"^[ \t]*#(?:if|elseif|else|endif)\b[^\n]*$", re.M)


def without_macros(source: bytes) -> bytes:
    """The source with macro lines blanked, `slots` dropped from `public slots:`, and `signals:` read as
    `public:` (what Qt's moc makes of them)."""
    out = bytearray(source)
    for m in _MACRO_LINE.finditer(source):
        above = source[source.rfind(b"\n", 0, max(m.start() - 1, 0)) + 1:max(m.start() - 1, 0)]
        continued = above.rstrip().endswith(b"\\")  # the last line of a `#define`
        if not continued and (m.end() == len(source) or _NEXT_LINE.match(source, m.end())):
            out[m.start():m.end()] = b" " * (m.end() - m.start())
    for m in _SLOTS.finditer(source):
        out[m.start(1):m.end(1)] = b" " * (m.end(1) - m.start(1))
    for m in _SIGNALS.finditer(source):
        word = m.end(1) - m.start(1)
        out[m.start(1):m.end(1)] = b"public"[:word].ljust(word)
    return bytes(out)


def without_conditionals(source: bytes) -> bytes:
    """The source with its conditional compilation lines (`#if`, `#elseif`, `#else`, `#endif`) blanked."""
    return _CONDITIONAL.sub(lambda m: b" " * len(m.group(0)), source)


def with_constructors_joined(source: bytes) -> bytes:
    """The source with each primary constructor written below its class header joined to it: the line
    break after the header and the blank after the constructor's first modifier trade places."""
    out = bytearray(source)
    for m in _SPLIT_CONSTRUCTOR.finditer(source):
        out[m.start(1)], out[m.start(2)] = ord(" "), ord("\n")
    return bytes(out)
