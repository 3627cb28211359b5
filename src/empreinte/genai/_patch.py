"""Wrapping the clients' resource methods: install, restore, and the per-call hot path.

A :class:`Target` names a method on a client's resource class (``Completions.create``). The
wrapper calls the original with the same arguments and returns the very object it returned;
it only adds an ``impacts`` attribute (set with ``object.__setattr__``, so it is not a
pydantic field: ``model_dump()``, ``to_json()`` and equality are unchanged) and, for streams,
replaces the stream's private iterator by one that observes the items it yields.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import sys
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from empreinte.genai.impacts import CallImpacts
from empreinte.genai.trace import record
from empreinte.genai.usage import TokenUsage
from empreinte.measure.monitor import active_trackers

__all__ = [
    "QUIET",
    "StreamObserver",
    "Target",
    "attach",
    "helper_handler",
    "install",
    "observe_stream",
    "restore",
]

Handler = Callable[[Any, Any], Any]
_TRACKERS = active_trackers()  # the live list of running trackers (shared, not a copy)
_ORIGINAL = "__empreinte_original__"
_OBSERVER = "_empreinte_observer"
QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("empreinte_genai_quiet", default=False)
"""True inside a call that is counted by an outer wrapper (a ``litellm`` call that goes through
the ``openai`` client): the inner wrappers pass the call through untouched."""


_MODULES = sys.modules


def attach(obj: Any, usage: TokenUsage) -> CallImpacts:
    """Give ``obj`` its ``impacts``, count the call in every running tracker, and report it to
    OpenTelemetry if the program uses it (:mod:`empreinte.genai.otel`)."""
    ci = CallImpacts(usage)
    object.__setattr__(obj, "impacts", ci)
    if _TRACKERS:
        record(usage, _TRACKERS)
    if "opentelemetry.sdk" in _MODULES:  # an SDK provider may be set (the API alone: no)
        _otel(ci)
    return ci


_ON_CALL: list[Callable[[CallImpacts], None]] = []  # otel.on_call, once imported


def _otel(ci: CallImpacts) -> None:
    try:
        if not _ON_CALL:
            from empreinte.genai.otel import on_call

            _ON_CALL.append(on_call)
        _ON_CALL[0](ci)
    except Exception:  # telemetry never breaks the caller's call
        logging.getLogger("empreinte.genai").debug("OpenTelemetry export failed", exc_info=True)


_HOSTS: dict[int, tuple[Any, str]] = {}  # id(base_url) -> (base_url, host), a small cache


def host_of(resource: Any) -> str | None:
    """The host the resource's client sends to (``None`` if it cannot be told)."""
    client = getattr(resource, "_client", None)
    # the URL the client was given (openai 3 computes ``base_url`` on each read)
    url = getattr(client, "_base_url", None) or getattr(client, "base_url", None)
    if url is None:
        return None
    hit = _HOSTS.get(id(url))
    if hit is not None and hit[0] is url:
        return hit[1]
    host = str(url.host)
    if len(_HOSTS) >= 256:
        _HOSTS.clear()
    _HOSTS[id(url)] = (url, host)
    return host


