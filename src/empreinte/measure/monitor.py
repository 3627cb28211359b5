"""Track the energy of a block of code: ``with empreinte.track("train") as t:``.

A :class:`Tracker` is a context manager and a decorator. Inside, ``t.window("epoch-3")``
opens a named window (nested windows record their parent), ``t.count(tokens=512)`` adds work
counters (the report's functional unit), and a background :class:`Sampler` reads the meters
every ``interval_s``. Every ``checkpoint_s`` (default 10 s) the report-so-far is written
atomically to ``out`` with ``status: "incomplete"``, so a ``kill -9`` loses at most one
interval; a normal end writes ``status: "complete"``. ``sync="torch"`` synchronises CUDA at
window edges so queued kernels are charged to the right window. When stderr is a terminal a
live power line is shown (rich).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ContextDecorator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from empreinte.errors import ConfigError
from empreinte.measure.base import J_PER_KWH, Meter
from empreinte.measure.result import Attribution, Measured, WindowRecord, to_report
from empreinte.measure.sampler import Sampler, Totals

if TYPE_CHECKING:
    from empreinte.report.models import Report

__all__ = ["Tracker", "power_line", "track", "write_atomic"]


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never half."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _torch_sync() -> None:
    torch = sys.modules.get("torch")  # only if the user's code already imported it
    if torch is not None and torch.cuda.is_available():
        torch.cuda.synchronize()


class Tracker(ContextDecorator):
    """Measures energy between :meth:`start` and :meth:`stop` (see the module docstring)."""

    def __init__(
        self,
        name: str = "run",
        *,
        stage: str = "other",
        meters: Sequence[Meter] | None = None,
        interval_s: float = 1.0,
        checkpoint_s: float = 10.0,
        out: str | os.PathLike[str] | None = None,
        location: str | None = None,
        pue: float | None = None,
        functional_unit: str | None = None,
        task: str | None = None,
        sync: str | Callable[[], None] | None = None,
        live: bool | None = None,
    ) -> None:
        if interval_s <= 0 or checkpoint_s <= 0:
            raise ConfigError("interval_s and checkpoint_s must be positive")
        if isinstance(sync, str) and sync != "torch":
            raise ConfigError(f"sync must be 'torch' or a callable, got {sync!r}")
        self.name, self.stage, self.task = name, stage, task
        self.interval_s, self.checkpoint_s = interval_s, checkpoint_s
        self.out = Path(out) if out is not None else None
        self.location, self.pue, self.functional_unit = location, pue, functional_unit
        self._sync: Callable[[], None] | None = None
        if sync == "torch":
            self._sync = _torch_sync
        elif callable(sync):
            self._sync = sync
        self._live_wanted = live
        self._given_meters = list(meters) if meters is not None else None
        self.sampler: Sampler | None = None
        self.attribution: Attribution | None = None
        self.topology: dict[str, Any] | None = None
        self._reset()

    def _reset(self) -> None:
        self.counters: dict[str, float] = {}
        self.windows: list[WindowRecord] = []
        self._stack: list[tuple[str, float, Totals, dict[str, float]]] = []
        self._t0 = 0.0
        self._started_at = datetime.now(UTC)
        self._final: Totals | None = None
        self._last_checkpoint = 0.0
        self._live: Any = None
        self._prev: Totals | None = None

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> Tracker:
        from empreinte.measure.distributed import is_measurer
        from empreinte.measure.doctor import default_meters

        self._reset()
        meters: list[Meter] = []
        if is_measurer():  # one measurer per node in distributed runs
            meters = self._given_meters if self._given_meters is not None else default_meters()[0]
        self.sampler = Sampler(meters, self.interval_s, on_sample=self._on_sample)
        if self._sync:
            self._sync()
        self._started_at = datetime.now(UTC)
        self._t0 = self._last_checkpoint = time.monotonic()
        self._prev = self.sampler.start()
        if self._live_wanted or (self._live_wanted is None and sys.stderr.isatty()):
            self._start_live()
        return self

    def stop(self, status: str = "complete") -> Report:
        """Stop measuring, write ``out`` (if set) and return the report."""
        if self.sampler is None:
            raise ConfigError("the tracker was not started")
        if self._sync:
            self._sync()
        while self._stack:  # windows left open by an exception
            self._close_window()
        self._final = self.sampler.stop()
        if self._live is not None:
            self._live.stop()
            self._live = None
        report = self.report(status)
        if self.out is not None and self.is_writer:
            write_atomic(self.out, report.to_json())
        return report

    @property
    def is_writer(self) -> bool:
        """Whether this process writes the report (global rank 0 in distributed runs)."""
        return os.environ.get("RANK", "0") == "0"

    def __enter__(self) -> Tracker:
        return self.start()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.stop("complete" if exc_type is None else "incomplete")

    # -- windows and counters -----------------------------------------------------------
    def window(self, name: str) -> _Window:
        """A named window (context manager); windows nest."""
        return _Window(self, name)

    def _open_window(self, name: str) -> None:
        if self.sampler is None:
            raise ConfigError("open windows inside a started tracker")
        if self._sync:
            self._sync()
        self._stack.append((name, time.monotonic(), self.sampler.read_now(), {}))

    def _close_window(self) -> None:
        assert self.sampler is not None
        if self._sync:
            self._sync()
        end = self.sampler.read_now()
        name, t_start, start, counters = self._stack.pop()
        parent = self._stack[-1][0] if self._stack else None
        self.windows.append(
            WindowRecord(
                name, parent, t_start - self._t0, end.time_s - self._t0, end.minus(start), counters
            )
        )

    def count(self, **counters: float) -> None:
        """Add work done (``tokens=512, samples=8``) to the run and to every open window."""
        for k, v in counters.items():
            self.counters[k] = self.counters.get(k, 0.0) + v
            for *_, wc in self._stack:
                wc[k] = wc.get(k, 0.0) + v

    # -- results ------------------------------------------------------------------------
    def measured(self) -> Measured:
        """What was measured so far (totals at the last reading)."""
        if self.sampler is None:
            raise ConfigError("the tracker was not started")
        totals = self._final or self.sampler.totals()
        duration = totals.time_s - self._t0
        meters = [(m.name, m.method, ch) for m, ch in self.sampler.channel_owners()]
        return Measured(
            name=self.name,
            stage=self.stage,
            energy_j=dict(totals.energy_j),
            meters=meters,
            interval_s=self.interval_s,
            duration_s=max(duration, 0.0),
            started_at=self._started_at,
            ended_at=datetime.now(UTC),
            windows=list(self.windows),
            counters=dict(self.counters),
            warnings=self.sampler.meter_warnings(),
            topology=self.topology,
        )

    def report(self, status: str = "complete") -> Report:
        m = self.measured()
        from empreinte.measure import distributed

        m = distributed.reduce(m)
        return to_report(
            m,
            status=status,
            location=self.location,
            pue=self.pue,
            functional_unit=self.functional_unit,
            attribution=self.attribution,
            task=self.task,
        )

    # -- periodic work (sampler thread) -------------------------------------------------
    def _on_sample(self, totals: Totals) -> None:
        if self._live is not None and self._prev is not None:
            self._update_live(totals)
        self._prev = totals
        if self.out is not None and totals.time_s - self._last_checkpoint >= self.checkpoint_s:
            self._last_checkpoint = totals.time_s
            if self.is_writer and os.environ.get("WORLD_SIZE", "1") == "1":
                write_atomic(self.out, self.report("incomplete").to_json())

    def _start_live(self) -> None:
        from rich.console import Console
        from rich.live import Live

        self._live = Live("", console=Console(stderr=True), transient=True, auto_refresh=False)
        self._live.start()

    def _update_live(self, totals: Totals) -> None:
        assert self._prev is not None
        self._live.update(power_line(self.name, self._prev, totals, self._t0), refresh=True)


def power_line(name: str, prev: Totals, now: Totals, t0: float) -> str:
    """``⚡ train  412.3 W  0.0123 kWh  00:01:23`` (the live line)."""
    from empreinte.measure.result import total_kwh

    dt = now.time_s - prev.time_s
    delta_j = (total_kwh(now.energy_j).value - total_kwh(prev.energy_j).value) * J_PER_KWH
    watts = delta_j / dt if dt > 0 else 0.0
    elapsed = int(now.time_s - t0)
    clock = f"{elapsed // 3600:02d}:{elapsed // 60 % 60:02d}:{elapsed % 60:02d}"
    return f"⚡ {name}  {watts:7.1f} W  {total_kwh(now.energy_j).value:.4f} kWh  {clock}"


class _Window:
    def __init__(self, tracker: Tracker, name: str) -> None:
        self.tracker, self.name = tracker, name

    def __enter__(self) -> _Window:
        self.tracker._open_window(self.name)
        return self

    def __exit__(self, *exc: object) -> None:
        self.tracker._close_window()


def track(name: str = "run", **options: Any) -> Tracker:
    """A :class:`Tracker` (context manager or decorator); options as :class:`Tracker`'s."""
    return Tracker(name, **options)
