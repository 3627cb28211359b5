"""empreinte: the open observatory of the environmental footprint of AI.

``import empreinte`` is cheap: it loads no vendor SDK, no numpy and no pydantic. The public
names below are resolved on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from empreinte._version import __version__

__all__ = [
    "EmpreinteError",
    "Range",
    "Report",
    "__version__",
    "compute_impacts",
    "track",
]

_LAZY = {
    "EmpreinteError": ("empreinte.errors", "EmpreinteError"),
    "Range": ("empreinte.ranges", "Range"),
    "Report": ("empreinte.report.models", "Report"),
    "compute_impacts": ("empreinte.impacts", "compute_impacts"),
    "track": ("empreinte.measure.monitor", "track"),
}

if TYPE_CHECKING:  # pragma: no cover
    from empreinte.errors import EmpreinteError
    from empreinte.impacts import compute_impacts
    from empreinte.measure.monitor import track
    from empreinte.ranges import Range
    from empreinte.report.models import Report


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'empreinte' has no attribute {name!r}") from None
    import importlib

    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
