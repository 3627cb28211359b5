"""Measure the energy of AI workloads: meters, the monitor, the command wrapper.

One module per meter (``rapl``, ``nvml``, ``amd``, ``fallback``), one row each in
:mod:`empreinte.measure.registry`, behind the protocol of :mod:`empreinte.measure.base`;
:func:`track` (``monitor``) measures a block of code;
:func:`~empreinte.measure.process.run_command` measures a command (``empreinte run``).
Nothing here imports a vendor SDK until a meter is probed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Availability", "EnergySample", "Meter", "Tracker", "default_meters", "track"]

_LAZY = {
    "Availability": "empreinte.measure.base",
    "EnergySample": "empreinte.measure.base",
    "Meter": "empreinte.measure.base",
    "Tracker": "empreinte.measure.monitor",
    "track": "empreinte.measure.monitor",
    "default_meters": "empreinte.measure.doctor",
}

if TYPE_CHECKING:  # pragma: no cover
    from empreinte.measure.base import Availability, EnergySample, Meter
    from empreinte.measure.doctor import default_meters
    from empreinte.measure.monitor import Tracker, track


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'empreinte.measure' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)
