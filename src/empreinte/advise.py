"""The frugality advisor: concrete changes to a report's job, each with its saving computed by
empreinte's own models and reference data, a range, and the good practice it stands for.

Every saving is ``current × fraction`` where ``current`` is the report's own figure (with its
bounds) and ``fraction`` comes from one model:

- ``region``: ``1 − g_new / g_old``, the grid factors of the reference data, over the cloud
  regions of the reference data (the same provider's for a cloud location); usage GWP only;
- ``datacenter``: ``1 − PUE_new / PUE_old`` against the most efficient data-centre preset of
  the reference data; facility energy and usage GWP;
- ``quantisation`` and ``batch`` (inference with a known parameter count; ``batch`` only when
  the report counts its ``batch_size``): the ratio of the fitted per-token model
  (``estimate inference``) at the new precision or batch size to the current one; energy;
- ``smaller-model``: a peer report on the same task and functional unit whose quality is at
  least the report's and whose energy per unit is lower (the task's Pareto front), from peers
  the caller gives (the CLI passes the frugal benchmark's reference run; the observatory the
  same task's reports);
- ``hardware-life``: keeping the hardware ``EXTRA_YEARS`` longer in service divides its
  embodied share by the lifetime: ``1 − L / (L + extra)``; embodied GWP only.

A change that does not apply (no embodied impacts, no parameter count, already the best zone)
is left out, never shown with a zero saving. The practices are the themes of AFNOR Spec 2314
(June 2024, "frugal AI" reference framework) that each change corresponds to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from empreinte.errors import EmpreinteError
from empreinte.ranges import Range, as_range
from empreinte.report.models import Estimate, Report

__all__ = ["EXTRA_YEARS", "MIN_SAVING", "PRACTICES", "TARGET_BATCH", "Advice", "advise"]

MIN_SAVING = 0.01
"""A change saving less than this fraction of the current figure is not listed."""

EXTRA_YEARS = 2.0
"""Years of extra service life the ``hardware-life`` change assumes."""

TARGET_BATCH = 64.0
"""The batch size the ``batch`` change proposes (the fitted data's central serving batch)."""

PRACTICES: dict[str, str] = {
    "region": "AFNOR Spec 2314: host the workload where the electricity is low-carbon",
    "datacenter": "AFNOR Spec 2314: choose an efficient data centre (low PUE)",
    "quantisation": "AFNOR Spec 2314: compress the model (quantisation)",
    "batch": "AFNOR Spec 2314: size the serving infrastructure to its use (batching)",
    "smaller-model": "AFNOR Spec 2314: choose the smallest model that meets the need",
    "hardware-life": "AFNOR Spec 2314: extend the life of the equipment",
}
"""Change key -> the good practice of AFNOR Spec 2314 it corresponds to."""


@dataclass(frozen=True, slots=True)
class Advice:
    """One change: what to do, which figure it lowers, by how much (with bounds), and why."""

    key: str
    change: str
    quantity: str
    unit: str
    current: Range
    saving: Range
    basis: str
    practice: str
    sources: tuple[str, ...] = field(default=())

    @property
    def share(self) -> float:
        """Central saving as a fraction of the current central value."""
        return float(self.saving.value / self.current.value) if self.current.value else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "change": self.change,
            "quantity": self.quantity,
            "unit": self.unit,
            "current": self.current.to_dict(),
            "saving": self.saving.to_dict(),
            "saving_share": self.share,
            "basis": self.basis,
            "practice": self.practice,
            "sources": list(self.sources),
        }


def _r(e: Estimate) -> Range:
    return Range(e.value, e.low, e.high)


def _fraction(ratio: Range) -> Range:
    """``1 − ratio`` with its bounds in the right order."""
    return Range(1 - ratio.value, 1 - ratio.high, 1 - ratio.low)


def _scaled(current: Range, fraction: Range) -> Range:
    return Range(
        current.value * fraction.value, current.low * fraction.low, current.high * fraction.high
    )


def _usage_gwp(report: Report) -> Range | None:
    gwp = report.impacts.gwp_kgco2e
    return None if gwp is None or gwp.usage is None else _r(gwp.usage)


