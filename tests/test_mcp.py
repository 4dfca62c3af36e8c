"""`codeidx mcp` as an agent sees it: a real server subprocess driven by the MCP SDK's stdio client."""
from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import pytest
from conftest import make_repo
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from codeidx.index import Index

FILES = {
    "shop/__init__.py": "",
    "shop/pricing.py": '''"""Prices and discounts."""


def apply_discount(amount, percent):
    """Reduce an amount by a percentage, never below zero."""
    return max(amount - amount * percent / 100, 0)


def round_price(amount):
    return round(amount, 2)
''',
    "shop/cart.py": '''"""The shopping cart."""
from shop.pricing import apply_discount, round_price


class Cart:
    """Items a customer is about to buy."""

    def __init__(self):
        self.items = []

    def add(self, name, price):
        self.items.append((name, price))

    def total(self, coupon_percent=0):
        """Sum the prices, apply the coupon, and round to cents."""
        subtotal = sum(price for _, price in self.items)
        return round_price(apply_discount(subtotal, coupon_percent))


def checkout(cart):
    return {"total": cart.total(), "items": len(cart.items)}
''',
    "shop/inventory.py": '''"""Stock levels."""


class Inventory:
    def add(self, name, count):
        """Put items on the shelf."""
        self.stock[name] = self.stock.get(name, 0) + count
''',
}

TOOLS = {"search_code", "get_context", "repo_map", "get_symbol", "index_status"}


