"""Fleet agents as meters: energy that Kepler, Scaphandre or Alumet already export.

A Kubernetes or bare-metal fleet often runs an energy agent that publishes Prometheus
metrics. These meters scrape that text (the exporter's own ``/metrics``, or a Prometheus
server's ``/federate?match[]=...``, which serves the same format) each sampling interval and
turn the selected series into channels, so a job is measured by the agent the fleet already
runs. Each exporter's method is stated from its documentation (docs/integrations/fleet.md):

- **Kepler** (sustainable-computing.io): node-level ``kepler_node_*`` joules come from RAPL
  (``hw_counter``), unless the older exporter's ``source`` label names a model; per-pod,
  container, process and VM joules are Kepler's attribution of node energy by a model (ratio
  of CPU time, or a trained power model where RAPL is absent): ``software_model``. Both the
  current exporter (``kepler_node_cpu_joules_total{zone}``, ``kepler_pod_cpu_joules_total``,
  ...) and the older one (``kepler_node_package_joules_total``,
  ``kepler_container_package_joules_total``, ...) are read.
- **Scaphandre** (hubblo-org): ``scaph_host_energy_microjoules`` is the host's RAPL energy
  (``hw_counter``); ``scaph_process_power_consumption_microwatts`` is a power gauge, the host's
  RAPL power split by CPU-time share (``hw_counter`` attributed to processes, like
  ``empreinte run --attribution process``, with the ``process-attribution`` warning),
  integrated between scrapes (``series-sampled``).
- **Alumet** (alumet-dev): ``rapl_consumed_energy`` (J) and ``nvml_energy_consumption`` (mJ)
  are RAPL and NVML counter differences (``hw_counter``); its Prometheus exporter shows each
  as a gauge holding the energy of the last poll interval, so energy between scrapes is that
  value divided by the poll interval (``poll_s``, the ``meter_poll_s`` setting, default 1 s,
  Alumet's default) times the scrape interval (``series-sampled``).

A selector picks the series: ``level=pod,pod_namespace=ml,pod_name=train-0`` (``=`` exact,
``=~`` a full-match regular expression, ``!=`` not equal); ``level`` is one of the exporter's
levels (``node`` by default) and keeps node and workload series from being added together.
A counter that goes backwards restarted (``counter-reset``; what it counted after the restart
is kept); a selected series absent from a later scrape keeps the energy counted so far and is
reported (``series-missing``), never read as zero; an endpoint that stops answering fails the
meter (``meter-failed``), keeping what it had counted.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from empreinte.errors import CodedWarning, ConfigError, MeterError, WarningCode
from empreinte.measure.base import Availability, CounterAccumulator, EnergySample

__all__ = [
    "EXPORTERS",
    "AlumetMeter",
    "Exporter",
    "FleetMeter",
    "KeplerMeter",
    "MetricSample",
    "ScaphandreMeter",
    "Selector",
    "parse_metrics",
    "parse_selector",
]

Labels = Mapping[str, str]
Kind = Literal["counter", "power", "delta"]


@dataclass(frozen=True, slots=True)
class MetricSample:
    """One line of exposition text: a metric name, its labels, its value."""

    name: str
    labels: dict[str, str]
    value: float


_LINE = re.compile(r"^(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)(?:\{(?P<labels>.*)\})?\s+(?P<rest>\S.*)$")
_LABEL = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')
_UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


def _unescape(s: str) -> str:
    return re.sub(r"\\[\\\"n]", lambda m: _UNESCAPE[m.group(0)], s)


def parse_metrics(text: str) -> list[MetricSample]:
    """The samples of Prometheus text exposition or OpenMetrics text (comments, ``# EOF``
    and timestamps ignored); a line that does not parse is skipped."""
    out: list[MetricSample] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if m is None:
            continue
        labels: dict[str, str] = {}
        body = m["labels"] or ""
        pos = 0
        while pos < len(body):
            lm = _LABEL.match(body, pos)
            if lm is None:
                break
            labels[lm.group(1)] = _unescape(lm.group(2))
            pos = lm.end()
        try:
            value = float(m["rest"].split()[0])
        except ValueError:
            continue
        out.append(MetricSample(m["name"], labels, value))
    return out


@dataclass(frozen=True, slots=True)
class Selector:
    """Which series to read: an exporter level and label matchers."""

    level: str = "node"
    matchers: tuple[tuple[str, str, str], ...] = ()  # (label, op, value)

    def matches(self, labels: Labels) -> bool:
        """Whether a series' labels pass every matcher (an absent label reads ``""``, as in
        PromQL)."""
        for name, op, value in self.matchers:
            got = labels.get(name, "")
            if op == "=" and got != value:
                return False
            if op == "!=" and got == value:
                return False
            if op == "=~" and re.fullmatch(value, got) is None:
                return False
        return True

    def __str__(self) -> str:
        parts = [f"level={self.level}", *(f"{n}{op}{v}" for n, op, v in self.matchers)]
        return ",".join(parts)


_MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!=|=)\s*"?(.*?)"?\s*$')


def parse_selector(text: str | None) -> Selector:
    """``level=pod,pod_namespace=ml,pod_name=~train-.*`` (braces and quotes optional, as in
    PromQL); an empty or ``None`` selector reads the node level, all series."""
    if not text or not text.strip().strip("{}").strip():
        return Selector()
    level = "node"
    matchers: list[tuple[str, str, str]] = []
    for part in text.strip().strip("{}").split(","):
        if not part.strip():
            continue
        m = _MATCHER.match(part)
        if m is None:
            raise ConfigError(
                f"bad meter selector {part.strip()!r}: write label=value, label!=value or "
                "label=~regex, separated by commas"
            )
        name, op, value = m.groups()
        if name == "level":
            if op != "=":
                raise ConfigError("the selector's level is given with level=NAME")
            level = value
            continue
        if op == "=~":
            try:
                re.compile(value)
            except re.error as exc:
                raise ConfigError(f"bad regular expression in meter selector: {exc}") from None
        matchers.append((name, op, value))
    return Selector(level, tuple(matchers))


@dataclass(frozen=True, slots=True)
class Family:
    """How one metric family of an exporter becomes channels."""

    pattern: str  # full-match regex on the metric name
    level: str
    kind: Kind
    joules_per_unit: float  # per unit of the value (W for power: J per s)
    component: Callable[[Labels], str | None]  # None: not counted (part of another series)
    device: Callable[[Labels], str]


@dataclass(frozen=True, slots=True)
class Exporter:
    """One agent's metric families, levels and methods."""

    name: str
    source: str  # id in factors' sources.json: the agent's metric documentation
    families: tuple[Family, ...]
    node_method: str
    workload_method: str
    attribution_note: str
    method_of: Callable[[str, Labels], str] | None = None
    levels: tuple[str, ...] = field(default=())

    def method(self, level: str) -> str:
        """The measurement method of the series at ``level`` (node or a workload level)."""
        return self.node_method if level == "node" else self.workload_method


