"""Helpers shared by the estimators: resolving inputs to ranges, PUE, models and hardware."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from empreinte.errors import CodedWarning, EstimateError, WarningCode
from empreinte.estimate.assumptions import assumption
from empreinte.ranges import Range, as_range

if TYPE_CHECKING:
    from empreinte.impacts.assess import ImpactResult
    from empreinte.impacts.engine import Evaluation, Input

__all__ = [
    "ModelParams",
    "belong",
    "chain_input",
    "check_input",
    "default_or",
    "engine_result",
    "hardware_item",
    "model_params",
    "resolve_pue",
    "server_share",
    "sourced",
    "sourced_pue",
    "to_json_range",
    "with_chain",
]


def _show(r: Range) -> str:
    if r.low == r.high:
        return f"{float(r.value):g}"
    return f"{float(r.value):g} [{float(r.low):g}, {float(r.high):g}]"


def belong(names: list[str]) -> str:
    """``"mfu belongs"`` or ``"mfu, load belong"``: the start of an options-of-a-mode error."""
    return f"{names[0]} belongs" if len(names) == 1 else f"{', '.join(names)} belong"


def check_input(
    name: str,
    value: Range | float | None,
    *,
    minimum: float = 0.0,
    strict: bool = True,
    maximum: float | None = None,
) -> None:
    """Raise :class:`EstimateError` naming ``name`` unless ``value`` is finite and in bounds.

    ``None`` (not given) passes. ``strict`` makes ``minimum`` exclusive.
    """
    import math

    if value is None:
        return
    r = as_range(value)
    bounds = (float(r.value), float(r.low), float(r.high))
    if not all(math.isfinite(x) for x in bounds):
        raise EstimateError(f"{name} must be a finite number, got {_show(r)}")
    if r.low < minimum or (strict and r.low == minimum):
        raise EstimateError(f"{name} must be {'>' if strict else '>='} {minimum:g}, got {_show(r)}")
    if maximum is not None and r.high > maximum:
        raise EstimateError(f"{name} must be <= {maximum:g}, got {_show(r)}")


def default_or(value: Range | float | None, key: str, sources: list[str]) -> Range:
    """``value`` as a range, or the sourced default ``key`` (its sources appended)."""
    if value is not None:
        return as_range(value)
    sv = assumption(key)
    sources.extend(sv.sources)
    return sv.range


def resolve_pue(
    pue: Range | float | None,
    location: str | None,
    warnings: list[CodedWarning],
    datacenter: str | None = None,
) -> Range:
    """The PUE given, else the operator's preset (``datacenter``), else the preset of the
    location's data centre, else the default one (warning ``pue-default``)."""
    return as_range(sourced_pue(pue, location, warnings, datacenter).value)


def sourced_pue(
    pue: Range | float | None,
    location: str | None,
    warnings: list[CodedWarning],
    datacenter: str | None = None,
) -> Input:
    """:func:`resolve_pue` as an engine :class:`Input`: its range, unit and sources."""
    from empreinte.impacts.engine import Input

    if pue is not None:
        return Input(as_range(pue), "1", ("user-input",))
    from empreinte.factors.datacenters import default_datacenter, get_datacenter
    from empreinte.factors.grid import resolve_location

    if datacenter is not None:
        sv = get_datacenter(datacenter).pue
        return Input(sv.range, "1", tuple(sv.sources), f"data centre: {datacenter}")
    preset = resolve_location(location).datacenter
    dc = get_datacenter(preset) if preset else default_datacenter()
    warnings.append(
        CodedWarning(WarningCode.PUE_DEFAULT, f"no PUE given: data-centre preset {dc.id!r} used")
    )
    return Input(dc.pue.range, "1", tuple(dc.pue.sources), f"data centre: {dc.id}")


def sourced(value: Range | float | None, key: str, sources: list[str], unit: str = "1") -> Input:
    """:func:`default_or` as an engine :class:`Input`: the value given (``user-input``) or
    the sourced default ``key`` (its sources also appended to ``sources``)."""
    from empreinte.impacts.engine import Input

    if value is not None:
        return Input(as_range(value), unit, ("user-input",))
    sv = assumption(key)
    sources.extend(sv.sources)
    return Input(sv.range, unit, tuple(sv.sources), f"assumption: {key}")


@dataclass(frozen=True, slots=True)
class ModelParams:
    """Total and active parameters (counts, not billions) and where they come from."""

    model_id: str | None
    total: Range
    active: Range
    sources: tuple[str, ...]
    disclosed: bool


