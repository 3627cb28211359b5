"""``mistralai``: ``chat.complete`` and ``chat.stream``, sync and async.

Mistral's streams report usage in their last chunk; that event (a ``CompletionEvent``) and
the stream object get ``impacts``. A stream without usage falls back to counted chunks
(warning ``tokens-from-chunks``), as for OpenAI.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from empreinte.genai._patch import StreamObserver, Target, attach, observe_stream
from empreinte.genai.usage import TokenUsage

__all__ = ["targets"]

PROVIDER = "mistralai"
_HOSTS: dict[str, str | None] = {}


def _host(resource: Any) -> str | None:
    try:
        url, _ = resource.sdk_configuration.get_server_details()
    except (AttributeError, ValueError):
        return None
    host = _HOSTS.get(url)
    if host is None:
        host = _HOSTS[url] = urlsplit(url).hostname
    return host


def _usage(u: Any) -> tuple[int, int]:
    return u.prompt_tokens or 0, u.completion_tokens or 0


class _ChatStream(StreamObserver):
    __slots__ = ("chunks", "last", "model")

    def __init__(self, stream: Any, host: str | None) -> None:
        super().__init__(stream, host)
        self.chunks = 0
        self.last: Any = None
        self.model = ""

    def feed(self, event: Any) -> None:
        chunk = event.data
        self.last, self.model = event, chunk.model
        if chunk.choices:
            self.chunks += 1
        if chunk.usage is not None:
            i, o = _usage(chunk.usage)
            self.finish(event, TokenUsage(PROVIDER, chunk.model, i, o, host=self.host))

    def end(self) -> None:
        if self.last is not None:
            usage = TokenUsage(
                PROVIDER, self.model, 0, self.chunks, host=self.host, from_chunks=True
            )
            self.finish(self.last, usage)


def targets() -> list[Target]:
    from mistralai.client.models import ChatCompletionResponse
    from mistralai.client.utils.eventstreaming import EventStream, EventStreamAsync

    def chat(resource: Any, result: Any) -> Any:
        t = type(result)
        if t is ChatCompletionResponse:
            i, o = _usage(result.usage)
            attach(result, TokenUsage(PROVIDER, result.model, i, o, host=_host(resource)))
        elif t is EventStream or t is EventStreamAsync:
            obs = _ChatStream(result, _host(resource))
            observe_stream(result, obs, t is EventStreamAsync, "generator")
        return result

    mod = "mistralai.client.chat"
    return [
        Target(mod, "Chat", "complete", False, chat),
        Target(mod, "Chat", "complete_async", True, chat),
        Target(mod, "Chat", "stream", False, chat),
        Target(mod, "Chat", "stream_async", True, chat),
    ]