def _const(comp: str | None) -> Callable[[Labels], str | None]:
    return lambda labels: comp


def _kepler_zone(labels: Labels) -> str | None:
    return {"package": "cpu", "dram": "ram"}.get(labels.get("zone", ""))  # core, uncore: parts


def _join(*keys: str) -> Callable[[Labels], str]:
    def device(labels: Labels) -> str:
        return "/".join(labels.get(k, "") for k in keys if labels.get(k)) or "-"

    return device


_KEPLER_WORKLOAD_KEYS = {
    "pod": ("pod_namespace", "pod_name", "container_namespace", "pod_id"),
    "container": ("container_namespace", "pod_name", "container_name", "container_id"),
    "process": ("pid", "comm", "command"),
    "vm": ("vm_name", "vm_id"),
}
_OLD_COMPONENT = {"package": "cpu", "dram": "ram", "gpu": "gpu", "other": "other"}


def _kepler_families() -> tuple[Family, ...]:
    fams = [
        # current exporter (Kepler >= 0.10): RAPL zones, CPU only
        Family(
            r"kepler_node_cpu_joules_total",
            "node",
            "counter",
            1.0,
            _kepler_zone,
            _join("node_name", "zone", "path"),
        )
    ]
    for level, keys in _KEPLER_WORKLOAD_KEYS.items():
        fams.append(
            Family(
                rf"kepler_{level}_cpu_joules_total",
                level,
                "counter",
                1.0,
                _kepler_zone,
                _join(*keys, "zone"),
            )
        )
    # older exporter (Kepler <= 0.7): one family per component, idle and dynamic modes
    for part, comp in _OLD_COMPONENT.items():
        fams.append(
            Family(
                rf"kepler_node_{part}_joules_total",
                "node",
                "counter",
                1.0,
                _const(comp),
                _join("instance", "node_name", "package", "index", "mode"),
            )
        )
        fams.append(
            Family(
                rf"kepler_container_{part}_joules_total",
                "container",
                "counter",
                1.0,
                _const(comp),
                _join("container_namespace", "pod_name", "container_name", "mode"),
            )
        )
        fams.append(
            Family(
                rf"kepler_process_{part}_joules_total",
                "process",
                "counter",
                1.0,
                _const(comp),
                _join("pid", "command", "mode"),
            )
        )
    return tuple(fams)


