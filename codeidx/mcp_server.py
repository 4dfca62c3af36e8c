"""`codeidx mcp`: the index served to coding agents over MCP (stdio).

One `Index` lives for the whole process, so the embedding model loads once (warmed in the
background as the server starts) and a tool call costs a query. Before each call the index
catches up with the files on disk, so an agent sees its own edits on its next search.

An index that a build left without all its dense vectors is finished by a `codeidx build` the
server starts in the background; while any build runs, the server answers from what is stored
and lets go of the index after each call, so the build can write. Between calls it lets go as
soon as a build waits for the store.
Failures an agent can act on come back as tool errors of one line; the server keeps serving.
"""
from __future__ import annotations

import functools
import logging
import os
import subprocess
import sys
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, AsyncIterator, Callable, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, ValidationError

from codeidx.core.config import Config
from codeidx.core.errors import CodeidxError
from codeidx.core.models import SearchFilters
from codeidx.core.paths import chunk_lane, lane_of
from codeidx.index import Index

log = logging.getLogger("codeidx.mcp")

SNIPPET_LINES = 15  # a search hit shows this much code; get_symbol shows all of it
MAX_K = 100
WATCH_EVERY = 0.2  # seconds between looks for a build waiting on the store the server holds
INSTRUCTIONS = (
    "Code search and architectural context for one repository, indexed with tree-sitter and embeddings. "
    "Use search_code to find where something is implemented, get_symbol to read a definition with its "
    "callers and callees, get_context for a packed answer to a question, repo_map for an overview. "
    "The index follows edits to the files on disk automatically.")

T = TypeVar("T")

# Bounds are checked in the tools, not the schema, so a bad value gets a one-line error, not pydantic's report.
Query = Annotated[str, Field(description="A question, an identifier, an error message or a stack trace.")]
Budget = Annotated[int, Field(description="The most tokens to return (at least 1).")]


class CodeidxMCP(MCPServer):
    """The SDK's server with argument errors told in one line, like every other tool error."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if not isinstance(exc.__cause__, ValidationError):
                raise
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.__cause__.errors())
            raise ToolError(f"Error executing tool {name}: bad arguments: {problems}") from exc.__cause__


class IndexService:
    """The process's one Index, brought up to date before each use; one call at a time."""

    def __init__(self, root: str | os.PathLike, config: Config | None = None) -> None:
        self.index = Index.open(root, config)
        # Tool functions run in worker threads; the graph, store and model are not shared safely.
        self._lock = threading.Lock()
        self.builder: subprocess.Popen | None = None  # the background build finishing the embedding

    def run(self, fn: Callable[[Index], T]) -> T:
        with self._lock:
            self._require()
            if self.builder is not None and self.builder.poll() is not None:  # reaped: no zombie left
                self.builder = None
            if self.index.building:
                try:
                    return fn(self.index)
                finally:
                    self.index.close()  # the build writes between calls, and may add files the caches lack
            self.index.refresh()
            return fn(self.index)

    def warm(self) -> None:
        """Load the model and open the store before the first call needs them; start embedding what
        an interrupted build left without dense vectors."""
        with self._lock:
            if not self.index.exists:
                return
            self.index.warm()
            if self.index.status().dense_coverage < 1 and not self.index.building:
                self.index.close()
                self.builder = finish_build(self.index.root)

    def watch(self) -> None:
        """For the server's life: let go of the index when a build in another process waits for it.
        The server holds the store between calls, and a build would otherwise wait in vain."""
        while True:
            time.sleep(WATCH_EVERY)
            try:
                with self._lock:
                    self.index.let_others_in()
            except Exception as exc:  # noqa: BLE001 - the next tool call reports a broken index
                log.warning("could not let go of the index: %s", _one_line(str(exc)))

    def _require(self) -> None:
        """Raise the library's NoIndexError; `refresh` alone would build a missing index, unasked."""
        if not self.index.exists:
            # Deleted under us, perhaps: let go of its handles so that a later build is opened afresh.
            self.index.close()
            self.index.require()


