"""`codeidx mcp` as an agent sees it: a real server subprocess driven by the MCP SDK's stdio client."""
from __future__ import annotations

import asyncio
import json
import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from codeidx.index import Index
from conftest import make_repo

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


def test_an_agent_searches_reads_symbols_and_sees_its_own_edits(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "shop", FILES)
    with Index.open(repo) as index:
        index.build()

    async def scenario() -> None:
        async with server(repo, tmp_path / "server.log") as session:
            tools = {t.name: t for t in (await session.list_tools()).tools}
            assert set(tools) == TOOLS
            search_args = tools["search_code"].input_schema["properties"]
            assert search_args["query"]["type"] == "string" and search_args["k"]["type"] == "integer"
            assert {"path", "language"} <= set(search_args)
            assert tools["get_symbol"].input_schema["required"] == ["name"]
            assert all(t.description for t in tools.values())

            is_error, text = await call(session, "index_status")
            assert not is_error, text
            status = json.loads(text)
            assert status["files"] == len(FILES) and status["languages"]["python"] == len(FILES)

            is_error, text = await call(session, "search_code", query="take a percentage off the price", k=3)
            assert not is_error, text
            hits = json.loads(text)["hits"]
            assert hits[0]["name"] == "apply_discount" and hits[0]["path"] == "shop/pricing.py"
            assert hits[0]["start_line"] == 4 and "def apply_discount" in hits[0]["snippet"] and hits[0]["reasons"]
            is_error, text = await call(session, "search_code", query="round_price", language="python")
            assert not is_error and json.loads(text)["hits"][0]["name"] == "round_price", text

            is_error, text = await call(session, "get_symbol", name="Cart.total")
            assert not is_error, text
            assert "shop/cart.py:14-17" in text and "def total(self, coupon_percent=0)" in text
            assert "return round_price(apply_discount(subtotal, coupon_percent))" in text
            calls, called_by = text.split("Called by:")
            assert "`apply_discount`" in calls and "`round_price`" in calls
            assert "`checkout`" in called_by

            is_error, text = await call(session, "get_symbol", name="add")
            assert not is_error, text
            assert "shop/cart.py:Cart.add" in text and "shop/inventory.py:Inventory.add" in text
            is_error, text = await call(session, "get_symbol", name="shop/inventory.py:Inventory.add")
            assert not is_error and "Put items on the shelf" in text, text

            is_error, text = await call(session, "get_context", query="how is the cart total computed?", budget=2000)
            assert not is_error, text
            assert "Cart.total" in text and "shop/pricing.py" in text

            is_error, text = await call(session, "repo_map", budget=500)
            assert not is_error and "shop/cart.py" in text and "class Cart" in text, text

            assert_tool_error(await call(session, "search_code", query="discount", k=0), "k must be between")
            assert_tool_error(await call(session, "search_code", query="  "), "query is empty")
            assert_tool_error(await call(session, "search_code", query="discount", k="many"), "bad arguments: k")
            assert_tool_error(await call(session, "get_context"), "bad arguments: query: Field required")
            assert_tool_error(await call(session, "get_context", query="discount", budget=0), "budget must be")
            assert_tool_error(await call(session, "get_symbol", name="Cart.refund"), "no symbol named 'Cart.refund'")

            # The agent edits a file; its next search sees the edit without anyone rebuilding.
            pricing = repo / "shop/pricing.py"
            pricing.write_text(pricing.read_text() + '''

def convert_currency(amount, rate):
    """Exchange an amount into another currency at the given rate."""
    return amount * rate
''')
            is_error, text = await call(session, "search_code", query="exchange money into a foreign currency", k=3)
            assert not is_error, text
            assert json.loads(text)["hits"][0]["name"] == "convert_currency"
            is_error, text = await call(session, "get_symbol", name="convert_currency")
            assert not is_error and "shop/pricing.py:13-15" in text, text

    asyncio.run(scenario())
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
