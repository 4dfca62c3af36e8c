"""The local model server's pure parts: prompt rendering, the reply grammar, tool-call parsing and the HTTP
handling, with a fake model. Neither llama_cpp nor a model file is needed."""
from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from http.server import HTTPServer

import pytest

from codeidx.benchmarks import local_model
from codeidx.benchmarks.local_model import grammar, handler, parse_reply, render, template_messages

TOOLS = [
    {"type": "function", "function": {"name": "read_file", "description": "Read <path> & lines", "parameters": {
        "type": "object", "required": ["path"],
        "properties": {"path": {"type": "string"}, "start": {"type": "integer"}, "end": {"type": "integer"}}}}},
    {"type": "function", "function": {"name": "run_tests", "description": "Run the tests",
                                      "parameters": {"type": "object", "properties": {}, "required": []}}},
]

# The tool-call part of Qwen2.5's chat template, and its plain turns: what the real template does with tools.
TEMPLATE = """{%- if tools %}<tools>{% for tool in tools %}
{{ tool | tojson }}{% endfor %}
</tools>
{% endif %}
{%- for message in messages %}
{%- if message.role == "assistant" and message.tool_calls %}<|im_start|>assistant
{%- for tool_call in message.tool_calls %}{% set tool_call = tool_call.function %}
<tool_call>
{"name": "{{ tool_call.name }}", "arguments": {{ tool_call.arguments | tojson }}}
</tool_call>{% endfor %}<|im_end|>
{% elif message.role == "tool" %}<|im_start|>user
<tool_response>
{{ message.content }}
</tool_response><|im_end|>
{% else %}<|im_start|>{{ message.role }}
{{ message.content }}<|im_end|>
{% endif %}
{%- endfor %}
{%- if add_generation_prompt %}<|im_start|>assistant
{% endif %}"""


def test_a_whole_call_to_an_offered_tool_becomes_an_openai_tool_call():
    content, calls = parse_reply('<tool_call>\n{"name": "read_file", "arguments": {"path": "a.py", "start": 3}}\n'
                                 '</tool_call>', {"read_file"})
    assert content is None
    assert len(calls) == 1 and calls[0]["type"] == "function" and calls[0]["id"].startswith("call_")
    assert calls[0]["function"]["name"] == "read_file"
    assert json.loads(calls[0]["function"]["arguments"]) == {"path": "a.py", "start": 3}  # a JSON string, as OpenAI


@pytest.mark.parametrize("text", [
    "The bug is in escape().",  # plain text
    '<tool_call>\n{"name": "read_file", "arguments": {"path": "a.py"',  # cut off by max_tokens
    '<tool_call>\n{"name": "delete_repo", "arguments": {}}\n</tool_call>',  # not an offered tool
    '<tool_call>\n{"name": "read_file", "arguments": "a.py"}\n</tool_call>',  # arguments not an object
])
def test_anything_but_one_whole_call_to_an_offered_tool_stays_text(text):
    assert parse_reply(text, {"read_file"}) == (text, [])


def test_messages_are_made_what_templates_expect():
    messages = template_messages([
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": '{"path": "a.py"}'}}]},
        {"role": "user", "content": [{"type": "text", "text": "one "}, {"type": "text", "text": "two"}]},
    ])
    assert messages[0]["content"] == ""  # None would break `'\n' + message.content`
    assert messages[0]["tool_calls"][0]["function"]["arguments"] == {"path": "a.py"}
    assert messages[1]["content"] == "one two"


