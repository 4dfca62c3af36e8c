"""Names a question spells out in words: "the parenthesized expression node class" is `ASTParenExpr`.

People describe code instead of naming it: they write the words a name is made of, in full
(`paren` as "parenthesized", `expr` as "expression", `ctx` as "context", `AST` as "abstract
syntax tree") and within a few words of each other. A definition whose name's words the query
spells out that way is evidence for it, as a name the query quotes exactly is
(retriever/signals.py). Words many names share (`get`, `node`) count little; a rare one
(`noexcept`) counts much.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

from codeidx.core.paths import exercises, is_test_path
from codeidx.indexer.sparse import STOPWORDS, spelled_words
from codeidx.retriever.lanes import asks_for_tests, is_report
from codeidx.retriever.parts import Parts

# Words of a question's frame, not of what it is about: "which method of the class..." names nothing.
FILLER = STOPWORDS | frozenset("how what why where does do which when should would could class method "
                               "function object test tests".split())
WINDOW = 8  # a name's words must all be spelled within this many of the query's words: a phrase
MIN_ABBREVIATION = 3  # `expr` may abbreviate "expression"; `ex` abbreviates too much
MIN_CONTRACTED, MAX_CONTRACTED = 5, 12  # the words code contracts (`ctx`, `cfg`, `msg`, `dst`)
MAX_WORD = 40  # a longer run of letters is no word of a description; its prefixes are not tried
# "declarator" spells `declarators`, "parse" `parsed`; but "embed" is not `embedder`, another word
INFLECTIONS = ("s", "es", "d", "ed", "ing")
ACRONYM = range(3, 5)  # `AST`, `HTML`: shorter ones spell too many phrases by chance
# Only a question describes its code this way. A report (an issue, a commit message: `lanes.is_report`)
# names its code, in identifiers, traces and quotes, and what it describes is the change or the
# symptom, whose words meet in names by chance: on SWE-bench issues this signal moved gold files
# down, and on eight repositories' histories it cost first places (benchmarks/RESULTS.md). A question
# of more content words than this is left out as well: SWE-QA's hold up to 37.
MAX_QUERY_WORDS = 40
MAX_NAMES = 10
PER_NAME = 3  # a name many classes define (`process_doc`) does not take every place

_WORD = re.compile(r"[A-Za-z]+")


def described_names(parts: Parts, query: str) -> list[str]:
    """The bare names the query spells out, best first."""
    graph = parts.graph
    content = [w for w in (m.lower() for m in _WORD.findall(query)) if w not in FILLER and len(w) <= MAX_WORD]
    if is_report(query) or len(content) > MAX_QUERY_WORDS:
        return []
    # The name words each query word spells: itself, an abbreviation or contraction of it, an inflection.
    forms = {word: {word[:n] for n in range(MIN_ABBREVIATION, len(word) + 1)} | {word + s for s in INFLECTIONS}
             | _contractions(word) for word in content}
    holders = graph.names_with_words(f for spelled in forms.values() for f in spelled)
    where: dict[str, list[int]] = defaultdict(list)  # name word -> positions in `content` that spell it
    names_of: dict[str, set[str]] = defaultdict(set)  # name word -> the names holding it
    for i, word in enumerate(content):
        for spelled in forms[word] & holders.keys():
            where[spelled].append(i)
            names_of[spelled] |= holders[spelled]
    initials: dict[str, list[int]] = defaultdict(list)
    for i in range(len(content)):
        for n in ACRONYM:
            if i + n <= len(content):
                initials["".join(w[0] for w in content[i:i + n])].extend(range(i, i + n))
    for acronym, names in graph.names_with_words(initials, capitals=True).items():
        where[acronym].extend(initials[acronym])
        names_of[acronym] |= names
    matched = Counter(name for names in names_of.values() for name in names)
    frequency, total = graph.word_frequencies(where)
    scored = []
    for name, count in matched.items():
        own = spelled_words(name)
        if count < 2 or count < len(own) - (1 if len(own) >= 3 else 0):
            continue
        spelled = [w for w in own if w in where]
        if _span([where[w] for w in spelled]) > WINDOW:
            continue
        score = sum(math.log(max(total, 1) / max(frequency[w], 1)) for w in spelled) * count / len(own)
        scored.append((-score, name))
    return [name for _, name in sorted(scored)[:MAX_NAMES]]


def described_chunks(parts: Parts, query: str) -> list[str]:
    """The first chunk of each definition of the names the query spells out, best name first; code
    before tests, and tests only when the question is about them. Tests are named in sentences
    (`warmup_runs_are_executed_before_benchmarking_runs`, `test_transfer_enc_removal_on_redirect`):
    a question that spells one asks about the code it checks (on SWE-QA dev one more first file,
    none fewer: benchmarks/RESULTS.md)."""
    ids: list[str] = []
    tests = asks_for_tests(query)
    for name in described_names(parts, query):
        symbols = sorted((s for s in parts.graph.symbols_named(name) if tests or not exercises(s.path)),
                         key=lambda s: (is_test_path(s.path), len(s.qualified_name), s.path))
        for symbol in symbols[:PER_NAME]:
            ids.extend(parts.graph.chunk_ids_for(symbol.path, symbol.qualified_name)[:1])
    return list(dict.fromkeys(ids))


def _contractions(word: str) -> set[str]:
    """What code writes for a word without its vowels: `ctx` for context, `cfg` for config, `msg`
    for message: its first letter and two of its later consonants, in order. Only for the words
    such forms stand for, of five to twelve letters (at most 55 forms each)."""
    if not MIN_CONTRACTED <= len(word) <= MAX_CONTRACTED:
        return set()
    consonants = [c for c in word[1:] if c not in "aeiouy"]
    return {word[0] + a + b for i, a in enumerate(consonants) for b in consonants[i + 1:]}


def _span(positions: list[list[int]]) -> int:
    """The width of the narrowest window of positions that holds one from each list."""
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
