"""Impacts of data: storage (datasets, checkpoints) and network transfer.

    storage energy   = TB × years × replicas × e_medium × PUE         (kWh, facility boundary)
    storage embodied = TB × years × replicas × m_medium / drive_lifetime  (kgCO2e)
    transfer energy  = GB × network intensity                          (kWh, no PUE)
    GWP usage        = energy × grid factor of the location

``e_medium`` (kWh per TB-year), ``m_medium`` (kgCO2e per TB), the drive lifetime and the
network intensity (kWh/GB) are sourced ranges in ``factors/data/storage_network.json``. A
medium without a sourced factor (tape) is *not assessed*: its energy and impacts are ``None``
with a coded warning, never zero. These components are reported beside the compute footprint
(``report.data``), each labelled, not folded into the compute energy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from empreinte.errors import CodedWarning, ConfigError, WarningCode
from empreinte.factors._base import SourcedValue, read_data_text
from empreinte.ranges import Range, as_range

__all__ = [
    "MEDIA",
    "DataComponent",
    "data_components",
    "data_from_counters",
    "storage_impacts",
    "transfer_impacts",
]

MEDIA = ("hdd", "ssd", "tape")
Medium = Literal["hdd", "ssd", "tape"]
BYTES_PER_TB = 1e12
BYTES_PER_GB = 1e9
SECONDS_PER_YEAR = 365 * 24 * 3600.0


@cache
def _factors() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(read_data_text("storage_network.json"))
    return raw


def _sv(d: dict[str, Any] | None) -> SourcedValue | None:
    return None if d is None else SourcedValue.model_validate(d)


def storage_factor(medium: str, key: str) -> SourcedValue | None:
    """A medium's ``energy_kwh_per_tb_year`` or ``embodied_gwp_kgco2e_per_tb`` (None: unsourced)."""
    media = _factors()["storage"]
    if medium not in media:
        raise ConfigError(f"unknown storage medium {medium!r}: use one of {', '.join(MEDIA)}")
    return _sv(media[medium][key])


def network_intensity() -> SourcedValue:
    sv = _sv(_factors()["network_kwh_per_gb"])
    assert sv is not None
    return sv


def drive_lifetime() -> SourcedValue:
    sv = _sv(_factors()["drive_lifetime_years"])
    assert sv is not None
    return sv


@dataclass
class DataComponent:
    """One labelled data component: its quantity, energy and GWP (usage, embodied), or None
    where not assessed."""

    component: Literal["storage", "transfer"]
    name: str
    quantity: float
    unit: Literal["TB-year", "GB"]
    energy_kwh: Range | None
    gwp_usage_kgco2e: Range | None
    gwp_embodied_kgco2e: Range | None = None
    medium: str | None = None
    replicas: float | None = None
    sources: list[str] = field(default_factory=list)
    warnings: list[CodedWarning] = field(default_factory=list)
    note: str | None = None

    @property
    def gwp_kgco2e(self) -> Range | None:
        parts = [p for p in (self.gwp_usage_kgco2e, self.gwp_embodied_kgco2e) if p is not None]
        if not parts:
            return None
        out = parts[0]
        for p in parts[1:]:
            out = out + p
        return out

    def to_dict(self) -> dict[str, object]:
        """The fields of a report :class:`~empreinte.report.models.DataItem` (JSON-ready)."""

        def r(x: Range | None) -> dict[str, Any] | None:
            return None if x is None else x.to_dict()

        gwp = self.gwp_kgco2e
        out: dict[str, object] = {
            "component": self.component,
            "name": self.name,
            "quantity": self.quantity,
            "unit": self.unit,
            "medium": self.medium,
            "replicas": self.replicas,
            "energy_kwh": r(self.energy_kwh),
            "gwp_kgco2e": None
            if gwp is None
            else {
                "usage": r(self.gwp_usage_kgco2e),
                "embodied": r(self.gwp_embodied_kgco2e),
                "total": r(gwp),
            },
            "sources": list(dict.fromkeys(self.sources)),
            "note": self.note,
        }
        return {k: v for k, v in out.items() if v is not None}


def _grid(location: str | None) -> tuple[Range, tuple[str, ...]]:
    from empreinte.factors.grid import resolve_location

    z = resolve_location(location).zone
    return z.gwp_kgco2e_per_kwh, z.sources


