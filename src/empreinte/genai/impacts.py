"""The estimated footprint of one API call (``response.impacts``), by the estimator's path.

:func:`estimate_call` calls :func:`empreinte.estimate.inference.estimate_inference` (the code
of ``empreinte estimate inference``: model catalog, fitted per-token model, boundary layers)
and :meth:`InferenceEstimate.to_report` (the impact engine: usage and embodied GWP, water,
ADPe, PE with bounds), with the provider's assumed location (:mod:`.providers`). Results are
memoised by (provider, model, token counts, host): an estimate costs a few milliseconds, so
:class:`CallImpacts` computes it on first read, never inside the call itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from empreinte.genai.usage import TokenUsage

if TYPE_CHECKING:
    from empreinte.report.models import Estimate, PhaseSplit, Report, SourceRef, WarningItem

__all__ = ["CallEstimate", "CallImpacts", "estimate_call"]

MODEL_UNKNOWN = "model-unknown"
DATACENTER_ASSUMED = "datacenter-assumed"
ENDPOINT_UNKNOWN = "endpoint-unknown"
TOKENS_FROM_CHUNKS = "tokens-from-chunks"
REASONING_AS_OUTPUT = "reasoning-as-output"
NOT_ESTIMATED = "not-estimated"
USAGE_MISSING = "usage-missing"

_DATED = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$")


@dataclass(frozen=True)
class CallEstimate:
    """One call's estimate: the full report (tier M4), or ``None`` with the reason."""

    report: Report | None
    warnings: tuple[tuple[str, str], ...]
    assumptions: dict[str, Any] = field(default_factory=dict)


def _catalog_id(model: str) -> str | None:
    from empreinte.errors import UnknownKeyError
    from empreinte.factors.models import get_model

    for name in (model, _DATED.sub("", model)):
        try:
            return get_model(name).id
        except UnknownKeyError:
            continue
    return None


def _with_extras(report: Report, warnings: list[tuple[str, str]], sources: tuple[str, ...]) -> Any:
    from empreinte.estimate.common import with_sources
    from empreinte.genai.providers import provider_sources
    from empreinte.report.models import SourceRef, WarningItem

    report = with_sources(report, [s for s in sources if s not in provider_sources()])
    own = [SourceRef(id=s, title=t, url=u) for s, (t, u) in provider_sources().items()]
    refs = [*report.provenance.sources, *(r for r in own if r.id in sources)]
    prov = report.provenance.model_copy(update={"sources": refs})
    items = [*report.warnings, *(WarningItem(code=c, message=m) for c, m in warnings)]
    return report.model_copy(update={"provenance": prov, "warnings": items})


@lru_cache(maxsize=8192)
def estimate_call(
    provider: str,
    model: str,
    input_tokens: int,
    output_tokens: int,
    host: str | None = None,
    from_chunks: bool = False,
    usage_missing: bool = False,
) -> CallEstimate:
    """The estimate of one call (memoised); gaps are coded warnings, never exceptions."""
    from empreinte.errors import EmpreinteError
    from empreinte.estimate.inference import estimate_inference
    from empreinte.genai.providers import assumption_for

    a = assumption_for(provider, host)
    warnings: list[tuple[str, str]] = []
    if a.location is None:
        warnings.append((ENDPOINT_UNKNOWN, f"{a.note}: world-average grid, default data centre"))
    else:
        warnings.append((DATACENTER_ASSUMED, f"{provider}: {a.location} assumed ({a.note})"))
    if from_chunks:
        warnings.append(
            (
                TOKENS_FROM_CHUNKS,
                "the stream reported no usage: output tokens counted as content chunks, input "
                "tokens unknown, so input token totals are partial (they leave these calls "
                "out; ask for usage, e.g. stream_options={'include_usage': True})",
            )
        )
    if usage_missing:
        warnings.append(
            (
                USAGE_MISSING,
                "the response reported no usage: token counts unknown, call not estimated "
                "(counted in calls_without_usage, left out of token totals)",
            )
        )
    catalog_id = _catalog_id(model)
    base = {"provider": provider, "model": model, "catalog_id": catalog_id, "note": a.note}
    if usage_missing:
        return CallEstimate(None, tuple(warnings), base)
    if catalog_id is None:
        warnings.append((MODEL_UNKNOWN, f"model {model!r} is not in the model catalog"))
        return CallEstimate(None, tuple(warnings), base)
    if output_tokens <= 0:
        warnings.append((NOT_ESTIMATED, "no output tokens reported: nothing to estimate from"))
        return CallEstimate(None, tuple(warnings), base)
    try:
        est = estimate_inference(
            model=catalog_id,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            location=a.location,
        )
        report = est.to_report(name=f"{provider} {model}")
    except EmpreinteError as exc:
        warnings.append((NOT_ESTIMATED, f"the estimator refused this call: {exc}"))
        return CallEstimate(None, tuple(warnings), base)
    d = est.to_dict()
    assumptions = base | {
        k: d[k] for k in ("method", "params_total", "params_active", "hardware", "gpus", "batch")
    }
    assumptions |= {
        "task": "lm-arena-chat",
        "location": a.location,
        "zone": report.location.zone,
        "datacenter": report.datacenter.preset,
        "pue": report.datacenter.pue.model_dump() if report.datacenter.pue else None,
        "wue_l_per_kwh": (
            report.datacenter.wue_l_per_kwh.model_dump()
            if report.datacenter.wue_l_per_kwh
            else None
        ),
    }
    return CallEstimate(_with_extras(report, warnings, a.sources), (), assumptions)


