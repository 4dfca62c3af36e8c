"""The layering: each layer imports only those below it, and heavy libraries wait until they are needed.

core at the bottom; indexer and retriever above it; the `Index` facade (codeidx.index) composes
them; agent, CLI and MCP server on top. Every module of a layer is imported in a fresh
interpreter, and what ended up in `sys.modules` is checked, so a new upward import anywhere fails.
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

ABOVE_ENGINES = ("codeidx.index", "codeidx.agent", "codeidx.cli", "codeidx.mcp_server", "codeidx.benchmarks")
FORBIDDEN = {
    "codeidx.core": ("codeidx.indexer", "codeidx.retriever") + ABOVE_ENGINES,
    "codeidx.indexer": ("codeidx.retriever",) + ABOVE_ENGINES,
    "codeidx.retriever": ABOVE_ENGINES,
    "codeidx.agent": ("codeidx.cli", "codeidx.mcp_server", "codeidx.benchmarks"),
}
HEAVY = ("torch", "sentence_transformers", "litellm")  # seconds to import: only on the paths that use them
LIGHT = ("codeidx.core", "codeidx.retriever", "codeidx.cli")


def modules_of(package: str) -> list[str]:
    path = importlib.import_module(package).__path__
    return [package] + [f"{package}.{m.name}" for m in pkgutil.iter_modules(path)]


def loaded_after_importing(modules: list[str]) -> set[str]:
    code = ("import importlib, json, sys\n"
            f"for name in {modules!r}:\n    importlib.import_module(name)\n"
            "print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    loaded = loaded_after_importing(modules_of(layer))
    assert sorted(m for m in loaded if within(m, FORBIDDEN[layer])) == []


@pytest.mark.parametrize("layer", LIGHT)
def test_heavy_libraries_are_not_imported_by_the_light_layers(layer: str) -> None:
    loaded = loaded_after_importing(modules_of(layer))
    assert sorted(m for m in loaded if within(m, HEAVY)) == []


def test_the_check_sees_an_upward_import() -> None:
    # The MCP server stands on the facade: were the check blind, every test above would pass.
    assert "codeidx.index" in loaded_after_importing(["codeidx.mcp_server"])
