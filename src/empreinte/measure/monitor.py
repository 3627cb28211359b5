"""Track the energy of a block of code: ``with empreinte.track("train") as t:``.

A :class:`Tracker` is a context manager and a decorator. Inside, ``t.window("epoch-3")``
opens a named window (nested windows record their parent), ``t.count(tokens=512)`` adds work
counters (the report's functional unit), and a background :class:`Sampler` reads the meters
every ``interval_s``. Every ``checkpoint_s`` (default 10 s) the report-so-far is written
atomically to ``out`` with ``status: "incomplete"``, so a ``kill -9`` loses at most one
interval; a normal end writes ``status: "complete"``. ``sync="torch"`` synchronises CUDA at
window edges so queued kernels are charged to the right window. When stderr is a terminal a
live power line is shown (rich). When the program imported ``mlflow`` and a run is active when
the tracker stops, the report is logged to it (``Tracker.log_to_mlflow``; see
:mod:`empreinte.integrations.mlflow`). ``metrics_port=PORT`` serves the energy and power as
OpenMetrics while the tracker runs (:mod:`empreinte.measure.metrics`); ``otel=True`` emits them
through OpenTelemetry metrics (:mod:`empreinte.measure.otel`).

Overhead: ``start`` probes the meters (probe results of absent GPU SDKs are cached per
process) and starts the sampler; ``stop`` (and leaving the ``with`` block) only stops the
sampler, takes a last reading and closes the meters. The full :class:`Report` (pydantic
model, impacts, per-window energy) is built lazily: when :meth:`Tracker.report` is called,
when ``out`` is written (at the end and at each checkpoint, in the sampler thread), or by
:meth:`Tracker.stop`, which returns it. Windows record times and the counters' readings at
their edges; meters that model power from load (the estimation fallback) are interpolated
between their samples instead (see :mod:`empreinte.measure.sampler`).

Parts computed elsewhere join the report through ``Tracker.parts`` (name -> an object with
``apply(report) -> report``): :mod:`empreinte.genai` adds the ``remote`` layer of the API calls
made while a tracker runs (:func:`active_trackers`), without this layer importing it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ContextDecorator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from empreinte.errors import ConfigError, SettingError
from empreinte.measure.base import J_PER_KWH, Meter
from empreinte.measure.result import Attribution, Measured, WindowRecord, to_report
from empreinte.measure.sampler import Sampler, Totals
from empreinte.vocabulary import STAGES

if TYPE_CHECKING:
    from pathlib import Path

    from opentelemetry.metrics import MeterProvider

    from empreinte.factors.site import Site
    from empreinte.report.models import Report

__all__ = ["ReportPart", "Tracker", "active_trackers", "power_line", "track", "write_atomic"]


class ReportPart(Protocol):
    """A part of the report computed outside the tracker (see ``Tracker.parts``)."""

    def apply(self, report: Report) -> Report: ...


_ACTIVE: list[Tracker] = []  # started and not yet finished, in start order


def active_trackers() -> list[Tracker]:
    """The trackers running now (started, not finished), outermost first; a shared list."""
    return _ACTIVE


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never half."""
    import tempfile
    from pathlib import Path

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


def _is_measurer() -> bool:
    """:func:`empreinte.measure.distributed.is_measurer` without importing that module."""
    if "empreinte.measure.distributed" in sys.modules:  # it may be patched
        from empreinte.measure.distributed import is_measurer

        return is_measurer()
    return os.environ.get("LOCAL_RANK", os.environ.get("SLURM_LOCALID", "0")) == "0"


def _torch_sync() -> None:
    torch = sys.modules.get("torch")  # only if the user's code already imported it
    if torch is not None and torch.cuda.is_available():
        torch.cuda.synchronize()


