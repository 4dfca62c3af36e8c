"""Names a question spells out in words: "the parenthesized expression node class" is `ASTParenExpr`.

People describe code instead of naming it: they write the words a name is made of, in full
(`paren` as "parenthesized", `expr` as "expression", `AST` as "abstract syntax tree") and within a
few words of each other. A definition whose name's words the query spells out that way is evidence
for it, as a name the query quotes exactly is (retriever/signals.py). Words many names share
(`get`, `node`) count little; a rare one (`noexcept`) counts much.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from codeidx.core.paths import is_test_path
from codeidx.indexer.sparse import STOPWORDS, name_words
from codeidx.retriever.parts import Parts

# Words of a question's frame, not of what it is about: "which method of the class..." names nothing.
FILLER = STOPWORDS | frozenset("how what why where does do which when should would could class method "
                               "function object test tests".split())
WINDOW = 8  # a name's words must all be spelled within this many of the query's words: a phrase
MIN_ABBREVIATION = 3  # `expr` may abbreviate "expression"; `ex` abbreviates too much
MAX_WORD = 40  # a longer run of letters is no word of a description; its prefixes are not tried
MAX_INFLECTION = 3  # "declarator" spells `declarators`, "parse" `parsed`
ACRONYM = range(3, 5)  # `AST`, `HTML`: shorter ones spell too many phrases by chance
# A longer text is a report, not a question: in hundreds of words, a name's words meet by chance
# (measured: on SWE-bench issues, this signal moved gold files down), and a report names its code
# anyway, in identifiers, traces and quotes. SWE-QA's questions hold up to 37 such words.
MAX_QUERY_WORDS = 40
MAX_NAMES = 10
PER_NAME = 3  # a name many classes define (`process_doc`) does not take every place

_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class _Vocabulary:
    """The repository's definition names as words, built once per index."""

    words: dict[str, tuple[str, ...]]  # name -> its distinct lowercased words (`test` too: never spelled)
    names_with: dict[str, tuple[str, ...]]  # word -> the names holding it
    weight: dict[str, float]  # word -> its inverse document frequency among the names
    stems: dict[str, tuple[str, ...]]  # a word less its last 1..MAX_INFLECTION letters -> the words
    acronyms: frozenset[str]  # words written in capitals (`AST`), lowercased


def described_names(parts: Parts, query: str) -> list[str]:
    """The bare names the query spells out, best first."""
    vocab = _vocabulary(parts)
    content = [w for w in (m.lower() for m in _WORD.findall(query)) if w not in FILLER and len(w) <= MAX_WORD]
    if len(content) > MAX_QUERY_WORDS:
        return []
    where: dict[str, list[int]] = defaultdict(list)  # name word -> positions in `content` that spell it
    for i, word in enumerate(content):
        for spelled in _spelled_by(vocab, word):
            where[spelled].append(i)
    for i in range(len(content)):
        for n in ACRONYM:
            initials = "".join(w[0] for w in content[i:i + n])
            if len(initials) == n and initials in vocab.acronyms:
                where[initials].extend(range(i, i + n))
    candidates: dict[str, int] = defaultdict(int)
    for word in where:
        for name in vocab.names_with.get(word, ()):
            candidates[name] += 1
    scored = []
    for name, matched in candidates.items():
        own = vocab.words[name]
        if matched < 2 or matched < len(own) - (1 if len(own) >= 3 else 0):
            continue
        spelled = [w for w in own if w in where]
        if _span([where[w] for w in spelled]) > WINDOW:
            continue
        score = sum(vocab.weight[w] for w in spelled) * matched / len(own)
        scored.append((-score, name))
    return [name for _, name in sorted(scored)[:MAX_NAMES]]


def described_chunks(parts: Parts, query: str) -> list[str]:
    """The first chunk of each definition of the names the query spells out, best name first; code
    before tests."""
    ids: list[str] = []
    for name in described_names(parts, query):
        symbols = sorted(parts.graph.symbols_named(name),
                         key=lambda s: (is_test_path(s.path), len(s.qualified_name), s.path))
        for symbol in symbols[:PER_NAME]:
            ids.extend(parts.graph.chunk_ids_for(symbol.path, symbol.qualified_name)[:1])
    return list(dict.fromkeys(ids))


def _spelled_by(vocab: _Vocabulary, word: str) -> set[str]:
    """The name words that a query word spells: itself, an abbreviation of it, an inflection of it."""
    found = {word[:n] for n in range(MIN_ABBREVIATION, len(word) + 1) if word[:n] in vocab.names_with}
    found.update(vocab.stems.get(word, ()))
    return found


def _span(positions: list[list[int]]) -> int:
    """The fewest consecutive positions holding one of each list (each list ascending)."""
    events = sorted((p, k) for k, ps in enumerate(positions) for p in ps)
    count: dict[int, int] = defaultdict(int)
    best, covered, start = math.inf, 0, 0
    for p, k in events:
        count[k] += 1
        covered += count[k] == 1
        while covered == len(positions):
            best = min(best, p - events[start][0])
            first = events[start][1]
            count[first] -= 1
            covered -= count[first] == 0
            start += 1
    return best


def _vocabulary(parts: Parts) -> _Vocabulary:
    if "described" not in parts.cache:  # the names change only when the index does
        parts.cache["described"] = _build(parts.graph.symbol_names())
    return parts.cache["described"]


def _build(names: list[str]) -> _Vocabulary:
    words: dict[str, tuple[str, ...]] = {}
    acronyms: set[str] = set()
    for name in names:
        written = [w for w in name_words(name) if w.lower() not in STOPWORDS and len(w) > 1]
        words[name] = tuple(dict.fromkeys(w.lower() for w in written))
        acronyms.update(w.lower() for w in written if w.isupper() and len(w) in ACRONYM)
    names_with: dict[str, list[str]] = defaultdict(list)
    for name, own in words.items():
        for word in own:
            names_with[word].append(name)
    stems: dict[str, list[str]] = defaultdict(list)
    for word in names_with:
        for cut in range(1, MAX_INFLECTION + 1):
            if len(word) - cut >= 4:
                stems[word[:-cut]].append(word)
    total = max(1, len(words))
    return _Vocabulary(words, {w: tuple(n) for w, n in names_with.items()},
                       {w: math.log(total / len(n)) for w, n in names_with.items()},
                       {s: tuple(w) for s, w in stems.items()}, frozenset(acronyms))
