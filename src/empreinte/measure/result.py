"""From measured joules per channel to a report, through ``make_report``.

A :class:`Measured` gathers what a tracked job produced: energy per channel with bounds, the
meters and their methods, the windows, the work counters and the coded warnings. Everything
below converts J to kWh once (:data:`~empreinte.measure.base.J_PER_KWH`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from empreinte.errors import CodedWarning, MeterError, WarningCode
from empreinte.measure.base import J_PER_KWH, component_of, weakest_method
from empreinte.ranges import Range

if TYPE_CHECKING:
    from empreinte.factors.site import Site
    from empreinte.report.models import Report

__all__ = [
    "FUNCTIONAL_UNITS",
    "SHORT_WINDOW_S",
    "Attribution",
    "Measured",
    "WindowRecord",
    "by_component",
    "to_report",
]

SHORT_WINDOW_S = 60.0
"""Windows shorter than this are flagged (methodology: window >= 60 s)."""

FUNCTIONAL_UNITS = ("tokens", "samples", "requests", "queries", "images", "inferences")
"""Counters used as the functional unit, in this order of preference, unless one is named."""

Channels = Mapping[str, tuple[float, float, float]]


def by_component(channels: Channels) -> dict[str, Range]:
    """Sum channels (J) into components, in kWh."""
    out: dict[str, Range] = {}
    for ch, (v, lo, hi) in channels.items():
        comp = component_of(ch)
        r = Range(max(v, 0.0), max(lo, 0.0), max(hi, 0.0)) / J_PER_KWH
        out[comp] = out[comp] + r if comp in out else r
    return out


def total_kwh(channels: Channels) -> Range:
    return sum(by_component(channels).values(), start=Range.point(0.0))


@dataclass(frozen=True, slots=True)
class WindowRecord:
    name: str
    parent: str | None
    start_s: float
    end_s: float
    energy_j: dict[str, tuple[float, float, float]]
    counters: dict[str, float]


@dataclass(frozen=True, slots=True)
class Attribution:
    """Process attribution: its share of the busy CPU time and the machine's idle share."""

    process_share: float
    idle_share: float
    note: str = ""


@dataclass
class Measured:
    """The raw outcome of a tracked job, before impacts."""

    name: str
    stage: str
    energy_j: dict[str, tuple[float, float, float]]
    meters: list[tuple[str, str, str]]  # (meter, method, channel)
    interval_s: float
    duration_s: float
    started_at: datetime
    ended_at: datetime
    windows: list[WindowRecord] = field(default_factory=list)
    counters: dict[str, float] = field(default_factory=dict)
    warnings: list[CodedWarning] = field(default_factory=list)
    topology: dict[str, Any] | None = None
    devices: list[str] = field(default_factory=list)
    meter_notes: dict[str, str] = field(default_factory=dict)  # meter -> where from
    sources: list[str] = field(default_factory=list)  # source ids of the meters' data

    def components_kwh(self) -> dict[str, Range]:
        return by_component(self.energy_j)


def _functional_unit(counters: Mapping[str, float], unit: str | None) -> tuple[str, float] | None:
    names = [unit] if unit else [u for u in FUNCTIONAL_UNITS if u in counters]
    for n in names:
        if counters.get(n, 0) > 0:
            return n, float(counters[n])
    return None


def _windows(records: Sequence[WindowRecord]) -> list[dict[str, Any]]:
    from empreinte.report.build import estimate

    return [
        {
            "name": w.name[:200],
            "parent": w.parent,
            "start_s": max(w.start_s, 0.0),
            "end_s": max(w.end_s, 0.0),
            "energy_kwh": estimate(total_kwh(w.energy_j)),
            "counters": dict(w.counters),
        }
        for w in records
    ]


def to_report(
    m: Measured,
    *,
    status: str = "complete",
    location: str | Site | None = None,
    pue: float | Range | None = None,
    wue_l_per_kwh: float | Range | None = None,
    functional_unit: str | None = None,
    attribution: Attribution | None = None,
    task: str | None = None,
    report_id: str | None = None,
) -> Report:
    """The full report (impacts included) for ``m`` (a new ``report_id`` unless given)."""
    from empreinte.report.build import make_report

    used = [(meter, method, ch) for meter, method, ch in m.meters if ch in m.energy_j]
    method = weakest_method([method for _, method, _ in used])
    warnings = list(m.warnings)
    if not used:  # never turn "no reading" into zero
        raise MeterError("no meter produced a reading: " + "; ".join(w.message for w in warnings))
    if m.duration_s < SHORT_WINDOW_S:
        warnings.append(
            CodedWarning(
                WarningCode.SHORT_WINDOW,
                f"measured for {m.duration_s:.1f} s (< {SHORT_WINDOW_S:.0f} s): idle and start-up "
                "effects weigh more",
            )
        )
    if status != "complete":
        warnings.append(
            CodedWarning(
                WarningCode.INCOMPLETE, "checkpoint of a job still running, or that did not finish"
            )
        )
    comps = m.components_kwh()
    machine: Range | None = None
    measurement: dict[str, Any] = {
        "meters": [
            {
                "name": n,
                "component": component_of(ch),
                "method": meth,
                "device": ch[:200],
                **({"note": m.meter_notes[n]} if n in m.meter_notes else {}),
            }
            for n, meth, ch in used
        ],
        "interval_s": m.interval_s,
        "duration_s": m.duration_s,
        "started_at": m.started_at,
        "ended_at": m.ended_at,
        "boundary": ["accelerators", "host"] if "gpu" in comps else ["host"],
    }
    if attribution is not None:
        machine = sum(comps.values(), start=Range.point(0.0))
        share = attribution.process_share
        comps = {k: (v * share if k in ("cpu", "ram") else v) for k, v in comps.items()}
        measurement.update(attribution="process", process_share=min(max(share, 0.0), 1.0))
        warnings.append(
            CodedWarning(
                WarningCode.PROCESS_ATTRIBUTION,
                f"CPU and RAM energy scaled by the process's share of busy CPU time ({share:.1%}); "
                f"the machine was idle {attribution.idle_share:.1%} of its CPU time. "
                f"{attribution.note}".strip(),
            )
        )
    fu = _functional_unit(m.counters, functional_unit)
    fields: dict[str, Any] = {
        "name": m.name[:300],
        "status": status,
        "counters": dict(m.counters),
        "windows": _windows(m.windows),
    }
    if task:
        fields["task"] = task
    if report_id:
        fields["report_id"] = report_id
    if m.topology is not None:
        fields["topology"] = m.topology
    report = make_report(
        stage=m.stage,
        method=method,
        energy_kwh=comps,
        location=location,
        pue=pue,
        wue_l_per_kwh=wue_l_per_kwh,
        functional_unit=fu,
        measurement=measurement,
        machine_total_kwh=machine,
        warnings=warnings,
        sources=m.sources,
        **fields,
    )
    if "bytes_stored" in m.counters or "bytes_transferred" in m.counters:
        report = _with_data(report, m)
    return report


def _with_data(report: Report, m: Measured) -> Report:
    """``t.count(bytes_stored=..., bytes_transferred=...)`` as ``report.data`` items (storage
    held for the run's duration unless ``storage_retention_years`` was counted)."""
    from empreinte.impacts.data import data_from_counters
    from empreinte.report.data import attach_data_items

    p = report.datacenter.pue
    pue = Range(p.value, p.low, p.high) if p is not None else 1.0
    comps = data_from_counters(m.counters, m.duration_s, location=report.location.zone, pue=pue)
    return attach_data_items(report, comps)
