"""The meter protocol: probe availability with a reason, read a cumulative sample, close.

A meter reads *cumulative* energy, in joules, per channel. A channel is named
``"<component>:<device>"`` where the component is one of :data:`COMPONENTS` (``cpu:0``,
``ram:0``, ``gpu:3``). Energy over an interval is the difference of two samples; a meter
hides counter wraparound and resets behind that cumulative view (and says so with a coded
warning). A modelled meter (the estimation fallback) also gives a low and a high bound per
channel; a counter's bounds are its value.

Meters never turn "no reading" into zero: a channel that cannot be read is absent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from empreinte.errors import CodedWarning, MeterUnavailable
from empreinte.vocabulary import COMPONENTS, J_PER_KWH, METHODS

__all__ = [
    "AMD_DRIVER_NODES",
    "COMPONENTS",
    "GPU_DRIVERS",
    "J_PER_KWH",
    "METHOD_ORDER",
    "NVIDIA_DRIVER_NODES",
    "POWERCAP_DEFAULT_ROOT",
    "RAPL_FIX",
    "Availability",
    "CounterAccumulator",
    "EnergySample",
    "Meter",
    "PowerIntegrator",
    "component_of",
    "driver_loaded",
    "no_driver",
    "rapl_root_absent",
    "weakest_method",
]

# defined once in empreinte.vocabulary; re-exported here for the meters
METHOD_ORDER = METHODS
"""Measurement methods from the strongest to the weakest (verification tiers M1 to M5)."""


NVIDIA_DRIVER_NODES = ("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/dxg")  # dxg: WSL2
AMD_DRIVER_NODES = ("/dev/kfd", "/sys/module/amdgpu")
GPU_DRIVERS = {
    "nvml": (
        "NVIDIA",
        NVIDIA_DRIVER_NODES,
        "install the NVIDIA driver (in a container: the NVIDIA container toolkit)",
    ),
    "amd": (
        "AMD GPU",
        AMD_DRIVER_NODES,
        "load the amdgpu driver (in a container: pass /dev/kfd and /dev/dri)",
    ),
}
"""Per GPU meter: vendor, the device nodes that exist when its driver is loaded, the fix."""


POWERCAP_DEFAULT_ROOT = "/sys/class/powercap"
RAPL_FIX = (
    "on bare metal load the intel_rapl_common / intel_rapl_msr modules; in a "
    "container mount the host's powercap tree and set EMPREINTE_POWERCAP_ROOT"
)


def rapl_root_absent(root: str) -> Availability:
    """The RAPL meter's availability when its powercap root does not exist."""
    return Availability(
        False,
        f"{root} does not exist (no RAPL here: not Linux, a VM, or an unsupported CPU)",
        RAPL_FIX,
    )


def no_driver(meter: str, nodes: tuple[str, ...] | None = None) -> MeterUnavailable:
    """The error of a GPU meter whose driver is not loaded."""
    vendor, default_nodes, fix = GPU_DRIVERS[meter]
    nodes = default_nodes if nodes is None else nodes
    return MeterUnavailable(f"no {vendor} driver loaded (none of {', '.join(nodes)} exists)", fix)


def driver_loaded(nodes: tuple[str, ...]) -> bool:
    """Whether a GPU driver is loaded, from its device nodes: a check costing microseconds,
    made before importing a vendor SDK (tens of ms). Always true outside Linux."""
    import os
    import sys

    return not sys.platform.startswith("linux") or any(map(os.path.exists, nodes))


def component_of(channel: str) -> str:
    """``"gpu:0"`` -> ``"gpu"``; an unknown prefix counts as ``"other"``."""
    comp = channel.partition(":")[0]
    return comp if comp in COMPONENTS else "other"


def weakest_method(methods: list[str]) -> str:
    """The weakest of several methods: a report is only as strong as its weakest part."""
    return max(methods, key=METHOD_ORDER.index) if methods else "declared"


@dataclass(frozen=True, slots=True)
class Availability:
    """Whether a meter works here; if not, ``reason`` says why and ``fix`` how to fix it."""

    ok: bool
    reason: str = ""
    fix: str | None = None
    channels: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "reason": self.reason, "fix": self.fix, "channels": self.channels}

    @classmethod
    def of_devices(
        cls,
        open_devices: Callable[[], Mapping[str, Any]],
        none_visible: str,
        describe: Callable[[Mapping[str, Any]], str],
    ) -> Availability:
        """Probe a device meter: open its devices, translating our meter errors into a reason."""
        from empreinte.errors import MeterError

        try:
            handles = open_devices()
        except MeterUnavailable as exc:
            return cls(False, exc.reason, exc.fix)
        except MeterError as exc:
            return cls(False, str(exc), None)
        if not handles:
            return cls(False, none_visible, None)
        return cls(True, describe(handles), None, tuple(handles))


@dataclass(frozen=True, slots=True)
class EnergySample:
    """Cumulative energy per channel at ``time_s`` (a :func:`time.monotonic` reading).

    ``low_j``/``high_j`` hold the bounds of modelled channels; a channel missing from them
    is exact (a counter).
    """

    time_s: float
    energy_j: Mapping[str, float]
    low_j: Mapping[str, float] = field(default_factory=dict)
    high_j: Mapping[str, float] = field(default_factory=dict)

    def bounds(self, channel: str) -> tuple[float, float]:
        v = self.energy_j[channel]
        return self.low_j.get(channel, v), self.high_j.get(channel, v)


@runtime_checkable
class Meter(Protocol):
    """What every meter implements (three methods and a few descriptive attributes).

    ``name`` identifies the meter (``"rapl"``); ``method`` is its measurement method
    (``"hw_counter"``, ``"software_model"``...); ``poll_interval_s`` is how often it must be
    read to stay correct (``None`` for counters that only need reading before they wrap);
    ``warnings`` lists coded gaps found while reading.
    """

    name: str
    method: str
    poll_interval_s: float | None
    warnings: list[CodedWarning]

    def probe(self) -> Availability:
        """Check, without raising, whether the meter can read here."""
        ...

    def read(self) -> EnergySample:
        """Cumulative energy since the meter was opened (raises :class:`MeterError`)."""
        ...

    def close(self) -> None:
        """Release the driver handles; reading afterwards is an error."""
        ...


class PowerIntegrator:
    """Trapezoidal integration of power samples (W at monotonic times) into joules."""

    __slots__ = ("_last_t", "_last_w", "energy_j", "samples")

    def __init__(self) -> None:
        self._last_t: float | None = None
        self._last_w = 0.0
        self.energy_j = 0.0
        self.samples = 0

    def add(self, time_s: float, power_w: float) -> float:
        if self._last_t is not None and time_s > self._last_t:
            self.energy_j += (time_s - self._last_t) * (power_w + self._last_w) / 2
        self._last_t, self._last_w = time_s, power_w
        self.samples += 1
        return self.energy_j


class CounterAccumulator:
    """Turn a raw counter that may wrap or reset into a monotonic cumulative total."""

    __slots__ = ("_last", "resets", "total", "wrap", "wraps")

    def __init__(self, wrap: float | None = None) -> None:
        self.wrap = wrap
        self._last: float | None = None
        self.total = 0.0
        self.wraps = 0
        self.resets = 0

    def update(self, raw: float) -> float:
        if self._last is not None:
            delta = raw - self._last
            if delta < 0:
                if self.wrap is not None:
                    delta += self.wrap
                    self.wraps += 1
                else:  # the counter restarted from zero (driver reload, GPU reset)
                    delta = raw
                    self.resets += 1
            self.total += delta
        self._last = raw
        return self.total
