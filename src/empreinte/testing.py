"""Fake meters to test code that measures energy, without hardware.

- :class:`ScriptedMeter` draws a constant (or scripted) power per channel on an injectable
  clock, so ``energy = power × time`` exactly;
- :func:`make_powercap_zone` builds a fake RAPL powercap tree in a folder (point
  ``EMPREINTE_POWERCAP_ROOT`` at it) and :func:`set_powercap_energy` advances a counter;
  :func:`advance_powercap` advances counters in real time from another process, for a
  measured subprocess (``empreinte run``) to read;
- :class:`ReplayMeter` replays recorded cumulative samples (a list or a JSON-lines file),
  for example a trace taken on a GPU server, so a test sees real-world shapes offline.

Both implement :class:`empreinte.measure.base.Meter`; pass them to ``track(meters=[...])``::

    from empreinte import track
    from empreinte.testing import ScriptedMeter

    with track("unit-test", meters=[ScriptedMeter({"gpu:0": 300.0})]) as t:
        ...
    assert t.report().energy.gpu_kwh.value > 0
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from empreinte.errors import CodedWarning, MeterError
from empreinte.measure.base import Availability, EnergySample

__all__ = [
    "ReplayMeter",
    "ScriptedMeter",
    "advance_powercap",
    "make_powercap_zone",
    "set_powercap_energy",
    "write_samples",
]


class ScriptedMeter:
    """Constant power per channel (W), or ``power(t)`` from a function of elapsed seconds.

    ``fail_after`` reads make it raise :class:`MeterError` (to test a meter dying mid-run);
    ``available=False`` makes its probe fail with ``reason``.
    """

    def __init__(
        self,
        power_w: Mapping[str, float] | Callable[[float], Mapping[str, float]],
        *,
        name: str = "scripted",
        method: str = "hw_counter",
        clock: Callable[[], float] = time.monotonic,
        rel_bounds: float = 0.0,
        fail_after: int | None = None,
        available: bool = True,
        reason: str = "scripted",
    ) -> None:
        self.name = name
        self.method = method
        self.poll_interval_s: float | None = None
        self.warnings: list[CodedWarning] = []
        self._power = power_w
        self._clock = clock
        self._rel = rel_bounds
        self._fail_after = fail_after
        self._available = available
        self._reason = reason
        self._t0: float | None = None
        self._tlast = 0.0
        self._energy: dict[str, float] = {}
        self.reads = 0
        self.closed = False

    def probe(self) -> Availability:
        channels = tuple(self._power_at(0.0))
        return Availability(self._available, self._reason, None, channels)

    def _power_at(self, elapsed: float) -> Mapping[str, float]:
        return self._power(elapsed) if callable(self._power) else self._power

    def read(self) -> EnergySample:
        if self._fail_after is not None and self.reads >= self._fail_after:
            raise MeterError(f"{self.name}: scripted failure")
        self.reads += 1
        now = self._clock()
        if self._t0 is None:
            self._t0 = self._tlast = now
        # left Riemann sum over reads: exact for constant power
        power = self._power_at(self._tlast - self._t0)
        for ch, w in power.items():
            self._energy[ch] = self._energy.get(ch, 0.0) + w * (now - self._tlast)
        self._tlast = now
        e = dict(self._energy)
        if not self._rel:
            return EnergySample(now, e)
        return EnergySample(
            now,
            e,
            {k: v * (1 - self._rel) for k, v in e.items()},
            {k: v * (1 + self._rel) for k, v in e.items()},
        )

    def close(self) -> None:
        self.closed = True


class ReplayMeter:
    """Replays cumulative samples; after the last one, keeps returning it.

    With ``realtime=True`` a read returns the latest recorded sample whose offset from the
    first is at most the real time elapsed since the first read; otherwise each read returns
    the next sample. Returned times are the recorded ones.
    """

    def __init__(
        self,
        samples: Sequence[EnergySample],
        *,
        name: str = "replay",
        method: str = "hw_counter",
        realtime: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not samples:
            raise ValueError("a replay needs at least one sample")
        self.name = name
        self.method = method
        self.poll_interval_s: float | None = None
        self.warnings: list[CodedWarning] = []
        self._samples = list(samples)
        self._i = 0
        self._realtime = realtime
        self._clock = clock
        self._start: float | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str], **kwargs: object) -> ReplayMeter:
        """Read a JSON-lines trace: ``{"t": s, "energy_j": {...}, "low_j"?: {}, "high_j"?: {}}``."""
        samples = []
        with open(path) as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    samples.append(
                        EnergySample(
                            float(d["t"]), d["energy_j"], d.get("low_j", {}), d.get("high_j", {})
                        )
                    )
        return cls(samples, **kwargs)  # type: ignore[arg-type]

    def probe(self) -> Availability:
        return Availability(
            True, f"replay of {len(self._samples)} samples", None, tuple(self._samples[0].energy_j)
        )

    def read(self) -> EnergySample:
        if self._realtime:
            now = self._clock()
            if self._start is None:
                self._start = now
            t0 = self._samples[0].time_s
            while (
                self._i + 1 < len(self._samples)
                and self._samples[self._i + 1].time_s - t0 <= now - self._start
            ):
                self._i += 1
            return self._samples[self._i]
        sample = self._samples[min(self._i, len(self._samples) - 1)]
        self._i += 1
        return sample

    def close(self) -> None:
        pass


def write_samples(samples: Iterable[EnergySample], path: str | os.PathLike[str]) -> None:
    """Write samples as a JSON-lines trace readable by :meth:`ReplayMeter.load`."""
    with open(path, "w") as f:
        for s in samples:
            row = {"t": s.time_s, "energy_j": dict(s.energy_j)}
            if s.low_j:
                row["low_j"] = dict(s.low_j)
            if s.high_j:
                row["high_j"] = dict(s.high_j)
            f.write(json.dumps(row) + "\n")


def make_powercap_zone(
    root: str | os.PathLike[str],
    dirname: str,
    name: str,
    energy_uj: int = 0,
    max_range_uj: int | None = 262_143_328_850,
) -> str:
    """Create ``root/dirname`` as a powercap zone (``intel-rapl:0``, ``"package-0"``)."""
    zone = os.path.join(root, dirname)
    os.makedirs(zone)
    with open(os.path.join(zone, "name"), "w") as f:
        f.write(name + "\n")
    set_powercap_energy(zone, energy_uj)
    if max_range_uj is not None:
        with open(os.path.join(zone, "max_energy_range_uj"), "w") as f:
            f.write(f"{max_range_uj}\n")
    return zone


def set_powercap_energy(zone: str | os.PathLike[str], energy_uj: int) -> None:
    """Set a fake zone's ``energy_uj`` counter (atomically, as the kernel would)."""
    path = os.path.join(zone, "energy_uj")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{energy_uj}\n")
    os.replace(tmp, path)


_ADVANCE = """
import os, sys, time
args = sys.argv[1:]
zones = []
for zone, watts in zip(args[::2], args[1::2]):
    with open(os.path.join(zone, "energy_uj")) as f:
        zones.append((zone, float(watts), int(f.read())))
t0 = time.monotonic()
while True:
    el = time.monotonic() - t0
    for zone, watts, start in zones:
        tmp = os.path.join(zone, "energy_uj.tmp")
        with open(tmp, "w") as f:
            f.write(f"{int(start + watts * el * 1e6)}\\n")
        os.replace(tmp, os.path.join(zone, "energy_uj"))
    time.sleep(0.005)
"""


def advance_powercap(watts: Mapping[str, float]) -> subprocess.Popen[bytes]:
    """Start a process that advances each fake zone's counter in real time, from its current
    value, at ``watts[zone]`` W (every 5 ms, atomically): a RAPL counter that a measured
    subprocess reads. The caller stops it (``kill()``, then ``wait()``)."""
    args = [str(a) for zone, w in watts.items() for a in (zone, w)]
    return subprocess.Popen([sys.executable, "-c", _ADVANCE, *args])