def _region(report: Report) -> Advice | None:
    from empreinte.factors.cloud import list_cloud_regions
    from empreinte.factors.grid import default_repository

    usage = _usage_gwp(report)
    if usage is None or usage.value <= 0:
        return None
    grid = default_repository()
    here = grid.get(report.location.zone)
    # Concrete places to move to: the same provider's regions, or any provider's for a job that
    # names a country only (a country with the lowest factor is rarely a place one can rent).
    regions = list_cloud_regions(report.location.cloud_provider or None)
    options = [(f"cloud:{c.provider}:{c.region}", c.zone) for c in regions]
    if not options:
        return None
    label, zone = min(options, key=lambda o: float(grid.get(o[1]).gwp_kgco2e_per_kwh.value))
    there = grid.get(zone)
    ratio = there.gwp_kgco2e_per_kwh / here.gwp_kgco2e_per_kwh
    if ratio.value >= 1 - MIN_SAVING:
        return None
    g0, g1 = here.gwp_kgco2e_per_kwh.value, there.gwp_kgco2e_per_kwh.value
    return Advice(
        key="region",
        change=f"run in {label} (grid {g1:.3g} kgCO2e/kWh) instead of "
        f"{report.location.query or report.location.zone} "
        f"({g0:.3g})",
        quantity="usage GWP",
        unit="kgCO2e",
        current=usage,
        saving=_scaled(usage, _fraction(ratio)),
        basis="same facility energy × the zone's grid factor (reference data)",
        practice=PRACTICES["region"],
        sources=tuple(dict.fromkeys((*here.sources, *there.sources))),
    )


def _datacenter(report: Report) -> Advice | None:
    from empreinte.factors.datacenters import list_datacenters

    pue = report.datacenter.pue
    facility = report.energy.facility_kwh
    if pue is None or facility is None:
        return None
    best = min(list_datacenters(), key=lambda d: float(d.pue.value))
    ratio = Range.point(best.pue.value) / _r(pue)
    if ratio.value >= 1 - MIN_SAVING:
        return None
    return Advice(
        key="datacenter",
        change=f"run in a data centre like {best.name} (PUE {best.pue.value:.3g} instead of "
        f"{pue.value:.3g})",
        quantity="facility energy",
        unit="kWh",
        current=_r(facility),
        saving=_scaled(_r(facility), _fraction(ratio)),
        basis="same IT energy × the preset's PUE (reference data); usage GWP falls in proportion",
        practice=PRACTICES["datacenter"],
        sources=tuple(best.pue.sources),
    )


def _inference_ratio(
    report: Report, change: dict[str, Any], current: dict[str, Any]
) -> Range | None:
    """Energy ratio (changed / current) of the fitted per-token model for ``report``'s system."""
    from empreinte.estimate.inference import estimate_inference

    system = report.system
    if system is None or system.parameters_total is None:
        return None
    base: dict[str, Any] = {
        "params_total": system.parameters_total,
        "params_active": system.parameters_active,
        "output_tokens": 500.0,
        "precision": system.precision or "bfloat16",
    } | current
    try:
        before = estimate_inference(**base).per_request.it
        after = estimate_inference(**(base | change)).per_request.it
    except EmpreinteError:
        return None
    return Range(
        after.value / before.value,
        min(after.low / before.low, after.high / before.high),
        max(after.low / before.low, after.high / before.high),
    )


