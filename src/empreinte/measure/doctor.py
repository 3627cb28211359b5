"""Which meters work here, why the others do not, and the meters a run uses by default.

:func:`default_meters` keeps every counter that probes fine, then adds the estimation
fallback for the components no counter covers (CPU without RAPL, RAM without a ``dram``
zone), so each component is counted exactly once and nothing reads as zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from empreinte.measure.base import Availability, Meter, component_of

__all__ = ["MeterStatus", "counter_meters", "default_meters", "diagnose"]


@dataclass(frozen=True, slots=True)
class MeterStatus:
    name: str
    method: str
    availability: Availability

    def as_dict(self) -> dict[str, object]:
        return {"meter": self.name, "method": self.method, **self.availability.as_dict()}


def counter_meters() -> list[Meter]:
    """One instance of each hardware-counter meter (not probed yet)."""
    from empreinte.measure.amd import AmdMeter
    from empreinte.measure.nvml import NvmlMeter
    from empreinte.measure.rapl import RaplMeter

    return [RaplMeter(), NvmlMeter(), AmdMeter()]


def _probe(meter: Meter) -> Availability:
    avail = meter.probe()
    if not avail.ok:
        meter.close()
    return avail


def default_meters() -> tuple[list[Meter], list[MeterStatus]]:
    """The meters to use here (probed and open) and the status of every candidate."""
    from empreinte.measure.fallback import FallbackMeter

    chosen: list[Meter] = []
    statuses: list[MeterStatus] = []
    covered: set[str] = set()
    for meter in counter_meters():
        avail = _probe(meter)
        statuses.append(MeterStatus(meter.name, meter.method, avail))
        if avail.ok:
            chosen.append(meter)
            covered.update(component_of(c) for c in avail.channels)
    missing = tuple(c for c in ("cpu", "ram") if c not in covered)
    if missing:
        fb = FallbackMeter(missing)
        statuses.append(MeterStatus(fb.name, fb.method, fb.probe()))
        chosen.append(fb)
    return chosen, statuses


def diagnose() -> list[MeterStatus]:
    """Probe every meter, closing them all (for ``empreinte doctor``)."""
    meters, statuses = default_meters()
    for m in meters:
        m.close()
    return statuses
