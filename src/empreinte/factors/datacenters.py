"""Data-centre presets: PUE and on-site WUE (L/kWh) of providers, classes and facilities.

``data/datacenters.json`` holds one record per preset, each number a sourced range. The
``default`` preset applies when nothing is known about where the work ran (Uptime Institute
2024 average PUE 1.56 as central). A preset without a published WUE has
``wue_onsite_l_per_kwh = None``: use :meth:`DatacenterRepository.wue_or_default`.
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
    note: str | None = None


def _parse(raw: Any) -> dict[str, Datacenter]:
    out = {d.id: d for d in (Datacenter.model_validate(r) for r in raw["datacenters"])}
    if DEFAULT_ID not in out:
        raise ValueError(f"no {DEFAULT_ID!r} data-centre preset")
    for d in out.values():
        if d.pue.range.low < 1.0:
            raise ValueError(f"{d.id}: PUE below 1")
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
        key = preset_id.strip().lower()
        try:
            return self._presets[key]
        except KeyError:
            near = difflib.get_close_matches(key, list(self._presets), n=3, cutoff=0.5)
            raise UnknownKeyError("data centre", preset_id, near) from None

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
