"""Which meters work here, why the others do not, and the meters a run uses by default.

:func:`default_meters` keeps every counter that probes fine, then adds the estimation
fallback for the components no counter covers (CPU without RAPL, RAM without a ``dram``
zone), so each component is counted exactly once and nothing reads as zero.

A GPU meter found unavailable (no driver, no SDK) is remembered for the rest of the process,
per value of the variables that select devices, so later trackers do not probe it again;
:func:`clear_probe_cache` forgets.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from empreinte.measure.base import (
    GPU_DRIVERS,
    Availability,
    Meter,
    component_of,
    driver_loaded,
    no_driver,
    rapl_root_absent,
)

__all__ = ["MeterStatus", "clear_probe_cache", "counter_meters", "default_meters", "diagnose"]

_UNAVAILABLE: dict[tuple[object, ...], tuple[object, Availability]] = {}
_SELECTORS = ("CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES")


def clear_probe_cache() -> None:
    """Forget the GPU meters found unavailable (after installing a driver in a notebook)."""
    _UNAVAILABLE.clear()


def _cache_key(meter: Meter) -> tuple[tuple[object, ...] | None, object]:
    """Key of a cacheable probe: GPU meters only (RAPL is cheap and its root may change),
    with the SDK module bound in the meter's module (tests patch it) and the selectors."""
    module = sys.modules.get(type(meter).__module__)
    sdk = {"nvml": "pynvml", "amd": "amdsmi"}.get(meter.name)
    if module is None or sdk is None:
        return None, None
    bound = getattr(module, sdk, None)
    return (meter.name, id(bound), *(os.environ.get(v) for v in _SELECTORS)), bound


@dataclass(frozen=True, slots=True)
class MeterStatus:
    name: str
    method: str
    availability: Availability

    def as_dict(self) -> dict[str, object]:
        return {"meter": self.name, "method": self.method, **self.availability.as_dict()}


def counter_meters(skip: set[str] | frozenset[str] = frozenset()) -> list[Meter]:
    """One instance of each hardware-counter meter (not probed yet), except ``skip``."""
    meters: list[Meter] = []
    if "rapl" not in skip:
        from empreinte.measure.rapl import RaplMeter

        meters.append(RaplMeter())
    if "nvml" not in skip:
        from empreinte.measure.nvml import NvmlMeter

        meters.append(NvmlMeter())
    if "amd" not in skip:
        from empreinte.measure.amd import AmdMeter

        meters.append(AmdMeter())
    return meters


def _probe(meter: Meter) -> Availability:
    avail = meter.probe()
    if not avail.ok:
        meter.close()
    return avail


def default_meters(describe: bool = True) -> tuple[list[Meter], list[MeterStatus]]:
    """The meters to use here (probed and open) and the status of every candidate.

    ``describe=False`` (the tracker's path) skips describing the fallback's CPU (a catalog
    lookup) in its status; its energy is the same."""
    from empreinte.measure.fallback import FallbackMeter

    chosen: list[Meter] = []
    statuses: list[MeterStatus] = []
    covered: set[str] = set()
    if "empreinte.measure.rapl" not in sys.modules:  # no powercap tree: nothing to import
        from empreinte import config

        root = str(config.get("powercap_root"))
        if not os.path.exists(root):
            statuses.append(MeterStatus("rapl", "hw_counter", rapl_root_absent(root)))
    for name in ("nvml", "amd"):  # no driver: not even our module is imported
        if f"empreinte.measure.{name}" not in sys.modules and not driver_loaded(
            GPU_DRIVERS[name][1]
        ):
            exc = no_driver(name)
            statuses.append(
                MeterStatus(name, "hw_counter", Availability(False, exc.reason, exc.fix))
            )
    skip = {s.name for s in statuses}
    for meter in counter_meters(skip):
        key, sdk = _cache_key(meter)
        cached = _UNAVAILABLE.get(key) if key is not None else None
        if cached is not None and cached[0] is sdk:
            statuses.append(MeterStatus(meter.name, meter.method, cached[1]))
            continue
        avail = _probe(meter)
        key, sdk = _cache_key(meter)  # the probe may have bound the SDK module
        if not avail.ok and key is not None:
            _UNAVAILABLE[key] = (sdk, avail)
        statuses.append(MeterStatus(meter.name, meter.method, avail))
        if avail.ok:
            chosen.append(meter)
            covered.update(component_of(c) for c in avail.channels)
    missing = tuple(c for c in ("cpu", "ram") if c not in covered)
    if missing:
        fb = FallbackMeter(missing)
        statuses.append(MeterStatus(fb.name, fb.method, fb.probe(describe)))
        chosen.append(fb)
    return chosen, statuses


def diagnose() -> list[MeterStatus]:
    """Probe every meter, closing them all (for ``empreinte doctor``)."""
    meters, statuses = default_meters()
    for m in meters:
        m.close()
    return statuses
