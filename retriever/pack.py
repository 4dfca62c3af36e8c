"""Pack code, related signatures and the map into Markdown under a token budget.

Order of priority: the hits' code, then one-line signatures of related symbols, then the
repository map with whatever budget is left. Snippets of one file are merged when their line
ranges overlap or touch, and shown in file and line order, each labelled `path:start-end`, in
sections by their lane (code, tests, documentation and data, the project's history), each section
where its best snippet ranked.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from codeidx.core.errors import CodeidxError
from codeidx.core.paths import CODE_LANE, CONTEXT_LANE, HISTORY_LANE, TEST_LANE, lane_of

# The answer's sections, by the snippets' lanes: tests, docs and data, and the project's history each
# under its own heading, so a reader (or a model) can tell what implements from what checks or explains.
SECTIONS = {CODE_LANE: "Relevant code", TEST_LANE: "Tests", CONTEXT_LANE: "Documentation and data",
            HISTORY_LANE: "Project history"}
# Relations are stored from the hit's side ("the hit calls X"); shown from X's side.
_PHRASES = {"calls": "called by", "called by": "calls", "base": "base class of", "subclass": "subclass of",
            "parent": "encloses"}


@dataclass(frozen=True)
class Snippet:
    path: str
    start_line: int
    end_line: int
    language: str
    label: str  # qualified names shown with it
    code: str


@dataclass(frozen=True)
class RelatedLine:
    path: str
    line: int
    qualified_name: str
    relation: str
    of: str  # the hit it relates to
    signature: str


def merge(snippets: list[Snippet], read: Callable[[str, int, int], str | None]) -> list[Snippet]:
    """Merge overlapping or adjacent ranges of one file, re-reading the merged range. Files keep the
    order of their best snippet (the answer leads with what ranked first); a file's ranges go top down."""
    rank: dict[str, int] = {}
    for n, s in enumerate(snippets):
        rank.setdefault(s.path, n)
    out: list[Snippet] = []
    for s in sorted(snippets, key=lambda s: (rank[s.path], s.start_line, -s.end_line)):
        last = out[-1] if out else None
        if last and last.path == s.path and s.start_line <= last.end_line + 1:
            end = max(last.end_line, s.end_line)
            code = read(s.path, last.start_line, end) if end > last.end_line else last.code
            label = last.label if s.label in last.label.split(", ") else f"{last.label}, {s.label}"
            out[-1] = Snippet(s.path, last.start_line, end, s.language, label, code or last.code)
        else:
            out.append(s)
    return out


def render(query: str, snippets: list[Snippet], related: list[RelatedLine], repo_map: str, notes: list[str],
           files: Sequence[str] = ()) -> str:
    parts = [f"# Context for: {query.strip().splitlines()[0][:200]}\n"]
    parts.extend(f"> Note: {note}\n" for note in notes)
    if files:  # `ask --files`: where to look, before what is there
        parts.append("## Files, best first\n\n" + "\n".join(f"{n}. `{path}`" for n, path in enumerate(files, 1)) + "\n")
    sections: dict[str, list[Snippet]] = {}  # in the order of each section's best snippet
    for s in snippets:
        sections.setdefault(SECTIONS[lane_of(s.path)], []).append(s)
    for title, shown in sections.items():
        parts.append(f"## {title}\n")
        for s in shown:
            fence = "````" if "```" in s.code else "```"
            parts.append(f"### {s.path}:{s.start_line}-{s.end_line} ({s.label})\n"
                         f"{fence}{s.language}\n{s.code}\n{fence}\n")
    if related:
        parts.append("## Related symbols\n")
        parts.extend(f"- `{r.path}:{r.line}` {r.qualified_name} ({_PHRASES.get(r.relation, r.relation)} {r.of}): "
                     f"`{r.signature}`" for r in related)
        parts.append("")
    if repo_map:
        parts.append(f"## Repository map\n```\n{repo_map}```\n")
    return "\n".join(parts)


def pack(query: str, snippets: list[Snippet], related: list[RelatedLine], make_map: Callable[[int], str],
         notes: list[str], budget: int, count: Callable[[str], int], read: Callable[[str, int, int], str | None],
         files: Sequence[str] = ()) -> tuple[str, list[Snippet], list[RelatedLine], str]:
    """Fill the budget in priority order, after the ranked `files` if any; returns the Markdown and
    what made it in."""
    def cost(sn: list[Snippet], rel: list[RelatedLine], rmap: str = "") -> int:
        return count(render(query, merge(sn, read), rel, rmap, notes, files))

    chosen: list[Snippet] = []
    for s in snippets:
        if cost(chosen + [s], []) <= budget:
            chosen.append(s)
    if snippets and not chosen:
        need = cost([snippets[0]], [])
        raise CodeidxError(f"a budget of {budget} tokens is too small for the best hit "
                           f"({snippets[0].path}:{snippets[0].start_line}, {need} tokens): raise --budget")
    rel: list[RelatedLine] = []
    for r in related:
        if cost(chosen, rel + [r]) <= budget:
            rel.append(r)
    left = budget - cost(chosen, rel) - 20  # the map's heading and fences
    rmap = make_map(left) if left > 50 else ""
    while rmap and cost(chosen, rel, rmap) > budget:  # tokens may merge differently once joined
        rmap = "\n".join(rmap.splitlines()[:-1]) + "\n" if rmap.count("\n") > 1 else ""
    merged = merge(chosen, read)
    return render(query, merged, rel, rmap, notes, files), merged, rel, rmap
