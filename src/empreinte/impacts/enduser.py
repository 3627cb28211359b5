"""The end-to-end boundary of a request: the network that carries it and the user's device.

Beside the data centre's layers (:mod:`empreinte.estimate.layers`), per request::

    network energy   = GB × intensity(access)                          (kWh; no PUE)
    device energy    = P_device × t / 3,600,000                        (kWh; t in s, P in W)
    device embodied  = M × t / (lifetime_h × use_ratio × 3,600)        (per criterion)
    usage impacts    = energy × factor of the user's grid zone          (GWP, ADPe, PE)

``intensity(fixed)`` is the sourced average network intensity of
``factors/data/storage_network.json`` (Aslan et al. 2018 extrapolated, with a range spanning
recent estimates); ``intensity(mobile)`` is that × the ADEME–Arcep 2022 mobile/fixed ratio.
Device presets (power in use, life, daily use, embodied GWP and ADPe) are in
``factors/data/enduser.json``; a quantity without a sourced value (the device's embodied
primary energy) is ``None`` — not assessed, never zero. When the bytes are not given they
are derived from the tokens (4 bytes per token of text, a stated lower bound).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from empreinte.errors import CodedWarning, ConfigError, WarningCode
from empreinte.factors._base import SourcedValue, read_data_text
from empreinte.ranges import Range, as_range
from empreinte.vocabulary import J_PER_KWH, Criterion, Layer

if TYPE_CHECKING:
    from empreinte.factors.grid import ZoneFactors

__all__ = [
    "ACCESSES",
    "DEVICES",
    "EndToEndLayer",
    "bytes_from_tokens",
    "device_layer",
    "network_layer",
]

ACCESSES = ("fixed", "mobile")
BYTES_PER_GB = 1e9
# the criteria the user's grid and device data carry (water and e-waste are not assessed here)
_CRITERIA = tuple((c.value, c.short) for c in (Criterion.GWP, Criterion.ADPE, Criterion.PE))


@cache
def _data() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(read_data_text("enduser.json"))
    return raw


def _sv(d: dict[str, Any] | None) -> SourcedValue | None:
    return None if d is None else SourcedValue.model_validate(d)


DEVICES: tuple[str, ...] = tuple(_data()["devices"])
"""Device presets of ``factors/data/enduser.json``."""


@dataclass
class EndToEndLayer:
    """One layer beyond the data centre, per request: its quantity, energy and impacts by
    criterion and phase (``None``: not assessed)."""

    layer: Literal["network", "device"]
    name: str
    quantity: float
    unit: Literal["GB", "s"]
    energy_kwh: Range
    usage: dict[str, Range]
    embodied: dict[str, Range | None]
    sources: list[str] = field(default_factory=list)
    warnings: list[CodedWarning] = field(default_factory=list)
    note: str | None = None
    quantity_range: Range | None = None

    def total(self, criterion: str) -> Range | None:
        """Usage + embodied of ``criterion`` (``gwp_kgco2e``...); usage alone when the
        embodied share is not assessed (the note says so)."""
        use = self.usage.get(criterion)
        emb = self.embodied.get(criterion)
        if use is None:
            return emb
        return use if emb is None else use + emb

    def impacts_dict(self) -> dict[str, dict[str, dict[str, float]]]:
        """``{criterion: {usage, embodied, total}}`` in the report's PhaseSplit shape."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        for crit, _ in _CRITERIA:
            tot = self.total(crit)
            if tot is None:
                continue
            split = {
                "usage": self.usage.get(crit),
                "embodied": self.embodied.get(crit),
                "total": tot,
            }
            out[crit] = {k: v.to_dict() for k, v in split.items() if v is not None}
        return out

    def to_dict(self) -> dict[str, object]:
        """The fields of a report :class:`~empreinte.report.models.EndToEndItem`."""
        q = self.quantity_range
        out: dict[str, object] = {
            "layer": self.layer,
            "name": self.name,
            "quantity": self.quantity,
            "quantity_low": None if q is None else q.low,
            "quantity_high": None if q is None else q.high,
            "unit": self.unit,
            "energy_kwh": self.energy_kwh.to_dict(),
            "impacts": self.impacts_dict(),
            "sources": list(dict.fromkeys(self.sources)),
            "note": self.note,
        }
        return {k: v for k, v in out.items() if v is not None}


def _zone(location: str | None) -> ZoneFactors:
    from empreinte.factors.grid import resolve_location

    return resolve_location(location).zone


