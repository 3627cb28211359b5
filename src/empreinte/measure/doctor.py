"""Which meters work here, why the others do not, and the meters a run uses by default.

:func:`default_meters` walks the rows of :mod:`empreinte.measure.registry` in order: it keeps
every counter that probes fine, then adds the fallback row's meter for the components no
counter covers (CPU without RAPL, RAM without a ``dram`` zone), so each component is counted
exactly once and nothing reads as zero. A row whose driver nodes are absent is reported from
the row alone: its module is not even imported.

An SDK meter found unavailable (no driver, no SDK) is remembered for the rest of the process,
per value of its device selectors (``CUDA_VISIBLE_DEVICES``...), so later trackers do not
probe it again; :func:`clear_probe_cache` forgets.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from empreinte.measure.base import Availability, Meter, component_of
from empreinte.measure.registry import MeterSpec, counter_specs, fallback_spec
from empreinte.vocabulary import Component

__all__ = [
    "MeterStatus",
    "clear_probe_cache",
    "counter_meters",
    "default_meters",
    "diagnose",
    "named_meters",
]

_FALLBACK_COVERS = (Component.CPU.value, Component.RAM.value)
"""What the fallback meter estimates where no counter reads it."""

_UNAVAILABLE: dict[tuple[object, ...], tuple[object, Availability]] = {}


def clear_probe_cache() -> None:
    """Forget the SDK meters found unavailable (after installing a driver in a notebook)."""
    _UNAVAILABLE.clear()


def _cache_key(row: MeterSpec) -> tuple[tuple[object, ...] | None, object]:
    """Key of a cacheable probe: SDK meters only (RAPL is cheap and its root may change),
    with the SDK module bound in the meter's module (tests patch it) and the selectors."""
    module = sys.modules.get(row.module)
    if module is None or row.sdk is None:
        return None, None
    bound = getattr(module, row.sdk, None)
    return (row.name, id(bound), *(os.environ.get(v) for v in row.selectors)), bound


@dataclass(frozen=True, slots=True)
class MeterStatus:
    name: str
    method: str
    availability: Availability

    def as_dict(self) -> dict[str, object]:
        return {"meter": self.name, "method": self.method, **self.availability.as_dict()}


def counter_meters(skip: set[str] | frozenset[str] = frozenset()) -> list[Meter]:
    """One instance of each registered default counter meter (not probed yet), except
    ``skip``."""
    return [row.create() for row in counter_specs() if row.name not in skip and row.default]


def _probe(meter: Meter, keep: bool = True) -> Availability:
    avail = meter.probe()
    if not avail.ok or not keep:
        meter.close()
    return avail


def _counter(row: MeterSpec) -> tuple[Meter | None, Availability]:
    """The row's meter, probed (``None`` unless it works here), and its availability."""
    if row.module not in sys.modules:  # not imported yet: first look for its driver nodes
        nodes = row.driver_nodes()
        if not row.present(nodes):
            return None, row.absent(nodes)
    key, sdk = _cache_key(row)
    cached = _UNAVAILABLE.get(key) if key is not None else None
    if cached is not None and cached[0] is sdk:
        return None, cached[1]
    meter = row.create()
    avail = _probe(meter)
    key, sdk = _cache_key(row)  # the probe may have bound the SDK module
    if not avail.ok and key is not None:
        _UNAVAILABLE[key] = (sdk, avail)
    return (meter if avail.ok else None), avail


def _probe_named(row: MeterSpec) -> Availability:
    """A meter used only when named, probed with its settings (``meter_url``...)."""
    from empreinte.errors import ConfigError

    try:
        meter = row.create()
    except ConfigError as exc:
        return Availability(False, str(exc), row.fix)
    return _probe(meter, keep=False)


def named_meters(
    names: Sequence[str],
    *,
    url: str | None = None,
    select: str | None = None,
    poll_s: float | None = None,
) -> list[Meter]:
    """The meters ``names`` (registry rows), created and probed now, before any work runs.

    A fleet meter (``kepler``, ``scaphandre``, ``alumet``) reads ``url`` with ``select``
    and the agent's poll interval ``poll_s`` (default: the ``meter_url``/``meter_select``/
    ``meter_poll_s`` settings); ``estimate`` estimates CPU and
    RAM where the other named meters do not cover them. A meter that does not work here
    raises a :class:`~empreinte.errors.ConfigError` with the reason and the fix (the command
    has not started)."""
    from empreinte.errors import ConfigError
    from empreinte.measure.registry import spec

    meters: list[Meter] = []
    covered: set[str] = set()
    rows = [spec(name) for name in dict.fromkeys(names)]
    try:  # the fallback last: it estimates only what the named counters leave
        for row in sorted(rows, key=lambda r: r.role == "fallback"):
            meter: Meter
            if row.role == "fallback":
                missing = tuple(c for c in _FALLBACK_COVERS if c not in covered)
                if not missing:
                    continue
                meter = row.create_fallback(missing)
            elif not row.default:
                meter = row.meter_class()(url, select, poll_s=poll_s)
            else:
                meter = row.create()
            meters.append(meter)
            avail = meter.probe()
            if not avail.ok:
                fix = f" (fix: {avail.fix})" if avail.fix else ""
                raise ConfigError(f"meter {row.name} cannot read here: {avail.reason}{fix}")
            covered.update(component_of(c) for c in avail.channels)
    except BaseException:
        for m in meters:
            m.close()
        raise
    return meters


def default_meters(describe: bool = True) -> tuple[list[Meter], list[MeterStatus]]:
    """The meters to use here (probed and open) and the status of every registered meter.

    ``describe=False`` (the tracker's path) skips describing the fallback's CPU (a catalog
    lookup) in its status; its energy is the same."""
    chosen: list[Meter] = []
    statuses: list[MeterStatus] = []
    covered: set[str] = set()
    for row in counter_specs():
        if not row.default:  # used only when named: listed (by doctor), never chosen here
            if describe:
                statuses.append(MeterStatus(row.name, row.method, _probe_named(row)))
            continue
        meter, avail = _counter(row)
        statuses.append(MeterStatus(row.name, row.method, avail))
        if meter is not None:
            chosen.append(meter)
            covered.update(component_of(c) for c in avail.channels)
    missing = tuple(c for c in _FALLBACK_COVERS if c not in covered)
    fallback = fallback_spec()
    if missing and fallback is not None:
        fb = fallback.create_fallback(missing)
        statuses.append(MeterStatus(fallback.name, fallback.method, fb.probe(describe)))
        chosen.append(fb)
    return chosen, statuses


def diagnose() -> list[MeterStatus]:
    """Probe every meter, closing them all (for ``empreinte doctor``)."""
    meters, statuses = default_meters()
    for m in meters:
        m.close()
    return statuses
