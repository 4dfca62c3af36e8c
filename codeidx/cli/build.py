"""`codeidx build` and `codeidx status`."""
from __future__ import annotations

import sys

import click

from codeidx.cli.common import echo_json, handle_errors, load_config
from codeidx.core.paths import CODE_LANE, CONTEXT_LANE, HISTORY_LANE, TEST_LANE
from codeidx.index import BuildSummary, Index, IndexStatus

SHOWN = 3  # files named per reason in a build's summary


@click.command()
@click.argument("path", default=".", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--full", is_flag=True, help="Rebuild from scratch (the embedding cache is kept).")
@click.option("--embed-model", help="sentence-transformers name or path, or litellm/<model>.")
@click.option("--qdrant-url", envvar="CODEIDX_QDRANT_URL", help="Use a Qdrant server instead of the embedded store.")
@click.option("--max-file-bytes", type=int, help="Skip files larger than this (default 1000000).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@handle_errors
def build(path: str, full: bool, embed_model: str | None, qdrant_url: str | None, max_file_bytes: int | None,
          as_json: bool) -> None:
    """Index the repository at PATH (default: the current directory).

    Re-running is incremental: only new, changed, renamed or deleted files are
    processed. The index lives in PATH/.codeidx/.

    \b
      codeidx build .
      codeidx build ~/src/project --full --json
    """
    index = Index.open(path, load_config(path, embed_model=embed_model, qdrant_url=qdrant_url,
                                         max_file_bytes=max_file_bytes))
    show_bar = sys.stderr.isatty() and not as_json
    with _ProgressBar(show_bar) as bar:
        summary = index.build(full=full, on_progress=bar.update if show_bar else None)
    if as_json:
        echo_json(summary)
    else:
        click.echo(_format_summary(summary))


@click.command()
@click.argument("path", default=".", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable status.")
@handle_errors
def status(path: str, as_json: bool) -> None:
    """Show what is indexed, with which model and store, and which files changed since."""
    with Index.open(path, load_config(path)) as index:
        st = index.status()
    if as_json:
        echo_json(st)
    else:
        click.echo(_format_status(st))


class _ProgressBar:
    """A bar per phase on a TTY, nothing otherwise; each total is known only once its phase starts."""

    LABELS = {"lexical": "Parsing files (searchable when done)", "dense": "Embedding chunks"}

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar = None
        self._phase = ""

    def __enter__(self) -> "_ProgressBar":
        return self

    def update(self, progress) -> None:
        if progress.phase != self._phase:
            self.__exit__(None, None, None)
            self._phase = progress.phase
            self._bar = click.progressbar(length=progress.total, label=self.LABELS[progress.phase],
                                          file=sys.stderr, show_pos=True, item_show_func=lambda _: None)
            self._bar.__enter__()
        self._bar.update(progress.done - self._bar.pos)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None


def _format_summary(s: BuildSummary) -> str:
    by_lang = ", ".join(f"{lang} {n}" for lang, n in sorted(s.chunks_by_language.items(), key=lambda kv: -kv[1]))
    skipped = ", ".join(f"{reason} {n}{_named(s.skipped_files.get(reason, ()), n)}"
                        for reason, n in sorted(s.skipped.items())) or "none"
    lines = [
        f"{'Rebuilt' if s.full else 'Updated'} index of {s.root} in {s.seconds:.1f}s ({s.model}, {s.store}); "
        f"searchable after {s.searchable_seconds:.1f}s",
        f"  files: {s.files_total} indexed in all; {s.files_indexed} parsed, {s.files_deleted} removed, "
        f"{s.files_unchanged} unchanged",
        f"  from the files parsed: {s.symbols} symbols, {s.chunks} chunks" + (f" ({by_lang})" if by_lang else ""),
        f"  embedded: {s.chunks_embedded} chunks, {s.tokens_embedded} tokens "
        f"({s.chunks - s.chunks_embedded - s.chunks_keyword_only} from cache)"
        + _keyword_only(s.chunks_keyword_only),
        f"  skipped: {skipped}",
    ]
    if s.stage_seconds:
        busy = ", ".join(f"{stage} {sec:.1f}s" for stage, sec in s.stage_seconds.items())
        lines.append(f"  busy: {busy} (parsing, embedding and writing overlap; the largest bounds the build)")
    if s.parse_errors:
        lines.append(f"  {s.parse_errors} files had syntax errors; what parsed was indexed")
    return "\n".join(lines)


def _named(paths: tuple[str, ...], count: int) -> str:
    """A few of the files a reason left out, in brackets (`--json` names more)."""
    if not paths:
        return ""
    more = f", and {count - SHOWN} more" if count > SHOWN else ""
    return f" ({', '.join(paths[:SHOWN])}{more})"


def _lanes(lanes: dict[str, int]) -> str:
    """Files per lane, in the order `ask` ranks them (retriever/lanes.py)."""
    names = {CODE_LANE: "code", TEST_LANE: "tests", CONTEXT_LANE: "context (docs, data, examples)",
             HISTORY_LANE: "history (changelogs)"}
    return ", ".join(f"{names[lane]} {lanes[lane]}" for lane in names if lanes.get(lane)) or "no files"


def _keyword_only(chunks: int) -> str:
    return f"; {chunks} chunks of test and data files by keywords only" if chunks else ""


def _format_status(st: IndexStatus) -> str:
    langs = ", ".join(f"{k} {v}" for k, v in st.languages.items())
    lines = [
        f"Index of {st.root}",
        f"  model: {st.model}  store: {st.store}  built: {st.built_at or 'not finished'}",
        f"  files: {st.files} ({langs})  symbols: {st.symbols}  chunks: {st.chunks}",
        f"  ranked as: {_lanes(st.lanes)}",
        f"  dense vectors: {st.dense_chunks} of {st.chunks - st.keyword_only} chunks ({st.dense_coverage:.0%})"
        + _keyword_only(st.keyword_only),
    ]
    if st.building:
        lines.append("  a build is running; keyword and name search answer already, meaning-based search as "
                     "chunks are embedded")
    elif st.dense_coverage < 1:
        lines.append("  a build stopped before embedding every chunk: run `codeidx build` to finish")
    if st.changed:
        lines.append(f"  {len(st.changed)} files changed since the last build (run `codeidx build`):")
        lines.extend(f"    {p}" for p in st.changed[:20])
        if len(st.changed) > 20:
            lines.append(f"    ... and {len(st.changed) - 20} more")
    elif not st.building and st.dense_coverage == 1:
        lines.append("  up to date")
    return "\n".join(lines)
