"""A scripted OpenAI-compatible HTTP server on 127.0.0.1 for tests.

LiteLLM talks to it as to any provider (`model="openai/<name>"`, `api_base=server.url`), so
tests exercise the real HTTP path. Chat completions replay a queue of scripted replies;
embeddings are deterministic vectors derived from the input text.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def tool_call(name: str, arguments: dict | str, call_id: str | None = None) -> dict:
    """One scripted tool call; pass `arguments` as a str to send malformed JSON on purpose."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id or f"call_{name}_{time.monotonic_ns()}", "type": "function", "function": {"name": name, "arguments": args}}


def reply(content: str | None = None, tool_calls: list[dict] | None = None) -> dict:
    """A scripted assistant message."""
    return {"role": "assistant", "content": content, "tool_calls": tool_calls or None}


# What the spec writer answers unless a test scripts it: a spec that passes validation anywhere.
DEFAULT_SPEC = {"goal": "do the task", "acceptance_criteria": "the task is done\nthe tests pass",
                "test_plan": "run the test suite"}


class ScriptedLLMServer:
    """Start with `with ScriptedLLMServer([reply(...), ...]) as server:`; `server.requests` records bodies.

    A reply may also be an int HTTP status (e.g. 401, 429 or 500) to script a provider error.

    The agent's spec writer (a request offering the `write_spec` tool) is served as a model of its own:
    from `spec_script`, then with a valid spec, and recorded in `spec_requests` and
    `spec_authorizations`, so a loop's script and request counts are the loop's alone.
    """

    def __init__(self, script: list[dict | int] | None = None, embedding_dim: int = 8,
                 spec_script: list[dict | int] | None = None, delay: float = 0.0) -> None:
        self.script = list(script or [])
        self.delay = delay  # seconds each chat reply waits: a slow model
        self.spec_script = list(spec_script or [])
        self.embedding_dim = embedding_dim
        self.requests: list[dict[str, Any]] = []
        self.authorizations: list[str | None] = []  # each request's Authorization header
        self.spec_requests: list[dict[str, Any]] = []
        self.spec_authorizations: list[str | None] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> "ScriptedLLMServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if "messages" in r]

    def _next(self, spec: bool) -> dict | int:
        with self._lock:
            queue = self.spec_script if spec else self.script
            if not queue:
                return reply(tool_calls=[tool_call("write_spec", DEFAULT_SPEC)]) if spec else reply("(script exhausted)")
            return queue.pop(0)

    def _embed(self, text: str) -> list[float]:
        digest = hashlib.sha256(text.encode()).digest()
        raw = [b / 255.0 - 0.5 for b in digest[: self.embedding_dim]]
        norm = sum(v * v for v in raw) ** 0.5 or 1.0
        return [v / norm for v in raw]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                return

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                spec = [t.get("function", {}).get("name") for t in body.get("tools") or []] == ["write_spec"]
                with server._lock:
                    (server.spec_requests if spec else server.requests).append(body)
                    (server.spec_authorizations if spec else server.authorizations).append(
                        self.headers.get("Authorization"))
                if self.path.endswith("/embeddings"):
                    inputs = body.get("input", [])
                    inputs = [inputs] if isinstance(inputs, str) else inputs
                    data = [{"object": "embedding", "index": i, "embedding": server._embed(str(t))} for i, t in enumerate(inputs)]
                    tokens = sum(len(str(t).split()) for t in inputs)
                    self._send(200, {"object": "list", "data": data, "model": body.get("model", "scripted"),
                                     "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})
                    return
                if self.path.endswith("/chat/completions"):
                    time.sleep(server.delay)
                    nxt = server._next(spec)
                    if isinstance(nxt, int):
                        self._send(nxt, {"error": {"message": f"scripted error {nxt}", "type": "scripted", "code": nxt}})
                        return
                    finish = "tool_calls" if nxt.get("tool_calls") else "stop"
                    self._send(200, {
                        "id": f"chatcmpl-{time.monotonic_ns()}", "object": "chat.completion", "created": int(time.time()),
                        "model": body.get("model", "scripted"),
                        "choices": [{"index": 0, "message": nxt, "finish_reason": finish}],
                        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
                    })
                    return
                self._send(404, {"error": {"message": f"no route {self.path}"}})

        return Handler
