"""``google-genai``: ``models.generate_content`` and ``generate_content_stream``, sync and async
(``client.aio.models``), for the Gemini API and Vertex AI.

The public methods are wrapped (what the caller gets back: automatic continuation merges its
hops' usage into the response). Tokens come from ``usage_metadata``: ``prompt_token_count``
(plus ``tool_use_prompt_token_count``), ``candidates_token_count`` plus
``thoughts_token_count`` as output, the thoughts as reasoning. A stream reports its usage on
its chunks; the chunk that ends it (a ``finish_reason``) gets ``impacts``, or the last chunk
when the stream runs out without one. The model is the response's ``model_version``, else the
requested name without its ``models/`` path. With automatic function calling, the response
carries the usage of the SDK's last request only: that is what is counted (one call).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from empreinte.genai._patch import QUIET, StreamObserver, Target, attach
from empreinte.genai.usage import TokenUsage, google_usage

__all__ = ["targets"]

PROVIDER = "google"
_HOSTS: dict[str, str | None] = {}


def _host(resource: Any) -> str | None:
    try:
        api = resource._api_client
        url = api._http_options.base_url
    except AttributeError:
        return None
    if not url:
        return None
    host = _HOSTS.get(url)
    if host is None:
        host = _HOSTS[url] = urlsplit(url).hostname
    return host


def _model(requested: Any, response: Any) -> str:
    v = response.model_version
    if v:
        return str(v)
    name = str(requested or "")
    return name.rsplit("/", 1)[-1]


def _usage(response: Any, requested: Any, host: str | None) -> TokenUsage:
    """The usage of a response that carries ``usage_metadata`` (callers check: a response
    without it gets no impacts, never zero tokens)."""
    i, o, r = google_usage(response.usage_metadata)
    return TokenUsage(PROVIDER, _model(requested, response), i, o, r, host=host)


class _Stream(StreamObserver):
    __slots__ = ("last", "requested")

    def __init__(self, stream: Any, host: str | None, requested: Any) -> None:
        self._targets = []
        self.host = host
        self.done = False
        self.last: Any = None
        self.requested = requested

    def feed(self, chunk: Any) -> None:
        if self.done:  # counted once: later chunks pass through
            return
        self.last = chunk
        cands = chunk.candidates
        if cands and cands[0].finish_reason is not None and chunk.usage_metadata is not None:
            self.finish(chunk, _usage(chunk, self.requested, self.host))

    def end(self) -> None:
        if self.last is not None and self.last.usage_metadata is not None:
            self.finish(self.last, _usage(self.last, self.requested, self.host))


def _plain(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if not QUIET.get() and result.usage_metadata is not None:
            attach(result, _usage(result, kwargs.get("model"), _host(self)))
        return result

    return wrapper


def _aplain(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = await original(self, *args, **kwargs)
        if not QUIET.get() and result.usage_metadata is not None:
            attach(result, _usage(result, kwargs.get("model"), _host(self)))
        return result

    return wrapper


def _stream(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        inner = original(self, *args, **kwargs)
        if QUIET.get():
            return inner
        return _Stream(inner, _host(self), kwargs.get("model")).gen(inner)

    return wrapper


def _astream(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        inner = await original(self, *args, **kwargs)
        if QUIET.get():
            return inner
        return _Stream(inner, _host(self), kwargs.get("model")).agen(inner)

    return wrapper


def _unused(resource: Any, result: Any) -> Any:  # the wrappers above do the work
    return result


def targets() -> list[Target]:
    """What :func:`empreinte.genai.instrument` patches:
    google-genai's ``Models.generate_content`` (and its stream and async forms)."""
    mod = "google.genai.models"
    return [
        Target(mod, "Models", "generate_content", False, _unused, _plain),
        Target(mod, "AsyncModels", "generate_content", True, _unused, _aplain),
        Target(mod, "Models", "generate_content_stream", False, _unused, _stream),
        Target(mod, "AsyncModels", "generate_content_stream", True, _unused, _astream),
    ]
