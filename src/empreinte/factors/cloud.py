"""Cloud regions of AWS, Google Cloud and Azure mapped to grid zones and data-centre presets.

``data/cloud_regions.json`` maps each ``(provider, region)`` to an ISO 3166-1 alpha-3 zone of
the grid file and to the provider's preset in ``data/datacenters.json``. Zones are national:
the grid data has no subnational zones, so ``us-east-1`` resolves to ``USA``.

Location strings take the form ``cloud:PROVIDER:REGION`` (``cloud:aws:eu-west-3``). Provider
names accept common spellings (``gcp``/``google``/``gcloud``, ``azure``/``microsoft``).
"""

from __future__ import annotations

import difflib
from functools import cached_property
from typing import Any

from empreinte.errors import DataError, UnknownKeyError
from empreinte.factors._base import Loader, StrictModel, package_loader

__all__ = [
    "PROVIDER_ALIASES",
    "CloudRegion",
    "CloudRegionRepository",
    "default_repository",
    "list_cloud_regions",
    "parse_cloud_location",
    "resolve_cloud_location",
    "resolve_cloud_region",
]

PROVIDER_ALIASES = {
    "aws": "aws",
    "amazon": "aws",
    "gcp": "gcp",
    "google": "gcp",
    "gcloud": "gcp",
    "google-cloud": "gcp",
    "azure": "azure",
    "microsoft": "azure",
}


class CloudRegion(StrictModel):
    """One cloud region: its grid zone and data-centre preset."""

    provider: str
    region: str
    location: str
    zone: str
    datacenter: str
    sources: list[str]


def _norm_provider(provider: str) -> str:
    p = provider.strip().lower()
    try:
        return PROVIDER_ALIASES[p]
    except KeyError:
        near = difflib.get_close_matches(p, list(PROVIDER_ALIASES), n=3, cutoff=0.5)
        raise UnknownKeyError("cloud provider", provider, near) from None


def parse_cloud_location(location: str) -> tuple[str, str]:
    """``"cloud:aws:eu-west-3"`` -> ``("aws", "eu-west-3")`` (provider normalised)."""
    parts = location.strip().split(":")
    if len(parts) != 3 or parts[0].lower() != "cloud" or not parts[1] or not parts[2]:
        raise UnknownKeyError("cloud location", location, ["cloud:PROVIDER:REGION"])
    return _norm_provider(parts[1]), parts[2].strip().lower()


def _parse(raw: Any) -> dict[tuple[str, str], CloudRegion]:
    out: dict[tuple[str, str], CloudRegion] = {}
    for r in raw["regions"]:
        reg = CloudRegion.model_validate(r)
        key = (reg.provider, reg.region)
        if key in out:
            raise ValueError(f"duplicate cloud region {key}")
        out[key] = reg
    return out


class CloudRegionRepository:
    """Cloud regions from an injectable loader (default: ``data/cloud_regions.json``)."""

    def __init__(self, loader: Loader | None = None) -> None:
        self._loader = loader or package_loader("cloud_regions.json")

    @cached_property
    def _regions(self) -> dict[tuple[str, str], CloudRegion]:
        try:
            return _parse(self._loader())
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"cannot load cloud regions: {exc}") from exc

    def list(self, provider: str | None = None) -> list[CloudRegion]:
        p = None if provider is None else _norm_provider(provider)
        regs = (r for r in self._regions.values() if p is None or r.provider == p)
        return sorted(regs, key=lambda r: (r.provider, r.region))

    def resolve(self, provider: str, region: str) -> CloudRegion:
        p = _norm_provider(provider)
        r = region.strip().lower()
        try:
            return self._regions[(p, r)]
        except KeyError:
            names = [k[1] for k in self._regions if k[0] == p]
            near = difflib.get_close_matches(r, names, n=3, cutoff=0.5)
            raise UnknownKeyError(f"{p} region", region, near) from None

    def resolve_location(self, location: str) -> CloudRegion:
        return self.resolve(*parse_cloud_location(location))


_default: CloudRegionRepository | None = None


def default_repository() -> CloudRegionRepository:
    """The module-level repository over the package file (created on first use)."""
    global _default
    if _default is None:
        _default = CloudRegionRepository()
    return _default


def resolve_cloud_region(provider: str, region: str) -> CloudRegion:
    """``resolve_cloud_region("aws", "eu-west-3")`` -> zone ``FRA``, datacenter ``aws``."""
    return default_repository().resolve(provider, region)


def resolve_cloud_location(location: str) -> CloudRegion:
    """Resolve a ``cloud:PROVIDER:REGION`` location string."""
    return default_repository().resolve_location(location)


def list_cloud_regions(provider: str | None = None) -> list[CloudRegion]:
    return default_repository().list(provider)
