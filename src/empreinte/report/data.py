"""Attach data components (storage, transfer; :mod:`empreinte.impacts.data`) to a report."""

from __future__ import annotations

from collections.abc import Sequence

from empreinte.impacts.data import DataComponent
from empreinte.report.models import DataItem, Report, SourceRef, WarningItem

__all__ = ["attach_data_items"]


def attach_data_items(report: Report, components: Sequence[DataComponent]) -> Report:
    """``report`` with ``components`` appended to ``report.data``, their coded warnings to
    ``report.warnings`` and their sources to the provenance."""
    if not components:
        return report
    from empreinte.factors._base import load_sources

    known = load_sources()
    items = [DataItem.model_validate(c.to_dict()) for c in components]
    warnings = list(report.warnings)
    seen = {(w.code, w.message) for w in warnings}
    for c in components:
        for w in c.warnings:
            if (str(w.code), w.message) not in seen:
                seen.add((str(w.code), w.message))
                warnings.append(WarningItem(code=str(w.code), message=w.message))
    refs = list(report.provenance.sources)
    have = {s.id for s in refs}
    for c in components:
        for sid in c.sources:
            if sid not in have:
                have.add(sid)
                s = known.get(sid)
                refs.append(
                    SourceRef(id=sid, title=s.title if s else None, url=s.url if s else None)
                )
    prov = report.provenance.model_copy(update={"sources": refs})
    return report.model_copy(
        update={"data": [*report.data, *items], "warnings": warnings, "provenance": prov}
    )
