"""`ask`: search, expand the hits through the symbol graph, and pack the context."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

from codeidx.core.errors import CodeidxError
from codeidx.core.models import SearchFilters
from codeidx.core.paths import chunk_lane, lane_of
from codeidx.core.ranking import FILE_POOL, RRF_K, levers
from codeidx.retriever.context import related
from codeidx.retriever.lanes import asks_for_tests, code_first, is_named_test
from codeidx.retriever.pack import RelatedLine, Snippet, pack
from codeidx.retriever.parts import Parts
from codeidx.retriever.query_text import bound_query, readable
from codeidx.retriever.quotes import pasting_files, quoting_files
from codeidx.retriever.repomap import render_map
from codeidx.retriever.rerank import Candidate, Rerank
from codeidx.retriever.search import Hit, rank_files, search
from codeidx.retriever.symbols import source_lines
from codeidx.retriever.tested import modules_tested
from codeidx.retriever.tokens import counter_for

RELATED_PER_HIT = 6
PAD_DEPTH = 4  # a file list shorter than k is filled from a pool this many times deeper (`file_ranking`)


@dataclass(frozen=True)
class FileHit:
    path: str
    score: float


@dataclass(frozen=True)
class AskResult:
    query: str
    budget: int
    tokens: int
    hits: tuple[Hit, ...]
    files: tuple[FileHit, ...]
    snippets: tuple[Snippet, ...]
    related: tuple[RelatedLine, ...]
    repo_map: str
    stale: tuple[str, ...]
    markdown: str
    dense_coverage: float = 1.0  # share of the chunks with dense vectors: below 1 while a build embeds
    reranked: bool = False  # a rerank model reordered the files (and the hits with them)

    def to_dict(self) -> dict:
        """As `--format json` prints it: each hit, file and snippet with its lane (`paths.chunk_lane`:
        code, test, context or history), so a tool can tell what implements from what explains."""
        data = dataclasses.asdict(self)
        for hit in data["hits"]:
            hit["reasons"] = list(hit["reasons"])
            hit["lane"] = chunk_lane(hit["path"], hit.pop("test"))  # a unit test in a file of code is a test
        for item in data["files"] + data["snippets"]:
            item["lane"] = lane_of(item["path"])
        return data


def ask(parts: Parts, query: str, budget: int, k: int, filters: SearchFilters = SearchFilters(),
        files: bool = False, mode: str = "full", changed: Sequence[str] = (),
        rerank: Rerank | None = None) -> AskResult:
    """`changed`: files edited since the build; their code is shown as indexed, and the answer says so.
    `rerank`: a second stage that reorders the top files (retriever/rerank.py); the hits follow its order."""
    if budget <= 0:
        raise CodeidxError("the budget must be a positive number of tokens")
    query = bound_query(query)  # the answer echoes the query it answered
    hits, ranked_files, rerank_note = _ordered(parts, query, k, filters, files, mode, rerank)
    stale = tuple(changed)
    read = _reader(parts, set(stale))
    snippets = [Snippet(h.path, h.start_line, h.end_line, h.language, h.qualified_name or h.path,
                        read(h.path, h.start_line, h.end_line) or h.text) for h in hits]
    rel = _related_lines(parts, hits)
    count = counter_for(parts.tokenizer_model, parts.user_cache)
    hit_paths = tuple(dict.fromkeys(h.path for h in hits))
    coverage = parts.graph.dense_coverage()
    markdown, merged, kept, rmap = pack(query, snippets, rel, lambda b: render_map(parts, hit_paths, b, count),
                                        _notes(stale, coverage) + ([rerank_note] if rerank_note else []),
                                        budget, count, read, [f.path for f in ranked_files])
    return AskResult(query=query, budget=budget, tokens=count(markdown), hits=tuple(hits), files=ranked_files,
                     snippets=tuple(merged), related=tuple(kept), repo_map=rmap, stale=stale, markdown=markdown,
                     dense_coverage=round(coverage, 4), reranked=rerank is not None and rerank_note is None)


def _reranked(query: str, pool: list[Hit], files: tuple[FileHit, ...],
              rerank: Rerank) -> tuple[tuple[FileHit, ...], str | None]:
    """Files in the model's order, or the retrieval order and a note saying why not."""
    best: dict[str, str] = {}
    for hit in pool:  # as indexed: redacted
        best.setdefault(hit.path, hit.text)
    try:
        new = rerank(query, [Candidate(f.path, best.get(f.path, "")) for f in files])
    except CodeidxError as exc:
        return files, f"the rerank model failed ({exc}): this is the retrieval order."
    if new is None:
        return files, "the rerank model's reply named no candidate: this is the retrieval order."
    return tuple(files[i] for i in new), None


def _notes(stale: Sequence[str], coverage: float) -> list[str]:
    notes = []
    if coverage < 1.0:
        notes.append(f"the index is still being embedded ({coverage:.0%} of chunks have dense vectors): this "
                     "answer fuses keyword and name matches with what is embedded so far.")
    if stale:
        shown = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
        notes.append(f"{len(stale)} files changed since the last build ({shown}); "
                     "run `codeidx build` or ask with `--refresh`.")
    return notes


