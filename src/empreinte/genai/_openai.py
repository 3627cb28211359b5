"""``openai``: Chat Completions and Responses, sync and async, plain and streamed.

Streams: a Chat Completions stream reports usage in its last chunk only when asked
(``stream_options={"include_usage": True}``); that chunk gets ``impacts``. Without it, the
output tokens are counted as content chunks (warning ``tokens-from-chunks``) and ``impacts`` goes
on the last chunk when the stream ends. A Responses stream's ``response.completed`` (or
``incomplete``/``failed``) event and its ``response`` get ``impacts``. The stream object gets
``impacts`` too, when it ends, and so does the helper stream of ``chat.completions.stream()``
and ``responses.stream()`` (they call ``create``: each call is counted once).

``chat.completions.parse()`` and ``responses.parse()`` (structured outputs) return their
parsed completion or response with ``impacts``. ``with_raw_response`` returns the client's raw
response object (no ``impacts``); what its ``.parse()`` returns (a completion, a response, or a
stream, observed as above) gets ``impacts`` and the call is counted then, once (``parse()``
returns the same object when called again). ``with_streaming_response`` is left as it is: its
``APIResponse.parse()`` is also the client's own parser of every call, where ``create``'s
wrapper counts it already.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from empreinte.genai._patch import (
    _OBSERVER,
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


def _usage_of(
    result: Any, read: Callable[[Any], tuple[int, int, int]], host: str | None
) -> TokenUsage:
    """A completed response's token usage, read by ``read``; unknown (not zero) without one."""
    u = result.usage
    if u is None:
        return _missing(result.model, host)
    i, o, r = read(u)
    return TokenUsage(PROVIDER, result.model, i, o, r, host=host)


def _missing(model: str, host: str | None) -> TokenUsage:
    return TokenUsage(PROVIDER, model, 0, 0, host=host, usage_missing=True)


class _ChatStream(StreamObserver):
    """Chat Completions chunks: the one with ``usage`` finishes; else content chunks counted.

    ``gen``/``agen`` keep their counts in local variables (the per-chunk cost of a stream)."""

    __slots__ = ("chunks", "last", "model")

    def __init__(self, stream: Any, host: str | None) -> None:
        super().__init__(stream, host)
        self.chunks = 0
        self.last: Any = None
        self.model = ""

    def feed(self, chunk: Any) -> None:
        u = chunk.usage
        if u is not None:
            self._usage(chunk, u)
            return
        if chunk.choices:
            self.chunks += 1
        self.last = chunk
        self.model = chunk.model

    def _usage(self, chunk: Any, u: Any) -> None:
        i, o, r = openai_chat_usage(u)
        self.finish(chunk, TokenUsage(PROVIDER, chunk.model, i, o, r, host=self.host))

    def gen(self, inner: Iterator[Any]) -> Iterator[Any]:
        n = 0
        last = None
        for chunk in inner:
            u = chunk.usage
            if u is not None:
                self._usage(chunk, u)
                yield chunk
                yield from inner
                return
            if chunk.choices:
                n += 1
            last = chunk
            yield chunk
        self._ran_out(n, last)

    async def agen(self, inner: AsyncIterator[Any]) -> AsyncIterator[Any]:
        n = 0
        last = None
        async for chunk in inner:
            u = chunk.usage
            if u is not None:
                self._usage(chunk, u)
                yield chunk
                async for rest in inner:
                    yield rest
                return
            if chunk.choices:
                n += 1
            last = chunk
            yield chunk
        self._ran_out(n, last)

    def _ran_out(self, n: int, last: Any) -> None:
        self.chunks += n
        if last is not None:
            self.last, self.model = last, last.model
        if not self.done:
            self.end()

    def end(self) -> None:
        if self.last is not None:
            usage = TokenUsage(
                PROVIDER, self.model, 0, self.chunks, host=self.host, from_chunks=True
            )
            self.finish(self.last, usage)


class _ResponsesStream(StreamObserver):
    __slots__ = ()

    def feed(self, event: Any) -> None:
        if event.type in _FINAL:
            resp = event.response
            if resp.usage is not None:
                i, o, r = openai_responses_usage(resp.usage)
                usage = TokenUsage(PROVIDER, resp.model, i, o, r, host=self.host)
                self.finish(event, usage)
                object.__setattr__(resp, "impacts", event.impacts)


def targets() -> list[Target]:
    """What :func:`empreinte.genai.instrument` patches:
    openai's chat completions and responses (sync, async, streams, ``parse``)."""
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
        if t is ChatCompletion or (t is not Stream and isinstance(result, ChatCompletion)):
            attach(result, _usage_of(result, openai_chat_usage, host_of(resource)))
        elif t is Stream or t is AsyncStream:
            observe_stream(result, _ChatStream(result, host_of(resource)), t is AsyncStream)
        return result

    def responses(resource: Any, result: Any) -> Any:
        t = type(result)
        if t is response_cls or (response_cls is not None and isinstance(result, response_cls)):
            attach(result, _usage_of(result, openai_responses_usage, host_of(resource)))
        elif t is Stream or t is AsyncStream:
            observe_stream(result, _ResponsesStream(result, host_of(resource)), t is AsyncStream)
        return result

    def parsed(raw: Any, result: Any) -> Any:
        """``.parse()`` of a raw response: what it parsed, once."""
        if "impacts" in getattr(result, "__dict__", ()) or _OBSERVER in getattr(
            result, "__dict__", ()
        ):
            return result  # parse() caches: the same object, already counted
        t = type(result)
        res = _RawResource(raw)
        if t is Stream or t is AsyncStream:
            first = _first_event_path(raw)
            make = _ResponsesStream if first else _ChatStream
            observe_stream(result, make(result, host_of(res)), t is AsyncStream)
            return result
        if isinstance(result, ChatCompletion):
            return chat(res, result)
        if response_cls is not None and isinstance(result, response_cls):
            return responses(res, result)
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
        Target(chat_mod, "Completions", "parse", False, chat),
        Target(chat_mod, "AsyncCompletions", "parse", True, chat),
        Target(resp_mod, "Responses", "parse", False, responses),
        Target(resp_mod, "AsyncResponses", "parse", True, responses),
        Target("openai._legacy_response", "LegacyAPIResponse", "parse", False, parsed),
    ]


class _RawResource:
    """Stands for the resource behind a raw response: the host its request went to."""

    __slots__ = ("_client",)

    def __init__(self, raw: Any) -> None:
        self._client = _Url(raw)


class _Url:
    __slots__ = ("_base_url",)

    def __init__(self, raw: Any) -> None:
        try:
            self._base_url = raw.http_request.url
        except AttributeError:
            self._base_url = None


def _first_event_path(raw: Any) -> bool:
    """Whether the raw response answered the Responses API (its stream has typed events)."""
    try:
        return str(raw.http_request.url.path).endswith("/responses")
    except AttributeError:
        return False