def storage_impacts(
    tb: float,
    years: float,
    *,
    replicas: float = 1.0,
    medium: str = "hdd",
    location: str | None = None,
    pue: Range | float = 1.0,
    name: str = "storage",
) -> DataComponent:
    """Storage of ``tb`` terabytes for ``years``, ``replicas`` copies, on ``medium``."""
    for label, v in (("size (TB)", tb), ("retention (years)", years)):
        if not v >= 0:
            raise ConfigError(f"{name}: {label} must be >= 0, got {v}")
    if not replicas >= 1:
        raise ConfigError(f"{name}: replicas must be >= 1, got {replicas}")
    tb_years = tb * years * replicas
    energy_f = storage_factor(medium, "energy_kwh_per_tb_year")
    emb_f = storage_factor(medium, "embodied_gwp_kgco2e_per_tb")
    warnings: list[CodedWarning] = []
    sources: list[str] = []
    energy = usage = embodied = None
    if energy_f is None:
        warnings.append(
            CodedWarning(
                WarningCode.DATA_NOT_ASSESSED,
                f"{name}: no sourced energy factor for {medium} storage: not assessed (not zero)",
            )
        )
    else:
        energy = energy_f.range * tb_years * as_range(pue)
        grid, gsrc = _grid(location)
        usage = energy * grid
        sources += [*energy_f.sources, *gsrc]
    if emb_f is None:
        warnings.append(
            CodedWarning(
                WarningCode.DATA_NOT_ASSESSED,
                f"{name}: no sourced embodied factor for {medium} storage: not assessed",
            )
        )
    else:
        life = drive_lifetime()
        # a longer drive life spreads the manufacturing thinner: divide low by high and back
        per_tb_year = Range(
            emb_f.range.value / life.range.value,
            emb_f.range.low / life.range.high,
            emb_f.range.high / life.range.low,
        )
        embodied = per_tb_year * tb_years
        sources += [*emb_f.sources, *life.sources]
    return DataComponent(
        "storage",
        name,
        tb_years,
        "TB-year",
        energy,
        usage,
        embodied,
        medium=medium,
        replicas=replicas,
        sources=sources,
        warnings=warnings,
        note=f"{tb:g} TB × {years:g} year(s) × {replicas:g} replica(s) on {medium}",
    )


def transfer_impacts(gb: float, *, location: str | None = None) -> DataComponent:
    """Network transfer of ``gb`` gigabytes at the average intensity (kWh/GB)."""
    if not gb >= 0:
        raise ConfigError(f"transfer (GB) must be >= 0, got {gb}")
    f = network_intensity()
    energy = f.range * gb
    grid, gsrc = _grid(location)
    return DataComponent(
        "transfer",
        "transfer",
        gb,
        "GB",
        energy,
        energy * grid,
        None,
        sources=[*f.sources, *gsrc],
        warnings=[
            CodedWarning(
                WarningCode.NETWORK_AVERAGE_INTENSITY,
                "transfer: average network intensity (kWh/GB), not the marginal energy of the "
                "extra traffic; the range spans a factor of 60; network equipment embodied "
                "impacts not assessed",
            )
        ],
        note="core and fixed-line access networks; the grid of the location is assumed",
    )


def data_components(
    *,
    dataset_tb: float | None = None,
    checkpoints_tb: float | None = None,
    retention_years: float | None = None,
    replicas: float = 1.0,
    medium: str = "hdd",
    transfer_gb: float | None = None,
    location: str | None = None,
    pue: Range | float = 1.0,
) -> list[DataComponent]:
    """The storage and transfer components asked for (none when nothing is given)."""
    out: list[DataComponent] = []
    for name, tb in (("dataset", dataset_tb), ("checkpoints", checkpoints_tb)):
        if tb is None:
            continue
        if retention_years is None:
            raise ConfigError(f"{name} size given without a retention period (years)")
        out.append(
            storage_impacts(
                tb,
                retention_years,
                replicas=replicas,
                medium=medium,
                location=location,
                pue=pue,
                name=name,
            )
        )
    if transfer_gb is not None:
        out.append(transfer_impacts(transfer_gb, location=location))
    return out


def data_from_counters(
    counters: dict[str, float],
    duration_s: float,
    *,
    location: str | None = None,
    pue: Range | float = 1.0,
    medium: str = "hdd",
) -> list[DataComponent]:
    """``track()`` counters ``bytes_stored`` (held for the run's duration, or for
    ``storage_retention_years`` when counted) and ``bytes_transferred`` as components."""
    out: list[DataComponent] = []
    stored = counters.get("bytes_stored")
    if stored is not None:
        years = counters.get("storage_retention_years", duration_s / SECONDS_PER_YEAR)
        out.append(
            storage_impacts(
                stored / BYTES_PER_TB,
                years,
                replicas=counters.get("storage_replicas", 1.0),
                medium=medium,
                location=location,
                pue=pue,
                name="stored",
            )
        )
    moved = counters.get("bytes_transferred")
    if moved is not None:
        out.append(transfer_impacts(moved / BYTES_PER_GB, location=location))
    return out
