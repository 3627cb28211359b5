"""Data-centre presets: PUE and on-site WUE (L/kWh) of providers, classes and facilities.

``data/datacenters.json`` holds one record per preset, each number a sourced range. The
``default`` preset applies when nothing is known about where the work ran (Uptime Institute
2024 average PUE 1.56 as central). A preset without a published WUE has
``wue_onsite_l_per_kwh = None``: use :meth:`DatacenterRepository.wue_or_default`.

An operator's preset may also carry the PUE it published for given years (``pue_by_year``,
each with its source): ``meta:2023`` (or ``meta@2023``) is the ``meta`` preset with its 2023
PUE, for a run on that fleet that year. A year the operator published nothing for is an error
naming the years it did publish: no value is interpolated.
"""

from __future__ import annotations

import difflib
from functools import cached_property
from typing import Any, Literal

from empreinte.errors import DataError, UnknownKeyError
from empreinte.factors._base import Loader, SourcedValue, StrictModel, package_loader

__all__ = [
    "DEFAULT_ID",
    "Datacenter",
    "DatacenterRepository",
    "default_datacenter",
    "default_repository",
    "get_datacenter",
    "list_datacenters",
]

DEFAULT_ID = "default"


class Datacenter(StrictModel):
    """A data-centre preset."""

    id: str
    name: str
    kind: Literal["default", "class", "provider", "facility"]
    pue: SourcedValue
    wue_onsite_l_per_kwh: SourcedValue | None = None
    zone: str | None = None
    """Grid zone of a single facility (a provider's fleet spans several)."""
    operator: str | None = None
    """Who runs a single facility (a provider preset is its own operator)."""
    pue_by_year: dict[str, SourcedValue] | None = None
    """PUE the operator published for a calendar (or fiscal) year, keyed by the year."""
    year: int | None = None
    """Set on the preset returned for ``id:year``: the year whose PUE ``pue`` is."""
    note: str | None = None

    def for_year(self, year: int) -> Datacenter:
        """This preset with the PUE its operator published for ``year``."""
        published = self.pue_by_year or {}
        if str(year) not in published:
            years = ", ".join(sorted(published)) or "none"
            raise UnknownKeyError(
                "PUE year",
                str(year),
                [f"{self.id}:{y}" for y in sorted(published)],
                where=f"data centre {self.id!r} (PUE published for: {years})",
            )
        return self.model_copy(update={"pue": published[str(year)], "year": year})


def _parse(raw: Any) -> dict[str, Datacenter]:
    out = {d.id: d for d in (Datacenter.model_validate(r) for r in raw["datacenters"])}
    if DEFAULT_ID not in out:
        raise ValueError(f"no {DEFAULT_ID!r} data-centre preset")
    for d in out.values():
        for key, v in {"fleet": d.pue, **(d.pue_by_year or {})}.items():
            if v.range.low < 1.0:
                raise ValueError(f"{d.id}: PUE below 1 ({key})")
        for y in d.pue_by_year or {}:
            if not (y.isdigit() and len(y) == 4):
                raise ValueError(f"{d.id}: pue_by_year key {y!r} is not a year")
    return out


class DatacenterRepository:
    """Data-centre presets from an injectable loader (default: ``data/datacenters.json``)."""

    def __init__(self, loader: Loader | None = None) -> None:
        self._loader = loader or package_loader("datacenters.json")

    @cached_property
    def _presets(self) -> dict[str, Datacenter]:
        try:
            return _parse(self._loader())
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"cannot load data-centre presets: {exc}") from exc

    def get(self, preset_id: str) -> Datacenter:
        """A preset by id; ``id:year`` (or ``id@year``) gives its PUE of that year."""
        key, sep, year = preset_id.strip().lower().replace("@", ":").partition(":")
        try:
            preset = self._presets[key]
        except KeyError:
            near = difflib.get_close_matches(key, list(self._presets), n=3, cutoff=0.5)
            raise UnknownKeyError("data centre", preset_id, near) from None
        if not sep:
            return preset
        if not year.strip().isdigit():
            raise UnknownKeyError("data-centre year (id:YYYY)", preset_id, [key])
        return preset.for_year(int(year))

    def list(self) -> list[Datacenter]:
        return sorted(self._presets.values(), key=lambda d: d.id)

    def default(self) -> Datacenter:
        return self._presets[DEFAULT_ID]

    def wue_or_default(self, preset: Datacenter) -> SourcedValue:
        """The preset's on-site WUE, or the default preset's when it has none."""
        wue = preset.wue_onsite_l_per_kwh or self.default().wue_onsite_l_per_kwh
        if wue is None:
            raise DataError("the default data-centre preset has no WUE")
        return wue


_default: DatacenterRepository | None = None


def default_repository() -> DatacenterRepository:
    """The module-level repository over the package file (created on first use)."""
    global _default
    if _default is None:
        _default = DatacenterRepository()
    return _default


def get_datacenter(preset_id: str) -> Datacenter:
    return default_repository().get(preset_id)


def list_datacenters() -> list[Datacenter]:
    return default_repository().list()


def default_datacenter() -> Datacenter:
    return default_repository().default()
