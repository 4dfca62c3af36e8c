"""The part of a pasted query worth reading: issue-template boilerplate and package inventories
removed, and the rest bounded.

Every issue of a project repeats its template's `<!-- ... -->` notes and `- [x] minimal example`
checklist, and a pasted `pip list` is hundreds of package names. None of it is about the code: to the
embedder, which reads only the first few hundred tokens, it crowds out the question, and to the
keyword side it is hundreds of words that match nothing worth finding.
"""
from __future__ import annotations

import re

# Every query is cut to this many characters before any stage sees it, so a pasted log costs no
# more than a long question; the embedder reads far less anyway. See `bound_query`.
MAX_QUERY_CHARS = 20_000
_CUT = "\n[...]\n"
WIDE_CHARS = 4 * MAX_QUERY_CHARS  # what the boilerplate is removed from: a bound on that work too

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_CHECKLIST_ITEM = re.compile(r"^[ \t]*[-*] \[[ xX]\] .*(?:\n|\Z)", re.M)
# `pip list` (`name  1.2.3  [location]`) and `pip freeze` (`name==1.2.3`) rows, five or more in a
# row: a line or two may be code (`return 1.0`) or settings (`timeout 2.5`), a run of them is an
# inventory. And pip's own lines.
_PACKAGE_ROW = r"[ \t]*[A-Za-z][\w.\[\],-]*(?:[ \t]+|==)v?\d+\.[\w.+!-]*(?:[ \t]+\S+)?[ \t]*"
_INVENTORY = re.compile(rf"(?:^{_PACKAGE_ROW}(?:\n|\Z)){{5,}}", re.M)
_PIP_LINE = re.compile(r"^[ \t]*(?:Installing collected packages|Successfully installed|Requirement already "
                       r"satisfied)\b.*(?:\n|\Z)", re.M)


def readable(query: str) -> str:
    """`query` without template comments, checklists and package inventories (unless that is all it
    is), bounded. The boilerplate goes first, so a long `pip list` leaves room for what follows it."""
    wide = bound_query(query, WIDE_CHARS).replace("\r\n", "\n")
    kept = wide
    for boilerplate in (_COMMENT, _CHECKLIST_ITEM, _PIP_LINE, _INVENTORY):
        kept = boilerplate.sub("", kept)
    return bound_query(kept if kept.replace(_CUT.strip(), "").strip() else wide)


def bound_query(query: str, limit: int = MAX_QUERY_CHARS) -> str:
    """The query's head (the question) and tail (a trace's innermost frames), if it is too long."""
    if len(query) <= limit:
        return query
    head = (limit - len(_CUT)) // 2
    tail = limit - len(_CUT) - head
    return query[:head] + _CUT + query[-tail:]
