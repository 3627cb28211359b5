"""Sourced defaults of the proxy models, from ``estimate/data/assumptions.json``.

Each default (MFU ranges, power as a fraction of TDP, boundary-layer ratios, batch size) is a
:class:`~empreinte.factors._base.SourcedValue`: a value with bounds, a unit and source ids.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from empreinte.errors import DataError
from empreinte.factors._base import SourcedValue

__all__ = ["assumption", "extra_sources", "read_estimate_data"]


def read_estimate_data(name: str) -> str:
    """Text of a file in ``empreinte/estimate/data``."""
    try:
        return resources.files("empreinte.estimate").joinpath("data", name).read_text("utf-8")
    except OSError as exc:
        raise DataError(f"cannot read estimator data {name!r}: {exc}") from exc


@cache
def _raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(read_estimate_data("assumptions.json"))
    return data


@cache
def assumption(key: str) -> SourcedValue:
    """The sourced default named ``key`` (e.g. ``"training_mfu"``)."""
    raw = _raw()
    if key in ("version", "sources") or key not in raw:
        raise DataError(f"no estimator assumption {key!r}")
    return SourcedValue.model_validate(raw[key])


def extra_sources() -> list[dict[str, str]]:
    """Sources cited by the assumptions that are not in the factor catalog's sources.json."""
    return list(_raw().get("sources", []))
