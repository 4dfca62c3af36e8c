"""An OpenAI-compatible chat server over a local GGUF model, so `codeidx bench agent run` can measure an
open model on a machine without a GPU (benchmark material only, never CI).

    python -m codeidx.benchmarks.local_model --model MODEL.gguf --port 8011 --threads 1 --tool-choice required
    codeidx bench agent run tasks.jsonl --model openai/local --api-base http://127.0.0.1:8011/v1 --out runs/q

Why not llama-cpp-python's own server: its `chatml-function-calling` format drops `role: tool` messages,
HTML-escapes the text and needs `tool_choice` set, and `llama-server` never recognised a tool call from
Qwen2.5-Coder (issue #14). Here the prompt is the model's own chat template (the GGUF's
`tokenizer.chat_template`, which for Qwen2.5 knows tools and `<tool_call>` replies), and a grammar lets the
model answer only with plain text or one well-formed `<tool_call>` whose arguments fit the tool's schema.

One `llama_cpp.Llama` serves every request in turn and keeps its KV cache: only the prompt's tokens after
the prefix it shares with the last one are evaluated, so an agent's next turn costs its new messages, not
the whole conversation again. llama_cpp and jinja2 are imported only when serving.
"""
from __future__ import annotations

import argparse
import json
import re
import select
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

MAX_REQUEST_BYTES = 4_000_000  # a conversation larger than this cannot fit any context window we serve
MAX_TOKENS = 1024  # most tokens one reply may generate, whatever the request asks
TOOL_CALL = re.compile(r"^\s*<tool_call>\s*(\{.*\})\s*</tool_call>\s*$", re.S)

# GBNF pieces for JSON values. Whitespace is fixed at Qwen's own (json.dumps) separators: a grammar that
# allowed free whitespace lets a small model pad a reply with spaces until max_tokens.
JSON_RULES = r"""
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\""
integer ::= "-"? ( "0" | [1-9] [0-9]{0,15} )
number ::= integer ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )?
boolean ::= "true" | "false"
value ::= object | array | string | number | boolean | "null"
object ::= "{" ( string ": " value ( ", " string ": " value )* )? "}"
array ::= "[" ( value ( ", " value )* )? "]"
"""
VALUE_RULE = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}


