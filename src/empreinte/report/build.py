"""Build a complete report from energy figures: the one path every producer uses.

``measure`` (tracked jobs), ``estimate`` (proxy models) and ``bench`` all call
:func:`make_report`, which computes the impacts with :mod:`empreinte.impacts`, divides by the
functional unit, and records provenance and coded warnings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from empreinte._version import __version__
from empreinte.errors import CodedWarning
from empreinte.factors.site import Site
from empreinte.impacts import HardwareShare, ImpactResult, Input, compute_impacts
from empreinte.ranges import Range, as_range
from empreinte.report.models import (
    Datacenter,
    Energy,
    Estimate,
    FunctionalUnit,
    HardwareItem,
    Impacts,
    LocationInfo,
    Measurement,
    PerUnit,
    PhaseSplit,
    Provenance,
    Report,
    SourceRef,
    WarningItem,
)
from empreinte.vocabulary import COMPONENTS, CRITERIA

__all__ = ["estimate", "impacts_block", "make_report", "scale_impacts"]


def estimate(r: Range | float | None) -> Estimate | None:
    """A report :class:`Estimate` from a Range or number (``None`` stays ``None``)."""
    if r is None:
        return None
    rr = as_range(r)
    return Estimate(value=float(rr.value), low=float(rr.low), high=float(rr.high))


def impacts_block(result: ImpactResult) -> Impacts:
    """The report's ``impacts`` from an :class:`ImpactResult`."""
    out: dict[str, PhaseSplit] = {}
    for crit, c in result.criteria.items():
        total = c.total
        if total is None:
            continue
        by_comp = c.end_of_life_by_component
        out[crit] = PhaseSplit(
            usage=estimate(c.usage),
            embodied=estimate(c.embodied),
            end_of_life=estimate(c.end_of_life),
            total=estimate(total),
            end_of_life_by_component=None
            if by_comp is None
            else {k: e for k, v in by_comp.items() if (e := estimate(v)) is not None},
        )
    return Impacts(**out)


def scale_impacts(impacts: Impacts, factor: float) -> Impacts:
    """Impacts multiplied by ``factor`` (e.g. ``1 / functional_unit.count``)."""

    def sc(e: Estimate | None) -> Estimate | None:
        return (
            None
            if e is None
            else Estimate(value=e.value * factor, low=e.low * factor, high=e.high * factor)
        )

    out = {}
    for crit in CRITERIA:
        p: PhaseSplit | None = getattr(impacts, crit)
        if p is not None:
            out[crit] = PhaseSplit(
                usage=sc(p.usage),
                embodied=sc(p.embodied),
                end_of_life=sc(p.end_of_life),
                total=sc(p.total),
                end_of_life_by_component=None
                if p.end_of_life_by_component is None
                else {k: e for k, v in p.end_of_life_by_component.items() if (e := sc(v))},
            )
    return Impacts(**out)


def _provenance(
    result: ImpactResult, citation: str | None, extra: Sequence[str] = ()
) -> Provenance:
    from empreinte.factors._base import DATA_VERSION, load_sources

    known = load_sources()
    refs = []
    for sid in dict.fromkeys([*extra, *result.sources]):
        s = known.get(sid)
        refs.append(SourceRef(id=sid, title=s.title if s else None, url=s.url if s else None))
    return Provenance(
        tool_version=__version__,
        factors_version=DATA_VERSION,
        sources=refs,
        citation=citation,
        explain=result.explain(),
    )


ENERGY_SOURCE: dict[str, str] = {
    "external_meter": "energy-measured-external-meter",
    "hw_counter": "energy-measured-hw-counter",
    "software_model": "energy-measured-software-model",
    "proxy_model": "energy-estimated-proxy-model",
    "declared": "energy-declared",
}
"""Measurement method -> the source the IT energy enters the impact engine with (never
``user-input`` for energy a meter or an estimator produced)."""


