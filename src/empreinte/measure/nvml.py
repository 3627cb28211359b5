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

import os
from collections.abc import Mapping
from typing import Any

from empreinte.errors import CodedWarning, WarningCode
from empreinte.measure.base import CounterAccumulator, PowerIntegrator
from empreinte.measure.registry import spec
from empreinte.measure.sdk import SdkMeter, import_sdk

__all__ = ["POLL_INTERVAL_S", "NvmlMeter", "visible_devices"]

POLL_INTERVAL_S = 0.1
"""Power polling period where no energy counter exists (methodology: at most 0.1 s)."""

pynvml: Any = None
"""The vendor module, bound on first use (tests replace it with an autospec'd mock)."""

_SPEC = spec("nvml")
_DRIVER_NODES = _SPEC.nodes


def _driver_present() -> bool:
    """On Linux, whether an NVIDIA driver is loaded (a cheap check before importing NVML)."""
    return _SPEC.present(_DRIVER_NODES)


def _sdk() -> Any:
    global pynvml
    if pynvml is None:
        if not _driver_present():
            raise _SPEC.unavailable(_DRIVER_NODES)
        pynvml = import_sdk(_SPEC)
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


class NvmlMeter(SdkMeter):
    """Energy per visible NVIDIA GPU (method ``hw_counter``; channels ``gpu:<nvml index>``)."""

    name = "nvml"
    vendor = "NVML"
    init_call = "nvmlInit"
    shutdown_call = "nvmlShutdown"
    error_class = "NVMLError"
    none_visible = "no NVIDIA GPU visible (CUDA_VISIBLE_DEVICES)"

    def __init__(self) -> None:
        super().__init__()
        self._counters: dict[str, CounterAccumulator] = {}
        self._polled: dict[str, PowerIntegrator] = {}

    def _sdk(self) -> Any:
        return _sdk()

    def _describe(self, handles: Mapping[str, Any]) -> str:
        return ", ".join(f"{c} {'polled' if c in self._polled else 'counter'}" for c in handles)

    def _open_devices(self) -> dict[str, Any]:
        nv = _sdk()
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
        return handles

    def _device_joules(self, channel: str, handle: Any, now: float) -> float:
        if channel not in self._counters:
            mw = self._call("nvmlDeviceGetPowerUsage", handle)
            return self._polled[channel].add(now, float(mw) / 1e3)
        acc = self._counters[channel]
        resets = acc.resets
        mj = self._call("nvmlDeviceGetTotalEnergyConsumption", handle)
        joules = acc.update(float(mj)) / 1e3
        if acc.resets > resets:
            self.warnings.append(
                CodedWarning(
                    WarningCode.COUNTER_RESET,
                    f"{channel}: NVML energy counter went backwards; restarted from zero",
                )
            )
        return joules