def _literal(text: str) -> str:
    """`text` as a GBNF string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _arguments_rule(parameters: dict) -> str:
    """GBNF for a tool's arguments: its required keys in order, then any of its optional keys. A schema
    that is not a flat object of named properties gets any JSON object."""
    properties = parameters.get("properties") if isinstance(parameters, dict) else None
    if not isinstance(properties, dict):
        return "object"

    def item(key: str) -> str:
        kind = properties[key].get("type") if isinstance(properties[key], dict) else None
        return f"{_literal(json.dumps(key) + ': ')} {VALUE_RULE.get(kind, 'value')}"

    required = [k for k in parameters.get("required", []) if k in properties]
    optional = [item(k) for k in properties if k not in required]
    choice = "( " + " | ".join(optional) + " )" if optional else ""
    if required:
        body = ' ", " '.join(item(k) for k in required) + (f' ( ", " {choice} )*' if optional else "")
    else:
        body = f'( {choice} ( ", " {choice} )* )?' if optional else ""
    return " ".join(part for part in ('"{"', body, '"}"') if part)


def grammar(tools: list[dict], choice: object = "auto") -> str:
    """GBNF for a reply, by OpenAI's `tool_choice`: "auto", plain text or exactly one `<tool_call>` (in the
    format Qwen2.5's template teaches) to an offered tool; "required", a call only; "none", text only; a
    named function, a call to it. Text never starts with `<`, a code fence or `{`: with tools on offer such
    a reply is a call in a format the template does not teach (Qwen2.5-Coder-1.5B writes ```json first)."""
    functions = [t["function"] for t in tools if isinstance(t, dict) and isinstance(t.get("function"), dict)]
    if isinstance(choice, dict):
        functions = [f for f in functions if f.get("name") == (choice.get("function") or {}).get("name")]
    calls = [] if choice == "none" else [f"call{i}" for i in range(len(functions))]
    text = [] if calls and choice != "auto" else ["text"]
    lines = ["root ::= " + " | ".join(text + calls), r"text ::= [^<`{\x00] [^\x00]*"]
    for name, f in zip(calls, functions):
        head = _literal('<tool_call>\n{"name": ' + json.dumps(f["name"]) + ', "arguments": ')
        tail = _literal("}\n</tool_call>")
        lines.append(f"{name} ::= {head} {_arguments_rule(f.get('parameters') or {})} {tail}")
    return "\n".join(lines) + JSON_RULES


def parse_reply(text: str, tool_names: set[str]) -> tuple[str | None, list[dict]]:
    """The reply as OpenAI message parts: (content, tool_calls). A reply that is not one whole call to an
    offered tool (cut off by max_tokens, say) stays text, for the agent to answer as such."""
    match = TOOL_CALL.match(text)
    if match:
        try:
            call = json.loads(match.group(1))
        except ValueError:
            call = None
        if isinstance(call, dict) and call.get("name") in tool_names and isinstance(call.get("arguments"), dict):
            return None, [{"id": f"call_{uuid.uuid4().hex[:12]}", "type": "function",
                           "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])}}]
    return text, []


def template_messages(messages: list[dict]) -> list[dict]:
    """Messages as chat templates expect them (Hugging Face's conventions): text content, never null or a
    list of parts, and a tool call's arguments as an object, not the JSON string OpenAI sends."""
    out = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        m = {**m, "content": content if isinstance(content, str) else ""}
        if m.get("tool_calls"):
            m["tool_calls"] = [{**c, "function": {**c["function"], "arguments": _object(c["function"]["arguments"])}}
                               for c in m["tool_calls"]]
        out.append(m)
    return out


def _object(arguments: object) -> object:
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except ValueError:
            return arguments
    return arguments


def render(template: str, messages: list[dict], tools: list[dict] | None, **special: str) -> str:
    """The prompt text, by the model's own chat template. The template comes from a downloaded file, so it
    runs in jinja2's sandbox; `tojson` is Hugging Face's (no HTML escaping, non-ASCII kept) because jinja2's
    would turn `<` in a tool description into `\\u003c`."""
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str):
        raise TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda x, indent=None: json.dumps(x, ensure_ascii=False, indent=indent)
    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(messages=template_messages(messages), tools=tools or None,
                                            add_generation_prompt=True, **special)


class LocalModel:
    """A GGUF model answering chat requests one at a time (the lock: one Llama, one KV cache). Replies are
    greedy, so a run can be repeated; a request's temperature is ignored."""

    def __init__(self, path: str, ctx: int, threads: int, max_tokens: int = MAX_TOKENS, name: str = "local",
                 tool_choice: str = "auto") -> None:
        try:
            import llama_cpp
            import numpy
        except ImportError:
            raise SystemExit("serving a GGUF model needs llama-cpp-python: pip install llama-cpp-python jinja2 "
                             "(it builds llama.cpp from source, minutes on a small CPU)") from None
        self.lib, self.np = llama_cpp, numpy
        self.llm = llama_cpp.Llama(model_path=path, n_ctx=ctx, n_threads=threads, n_threads_batch=threads,
                                   verbose=False)
        self.template = self.llm.metadata.get("tokenizer.chat_template")
        if not self.template:
            raise SystemExit(f"{path} has no tokenizer.chat_template: this server needs the model's own template")
        self.special = {"bos_token": self._text([self.llm.token_bos()]),
                        "eos_token": self._text([self.llm.token_eos()])}
        self.max_tokens, self.name, self.tool_choice, self.lock = max_tokens, name, tool_choice, threading.Lock()
        self.replies: dict[tuple, tuple[int, list[int], str]] = {}  # the last few, oldest first
        self.vocab = self.llm._model.vocab
        # The whole vocabulary as llama.cpp's candidate array, filled through a numpy view of the same memory.
        self.candidates = (llama_cpp.llama_token_data * self.llm.n_vocab())()
        self.view = numpy.ctypeslib.as_array(self.candidates)
        self.view["id"] = numpy.arange(self.llm.n_vocab())

    def _text(self, tokens: list[int]) -> str:
        return self.llm.detokenize([t for t in tokens if t >= 0], special=True).decode("utf-8", "replace")

    def chat(self, request: dict, gone=lambda: False) -> dict | None:
        """The OpenAI response to `request`, or None when `gone()` says its client left before it began.

        A slow reply outlives LiteLLM's timeout (120 s in the agent), and LiteLLM then sends the request
        again. The reply is finished all the same and kept: greedy decoding would give the same tokens, so
        the resent request is answered from `replies` at once instead of being computed a second time."""
        tools = request.get("tools") or []
        prompt = render(self.template, request["messages"], tools, **self.special)
        rules = grammar(tools, request.get("tool_choice") or self.tool_choice)
        with self.lock:
            if gone():  # a copy that timed out while it waited: its resent twin is queued behind it
                print("a request whose client left while it waited: skipped", file=sys.stderr, flush=True)
                return None
            tokens = self.llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
            room = self.llm.n_ctx() - len(tokens)
            if room < 16:
                raise ValueError(f"context window exceeded: the prompt is {len(tokens)} tokens, "
                                 f"the context {self.llm.n_ctx()}")
            start = time.perf_counter()
            limit = min(int(request.get("max_tokens") or self.max_tokens), self.max_tokens, room)
            key = (tuple(tokens), rules, limit)
            if key not in self.replies:
                self.replies[key] = self._generate(tokens, limit, rules)
                while len(self.replies) > 4:
                    self.replies.pop(next(iter(self.replies)))
            new, reply, finish = self.replies[key]
            seconds = time.perf_counter() - start
        content, calls = parse_reply(self._text(reply), {t["function"]["name"] for t in tools})
        ended = f"tool call {calls[0]['function']['name']}" if calls else f"text ({finish}) {content[:160]!r}"
        print(f"prompt {len(tokens)} tokens ({new} new), reply {len(reply)} tokens, {seconds:.1f} s, {ended}"
              + (", gone before the reply" if gone() else ""), file=sys.stderr, flush=True)
        message = {"role": "assistant", "content": content, **({"tool_calls": calls} if calls else {})}
        return {"id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion", "created": int(time.time()),
                "model": self.name,
                "usage": {"prompt_tokens": len(tokens), "completion_tokens": len(reply),
                          "total_tokens": len(tokens) + len(reply)},
                "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else finish}]}

    def _generate(self, tokens: list[int], limit: int, rules: str) -> tuple[int, list[int], str]:
        """Greedy decoding under the grammar: (prompt tokens evaluated, reply tokens, finish reason).

        The KV cache keeps the previous conversation: only the prompt's tokens after the common prefix are
        evaluated. The grammar checks the token greedy decoding picks and only when it refuses that one
        the whole vocabulary (as llama.cpp's own sampler does): llama-cpp-python's sampler checks all
        152k tokens every step, which tripled the time per token here."""
        llm, lib = self.llm, self.lib
        cached = llm.input_ids[: llm.n_tokens].tolist()
        common = next((i for i, (a, b) in enumerate(zip(tokens, cached)) if a != b), min(len(cached), len(tokens)))
        llm.n_tokens = min(common, len(tokens) - 1)  # one token at least is evaluated: its logits pick the first
        new, start = len(tokens) - llm.n_tokens, time.perf_counter()
        llm.eval(tokens[llm.n_tokens:])
        print(f"prompt {len(tokens)} tokens: {new} evaluated in {time.perf_counter() - start:.1f} s",
              file=sys.stderr, flush=True)
        sampler = lib.llama_sampler_init_grammar(self.vocab, rules.encode(), b"root")
        if not sampler:
            raise ValueError("the reply grammar does not parse")
        reply: list[int] = []
        try:
            while len(reply) < limit:
                logits = self.np.ctypeslib.as_array(lib.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(llm.n_vocab(),))
                token = self._pick(sampler, logits)
                if lib.llama_vocab_is_eog(self.vocab, token):  # the grammar allows it only after a whole reply
                    return new, reply, "stop"
                lib.llama_sampler_accept(sampler, token)
                reply.append(token)
                llm.eval([token])
            return new, reply, "length"
        finally:
            lib.llama_sampler_free(sampler)

    def _pick(self, sampler, logits) -> int:
        """The likeliest token the grammar allows."""
        lib = self.lib
        token = int(logits.argmax())
        one = (lib.llama_token_data * 1)(lib.llama_token_data(token, float(logits[token]), 0.0))
        lib.llama_sampler_apply(sampler, lib.llama_token_data_array(one, 1, -1, False))
        if one[0].logit != float("-inf"):
            return token
        self.view["logit"], self.view["p"] = logits, 0.0
        lib.llama_sampler_apply(sampler, lib.llama_token_data_array(self.candidates, len(self.view), -1, False))
        best = int(self.view["logit"].argmax())
        if self.view["logit"][best] == float("-inf"):
            raise ValueError("the reply grammar allows no token here")
        return int(self.view["id"][best])


def handler(model) -> type[BaseHTTPRequestHandler]:
    """Request handling for `model` (anything with `chat(request) -> response` and `name`)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.rstrip("/") != "/v1/models":
                return self._send(404, {"error": {"message": "not found"}})
            self._send(200, {"object": "list", "data": [{"id": model.name, "object": "model"}]})

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/v1/chat/completions":
                return self._send(404, {"error": {"message": "only /v1/chat/completions is served"}})
            size = int(self.headers.get("Content-Length") or 0)
            if size > MAX_REQUEST_BYTES:
                return self._send(413, {"error": {"message": f"request over {MAX_REQUEST_BYTES} bytes"}})
            try:
                request = json.loads(self.rfile.read(size))
                if not isinstance(request, dict) or not isinstance(request.get("messages"), list):
                    raise ValueError("the request needs a list of messages")
                if request.get("stream"):
                    raise ValueError("streaming is not served")
                response = model.chat(request, self._gone)
            except (ValueError, KeyError, TypeError) as exc:
                return self._send(400, {"error": {"message": str(exc), "type": "invalid_request_error"}})
            if response is not None:
                self._send(200, response)

        def _gone(self) -> bool:
            """Whether the client closed its connection (readable, with nothing left to read)."""
            if not select.select([self.connection], [], [], 0)[0]:
                return False
            try:
                return self.connection.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                print("the client left before the reply", file=sys.stderr, flush=True)

        def log_message(self, format: str, *args) -> None:
            pass  # chat() prints one line per request

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="path of a GGUF file with a chat template")
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument("--ctx", type=int, default=16384, help="context window in tokens")
    parser.add_argument("--threads", type=int, default=2,
                        help="CPU threads; on cores other work keeps busy, 1 (llama.cpp's threads wait on each other)")
    parser.add_argument("--max-tokens", type=int, default=MAX_TOKENS, help="most tokens a reply may generate")
    parser.add_argument("--name", default="local", help="the model name responses report")
    parser.add_argument("--tool-choice", choices=("auto", "required"), default="auto",
                        help="for a request with tools and no tool_choice: text or a call (auto), or a call (required)")
    args = parser.parse_args(argv)
    model = LocalModel(args.model, args.ctx, args.threads, args.max_tokens, args.name, args.tool_choice)
    # Loopback only, one request at a time: this is a benchmark's model, not a service.
    server = HTTPServer(("127.0.0.1", args.port), handler(model))
    print(f"serving {args.model} at http://127.0.0.1:{args.port}/v1", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
