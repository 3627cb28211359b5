"""The report standard (schema ``empreinte.report/1``): models, validation, building, exports.

- :mod:`~empreinte.report.models` — pydantic models (:class:`Report`).
- :mod:`~empreinte.report.validate` — :func:`validate_report`, :func:`load_report`.
- :mod:`~empreinte.report.build` — :func:`make_report` (energy -> full report with impacts).
- :mod:`~empreinte.report.exporters` — Hugging Face, BoAmps, SCI, SPDX 3, CSV, Markdown, HTML.
"""

from __future__ import annotations

from empreinte.report.models import SCHEMA_VERSION, Report
from empreinte.report.validate import load_report, validate_report

__all__ = ["SCHEMA_VERSION", "Report", "load_report", "validate_report"]