def model_params(
    model: str | None,
    params_total: float | None,
    params_active: float | None,
    warnings: list[CodedWarning],
) -> ModelParams:
    """Parameters from explicit counts, else from the model catalog (ranges if undisclosed)."""
    if params_total is not None or params_active is not None:
        check_input("params-total", params_total)
        check_input("params-active", params_active)
        total = params_total if params_total is not None else params_active
        active = params_active if params_active is not None else params_total
        assert total is not None and active is not None
        if active > total:
            raise EstimateError("active parameters exceed total parameters")
        return ModelParams(model, Range.point(total), Range.point(active), ("user",), True)
    if model is None:
        raise EstimateError("give a model name or its parameter counts")
    from empreinte.factors.models import get_model

    card = get_model(model)
    total_r = card.total_params_b.range * 1e9
    active_r = card.active_params_b.range * 1e9
    disclosed = total_r.is_point and active_r.is_point
    if not disclosed:
        warnings.append(
            CodedWarning(
                WarningCode.PARAMETERS_UNDISCLOSED,
                f"{card.id}: parameter counts are not disclosed; the catalog's bracket is used "
                f"({card.active_params_b.note or 'see the model catalog'})",
            )
        )
    srcs = (*card.total_params_b.sources, *card.active_params_b.sources)
    return ModelParams(card.id, total_r, active_r, tuple(dict.fromkeys(srcs)), disclosed)


def hardware_item(acc: Any, count: float) -> Any:
    """A report :class:`HardwareItem` for a catalog accelerator."""
    from empreinte.report.models import HardwareItem

    kind = {"gpu": "gpu", "tpu": "tpu", "npu": "npu"}.get(acc.kind, "accelerator")
    return HardwareItem(
        kind=kind,
        name=acc.name,
        catalog_id=acc.id,
        count=count,
        memory_gb=acc.memory_gb.value,
        tdp_w=acc.tdp_w.value if acc.tdp_w is not None else None,
    )


def to_json_range(r: Range | None) -> dict[str, float] | None:
    """A range as a plain dict of floats (``None`` stays ``None``)."""
    if r is None:
        return None
    return {"value": float(r.value), "low": float(r.low), "high": float(r.high)}


def estimate_warning(what: str) -> CodedWarning:
    """The warning every proxy estimate carries."""
    return CodedWarning(
        WarningCode.ESTIMATE, f"{what}: estimated from proxies (tier M4), not measured"
    )


def with_sources(report: Any, ids: list[str]) -> Any:
    """The report with the estimator's source ids added to its provenance (titles resolved)."""
    from empreinte.estimate.assumptions import extra_sources
    from empreinte.factors._base import load_sources
    from empreinte.report.models import SourceRef

    known = {s.id: (s.title, s.url) for s in load_sources().values()}
    known |= {s["id"]: (s["title"], s.get("url")) for s in extra_sources()}
    have = {s.id for s in report.provenance.sources}
    refs = list(report.provenance.sources)
    for sid in dict.fromkeys(ids):
        if sid in have or sid == "user":
            continue
        title, url = known.get(sid, (None, None))
        refs.append(SourceRef(id=sid, title=title, url=url))
    prov = report.provenance.model_copy(update={"sources": refs})
    return report.model_copy(update={"provenance": prov})


def with_chain(report: Any, chain: Evaluation) -> Any:
    """The report with the estimator's chain (phase ``estimate``) before the impact engine's
    steps in ``provenance.explain``, and the chain's sources in ``provenance.sources``."""
    from empreinte.report.models import ExplainStep

    steps = chain.explain()
    for s in steps:
        s["phase"] = "estimate"
    explain = [ExplainStep.model_validate(s) for s in steps]
    prov = report.provenance.model_copy(update={"explain": [*explain, *report.provenance.explain]})
    report = report.model_copy(update={"provenance": prov})
    return with_sources(report, [sid for s in steps for sid in s["sources"]])


def server_share(
    server: str | None, hours: Range | float, hours_sources: tuple[str, ...] = ("user-input",)
) -> list[Any]:
    """The host server's embodied share for ``hours`` accelerator-hours: one server per its
    accelerator slots (none without a server archetype)."""
    if server is None:
        return []
    from empreinte.factors.hardware import get_server
    from empreinte.impacts import HardwareShare

    slots = get_server(server).accelerator_slots or 1
    return [HardwareShare.server(server, 1, hours / slots, hours_sources)]


def chain_input(chain: Evaluation, name: str, default: Range) -> Input:
    """The estimator graph's step ``name`` as an engine :class:`Input` (its sources kept), so
    the impact engine does not label it ``user-input``; ``default`` if the graph lacks it."""
    from empreinte.impacts.engine import Input

    step = chain.steps.get(name)
    if step is None:
        return Input(default, "1", ("user-input",))
    return Input(step.value, step.unit, step.sources, step.note)


def engine_result(it_kwh: Range, est: Any) -> ImpactResult:
    """The impact engine's result for an estimate's IT energy, with its location, PUE, data
    centre, stated grid factor and embodied shares (every step: ``.explain()``)."""
    from empreinte.impacts import compute_impacts

    return compute_impacts(
        it_kwh,
        location=est.location,
        pue=est.pue_input(),
        datacenter=est.datacenter,
        grid_gwp=est.grid_gwp,
        hardware=est.embodied_shares(),
        energy_source="energy-estimated-proxy-model",
    )
