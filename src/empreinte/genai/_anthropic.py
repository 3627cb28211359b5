"""``anthropic``: Messages, sync and async, plain and streamed (``create(stream=True)``).

A stream's input tokens come in ``message_start``, its cumulative output tokens in
``message_delta``; the ``message_stop`` event (the last) and the stream object get
``impacts``. ``messages.stream()`` (which does not go through ``create``) is observed when its
context manager is entered; its ``MessageStream`` gets ``impacts`` when the stream ends (e.g. in
``get_final_message()``).
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any

from empreinte.genai._patch import (
    _OBSERVER,
    StreamObserver,
    Target,
    attach,
    helper_handler,
    host_of,
)
from empreinte.genai.usage import TokenUsage, anthropic_usage

__all__ = ["targets"]

PROVIDER = "anthropic"
_USAGE = frozenset({"message_start", "message_delta", "message_stop"})
# The client's content-block event classes (most of a stream's events, never any usage): passed
# on at one ``type(event)`` lookup, without reading ``event.type`` (set by ``targets()``).
_CONTENT: frozenset[type] = frozenset()


class _MessageStream(StreamObserver):
    """One Messages stream. ``gen``/``agen`` keep the model and the token counts in local
    variables (no method call, list or tuple kept per event); the ``TokenUsage`` is built once,
    at ``message_stop``. The observer itself holds only what ``finish`` needs."""

    __slots__ = ()

    def __init__(self, stream: Any, host: str | None) -> None:  # no super() call: per stream
        self._targets = [weakref.ref(stream)]
        self.host = host
        self.done = False

    def gen(self, inner: Iterator[Any]) -> Iterator[Any]:
        model = ""
        i = o = r = 0
        content = _CONTENT
        for event in inner:
            if type(event) in content:
                yield event
                continue
            kind = event.type
            if kind in _USAGE:  # most events are content blocks: no usage
                if kind == "message_delta":
                    di, o, dr = anthropic_usage(event.usage)
                    i, r = max(di, i), dr or r
                elif kind == "message_start":
                    model = event.message.model
                    i, o, r = anthropic_usage(event.message.usage)
                else:  # message_stop
                    self.finish(event, TokenUsage(PROVIDER, model, i, o, r, host=self.host))
            yield event

    async def agen(self, inner: AsyncIterator[Any]) -> AsyncIterator[Any]:
        model = ""
        i = o = r = 0
        content = _CONTENT
        async for event in inner:
            if type(event) in content:
                yield event
                continue
            kind = event.type
            if kind in _USAGE:
                if kind == "message_delta":
                    di, o, dr = anthropic_usage(event.usage)
                    i, r = max(di, i), dr or r
                elif kind == "message_start":
                    model = event.message.model
                    i, o, r = anthropic_usage(event.message.usage)
                else:
                    self.finish(event, TokenUsage(PROVIDER, model, i, o, r, host=self.host))
            yield event


def targets() -> list[Target]:
    """What :func:`empreinte.genai.instrument` patches:
    anthropic's ``messages.create`` and ``messages.stream`` (sync and async)."""
    import anthropic.types
    from anthropic import AsyncStream, Stream
    from anthropic.types import Message

    global _CONTENT
    names = ("RawContentBlockStartEvent", "RawContentBlockDeltaEvent", "RawContentBlockStopEvent")
    _CONTENT = frozenset(
        c for c in (getattr(anthropic.types, n, None) for n in names) if isinstance(c, type)
    )

    def messages(resource: Any, result: Any) -> Any:
        t = type(result)
        if t is Message:
            i, o, r = anthropic_usage(result.usage)
            attach(result, TokenUsage(PROVIDER, result.model, i, o, r, host=host_of(resource)))
        elif t is Stream or t is AsyncStream:
            obs = _MessageStream(result, host_of(resource))
            inner = result._iterator
            result._iterator = obs.agen(inner) if t is AsyncStream else obs.gen(inner)
            object.__setattr__(result, _OBSERVER, obs)
        return result

    mod = "anthropic.resources.messages.messages"
    lib = "anthropic.lib.streaming._messages"
    helper = helper_handler(_MessageStream)
    return [
        Target(lib, "MessageStreamManager", "__enter__", False, helper),
        Target(lib, "AsyncMessageStreamManager", "__aenter__", True, helper),
        Target(mod, "Messages", "create", False, messages),
        Target(mod, "AsyncMessages", "create", True, messages),
    ]