def make_report(
    *,
    stage: str,
    method: str,
    energy_kwh: Mapping[str, Range | float | None] | None = None,
    total_kwh: Range | float | None = None,
    location: str | Site | None = None,
    pue: float | Range | Input | None = None,
    wue_l_per_kwh: float | Range | None = None,
    datacenter: str | None = None,
    hardware: Sequence[HardwareItem] = (),
    embodied: Sequence[HardwareShare] = (),
    functional_unit: FunctionalUnit | tuple[str, float] | None = None,
    measurement: Mapping[str, object] | None = None,
    layers: Mapping[str, Range | float] | None = None,
    machine_total_kwh: Range | float | None = None,
    warnings: Sequence[CodedWarning] = (),
    citation: str | None = None,
    lifetime_years: float | Range | None = None,
    utilisation: float | Range | None = None,
    grid_gwp: float | Range | None = None,
    sources: Sequence[str] = (),
    **fields: object,
) -> Report:
    """A validated :class:`Report`.

    ``energy_kwh`` maps components (``gpu``, ``cpu``, ``ram``, ``other``) to IT energy in kWh;
    their sum is the total unless ``total_kwh`` is given (declared figures without a split).
    ``location`` is a zone code, ``cloud:PROVIDER:REGION``, or a resolved
    :class:`~empreinte.factors.site.Site` (not re-parsed). ``sources`` are ids (of
    ``sources.json``) of where the energy came from (a fleet agent's or SLURM's
    documentation), listed first in the provenance.
    Extra keyword ``fields`` go to the report as is (``name``, ``system``, ``task``,
    ``publisher``, ``counters``, ``windows``, ``quality_metrics``, ``topology``, ``status``...).
    """
    comps = {k: v for k, v in (energy_kwh or {}).items() if v is not None}
    unknown = set(comps) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown energy components: {sorted(unknown)}")
    if total_kwh is None:
        if not comps:
            raise ValueError("give energy_kwh components or total_kwh")
        total: Range = sum((as_range(v) for v in comps.values()), start=Range.point(0.0))
    else:
        total = as_range(total_kwh)
    result = compute_impacts(
        total,
        location=location,
        pue=pue,
        wue_l_per_kwh=wue_l_per_kwh,
        datacenter=datacenter,
        hardware=embodied,
        lifetime_years=lifetime_years,
        utilisation=utilisation,
        grid_gwp=grid_gwp,
        energy_source=ENERGY_SOURCE.get(method, "user-input"),  # a bad method fails below
    )
    impacts = impacts_block(result)
    energy = Energy(
        total_kwh=estimate(total),
        facility_kwh=estimate(result.facility_energy_kwh),
        machine_total_kwh=estimate(machine_total_kwh),
        layers={k: estimate(v) for k, v in (layers or {}).items()},
        **{f"{k}_kwh": estimate(v) for k, v in comps.items()},
    )
    fu = (
        FunctionalUnit(type=functional_unit[0], count=functional_unit[1])
        if isinstance(functional_unit, tuple)
        else functional_unit
    )
    per_unit = None
    if fu is not None:
        k = 1.0 / fu.count
        per_unit = PerUnit(
            functional_unit=fu,
            energy_kwh=estimate(total * k),
            impacts=scale_impacts(impacts, k),
        )
    loc = result.location
    all_warnings = [*warnings, *result.warnings]
    dedup = list({(w.code, w.message): w for w in all_warnings}.values())
    return Report(
        lifecycle_stage=stage,
        location=LocationInfo(
            zone=loc.zone.zone,
            query=loc.query,
            cloud_provider=loc.provider,
            cloud_region=loc.region,
        ),
        datacenter=Datacenter(
            pue=estimate(result.pue.value),
            wue_l_per_kwh=estimate(result.wue_l_per_kwh.value),
            preset=datacenter or loc.datacenter,
        ),
        measurement=Measurement(method=method, **dict(measurement or {})),
        energy=energy,
        impacts=impacts,
        functional_unit=fu,
        per_unit=per_unit,
        hardware=list(hardware),
        provenance=_provenance(result, citation, sources),
        warnings=[WarningItem(code=str(w.code), message=w.message) for w in dedup],
        **fields,
    )