@asynccontextmanager
async def server(repo: Path, log: Path) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=sys.executable, args=["-m", "codeidx", "mcp", "--repo", str(repo)],
                                   env=os.environ.copy())
    with open(log, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session


async def call(session: ClientSession, tool: str, **arguments) -> tuple[bool, str]:
    result = await session.call_tool(tool, arguments)
    return result.is_error, "\n".join(c.text for c in result.content)


def assert_tool_error(outcome: tuple[bool, str], *phrases: str) -> None:
    is_error, text = outcome
    assert is_error, text
    assert "\n" not in text.strip(), text
    for phrase in phrases:
        assert phrase in text, text


class Served:
    """One real server subprocess and a client session to it, kept open across the tests of a module.

    The session lives in an event loop on a thread of its own (the SDK's streams must be opened and
    closed in one task), and each test hands it a call. A server costs a cold start of several
    seconds; the calls cost milliseconds."""

    def __init__(self, repo: Path, log: Path) -> None:
        self.repo, self.log = repo, log
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            async with server(self.repo, self.log) as session:
                self.session = session
                self._ready.set()
                await self._stop.wait()
        except BaseException as exc:  # noqa: BLE001 - handed to the test that waits for the server
            self._error = exc
            self._ready.set()

    def __enter__(self) -> "Served":
        self._thread.start()
        self._ready.wait(300)
        if self._error is not None or not self._ready.is_set():
            raise RuntimeError(f"the MCP server did not start: {self._error!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=300)

    def call(self, tool: str, **arguments) -> tuple[bool, str]:
        return self.run(call(self.session, tool, **arguments))

    def ok(self, tool: str, **arguments) -> str:
        is_error, text = self.call(tool, **arguments)
        assert not is_error, text
        return text


def built(root: Path) -> Path:
    repo = make_repo(root, FILES)
    with Index.open(repo) as index:
        index.build()
    return repo


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server on an indexed repository that its tests only read."""
    folder = tmp_path_factory.mktemp("mcp")
    with Served(built(folder / "shop"), folder / "server.log") as shared:
        yield shared
    assert "Traceback" not in (folder / "server.log").read_text()


def test_the_tools_and_their_arguments_are_described(served: Served) -> None:
    tools = {t.name: t for t in served.run(served.session.list_tools()).tools}
    assert set(tools) == TOOLS
    search_args = tools["search_code"].input_schema["properties"]
    assert search_args["query"]["type"] == "string" and search_args["k"]["type"] == "integer"
    assert {"path", "language"} <= set(search_args)
    assert tools["get_symbol"].input_schema["required"] == ["name"]
    assert all(t.description for t in tools.values())


def test_index_status_counts_files_per_language(served: Served) -> None:
    status = json.loads(served.ok("index_status"))
    assert status["files"] == len(FILES) and status["languages"]["python"] == len(FILES)
    assert status["keyword_only"] == 0 and status["dense_coverage"] == 1.0  # no test data here: all embedded


def test_search_code_finds_by_meaning_and_by_name(served: Served) -> None:
    hits = json.loads(served.ok("search_code", query="take a percentage off the price", k=3))["hits"]
    found = next(h for h in hits if h["name"] == "apply_discount")  # after Cart.total, whose file holds more
    assert found["path"] == "shop/pricing.py" and found["start_line"] == 4
    assert "def apply_discount" in found["snippet"] and found["reasons"]
    assert json.loads(served.ok("search_code", query="round_price", language="python"))["hits"][0]["name"] == \
        "round_price"


def test_search_code_ranks_the_files_and_leads_with_the_first(served: Served) -> None:
    found = json.loads(served.ok("search_code", query="how is the cart total computed with a coupon?", k=6))
    files = [f["path"] for f in found["files"]]
    assert files[0] == "shop/cart.py" and all(f["lane"] == "code" for f in found["files"])
    assert found["hits"][0]["path"] == files[0] and found["hits"][0]["lane"] == "code"


def test_get_symbol_gives_the_code_its_callees_and_its_callers(served: Served) -> None:
    text = served.ok("get_symbol", name="Cart.total")
    assert "shop/cart.py:14-17" in text and "def total(self, coupon_percent=0)" in text
    assert "return round_price(apply_discount(subtotal, coupon_percent))" in text
    calls, called_by = text.split("Called by:")
    assert "`apply_discount`" in calls and "`round_price`" in calls
    assert "`checkout`" in called_by


def test_an_ambiguous_name_lists_the_candidates_and_a_pinned_one_picks(served: Served) -> None:
    text = served.ok("get_symbol", name="add")
    assert "shop/cart.py:Cart.add" in text and "shop/inventory.py:Inventory.add" in text
    assert "Put items on the shelf" in served.ok("get_symbol", name="shop/inventory.py:Inventory.add")


def test_get_context_and_repo_map(served: Served) -> None:
    text = served.ok("get_context", query="how is the cart total computed?", budget=2000)
    assert "Cart.total" in text and "shop/pricing.py" in text
    text = served.ok("repo_map", budget=500)
    assert "shop/cart.py" in text and "class Cart" in text


@pytest.mark.parametrize("tool, arguments, phrase", [
    ("search_code", {"query": "discount", "k": 0}, "k must be between"),
    ("search_code", {"query": "  "}, "query is empty"),
    ("search_code", {"query": "discount", "k": "many"}, "bad arguments: k"),
    ("get_context", {}, "bad arguments: query: Field required"),
    ("get_context", {"query": "discount", "budget": 0}, "budget must be"),
    ("get_symbol", {"name": "Cart.refund"}, "no symbol named 'Cart.refund'"),
])
def test_bad_arguments_are_one_line_tool_errors_and_the_server_keeps_serving(
        served: Served, tool: str, arguments: dict, phrase: str) -> None:
    assert_tool_error(served.call(tool, **arguments), phrase)
    assert not served.call("index_status")[0]


def test_the_server_sees_an_agents_edit_without_a_rebuild(tmp_path: Path) -> None:
    repo = built(tmp_path / "shop")  # its own copy: this test edits the repository
    with Served(repo, tmp_path / "server.log") as own:
        pricing = repo / "shop/pricing.py"
        pricing.write_text(pricing.read_text() + '''

def convert_currency(amount, rate):
    """Exchange an amount into another currency at the given rate."""
    return amount * rate
''')
        hits = json.loads(own.ok("search_code", query="exchange money into a foreign currency", k=3))["hits"]
        assert hits[0]["name"] == "convert_currency"
        assert "shop/pricing.py:13-15" in own.ok("get_symbol", name="convert_currency")
    assert "Traceback" not in (tmp_path / "server.log").read_text()


def test_without_an_index_the_server_says_how_to_build_one_and_serves_once_built(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "shop", FILES)

    async def scenario() -> None:
        async with server(repo, tmp_path / "server.log") as session:
            assert {t.name for t in (await session.list_tools()).tools} == TOOLS
            for tool, arguments in (("index_status", {}), ("search_code", {"query": "discount"})):
                assert_tool_error(await call(session, tool, **arguments), "no index in", f"codeidx build {repo}")
            with Index.open(repo) as index:
                index.build()
            is_error, text = await call(session, "index_status")
            assert not is_error and json.loads(text)["files"] == len(FILES), text

    asyncio.run(scenario())


def test_the_server_finishes_an_unembedded_index_in_the_background_while_it_answers(tmp_path: Path) -> None:
    repo = built(tmp_path / "shop")
    db = repo / ".codeidx" / "index" / "index.db"
    # As an interrupted build leaves it: every file stored, some chunks waiting for their dense vector.
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE chunks SET dense=0 WHERE path IN ('shop/cart.py', 'shop/inventory.py')")
    with Served(repo, tmp_path / "server.log") as served:
        deadline = time.monotonic() + 240
        status = json.loads(served.ok("index_status"))
        while status["dense_coverage"] < 1 and time.monotonic() < deadline:
            # Answers keep coming while the build that the server started embeds.
            assert "apply_discount" in served.ok("search_code", query="apply_discount")
            time.sleep(0.2)
            status = json.loads(served.ok("index_status"))
        assert status["dense_coverage"] == 1.0, status
        deadline = time.monotonic() + 60
        while json.loads(served.ok("index_status"))["building"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "Cart.total" in served.ok("get_context", query="how is the cart total computed?")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM chunks WHERE dense=0").fetchone()[0] == 0


def test_a_build_from_another_terminal_runs_while_the_server_holds_the_index(tmp_path: Path) -> None:
    repo = built(tmp_path / "shop")
    with Served(repo, tmp_path / "server.log") as served:
        assert "apply_discount" in served.ok("search_code", query="apply_discount")  # the store is open now
        (repo / "shop" / "tax.py").write_text("def add_sales_tax(amount, rate):\n    return amount * (1 + rate)\n")
        done = subprocess.run([sys.executable, "-m", "codeidx", "build", str(repo)], capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr  # the server let go of the store when the build asked for it
        assert "add_sales_tax" in served.ok("search_code", query="add_sales_tax")
    assert "Traceback" not in (tmp_path / "server.log").read_text()
