"""``openai``: Chat Completions and Responses, sync and async, plain and streamed.

Streams: a Chat Completions stream reports usage in its last chunk only when asked
(``stream_options={"include_usage": True}``); that chunk gets ``impacts``. Without it, the
output tokens are counted as content chunks (warning ``tokens-from-chunks``) and ``impacts`` goes
on the last chunk when the stream ends. A Responses stream's ``response.completed`` (or
``incomplete``/``failed``) event and its ``response`` get ``impacts``. The stream object gets
``impacts`` too, when it ends, and so does the helper stream of ``chat.completions.stream()``
and ``responses.stream()`` (they call ``create``: each call is counted once).
"""

from __future__ import annotations

from typing import Any

from empreinte.genai._patch import (
    StreamObserver,
    Target,
    attach,
    helper_handler,
    host_of,
    observe_stream,
)
from empreinte.genai.usage import TokenUsage, openai_chat_usage, openai_responses_usage

__all__ = ["targets"]

PROVIDER = "openai"
_FINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})


class _ChatStream(StreamObserver):
    __slots__ = ("chunks", "last", "model")

    def __init__(self, stream: Any, host: str | None) -> None:
        super().__init__(stream, host)
        self.chunks = 0
        self.last: Any = None
        self.model = ""

    def feed(self, chunk: Any) -> None:
        u = chunk.usage
        if u is not None:
            i, o, r = openai_chat_usage(u)
            self.finish(chunk, TokenUsage(PROVIDER, chunk.model, i, o, r, host=self.host))
            return
        if chunk.choices:
            self.chunks += 1
        self.last = chunk
        self.model = chunk.model

    def end(self) -> None:
        if self.last is not None:
            usage = TokenUsage(
                PROVIDER, self.model, 0, self.chunks, host=self.host, from_chunks=True
            )
            self.finish(self.last, usage)


class _ResponsesStream(StreamObserver):
    __slots__ = ()

    def feed(self, event: Any) -> None:
        if getattr(event, "type", None) in _FINAL:
            resp = event.response
            if resp.usage is not None:
                i, o, r = openai_responses_usage(resp.usage)
                usage = TokenUsage(PROVIDER, resp.model, i, o, r, host=self.host)
                self.finish(event, usage)
                object.__setattr__(resp, "impacts", event.impacts)


def targets() -> list[Target]:
    from openai import AsyncStream, Stream
    from openai.types.chat import ChatCompletion

    response_cls: Any = None
    try:
        from openai.types.responses import Response

        response_cls = Response
    except ImportError:  # a client before the Responses API: chat only
        pass

    def chat(resource: Any, result: Any) -> Any:
        t = type(result)
        if t is ChatCompletion:
            u = result.usage
            i, o, r = openai_chat_usage(u) if u is not None else (0, 0, 0)
            attach(result, TokenUsage(PROVIDER, result.model, i, o, r, host=host_of(resource)))
        elif t is Stream or t is AsyncStream:
            observe_stream(result, _ChatStream(result, host_of(resource)), t is AsyncStream)
        return result

    def responses(resource: Any, result: Any) -> Any:
        t = type(result)
        if t is response_cls:
            u = result.usage
            i, o, r = openai_responses_usage(u) if u is not None else (0, 0, 0)
            attach(result, TokenUsage(PROVIDER, result.model, i, o, r, host=host_of(resource)))
        elif t is Stream or t is AsyncStream:
            observe_stream(result, _ResponsesStream(result, host_of(resource)), t is AsyncStream)
        return result

    chat_mod = "openai.resources.chat.completions"  # a module before 1.40, a package after
    resp_mod = "openai.resources.responses.responses"
    chat_lib = "openai.lib.streaming.chat._completions"
    resp_lib = "openai.lib.streaming.responses._responses"
    chat_helper = helper_handler(_ChatStream)
    resp_helper = helper_handler(_ResponsesStream)
    return [
        Target(chat_lib, "ChatCompletionStreamManager", "__enter__", False, chat_helper),
        Target(chat_lib, "AsyncChatCompletionStreamManager", "__aenter__", True, chat_helper),
        Target(resp_lib, "ResponseStreamManager", "__enter__", False, resp_helper),
        Target(resp_lib, "AsyncResponseStreamManager", "__aenter__", True, resp_helper),
        Target(chat_mod, "Completions", "create", False, chat),
        Target(chat_mod, "AsyncCompletions", "create", True, chat),
        Target(resp_mod, "Responses", "create", False, responses),
        Target(resp_mod, "AsyncResponses", "create", True, responses),
    ]
