"""The background sampler: reads every meter each interval, polls the meters that need it.

Counters only need a read often enough not to wrap twice between reads; power-polled meters
(``poll_interval_s``) are read at their own faster cadence. Each full read updates the running
totals and calls ``on_sample`` (the monitor's checkpoint and live line). A meter that fails
mid-run is dropped with a ``meter-failed`` warning and keeps the energy it had counted: its
lost tail is missing, never zero-filled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from empreinte.errors import CodedWarning, MeterError, WarningCode
from empreinte.measure.base import EnergySample, Meter

__all__ = ["Sampler", "Totals"]


@dataclass(frozen=True, slots=True)
class Totals:
    """Energy per channel (J, with bounds) since the sampler started, at ``time_s``."""

    time_s: float
    energy_j: dict[str, tuple[float, float, float]]  # channel -> (value, low, high)

    def minus(self, earlier: Totals) -> dict[str, tuple[float, float, float]]:
        out = {}
        for ch, (v, lo, hi) in self.energy_j.items():
            v0, lo0, hi0 = earlier.energy_j.get(ch, (0.0, 0.0, 0.0))
            out[ch] = (v - v0, lo - lo0, hi - hi0)
        return out


class Sampler:
    """Reads ``meters`` every ``interval_s`` in a daemon thread; thread-safe ``read_now``."""

    def __init__(
        self,
        meters: Sequence[Meter],
        interval_s: float = 1.0,
        on_sample: Callable[[Totals], None] | None = None,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.meters = list(meters)
        self.interval_s = interval_s
        self.on_sample = on_sample
        self.warnings: list[CodedWarning] = []
        self.reads = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._base: dict[int, EnergySample] = {}
        self._last: dict[int, EnergySample] = {}
        self._failed: set[int] = set()
        self.started_s = 0.0

    # -- reading ------------------------------------------------------------------------
    def _read(self, i: int, meter: Meter) -> None:
        if i in self._failed:
            return
        try:
            sample = meter.read()
        except MeterError as exc:
            self._failed.add(i)
            self.warnings.append(
                CodedWarning(
                    WarningCode.METER_FAILED, f"meter {meter.name} stopped answering: {exc}"
                )
            )
            return
        self._last[i] = sample
        self._base.setdefault(i, sample)

    def _totals(self, now: float) -> Totals:
        out: dict[str, tuple[float, float, float]] = {}
        for i, last in self._last.items():
            base = self._base[i]
            for ch, v in last.energy_j.items():
                if ch not in base.energy_j:
                    continue
                lo, hi = last.bounds(ch)
                blo, bhi = base.bounds(ch)
                out[ch] = (v - base.energy_j[ch], lo - blo, hi - bhi)
        return Totals(now, out)

    def read_now(self) -> Totals:
        """Read every meter now and return the totals (used at window edges)."""
        with self._lock:
            for i, m in enumerate(self.meters):
                self._read(i, m)
            self.reads += 1
            return self._totals(time.monotonic())

    def totals(self) -> Totals:
        """The totals at the last read, without reading."""
        with self._lock:
            return self._totals(time.monotonic())

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> Totals:
        self.started_s = time.monotonic()
        first = self.read_now()
        self._thread = threading.Thread(target=self._run, name="empreinte-sampler", daemon=True)
        self._thread.start()
        return first

    def _tick(self) -> float:
        polls = [m.poll_interval_s for m in self.meters if m.poll_interval_s]
        return min([self.interval_s, *polls])

    def _run(self) -> None:
        tick = self._tick()
        next_full = time.monotonic() + self.interval_s
        while not self._stop.wait(tick):
            if time.monotonic() >= next_full:
                next_full += self.interval_s
                totals = self.read_now()
                if self.on_sample is not None:
                    self.on_sample(totals)
            else:
                with self._lock:
                    for i, m in enumerate(self.meters):
                        if m.poll_interval_s:
                            self._read(i, m)

    def stop(self) -> Totals:
        """Stop the thread, take a last reading, and close the meters."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        final = self.read_now()
        for m in self.meters:
            m.close()
        return final

    def channel_owners(self) -> list[tuple[Meter, str]]:
        """``(meter, channel)`` for every channel read so far."""
        with self._lock:
            return [
                (self.meters[i], ch) for i, s in sorted(self._last.items()) for ch in s.energy_j
            ]

    def meter_warnings(self) -> list[CodedWarning]:
        seen: set[tuple[str, str]] = set()
        out = []
        for w in [*(w for m in self.meters for w in m.warnings), *self.warnings]:
            if (w.code, w.message) not in seen:
                seen.add((w.code, w.message))
                out.append(w)
        return out