def _model_changes(report: Report) -> list[Advice]:
    if report.lifecycle_stage != "inference":
        return []
    energy = _r(report.energy.total_kwh)
    out: list[Advice] = []
    precision = (report.system.precision if report.system else None) or "bfloat16"
    batch = report.counters.get("batch_size")
    current: dict[str, Any] = {} if batch is None else {"batch": batch}
    changes: list[tuple[str, dict[str, Any], str]] = []
    if precision not in ("fp8", "int8", "mxfp4"):
        changes.append(
            ("quantisation", {"precision": "fp8"}, f"serve the weights in fp8, not {precision}")
        )
    if batch is not None and batch < TARGET_BATCH:
        changes.append(
            ("batch", {"batch": TARGET_BATCH}, f"batch {TARGET_BATCH:g} requests, not {batch:g}")
        )
    for key, change, text in changes:
        ratio = _inference_ratio(report, change, current)
        if ratio is None or ratio.value >= 1 - MIN_SAVING:
            continue
        out.append(
            Advice(
                key=key,
                change=text,
                quantity="energy",
                unit="kWh",
                current=energy,
                saving=_scaled(energy, _fraction(ratio)),
                basis="ratio of the fitted per-token model (ML.ENERGY v3) at the new setting "
                "to the current one, for this model's parameter count",
                practice=PRACTICES[key],
                sources=("ml-energy-v3",),
            )
        )
    return out


def _quality(report: Report) -> tuple[str, float] | None:
    for metric in ("macro_f1", "accuracy", "f1", "quality"):
        if metric in report.quality_metrics:
            return metric, report.quality_metrics[metric]
    return None


def _smaller_model(report: Report, peers: Iterable[Report]) -> Advice | None:
    mine = _quality(report)
    unit = report.per_unit
    if mine is None or unit is None or report.task is None:
        return None
    metric, q = mine
    best: Report | None = None
    for p in peers:
        if p.task != report.task or p.per_unit is None or p.report_id == report.report_id:
            continue
        if p.per_unit.functional_unit.type != unit.functional_unit.type:
            continue
        pq = p.quality_metrics.get(metric)
        if pq is None or pq < q:
            continue
        if best is None or p.per_unit.energy_kwh.value < best.per_unit.energy_kwh.value:  # type: ignore[union-attr]
            best = p
    if best is None or best.per_unit is None:
        return None
    ratio = _r(best.per_unit.energy_kwh) / _r(unit.energy_kwh)
    if ratio.value >= 1 - MIN_SAVING:
        return None
    name = best.system.model_id if best.system else best.name or best.report_id
    return Advice(
        key="smaller-model",
        change=f"use {name} on {report.task} ({metric} "
        f"{best.quality_metrics[metric]:.3g} ≥ {q:.3g})",
        quantity=f"energy per {unit.functional_unit.type}",
        unit="kWh",
        current=_r(unit.energy_kwh),
        saving=_scaled(_r(unit.energy_kwh), _fraction(ratio)),
        basis=f"measured energy per unit of report {best.report_id} against this one's "
        "(bounds: both reports' ranges; machines may differ)",
        practice=PRACTICES["smaller-model"],
        sources=tuple(s.id for s in best.provenance.sources),
    )


def _hardware_life(report: Report) -> Advice | None:
    from empreinte.impacts.assess import HOURS_PER_YEAR, lifecycle_defaults

    gwp = report.impacts.gwp_kgco2e
    if gwp is None or gwp.embodied is None or gwp.embodied.value <= 0:
        return None
    life = lifecycle_defaults()["lifetime_hours"]
    years = as_range(life.value).value / HOURS_PER_YEAR
    ratio = Range.point(years / (years + EXTRA_YEARS))
    return Advice(
        key="hardware-life",
        change=f"keep the hardware in service {EXTRA_YEARS:g} more years "
        f"({years:g} → {years + EXTRA_YEARS:g})",
        quantity="embodied GWP",
        unit="kgCO2e",
        current=_r(gwp.embodied),
        saving=_scaled(_r(gwp.embodied), _fraction(ratio)),
        basis="embodied impacts allocated by time over the lifetime (lifecycle defaults)",
        practice=PRACTICES["hardware-life"],
        sources=tuple(life.sources),
    )


def advise(report: Report, peers: Sequence[Report] = ()) -> list[Advice]:
    """The changes that lower ``report``'s footprint, largest relative saving first."""
    found = [
        _region(report),
        _datacenter(report),
        *_model_changes(report),
        _smaller_model(report, peers),
        _hardware_life(report),
    ]
    return sorted((a for a in found if a is not None), key=lambda a: -a.share)
