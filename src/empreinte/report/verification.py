"""Verification at ingestion (methodology.md, "Verification tiers").

The observatory, never the submitter, sets a report's ``verification``:

- ``m_tier`` from ``measurement.method`` (M1 external meter ... M5 declared);
- ``a_tier``: A0 (self-reported), or A1 when the report carries an evidence bundle (the meters
  used, a measured duration, a hardware counter or external meter) and no blocking flag;
- ``flags``: the automatic plausibility checks below, as stable codes (``code`` or
  ``code:detail``). :data:`FLAGS` documents each one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache

from empreinte.report.models import METHOD_TIER, HardwareItem, Report, Verification
from empreinte.vocabulary import J_PER_KWH

__all__ = [
    "BLOCKING",
    "FLAGS",
    "FLAG_SEPARATOR",
    "catalog_entry",
    "check_report",
    "join_flags",
    "split_flags",
    "verify",
]

FLAGS: dict[str, str] = {
    "energy-not-positive": "a declared device (or the total) has zero energy",
    "power-above-tdp": "mean power exceeds count x TDP x 1.1 of the declared devices",
    "constant-mode": "a component's energy comes from a constant or modelled power, not a reading",
    "short-window": "the measured window is shorter than 60 s",
    "unit-implausible": "values out of physical range (likely a unit mix-up, e.g. g vs kg)",
    "hardware-unknown": "a hardware name does not resolve to the catalog",
    "no-duration": "no measured duration: mean power cannot be checked",
}
"""Flag code -> what it means."""

BLOCKING = frozenset({"energy-not-positive", "power-above-tdp", "unit-implausible"})
"""Flags that keep a report at A0 even with an evidence bundle."""

FLAG_SEPARATOR = "\n"
"""How flags are joined in storage and in the CSV export: a flag's detail may hold spaces
(``hardware-unknown:AMD EPYC 7B13``), never a line break."""


def join_flags(flags: Iterable[str]) -> str:
    """Flags as one string for storage (line breaks inside a flag become spaces)."""
    return FLAG_SEPARATOR.join(f.replace("\r", " ").replace("\n", " ") for f in flags)


def split_flags(stored: str | None) -> list[str]:
    """The flags of :func:`join_flags`; also reads the older space-joined storage, where a
    word that does not start a known flag code belongs to the previous flag's detail."""
    if not stored:
        return []
    if FLAG_SEPARATOR in stored:
        return [f for f in stored.split(FLAG_SEPARATOR) if f]
    out: list[str] = []
    for word in stored.split(" "):
        if word.split(":", 1)[0] in FLAGS or not out:
            out.append(word)
        else:
            out[-1] += " " + word
    return [f for f in out if f]


_CPU_FAMILIES = ("epyc", "xeon", "threadripper", "ryzen")

_ACCEL_KINDS = ("gpu", "tpu", "npu", "accelerator")
_COMPONENT_KINDS = {"gpu": _ACCEL_KINDS, "cpu": ("cpu",), "ram": ("ram",)}
_TDP_MARGIN = 1.1
_MIN_WINDOW_S = 60.0
_MAX_GRID_KG_PER_KWH = 2.0  # the dirtiest grids are about 1.1 kgCO2e/kWh
_MAX_ENERGY_KWH = 1e9  # 1 TWh for one job: far above any published training run


def _duration_s(r: Report) -> float | None:
    m = r.measurement
    if m.duration_s is not None:
        return m.duration_s
    if m.started_at is not None and m.ended_at is not None:
        return (m.ended_at - m.started_at).total_seconds()
    if r.windows:
        return max(w.end_s for w in r.windows) - min(w.start_s for w in r.windows)
    return None


@lru_cache(maxsize=4096)
def catalog_entry(kind: str, name: str) -> tuple[str | None, float | None]:
    """(catalog id, catalog TDP in W) of one hardware name; ``(None, None)`` when unknown.

    RAM, storage and "other" have nothing to resolve: their own name is returned as the id.
    """
    from empreinte.errors import UnknownKeyError
    from empreinte.factors import hardware

    if kind in _ACCEL_KINDS:
        try:
            acc = hardware.get_accelerator(name)
        except UnknownKeyError:
            return None, None
        return acc.id, (acc.tdp_w.value if acc.tdp_w is not None else None)
    if kind == "cpu":
        cpu = hardware.find_cpu(name)
        if cpu is not None:
            return cpu.name, cpu.tdp_w.value
        # a brand without its model (a VM shows "AMD EPYC"): the family, and its highest
        # catalog TDP (90th percentile) so that the power check stays meaningful
        words = hardware.normalize_cpu_brand(name).split()
        family = next((w for w in words if w in _CPU_FAMILIES), None)
        if family is None:
            return None, None
        spread = hardware.default_repository().cpu_tdp_spread(family)
        return name, spread.high
    return name, None


