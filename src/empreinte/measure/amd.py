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

import contextlib
import io
import os
import time
from typing import Any

from empreinte.errors import CodedWarning, MeterError, MeterUnavailable, WarningCode
from empreinte.measure.base import (
    AMD_DRIVER_NODES,
    Availability,
    CounterAccumulator,
    EnergySample,
    driver_loaded,
    no_driver,
)
from empreinte.measure.vendor_errors import translate

__all__ = ["VALIDATE_AFTER_S", "AmdMeter"]

VALIDATE_AFTER_S = 1.0

amdsmi: Any = None
"""The vendor module, bound on first use (tests replace it with an autospec'd mock)."""


_IMPORT_FAILED: MeterUnavailable | None = None


_DRIVER_NODES = AMD_DRIVER_NODES


def _driver_present() -> bool:
    """On Linux, whether the amdgpu driver is loaded (a cheap check before importing)."""
    return driver_loaded(_DRIVER_NODES)


def _sdk() -> Any:
    global amdsmi, _IMPORT_FAILED
    if _IMPORT_FAILED is not None:  # a failed import is slow and will fail again: once only
        raise _IMPORT_FAILED
    if amdsmi is None:
        if not _driver_present():
            raise no_driver("amd", _DRIVER_NODES)
        try:  # its loader prints to stdout when the library is missing: keep ours clean
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                import amdsmi as module
        except (ImportError, KeyError, OSError) as exc:  # KeyError: libamd_smi.so missing
            _IMPORT_FAILED = MeterUnavailable(
                "amdsmi or ROCm's libamd_smi.so is not installed",
                "install ROCm's amd-smi-lib and `pip install 'empreinte[amd]'`",
            )
            raise _IMPORT_FAILED from exc
        amdsmi = module
    return amdsmi


def _visible() -> set[int] | None:
    for var in ("ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"):
        value = os.environ.get(var)
        if value is not None:
            return {int(v) for v in value.split(",") if v.strip().isdigit()}
    return None


class AmdMeter:
    """Energy per AMD GPU (method ``hw_counter``; channels ``gpu:<index>``)."""

    name = "amd"
    method = "hw_counter"
    poll_interval_s: float | None = None

    def __init__(self) -> None:
        self.warnings: list[CodedWarning] = []
        self._handles: dict[str, Any] | None = None
        self._acc: dict[str, CounterAccumulator] = {}
        self._start: dict[str, tuple[float, float]] = {}
        self._validated = False
        self._initialised = False

    def _call(self, fn: str, *args: Any) -> Any:
        sdk = _sdk()
        try:
            return getattr(sdk, fn)(*args)
        except sdk.AmdSmiException as exc:
            raise translate(exc, f"AMD SMI {fn}") from exc

    def probe(self) -> Availability:
        return Availability.of_devices(
            self._open, "no AMD GPU visible", lambda hs: f"{len(hs)} GPU(s), energy counter"
        )

    def _joules(self, h: Any) -> float:
        info = self._call("amdsmi_get_energy_count", h)
        return float(info["energy_accumulator"]) * float(info["counter_resolution"]) / 1e6

    def _open(self) -> dict[str, Any]:
        if self._handles is not None:
            return self._handles
        self._call("amdsmi_init")
        self._initialised = True
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
        self._handles = handles
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

    def read(self) -> EnergySample:
        handles = self._open()
        now = time.monotonic()
        energy: dict[str, float] = {}
        for channel, h in handles.items():
            raw = self._joules(h)
            energy[channel] = self._acc[channel].update(raw)
            if not self._validated:
                self._validate(channel, h, now, raw)
        return EnergySample(now, energy)

    def close(self) -> None:
        if self._initialised:
            self._initialised = False
            self._handles = None
            with contextlib.suppress(MeterError):  # the driver may already be gone
                self._call("amdsmi_shut_down")
