"""``anthropic``: Messages, sync and async, plain and streamed (``create(stream=True)``).

A stream's input tokens come in ``message_start``, its cumulative output tokens in
``message_delta``; the ``message_stop`` event (the last) and the stream object get
``impacts``. ``messages.stream()`` (which does not go through ``create``) is observed when its
context manager is entered; its ``MessageStream`` gets ``impacts`` when the stream ends (e.g. in
``get_final_message()``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from empreinte.genai._patch import (
    StreamObserver,
    Target,
    attach,
    helper_handler,
    host_of,
    observe_stream,
)
from empreinte.genai.usage import TokenUsage, anthropic_usage

__all__ = ["targets"]

PROVIDER = "anthropic"
_USAGE = frozenset({"message_start", "message_delta", "message_stop"})


class _MessageStream(StreamObserver):
    __slots__ = ("model", "usage")

    def __init__(self, stream: Any, host: str | None) -> None:
        super().__init__(stream, host)
        self.model = ""
        self.usage: list[int] = [0, 0, 0]

    def gen(self, inner: Iterator[Any]) -> Iterator[Any]:
        feed = self.feed
        for event in inner:
            if event.type in _USAGE:  # most events are content blocks: no usage
                feed(event)
            yield event

    async def agen(self, inner: AsyncIterator[Any]) -> AsyncIterator[Any]:
        feed = self.feed
        async for event in inner:
            if event.type in _USAGE:
                feed(event)
            yield event

    def feed(self, event: Any) -> None:
        kind = event.type
        if kind == "message_start":
            self.model = event.message.model
            self.usage = list(anthropic_usage(event.message.usage))
        elif kind == "message_delta":
            i, o, r = anthropic_usage(event.usage)
            self.usage = [max(i, self.usage[0]), o, r or self.usage[2]]
        elif kind == "message_stop":
            i, o, r = self.usage
            self.finish(event, TokenUsage(PROVIDER, self.model, i, o, r, host=self.host))


def targets() -> list[Target]:
    """What :func:`empreinte.genai.instrument` patches:
    anthropic's ``messages.create`` and ``messages.stream`` (sync and async)."""
    from anthropic import AsyncStream, Stream
    from anthropic.types import Message

    def messages(resource: Any, result: Any) -> Any:
        t = type(result)
        if t is Message:
            i, o, r = anthropic_usage(result.usage)
            attach(result, TokenUsage(PROVIDER, result.model, i, o, r, host=host_of(resource)))
        elif t is Stream or t is AsyncStream:
            observe_stream(result, _MessageStream(result, host_of(resource)), t is AsyncStream)
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
