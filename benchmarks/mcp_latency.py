"""Latency of `codeidx mcp` as an agent pays it: tool calls over stdio to a running server.

The server is a real subprocess driven by the MCP SDK's client, so each number includes the
JSON-RPC round trip and the staleness check that runs before every call. Start-up (the model
load) is timed separately: it is paid once per session, not per call.

    codeidx bench mcp /path/to/indexed/repo --runs 3
"""
from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from codeidx.benchmarks.metrics import percentile

TOOLS = {"search_code": lambda q: {"query": q, "k": 10}, "get_context": lambda q: {"query": q}}


def measure(repo: Path, queries: list[str], runs: int) -> dict:
    """p50/p95 milliseconds per tool over `runs` passes through `queries`, plus start-up seconds."""
    return asyncio.run(_measure(Path(repo), queries, runs))


async def _measure(repo: Path, queries: list[str], runs: int) -> dict:
    params = StdioServerParameters(command=sys.executable, args=["-m", "codeidx", "mcp", "--repo", str(repo)],
                                   env=os.environ.copy())
    start = time.perf_counter()
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                await _call(session, "search_code", TOOLS["search_code"](queries[0]))  # waits for the model
                startup_s = time.perf_counter() - start
                timings: dict[str, list[float]] = {tool: [] for tool in TOOLS}
                for _ in range(runs):
                    for query in queries:
                        for tool, arguments in TOOLS.items():
                            t = time.perf_counter()
                            await _call(session, tool, arguments(query))
                            timings[tool].append((time.perf_counter() - t) * 1000)
    return {"repo": str(repo), "calls_per_tool": runs * len(queries), "startup_s": round(startup_s, 2),
            **{tool: {"p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1)}
               for tool, ms in timings.items()}}


async def _call(session: ClientSession, tool: str, arguments: dict) -> None:
    result = await session.call_tool(tool, arguments)
    if result.is_error:
        raise RuntimeError(f"{tool} failed: {result.content[0].text}")
