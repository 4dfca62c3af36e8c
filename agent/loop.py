"""The agent loop: ask the model, run the tools it calls, feed back the results, until done."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from codeidx.agent.audit import AuditLog
from codeidx.agent.contracts import NeedsHuman
from codeidx.agent.schema import tool_schema
from codeidx.agent.tools import Toolbox, ToolError
from codeidx.core.protocols import Model
from codeidx.core.secrets import redact

SYSTEM = """You are a careful software engineer working in a git worktree of the user's repository.
Use the tools to inspect the code, make the smallest change that does the task, and run the tests.
Read failures closely and fix them. Call finish with a short summary once the tests pass.
Never touch protected paths (CI configuration, secrets) unless the task requires it."""
NUDGE = "Continue with the tools. When the task is done and the tests pass, call finish."
# Small models repeat a call word for word (a 1.5B model: 56 of 135 calls); nothing changed in between,
# so running it again would only return the same result.
REPEATED = ("this is the same call, with the same arguments, as the one just before, and its result is above; "
            "do something else (another query, read_file, edit_file, run_tests or finish)")


@dataclass(frozen=True)
class Limits:
    max_steps: int
    max_cost: float  # USD, as LiteLLM prices the calls
    max_tokens: int


@dataclass(frozen=True)
class Outcome:
    status: str  # success | limit | no_finish | needs_human | error
    reason: str
    steps: int


def run_loop(model: Model, tools: Toolbox, task: str, context: str, limits: Limits, audit: AuditLog) -> Outcome:
    functions = {f.__name__: f for f in tools.functions()}
    schemas = [tool_schema(f) for f in functions.values()]
    messages = [{"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"# Task\n{task}\n\n# Context from the codebase index\n{context}"}]
    idle = False  # the previous answer called no tool
    last = None  # the previous tool call, name and arguments
    for step in range(1, limits.max_steps + 1):
        if model.cost >= limits.max_cost:
            return Outcome("limit", f"cost limit reached: ${model.cost:.6f} spent, limit ${limits.max_cost}", step - 1)
        if model.tokens >= limits.max_tokens:
            return Outcome("limit", f"token limit reached: {model.tokens} tokens, limit {limits.max_tokens}", step - 1)
        message = model.complete(messages, schemas, step)
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            if idle:  # nudged once and still no tool call: more steps would only spend money
                said = ((message.content or "").strip().splitlines() or ["(nothing)"])[0][:200]
                return Outcome("no_finish", f"the model stopped without calling finish; it said: {said}", step)
            idle = True
            messages.append({"role": "user", "content": NUDGE})
            continue
        idle = False
        for call in message.tool_calls:
            this = (call.function.name, call.function.arguments)
            result = _call_tool(functions, *this, audit, step, repeated=this == last)
            last = this
            messages.append({"role": "tool", "tool_call_id": call.id, "content": model.condense(result, step)})
            if tools.finished is not None:
                return Outcome("success", tools.finished, step)
    return Outcome("limit", f"step limit reached: {limits.max_steps} steps without finishing", limits.max_steps)


def _call_tool(functions: dict, name: str, raw_arguments: str, audit: AuditLog, step: int,
               repeated: bool = False) -> str:
    """Run one tool call; whatever goes wrong becomes the result the model reads next."""
    start = time.perf_counter()
    try:
        arguments = json.loads(raw_arguments or "{}")  # parsed, never evaluated
        if not isinstance(arguments, dict):
            raise ToolError("tool arguments must be a JSON object")
        if repeated:
            raise ToolError(REPEATED)
        if name not in functions:
            raise ToolError(f"unknown tool {name!r}; the tools are: {', '.join(functions)}")
        result, ok = str(functions[name](**arguments)), True
    except json.JSONDecodeError as exc:
        result, ok, arguments = (f"error: the arguments are not valid JSON ({exc.msg}); send a JSON object", False,
                                 raw_arguments)
    except ToolError as exc:
        result, ok = f"error: {exc}", False
    except NeedsHuman:  # a gate that only a person can open: the run stops, not the tool call
        raise
    except Exception as exc:  # noqa: BLE001 - a broken tool call must not end the run
        result, ok = f"error: {name} failed: {type(exc).__name__}: {exc}", False
    result = redact(result)  # what a file or a test printed goes to a model provider: no secrets in it
    audit.write("tool_call", step=step, tool=name, arguments=arguments, ok=ok, result=result,
                duration_ms=round((time.perf_counter() - start) * 1000, 1))
    return result
