"""Building blocks of the reference-data repositories: sources, sourced values, lazy loading.

Every number shipped in ``factors/data`` carries the ids of its sources, resolved against
``sources.json``. A repository reads its file only on first use, and takes an injectable
loader so tests (and users) can supply other data without touching the package.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from empreinte.ranges import Range

__all__ = [
    "DATA_VERSION",
    "Loader",
    "Source",
    "SourcedValue",
    "StrictModel",
    "load_sources",
    "package_loader",
    "read_data_text",
]

DATA_VERSION = "2026.11"
"""Version of the reference data set shipped with this release (recorded in reports)."""

Loader = Callable[[], Any]
"""A zero-argument callable returning the parsed content of a data file."""


class StrictModel(BaseModel):
    """Base for reference-data records: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(StrictModel):
    """A citable source of reference values."""

    id: str
    title: str
    url: str | None = None
    licence: str | None = None
    published: str | None = None  # year or date of the source
    note: str | None = None


class SourcedValue(StrictModel):
    """A value with optional bounds, its unit, and the ids of its sources (at least one)."""

    value: float
    low: float | None = None
    high: float | None = None
    unit: str
    sources: list[str] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _bounds(self) -> SourcedValue:
        lo = self.value if self.low is None else self.low
        hi = self.value if self.high is None else self.high
        if not lo <= self.value <= hi:
            raise ValueError(
                f"bounds must satisfy low <= value <= high, got {lo}, {self.value}, {hi}"
            )
        return self

    @property
    def range(self) -> Range:
        lo = self.value if self.low is None else self.low
        hi = self.value if self.high is None else self.high
        return Range(self.value, lo, hi)


def read_data_text(name: str) -> str:
    """Text of a file shipped in ``empreinte/factors/data``."""
    return resources.files("empreinte.factors").joinpath("data", name).read_text("utf-8")


def package_loader(name: str) -> Loader:
    """A loader for a JSON file shipped in ``empreinte/factors/data``."""

    def load() -> Any:
        return json.loads(read_data_text(name))

    return load


def load_sources(loader: Loader | None = None) -> dict[str, Source]:
    """All sources, by id, from ``sources.json`` (or the given loader).

    The packaged file is parsed once (every report resolves its source ids through it).
    """
    if loader is None:
        return dict(_packaged_sources())
    raw = loader()
    return {s["id"]: Source.model_validate(s) for s in raw["sources"]}


@cache
def _packaged_sources() -> dict[str, Source]:
    raw = package_loader("sources.json")()
    return {s["id"]: Source.model_validate(s) for s in raw["sources"]}
