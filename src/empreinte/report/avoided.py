"""Avoided impacts beside the footprint, and the net balance only on request.

A report's ``avoided`` claims (:class:`~empreinte.report.models.Avoided`) are the publisher's,
declared with the method of ITU-T L.1480 (12/2022). empreinte shows them next to the footprint
and never subtracts them silently. :func:`net_balance` computes ``footprint − avoided`` for
one criterion when asked, with bounds that keep the worst case (``low`` = lowest footprint −
highest avoided), and refuses when a claim is tier 3: L.1480 treats tier 3 as a screening
estimate unfit for public claims, so it cannot offset a footprint.
"""

from __future__ import annotations

from dataclasses import dataclass

from empreinte.errors import ReportError
from empreinte.report.models import Avoided, Estimate, Report

__all__ = ["NetBalance", "avoided_total", "net_balance"]


@dataclass(frozen=True, slots=True)
class NetBalance:
    """``footprint − avoided`` for one criterion, with the claims it used."""

    criterion: str
    footprint: Estimate
    avoided: Estimate
    net: Estimate
    claims: tuple[Avoided, ...]
    label: str


def avoided_total(report: Report, criterion: str = "gwp_kgco2e") -> Estimate | None:
    """The sum of the report's claims for ``criterion`` (None when it has none)."""
    claims = [a for a in report.avoided if a.criterion == criterion]
    if not claims:
        return None
    return Estimate(
        value=sum(a.value.value for a in claims),
        low=sum(a.value.low for a in claims),
        high=sum(a.value.high for a in claims),
    )


def net_balance(report: Report, criterion: str = "gwp_kgco2e") -> NetBalance:
    """The labelled net balance of ``criterion``; a :class:`ReportError` naming the field when
    there is no footprint, no claim, or a tier-3 claim."""
    claims = tuple(a for a in report.avoided if a.criterion == criterion)
    if not claims:
        raise ReportError(
            f"no avoided {criterion} declared: nothing to balance", [("avoided", "no claim")]
        )
    tier3 = [i for i, a in enumerate(report.avoided) if a in claims and a.tier == "tier-3"]
    if tier3:
        raise ReportError(
            "no net balance with an ITU-T L.1480 tier-3 claim (a screening estimate, "
            "not fit to offset a footprint)",
            [(f"avoided.{i}.tier", "tier-3") for i in tier3],
        )
    split = getattr(report.impacts, criterion, None)
    if split is None:
        raise ReportError(
            f"the report has no {criterion} footprint to balance",
            [(f"impacts.{criterion}", "missing")],
        )
    foot: Estimate = split.total
    avoided = avoided_total(report, criterion)
    assert avoided is not None
    net = Estimate(
        value=foot.value - avoided.value,
        low=foot.low - avoided.high,
        high=foot.high - avoided.low,
    )
    tiers = ", ".join(sorted({a.tier for a in claims}))
    label = (
        f"net balance on request: footprint minus avoided {criterion} declared by the "
        f"publisher (ITU-T L.1480 {tiers}); not verified by empreinte"
    )
    return NetBalance(criterion, foot, avoided, net, claims, label)
