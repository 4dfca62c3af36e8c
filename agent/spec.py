"""The spec stage: the task (text, a ticket, or an OpenAPI operation) made into a checked Spec.

The index supplies the files and symbols it finds for the task; the model (the cheap one when
there is one) writes the goal, the acceptance criteria and the test plan through a `write_spec`
tool call, and may name more files. A spec that fails validation goes back once with the reason;
a second failure stops the run for a person.
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml  # YAML 1.2 reads JSON too

from codeidx.agent.audit import AuditLog
from codeidx.agent.contracts import ContractError, NeedsHuman, Spec, as_json
from codeidx.agent.schema import tool_schema
from codeidx.core.errors import CodeidxError
from codeidx.core.protocols import Model
from codeidx.core.text import head_and_tail

MAX_API_BYTES = 5_000_000  # an OpenAPI document larger than this is not one a person wrote for one service
OPERATION_TEXT = 20_000  # characters of one operation's definition given to the model
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SYSTEM = """You write the spec of a code change before anyone writes code. Call write_spec once.
Acceptance criteria are checkable statements, one per line. List only files that exist in the repository
(the index's files are listed for you); a file the change will create belongs in the test plan."""


# Never called: its signature and docstring are the schema of the tool the spec writer calls.
def write_spec(goal: str, acceptance_criteria: str, test_plan: str, files: str = "", symbols: str = "") -> str:
    """Record the spec of the change.

    Args:
        goal: what the change achieves, in a sentence or two
        acceptance_criteria: checkable criteria, one per line
        test_plan: the tests to add or run, and what each shows
        files: more existing repository paths the change involves, one per line
        symbols: more functions or classes involved, one per line
    """
    return "recorded"


def operation_task(path: Path, operation_id: str) -> str:
    """The task of implementing one OpenAPI operation: its method, path and definition."""
    if path.stat().st_size > MAX_API_BYTES:
        raise CodeidxError(f"{path} is over {MAX_API_BYTES // 1_000_000} MB: not an OpenAPI document to work from")
    document = _load_document(path)
    operations = {op["operationId"]: (method, route, op)
                  for route, item in (document.get("paths") or {}).items() if isinstance(item, dict)
                  for method, op in item.items()
                  if method in HTTP_METHODS and isinstance(op, dict) and isinstance(op.get("operationId"), str)}
    if operation_id not in operations:
        known = sorted(operations)
        listed = ", ".join(known[:8]) + (f", ... ({len(known)} in all)" if len(known) > 8 else "")
        raise CodeidxError(f"no operation {operation_id!r} in {path}; it has: {listed or 'no operation ids'}")
    method, route, op = operations[operation_id]
    definition = head_and_tail(json.dumps(op, indent=1, default=str), OPERATION_TEXT)
    return (f"Implement the API operation {operation_id}: {method.upper()} {route}, as the OpenAPI document "
            f"{path.name} defines it.\n\n{op.get('summary', '')}\n\n{op.get('description', '')}\n\n"
            f"```json\n{definition}\n```").replace("\n\n\n\n", "\n\n")


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without aliases: a document of nested aliases ("billion laughs") is small on disk and
    explodes when the operation is printed for the model. OpenAPI documents share parts with $ref."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("YAML aliases (*name) are not accepted in an OpenAPI document; use $ref")
        return super().compose_node(parent, index)


def _load_document(path: Path) -> dict:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CodeidxError(f"cannot read {path} as YAML or JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(document, dict) or "paths" not in document:
        raise CodeidxError(f"{path} is not an OpenAPI document: it has no `paths`")
    return document


def spec_stage(model: Model, task: str, source: str, hits: list, context: str, root: Path,
               audit: AuditLog) -> Spec:
    """The validated spec, retried once with the validation error; NeedsHuman after a second failure."""
    files = tuple(dict.fromkeys(h.path for h in hits))
    symbols = tuple(dict.fromkeys(h.qualified_name for h in hits if h.qualified_name))
    found = "\n".join(f"- {f}" for f in files) or "(none)"
    messages = [{"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"# Task\n{task}\n\n# Files the index found for it\n{found}\n\n"
                                            f"# Context from the codebase index\n{context}"}]
    schemas = [tool_schema(write_spec)]
    for attempt in (1, 2):
        message = model.complete(messages, schemas, 0)
        messages.append(message.model_dump(exclude_none=True))
        try:
            spec = _spec_from(message, files, symbols, source)
            spec.validate(root)
        except ContractError as exc:
            audit.write("spec_rejected", attempt=attempt, reason=str(exc))
            messages += _answers(message, f"The spec was rejected: {exc}. Call write_spec again.")
            error = exc
            continue
        audit.write("spec", record=as_json(spec))
        return spec
    raise NeedsHuman(f"the spec failed validation twice: {error}")


def _spec_from(message, files: tuple[str, ...], symbols: tuple[str, ...], source: str) -> Spec:
    """A Spec from a write_spec call, or from a JSON object in the reply's text."""
    calls = message.tool_calls or []
    raw = calls[0].function.arguments if calls else _json_in(message.content or "")
    try:
        fields = json.loads(raw or "")
    except ValueError:
        raise ContractError("no spec: call write_spec with the goal, acceptance criteria and test plan") from None
    if not isinstance(fields, dict):
        raise ContractError("write_spec's arguments must be a JSON object")
    return Spec(goal=str(fields.get("goal") or ""), acceptance_criteria=_lines(fields.get("acceptance_criteria")),
                files=tuple(dict.fromkeys(files + _names(fields.get("files")))),
                symbols=tuple(dict.fromkeys(symbols + _names(fields.get("symbols")))),
                test_plan=str(fields.get("test_plan") or ""), source=source)


def _lines(value: object) -> tuple[str, ...]:
    """A list, or one item a line (bullets dropped)."""
    items = value if isinstance(value, list) else str(value or "").splitlines()
    return tuple(s for s in (str(i).strip().lstrip("-*").strip() for i in items) if s)


def _names(value: object) -> tuple[str, ...]:
    """Paths or symbol names, one a line or comma-separated: small models write "a.py, b.py" on one line
    (measured: it stopped 9 of 18 runs of a 1.5B model), and neither a path nor a name holds a comma."""
    return tuple(n for item in _lines(value) for n in (part.strip().strip("`'\"") for part in item.split(",")) if n)


def _json_in(text: str) -> str:
    start, end = text.find("{"), text.rfind("}")
    return text[start:end + 1] if 0 <= start < end else ""


def _answers(message, text: str) -> list[dict]:
    """`text` as the answer to the reply: every tool call wants its result before anything else is said."""
    calls = message.tool_calls or []
    if not calls:
        return [{"role": "user", "content": text}]
    return [{"role": "tool", "tool_call_id": c.id, "content": text if i == 0 else "ignored: one write_spec is enough"}
            for i, c in enumerate(calls)]