def _usage(energy: Range, zone: ZoneFactors) -> dict[str, Range]:
    return {crit: energy * zone.factor(short) for crit, short in _CRITERIA}


def bytes_from_tokens(input_tokens: Range | float, output_tokens: Range | float) -> Range:
    """Bytes moved for a request's text: (input + output tokens) × bytes per token."""
    sv = _sv(_data()["bytes_per_token"])
    assert sv is not None
    return (as_range(input_tokens) + as_range(output_tokens)) * sv.range


def network_layer(
    bytes_moved: Range | float,
    *,
    access: str = "fixed",
    location: str | None = None,
    derived: bool = False,
) -> EndToEndLayer:
    """The network layer of a request moving ``bytes_moved`` bytes over ``access``."""
    from empreinte.impacts.data import network_intensity

    if access not in ACCESSES:
        raise ConfigError(f"unknown network access {access!r}: use one of {', '.join(ACCESSES)}")
    b = as_range(bytes_moved)
    if not b.low >= 0:
        raise ConfigError(f"bytes must be >= 0, got {b.low:g}")
    fixed = network_intensity()
    intensity = fixed.range
    sources = list(fixed.sources)
    if access == "mobile":
        ratio = _sv(_data()["network_mobile_factor"])
        assert ratio is not None
        intensity = intensity * ratio.range
        sources += ratio.sources
    gb = b / BYTES_PER_GB
    energy = gb * intensity
    zone = _zone(location)
    warnings = [
        CodedWarning(
            WarningCode.NETWORK_AVERAGE_INTENSITY,
            "network: average network intensity (kWh/GB), not the marginal energy of the "
            "extra traffic; the range spans a factor of 60; network equipment embodied "
            "impacts not assessed",
        )
    ]
    note = f"{access} access; grid of {zone.zone}; network equipment embodied not assessed"
    if derived:
        bpt = _sv(_data()["bytes_per_token"])
        assert bpt is not None
        sources += bpt.sources
        note += f"; bytes derived from tokens ({bpt.value:g} bytes per token, text only)"
        warnings.append(
            CodedWarning(
                WarningCode.BYTES_FROM_TOKENS,
                f"network: bytes derived from the tokens ({bpt.value:g} bytes per token of "
                "text); protocol overhead and page assets not counted (give --bytes)",
            )
        )
    return EndToEndLayer(
        Layer.NETWORK.value,
        access,
        float(gb.value),
        "GB",
        energy,
        _usage(energy, zone),
        {crit: None for crit, _ in _CRITERIA},
        sources=[*sources, *zone.sources],
        warnings=warnings,
        note=note,
        quantity_range=gb,
    )


def device_layer(
    device: str, seconds: Range | float, *, location: str | None = None
) -> EndToEndLayer:
    """The user's device layer: ``seconds`` on a ``device`` preset (usage and embodied share)."""
    presets = _data()["devices"]
    if device not in presets:
        raise ConfigError(f"unknown device {device!r}: use one of {', '.join(DEVICES)}")
    t = as_range(seconds)
    if not t.low >= 0:
        raise ConfigError(f"device seconds must be >= 0, got {t.low:g}")
    p = presets[device]
    power = _sv(p["power_w"])
    life = _sv(p["lifetime_hours"])
    ratio = _sv(p["use_time_ratio"])
    assert power is not None and life is not None and ratio is not None
    energy = power.range * t / J_PER_KWH
    zone = _zone(location)
    sources = [*power.sources, *life.sources, *ratio.sources]
    # seconds of use over the device's life; a longer life spreads the manufacturing thinner
    use_s = life.range * ratio.range * 3600.0
    share = Range(
        t.value / use_s.value,
        t.low / use_s.high,
        t.high / use_s.low,
    )
    embodied: dict[str, Range | None] = {}
    missing = []
    for crit, _ in _CRITERIA:
        sv = _sv(p["embodied"][crit])
        if sv is None:
            embodied[crit] = None
            missing.append(crit)
        else:
            embodied[crit] = sv.range * share
            sources += sv.sources
    note = f"{p['name']}; grid of {zone.zone}"
    if missing:
        note += f"; embodied {', '.join(missing)} not assessed (no sourced value)"
    return EndToEndLayer(
        Layer.DEVICE.value,
        device,
        float(t.value),
        "s",
        energy,
        _usage(energy, zone),
        embodied,
        sources=[*sources, *zone.sources],
        note=note,
        quantity_range=t,
    )
