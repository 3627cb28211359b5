"""Export a report to other formats: one small module per format, one registry.

>>> exported = export_report(report, "hf")          # doctest: +SKIP
>>> exported.media_type, exported.extension          # doctest: +SKIP
('text/markdown', 'md')

Formats (:data:`FORMATS`): ``hf`` (Hugging Face model card ``co2_eq_emissions``), ``boamps``
(Boavizta's BoAmps JSON), ``sci`` (Software Carbon Intensity per functional unit), ``spdx``
(SPDX 3 AI energy consumption, JSON-LD), ``csv`` (one flat row), ``md`` (Markdown summary),
``html`` (self-contained HTML summary), ``ai-act`` (the energy and compute part of the AI
Act's documentation of general-purpose AI models), ``l1801`` (ITU-T L.1801 life-cycle
assessment structure). The mapping of each is documented in ``docs/report.md``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from empreinte.errors import ConfigError
from empreinte.report.exporters._common import Exported
from empreinte.report.exporters.csv_row import CSV_COLUMNS, csv_row
from empreinte.report.models import Report

__all__ = ["CSV_COLUMNS", "FORMATS", "Exported", "csv_row", "export_report"]


FORMATS: dict[str, str] = {
    "hf": "hf",
    "boamps": "boamps",
    "sci": "sci",
    "spdx": "spdx",
    "csv": "csv_row",
    "md": "markdown_summary",
    "html": "html_summary",
    "ai-act": "ai_act",
    "l1801": "l1801",
}
"""Format name -> module of :mod:`empreinte.report.exporters` exposing ``export(report)``."""


def export_report(report: Report, fmt: str) -> Exported:
    """``report`` in format ``fmt`` (one of :data:`FORMATS`)."""
    module = FORMATS.get(fmt)
    if module is None:
        raise ConfigError(f"unknown export format {fmt!r} (choose from: {', '.join(FORMATS)})")
    mod = importlib.import_module(f"empreinte.report.exporters.{module}")
    export: Callable[[Report], Exported] = mod.export
    return export(report)
