"""``co2_eq_emissions`` in a Hugging Face model card (``<output_dir>/README.md``).

:func:`write_model_card` adds (or replaces) the ``co2_eq_emissions`` key of the card's YAML
metadata and keeps everything else: the other metadata keys, their order and the card's text.
A missing card is created with the metadata and a short "Environmental impact" section. The
values come from :func:`empreinte.report.exporters.hf.co2_eq_emissions` (emissions in grams of
CO2e, source, training_type, geographical_location, hardware_used).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from empreinte.errors import ConfigError
from empreinte.measure.monitor import write_atomic
from empreinte.report.models import Report

__all__ = ["CARD_FILE", "REPORT_FILE", "read_card", "write_model_card"]

CARD_FILE = "README.md"
REPORT_FILE = "empreinte-report.json"
"""Where the training callbacks write the report, in the trainer's output directory."""


def read_card(path: str | os.PathLike[str]) -> tuple[dict[str, Any], str]:
    """The metadata (YAML front matter) and the text of a model card."""
    import yaml

    text = Path(path).read_text("utf-8")
    if text.startswith("---\n"):
        end = text.find("\n---", 3)
        if end != -1:
            meta = yaml.safe_load(text[4:end]) or {}
            if not isinstance(meta, dict):
                raise ConfigError(f"{path}: the card's metadata is not a mapping")
            body = text[end + 4 :]
            return meta, body[1:] if body.startswith("\n") else body
    return {}, text


def _summary(report: Report, grams: float) -> str:
    energy = report.energy.total_kwh
    return (
        "\n## Environmental impact\n\n"
        f"Measured with empreinte ({report.measurement.method}, "
        f"{report.m_tier}): {energy.value:.4g} kWh ({energy.low:.4g}–{energy.high:.4g}), "
        f"{grams:.4g} g CO2e, stage `{report.lifecycle_stage}`, report `{report.report_id}`.\n"
    )


def write_model_card(
    output_dir: str | os.PathLike[str], report: Report | str | os.PathLike[str] | None = None
) -> Path:
    """Add ``co2_eq_emissions`` to ``<output_dir>/README.md`` (created if absent); its path.

    ``report`` is a :class:`Report`, a report file, or (``None``) ``<output_dir>/``
    :data:`REPORT_FILE`. Raises :class:`~empreinte.errors.ReportError` when the report has no
    GWP impact (nothing to write)."""
    import yaml

    from empreinte.report.exporters.hf import co2_eq_emissions

    out = Path(output_dir)
    if not isinstance(report, Report):
        source = Path(report) if report is not None else out / REPORT_FILE
        if not source.is_file():
            raise ConfigError(f"no report to put in the model card: {source} does not exist")
        report = Report.model_validate_json(source.read_text("utf-8"))
    co2 = co2_eq_emissions(report)
    card = out / CARD_FILE
    if card.is_file():
        meta, body = read_card(card)
    else:
        meta, body = {}, _summary(report, co2["emissions"])
    meta["co2_eq_emissions"] = co2
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(card, f"---\n{front}---\n{body}")
    return card
