"""Tool schemas from plain functions: the signature gives the parameters, the docstring the words.

A docstring's first paragraph describes the tool; an `Args:` section describes its parameters,
one `name: text` line each.
"""
from __future__ import annotations

import inspect
import re
import types
import typing
from typing import Any, Callable

_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}
_ARG_LINE = re.compile(r"^\s*(\w+)\s*:\s*(.+)$")


def tool_schema(fn: Callable[..., Any]) -> dict:
    """The OpenAI-style function schema of `fn`."""
    doc = inspect.getdoc(fn) or ""
    description, _, args_part = doc.partition("\nArgs:\n")
    arg_docs = {m.group(1): m.group(2).strip() for m in map(_ARG_LINE.match, args_part.splitlines()) if m}
    hints = typing.get_type_hints(fn)
    properties: dict[str, dict] = {}
    required: list[str] = []
    for name, param in inspect.signature(fn).parameters.items():
        prop = {"type": _json_type(hints.get(name, str))}
        if name in arg_docs:
            prop["description"] = arg_docs[name]
        properties[name] = prop
        if param.default is inspect.Parameter.empty:
            required.append(name)
    return {"type": "function", "function": {
        "name": fn.__name__, "description": " ".join(description.split()),
        "parameters": {"type": "object", "properties": properties, "required": required}}}


def _json_type(hint: Any) -> str:
    # `int | None` means an optional int: the schema names the type, the default makes it optional.
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    return _JSON_TYPES.get(hint, "string")