def _kepler_method(level: str, labels: Labels) -> str:
    """Node series: RAPL unless the older exporter's ``source`` names a model."""
    if level != "node":
        return "software_model"
    source = labels.get("source", "").lower()
    return "software_model" if ("model" in source or "estimat" in source) else "hw_counter"


def _alumet_component(labels: Labels) -> str | None:
    kind = labels.get("resource_kind", "")
    domain = labels.get("domain", "")
    if kind == "gpu":
        return "gpu"
    if kind != "cpu_package":  # local_machine carries the *_total sums of the packages
        return None
    return {"package": "cpu", "dram": "ram"}.get(domain)  # pp0/pp1: parts of the package


KEPLER = Exporter(
    "kepler",
    "kepler-metrics",
    _kepler_families(),
    "hw_counter",
    "software_model",
    "Kepler attributes node energy to workloads with a model (ratio of CPU time, or a trained "
    "power model where RAPL is absent)",
    _kepler_method,
    ("node", "pod", "container", "process", "vm"),
)
SCAPHANDRE = Exporter(
    "scaphandre",
    "scaphandre-metrics",
    (
        Family(
            r"scaph_host_energy_microjoules",
            "node",
            "counter",
            1e-6,
            _const("cpu"),
            _join("instance", "node"),
        ),
        Family(
            r"scaph_process_power_consumption_microwatts",
            "process",
            "power",
            1e-6,
            _const("cpu"),
            _join("instance", "pid", "exe"),
        ),
    ),
    "hw_counter",
    "hw_counter",
    "Scaphandre splits the host's RAPL power between processes by their share of CPU time",
    None,
    ("node", "process"),
)
ALUMET = Exporter(
    "alumet",
    "alumet-metrics",
    (
        Family(
            r"(?:\w+_)?rapl_consumed_energy(?:_J)?(?:_\w+)?",
            "node",
            "delta",
            1.0,
            _alumet_component,
            _join("resource_kind", "resource_id", "domain"),
        ),
        Family(
            r"(?:\w+_)?nvml_energy_consumption(?:_mJ)?(?:_\w+)?",
            "node",
            "delta",
            1e-3,
            _alumet_component,
            _join("resource_kind", "resource_id"),
        ),
    ),
    "hw_counter",
    "hw_counter",
    "",
    None,
    ("node",),
)
EXPORTERS: dict[str, Exporter] = {e.name: e for e in (KEPLER, SCAPHANDRE, ALUMET)}
"""The agents these meters read, by name."""


@dataclass(slots=True)
class _Series:
    channel: str
    kind: Kind
    scale: float
    acc: CounterAccumulator | None = None
    last_w: float = 0.0
    energy_j: float = 0.0
    last_t: float | None = None
    missing: int = 0