class Tracker(ContextDecorator):
    """Measures energy between :meth:`start` and :meth:`stop` (see the module docstring).

    Every option is checked here, before anything runs: a bad ``stage``, ``pue`` or
    ``location`` raises a :class:`~empreinte.errors.SettingError` (or ``UnknownKeyError``)
    naming it, not an error after the block. ``location`` is a zone code, a
    ``cloud:PROVIDER:REGION`` string or a resolved :class:`~empreinte.factors.site.Site`;
    ``None`` means the ``location`` setting (``EMPREINTE_LOCATION``, the config file), else
    unknown. The resolved site is :attr:`site`. ``meter_url``, ``meter_select`` and
    ``meter_poll_s`` configure a fleet meter named in ``meters`` (``"alumet"``...)."""

    log_to_mlflow = True
    """When the run ends, log the report to the active MLflow run (if the program imported
    mlflow and started one): metrics and the report artifact
    (:mod:`empreinte.integrations.mlflow`)."""

    def __init__(
        self,
        name: str = "run",
        *,
        stage: str = "other",
        meters: Sequence[Meter | str] | None = None,
        meter_url: str | None = None,
        meter_select: str | None = None,
        meter_poll_s: float | None = None,
        interval_s: float = 1.0,
        checkpoint_s: float = 10.0,
        out: str | os.PathLike[str] | None = None,
        location: str | Site | None = None,
        pue: float | None = None,
        functional_unit: str | None = None,
        task: str | None = None,
        sync: str | Callable[[], None] | None = None,
        live: bool | None = None,
        report_id: str | None = None,
        metrics_port: int | None = None,
        otel: bool | MeterProvider | None = None,
    ) -> None:
        if stage not in STAGES:
            raise SettingError("stage", stage, STAGES)
        import uuid

        self.report_id = report_id or uuid.uuid4().hex  # one id: checkpoints and final report
        if interval_s <= 0 or checkpoint_s <= 0:
            raise ConfigError("interval_s and checkpoint_s must be positive")
        self.site = _site(location, pue)
        if isinstance(sync, str) and sync != "torch":
            raise ConfigError(f"sync must be 'torch' or a callable, got {sync!r}")
        self.name, self.stage, self.task = name, stage, task
        self.interval_s, self.checkpoint_s = interval_s, checkpoint_s
        self.out: Path | None = None
        if out is not None:
            from pathlib import Path

            self.out = Path(out)
        self.location, self.pue = self.site.query, self.site.pue
        self.functional_unit = functional_unit
        self._sync: Callable[[], None] | None = None
        if sync == "torch":
            self._sync = _torch_sync
        elif callable(sync):
            self._sync = sync
        self._live_wanted = live
        self._given_meters = _given_meters(meters, meter_url, meter_select, meter_poll_s)
        self.sampler: Sampler | None = None
        self.attribution: Attribution | None = None
        self.command_exit: tuple[int, str | None] | None = None
        """``(exit code, signal name or None)`` of a command run under the tracker."""
        self.topology: dict[str, Any] | None = None
        self.metrics_port = metrics_port
        """Serve OpenMetrics at ``http://127.0.0.1:PORT/metrics`` while running
        (:mod:`empreinte.measure.metrics`)."""
        self._metrics: Any = None
        from empreinte.measure.otel import check_available

        check_available(otel)  # not installed, or not a provider: said now, not after the job
        self.otel = otel
        """Emit energy and power through OpenTelemetry metrics: ``True`` (the global
        ``MeterProvider``) or a provider (:mod:`empreinte.measure.otel`)."""
        self._otel: Any = None
        self._reset()

    def _reset(self) -> None:
        self.counters: dict[str, float] = {}
        self._edges: list[tuple[str, str | None, Totals, Totals, dict[str, float]]] = []
        self._windows: list[WindowRecord] | None = None
        self._stack: list[tuple[str, Totals, dict[str, float]]] = []
        self._t0 = 0.0
        self._started_at = datetime.now(UTC)
        self._ended_at: datetime | None = None
        self._status: str | None = None
        self._reduced: Measured | None = None
        self._reports: dict[str, Report] = {}
        self._last_checkpoint = 0.0
        self._live: Any = None
        self._prev: Totals | None = None
        self.parts: dict[str, ReportPart] = {}

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> Tracker:
        self._reset()
        meters: list[Meter] = []
        if _is_measurer():  # one measurer per node in distributed runs
            if self._given_meters is not None:
                meters = self._given_meters
            else:
                from empreinte.measure.doctor import default_meters

                meters = default_meters(describe=False)[0]
        self.sampler = Sampler(meters, self.interval_s, on_sample=self._on_sample)
        if self._sync:
            self._sync()
        self._started_at = datetime.now(UTC)
        self._t0 = self._last_checkpoint = time.monotonic()
        self._prev = self.sampler.start()
        if self.metrics_port is not None and _is_measurer():
            from empreinte.measure.metrics import MetricsServer

            self._metrics = MetricsServer(self, self.metrics_port)
            self._metrics.observe(self._prev)
            self._metrics.start()
        if self.otel and _is_measurer():
            from empreinte.measure.otel import OtelMetrics

            self._otel = OtelMetrics(self, self.otel)
            self._otel.observe(self._prev)
        if self._live_wanted or (self._live_wanted is None and sys.stderr.isatty()):
            self._start_live()
        _ACTIVE.append(self)
        return self

    def _finish(self, status: str) -> None:
        """Stop measuring (cheap: no report is built here, see the module docstring)."""
        if self.sampler is None:
            raise ConfigError("the tracker was not started")
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        if self._sync:
            self._sync()
        while self._stack:  # windows left open by an exception
            self._close_window()
        self.sampler.finish()
        if self._metrics is not None:
            self._metrics.stop()
            self._metrics = None
        if self._otel is not None:  # the tail since the last sample: the sum is the report's
            self._otel.observe(self.sampler.totals())
            self._otel = None
        self._ended_at = datetime.now(UTC)
        self._status = status
        if self._live is not None:
            self._live.stop()
            self._live = None
        if "torch" in sys.modules:  # distributed only if torch was imported
            from empreinte.measure import distributed

            if distributed.is_distributed():  # a collective: every rank takes part, now
                self._reduced = distributed.reduce(self.measured())
        if self.out is not None and self.is_writer:
            write_atomic(self.out, self.report(status).to_json())
        if self.log_to_mlflow and self.is_writer and "mlflow" in sys.modules:
            from empreinte.integrations.mlflow import active_run_id, failures_warned, log_report

            if active_run_id() is not None:  # the program's own MLflow run
                with failures_warned():
                    log_report(self.report(status))

    def stop(self, status: str = "complete") -> Report:
        """Stop measuring, write ``out`` (if set) and return the report (built here)."""
        self._finish(status)
        return self.report(status)

    @property
    def is_writer(self) -> bool:
        """Whether this process writes the report (global rank 0 in distributed runs)."""
        return os.environ.get("RANK", "0") == "0"

    def __enter__(self) -> Tracker:
        return self.start()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._finish("complete" if exc_type is None else "incomplete")

    # -- windows and counters -----------------------------------------------------------
    def window(self, name: str) -> _Window:
        """A named window (context manager); windows nest."""
        return _Window(self, name)

    def _open_window(self, name: str) -> None:
        if self.sampler is None:
            raise ConfigError("open windows inside a started tracker")
        if self._sync:
            self._sync()
        self._stack.append((name, self.sampler.read_edge(), {}))

    def _close_window(self) -> None:
        assert self.sampler is not None
        if self._sync:
            self._sync()
        end = self.sampler.read_edge()
        name, start, counters = self._stack.pop()
        parent = self._stack[-1][0] if self._stack else None
        self._edges.append((name, parent, start, end, counters))

    @property
    def windows(self) -> list[WindowRecord]:
        """The closed windows with their energy (computed on first access after the end)."""
        if self._windows is not None and len(self._windows) == len(self._edges):
            return self._windows
        if self.sampler is None:
            return []
        sampler = self.sampler
        out = [
            WindowRecord(
                name,
                parent,
                start.time_s - self._t0,
                end.time_s - self._t0,
                sampler.window(start, start.time_s, end, end.time_s),
                counters,
            )
            for name, parent, start, end, counters in self._edges
        ]
        if sampler.final_s is not None:  # final: interpolation has every sample it needs
            self._windows = out
        return out

    def count(self, **counters: float) -> None:
        """Add work done (``tokens=512, samples=8``) to the run and to every open window."""
        for k, v in counters.items():
            self.counters[k] = self.counters.get(k, 0.0) + v
            for _, _, wc in self._stack:
                wc[k] = wc.get(k, 0.0) + v

    # -- results ------------------------------------------------------------------------
    def measured(self) -> Measured:
        """What was measured so far (totals at the last reading)."""
        if self.sampler is None:
            raise ConfigError("the tracker was not started")
        totals = self.sampler.totals()
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
            ended_at=self._ended_at or datetime.now(UTC),
            windows=list(self.windows),
            counters=dict(self.counters),
            warnings=self.sampler.meter_warnings(),
            topology=self.topology,
            meter_notes={m.name: n for m in self.sampler.meters if (n := getattr(m, "note", ""))},
            sources=[s for m in self.sampler.meters if (s := getattr(m, "source", ""))],
        )

    def report(self, status: str | None = None) -> Report:
        """The full report (built on each call while running, once after the end).

        ``status`` defaults to how the run ended (``"incomplete"`` after an exception)."""
        status = status or self._status or "complete"
        done = self._ended_at is not None
        if done and status in self._reports:
            return self._reports[status]
        from empreinte.measure import distributed

        m = self._reduced if self._reduced is not None else distributed.reduce(self.measured())
        report = to_report(
            m,
            status=status,
            location=self.site,
            functional_unit=self.functional_unit,
            attribution=self.attribution,
            task=self.task,
            report_id=self.report_id,
        )
        for part in list(self.parts.values()):
            report = part.apply(report)
        if self.command_exit is not None:
            report.measurement.exit_code, report.measurement.signal = self.command_exit
        if done:
            self._reports[status] = report
        return report

    # -- periodic work (sampler thread) -------------------------------------------------
    def _on_sample(self, totals: Totals) -> None:
        if self._metrics is not None:
            self._metrics.observe(totals)
        if self._otel is not None:
            self._otel.observe(totals)
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


