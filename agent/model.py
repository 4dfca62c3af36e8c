"""Model calls through LiteLLM's Router: retries with backoff, a fallback, and cost accounting.

LiteLLM is imported here and nowhere on the path of `build` or `ask`: it takes seconds to load.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from codeidx.agent.audit import AuditLog
from codeidx.core.errors import CodeidxError, first_line

CONDENSE_AT = 4000  # characters of tool output above which the cheap model summarises it
PLACEHOLDER_KEY = "codeidx-no-key"


class ModelError(CodeidxError):
    """A model call that still failed after the Router's retries and fallbacks."""


@dataclass(frozen=True)
class Endpoint:
    model: str  # any LiteLLM model string: openai/..., anthropic/..., ollama/...
    api_base: str | None = None
    api_key: str | None = None


class Model:
    def __init__(self, main: Endpoint, cheap: Endpoint | None, audit: AuditLog, retries: int = 2,
                 timeout: float = 120.0) -> None:
        from litellm import Router

        def entry(name: str, e: Endpoint) -> dict:
            params = {"model": e.model, "timeout": timeout}
            if e.api_base:
                # A server the user named gets CODEIDX_API_KEY or a placeholder, never the provider's key
                # from the environment (LiteLLM would send OPENAI_API_KEY to any base URL); keyless local
                # servers (llama.cpp, vLLM, Ollama) need some key for LiteLLM to send the request at all.
                params.update(api_base=e.api_base, api_key=e.api_key or PLACEHOLDER_KEY)
            elif e.api_key:
                params["api_key"] = e.api_key
            return {"model_name": name, "litellm_params": params}

        endpoints = [entry("main", main)] + ([entry("cheap", cheap)] if cheap else [])
        # The cheap model stands in when the main one keeps failing; the reverse would cost more.
        self.router = Router(model_list=endpoints, num_retries=retries, retry_after=1,
                             fallbacks=[{"main": ["cheap"]}] if cheap else [])
        self.names = {"main": main.model, "cheap": cheap.model if cheap else None}
        self.audit = audit
        self.cost = 0.0
        self.tokens = 0
        self.steps = 0  # calls of the main model, the loop's turns

    def complete(self, messages: list[dict], tools: list[dict], step: int):
        """The assistant's next message (a LiteLLM message object)."""
        self.steps = step
        response = self._call("main", step, messages=messages, tools=tools)
        return response.choices[0].message

    def condense(self, text: str, step: int) -> str:
        """Long tool output, summarised by the cheap model when there is one (else returned as is)."""
        if len(text) <= CONDENSE_AT or not self.names["cheap"]:
            return text
        prompt = ("Condense this tool output for a coding agent. Keep every error message, failing test name, "
                  "file path and line number verbatim; drop repetition and noise.\n\n" + text)
        response = self._call("cheap", step, messages=[{"role": "user", "content": prompt}])
        return "[condensed by the cheap model]\n" + (response.choices[0].message.content or "")

    def _call(self, name: str, step: int, **kwargs):
        start = time.perf_counter()
        try:
            response = self.router.completion(model=name, **kwargs)
        except Exception as exc:  # noqa: BLE001 - LiteLLM maps every provider failure to its own types
            self.audit.write("model_call", step=step, model=self.names[name], ok=False,
                             error=f"{type(exc).__name__}: {exc}", latency_ms=_ms(start))
            raise ModelError(f"model call failed after retries ({type(exc).__name__}): {first_line(exc)}") from exc
        usage = getattr(response, "usage", None)
        prompt, completion = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        cost = float(response._hidden_params.get("response_cost") or 0.0)
        self.cost += cost
        self.tokens += prompt + completion
        self.audit.write("model_call", step=step, model=response.model or self.names[name], role=name, ok=True,
                         prompt_tokens=prompt, completion_tokens=completion, cost=cost, latency_ms=_ms(start))
        return response


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
