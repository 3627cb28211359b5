"""Helpers shared by the exporters: unit conversion, stage names, formatting."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from empreinte.report.models import Estimate, Impacts, PhaseSplit, Remote, Report
from empreinte.vocabulary import CRITERIA, PHASES, Criterion

__all__ = [
    "CRITERION_LABELS",
    "G_PER_KG",
    "PHASES",
    "REMOTE_CRITERIA_HEAD",
    "REMOTE_MODEL_HEAD",
    "REMOTE_NOTE",
    "Exported",
    "fmt",
    "fmt_estimate",
    "grid_gwp_kgco2e_per_kwh",
    "hardware_summary",
    "iter_criteria",
    "remote_tables",
    "spreadsheet_safe",
    "utc_seconds",
]


@dataclass(frozen=True, slots=True)
class Exported:
    """An exported report: its ``content``, ``media_type`` and file ``extension`` (no dot)."""

    content: str | bytes
    media_type: str
    extension: str


G_PER_KG = 1000.0
"""Grams per kilogram: the one conversion constant of the exporters."""

CRITERION_LABELS: dict[str, tuple[str, str]] = {c.value: (c.label, c.unit) for c in Criterion}
"""Report criterion key -> (label, unit), from :class:`empreinte.vocabulary.Criterion`."""


def iter_criteria(impacts: Impacts) -> Iterator[tuple[str, PhaseSplit]]:
    """``(criterion key, PhaseSplit)`` for each criterion assessed, in the vocabulary's order."""
    for key in CRITERIA:
        split: PhaseSplit | None = getattr(impacts, key)
        if split is not None:
            yield key, split


def fmt(x: float | None, digits: int = 4) -> str:
    """A number with ``digits`` significant digits (``-`` for a value not assessed)."""
    if x is None:
        return "-"
    return f"{x:.{digits}g}"


def fmt_estimate(e: Estimate | None, digits: int = 4) -> str:
    """``value [low–high]``, or just the value when the bounds are equal."""
    if e is None:
        return "-"
    if e.low == e.high:
        return fmt(e.value, digits)
    return f"{fmt(e.value, digits)} [{fmt(e.low, digits)}–{fmt(e.high, digits)}]"


def hardware_summary(report: Report) -> str:
    """``"8 x NVIDIA H100 SXM, 2 x AMD EPYC 9654"`` (empty when no hardware is listed)."""
    parts = []
    for h in report.hardware:
        n = int(h.count) if float(h.count).is_integer() else h.count
        parts.append(f"{n} x {h.name}")
    return ", ".join(parts)


def grid_gwp_kgco2e_per_kwh(report: Report) -> Estimate | None:
    """The grid carbon intensity used, read back from ``provenance.explain`` (None if absent)."""
    for step in report.provenance.explain:
        if step.name == "grid_gwp_kgco2e_per_kwh" and step.value is not None:
            v = step.value
            low = v if step.low is None else step.low
            return Estimate(value=v, low=low, high=v if step.high is None else step.high)
    return None


def utc_seconds(dt: datetime) -> datetime:
    """``dt`` in UTC without microseconds (naive datetimes are taken as UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).replace(microsecond=0)


_TRIGGERS = ("=", "+", "-", "@")
_INNER_FORMULA = re.compile(r"([\r\n])(?=[ \t]*[=+\-@])")


def spreadsheet_safe(text: str) -> str:
    """``text`` that no spreadsheet evaluates as a formula (CSV injection).

    A cell whose first non-blank character (spaces, tabs and line breaks skipped) is
    ``= + - @``, or that starts with a tab or CR, gets a leading ``'`` (shown as typed); so does
    every later line starting with one of them, since a reader splitting rows on a lone CR or
    LF would take it for a new row.
    """
    if not text:
        return text
    if text[0] in "\t\r" or text.lstrip(" \t\r\n")[:1] in _TRIGGERS:
        text = "'" + text
    if "\r" in text or "\n" in text:
        text = _INNER_FORMULA.sub(r"\1'", text)
    return text


REMOTE_NOTE = (
    "Estimated ({method}, tier M4) from the tokens the providers reported; beside the measured "
    "footprint above, not included in it."
)
REMOTE_MODEL_HEAD = [
    "provider",
    "model",
    "calls",
    "not estimated",
    "input tokens",
    "output tokens",
    "reasoning tokens",
    "energy (kWh)",
    "GWP (kgCO2e)",
]
REMOTE_CRITERIA_HEAD = ["criterion", "unit", "usage", "embodied", "end of life", "total"]


def remote_tables(remote: Remote) -> tuple[str, list[list[str]], list[list[str]]]:
    """The ``remote`` block (API calls) as a note, one row per model and one per criterion
    (energy first); shared by the Markdown and HTML summaries."""
    models = []
    for m in remote.models:
        gwp = m.impacts.gwp_kgco2e
        models.append(
            [
                m.provider,
                m.model
                + (f" ({m.catalog_id})" if m.catalog_id and m.catalog_id != m.model else ""),
                f"{m.calls:,}",
                f"{m.calls_unestimated:,}"
                + (f" ({m.calls_without_usage:,} no usage)" if m.calls_without_usage else ""),
                f"{m.input_tokens:,.0f}" + (" (partial)" if m.calls_input_unknown else ""),
                f"{m.output_tokens:,.0f}",
                f"{m.reasoning_tokens:,.0f}",
                fmt_estimate(m.energy_kwh) if m.energy_kwh is not None else "-",
                fmt_estimate(gwp.total) if gwp is not None else "-",
            ]
        )
    criteria = [
        ["energy (IT)", "kWh", "-", "-", "-", fmt_estimate(remote.energy_kwh)],
        ["energy (facility, × PUE)", "kWh", "-", "-", "-", fmt_estimate(remote.facility_kwh)],
    ]
    for key, split in iter_criteria(remote.impacts):
        label, unit = CRITERION_LABELS[key]
        phases = [fmt_estimate(getattr(split, p)) for p in PHASES]
        criteria.append([label, unit, *phases, fmt_estimate(split.total)])
    calls = f"{remote.calls:,} call" + ("s" if remote.calls != 1 else "")
    if remote.calls_without_usage:
        calls += (
            f" ({remote.calls_without_usage:,} reported no usage: not estimated, "
            "left out of the token totals)"
        )
    return f"{calls}. " + REMOTE_NOTE.format(method=remote.method), models, criteria
