"""The background sampler: reads every meter each interval, polls the meters that need it.

Counters only need a read often enough not to wrap twice between reads; power-polled meters
(``poll_interval_s``) are read at their own faster cadence. Each full read updates the running
totals and calls ``on_sample`` (the monitor's checkpoint and live line). A meter that fails
mid-run is dropped with a ``meter-failed`` warning and keeps the energy it had counted: its
lost tail is missing, never zero-filled. An exception raised by ``on_sample`` (a checkpoint
that cannot be written, a report that cannot be built yet) does not stop the thread: sampling
goes on and the failures become one ``checkpoint-failed`` warning on the result.

Window edges read only the meters that are cheap and exact to read (hardware counters).
A meter with ``window_edges = "interpolate"`` (the estimation fallback, whose power is a
model of the load over each interval anyway) is not read at edges: its samples are kept as a
series and a window's energy is the series interpolated linearly at the window's edges, so
windows of that meter have the sampling interval's time resolution.
"""

from __future__ import annotations

import _thread
import threading
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from empreinte.errors import CodedWarning, MeterError, WarningCode
from empreinte.measure.base import EnergySample, Meter

__all__ = ["Sampler", "Series", "Totals"]

Channels = dict[str, tuple[float, float, float]]


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


class Series:
    """Cumulative samples of the interpolated meters, for window energies.

    Samples are kept as they come (their values may be lazy) and turned into arrays of
    (value, low, high) per channel on :meth:`flush`, which the sampler thread calls after
    each full read, so memory stays a few floats per channel and sample.
    """

    __slots__ = ("_pending", "times", "values")

    def __init__(self) -> None:
        self._pending: list[EnergySample] = []
        self.times = array("d")
        self.values: dict[str, tuple[array[float], array[float], array[float]]] = {}

    def add(self, sample: EnergySample) -> None:
        self._pending.append(sample)

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        for sample in pending:
            if self.times and sample.time_s <= self.times[-1]:
                continue
            n = len(self.times)
            self.times.append(sample.time_s)
            for ch, v in sample.energy_j.items():
                cols = self.values.get(ch)
                if cols is None:  # a channel that appears late counts from where it appears
                    cols = self.values[ch] = (array("d", [v] * n), array("d", [v] * n),
                                              array("d", [v] * n))  # fmt: skip
                lo, hi = sample.low_j.get(ch, v), sample.high_j.get(ch, v)
                cols[0].append(v)
                cols[1].append(lo)
                cols[2].append(hi)

    def at(self, time_s: float) -> Channels:
        """Cumulative energy at ``time_s``: linear between samples, the last segment's slope
        after the last one (a checkpoint taken before the next read), the first sample's
        value before it."""
        self.flush()
        ts = self.times
        i = bisect_left(ts, time_s)
        if i == 0 or len(ts) == 1:
            return {ch: (c[0][0], c[1][0], c[2][0]) for ch, c in self.values.items()} if ts else {}
        i = min(i, len(ts) - 1)
        t0, t1 = ts[i - 1], ts[i]
        f = (time_s - t0) / (t1 - t0)
        out: Channels = {}
        for ch, (v, lo, hi) in self.values.items():
            out[ch] = (
                v[i - 1] + f * (v[i] - v[i - 1]),
                lo[i - 1] + f * (lo[i] - lo[i - 1]),
                hi[i - 1] + f * (hi[i] - hi[i - 1]),
            )
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
        self._state = threading.Lock()  # guards _busy against finish()
        self._busy = False
        self._idle = threading.Event()
        self._idle.set()
        self._ident: int | None = None
        self._base: dict[int, EnergySample] = {}
        self._last: dict[int, EnergySample] = {}
        self._failed: set[int] = set()
        self.on_sample_failures = 0
        self._on_sample_error: str | None = None
        self.series: dict[int, Series] = {
            i: Series()
            for i, m in enumerate(self.meters)
            if getattr(m, "window_edges", "read") == "interpolate"
        }
        self._edge = [(i, m) for i, m in enumerate(self.meters) if i not in self.series]
        self.final_s: float | None = None

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
        series = self.series.get(i)
        if series is not None:
            series.add(sample)

    def _totals(self, now: float, only: Sequence[int] | None = None) -> Totals:
        out: dict[str, tuple[float, float, float]] = {}
        for i, last in self._last.items():
            if only is not None and i not in only:
                continue
            base = self._base[i]
            if last is base:  # nothing measured yet (and lazy values stay unlooked-at)
                out.update((ch, (0.0, 0.0, 0.0)) for ch in last.energy_j)
                continue
            for ch, v in last.energy_j.items():
                if ch not in base.energy_j:
                    continue
                lo, hi = last.bounds(ch)
                blo, bhi = base.bounds(ch)
                out[ch] = (v - base.energy_j[ch], lo - blo, hi - bhi)
        return Totals(now, out)

    def _read_all(self) -> float:
        with self._lock:
            for i, m in enumerate(self.meters):
                self._read(i, m)
            self.reads += 1
            return time.monotonic()

    def read_now(self) -> Totals:
        """Read every meter now and return the totals."""
        now = self._read_all()
        with self._lock:
            return self._totals(now)

    def read_edge(self) -> Totals:
        """At a window edge: read the meters that are read at edges (counters), and return
        their totals only (interpolated meters are looked up later with :meth:`window`)."""
        if not self._edge:
            return Totals(time.monotonic(), {})
        with self._lock:
            for i, m in self._edge:
                self._read(i, m)
            return self._totals(time.monotonic(), [i for i, _ in self._edge])

    def window(self, start: Totals, t0: float, end: Totals, t1: float) -> Channels:
        """Energy per channel between two edges: read meters from their edge totals,
        interpolated meters from their series at ``t0`` and ``t1``."""
        out = end.minus(start)
        with self._lock:
            for series in self.series.values():
                a, b = series.at(t0), series.at(t1)
                for ch, (v1, lo1, hi1) in b.items():
                    v0, lo0, hi0 = a[ch]
                    out[ch] = (v1 - v0, lo1 - lo0, hi1 - hi0)
        return out

    def totals(self) -> Totals:
        """The totals at the last read (the final one after :meth:`finish`), without reading."""
        with self._lock:
            return self._totals(self.final_s if self.final_s is not None else time.monotonic())

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> Totals:
        """First reading, then the background thread.

        The thread is started with ``_thread`` so that ``start`` does not wait for the OS to
        schedule it (up to a scheduler tick, milliseconds, on a busy machine)."""
        first = self.read_now()
        _thread.start_new_thread(self._run, ())
        return first

    def _tick(self) -> float:
        polls = [m.poll_interval_s for m in self.meters if m.poll_interval_s]
        return min([self.interval_s, *polls])

    def _run(self) -> None:
        self._ident = threading.get_ident()
        tick = self._tick()
        next_full = time.monotonic() + self.interval_s
        while not self._stop.wait(tick):
            with self._state:  # once finish() has set _stop, no new work starts
                if self._stop.is_set():
                    return
                self._busy = True
                self._idle.clear()
            try:
                if time.monotonic() >= next_full:
                    next_full += self.interval_s
                    totals = self.read_now()  # also turns the lazy samples into numbers
                    with self._lock:
                        for series in self.series.values():
                            series.flush()
                    if self.on_sample is not None:
                        self._call_on_sample(totals)
                else:
                    with self._lock:
                        for i, m in enumerate(self.meters):
                            if m.poll_interval_s:
                                self._read(i, m)
            finally:
                with self._state:
                    self._busy = False
                    self._idle.set()

    def _call_on_sample(self, totals: Totals) -> None:
        """``on_sample(totals)``; a failure is counted for a coded warning, not raised: the
        thread must go on sampling (an exception here used to end it silently)."""
        assert self.on_sample is not None
        try:
            self.on_sample(totals)
        except Exception as exc:  # not hidden: reported as checkpoint-failed on the result
            self.on_sample_failures += 1
            if self._on_sample_error is None:
                self._on_sample_error = f"{type(exc).__name__}: {exc}"

    def finish(self) -> float:
        """Stop the thread, take a last reading and close the meters; the final time.

        Waits only for a reading or checkpoint in progress in the thread, not for the thread
        to wake up and exit (it exits on its own without touching anything). Cheap: totals
        are computed when asked for (:meth:`totals`)."""
        self._stop.set()
        with self._state:
            busy = self._busy
        if busy and self._ident != threading.get_ident():
            self._idle.wait()
        self.final_s = self._read_all()
        for m in self.meters:
            m.close()
        return self.final_s

    def stop(self) -> Totals:
        """:meth:`finish`, then the final totals."""
        self.finish()
        return self.totals()

    def channel_owners(self) -> list[tuple[Meter, str]]:
        """``(meter, channel)`` for every channel read so far."""
        with self._lock:
            return [
                (self.meters[i], ch) for i, s in sorted(self._last.items()) for ch in s.energy_j
            ]

    def meter_warnings(self) -> list[CodedWarning]:
        seen: set[tuple[str, str]] = set()
        out = []
        mine = list(self.warnings)
        if self.on_sample_failures:
            n = self.on_sample_failures
            mine.append(
                CodedWarning(
                    WarningCode.CHECKPOINT_FAILED,
                    f"{n} periodic checkpoint{'s' if n > 1 else ''} failed (sampling went on); "
                    f"first: {self._on_sample_error}",
                )
            )
        for w in [*(w for m in self.meters for w in m.warnings), *mine]:
            if (w.code, w.message) not in seen:
                seen.add((w.code, w.message))
                out.append(w)
        return out
