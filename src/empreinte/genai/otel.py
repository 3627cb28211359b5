"""OpenTelemetry: each call's impacts on its span, and energy and GWP counters per model.

Nothing here is imported, and nothing runs, unless the program has imported the OpenTelemetry
SDK (``opentelemetry.sdk``: a tracer or meter provider is configured; ``sys.modules`` is looked
at, once per call; the API alone, which some clients import, does not count). Then, for each
completed call (a stream: when it ends):

- **span attributes**, when a span is recording in the call's context (one made by a GenAI
  instrumentation such as ``opentelemetry-instrumentation-openai`` around the call, or the
  application's own span): ``gen_ai.impacts.*`` (:data:`ATTRIBUTES`), the totals of the
  call's estimate with their bounds (``….low``, ``….high``), its phases (``….usage``,
  ``….embodied``, ``….end_of_life``, which sum to the total), the
  method (``proxy_model``), catalog model, grid zone and warning codes;
- **metrics**, when a meter provider is set (``metrics.set_meter_provider`` or
  :func:`use_meter_provider`): counters ``gen_ai.impacts.energy`` (kWh, IT energy),
  ``gen_ai.impacts.gwp`` (kgCO2e, the life-cycle total) and ``gen_ai.impacts.calls`` (with
  ``gen_ai.impacts.estimated``), with ``gen_ai.provider.name`` and ``gen_ai.response.model``.

Either one needs the call's estimate: it is made then, in the call's path (a few milliseconds
the first time a (model, token counts) is seen, memoised after), instead of on first read.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from empreinte.vocabulary import CRITERIA, PHASES

if TYPE_CHECKING:
    from empreinte.genai.impacts import CallImpacts

__all__ = ["ATTRIBUTES", "METRICS", "PREFIX", "attributes", "on_call", "use_meter_provider"]

PREFIX = "gen_ai.impacts."
ATTRIBUTES = (
    "gen_ai.impacts.estimated",
    "gen_ai.impacts.method",
    "gen_ai.impacts.model",
    "gen_ai.impacts.zone",
    "gen_ai.impacts.warnings",
    "gen_ai.impacts.energy_kwh",
    "gen_ai.impacts.energy_kwh.low",
    "gen_ai.impacts.energy_kwh.high",
    *(
        f"{PREFIX}{c}{part}"
        for c in CRITERIA
        for part in ("", ".low", ".high", *(f".{p}" for p in PHASES))
    ),
)
"""The span attributes set on a call's span (the criteria's totals, bounds and phases)."""

METRICS = {
    "gen_ai.impacts.energy": "kWh",
    "gen_ai.impacts.gwp": "kgCO2e",
    "gen_ai.impacts.calls": "{call}",
}
"""The counters (name: unit)."""

_state: dict[str, Any] = {"provider": None, "own": None, "instruments": None, "unset": None}
_UNSET = ("_ProxyMeterProvider", "NoOpMeterProvider")


def use_meter_provider(provider: Any | None) -> None:
    """Send the counters to ``provider`` (``None``: back to the global one, if set)."""
    _state["own"] = provider
    _state["provider"] = None
    _state["instruments"] = None


def _instruments() -> Any:
    provider = _state["own"]
    if provider is None:
        metrics = sys.modules.get("opentelemetry.metrics")
        if metrics is None:
            return None
        provider = metrics.get_meter_provider()
        if provider is _state["unset"]:
            return None
        if type(provider).__name__ in _UNSET:
            _state["unset"] = provider  # nobody set one: nothing to estimate for
            return None
    if provider is not _state["provider"]:
        from empreinte._version import __version__

        meter = provider.get_meter("empreinte.genai", __version__)
        _state["instruments"] = tuple(
            meter.create_counter(name, unit=unit, description=_DESCRIPTIONS[name])
            for name, unit in METRICS.items()
        )
        _state["provider"] = provider
    return _state["instruments"]


_DESCRIPTIONS = {
    "gen_ai.impacts.energy": "Estimated IT energy of hosted-model API calls (empreinte)",
    "gen_ai.impacts.gwp": "Estimated GWP (life-cycle total) of hosted-model API calls (empreinte)",
    "gen_ai.impacts.calls": "API calls seen by empreinte.genai (estimated or not)",
}


def on_call(ci: CallImpacts) -> None:
    """Report one completed call to OpenTelemetry (see the module docstring)."""
    span = _current_span()
    recording = span.is_recording()
    instruments = _instruments()
    if not recording and instruments is None:
        return
    if recording:
        span.set_attributes(attributes(ci))
    if instruments is not None:
        energy, gwp, calls = instruments
        u = ci.usage
        labels = {"gen_ai.provider.name": u.provider, "gen_ai.response.model": u.model}
        e, g = ci.energy_kwh, ci.gwp_kgco2e
        calls.add(1, labels | {"gen_ai.impacts.estimated": e is not None})
        if e is not None:
            energy.add(e.value, labels)
        if g is not None:
            gwp.add(g.total.value, labels)


def _current_span() -> Any:
    fn = _state.get("span")
    if fn is None:
        from opentelemetry.trace import get_current_span

        fn = _state["span"] = get_current_span  # imported once
    return fn()


def attributes(ci: CallImpacts) -> dict[str, Any]:
    """The span attributes of one call (:data:`ATTRIBUTES`; only those with a value)."""
    out: dict[str, Any] = {
        "gen_ai.impacts.estimated": ci.estimated,
        "gen_ai.impacts.method": "proxy_model",
        "gen_ai.impacts.warnings": [w.code for w in ci.warnings],
    }
    a = ci.assumptions
    if a.get("catalog_id"):
        out["gen_ai.impacts.model"] = a["catalog_id"]
    if a.get("zone"):
        out["gen_ai.impacts.zone"] = a["zone"]
    e = ci.energy_kwh
    if e is not None:
        out |= {
            f"{PREFIX}energy_kwh": e.value,
            f"{PREFIX}energy_kwh.low": e.low,
            f"{PREFIX}energy_kwh.high": e.high,
        }
    for c in CRITERIA:
        split = getattr(ci, c)
        if split is None:
            continue
        t = split.total
        out |= {f"{PREFIX}{c}": t.value, f"{PREFIX}{c}.low": t.low, f"{PREFIX}{c}.high": t.high}
        for phase in PHASES:
            part = getattr(split, phase)
            if part is not None:
                out[f"{PREFIX}{c}.{phase}"] = part.value
    return out
