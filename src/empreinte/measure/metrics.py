"""OpenMetrics for a running tracker: ``/metrics`` served by ``prometheus_client``.

``track(..., metrics_port=PORT)`` and ``empreinte run --metrics-port PORT -- CMD`` serve, while
the job runs, two families per component (``gpu``, ``cpu``, ``ram``, ``other``):

- ``empreinte_energy_joules_total{component, run, stage, report_id}``: the energy measured since
  the tracker started (a counter; the central value, as the report's ``energy``);
- ``empreinte_power_watts{component, run, stage, report_id}``: the mean power over the last
  sampling interval (a gauge).

Both are read from the sampler's latest totals when Prometheus scrapes: nothing is measured for
the scrape itself. A component that no meter reads has no series (never a zero). The server
listens on 127.0.0.1 unless ``addr`` says otherwise, and stops with the tracker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from empreinte.errors import ConfigError

if TYPE_CHECKING:
    from empreinte.measure.monitor import Tracker
    from empreinte.measure.sampler import Totals

__all__ = ["MetricsServer", "by_component", "power_by_component"]


def by_component(energy_j: dict[str, tuple[float, float, float]]) -> dict[str, float]:
    """Central joules per component from per-channel totals (``gpu:0`` -> ``gpu``)."""
    out: dict[str, float] = {}
    for channel, (value, _lo, _hi) in energy_j.items():
        comp = channel.split(":", 1)[0]
        out[comp] = out.get(comp, 0.0) + value
    return out


def power_by_component(last: Totals, prev: Totals | None) -> dict[str, float]:
    """Mean watts per component between two totals; a component absent from ``prev`` (first
    read after it) has no interval yet and no power (its joules since the start are not one
    interval's). Empty without a positive interval."""
    if prev is None or last.time_s <= prev.time_s:
        return {}
    dt = last.time_s - prev.time_s
    before = by_component(prev.energy_j)
    return {
        comp: (joules - before[comp]) / dt
        for comp, joules in by_component(last.energy_j).items()
        if comp in before
    }


class MetricsServer:
    """Serves a tracker's energy and power at ``http://ADDR:PORT/metrics``."""

    def __init__(self, tracker: Tracker, port: int, addr: str = "127.0.0.1") -> None:
        if not 0 < port < 65536:
            raise ConfigError(f"metrics port must be between 1 and 65535, got {port}")
        self.tracker, self.port, self.addr = tracker, port, addr
        self._server: Any = None
        self._thread: Any = None
        self._prev: Totals | None = None
        self._last: Totals | None = None

    def observe(self, totals: Totals) -> None:
        """Keep the two latest totals (called from the sampler thread)."""
        self._prev, self._last = self._last, totals

    def start(self) -> None:
        try:
            from prometheus_client import CollectorRegistry, start_http_server
        except ImportError:
            raise ConfigError(
                "serving metrics needs prometheus_client: pip install 'empreinte[metrics]'"
            ) from None
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        try:
            self._server, self._thread = start_http_server(
                self.port, addr=self.addr, registry=registry
            )
        except OSError as exc:
            raise ConfigError(f"cannot serve metrics on {self.addr}:{self.port}: {exc}") from None

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        t = self.tracker
        labels = ["component", "run", "stage", "report_id"]
        energy = CounterMetricFamily(
            "empreinte_energy_joules", "Energy measured since the run started (J)", labels=labels
        )
        power = GaugeMetricFamily(
            "empreinte_power_watts", "Mean power over the last sampling interval (W)", labels=labels
        )
        last, prev = self._last, self._prev
        if last is not None:
            now = by_component(last.energy_j)
            for comp, joules in sorted(now.items()):
                energy.add_metric([comp, t.name, t.stage, t.report_id], joules)
            for comp, watts in sorted(power_by_component(last, prev).items()):
                power.add_metric([comp, t.name, t.stage, t.report_id], watts)
        yield energy
        yield power
