"""Estimation fallback where no counter exists (method ``software_model``, with a range).

CPU power is the catalog TDP times a load curve. Two published curves bound it: CodeCarbon's
``TDP × (0.1 + 0.9 × load³)`` and Boavizta's profile (12/32/75/102 % of TDP at 0/10/50/100 %
load, interpolated); the range also carries the catalog's TDP bounds. Load is the machine's
busy CPU time over the interval (``/proc/stat`` through psutil). In a virtual machine the
TDP is the per-thread range times the vCPUs, capped by the host CPU's TDP (the catalog does
not give the host's thread count, so no exact share). An unknown CPU gets a wide, sourced
per-thread TDP range (``cpu-tdp-unknown``): never zero.

RAM power is 0.3725 W/GB (Green Algorithms) within 3–5 W per DIMM bounds, times installed
memory. Every constant lives in ``data/power_models.json`` with its source.
"""

from __future__ import annotations

import json
import os
import threading
import time
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from empreinte.errors import CodedWarning, DataError, WarningCode
from empreinte.measure.base import Availability, EnergySample
from empreinte.ranges import Range

__all__ = [
    "CpuModel",
    "FallbackMeter",
    "boavizta_fraction",
    "codecarbon_fraction",
    "cpu_brand",
    "cpu_power_w",
    "machine_cpu_seconds",
    "power_models",
    "ram_power_w",
]


