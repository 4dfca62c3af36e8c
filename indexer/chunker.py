"""Turn a parsed file into chunks: one per symbol, module chunks for loose code, text sections.

Embedding is the slow stage of a build, so chunks avoid repeating text: a class chunk shows its
header, its own body and one line per method, while each method is a chunk of its own. Every
chunk's embedded text begins with a context header (path, language, qualified name, signature)
so that a piece read alone still says where it sits.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Callable, Sequence

from codeidx.core.models import Chunk, ParsedFile, Symbol

CHUNK_NAMESPACE = uuid.UUID("6f1c1d9e-5d1b-4c56-9a4e-3f0d2c8b7a10")
# The shape of a chunk's embedded text: its context header and how a split part repeats it. Bump it
# whenever that shape changes, so the embedding cache never serves a vector made of the old text.
EMBED_TEXT_VERSION = 1
TEXT_WINDOW_LINES = 40
MAX_HEADER_NAME = 200  # characters of the qualified name a header shows
# Lines that continue a statement rather than start one (a split must not land on them).
_CONTINUATION = re.compile(r"^\s*([)\]}.,]|else\b|elif\b|except\b|finally\b|catch\b|&&|\|\||\+|-(?!-)|\?|:)")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")

# Tokens of each text, in one batch (the embedder's own tokenizer).
CountTokens = Callable[[Sequence[str]], list[int]]


@dataclass(frozen=True)
class _Piece:
    kind: str
    name: str
    qualified_name: str
    signature: str
    docstring: str
    lines: tuple[tuple[int, str], ...]  # (1-based line number, text)
    test: bool = False  # a test symbol's (`Symbol.test`)


def chunk_file(parsed: ParsedFile, source: bytes, count_tokens: CountTokens, max_tokens: int) -> list[Chunk]:
    lines = source.decode("utf-8", "replace").splitlines()
    if parsed.symbols:
        pieces = _symbol_pieces(parsed.symbols, lines) + _module_pieces(parsed, lines)
    elif parsed.language == "markdown":
        pieces = _markdown_pieces(parsed.path, lines)
    else:
        pieces = _module_pieces(parsed, lines)
    heads = [header(parsed.path, parsed.language, p.qualified_name, p.signature) for p in pieces]
    # A window is filled line by line, so every distinct line is counted once, all in one batch.
    # Word-piece tokenizers never join tokens across a newline, so a text's count is the sum of
    # its lines' counts (splitting adds 1 per line as slack for tokenizers that count newlines).
    distinct = list(dict.fromkeys([*heads, *(t for p in pieces for _, t in p.lines)]))
    count = dict(zip(distinct, count_tokens(distinct))).__getitem__
    chunks: list[Chunk] = []
    for piece, head in sorted(zip(pieces, heads), key=lambda ph: (ph[0].lines[0][0], -ph[0].lines[-1][0])):
        chunks.extend(_fit(parsed, piece, head, count, max_tokens))
    return chunks


def header(path: str, language: str, qualified_name: str, signature: str) -> str:
    """Bounded, as every split part repeats it: a name of thousands of characters would leave no room."""
    if len(qualified_name) > MAX_HEADER_NAME:
        qualified_name = qualified_name[:MAX_HEADER_NAME] + "..."
    first = f"# {path} | {language}" + (f" | {qualified_name}" if qualified_name else "")
    return first + (f"\n# {signature}" if signature else "") + "\n"


def module_name(path: str) -> str:
    return ".".join(PurePosixPath(path).with_suffix("").parts)


def _symbol_pieces(symbols: tuple[Symbol, ...], lines: list[str]) -> list[_Piece]:
    by_parent: dict[str, list[Symbol]] = {}
    for sym in symbols:
        by_parent.setdefault(sym.parent, []).append(sym)
    pieces = []
    for sym in symbols:
        children = [c for c in by_parent.get(sym.qualified_name, ()) if c is not sym
                    and sym.start_line <= c.start_line and c.end_line <= sym.end_line]
        numbered = _elide(sym, children, lines)
        if any(text.strip() for _, text in numbered):
            pieces.append(_Piece(sym.kind, sym.name, sym.qualified_name, sym.signature, sym.docstring, numbered,
                                 sym.test))
    return pieces


def _elide(sym: Symbol, children: list[Symbol], lines: list[str]) -> tuple[tuple[int, str], ...]:
    """The symbol's lines, each child shown by its first line and an ellipsis (it has its own chunk)."""
    hidden: dict[int, str] = {}
    for child in children:
        if child.end_line > child.start_line:
            body = lines[child.start_line] if child.start_line < len(lines) else ""
            indent = body[: len(body) - len(body.lstrip())]
            hidden[child.start_line + 1] = f"{indent}..."
            for n in range(child.start_line + 2, child.end_line + 1):
                hidden[n] = ""
    out = []
    for n in range(sym.start_line, min(sym.end_line, len(lines)) + 1):
        if n in hidden:
            if hidden[n]:
                out.append((n, hidden[n]))
        else:
            out.append((n, lines[n - 1]))
    return tuple(out)


