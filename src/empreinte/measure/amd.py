"""AMD GPUs through AMD SMI (the ``amdsmi`` package, ROCm's ``libamd_smi.so``).

The energy accumulator (``amdsmi_get_energy_count``: ``energy_accumulator`` ticks of
``counter_resolution`` µJ) is read per GPU. It is validated once against the reported power:
after at least :data:`VALIDATE_AFTER_S`, the counter's mean power must agree with
``amdsmi_get_power_info`` within a factor of two, else a ``meter-failed`` warning says the
counter's resolution looks wrong. On dual-die boards (MI250/MI250X) the even index reports
both dies and the odd one reads zero: the odd die is dropped and the even one counts both.

Visible GPUs follow ``ROCR_VISIBLE_DEVICES`` / ``HIP_VISIBLE_DEVICES`` (indices).
``amdsmi`` is imported on first probe only; it raises at import where the library is missing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from empreinte.errors import CodedWarning, MeterUnavailable, WarningCode
from empreinte.measure.base import CounterAccumulator
from empreinte.measure.registry import spec
from empreinte.measure.sdk import SdkMeter, import_sdk

__all__ = ["VALIDATE_AFTER_S", "AmdMeter"]

VALIDATE_AFTER_S = 1.0

amdsmi: Any = None
"""The vendor module, bound on first use (tests replace it with an autospec'd mock)."""


_IMPORT_FAILED: MeterUnavailable | None = None

_SPEC = spec("amd")
_DRIVER_NODES = _SPEC.nodes


def _driver_present() -> bool:
    """On Linux, whether the amdgpu driver is loaded (a cheap check before importing)."""
    return _SPEC.present(_DRIVER_NODES)


def _sdk() -> Any:
    global amdsmi, _IMPORT_FAILED
    if _IMPORT_FAILED is not None:  # a failed import is slow and will fail again: once only
        raise _IMPORT_FAILED
    if amdsmi is None:
        if not _driver_present():
            raise _SPEC.unavailable(_DRIVER_NODES)
        try:  # its loader prints to stdout when the library is missing: keep ours clean
            # KeyError, OSError: libamd_smi.so missing
            amdsmi = import_sdk(_SPEC, (ImportError, KeyError, OSError), quiet=True)
        except MeterUnavailable as exc:
            _IMPORT_FAILED = exc
            raise
    return amdsmi


def _visible() -> set[int] | None:
    for var in ("ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"):
        value = os.environ.get(var)
        if value is not None:
            return {int(v) for v in value.split(",") if v.strip().isdigit()}
    return None


class AmdMeter(SdkMeter):
    """Energy per AMD GPU (method ``hw_counter``; channels ``gpu:<index>``)."""

    name = "amd"
    vendor = "AMD SMI"
    init_call = "amdsmi_init"
    shutdown_call = "amdsmi_shut_down"
    error_class = "AmdSmiException"
    none_visible = "no AMD GPU visible"

    def __init__(self) -> None:
        super().__init__()
        self._acc: dict[str, CounterAccumulator] = {}
        self._start: dict[str, tuple[float, float]] = {}
        self._validated = False

    def _sdk(self) -> Any:
        return _sdk()

    def _describe(self, handles: Mapping[str, Any]) -> str:
        return f"{len(handles)} GPU(s), energy counter"

    def _joules(self, h: Any) -> float:
        info = self._call("amdsmi_get_energy_count", h)
        return float(info["energy_accumulator"]) * float(info["counter_resolution"]) / 1e6

    def _open_devices(self) -> dict[str, Any]:
        visible = _visible()
        all_handles = list(self._call("amdsmi_get_processor_handles"))
        first = {i: self._joules(h) for i, h in enumerate(all_handles)}
        handles: dict[str, Any] = {}
        now = time.monotonic()
        for i, h in enumerate(all_handles):
            if visible is not None and i not in visible:
                continue
            if i % 2 == 1 and first[i] == 0.0 and first.get(i - 1, 0.0) > 0.0:
                self.warnings.append(
                    CodedWarning(
                        WarningCode.METER_FAILED,
                        f"gpu:{i} reads no energy: dual-die board, counted with gpu:{i - 1}",
                    )
                )
                continue
            channel = f"gpu:{i}"
            handles[channel] = h
            self._acc[channel] = CounterAccumulator()
            self._acc[channel].update(first[i])
            self._start[channel] = (now, first[i])
        return handles

    def _validate(self, channel: str, h: Any, now: float, joules: float) -> None:
        t0, e0 = self._start[channel]
        if now - t0 < VALIDATE_AFTER_S:
            return
        self._validated = True
        info = self._call("amdsmi_get_power_info", h)
        reported = info.get("average_socket_power", info.get("current_socket_power"))
        if not isinstance(reported, int | float) or reported <= 0:
            return
        counted = (joules - e0) / (now - t0)
        if not 0.5 <= counted / reported <= 2.0:
            self.warnings.append(
                CodedWarning(
                    WarningCode.METER_FAILED,
                    f"{channel}: energy counter gives {counted:.0f} W but the GPU reports "
                    f"{reported:.0f} W; the counter resolution may be wrong",
                )
            )

    def _device_joules(self, channel: str, handle: Any, now: float) -> float:
        raw = self._joules(handle)
        joules = self._acc[channel].update(raw)
        if not self._validated:
            self._validate(channel, handle, now, raw)
        return joules