def finish_build(root: Path) -> subprocess.Popen:
    """`codeidx build` of `root` in a process of its own, with the configuration files and
    environment this server reads; its output must never reach the protocol's stdout."""
    return subprocess.Popen([sys.executable, "-m", "codeidx", "build", str(root)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def tool_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Every failure becomes a one-line tool error, so the agent reads why and the server lives on."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except ToolError:
            raise
        except CodeidxError as exc:
            raise ToolError(_one_line(str(exc))) from exc
        except OSError as exc:
            raise ToolError(_one_line(f"{exc.filename or 'a file'}: {exc.strerror or exc}")) from exc
        except Exception as exc:
            log.exception("tool %s failed", fn.__name__)
            raise ToolError(_one_line(f"internal error ({type(exc).__name__}): {exc}")) from exc

    return wrapper


def create_server(root: str | os.PathLike, config: Config | None = None) -> CodeidxMCP:
    service = IndexService(root, config)

    @asynccontextmanager
    async def warm_up(_: MCPServer) -> AsyncIterator[None]:
        # Started only once the transport owns stdout, and in a thread so the handshake is not held up.
        threading.Thread(target=_quietly(service.warm), name="codeidx-warm", daemon=True).start()
        threading.Thread(target=service.watch, name="codeidx-watch", daemon=True).start()
        yield

    server = CodeidxMCP("codeidx", instructions=INSTRUCTIONS, lifespan=warm_up)

    @server.tool()
    @tool_errors
    def search_code(
            query: Query,
            k: Annotated[int, Field(description=f"How many hits to return (1-{MAX_K}).")] = 10,
            path: Annotated[str | None, Field(description='Only files matching this glob, e.g. "src/**/*.py".')] = None,
            language: Annotated[str | None, Field(description='Only this language, e.g. "python".')] = None,
    ) -> dict:
        """Find the code that matches a query, by meaning and by identifier (hybrid dense + keyword search).

        Each hit has the file, its line range, the symbol's name and kind, a score, why it matched
        (dense, sparse, name...) and the first lines of its code. Hits lead with the file that has the
        most evidence, then follow their own rank fused with their file's, code before docs; `files`
        ranks the files themselves (the files to read or change first), each with its lane (code,
        test, context, history).
        """
        _check_range("k", k, 1, MAX_K)
        filters = SearchFilters(path_glob=path or None, language=language or None)
        hits, files = service.run(lambda index: index.rank(query, k=k, filters=filters, files=True))
        return {"hits": [_hit(h) for h in hits],
                "files": [{"path": f.path, "score": f.score, "lane": lane_of(f.path)} for f in files]}

    @server.tool()
    @tool_errors
    def get_context(query: Query, budget: Budget = 8000) -> str:
        """Architectural context for a question or a task, packed into a token budget, as Markdown.

        The best matching code, what it calls and what calls it, and a map of the surrounding files:
        what you would read before changing the code.
        """
        _check_range("budget", budget, 1, None)
        return service.run(lambda index: index.ask(query, budget=budget).markdown)

    @server.tool()
    @tool_errors
    def repo_map(
            focus: Annotated[str | None,
                             Field(description="A query that tilts the map toward the files it concerns.")] = None,
            budget: Budget = 1500,
    ) -> str:
        """An overview of the repository: its files and their main classes and functions, most central first."""
        _check_range("budget", budget, 1, None)
        return service.run(lambda index: index.repo_map(focus=focus or None, budget=budget))

    @server.tool()
    @tool_errors
    def get_symbol(
            name: Annotated[str, Field(description='A bare name ("send"), a qualified one ("HTTPAdapter.send"), '
                                                   'or one pinned to a file ("net/adapters.py:HTTPAdapter.send").')],
    ) -> str:
        """A definition by name: its file and lines, signature, full code, callers and callees, as Markdown.

        When several definitions fit, the candidates are listed in the pinned form; call again with one.
        """
        from codeidx.retriever.symbols import render_lookup

        return render_lookup(service.run(lambda index: index.lookup(name)), "call get_symbol again")

    @server.tool()
    @tool_errors
    def index_status() -> dict:
        """What is indexed: the root, embedding model, store, build time, counts of files, symbols,
        chunks and files per language, the share of chunks with dense vectors (below 1 while a build
        embeds; search still answers by keywords and names), how many chunks of test and data files
        are searched by keywords only, and whether a build is running."""
        status = service.run(lambda index: index.status())
        return {"root": status.root, "model": status.model, "store": status.store, "built_at": status.built_at,
                "files": status.files, "symbols": status.symbols, "chunks": status.chunks,
                "languages": dict(status.languages), "dense_coverage": status.dense_coverage,
                "keyword_only": status.keyword_only, "building": status.building}

    return server


def serve(root: str | os.PathLike, config: Config | None = None) -> None:
    """Serve over stdio until the client hangs up; nothing but the protocol reaches stdout."""
    create_server(Path(root), config).run("stdio")


def _hit(hit: Any) -> dict:
    lines = hit.text.splitlines()
    snippet = "\n".join(lines[:SNIPPET_LINES]) + ("\n..." if len(lines) > SNIPPET_LINES else "")
    return {"path": hit.path, "start_line": hit.start_line, "end_line": hit.end_line,
            "name": hit.qualified_name or hit.name, "kind": hit.kind, "language": hit.language,
            "signature": hit.signature, "score": round(hit.score, 4), "reasons": list(hit.reasons),
            "lane": chunk_lane(hit.path, hit.test), "snippet": snippet}


def _check_range(name: str, value: int, low: int, high: int | None) -> None:
    if value < low or (high is not None and value > high):
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ToolError(f"{name} must be {span}, not {value}")


def _one_line(message: str) -> str:
    return " ".join(message.split()) or "unknown error"


def _quietly(fn: Callable[[], None]) -> Callable[[], None]:
    """A warm-up failure is reported by the first tool call that hits it, not here."""

    def run() -> None:
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - see the docstring
            log.warning("could not warm up the index: %s", _one_line(str(exc)))

    return run
