"""The data-centre registry's dicts, served by ``/api/v1/datacenters`` and ``/datacenters``."""

from __future__ import annotations

from typing import Any

from empreinte.observatory.storage import registry
from empreinte.observatory.storage.errors import NotFound
from empreinte.observatory.views.reports import Sessions

__all__ = ["site_detail", "site_list"]


def _summary(d: registry.DatacenterDecl) -> dict[str, Any]:
    latest = d.years[-1]
    return {
        "id": d.id,
        "name": d.name,
        "operator": d.operator,
        "kind": d.kind,
        "zone": d.zone,
        "latest_year": latest.year,
        "pue": None if latest.pue is None else latest.pue.model_dump(),
        "wue_l_per_kwh": None
        if latest.wue_l_per_kwh is None
        else latest.wue_l_per_kwh.model_dump(),
        "url": f"/datacenters/{d.id}",
    }


def site_list(sessions: Sessions) -> dict[str, Any]:
    """The registry, one summary per data centre, and the KPIs it reports."""
    with sessions() as s:
        sites = registry.list_sites(s)
    return {"datacenters": [_summary(d) for d in sites], "kpis": registry.KPIS}


def site_detail(sessions: Sessions, site_id: str) -> dict[str, Any]:
    """One data centre, whole, with the reports that ran there (404 when unknown)."""
    with sessions() as s:
        site = registry.get_site(s, site_id)
        reports = registry.site_reports(s, site_id) if site else []
    if site is None:
        raise NotFound(f"no data centre {site_id!r} in the registry")
    return {
        "datacenter": site.model_dump(exclude_none=True),
        "kpis": registry.KPIS,
        "reports": [r | {"url": f"/reports/{r['report_id']}"} for r in reports],
    }
