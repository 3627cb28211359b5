"""OpenTelemetry metrics for a running tracker: ``track(..., otel=True)``.

Two instruments on the meter ``empreinte``, one data point per measured component (``gpu``,
``cpu``, ``ram``, ``other``) with the attributes ``component``, ``run``, ``stage`` and
``report_id``:

- ``empreinte.energy`` (a Counter, unit ``J``): the energy measured since the tracker started,
  added as the sampler reads the meters (the central value, as the report's ``energy``), and
  completed with the last reading when the tracker stops, so the counter's final sum is the
  report's energy per component;
- ``empreinte.power`` (a Gauge, unit ``W``): the mean power over the last sampling interval.

Exported to Prometheus (the Collector's ``prometheus`` exporter, or the SDK's
``PrometheusMetricReader``) they are named ``empreinte_energy_joules_total`` and
``empreinte_power_watts``, as ``empreinte run --metrics-port`` serves them: one dashboard reads
both.

``otel=True`` uses the global ``MeterProvider`` (``opentelemetry.metrics.set_meter_provider``,
or what ``opentelemetry-instrument`` configured); ``otel=provider`` uses that provider. Only
the OpenTelemetry API is imported (``pip install 'empreinte[otel]'``); the SDK, its readers and
exporters are the program's. A component that no meter reads gets no data point (never a
zero). As with ``metrics_port``, only the process that reads meters emits (local rank 0 of each
node in distributed runs).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from empreinte.errors import ConfigError
from empreinte.measure.metrics import by_component, power_by_component

if TYPE_CHECKING:
    from empreinte.measure.monitor import Tracker
    from empreinte.measure.sampler import Totals

__all__ = ["ENERGY_INSTRUMENT", "POWER_INSTRUMENT", "OtelMetrics", "check_available"]

ENERGY_INSTRUMENT = "empreinte.energy"
POWER_INSTRUMENT = "empreinte.power"
INSTALL_HINT = "OpenTelemetry metrics need opentelemetry-api: pip install 'empreinte[otel]'"


def check_available(otel: object) -> None:
    """Raise :class:`ConfigError` now (before anything runs) if ``otel`` is asked for and the
    OpenTelemetry API is not installed, or is neither a bool nor a ``MeterProvider``."""
    if otel is None or otel is False:
        return
    try:
        from opentelemetry.metrics import MeterProvider
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None
    if otel is not True and not isinstance(otel, MeterProvider):
        raise ConfigError(
            f"otel must be True or an OpenTelemetry MeterProvider, got {type(otel).__name__}"
        )


class OtelMetrics:
    """Feeds a tracker's energy and power to OpenTelemetry instruments."""

    def __init__(self, tracker: Tracker, otel: Any) -> None:
        check_available(otel)
        from opentelemetry import metrics

        from empreinte._version import __version__

        provider = metrics.get_meter_provider() if otel is True else otel
        meter = provider.get_meter("empreinte", __version__)
        self._energy = meter.create_counter(
            ENERGY_INSTRUMENT, unit="J", description="Energy measured since the run started"
        )
        self._power = meter.create_gauge(
            POWER_INSTRUMENT, unit="W", description="Mean power over the last sampling interval"
        )
        self.tracker = tracker
        self._lock = threading.Lock()
        self._sent: dict[str, float] = {}  # joules already added, per component
        self._last: Totals | None = None

    def _attributes(self, component: str) -> dict[str, str]:
        t = self.tracker
        return {"component": component, "run": t.name, "stage": t.stage, "report_id": t.report_id}

    def observe(self, totals: Totals) -> None:
        """Add the energy measured since the last call; set the power over that interval
        (called from the sampler thread, and once more with the final totals)."""
        with self._lock:
            now = by_component(totals.energy_j)
            prev, self._last = self._last, totals
            watts = power_by_component(totals, prev)
            for comp, joules in sorted(now.items()):
                attrs = self._attributes(comp)
                added = joules - self._sent.get(comp, 0.0)
                if added > 0:  # a counter only grows: a dip is carried to the next reading
                    self._energy.add(added, attrs)
                    self._sent[comp] = joules
                if comp in watts:  # a component first read now has no interval yet
                    self._power.set(watts[comp], attrs)
