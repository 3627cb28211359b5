"""Where a job runs, resolved and checked once, before anything is measured: a :class:`Site`.

A site is the grid zone (from a zone code or a ``cloud:PROVIDER:REGION`` string), the cloud
provider and region (normalised: ``cloud:Google:europe-west1`` gives provider ``gcp``), the
data-centre preset, the PUE and on-site WUE when they were given, and the coded warnings of
the resolution. :func:`resolve_site` raises a one-line error naming the bad value (an unknown
zone, a PUE below 1) so that ``empreinte run`` refuses before the command starts; the site
is then passed down as an object (monitor, report, impacts) and never re-parsed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from empreinte.errors import CodedWarning, SettingError, UnknownKeyError
from empreinte.ranges import Range, as_range

if TYPE_CHECKING:  # the grid (and pydantic) load when a location is resolved, not on import
    from empreinte.config import Config
    from empreinte.factors.grid import Location

__all__ = ["Site", "check_pue", "check_wue", "resolve_site", "site_from_settings"]

Number = float | Range


def _finite(r: Range) -> bool:
    return all(math.isfinite(float(x)) for x in (r.value, r.low, r.high))


def check_pue(pue: Number | None, setting: str = "pue") -> Number | None:
    """``pue`` if it is a finite number (or range) >= 1, else :class:`SettingError`."""
    if pue is None:
        return None
    if isinstance(pue, bool) or not isinstance(pue, int | float | Range):
        raise SettingError(setting, pue, expected="a finite number >= 1")
    r = as_range(pue)
    if not _finite(r) or float(r.low) < 1:
        raise SettingError(setting, pue, expected="a finite number >= 1")
    return float(pue) if isinstance(pue, int | float) else pue


def check_wue(wue: Number | None, setting: str = "wue") -> Number | None:
    """``wue`` (L/kWh) if it is a finite number (or range) >= 0, else :class:`SettingError`."""
    if wue is None:
        return None
    if isinstance(wue, bool) or not isinstance(wue, int | float | Range):
        raise SettingError(setting, wue, expected="a finite number >= 0 (L/kWh)")
    r = as_range(wue)
    if not _finite(r) or float(r.low) < 0:
        raise SettingError(setting, wue, expected="a finite number >= 0 (L/kWh)")
    return float(wue) if isinstance(wue, int | float) else wue


@dataclass(frozen=True)
class Site:
    """A resolved, checked place of work (see the module docstring).

    ``pue``/``wue_l_per_kwh`` are the values *given* (``None``: the data-centre preset's, else
    the documented default, chosen by the impact engine with a coded warning)."""

    query: str | None
    zone: str
    provider: str | None = None
    region: str | None = None
    datacenter: str | None = None
    pue: Number | None = None
    wue_l_per_kwh: Number | None = None
    warnings: tuple[CodedWarning, ...] = ()
    _location: Location | None = field(default=None, repr=False, compare=False)

    @property
    def location(self) -> Location:
        """The grid location (zone factors); resolved lazily for an unknown location."""
        if self._location is not None:
            return self._location
        from empreinte.factors.grid import resolve_location

        return resolve_location(self.query)

    def with_(self, **changes: object) -> Site:
        """A copy with ``changes`` (``pue=1.2``...), checked again."""
        new = replace(self, **changes)  # type: ignore[arg-type]
        check_pue(new.pue)
        check_wue(new.wue_l_per_kwh)
        return new


def resolve_site(
    location: str | None = None,
    *,
    pue: Number | None = None,
    wue_l_per_kwh: Number | None = None,
    datacenter: str | None = None,
) -> Site:
    """Resolve and check everything about where a job runs, offline.

    ``location`` ``None`` (or blank) means unknown: the world factor, with the
    ``location-unknown`` warning when impacts are computed. Raises
    :class:`~empreinte.errors.UnknownKeyError` for an unknown zone, region or preset and
    :class:`~empreinte.errors.SettingError` for a PUE below 1 or a negative WUE."""
    check_pue(pue)
    check_wue(wue_l_per_kwh, "wue_l_per_kwh")
    if datacenter is not None:
        from empreinte.factors.datacenters import get_datacenter

        get_datacenter(datacenter)  # raises UnknownKeyError with suggestions
    if location is None or not location.strip():
        return Site(None, "WOR", datacenter=datacenter, pue=pue, wue_l_per_kwh=wue_l_per_kwh)
    from empreinte.factors.grid import resolve_location

    loc = resolve_location(location)
    return Site(
        query=loc.query,
        zone=loc.zone.zone,
        provider=loc.provider,
        region=loc.region,
        datacenter=datacenter or loc.datacenter,
        pue=pue,
        wue_l_per_kwh=wue_l_per_kwh,
        warnings=loc.warnings,
        _location=loc,
    )


def site_from_settings(
    location: str | None = None,
    pue: Number | None = None,
    *,
    wue_l_per_kwh: Number | None = None,
    datacenter: str | None = None,
    config: Config | None = None,
    option_names: tuple[str, str] = ("--location", "--pue"),
) -> Site:
    """:func:`resolve_site` over the ``location`` and ``pue`` settings: the values given win,
    else ``EMPREINTE_LOCATION``/``EMPREINTE_PUE``, else the config files (:mod:`empreinte.config`).

    A bad value is an error naming where it came from (the option, the environment variable
    or the config file): :class:`~empreinte.errors.UnknownKeyError` for an unknown zone or
    region, :class:`~empreinte.errors.SettingError` for a PUE out of range."""
    from empreinte.config import Config

    cfg = config or Config()
    loc = cfg.value("location", location or None, option_names[0])
    p = cfg.value("pue", pue, option_names[1])
    check_pue(p.value, p.origin)  # a range given as an option is checked here, by its name
    try:
        return resolve_site(
            loc.value, pue=p.value, wue_l_per_kwh=wue_l_per_kwh, datacenter=datacenter
        )
    except UnknownKeyError as exc:
        if exc.kind == "data centre":
            raise
        raise UnknownKeyError(exc.kind, exc.key, exc.suggestions, where=loc.origin) from None