def rank(parts: Parts, query: str, k: int, filters: SearchFilters = SearchFilters(), files: bool = False,
         mode: str = "full", rerank: Rerank | None = None) -> tuple[list[Hit], tuple[FileHit, ...]]:
    """The hits `ask` shows and, with `files`, its file ranking."""
    hits, ranked, _ = _ordered(parts, query, k, filters, files, mode, rerank)
    return hits, ranked


def _ordered(parts: Parts, query: str, k: int, filters: SearchFilters, files: bool, mode: str,
             rerank: Rerank | None) -> tuple[list[Hit], tuple[FileHit, ...], str | None]:
    """Hits, files (with `files`) and, when a rerank was asked for and did not happen, why not."""
    query = readable(query)  # as search reads it: the lanes and the rerank model see the same text
    pool, hits, ranked = _ranked(parts, query, k, filters, mode)
    note = None
    if rerank is not None:
        ranked, note = _reranked(query, pool, ranked, rerank)
        if note is None:  # the hits chosen again for the model's order, so that its first files show theirs
            place = {f.path: n for n, f in enumerate(ranked)}
            hits = sorted(in_answer_order(query, pool, ranked, mode, k), key=lambda h: place.get(h.path, len(place)))
    return hits, ranked if files else (), note


def _ranked(parts: Parts, query: str, k: int, filters: SearchFilters,
            mode: str) -> tuple[list[Hit], list[Hit], tuple[FileHit, ...]]:
    """The pool of hits searched, the `k` shown, and the file ranking.

    The files are ranked from a pool several times larger than the hits shown, and the hits lean on
    that ranking (`file-first`): the answer leads with the file that holds the most evidence, not
    with one chunk that scored a little higher alone, and `ask` and `ask --files` agree."""
    pool = search(parts, query, k=k * FILE_POOL, filters=filters, mode=mode)
    if not pool:
        raise CodeidxError("nothing in the index matches those filters" if filters != SearchFilters()
                           else "the index is empty: is the repository indexed?")
    on = levers(mode)
    quoting = quoting_files(parts, query) if "quotes" in on else frozenset()
    pasted = pasting_files(parts, query, (h.path for h in pool)) if "pasted" in on else ()
    tested = _tested(parts, pool, on)
    # Evidence for a whole file is named among the reasons of each of its hits.
    modules = set(tested.values())
    pool = [dataclasses.replace(h, reasons=h.reasons + (("quote",) if h.path in quoting else ())
                                + (("pasted",) if h.path in pasted else ())
                                + (("tested",) if h.path in modules else ())) for h in pool]
    files = file_ranking(parts, query, pool, k, mode, quoting, pasted, tested, filters)
    return pool, in_answer_order(query, pool, files, mode, k), files


def in_answer_order(query: str, hits: list[Hit], files: Sequence[FileHit], mode: str = "full",
                    k: int | None = None) -> list[Hit]:
    """The first `k` (all by default) of a pool of hits, in the search's order, as `ask` shows them: the
    best hit of the top file first, then each hit by its own rank fused with its file's rank in the file
    ranking (`file-first`), and docs and data after the code, and a file's unit tests after its code
    (`lanes`). The `k` are `k` definitions,
    each by its best part: a long function is several chunks, and they took places other
    definitions needed (on the four repositories and SWE-bench, the ten hits held every changed
    function of 79 instances of 148, against 74).

    Fused, not grouped: a change often spans two or three files, and when all of the first file's hits
    came before the second file's best function, the function lists of four repositories in neither
    benchmark (107 commits) held every changed function among their first five for 43, against 48
    fused. And the `k` shown are chosen in that order from the whole pool, not only from the search's
    first `k`, so the files the ranking puts first show their best hits (benchmarks/RESULTS.md)."""
    on = levers(mode)
    named = _named(hits, on)
    if "file-first" in on and hits:
        place = {f.path: n for n, f in enumerate(files)}

        def fused(ranked: tuple[int, Hit]) -> float:
            n, hit = ranked
            return 1 / (RRF_K + n) + 1 / (RRF_K + place.get(hit.path, len(place)))

        hits = [h for _, h in sorted(enumerate(hits), key=fused, reverse=True)]  # stable: ties keep the search's order
        lead = next((h for h in hits if h.path == files[0].path), None) if files else None
        if lead is not None:
            hits = [lead] + [h for h in hits if h is not lead]
    if "lanes" in on and not asks_for_tests(query):
        hits = _tests_after_their_code(hits)
    if k is not None:
        best: dict[tuple[str, str], Hit] = {}
        for hit in hits:
            best.setdefault((hit.path, hit.qualified_name), hit)
        hits = list(best.values())[:k]
    if "lanes" in on:
        hits = code_first(query, hits, lambda h: h.path, named)
    return hits