def _module_pieces(parsed: ParsedFile, lines: list[str]) -> list[_Piece]:
    """Loose top-level code (imports, constants, scripts) in runs between the symbols."""
    covered = set()
    for sym in parsed.symbols:
        if not sym.parent:
            covered.update(range(sym.start_line, sym.end_line + 1))
    run: list[tuple[int, str]] = []
    runs: list[tuple[tuple[int, str], ...]] = []
    for n, text in enumerate(lines, start=1):
        if n in covered:
            if run:
                runs.append(tuple(run))
            run = []
        else:
            run.append((n, text))
    if run:
        runs.append(tuple(run))
    name = module_name(parsed.path)
    kind = "module" if parsed.symbols or parsed.language != "config" else "config"
    return [_Piece(kind, name, name, "", "", r) for r in runs if any(t.strip() for _, t in r)]


def _markdown_pieces(path: str, lines: list[str]) -> list[_Piece]:
    pieces: list[_Piece] = []
    title, start = module_name(path), 1
    for n, text in enumerate(lines + ["# "], start=1):
        match = _MD_HEADING.match(text)
        if match or n == len(lines) + 1:
            section = tuple((i, lines[i - 1]) for i in range(start, min(n, len(lines) + 1)))
            if any(t.strip() for _, t in section):
                pieces.append(_Piece("section", title, title, "", "", section))
            if match:
                title, start = match.group(2).strip() or title, n
    return pieces


def _fit(parsed: ParsedFile, piece: _Piece, head: str, count: Callable[[str], int], max_tokens: int) -> list[Chunk]:
    """One chunk when the piece fits the window, else parts cut at statement boundaries."""
    if count(head) + sum(count(t) for _, t in piece.lines) <= max_tokens:
        return [_chunk(parsed, piece, piece.lines, head, 0)]
    room = max(max_tokens - count(head), 16)
    parts = _split(piece.lines, count, room)
    return [_chunk(parsed, piece, part, head, i) for i, part in enumerate(parts, start=1)]


def _split(numbered: tuple[tuple[int, str], ...], count: Callable[[str], int],
           room: int) -> list[tuple[tuple[int, str], ...]]:
    """Greedy packing of statements (runs of lines that start at the body's indentation)."""
    body = [t for _, t in numbered[1:] if t.strip()]
    base = min((len(t) - len(t.lstrip()) for t in body), default=0)
    statements: list[list[tuple[int, str]]] = []
    for item in numbered:
        text = item[1]
        starts = text.strip() and len(text) - len(text.lstrip()) <= base and not _CONTINUATION.match(text)
        if not statements or (starts and statements[-1]):
            statements.append([])
        statements[-1].append(item)
    parts: list[list[tuple[int, str]]] = [[]]
    used = 0
    for stmt in statements:
        cost = sum(count(t) + 1 for _, t in stmt)
        if cost > room:  # one statement too big for the window: cut it into line windows
            for line in stmt:
                line_cost = count(line[1]) + 1
                if used + line_cost > room and parts[-1]:
                    parts.append([])
                    used = 0
                parts[-1].append(line)
                used += line_cost
            continue
        if used + cost > room and parts[-1]:
            parts.append([])
            used = 0
        parts[-1].extend(stmt)
        used += cost
    return [tuple(p) for p in parts if p]


def _chunk(parsed: ParsedFile, piece: _Piece, numbered: tuple[tuple[int, str], ...], head: str, part: int) -> Chunk:
    text = "\n".join(t for _, t in numbered)
    embed_text = head + text
    content_hash = hashlib.sha256(embed_text.encode("utf-8", "replace")).hexdigest()
    # The same text can recur in one file (a repeated comment between functions): the line tells them apart.
    key = f"{parsed.path}\0{piece.qualified_name}\0{part}\0{numbered[0][0]}\0{content_hash}"
    return Chunk(
        id=str(uuid.uuid5(CHUNK_NAMESPACE, key)), path=parsed.path, language=parsed.language, kind=piece.kind,
        name=piece.name, qualified_name=piece.qualified_name, signature=piece.signature,
        docstring=piece.docstring, start_line=numbered[0][0], end_line=numbered[-1][0], text=text,
        embed_text=embed_text, content_hash=content_hash, part=part, test=piece.test)