def _site(location: str | Site | None, pue: float | None) -> Site:
    """The tracker's site, resolved and checked now; ``None``: the ``location``/``pue``
    settings (environment, config file; :mod:`empreinte.config`)."""
    from empreinte.factors.site import Site, check_pue, resolve_site, site_from_settings

    if isinstance(location, Site):
        return location if pue is None else location.with_(pue=pue)
    check_pue(pue)
    if location is None or pue is None:
        return site_from_settings(location, pue, option_names=("location", "pue"))
    return resolve_site(location, pue=pue)


class _Window:
    def __init__(self, tracker: Tracker, name: str) -> None:
        self.tracker, self.name = tracker, name

    def __enter__(self) -> _Window:
        self.tracker._open_window(self.name)
        return self

    def __exit__(self, *exc: object) -> None:
        self.tracker._close_window()


def _given_meters(
    meters: Sequence[Meter | str] | None,
    url: str | None,
    select: str | None,
    poll_s: float | None = None,
) -> list[Meter] | None:
    """The meters given to a tracker: instances as they are, names (``"kepler"``) created
    from the registry and probed now, before the work starts."""
    if meters is None:
        return None
    if isinstance(meters, str):
        meters = [meters]
    names = [m for m in meters if isinstance(m, str)]
    if not names:
        return [m for m in meters if not isinstance(m, str)]
    from empreinte.measure.doctor import named_meters

    made = iter(named_meters(names, url=url, select=select, poll_s=poll_s))
    by_name = {n: next(made) for n in dict.fromkeys(names)}
    out: list[Meter] = []
    for m in meters:
        meter = by_name.pop(m, None) if isinstance(m, str) else m
        if meter is not None:  # a name given twice is one meter
            out.append(meter)
    return out


def track(name: str = "run", **options: Any) -> Tracker:
    """A :class:`Tracker` (context manager or decorator); options as :class:`Tracker`'s."""
    return Tracker(name, **options)