@cache
def power_models() -> dict[str, Any]:
    """The sourced constants of the fallback (``measure/data/power_models.json``)."""
    path = os.path.join(os.path.dirname(__file__), "data", "power_models.json")
    try:  # a plain file (importlib.resources costs ~20 ms to import and resolve on a cold start)
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:  # installed in a zip
        from importlib import resources

        text = resources.files("empreinte.measure").joinpath("data/power_models.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


def codecarbon_fraction(load: float) -> float:
    """CodeCarbon's share of TDP at ``load`` in [0, 1]."""
    c = power_models()["codecarbon_cpu_curve"]
    return float(c["idle_fraction"] + c["dynamic_fraction"] * load ** c["exponent"])


def boavizta_fraction(load: float) -> float:
    """Boavizta's share of TDP at ``load`` in [0, 1] (linear between its fitted points)."""
    c = power_models()["boavizta_cpu_curve"]
    xs = [x / 100 for x in c["load_percent"]]
    ys = c["tdp_fraction"]
    load = min(max(load, 0.0), 1.0)
    for x0, x1, y0, y1 in zip(xs, xs[1:], ys, ys[1:], strict=False):
        if load <= x1:
            return float(y0 + (y1 - y0) * (load - x0) / (x1 - x0))
    return float(ys[-1])


def cpu_power_w(tdp_w: Range, load: float) -> Range:
    """CPU power at ``load`` as a range spanning both curves and the TDP bounds."""
    a, b = codecarbon_fraction(load), boavizta_fraction(load)
    return Range(tdp_w.value * (a + b) / 2, tdp_w.low * min(a, b), tdp_w.high * max(a, b))


def ram_power_w(total_gb: float) -> Range:
    """RAM power for ``total_gb`` of installed memory."""
    r = power_models()["ram_w_per_gb"]
    return Range(r["value"], r["low"], r["high"]) * total_gb


def _per_thread() -> Range:
    per = power_models()["unknown_cpu_tdp_w_per_thread"]
    return Range(per["value"], per["low"], per["high"])


@cache
def _cpuinfo() -> str:
    """``/proc/cpuinfo``, read once per process (``""`` where it does not exist)."""
    try:
        with open("/proc/cpuinfo") as f:
            return f.read()
    except OSError:
        return ""


def cpu_brand() -> str:
    """The CPU model name from ``/proc/cpuinfo`` (``""`` when unknown)."""
    for line in _cpuinfo().splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    import platform

    return platform.processor()


def _in_vm() -> bool:
    return any(
        line.startswith("flags") and " hypervisor" in line for line in _cpuinfo().splitlines()
    )


def _ram_gb() -> float:
    """Installed memory in GB (``sysconf``, else psutil)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (AttributeError, ValueError, OSError):
        import psutil

        return float(psutil.virtual_memory().total) / 1e9


@dataclass(frozen=True, slots=True)
class CpuModel:
    """What the fallback assumes about the CPU: its (possibly scaled) TDP and why."""

    brand: str
    tdp_w: Range
    warnings: tuple[CodedWarning, ...]


@cache
def resolve_cpu(brand: str, logical_cpus: int, in_vm: bool) -> CpuModel:
    """TDP range for ``brand`` from the hardware catalog, else the sourced per-thread range.

    Cached per process: the catalog search costs tens of milliseconds and the answer for a
    given machine does not change.
    """
    from empreinte.factors.hardware import Cpu, find_cpu

    cpu: Cpu | None = None
    warnings_data: CodedWarning | None = None
    try:
        cpu = find_cpu(brand)
    except DataError as exc:  # a broken catalog must not stop a measurement: say so
        warnings_data = CodedWarning(WarningCode.HARDWARE_UNKNOWN, f"CPU catalog unusable: {exc}")
        cpu = None
    warnings = [
        CodedWarning(
            WarningCode.CPU_POWER_ESTIMATED,
            "no CPU energy counter: CPU power estimated from TDP and load",
        )
    ]
    if warnings_data is not None:
        warnings.append(warnings_data)
    if cpu is None:
        per = power_models()["unknown_cpu_tdp_w_per_thread"]
        tdp = _per_thread() * logical_cpus
        warnings.append(
            CodedWarning(
                WarningCode.CPU_TDP_UNKNOWN,
                f"CPU {brand!r} not in the catalog: {per['low']}-{per['high']} W per logical CPU "
                f"x {logical_cpus}",
            )
        )
        return CpuModel(brand, tdp, tuple(warnings))
    tdp = cpu.tdp_w.range
    if not in_vm:
        return CpuModel(brand, tdp, tuple(warnings))
    # the host's thread count is not in the catalog: the per-thread range, capped by the TDP
    per = _per_thread() * logical_cpus
    tdp = Range(min(per.value, tdp.value), min(per.low, tdp.low), min(per.high, tdp.high))
    warnings.append(
        CodedWarning(
            WarningCode.VM_SHARE,
            f"virtual machine: {logical_cpus} vCPUs x the per-thread TDP range, capped by the "
            "host CPU's TDP",
        )
    )
    return CpuModel(brand, tdp, tuple(warnings))


class _Lazy:
    """Energy per channel of one sample, computed when first looked at.

    A sample holds only the number of load intervals read so far and the elapsed seconds;
    the load curves (a JSON file) and the CPU catalog lookup (tens of ms: pydantic and a
    fuzzy search) are thus used in the sampler thread or when the report is built, never on
    the ``start``/``stop``/window paths.
    """

    __slots__ = ("_keys", "_meter", "_n", "_seconds", "_values")

    def __init__(self, meter: FallbackMeter, keys: tuple[str, ...], n: int, seconds: float):
        self._meter, self._keys, self._n, self._seconds = meter, keys, n, seconds
        self._values: dict[str, tuple[float, float, float]] | None = None

    def values(self) -> dict[str, tuple[float, float, float]]:
        if self._values is None:
            m = self._meter
            self._values = {ch: m.joules(ch, self._n, self._seconds) for ch in self._keys}
        return self._values


class _View(Mapping[str, float]):
    __slots__ = ("_i", "_lazy")

    def __init__(self, lazy: _Lazy, i: int) -> None:
        self._lazy, self._i = lazy, i

    def __getitem__(self, key: str) -> float:
        return self._lazy.values()[key][self._i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lazy._keys)

    def __len__(self) -> int:
        return len(self._lazy._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._lazy._keys


class FallbackMeter:
    """CPU and RAM energy estimated from TDP, load and installed memory (``software_model``).

    ``components`` picks what to estimate (those without a counter): ``("cpu", "ram")``.
    A read only samples the machine's CPU time and accumulates TDP-free sums; joules are
    computed (and the CPU looked up in the catalog, once per process) when a sample's values
    are first looked at. Windows interpolate this meter's samples rather than reading it at
    their edges (``window_edges = "interpolate"``).
    """

    name = "estimate"
    method = "software_model"
    poll_interval_s: float | None = None
    window_edges = "interpolate"

    def __init__(
        self,
        components: tuple[str, ...] = ("cpu", "ram"),
        brand: str | None = None,
        logical_cpus: int | None = None,
        ram_gb: float | None = None,
    ) -> None:
        self.components = components
        self._brand = brand
        self._logical = logical_cpus
        self._ram_gb = ram_gb
        self.warnings: list[CodedWarning] = []
        self._cpu: CpuModel | None = None
        self._ram: Range | None = None
        self._lock = threading.Lock()
        self._last: tuple[float, float, float] | None = None  # time, busy_s, total_s
        self._keys: tuple[str, ...] = ()
        self._seconds = 0.0  # elapsed since setup
        self._raw: list[tuple[float, float]] = []  # (dt, load) intervals not folded yet
        self._n = 0  # intervals read
        # TDP-free CPU sums (mid, low, high: sum of dt x curve(load)) after 0, 1, 2... intervals
        self._prefix = (array("d", [0.0]), array("d", [0.0]), array("d", [0.0]))
        self.last_load = 0.0

    def probe(self, describe: bool = True) -> Availability:
        """Always available; ``describe=False`` skips the catalog lookup (the tracker's path)."""
        self._setup()
        channels = tuple(f"{c}:0" for c in self.components)
        if not describe:
            return Availability(True, "estimate: " + ", ".join(self.components), None, channels)
        parts = []
        if "cpu" in self.components:
            cpu = self.cpu_model()
            t = cpu.tdp_w
            parts.append(f"CPU {cpu.brand or '?'} TDP {t.low:.0f}-{t.high:.0f} W")
        if self._ram_gb is not None and "ram" in self.components:
            parts.append(f"RAM {ram_power_w(self._ram_gb).value:.1f} W")
        return Availability(True, "estimate: " + ", ".join(parts), None, channels)

    def _setup(self) -> None:
        if self._last is not None:
            return
        if "cpu" in self.components:
            self.warnings.append(
                CodedWarning(
                    WarningCode.CPU_POWER_ESTIMATED,
                    "no CPU energy counter: CPU power estimated from TDP and load",
                )
            )
        if "ram" in self.components:
            self._ram_gb = self._ram_gb or _ram_gb()
            self.warnings.append(
                CodedWarning(
                    WarningCode.RAM_POWER_ESTIMATED,
                    f"no DRAM counter: RAM power estimated from {self._ram_gb:.1f} GB installed",
                )
            )
        self._keys = tuple(f"{c}:0" for c in self.components)
        self._last = (time.monotonic(), *machine_cpu_seconds())

    def cpu_model(self) -> CpuModel:
        """The CPU's TDP range (catalog lookup on first call; its warnings join the meter's)."""
        with self._lock:
            if self._cpu is None:
                n = self._logical or os.cpu_count() or 1
                self._cpu = resolve_cpu(self._brand or cpu_brand(), n, _in_vm())
                self.warnings.extend(w for w in self._cpu.warnings if w not in self.warnings)
            return self._cpu

    def _cpu_sums(self, n: int) -> tuple[float, float, float]:
        """TDP-free CPU sums after ``n`` intervals (folds the new intervals first)."""
        with self._lock:
            raw, self._raw = self._raw, []
            mid, lo, hi = self._prefix
            for dt, load in raw:
                a, b = codecarbon_fraction(load), boavizta_fraction(load)
                mid.append(mid[-1] + dt * (a + b) / 2)
                lo.append(lo[-1] + dt * min(a, b))
                hi.append(hi[-1] + dt * max(a, b))
            return mid[n], lo[n], hi[n]

    def joules(self, channel: str, n: int, seconds: float) -> tuple[float, float, float]:
        """Energy (value, low, high) in J of ``channel`` after ``n`` intervals, ``seconds``."""
        if n == 0 or seconds <= 0:
            return 0.0, 0.0, 0.0
        if channel == "cpu:0":
            mid, lo, hi = self._cpu_sums(n)
            tdp = self.cpu_model().tdp_w
            return mid * tdp.value, lo * tdp.low, hi * tdp.high
        if self._ram is None:
            self._ram = ram_power_w(self._ram_gb or _ram_gb())
        r = self._ram
        return seconds * r.value, seconds * r.low, seconds * r.high

    def read(self) -> EnergySample:
        self._setup()
        assert self._last is not None
        now = time.monotonic()
        busy, total = machine_cpu_seconds()
        t0, busy0, total0 = self._last
        dt = now - t0
        if dt > 0:
            load = (busy - busy0) / (total - total0) if total > total0 else self.last_load
            self.last_load = load = min(max(load, 0.0), 1.0)
            with self._lock:
                self._raw.append((dt, load))
                self._n += 1
            self._seconds += dt
            self._last = (now, busy, total)
        lazy = _Lazy(self, self._keys, self._n, self._seconds)
        return EnergySample(now, _View(lazy, 0), _View(lazy, 1), _View(lazy, 2))

    def close(self) -> None:
        pass


_CLK_TCK = float(os.sysconf("SC_CLK_TCK")) if hasattr(os, "sysconf") else 100.0


def machine_cpu_seconds() -> tuple[float, float]:
    """Machine-wide (busy, total) CPU seconds since boot (``/proc/stat``, else psutil)."""
    try:
        with open("/proc/stat", "rb") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
        # user nice system idle iowait irq softirq steal (guest time is inside user/nice)
        total = sum(fields)
        idle = fields[3] + fields[4]
        return (total - idle) / _CLK_TCK, total / _CLK_TCK
    except (OSError, ValueError, IndexError):
        import psutil

        t = psutil.cpu_times()
        idle_s = t.idle + getattr(t, "iowait", 0.0)
        total_s = sum(t) - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0)  # in user
        return total_s - idle_s, total_s