class FleetMeter:
    """Energy of the series an agent exports, scraped from ``url`` (see the module docstring).

    ``url``, ``select`` and ``poll_s`` default to the ``meter_url``, ``meter_select`` and
    ``meter_poll_s`` settings (``EMPREINTE_METER_URL``, ``EMPREINTE_METER_SELECT``,
    ``EMPREINTE_METER_POLL_S``, the config file); ``poll_s``, the agent's poll interval, scales
    Alumet's per-poll energy gauges (the other agents export counters or power)."""

    exporter: Exporter = KEPLER
    name = "fleet"
    method = "hw_counter"  # the node level's; a workload level may set software_model
    poll_interval_s: float | None = None

    def __init__(
        self,
        url: str | None = None,
        select: str | Selector | None = None,
        *,
        timeout_s: float = 5.0,
        poll_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from empreinte import config

        self.name = self.exporter.name
        self.url: str | None = config.get("meter_url", url)
        raw = select if isinstance(select, Selector) else config.get("meter_select", select)
        self.selector = raw if isinstance(raw, Selector) else parse_selector(raw)
        if self.selector.level not in self.exporter.levels:
            raise ConfigError(
                f"{self.name} has no level {self.selector.level!r}; "
                f"levels: {', '.join(self.exporter.levels)}"
            )
        self.poll_s: float = config.get("meter_poll_s", poll_s)
        self.timeout_s = timeout_s
        self.clock = clock
        self.method = self.exporter.method(self.selector.level)
        self.source = self.exporter.source
        self.warnings: list[CodedWarning] = []
        self._series: dict[tuple[str, tuple[tuple[str, str], ...]], _Series] = {}
        self._closed = False
        self.scrapes = 0

    # -- scraping -------------------------------------------------------------------------
    def _fetch(self) -> str:
        if not self.url:
            raise MeterError(f"no endpoint for the {self.name} meter")
        req = urllib.request.Request(
            self.url, headers={"Accept": "text/plain;version=0.0.4", "User-Agent": "empreinte"}
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                body: bytes = resp.read()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise MeterError(f"cannot scrape {self.url}: {exc}") from None
        return body.decode("utf-8", "replace")

    def _selected(self, samples: list[MetricSample]) -> list[tuple[Family, MetricSample]]:
        out = []
        for s in samples:
            for fam in self.exporter.families:
                if fam.level != self.selector.level or re.fullmatch(fam.pattern, s.name) is None:
                    continue
                if self.selector.matches(s.labels) and fam.component(s.labels) is not None:
                    out.append((fam, s))
                break
        return out

    def probe(self) -> Availability:
        """Scrape once: available when the endpoint answers and the selector finds series."""
        if not self.url:
            return Availability(
                False,
                f"no endpoint given for {self.name}",
                f"give `--meter {self.name} --meter-url URL` (its /metrics, or a Prometheus "
                "server's /federate) or set EMPREINTE_METER_URL",
            )
        try:
            found = self._selected(parse_metrics(self._fetch()))
        except MeterError as exc:
            return Availability(False, str(exc), f"check that {self.name} serves {self.url}")
        if not found:
            return Availability(
                False,
                f"no {self.name} series at {self.url} matches {self.selector}",
                "check the selector's labels against the endpoint's text (curl URL)",
            )
        channels = tuple(sorted({self._channel(f, s) for f, s in found}))
        return Availability(
            True, f"{len(found)} series at {self.url} ({self.method})", None, channels
        )

    def _channel(self, fam: Family, s: MetricSample) -> str:
        comp = fam.component(s.labels)
        return f"{comp}:{self.name}/{fam.device(s.labels)}"

    def read(self) -> EnergySample:
        """Scrape and return the energy per channel counted since the first scrape (J)."""
        if self._closed:
            raise MeterError(f"{self.name} meter is closed")
        samples = parse_metrics(self._fetch())  # raises MeterError: the sampler drops us
        now = self.clock()
        found = self._selected(samples)
        self.scrapes += 1
        if not found and not self._series:
            raise MeterError(f"no {self.name} series at {self.url} matches {self.selector}")
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        for fam, s in found:
            key = (s.name, tuple(sorted(s.labels.items())))
            seen.add(key)
            ser = self._series.get(key)
            if ser is None:
                ser = self._series[key] = _Series(
                    self._channel(fam, s),
                    fam.kind,
                    fam.joules_per_unit,
                    acc=CounterAccumulator() if fam.kind == "counter" else None,
                )
                self._note_method(fam, s)
            self._update(ser, s.value, now)
        for key, ser in self._series.items():
            if key not in seen:
                ser.missing += 1
                ser.last_t = None  # no integration across the gap
        return EnergySample(now, self._energies())

    def _note_method(self, fam: Family, s: MetricSample) -> None:
        if self.exporter.method_of is not None:
            m = self.exporter.method_of(fam.level, s.labels)
            if m == "software_model":
                self.method = m

    def _update(self, ser: _Series, value: float, now: float) -> None:
        if ser.kind == "counter":
            assert ser.acc is not None
            resets = ser.acc.resets
            ser.energy_j = ser.acc.update(value) * ser.scale
            if ser.acc.resets > resets:
                self._warn(
                    WarningCode.COUNTER_RESET,
                    f"{ser.channel}: the exporter's counter went backwards (agent restarted); "
                    "energy counted again from its new value",
                )
        elif ser.kind == "power":  # trapezoids between scrapes, none across a gap
            watts = value * ser.scale
            if ser.last_t is not None:
                ser.energy_j += (now - ser.last_t) * (watts + ser.last_w) / 2
            ser.last_w = watts
        else:  # delta: energy of the agent's last poll interval, as a gauge
            if ser.last_t is not None:
                ser.energy_j += value * ser.scale / self.poll_s * (now - ser.last_t)
        ser.last_t = now

    def _energies(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for ser in self._series.values():
            out[ser.channel] = out.get(ser.channel, 0.0) + ser.energy_j
        return out

    def _warn(self, code: WarningCode, message: str) -> None:
        if all(w.message != message for w in self.warnings):
            self.warnings.append(CodedWarning(code, message))

    def finish_warnings(self) -> None:
        """Turn what was seen while reading into coded warnings (called on close)."""
        missing = [s for s in self._series.values() if s.missing]
        for ser in missing:
            self._warn(
                WarningCode.SERIES_MISSING,
                f"{ser.channel}: absent from {ser.missing} of {self.scrapes} scrapes of "
                f"{self.url}; its energy is counted up to its last scrape (a counter that "
                "came back counts the gap), never read as zero",
            )
        kinds = {s.kind for s in self._series.values()}
        if "power" in kinds or "delta" in kinds:
            what = (
                "power gauges integrated between scrapes"
                if "power" in kinds
                else f"per-interval energy gauges (poll {self.poll_s:g} s) scaled to "
                "the scrape intervals"
            )
            self._warn(
                WarningCode.SERIES_SAMPLED,
                f"{self.name}: energy from {what}, not from a cumulative counter; a scrape "
                "interval near the agent's own interval keeps the error small",
            )
        if self.selector.level != "node" and self.exporter.attribution_note:
            self._warn(
                WarningCode.PROCESS_ATTRIBUTION,
                f"{self.exporter.attribution_note}; the {self.selector.level} energy is that "
                f"attribution ({self.selector})",
            )

    @property
    def note(self) -> str:
        """What the report's meter entries say about where the energy came from."""
        return (
            f"{self.name} via {self.url} ({self.selector}); method {self.method} "
            f"(source: {self.source})"
        )[:500]

    def close(self) -> None:
        """Stop reading; the warnings of what was seen are final (:meth:`finish_warnings`)."""
        if not self._closed:
            self.finish_warnings()
        self._closed = True


class KeplerMeter(FleetMeter):
    """Kepler's node, pod, container, process or VM joules."""

    exporter = KEPLER
    name = KEPLER.name


class ScaphandreMeter(FleetMeter):
    """Scaphandre's host energy counter or per-process power."""

    exporter = SCAPHANDRE
    name = SCAPHANDRE.name


class AlumetMeter(FleetMeter):
    """Alumet's RAPL and NVML energy through its Prometheus exporter."""

    exporter = ALUMET
    name = ALUMET.name
