"""Model calls through LiteLLM's Router: retries with backoff, a fallback, and cost accounting.

LiteLLM is imported here and nowhere on the path of `build` or `ask`: it takes seconds to load.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable

from codeidx.agent.audit import AuditLog
from codeidx.core.config import MODEL_STAGES
from codeidx.core.errors import CodeidxError, first_line

CONDENSE_AT = 4000  # characters of tool output above which the cheap model summarises it
PLACEHOLDER_KEY = "codeidx-no-key"


class ModelError(CodeidxError):
    """A model call that still failed after the Router's retries and fallbacks."""


class AuthError(ModelError):
    """The provider refused the key, or there is none: retrying cannot help, the user must set one."""


@dataclass(frozen=True)
class Endpoint:
    model: str  # any LiteLLM model string: openai/..., anthropic/..., ollama/...
    api_base: str | None = None
    api_key: str | None = None


def routes(roles: Iterable[str]) -> dict[str, str]:
    """The endpoint each stage's calls go to, given the endpoints there are: the stage's own where it has
    one, else the cheap model for the spec, else the main model."""
    return {s: s if s in roles else "cheap" if s == "spec" and "cheap" in roles else "main" for s in MODEL_STAGES}


class Model:
    """`stages` gives a pipeline stage's calls an endpoint of their own (the audit log knows which stage the
    run is in); see `routes`."""

    def __init__(self, main: Endpoint, cheap: Endpoint | None, audit: AuditLog, retries: int = 2,
                 timeout: float = 120.0, stages: dict[str, Endpoint] | None = None) -> None:
        from litellm import Router

        def entry(name: str, e: Endpoint) -> dict:
            return {"model_name": name, "litellm_params": litellm_params(e, timeout)}

        self.endpoints = {"main": main, **({"cheap": cheap} if cheap else {}), **(stages or {})}
        for e in self.endpoints.values():
            check_key(e)
        self.route = routes(self.endpoints)
        # One deployment a name: the Router then never retries a 401 or 403 (it would only with a second
        # deployment of the same name). Fallbacks are ours (_call): the Router's would send a refused key's
        # request on to the cheap model.
        self.router = Router(model_list=[entry(n, e) for n, e in self.endpoints.items()], num_retries=retries,
                             retry_after=1)
        self.names = {n: e.model for n, e in self.endpoints.items()}
        self.audit = audit
        self.cost = 0.0
        self.tokens = 0
        self.steps = 0  # calls of the main model, the loop's turns

    def complete(self, messages: list[dict], tools: list[dict], step: int):
        """The assistant's next message (a LiteLLM message object)."""
        self.steps = step
        response = self._call(self.route.get(self.audit.stage, "main"), step, messages=messages, tools=tools)
        return response.choices[0].message

    def condense(self, text: str, step: int) -> str:
        """Long tool output, summarised by the cheap model when there is one (else returned as is)."""
        if len(text) <= CONDENSE_AT or "cheap" not in self.names:
            return text
        prompt = ("Condense this tool output for a coding agent. Keep every error message, failing test name, "
                  "file path and line number verbatim; drop repetition and noise.\n\n" + text)
        response = self._call("cheap", step, messages=[{"role": "user", "content": prompt}])
        return "[condensed by the cheap model]\n" + (response.choices[0].message.content or "")

    def _call(self, name: str, step: int, **kwargs):
        try:
            return self._call_once(name, step, **kwargs)
        except AuthError:
            raise
        except ModelError:
            # The cheap model stands in when another keeps failing; the reverse would cost more.
            if name == "cheap" or "cheap" not in self.names:
                raise
            return self._call_once("cheap", step, **kwargs)

    def _call_once(self, name: str, step: int, **kwargs):
        start = time.perf_counter()
        try:
            response = self.router.completion(model=name, **kwargs)
        except Exception as exc:  # noqa: BLE001 - LiteLLM maps every provider failure to its own types
            self.audit.write("model_call", step=step, model=self.names[name], ok=False,
                             error=f"{type(exc).__name__}: {exc}", latency_ms=_ms(start))
            if getattr(exc, "status_code", None) in (401, 403):
                raise AuthError(_auth_line(self.endpoints[name], f"refused the key (HTTP {exc.status_code})")) from exc
            raise ModelError(f"model call failed after retries ({type(exc).__name__}): {first_line(exc)}") from exc
        usage = getattr(response, "usage", None)
        prompt, completion = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        cost = float(response._hidden_params.get("response_cost") or 0.0)
        self.cost += cost
        self.tokens += prompt + completion
        self.audit.write("model_call", step=step, model=response.model or self.names[name], role=name, ok=True,
                         prompt_tokens=prompt, completion_tokens=completion, cost=cost, latency_ms=_ms(start))
        return response


def litellm_params(e: Endpoint, timeout: float) -> dict:
    params: dict = {"model": e.model, "timeout": timeout}
    if e.api_base:
        # A server the user named gets CODEIDX_API_KEY or a placeholder, never the provider's key
        # from the environment (LiteLLM would send OPENAI_API_KEY to any base URL); keyless local
        # servers (llama.cpp, vLLM, Ollama) need some key for LiteLLM to send the request at all.
        params.update(api_base=e.api_base, api_key=e.api_key or PLACEHOLDER_KEY)
    elif e.api_key:
        params["api_key"] = e.api_key
    return params


def one_reply(e: Endpoint, prompt: str, max_tokens: int, timeout: float) -> str:
    """One user message, one reply's text: for a single call outside an agent run (`ask --rerank-model`)."""
    import litellm

    litellm.suppress_debug_info = True  # else a failure prints "Give Feedback / Get Help" onto stdout, into --json
    check_key(e)
    try:
        response = litellm.completion(messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens,
                                      num_retries=1, **litellm_params(e, timeout))
    except Exception as exc:  # noqa: BLE001 - LiteLLM maps every provider failure to its own types
        if getattr(exc, "status_code", None) in (401, 403):
            raise AuthError(_auth_line(e, f"refused the key (HTTP {exc.status_code})")) from exc
        raise ModelError(f"{type(exc).__name__}: {first_line(exc)}") from exc
    return response.choices[0].message.content or ""


def key_variable(e: Endpoint) -> str:
    """The environment variable that holds the endpoint's key: CODEIDX_API_KEY for a server the user
    named, else the provider's own (OPENAI_API_KEY for openai/..., ANTHROPIC_API_KEY for anthropic/...)."""
    if e.api_base:
        return "CODEIDX_API_KEY"
    missing = _missing_keys(e.model)
    return missing[0] if missing else f"{e.model.split('/')[0].upper()}_API_KEY"


def _missing_keys(model: str) -> list[str]:
    """The key variables LiteLLM wants for `model` and cannot find (not base URLs: Ollama needs none)."""
    from litellm import validate_environment

    return [k for k in validate_environment(model).get("missing_keys", []) if k.endswith("_KEY")]


def check_key(e: Endpoint) -> None:
    """A hosted model without its key fails before any request: LiteLLM would report it as a server error
    and retry it for seconds."""
    if not (e.api_base or e.api_key) and _missing_keys(e.model):
        raise AuthError(_auth_line(e, "has no key"))


def _auth_line(e: Endpoint, what: str) -> str:
    where = f" at {e.api_base}" if e.api_base else ""
    return f"{e.model}{where} {what}: set {key_variable(e)} and run again"


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
