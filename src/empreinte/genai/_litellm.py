"""``litellm``: ``litellm.completion`` and ``litellm.acompletion``, plain and streamed.

The provider comes from the model string (``"anthropic/claude-…"``: the part before the first
``/``), else from LiteLLM's own answer (``_hidden_params["custom_llm_provider"]``), and maps to
the provider's data-centre preset (``mistral`` → ``mistralai``, ``gemini`` and ``vertex_ai`` →
``google``); other providers keep LiteLLM's name and get no location. A call sent to an
``api_base`` of another host gets no location either (warning ``endpoint-unknown``). Tokens come
from ``usage`` (OpenAI's shape for every provider: ``prompt_tokens``, ``completion_tokens``,
``completion_tokens_details.reasoning_tokens``).

Inside a LiteLLM call the other wrappers stand aside (:data:`~._patch.QUIET`): a call that
LiteLLM sends through the ``openai`` client is counted once. A stream (a
``CustomStreamWrapper``) is observed through its class's ``__next__``/``__anext__``; the chunk
that carries usage (``stream_options={"include_usage": True}``) and the stream get ``impacts``,
else the output is counted as content chunks (warning ``tokens-from-chunks``). ``litellm`` is
heavy to import (seconds): ``instrument()`` without arguments wraps it only when it is already
imported; ``instrument(["litellm"])`` imports it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from empreinte.genai._patch import _OBSERVER, QUIET, StreamObserver, Target, attach
from empreinte.genai.usage import TokenUsage, litellm_usage

__all__ = ["PROVIDER_OF", "targets"]

PROVIDER_OF = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "mistral": "mistralai",
    "gemini": "google",
    "vertex_ai": "google",
    "vertex_ai_beta": "google",
}
"""LiteLLM's provider names → the presets of ``providers.json`` (others are kept as they are)."""

_HOSTS: dict[str, str | None] = {}


def _host(api_base: Any) -> str | None:
    if not api_base:
        return None
    host = _HOSTS.get(api_base)
    if host is None:
        host = _HOSTS[api_base] = urlsplit(str(api_base)).hostname
    return host


def _route(kwargs: dict[str, Any], hidden: Any) -> tuple[str, str, str | None]:
    """(our provider, the model asked for without its provider, host) of one call."""
    asked = str(kwargs.get("model") or "")
    prefix, sep, rest = asked.partition("/")
    llm = kwargs.get("custom_llm_provider")
    if not llm and sep:
        llm, asked = prefix, rest
    if not llm and isinstance(hidden, dict):
        llm = hidden.get("custom_llm_provider")
    llm = str(llm or "litellm")
    return PROVIDER_OF.get(llm, llm), asked, _host(kwargs.get("api_base") or kwargs.get("base_url"))


def _usage(route: tuple[str, str, str | None], model: Any, u: Any) -> TokenUsage:
    i, o, r = litellm_usage(u)
    return TokenUsage(route[0], str(model or route[1]), i, o, r, host=route[2])


class _Stream(StreamObserver):
    __slots__ = ("chunks", "last", "model", "route")

    def __init__(self, stream: Any, route: tuple[str, str, str | None]) -> None:
        super().__init__(stream, route[2])
        self.route = route
        self.chunks = 0
        self.last: Any = None
        self.model: Any = None

    def feed(self, chunk: Any) -> None:
        extra = chunk.__pydantic_extra__
        u = extra.get("usage") if extra else None
        if u is not None:
            self.finish(chunk, _usage(self.route, chunk.model or self.model, u))
            return
        ch = chunk.choices
        if ch and ch[0].delta.content:
            self.chunks += 1
        self.last = chunk
        self.model = chunk.model

    def end(self) -> None:
        if self.last is not None:
            provider, asked, host = self.route
            model = str(self.model or asked)
            usage = TokenUsage(provider, model, 0, self.chunks, host=host, from_chunks=True)
            self.finish(self.last, usage)


def _handle(result: Any, kwargs: dict[str, Any], stream_cls: Any) -> Any:
    if type(result) is stream_cls:
        route = _route(kwargs, {"custom_llm_provider": result.custom_llm_provider})
        result.__dict__[_OBSERVER] = _Stream(result, route)
        return result
    u = getattr(result, "usage", None)
    if u is not None:
        route = _route(kwargs, getattr(result, "_hidden_params", None))
        attach(result, _usage(route, result.model, u))
    return result


def targets() -> list[Target]:
    """What :func:`empreinte.genai.instrument` patches:
    litellm's ``completion`` and ``acompletion`` and its stream wrapper."""
    from litellm.litellm_core_utils.streaming_handler import CustomStreamWrapper

    def completion(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if QUIET.get():  # inside another counted call
                return original(*args, **kwargs)
            token = QUIET.set(True)
            try:
                result = original(*args, **kwargs)
            finally:
                QUIET.reset(token)
            call = {"model": args[0], **kwargs} if args else kwargs
            return _handle(result, call, CustomStreamWrapper)

        return wrapper

    def acompletion(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            if QUIET.get():
                return await original(*args, **kwargs)
            token = QUIET.set(True)
            try:
                result = await original(*args, **kwargs)
            finally:
                QUIET.reset(token)
            call = {"model": args[0], **kwargs} if args else kwargs
            return _handle(result, call, CustomStreamWrapper)

        return wrapper

    def next_(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def wrapper(self: Any) -> Any:
            obs = self.__dict__.get(_OBSERVER)
            if obs is None or obs.done:
                return original(self)
            try:
                item = original(self)
            except StopIteration:
                obs.end()
                obs.done = True
                raise
            obs.feed(item)
            return item

        return wrapper

    def anext_(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        async def wrapper(self: Any) -> Any:
            obs = self.__dict__.get(_OBSERVER)
            if obs is None or obs.done:
                return await original(self)
            try:
                item = await original(self)
            except StopAsyncIteration:
                obs.end()
                obs.done = True
                raise
            obs.feed(item)
            return item

        return wrapper

    def unused(resource: Any, result: Any) -> Any:
        return result

    lib = "litellm.litellm_core_utils.streaming_handler"
    return [
        Target("litellm", "", "completion", False, unused, completion),
        Target("litellm", "", "acompletion", True, unused, acompletion),
        Target(lib, "CustomStreamWrapper", "__next__", False, unused, next_),
        Target(lib, "CustomStreamWrapper", "__anext__", True, unused, anext_),
    ]
