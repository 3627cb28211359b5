"""Per-call overhead of empreinte.genai against EcoLogits, in the same process and run.

Each case calls the real client method (``client.chat.completions.create(...)``,
``client.messages.create(...)``) of ``openai`` and ``anthropic``, with the resource's
``_post`` replaced on that instance by a function that returns an already parsed response
(or a fresh stream over already parsed chunks, which the case consumes). What differs between
modes is then only the tracer's own work: no network, no JSON parsing, no HTTP client. The
bodies are those of :class:`empreinte.genai.fakeserver.FakeProviderServer`. Modes are swapped
by assigning the clients' class attributes (both tools patch the same methods): ``base``
(nothing), ``empreinte`` (``instrument()``), ``empreinte+read`` (and
``response.impacts.energy_kwh`` read, memoised after the first call), ``ecologits``
(``EcoLogits.init``). Rounds interleave the modes (the order rotates, each block starts after
``gc.collect()``); the overhead of a mode is the median over rounds of (its mean per call −
base's mean per call in the same round).
Times are the thread's CPU time (``time.thread_time``), so that other processes on a shared
machine add less noise; the tracers do no I/O, so their wall time is their CPU time.

empreinte estimates on first read: ``first read`` times that (a new token count each time,
nothing memoised). EcoLogits computes its impacts inside every call (and every chunk).

EcoLogits pins ``openai<3``: run the comparison from its own environment, with empreinte
installed there too (same client versions for both)::

    uv venv benchmarks/.venv-peers && uv pip install --python benchmarks/.venv-peers/bin/python \\
        "ecologits[openai,anthropic]==0.11.3" -e .
    benchmarks/.venv-peers/bin/python benchmarks/bench_genai.py

Without EcoLogits installed, only empreinte is measured.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

MSG: Any = [{"role": "user", "content": "hi"}]
# Both catalogs know gpt-4o-mini; none of Anthropic's models is in both (empreinte's catalog
# stops at Claude 4, EcoLogits' starts at 4.5): this one is estimated by EcoLogits only, which
# does not change empreinte's per-call cost (the estimate is made on first read, memoised).
CLAUDE = "claude-sonnet-4-5-20250929"


class _NoResponse:
    def close(self) -> None:
        pass


def _stream(cls: Any, items: list[Any]) -> Any:
    """A client stream object over already parsed items (no HTTP response behind it)."""
    st = object.__new__(cls)
    st.response = _NoResponse()
    st._iterator = iter(items)
    return st


def scenarios(server: Any) -> dict[str, Callable[[], Any]]:
    import anthropic
    import openai
    from anthropic.types import Message, RawMessageStreamEvent
    from openai.types.chat import ChatCompletion, ChatCompletionChunk
    from pydantic import TypeAdapter

    chat_req = {"model": "gpt-4o-mini", "stream": True, "stream_options": {"include_usage": True}}
    chat = ChatCompletion.model_validate(server.chat(chat_req))
    chunks = [ChatCompletionChunk.model_validate(c) for _, c in server.chat_events(chat_req)[:-1]]
    msg = Message.model_validate(server.message({"model": CLAUDE}))
    ev = TypeAdapter(RawMessageStreamEvent)
    events = [ev.validate_python(e) for _, e in server.message_events({"model": CLAUDE})]

    oa = openai.OpenAI(api_key="x")
    oa_s = openai.OpenAI(api_key="x")
    an = anthropic.Anthropic(api_key="x")
    an_s = anthropic.Anthropic(api_key="x")
    oa.chat.completions._post = lambda *a, **k: chat  # type: ignore[method-assign]
    oa_s.chat.completions._post = lambda *a, **k: _stream(openai.Stream, chunks)  # type: ignore[method-assign]
    an.messages._post = lambda *a, **k: msg  # type: ignore[method-assign]
    an_s.messages._post = lambda *a, **k: _stream(anthropic.Stream, events)  # type: ignore[method-assign]

    def helper() -> Any:
        with an_s.messages.stream(model=CLAUDE, max_tokens=64, messages=MSG) as s:
            s.get_final_message()
        return s

    opts: Any = {"stream_options": {"include_usage": True}}

    return {
        "openai chat": lambda: oa.chat.completions.create(model="gpt-4o-mini", messages=MSG),
        "openai chat stream": lambda: list(
            oa_s.chat.completions.create(model="gpt-4o-mini", messages=MSG, stream=True, **opts)
        )[-1],
        "anthropic messages": lambda: an.messages.create(model=CLAUDE, max_tokens=64, messages=MSG),
        "anthropic .stream()": helper,
        "anthropic stream": lambda: list(
            an_s.messages.create(model=CLAUDE, max_tokens=64, messages=MSG, stream=True)
        )[-1],
    }


def _targets() -> list[tuple[str, str, str]]:
    """Every class attribute either tool patches (swapped together between modes)."""
    import empreinte.genai as genai

    out = []
    for p in genai.PROVIDERS:
        if p == "litellm":  # not measured here (importing it takes seconds)
            continue
        try:
            mod = importlib.import_module(f"empreinte.genai._{p}")
            out += [(t.module, t.cls, t.attr) for t in mod.targets()]
        except ImportError:
            continue
    msgs = "anthropic.resources.messages.messages"  # EcoLogits also wraps these
    out += [(msgs, "Messages", "stream"), (msgs, "AsyncMessages", "stream")]
    ok = []
    for m, c, a in out:
        try:
            getattr(getattr(importlib.import_module(m), c), a)
            ok.append((m, c, a))
        except (ImportError, AttributeError):
            continue
    return ok


TARGETS: list[tuple[str, str, str]] = []


def _snapshot() -> list[Any]:
    return [getattr(getattr(importlib.import_module(m), c), a) for m, c, a in TARGETS]


def _apply(snap: list[Any]) -> None:
    for (m, c, a), fn in zip(TARGETS, snap, strict=True):
        setattr(getattr(importlib.import_module(m), c), a, fn)


def modes() -> dict[str, list[Any]]:
    import empreinte.genai as genai

    TARGETS[:] = _targets()
    out = {"base": _snapshot()}
    genai.instrument()
    out["empreinte"] = _snapshot()
    genai.uninstrument()
    try:
        from ecologits import EcoLogits
    except ImportError:
        print("ecologits is not installed here: empreinte only")
        return out
    EcoLogits.init(providers=["openai", "anthropic"])
    out["ecologits"] = _snapshot()
    _apply(out["base"])
    return out


def _time(fn: Callable[[], Any], n: int, read: bool) -> float:
    t0 = time.thread_time()
    if read:
        for _ in range(n):
            fn().impacts.energy_kwh  # noqa: B018
    else:
        for _ in range(n):
            fn()
    return (time.thread_time() - t0) / n


def hook_only(server: Any, n: int) -> float:
    """The work the wrapper adds to a chat call, on an already parsed response (µs)."""
    from openai.types.chat import ChatCompletion

    from empreinte.genai._openai import targets

    handler = targets()[0].handler
    resp = ChatCompletion.model_validate(server.chat({"model": "gpt-4o-mini"}))

    class Res:
        _client = None

    res = Res()
    t0 = time.thread_time()
    for _ in range(n):
        handler(res, resp)
    return (time.thread_time() - t0) / n * 1e6


def stream_hook_only(server: Any, n: int, rounds: int = 9) -> dict[str, float]:
    """The work the wrapper adds to a whole stream (its observer, each item, the end), on
    already parsed items, without the client around it (µs per stream; median over rounds of
    the difference with the same loop unwrapped)."""
    import anthropic
    import openai
    from anthropic.types import RawMessageStreamEvent
    from openai.types.chat import ChatCompletionChunk
    from pydantic import TypeAdapter

    from empreinte.genai import _anthropic, _openai

    req = {"model": "gpt-4o-mini", "stream": True, "stream_options": {"include_usage": True}}
    chunks = [ChatCompletionChunk.model_validate(c) for _, c in server.chat_events(req)[:-1]]
    ev = TypeAdapter(RawMessageStreamEvent)
    events = [ev.validate_python(e) for _, e in server.message_events({"model": CLAUDE})]

    def handler(mod: Any, cls: str) -> Any:
        return next(t.handler for t in mod.targets() if t.cls == cls and t.attr == "create")

    class Res:
        _client = None

    cases = {
        f"openai chat stream ({len(chunks)} chunks)": (
            openai.Stream,
            chunks,
            handler(_openai, "Completions"),
        ),
        f"anthropic stream ({len(events)} events)": (
            anthropic.Stream,
            events,
            handler(_anthropic, "Messages"),
        ),
    }
    out = {}
    res = Res()
    for name, (cls, items, h) in cases.items():
        diffs = []
        for _ in range(rounds):
            t0 = time.thread_time()
            for _ in range(n):
                for _x in _stream(cls, items):
                    pass
            t1 = time.thread_time()
            for _ in range(n):
                for _x in h(res, _stream(cls, items)):
                    pass
            t2 = time.thread_time()
            diffs.append(((t2 - t1) - (t1 - t0)) / n * 1e6)
        out[name] = statistics.median(diffs)
    return out


def first_read(n: int) -> float:
    """Cost of a first read of ``impacts`` for a new token count (ms, nothing memoised)."""
    from empreinte.genai import CallImpacts, TokenUsage

    CallImpacts(TokenUsage("openai", "gpt-4o-mini", 100, 1)).energy_kwh  # noqa: B018 (imports)
    t0 = time.thread_time()
    for k in range(n):
        CallImpacts(TokenUsage("openai", "gpt-4o-mini", 100, 1000 + k)).energy_kwh  # noqa: B018
    return (time.thread_time() - t0) / n * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=2000, help="calls per mode per round")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import anthropic
    import openai

    from empreinte.genai.fakeserver import FakeProviderServer

    server = FakeProviderServer()
    server.close()  # only its bodies are used
    cases = scenarios(server)
    ms = modes()
    plans = [(m, m, False) for m in ms] + [("empreinte+read", "empreinte", True)]
    rows: dict[str, dict[str, float]] = {}
    for case, fn in cases.items():
        ok = []
        for m, snap, read in plans:  # warm-up: imports, first estimate, connection pools
            _apply(ms[snap])
            try:
                _time(fn, 20, read)
                ok.append((m, snap, read))
            except Exception as exc:  # a tool that breaks the call is reported, not timed
                print(f"{case}: {m} fails: {type(exc).__name__}: {exc}")
        if not ok:
            continue
        per: dict[str, list[float]] = {m: [] for m, _, _ in ok}
        for k in range(args.rounds):
            for m, snap, read in ok[k % len(ok) :] + ok[: k % len(ok)]:  # rotate the order
                _apply(ms[snap])
                gc.collect()
                per[m].append(_time(fn, args.calls, read))
        _apply(ms["base"])
        base = per["base"]
        rows[case] = {"base_us": statistics.median(base) * 1e6}
        for m in per:
            if m != "base":
                d = [x - b for x, b in zip(per[m], base, strict=True)]
                rows[case][f"{m}_us"] = statistics.median(d) * 1e6
                q = statistics.quantiles(d, n=4)
                rows[case][f"{m}_iqr_us"] = (q[2] - q[0]) * 1e6
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {platform.processor() or '?'}, Python "
        f"{platform.python_version()}",
        "openai": openai.__version__,
        "anthropic": anthropic.__version__,
        "calls": args.calls,
        "rounds": args.rounds,
        "overhead_us": rows,
        "hook_only_us": hook_only(server, 20000),
        "stream_hook_only_us": stream_hook_only(server, 5000),
        "first_read_ms": first_read(30),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{result['date']}  {result['machine']}  openai {openai.__version__}, "
        f"anthropic {anthropic.__version__}; {args.rounds} rounds × {args.calls} calls"
    )
    cols = [m for m, _, _ in plans if m != "base"]
    print(
        f"{'case':<20}{'call (base)':>13}" + "".join(f"{c + ' +':>18}" for c in cols) + "   ratio"
    )
    for case, r in rows.items():
        line = f"{case:<20}{r['base_us']:>11.0f}µs"
        line += "".join(
            f"{r[c + '_us']:>8.1f} ±{r[c + '_iqr_us'] / 2:<6.1f}µs"
            if c + "_us" in r
            else f"{'fails':>18}"
            for c in cols
        )
        if "ecologits_us" in r and "empreinte_us" in r:
            line += (
                f"   ecologits / empreinte = {r['ecologits_us'] / max(r['empreinte_us'], 0.1):.0f}×"
            )
        print(line)
    print(
        f"empreinte's hook alone (chat, parsed response): {result['hook_only_us']:.2f} µs per call"
    )
    for name, us in result["stream_hook_only_us"].items():
        print(f"empreinte's hook alone, {name}, parsed items: {us:.2f} µs per stream")
    print(
        f"first read of impacts for a new token count: {result['first_read_ms']:.1f} ms "
        "(memoised after; EcoLogits pays its estimate inside every call)"
    )


if __name__ == "__main__":
    main()