def _tdp_w(item: HardwareItem) -> float | None:
    """TDP of one unit: as declared, else from the catalog; ``None`` when unknown."""
    if item.tdp_w:
        return item.tdp_w
    return catalog_entry(item.kind, item.catalog_id or item.name)[1]


def _resolves(item: HardwareItem) -> bool:
    return catalog_entry(item.kind, item.catalog_id or item.name)[0] is not None


def _energy_flags(r: Report, duration: float | None) -> Iterable[str]:
    e = r.energy
    if e.total_kwh.value <= 0:
        yield "energy-not-positive:total"
    if e.total_kwh.value > _MAX_ENERGY_KWH:
        yield "unit-implausible:energy"
    if e.facility_kwh is not None and e.facility_kwh.value < e.total_kwh.value * (1 - 1e-9):
        yield "unit-implausible:facility-below-it"
    for comp, kinds in _COMPONENT_KINDS.items():
        items = [h for h in r.hardware if h.kind in kinds]
        value = getattr(e, f"{comp}_kwh")
        if not items or value is None:
            continue
        if value.value <= 0:
            yield f"energy-not-positive:{comp}"
            continue
        if duration is None or duration <= 0:
            continue
        tdps = [_tdp_w(h) for h in items]
        if any(t is None for t in tdps):
            continue
        limit_w = sum(h.count * t for h, t in zip(items, tdps, strict=True) if t is not None)
        mean_w = value.value * J_PER_KWH / duration
        if mean_w > limit_w * _TDP_MARGIN:
            yield f"power-above-tdp:{comp}"


def _impact_flags(r: Report) -> Iterable[str]:
    gwp = r.impacts.gwp_kgco2e
    energy = r.energy.facility_kwh or r.energy.total_kwh
    if gwp is not None and gwp.usage is not None and energy.value > 0:
        intensity = gwp.usage.value / energy.value
        if intensity < 0 or intensity > _MAX_GRID_KG_PER_KWH:
            yield "unit-implausible:gwp"


def _constant_components(r: Report) -> Iterable[str]:
    seen: set[str] = set()
    for m in r.measurement.meters:
        if m.method in ("software_model", "proxy_model", "declared") and m.component != "system":
            seen.add(m.component)
    codes = {"cpu-power-estimated": "cpu", "ram-power-estimated": "ram"}
    for w in r.warnings:
        if w.code in codes:
            seen.add(codes[w.code])
    return (f"constant-mode:{c}" for c in sorted(seen))


def check_report(r: Report) -> list[str]:
    """The automatic plausibility flags of a report, sorted and without duplicates."""
    flags: list[str] = []
    duration = _duration_s(r)
    measured = r.measurement.method in ("external_meter", "hw_counter", "software_model")
    if measured:
        if duration is None:
            flags.append("no-duration")
        elif duration < _MIN_WINDOW_S:
            flags.append("short-window")
    flags.extend(_energy_flags(r, duration))
    flags.extend(_impact_flags(r))
    flags.extend(_constant_components(r))
    flags.extend(f"hardware-unknown:{h.name}"[:200] for h in r.hardware if not _resolves(h))
    return sorted(set(flags))


def _has_evidence(r: Report) -> bool:
    m = r.measurement
    return (
        m.method in ("external_meter", "hw_counter")
        and bool(m.meters)
        and _duration_s(r) is not None
    )


def verify(r: Report, now: datetime | None = None) -> Verification:
    """The observatory's verification of ``r`` (whatever ``r.verification`` said)."""
    flags = check_report(r)
    blocked = any(f.split(":", 1)[0] in BLOCKING for f in flags)
    a_tier = "A1" if _has_evidence(r) and not blocked else "A0"
    return Verification(
        m_tier=METHOD_TIER[r.measurement.method],
        a_tier=a_tier,
        flags=flags,
        checked_at=(now or datetime.now(UTC)),
    )