class StreamObserver:
    """Sees every item of one stream; ``feed`` attaches impacts to the item that ends it.

    The stream (and any object registered with :meth:`also`, such as the helper stream a
    ``.stream()`` context manager returns) gets ``impacts`` too.
    """

    __slots__ = ("_targets", "done", "host")

    def __init__(self, stream: Any, host: str | None) -> None:
        self._targets = [weakref.ref(stream)]
        self.host = host
        self.done = False

    def also(self, obj: Any) -> None:
        self._targets.append(weakref.ref(obj))

    def finish(self, item: Any, usage: TokenUsage) -> None:
        ci = attach(item, usage)
        self.done = True
        for ref in self._targets:
            target = ref()
            if target is not None:
                object.__setattr__(target, "impacts", ci)

    def feed(self, item: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def end(self) -> None:
        """The stream ran out without a usage-carrying item (default: nothing to attach)."""

    def gen(self, inner: Iterator[Any]) -> Iterator[Any]:
        """``inner``'s items, each fed to :meth:`feed` (a subclass may loop faster itself)."""
        return _gen(inner, self)

    def agen(self, inner: AsyncIterator[Any]) -> AsyncIterator[Any]:
        return _agen(inner, self)


def observe_stream(
    stream: Any, observer: StreamObserver, is_async: bool, attr: str = "_iterator"
) -> StreamObserver:
    """Route ``stream``'s items through ``observer`` (same stream object, same items);
    ``attr`` names the stream's attribute that holds its iterator."""
    inner = getattr(stream, attr)
    setattr(stream, attr, observer.agen(inner) if is_async else observer.gen(inner))
    object.__setattr__(stream, _OBSERVER, observer)
    return observer


def helper_handler(make: Callable[[Any, str | None], StreamObserver]) -> Handler:
    """For a ``.stream()`` manager's ``__enter__``: observe the raw stream behind the helper
    stream it returns (unless ``create`` already does), and give the helper ``impacts``."""

    def handler(manager: Any, helper: Any) -> Any:
        raw = getattr(helper, "_raw_stream", None)
        if raw is None:
            return helper
        obs = raw.__dict__.get(_OBSERVER)
        if obs is None:
            obs = observe_stream(raw, make(raw, host_of(raw)), hasattr(raw, "__aiter__"))
        obs.also(helper)
        return helper

    return handler


def _gen(inner: Iterator[Any], obs: StreamObserver) -> Iterator[Any]:
    feed = obs.feed
    for item in inner:
        feed(item)
        yield item
    if not obs.done:
        obs.end()


async def _agen(inner: AsyncIterator[Any], obs: StreamObserver) -> AsyncIterator[Any]:
    feed = obs.feed
    async for item in inner:
        feed(item)
        yield item
    if not obs.done:
        obs.end()


@dataclass(frozen=True)
class Target:
    """``module.cls.attr`` wrapped with ``handler(resource, result) -> result``.

    ``cls=""`` names a function of the module itself. ``wrap`` (if given) builds the wrapper
    from the original instead (for wrappers that need the call's arguments or its exceptions).
    """

    module: str
    cls: str
    attr: str
    is_async: bool
    handler: Handler
    wrap: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None


def _wrap(original: Callable[..., Any], handler: Handler, is_async: bool) -> Callable[..., Any]:
    quiet = QUIET.get
    if is_async:

        @functools.wraps(original)
        async def awrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            if quiet():
                return await original(self, *args, **kwargs)
            return handler(self, await original(self, *args, **kwargs))

        return awrapper

    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if quiet():
            return original(self, *args, **kwargs)
        return handler(self, original(self, *args, **kwargs))

    return wrapper


Installed = list[tuple[Any, str, Any, bool]]  # (class or module, attribute, previous, own)


def install(targets: list[Target]) -> Installed:
    """Wrap every target (skipping one already wrapped by us); what to restore."""
    import importlib

    done: Installed = []
    for t in targets:
        try:  # a client version without this class (older or newer) is left as it is
            module = importlib.import_module(t.module)
            owner = getattr(module, t.cls) if t.cls else module
            current = getattr(owner, t.attr)
        except (ImportError, AttributeError):
            continue
        if hasattr(current, _ORIGINAL):
            continue
        own = t.attr in vars(owner)
        previous = vars(owner)[t.attr] if own else current
        wrapped = t.wrap(current) if t.wrap is not None else _wrap(current, t.handler, t.is_async)
        setattr(wrapped, _ORIGINAL, current)
        setattr(owner, t.attr, wrapped)
        done.append((owner, t.attr, previous, own))
    return done


def restore(installed: Installed) -> None:
    """Undo :func:`install` (last wrapped, first restored)."""
    for owner, attr, previous, own in reversed(installed):
        if own:
            setattr(owner, attr, previous)
        else:
            delattr(owner, attr)
