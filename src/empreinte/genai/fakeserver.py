"""A local server that speaks the providers' wire formats, for tests without network.

Point the real clients at it (``OpenAI(base_url=server.url + "/v1", api_key="test")``,
``Anthropic(base_url=server.url, api_key="test")``); it answers Chat Completions
(``/v1/chat/completions``), Responses (``/v1/responses``) and Messages (``/v1/messages``), and
Mistral's chat (``/mistral/v1/chat/completions``: ``Mistral(server_url=server.url + "/mistral")``),
as JSON or as server-sent events when the request says ``"stream": true``, and the Gemini API's
``/v1/models/MODEL:generateContent`` (or ``/v1beta/``) and ``:streamGenerateContent?alt=sse``
(``genai.Client(api_key="test", http_options={"base_url": server.url})``), in the shapes the
providers document. LiteLLM reaches it through its OpenAI-compatible and Anthropic routes
(``api_base=server.url + "/v1"`` or ``server.url``) and its Gemini route (``api_base=server.url``).
The reported usage is ``server.usage`` (input, output, reasoning tokens), the text of plain chat
and Responses answers ``server.text``; the requests' bodies are kept in ``server.requests``.

    with FakeProviderServer() as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="test")
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeProviderServer"]

TEXT = "Hello from a local test server."
ROUTES = {
    "/v1/chat/completions": ("chat", "chat_events"),
    "/v1/responses": ("response", "response_events"),
    "/v1/messages": ("message", "message_events"),
    "/mistral/v1/chat/completions": ("mistral_chat", "mistral_chat_events"),
}
CREATED = 1_700_000_000
GEMINI = re.compile(
    r"^(?:/v1(?:beta|alpha)?)?/models/([^/:]+):(generateContent|streamGenerateContent)$"
)


class FakeProviderServer:
    """Serves on ``127.0.0.1`` (a free port) in a background thread; a context manager."""

    def __init__(self, usage: tuple[int, int, int] = (120, 8, 0)) -> None:
        self.usage = usage
        self.omit_usage = False  # True: plain Chat Completions answers carry no ``usage``
        self.text = TEXT  # the answer of plain (not streamed) chat and Responses calls
        self.requests: list[dict[str, Any]] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def close(self) -> None:
        """Stop serving (if started) and release the port."""
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeProviderServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def render(self, path: str, req: dict[str, Any]) -> tuple[str, bytes]:
        """Content type and body of the answer to ``req`` on ``path`` (JSON or SSE)."""
        plain, events = getattr(self, ROUTES[path][0]), getattr(self, ROUTES[path][1])
        if not req.get("stream"):
            return "application/json", json.dumps(plain(req)).encode()
        parts = []
        for kind, data in events(req):
            text = data if isinstance(data, str) else json.dumps(data)
            head = f"event: {kind}\n" if kind else ""
            parts.append(f"{head}data: {text}\n\n")
        return "text/event-stream", "".join(parts).encode()

    # -- bodies ---------------------------------------------------------------------------
    def chat(self, req: dict[str, Any]) -> dict[str, Any]:
        i, o, r = self.usage
        body = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": CREATED,
            "model": req["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self.text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": _chat_usage(i, o, r),
            "system_fingerprint": "fp_test",
        }
        if self.omit_usage:
            del body["usage"]
        return body

    def chat_events(self, req: dict[str, Any]) -> list[tuple[str | None, Any]]:
        base = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": CREATED}
        base["model"] = req["model"]

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return base | {"choices": [choice]}

        out: list[tuple[str | None, Any]] = [(None, chunk({"role": "assistant", "content": ""}))]
        out += [(None, chunk({"content": w})) for w in _words()]
        out.append((None, chunk({}, "stop")))
        if (req.get("stream_options") or {}).get("include_usage"):
            out.append((None, base | {"choices": [], "usage": _chat_usage(*self.usage)}))
        out.append((None, "[DONE]"))
        return out

    def response(self, req: dict[str, Any], done: bool = True) -> dict[str, Any]:
        i, o, r = self.usage
        message = {
            "type": "message",
            "id": "msg_test",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": self.text, "annotations": []}],
        }
        return {
            "id": "resp_test",
            "object": "response",
            "created_at": CREATED,
            "status": "completed" if done else "in_progress",
            "model": req["model"],
            "output": [message] if done else [],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": {
                "input_tokens": i,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": o,
                "output_tokens_details": {"reasoning_tokens": r},
                "total_tokens": i + o,
            }
            if done
            else None,
        }

    def response_events(self, req: dict[str, Any]) -> list[tuple[str | None, Any]]:
        ev: list[tuple[str | None, Any]] = []

        def add(kind: str, **fields: Any) -> None:
            ev.append((kind, {"type": kind, "sequence_number": len(ev), **fields}))

        add("response.created", response=self.response(req, done=False))
        done = self.response(req)["output"][0]
        ids = {"item_id": "msg_test", "output_index": 0, "content_index": 0}
        add("response.output_item.added", output_index=0, item=done | {"content": []})
        part = {"type": "output_text", "text": "", "annotations": []}
        add("response.content_part.added", part=part, **ids)
        for w in _words():
            add("response.output_text.delta", delta=w, logprobs=[], **ids)
        add("response.output_text.done", text=TEXT, logprobs=[], **ids)
        add("response.content_part.done", part=part | {"text": TEXT}, **ids)
        add("response.output_item.done", output_index=0, item=done)
        add("response.completed", response=self.response(req))
        return ev

    def mistral_chat(self, req: dict[str, Any]) -> dict[str, Any]:
        return _mistral_chat(self, req)

    def mistral_chat_events(self, req: dict[str, Any]) -> list[tuple[str | None, Any]]:
        return _mistral_events(self, req)

    def message(self, req: dict[str, Any]) -> dict[str, Any]:
        i, o, r = self.usage
        return {
            "id": "msg_test",
            "type": "message",
            "role": "assistant",
            "model": req["model"],
            "content": [{"type": "text", "text": TEXT}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": _anthropic_usage(i, o, r),
        }

    def message_events(self, req: dict[str, Any]) -> list[tuple[str | None, Any]]:
        i, o, r = self.usage
        start = self.message(req) | {"content": [], "stop_reason": None}
        start["usage"] = _anthropic_usage(i, 1, 0)
        ev: list[tuple[str, Any]] = [("message_start", {"message": start})]
        ev.append(
            ("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
        )
        for w in _words():
            ev.append(
                ("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": w}})
            )
        ev.append(("content_block_stop", {"index": 0}))
        delta = {"stop_reason": "end_turn", "stop_sequence": None}
        usage = {k: v for k, v in _anthropic_usage(i, o, r).items() if k != "input_tokens"}
        ev.append(("message_delta", {"delta": delta, "usage": usage}))
        ev.append(("message_stop", {}))
        return [(k, {"type": k, **d}) for k, d in ev]


def gemini(server: FakeProviderServer, model: str, stream: bool) -> tuple[str, bytes]:
    """A Gemini ``generateContent`` answer (JSON), or its ``streamGenerateContent`` SSE.

    ``server.usage`` is (input, output, reasoning) with reasoning inside output, as OpenAI
    counts; Gemini reports thoughts apart: ``candidatesTokenCount`` = output − reasoning.
    """
    i, o, r = server.usage
    usage: dict[str, Any] = {"promptTokenCount": i, "candidatesTokenCount": o - r}
    if r:
        usage["thoughtsTokenCount"] = r
    usage["totalTokenCount"] = i + o

    def body(text: str, finish: str | None, u: dict[str, Any]) -> dict[str, Any]:
        cand: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}}
        if finish:
            cand["finishReason"] = finish
        cand["index"] = 0
        return {
            "candidates": [cand],
            "usageMetadata": u,
            "modelVersion": model,
            "responseId": "gemini-test",
        }

    if not stream:
        return "application/json", json.dumps(body(TEXT, "STOP", usage)).encode()
    words = _words()
    partial = {"promptTokenCount": i, "totalTokenCount": i}
    chunks = [body(w, None, partial) for w in words[:-1]]
    chunks.append(body(words[-1], "STOP", usage))
    return "text/event-stream", "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks).encode()


def _mistral_chat(server: FakeProviderServer, req: dict[str, Any]) -> dict[str, Any]:
    i, o, _ = server.usage
    message = {"role": "assistant", "content": TEXT, "tool_calls": None, "prefix": False}
    return {
        "id": "cmpl-test",
        "object": "chat.completion",
        "model": req["model"],
        "created": CREATED,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": i, "completion_tokens": o, "total_tokens": i + o},
    }


def _mistral_events(
    server: FakeProviderServer, req: dict[str, Any]
) -> list[tuple[str | None, Any]]:
    i, o, _ = server.usage
    base = {"id": "cmpl-test", "object": "chat.completion.chunk", "created": CREATED}
    base["model"] = req["model"]

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return base | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    out: list[tuple[str | None, Any]] = [
        (None, chunk({"role": "assistant", "content": w})) for w in _words()
    ]
    usage = {"prompt_tokens": i, "completion_tokens": o, "total_tokens": i + o}
    out.append((None, chunk({"content": ""}, "stop") | {"usage": usage}))
    out.append((None, "[DONE]"))
    return out


def _words() -> list[str]:
    words = TEXT.split(" ")
    return [w if n == 0 else " " + w for n, w in enumerate(words)]


def _chat_usage(i: int, o: int, r: int) -> dict[str, Any]:
    return {
        "prompt_tokens": i,
        "completion_tokens": o,
        "total_tokens": i + o,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": r,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _anthropic_usage(i: int, o: int, r: int) -> dict[str, Any]:
    u: dict[str, Any] = {
        "input_tokens": i,
        "output_tokens": o,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    if r:
        u["output_tokens_details"] = {"thinking_tokens": r}
    return u


def _handler(server: FakeProviderServer) -> type[BaseHTTPRequestHandler]:

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            req = json.loads(self.rfile.read(length) or b"{}")
            path = self.path.split("?", 1)[0]
            server.requests.append({"path": path, "body": req})
            g = GEMINI.match(path)
            if g is not None:
                stream = g.group(2) == "streamGenerateContent"
                return self._send(200, *gemini(server, g.group(1), stream))
            if path not in ROUTES:
                return self._send(404, "application/json", b'{"error": {"message": "no route"}}')
            self._send(200, *server.render(path, req))

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