class CallImpacts:
    """Estimated impacts of one API call, computed on first read (see the module docstring).

    Energy in kWh (``energy_kwh``: IT energy of accelerators, host and idle capacity;
    ``facility_kwh``: with the PUE), criteria as :class:`~empreinte.report.models.PhaseSplit`
    (``usage``, ``embodied``, ``end_of_life``, ``total``; each a value with ``low``/``high``).
    ``None`` where the call could not be estimated (``warnings`` say why).
    """

    __slots__ = ("_est", "usage")

    def __init__(self, usage: TokenUsage) -> None:
        self.usage = usage
        self._est: CallEstimate | None = None

    @property
    def estimate(self) -> CallEstimate:
        if self._est is None:
            u = self.usage
            f = _with_reasoning if u.reasoning_tokens else estimate_call
            if u.usage_missing:
                self._est = estimate_call(u.provider, u.model, 0, 0, u.host, False, True)
            else:
                self._est = f(
                    u.provider, u.model, u.input_tokens, u.output_tokens, u.host, u.from_chunks
                )
        return self._est

    @property
    def report(self) -> Report | None:
        """The call's full report (tier M4, ``measurement.method = "proxy_model"``)."""
        return self.estimate.report

    @property
    def estimated(self) -> bool:
        return self.estimate.report is not None

    @property
    def energy_kwh(self) -> Estimate | None:
        r = self.report
        return None if r is None else r.energy.total_kwh

    @property
    def facility_kwh(self) -> Estimate | None:
        r = self.report
        return None if r is None else r.energy.facility_kwh

    def _criterion(self, name: str) -> PhaseSplit | None:
        r = self.report
        return None if r is None else getattr(r.impacts, name)

    @property
    def gwp_kgco2e(self) -> PhaseSplit | None:
        return self._criterion("gwp_kgco2e")

    @property
    def water_l(self) -> PhaseSplit | None:
        return self._criterion("water_l")

    @property
    def adpe_kgsbe(self) -> PhaseSplit | None:
        return self._criterion("adpe_kgsbe")

    @property
    def pe_mj(self) -> PhaseSplit | None:
        return self._criterion("pe_mj")

    @property
    def ewaste_kg(self) -> PhaseSplit | None:
        """Equipment mass allocated to the call (all of it in ``end_of_life``)."""
        return self._criterion("ewaste_kg")

    @property
    def warnings(self) -> list[WarningItem]:
        from empreinte.report.models import WarningItem

        e = self.estimate
        if e.report is not None:
            return list(e.report.warnings)
        return [WarningItem(code=c, message=m) for c, m in e.warnings]

    @property
    def sources(self) -> list[SourceRef]:
        r = self.report
        return [] if r is None else list(r.provenance.sources)

    @property
    def assumptions(self) -> dict[str, Any]:
        """Model (catalog id, parameter ranges) and data-centre (zone, preset, PUE, WUE)."""
        return dict(self.estimate.assumptions)

    def to_dict(self) -> dict[str, Any]:
        u = self.usage
        r = self.report
        known = not u.usage_missing  # unknown counts are None, never 0
        return {
            "provider": u.provider,
            "model": u.model,
            "input_tokens": u.input_tokens if known and not u.from_chunks else None,
            "output_tokens": u.output_tokens if known else None,
            "reasoning_tokens": u.reasoning_tokens if known else None,
            "estimated": r is not None,
            "energy_kwh": None if r is None else r.energy.model_dump(exclude_none=True),
            "impacts": None if r is None else r.impacts.model_dump(exclude_none=True),
            "assumptions": self.assumptions,
            "warnings": [w.model_dump() for w in self.warnings],
            "sources": [s.model_dump(exclude_none=True) for s in self.sources],
        }

    def __repr__(self) -> str:
        e = self.energy_kwh
        g = self.gwp_kgco2e
        if e is None or g is None:
            codes = ", ".join(w.code for w in self.warnings)
            return f"CallImpacts({self.usage.model}: not estimated [{codes}])"
        return (
            f"CallImpacts({self.usage.model}: estimate {e.value * 1000:.3g} Wh "
            f"[{e.low * 1000:.3g}–{e.high * 1000:.3g}], {g.total.value * 1000:.3g} gCO2e "
            f"[{g.total.low * 1000:.3g}–{g.total.high * 1000:.3g}])"
        )


@lru_cache(maxsize=8192)
def _with_reasoning(
    provider: str,
    model: str,
    input_tokens: int,
    output_tokens: int,
    host: str | None,
    from_chunks: bool,
) -> CallEstimate:
    """:func:`estimate_call`'s estimate with the ``reasoning-as-output`` warning (memoised)."""
    from empreinte.report.models import WarningItem

    est = estimate_call(provider, model, input_tokens, output_tokens, host, from_chunks)
    if est.report is None:
        return est
    item = WarningItem(
        code=REASONING_AS_OUTPUT,
        message="reasoning tokens are estimated as output tokens (they are part of the "
        "provider's output count), at the chat task's per-token profile",
    )
    report = est.report.model_copy(update={"warnings": [*est.report.warnings, item]})
    return CallEstimate(report, est.warnings, est.assumptions)