def test_the_template_renders_tools_calls_and_results_without_html_escaping():
    prompt = render(TEMPLATE, [
        {"role": "system", "content": "Fix <b>bugs</b> & run tests"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": '{"path": "a.py"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "x = '<a>'"},
    ], TOOLS)
    assert "Read <path> & lines" in prompt  # Hugging Face's tojson: jinja2's would write \u003c
    assert "Fix <b>bugs</b> & run tests" in prompt  # no autoescaping of message text
    assert '<tool_call>\n{"name": "read_file", "arguments": {"path": "a.py"}}\n</tool_call>' in prompt
    assert "<tool_response>\nx = '<a>'\n</tool_response>" in prompt  # tool results are kept, not dropped
    assert prompt.endswith("<|im_start|>assistant\n")


def test_a_call_the_template_renders_parses_back_to_the_same_call():
    call = {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": '{"path": "a b.py"}'}}
    prompt = render(TEMPLATE, [{"role": "assistant", "content": None, "tool_calls": [call]}], None)
    turn = prompt.split("<|im_start|>assistant")[1].split("<|im_end|>")[0]
    _, calls = parse_reply(turn, {"read_file"})
    assert json.loads(calls[0]["function"]["arguments"]) == {"path": "a b.py"}


def test_the_template_runs_sandboxed_and_can_raise():
    with pytest.raises(Exception, match="no system"):
        render("{{ raise_exception('no system') }}", [], None)
    with pytest.raises(Exception):  # noqa: B017 - jinja2's SecurityError; the sandbox refuses attribute escapes
        render("{{ messages.__class__.__mro__ }}", [], None)


def test_the_grammar_offers_text_or_one_call_per_tool_with_its_schema():
    text = grammar(TOOLS)
    rules = dict(line.split(" ::= ", 1) for line in text.splitlines() if " ::= " in line)
    assert rules["root"] == "text | call0 | call1"
    assert rules["call0"].startswith(r'"<tool_call>\n{\"name\": \"read_file\", \"arguments\": " "{"')
    # required keys first, in order, then the optional ones; integers are integers
    assert re.search(r'"\\"path\\": " string \( ", " \( "\\"start\\": " integer \| "\\"end\\": " integer \) \)\*',
                     rules["call0"])
    assert rules["call1"].endswith(r'"{" "}" "}\n</tool_call>"')  # no parameters: {}
    assert rules["text"].startswith("[^<")  # text never starts like a call
    # every rule a rule refers to is defined (literals and character classes aside)
    referred = set(re.findall(r"\b[a-z][a-z0-9]*\b", re.sub(r'"(\\.|[^"\\])*"|\[(\\.|[^\]\\])*\]', " ",
                                                             " ".join(rules.values()))))
    assert referred <= set(rules), referred - set(rules)


@pytest.mark.parametrize("choice, root", [
    ("auto", "text | call0 | call1"), ("required", "call0 | call1"), ("none", "text"),
    ({"type": "function", "function": {"name": "run_tests"}}, "call0"),
])
def test_tool_choice_decides_what_the_reply_may_be(choice, root):
    text = grammar(TOOLS, choice)
    assert re.search(r"^root ::= (.*)$", text, re.M).group(1) == root
    if isinstance(choice, dict):  # the one call allowed is to the named tool
        assert re.search(r'^call0 ::= .*\\"name\\": \\"run_tests\\"', text, re.M)


def test_a_schema_that_is_not_a_flat_object_takes_any_object():
    text = grammar([{"type": "function", "function": {"name": "f", "parameters": {"anyOf": []}}}])
    assert re.search(r"^call0 ::= .* object .*$", text, re.M)


class FakeModel:
    name = "fake"

    def __init__(self):
        self.requests = []

    def chat(self, request, gone):
        self.requests.append(request)
        if request["messages"][-1]["content"] == "slow":  # a long generation: stops once the client is gone
            deadline = time.monotonic() + 10
            while not gone() and time.monotonic() < deadline:
                time.sleep(0.01)
            self.left = gone()
            return None
        if request["messages"][-1]["content"] == "too long":
            raise ValueError("context window exceeded: the prompt is 9000 tokens, the context 8192")
        return {"choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}}


@pytest.fixture
def served():
    model = FakeModel()
    server = HTTPServer(("127.0.0.1", 0), handler(model))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield model, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def _post(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_server_answers_chat_completions_and_refuses_what_it_cannot_serve(served, monkeypatch):
    model, url = served
    status, body = _post(url + "/chat/completions", json.dumps({"messages": [{"role": "user", "content": "hi"}]}).encode())
    assert status == 200 and body["choices"][0]["message"]["content"] == "ok" and body["usage"]["prompt_tokens"] == 5
    status, body = _post(url + "/chat/completions", json.dumps({"messages": [{"role": "user", "content": "too long"}]})
                         .encode())
    assert status == 400 and "context window exceeded" in body["error"]["message"]
    assert _post(url + "/chat/completions", b"{not json")[0] == 400
    assert _post(url + "/chat/completions", json.dumps({"prompt": "hi"}).encode())[0] == 400
    monkeypatch.setattr(local_model, "MAX_REQUEST_BYTES", 100)
    assert _post(url + "/chat/completions", json.dumps({"messages": [{"content": "x" * 200}]}).encode())[0] == 413
    assert len(model.requests) == 2  # the refused ones never reached the model
    with urllib.request.urlopen(url + "/models", timeout=10) as response:
        assert json.loads(response.read())["data"][0]["id"] == "fake"


def test_a_request_whose_client_left_is_dropped(served):
    model, url = served
    body = json.dumps({"messages": [{"role": "user", "content": "slow"}]}).encode()
    with socket.create_connection(("127.0.0.1", int(url.split(":")[2].split("/")[0]))) as client:
        client.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    deadline = time.monotonic() + 10
    while not hasattr(model, "left") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert model.left is True  # seen as gone, not waited on for the whole generation
    status, _ = _post(url + "/chat/completions", json.dumps({"messages": [{"role": "user", "content": "hi"}]}).encode())
    assert status == 200  # and the server goes on serving
