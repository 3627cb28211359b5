"""NVIDIA GPUs through NVML (``pynvml`` from the ``nvidia-ml-py`` package).

Per GPU, the total-energy counter (``nvmlDeviceGetTotalEnergyConsumption``, mJ since the driver
loaded, Volta and newer) is read when supported; otherwise power
(``nvmlDeviceGetPowerUsage``, mW) is polled every 0.1 s and integrated by trapezoid, with the
``gpu-power-polled`` warning (sampled power misses short peaks: Yang et al., SC24). A counter
that goes backwards (driver reload, GPU reset) is taken as restarted from zero, with the
``counter-reset`` warning.

Only the GPUs visible to the job are measured: ``CUDA_VISIBLE_DEVICES`` entries are NVML
indices or ``GPU-`` UUIDs (set ``CUDA_DEVICE_ORDER=PCI_BUS_ID`` so CUDA and NVML indices
agree). ``pynvml`` is imported on first probe, never at ``import empreinte``.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

from empreinte.errors import CodedWarning, MeterError, MeterUnavailable, WarningCode
from empreinte.measure.base import (
    NVIDIA_DRIVER_NODES,
    Availability,
    CounterAccumulator,
    EnergySample,
    PowerIntegrator,
    driver_loaded,
    no_driver,
)
from empreinte.measure.vendor_errors import translate

__all__ = ["POLL_INTERVAL_S", "NvmlMeter", "visible_devices"]

POLL_INTERVAL_S = 0.1
"""Power polling period where no energy counter exists (methodology: at most 0.1 s)."""

pynvml: Any = None
"""The vendor module, bound on first use (tests replace it with an autospec'd mock)."""


_DRIVER_NODES = NVIDIA_DRIVER_NODES


def _driver_present() -> bool:
    """On Linux, whether an NVIDIA driver is loaded (a cheap check before importing NVML)."""
    return driver_loaded(_DRIVER_NODES)


def _sdk() -> Any:
    global pynvml
    if pynvml is None:
        if not _driver_present():
            raise no_driver("nvml", _DRIVER_NODES)
        try:
            import pynvml as module
        except ImportError as exc:
            raise MeterUnavailable(
                "nvidia-ml-py is not installed", "pip install 'empreinte[nvidia]'"
            ) from exc
        pynvml = module
    return pynvml


def visible_devices(env: str | None) -> list[str] | None:
    """Parse ``CUDA_VISIBLE_DEVICES``: ``None`` means all; CUDA stops at the first bad entry."""
    if env is None:
        return None
    out: list[str] = []
    for raw in env.split(","):
        item = raw.strip()
        if item.isdigit() or item.startswith(("GPU-", "MIG-")):
            out.append(item)
        else:
            break
    return out


class NvmlMeter:
    """Energy per visible NVIDIA GPU (method ``hw_counter``; channels ``gpu:<nvml index>``)."""

    name = "nvml"
    method = "hw_counter"

    def __init__(self) -> None:
        self.warnings: list[CodedWarning] = []
        self.poll_interval_s: float | None = None
        self._handles: dict[str, Any] | None = None
        self._counters: dict[str, CounterAccumulator] = {}
        self._polled: dict[str, PowerIntegrator] = {}
        self._initialised = False

    def probe(self) -> Availability:
        return Availability.of_devices(
            self._open,
            "no NVIDIA GPU visible (CUDA_VISIBLE_DEVICES)",
            lambda hs: ", ".join(f"{c} {'polled' if c in self._polled else 'counter'}" for c in hs),
        )

    def _call(self, fn: str, *args: Any) -> Any:
        nv = _sdk()
        try:
            return getattr(nv, fn)(*args)
        except nv.NVMLError as exc:
            raise translate(exc, f"NVML {fn}") from exc

    def _open(self) -> dict[str, Any]:
        if self._handles is not None:
            return self._handles
        nv = _sdk()
        self._call("nvmlInit")
        self._initialised = True
        handles: dict[str, Any] = {}
        wanted = visible_devices(os.environ.get("CUDA_VISIBLE_DEVICES"))
        if wanted is None:
            wanted = [str(i) for i in range(self._call("nvmlDeviceGetCount"))]
        for item in wanted:
            if item.startswith("MIG-"):
                self.warnings.append(
                    CodedWarning(
                        WarningCode.METER_FAILED,
                        f"{item}: a MIG instance has no energy counter; not measured",
                    )
                )
                continue
            if item.startswith("GPU-"):
                h = self._call("nvmlDeviceGetHandleByUUID", item)
                index = str(self._call("nvmlDeviceGetIndex", h))
            else:
                h = self._call("nvmlDeviceGetHandleByIndex", int(item))
                index = item
            channel = f"gpu:{index}"
            handles[channel] = h
            try:
                nv.nvmlDeviceGetTotalEnergyConsumption(h)
                self._counters[channel] = CounterAccumulator()
            except nv.NVMLError_NotSupported:
                self._polled[channel] = PowerIntegrator()
        if self._polled:
            self.poll_interval_s = POLL_INTERVAL_S
            self.warnings.append(
                CodedWarning(
                    WarningCode.GPU_POWER_POLLED,
                    f"{', '.join(self._polled)}: no energy counter; power polled every "
                    f"{POLL_INTERVAL_S} s and integrated (short peaks may be missed)",
                )
            )
        self._handles = handles
        return handles

    def read(self) -> EnergySample:
        handles = self._open()
        now = time.monotonic()
        energy: dict[str, float] = {}
        for channel, h in handles.items():
            if channel in self._counters:
                acc = self._counters[channel]
                resets = acc.resets
                mj = self._call("nvmlDeviceGetTotalEnergyConsumption", h)
                energy[channel] = acc.update(float(mj)) / 1e3
                if acc.resets > resets:
                    self.warnings.append(
                        CodedWarning(
                            WarningCode.COUNTER_RESET,
                            f"{channel}: NVML energy counter went backwards; restarted from zero",
                        )
                    )
            else:
                mw = self._call("nvmlDeviceGetPowerUsage", h)
                energy[channel] = self._polled[channel].add(now, float(mw) / 1e3)
        return EnergySample(now, energy)

    def close(self) -> None:
        if self._initialised:
            self._initialised = False
            self._handles = None
            with contextlib.suppress(MeterError):  # the driver may already be gone
                self._call("nvmlShutdown")