def _tests_after_their_code(hits: list[Hit]) -> list[Hit]:
    """Each file's unit tests (`Hit.test`) after that file's code, in the places its hits hold, so
    that its places among the `k` shown go to its code first. The search leaves their scores alone:
    a unit test's words are evidence for its own file, the implementation's, and damped as tests
    are, they cost fd's history (Rust) four ranks of the changed file (benchmarks/RESULTS.md)."""
    by_file: dict[str, list[Hit]] = {}
    for hit in hits:
        by_file.setdefault(hit.path, []).append(hit)
    ordered = {path: iter(sorted(file_hits, key=lambda h: h.test)) for path, file_hits in by_file.items()}
    return [next(ordered[h.path]) for h in hits]


def file_ranking(parts: Parts, query: str, pool: list[Hit], k: int, mode: str = "full",
                 quoting: frozenset[str] | None = None, pasted: tuple[str, ...] | None = None,
                 tested: dict[str, str] | None = None,
                 filters: SearchFilters = SearchFilters()) -> tuple[FileHit, ...]:
    """The `k` best files of a pool of hits (`rank_files`, with each file's chunk count when file
    length counts), in the same lanes as the hits; `quoting` (the files that hold what the query
    quotes), `pasted` (the pool's files whose strings hold a sentence the query pastes) and `tested`
    (the pool's test files -> the modules they are named for) are found here when not given.

    A few long files can hold a whole pool (the hits of a small repository often lie in six files):
    then the list is filled up to `k`, after the pool's files, from a pool `PAD_DEPTH` times deeper,
    so that `ask --files -k 10` lists ten files wherever the index holds them."""
    on = levers(mode)
    if quoting is None:
        quoting = quoting_files(parts, query) if "quotes" in on else frozenset()
    files = _files_of(parts, query, pool, k, on, quoting, pasted, tested)
    if len(files) < k and len(pool) >= k * FILE_POOL:  # a shorter pool is all that matches
        deeper = search(parts, query, k=k * FILE_POOL * PAD_DEPTH, filters=filters, mode=mode)
        listed = {f.path for f in files}
        more = [f for f in _files_of(parts, query, deeper, 2 * k, on, quoting, None, None) if f.path not in listed]
        files = _in_lanes(query, files + more, on, _named(deeper, on))[:k]
    return tuple(files)


def _files_of(parts: Parts, query: str, pool: list[Hit], k: int, on: frozenset[str], quoting: frozenset[str],
              pasted: tuple[str, ...] | None, tested: dict[str, str] | None) -> list[FileHit]:
    if pasted is None:
        pasted = pasting_files(parts, query, (h.path for h in pool)) if "pasted" in on else ()
    if tested is None:
        tested = _tested(parts, pool, on)
    paths = list(dict.fromkeys(h.path for h in pool))
    sizes = parts.graph.chunk_counts(paths) if "file-length" in on else None
    ranked = [FileHit(p, round(s, 6)) for p, s in rank_files(pool, sizes, len(paths), quoting, pasted, tested)]
    # The lanes order every file of the pool before the cut: a file of code past the k best scores
    # comes before the pages and data that scored above it, as it would if they had scored lower.
    return _in_lanes(query, ranked, on, _named(pool, on))[:k]


def _in_lanes(query: str, files: list[FileHit], on: frozenset[str], named: frozenset[str]) -> list[FileHit]:
    return code_first(query, files, lambda f: f.path, named) if "lanes" in on else list(files)


def _named(hits: Sequence[Hit], on: frozenset[str]) -> frozenset[str]:
    """The files that define what the query names, which the lanes keep with the code (`named`), but for a
    test it names, where it looks from (`test_1` in pytest's docs example). Not a path it gives: "docs:
    update History.md" put express's changelog first, above the code that changed. Nor its trace's
    frames: one in the example the reporter ran says where the error surfaced."""
    if "named" not in on:
        return frozenset()
    return frozenset(h.path for h in hits if "name" in h.reasons and not is_named_test(h.path, h.qualified_name))


def _tested(parts: Parts, pool: list[Hit], on: frozenset[str]) -> dict[str, str]:
    return modules_tested((h.path for h in pool), parts.graph.file_paths()) if "tested" in on else {}


def _related_lines(parts: Parts, hits: list[Hit]) -> list[RelatedLine]:
    shown = {(h.path, h.qualified_name) for h in hits}
    out: list[RelatedLine] = []
    for hit in hits:
        for r in related(parts, hit.path, hit.qualified_name, limit=RELATED_PER_HIT):
            key = (r.symbol.path, r.symbol.qualified_name)
            if key not in shown:
                shown.add(key)
                out.append(RelatedLine(r.symbol.path, r.symbol.start_line, r.symbol.qualified_name, r.relation,
                                       hit.qualified_name, r.symbol.signature))
    return out


def _reader(parts: Parts, stale: set[str]):
    """Read line ranges from disk; a file changed since the build falls back to the stored text."""
    cache: dict[str, list[str]] = {}

    def read(path: str, start: int, end: int) -> str | None:
        if path in stale:
            return None
        if path not in cache:
            try:
                cache[path] = source_lines(parts.root, path)
            except OSError:
                return None
        return "\n".join(cache[path][start - 1:end])

    return read
