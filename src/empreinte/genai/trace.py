"""One trace: API calls made while :func:`empreinte.track` runs join its report (``remote``).

Each running tracker gets a :class:`RemoteLedger` in ``tracker.parts["remote"]`` on its first
call. Recording a call only adds counters (no estimate in the call's path); when the report
is built, each distinct (model, token counts) is estimated once (memoised, see
:mod:`.impacts`) and multiplied by its number of calls. The ``remote`` block keeps these
estimates (tier M4) apart from the measured energy: nothing is added to the report's totals.

Unknown token counts are never added as zeros: a call whose response reported no usage is
counted (``calls``, ``calls_unestimated``, ``calls_without_usage``, warning ``usage-missing``)
but left out of the token totals; a stream counted from chunks adds its output but not its
unknown input (``calls_input_unknown``: the input total is partial).
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

from empreinte.genai.impacts import CallImpacts
from empreinte.genai.usage import TokenUsage
from empreinte.vocabulary import CRITERIA

if TYPE_CHECKING:
    from empreinte.report.models import Report

__all__ = ["RemoteLedger", "record"]

_PHASES = ("usage", "embodied", "end_of_life", "total")


class _Group:
    __slots__ = (
        "calls",
        "calls_input_unknown",
        "calls_without_usage",
        "input_tokens",
        "output_tokens",
        "reasoning_tokens",
        "shapes",
    )

    def __init__(self) -> None:
        self.calls = 0
        self.calls_without_usage = 0
        self.calls_input_unknown = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.reasoning_tokens = 0
        self.shapes: Counter[tuple[int, int, int, str | None, bool, bool]] = Counter()


class RemoteLedger:
    """Per-provider, per-model counters of the calls made during one tracker's run."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str], _Group] = {}
        self._lock = threading.Lock()

    def add(self, u: TokenUsage) -> None:
        with self._lock:
            g = self._groups.get((u.provider, u.model))
            if g is None:
                g = self._groups[(u.provider, u.model)] = _Group()
            g.calls += 1
            if u.usage_missing:  # counts unknown: never added as zeros
                g.calls_without_usage += 1
                g.shapes[(0, 0, 0, u.host, False, True)] += 1
                return
            if u.from_chunks:  # input unknown: the input total is partial
                g.calls_input_unknown += 1
            else:
                g.input_tokens += u.input_tokens
            g.output_tokens += u.output_tokens
            g.reasoning_tokens += u.reasoning_tokens
            g.shapes[
                (u.input_tokens, u.output_tokens, u.reasoning_tokens, u.host, u.from_chunks, False)
            ] += 1

    def counters(self) -> dict[tuple[str, str], dict[str, int]]:
        """Calls and tokens by (provider, model)."""
        with self._lock:
            return {
                k: {
                    "calls": g.calls,
                    "calls_without_usage": g.calls_without_usage,
                    "calls_input_unknown": g.calls_input_unknown,
                    "input_tokens": g.input_tokens,
                    "output_tokens": g.output_tokens,
                    "reasoning_tokens": g.reasoning_tokens,
                }
                for k, g in self._groups.items()
            }

    def apply(self, report: Report) -> Report:
        """The report with its ``remote`` block (see the module docstring)."""
        with self._lock:
            groups = {k: (g, dict(g.shapes)) for k, g in self._groups.items()}
        if not groups:
            return report
        return report.model_copy(update={"remote": _remote(groups)})


class _Sum:
    """Bounds added (the calls' errors are not independent: one model, one method)."""

    def __init__(self) -> None:
        self.v: dict[str, list[float]] = {}

    def add(self, key: str, est: Any, n: int) -> None:
        if est is None:
            return
        s = self.v.setdefault(key, [0.0, 0.0, 0.0])
        s[0] += est.value * n
        s[1] += est.low * n
        s[2] += est.high * n

    def add_all(self, other: _Sum) -> None:
        for k, (v, lo, hi) in other.v.items():
            s = self.v.setdefault(k, [0.0, 0.0, 0.0])
            s[0], s[1], s[2] = s[0] + v, s[1] + lo, s[2] + hi

    def get(self, key: str) -> dict[str, float] | None:
        s = self.v.get(key)
        return None if s is None else {"value": s[0], "low": s[1], "high": s[2]}

    def impacts(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for c in CRITERIA:
            if f"{c}.total" in self.v:
                out[c] = {p: self.get(f"{c}.{p}") for p in _PHASES if f"{c}.{p}" in self.v}
        return out


def _remote(groups: dict[tuple[str, str], tuple[_Group, dict[Any, int]]]) -> Any:
    from empreinte.report.models import Remote

    total = _Sum()
    models: list[dict[str, Any]] = []
    warnings: dict[str, str] = {}
    sources: dict[str, Any] = {}
    calls = without_usage = 0
    for (provider, model), (g, shapes) in sorted(groups.items()):
        s = _Sum()
        unestimated = 0
        catalog_id = None
        for (inp, out, reasoning, host, chunks, missing), n in shapes.items():
            ci = CallImpacts(
                TokenUsage(
                    provider,
                    model,
                    inp,
                    out,
                    reasoning,
                    host=host,
                    from_chunks=chunks,
                    usage_missing=missing,
                )
            )
            for w in ci.warnings:
                warnings.setdefault(w.code, w.message)
            r = ci.report
            catalog_id = ci.assumptions.get("catalog_id")
            if r is None:
                unestimated += n
                continue
            for src in r.provenance.sources:
                sources.setdefault(src.id, src)
            s.add("energy", r.energy.total_kwh, n)
            s.add("facility", r.energy.facility_kwh, n)
            for c in CRITERIA:
                split = getattr(r.impacts, c)
                for p in _PHASES if split is not None else ():
                    s.add(f"{c}.{p}", getattr(split, p), n)
        total.add_all(s)
        calls += g.calls
        without_usage += g.calls_without_usage
        models.append(
            {
                "provider": provider,
                "model": model[:200],
                "catalog_id": catalog_id,
                "calls": g.calls,
                "calls_unestimated": unestimated,
                "calls_without_usage": g.calls_without_usage,
                "calls_input_unknown": g.calls_input_unknown,
                "input_tokens": g.input_tokens,
                "output_tokens": g.output_tokens,
                "reasoning_tokens": g.reasoning_tokens,
                "energy_kwh": s.get("energy"),
                "facility_kwh": s.get("facility"),
                "impacts": s.impacts(),
            }
        )
    return Remote.model_validate(
        {
            "calls": calls,
            "calls_without_usage": without_usage,
            "energy_kwh": total.get("energy"),
            "facility_kwh": total.get("facility"),
            "impacts": total.impacts(),
            "models": models,
            "warnings": [{"code": c, "message": m} for c, m in warnings.items()],
            "sources": list(sources.values()),
        }
    )


def record(u: TokenUsage, trackers: list[Any]) -> None:
    """Add one call to the ledger of every running tracker."""
    for t in trackers:
        ledger = t.parts.get("remote")
        if ledger is None:
            ledger = t.parts.setdefault("remote", RemoteLedger())
        ledger.add(u)
