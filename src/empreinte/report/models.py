"""The report standard, schema ``empreinte.report/1``: pydantic models.

One report describes the footprint of one AI job or system at one life-cycle stage. Every
quantity is an :class:`Estimate` (value with low/high bounds) with its unit in its name.
Unknown keys are rejected (``extra="forbid"``) so that typos are caught and named. The JSON
Schema generated from these models is checked in at ``schema/report-1.json``.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    field_validator,
    model_validator,
)

from empreinte.vocabulary import CRITERIA
from empreinte.vocabulary import METHOD_TIER as METHOD_TIER

__all__ = [
    "MAX_MAGNITUDE",
    "SCHEMA_VERSION",
    "Amortised",
    "Avoided",
    "BoundaryFigure",
    "DataItem",
    "Datacenter",
    "EndToEnd",
    "EndToEndItem",
    "Energy",
    "Estimate",
    "ExplainStep",
    "FunctionalUnit",
    "HardwareItem",
    "Impacts",
    "LocationInfo",
    "Measurement",
    "MeterInfo",
    "PerUnit",
    "PhaseSplit",
    "Provenance",
    "Publisher",
    "Remote",
    "RemoteModel",
    "RepeatStatistic",
    "Report",
    "SourceRef",
    "System",
    "Topology",
    "Verification",
    "WarningItem",
    "Window",
]

SCHEMA_VERSION: Literal["empreinte.report/1"] = "empreinte.report/1"

Stage = Literal[
    "data_preparation", "training", "fine_tuning", "evaluation", "inference", "end_of_life", "other"
]
Method = Literal["external_meter", "hw_counter", "software_model", "proxy_model", "declared"]
Layer = Literal["accelerators", "host", "idle", "facility"]
EndToEndLayer = Literal["network", "device"]
SystemBoundary = Literal["datacenter", "end-to-end"]
MTier = Literal["M1", "M2", "M3", "M4", "M5"]
ATier = Literal["A0", "A1", "A2", "A3"]

DEFAULT_BOUNDARY: tuple[Layer, ...] = ("accelerators", "host")
_FULL_BOUNDARY: tuple[Layer, ...] = ("accelerators", "host", "idle", "facility")

# the vocabulary is defined once (empreinte.vocabulary); these Literal types spell it for the
# schema, and a test checks that they agree


MAX_MAGNITUDE = 1e100
"""The largest magnitude of any number in a report. Far beyond any physical quantity (1e100
kWh, 1e100 parameters), and small enough that no sum or product of reports' numbers the
observatory computes (totals over billions of reports, energy x factor, value / count) can
overflow to infinity."""

_MAX = MAX_MAGNITUDE
Num = Annotated[float, Field(ge=-_MAX, le=_MAX)]
"""A finite number of magnitude at most :data:`MAX_MAGNITUDE`."""
PosNum = Annotated[float, Field(gt=0, le=_MAX)]
NonNegNum = Annotated[float, Field(ge=0, le=_MAX)]
Key = Annotated[str, Field(min_length=1, max_length=100)]
"""A key of a mapping of numbers (quality metric, counter...): 1 to 100 characters."""


def _check_finite_tree(x: Any, depth: int = 0) -> None:
    """Reject non-finite or huge numbers anywhere in free-form JSON (``provenance.explain``)."""
    if depth > 32:
        raise ValueError("nested more than 32 levels deep")
    if isinstance(x, float):
        if not -_MAX <= x <= _MAX:
            raise ValueError(f"numbers must be finite, magnitude at most {_MAX:g}, got {x}")
    elif isinstance(x, int) and not isinstance(x, bool):
        if not -_MAX <= x <= _MAX:
            raise ValueError(f"numbers must have a magnitude at most {_MAX:g}")
    elif isinstance(x, dict):
        for v in x.values():
            _check_finite_tree(v, depth + 1)
    elif isinstance(x, list):
        for v in x:
            _check_finite_tree(v, depth + 1)


def _utc_representable(d: datetime | None) -> datetime | None:
    """``d`` if it can be converted to UTC within the calendar (years 1 to 9999)."""
    if d is not None and d.tzinfo is not None:
        try:
            d.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValueError("outside the calendar once converted to UTC") from None
    return d


Timestamp = Annotated[datetime, AfterValidator(_utc_representable)]
"""A datetime that stays within years 1 to 9999 in UTC (naive: taken as UTC)."""


class _Model(BaseModel):
    # allow_inf_nan=False: inf, -inf and nan are refused in every float field, naming it
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


class Estimate(_Model):
    """A quantity with bounds: ``low <= value <= high``, all finite, at most 1e100 in size."""

    value: float
    low: float
    high: float

    @model_validator(mode="before")
    @classmethod
    def _fill(cls, data: Any) -> Any:
        if type(data) is dict:
            if "low" in data and "high" in data:  # the usual full estimate passes as is
                return data
        elif isinstance(data, int | float) and not isinstance(data, bool):
            return {"value": data, "low": data, "high": data}
        if (
            isinstance(data, dict) and "value" in data and ("low" not in data or "high" not in data)
        ):  # copy only when a bound is missing
            data = dict(data)
            data.setdefault("low", data["value"])
            data.setdefault("high", data["value"])
        return data

    @model_validator(mode="after")
    def _check(self) -> Estimate:
        low, value, high = self.low, self.value, self.high
        if -_MAX <= low <= value <= high <= _MAX:  # fast path: ordered, hence all finite
            return self
        for x in (value, low, high):
            if not math.isfinite(x):
                raise ValueError("value, low and high must be finite numbers")
            if abs(x) > _MAX:
                raise ValueError(f"value, low and high must be at most {_MAX:g} in magnitude")
        # tolerate float rounding at the edges
        tol = 1e-9 * max(abs(self.low), abs(self.high), 1e-300)
        if not (self.low - tol <= self.value <= self.high + tol):
            raise ValueError(
                f"bounds must satisfy low <= value <= high, got "
                f"low={self.low}, value={self.value}, high={self.high}"
            )
        return self

    def __float__(self) -> float:
        """The central value: ``float(t.report().energy.total_kwh)``."""
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec) if spec else str(self)

    def __str__(self) -> str:
        """``0.0374 [0.03 – 0.045]`` (no unit: the field name carries it)."""
        from empreinte.units import number

        text = number(self.value, 4)
        if self.low != self.value or self.high != self.value:
            text += f" [{number(self.low, 4)} – {number(self.high, 4)}]"
        return text


def _non_negative(e: Estimate) -> Estimate:
    if e.low < 0:
        raise ValueError(f"must not be negative, got low={e.low}")
    return e


NonNegEstimate = Annotated[Estimate, AfterValidator(_non_negative)]
"""An :class:`Estimate` of a quantity that cannot be negative (energy, water...)."""


class Publisher(_Model):
    name: str = Field(min_length=1, max_length=200)
    organization: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=500)


class System(_Model):
    """The AI system measured: model id, size, precision."""

    model_id: str = Field(min_length=1, max_length=300)
    name: str | None = Field(default=None, max_length=300)
    parameters_total: NonNegNum | None = Field(default=None, description="number of parameters")
    parameters_active: NonNegNum | None = None
    architecture: str | None = Field(default=None, max_length=100)
    precision: str | None = Field(default=None, max_length=50)
    framework: str | None = Field(default=None, max_length=100)
    version: str | None = Field(default=None, max_length=100)


class FunctionalUnit(_Model):
    """What the footprint is divided by (SCI's R): ``{type: "inference", count: 1000}``."""

    type: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9_\-]+$")
    count: PosNum


class HardwareItem(_Model):
    kind: Literal["gpu", "cpu", "tpu", "npu", "accelerator", "ram", "server", "storage", "other"]
    name: str = Field(min_length=1, max_length=200)
    catalog_id: str | None = Field(default=None, max_length=100)
    count: PosNum = 1
    memory_gb: NonNegNum | None = None
    tdp_w: NonNegNum | None = None


class LocationInfo(_Model):
    zone: str = Field(
        min_length=2, max_length=40, description="grid zone (ISO 3166-1 alpha-3, WOR, EEE)"
    )
    query: str | None = Field(default=None, max_length=100, description="as given by the user")
    cloud_provider: str | None = Field(default=None, max_length=40)
    cloud_region: str | None = Field(default=None, max_length=60)


class Datacenter(_Model):
    pue: Estimate | None = None
    wue_l_per_kwh: NonNegEstimate | None = None
    preset: str | None = Field(default=None, max_length=100)
    id: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9._-]{1,99}$",
        description="the site or cloud region in the observatory's data-centre registry",
    )
    source: str | None = Field(
        default=None, max_length=200, description="where PUE/WUE came from when not stated"
    )

    @field_validator("pue")
    @classmethod
    def _pue(cls, v: Estimate | None) -> Estimate | None:
        if v is not None and v.low < 1:
            raise ValueError(f"PUE must be >= 1, got low={v.low}")
        return v


class MeterInfo(_Model):
    name: str = Field(max_length=60)
    component: Literal["gpu", "cpu", "ram", "other", "system"]
    method: Method
    device: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=500)


class Measurement(_Model):
    method: Method
    meters: list[MeterInfo] = Field(default_factory=list)
    interval_s: PosNum | None = None
    duration_s: NonNegNum | None = None
    started_at: Timestamp | None = None
    ended_at: Timestamp | None = None
    boundary: list[Layer] = Field(default_factory=lambda: list(DEFAULT_BOUNDARY), max_length=4)
    attribution: Literal["machine", "process"] = "machine"
    process_share: float | None = Field(default=None, ge=0, le=1)
    idle_power_w: NonNegEstimate | None = None
    exit_code: int | None = Field(
        default=None,
        ge=-(2**31),
        le=2**31,
        description="exit status of the measured command (128 + N when killed by signal N)",
    )
    signal: str | None = Field(
        default=None,
        max_length=20,
        description="the signal that ended the measured command (e.g. SIGKILL): not complete",
    )

    @field_validator("boundary")
    @classmethod
    def _distinct(cls, v: list[Layer]) -> list[Layer]:
        if len(set(v)) != len(v):
            raise ValueError("each layer at most once")
        return v

    @model_validator(mode="after")
    def _same_clock(self) -> Measurement:
        s, e = self.started_at, self.ended_at
        if s is not None and e is not None and (s.tzinfo is None) != (e.tzinfo is None):
            raise ValueError("started_at and ended_at: give a UTC offset on both or on neither")
        return self


class Energy(_Model):
    """IT energy by component and in total; ``facility_kwh`` includes PUE."""

    total_kwh: NonNegEstimate
    gpu_kwh: NonNegEstimate | None = None
    cpu_kwh: NonNegEstimate | None = None
    ram_kwh: NonNegEstimate | None = None
    other_kwh: NonNegEstimate | None = None
    facility_kwh: NonNegEstimate | None = None
    machine_total_kwh: NonNegEstimate | None = Field(
        default=None, description="raw device energy when attribution is 'process'"
    )
    layers: dict[Layer, NonNegEstimate] = Field(
        default_factory=dict,
        description="energy per boundary layer (accelerators, host, idle, facility)",
    )


class PhaseSplit(_Model):
    """One criterion by life-cycle phase; a phase not assessed is null (never 0)."""

    usage: Estimate | None = None
    embodied: Estimate | None = None
    end_of_life: Estimate | None = None
    total: Estimate
    end_of_life_by_component: dict[Literal["accelerators", "host"], Estimate] | None = Field(
        default=None,
        description="the end_of_life phase by hardware component (accelerators, host)",
    )


class Impacts(_Model):
    gwp_kgco2e: PhaseSplit | None = None
    water_l: PhaseSplit | None = None
    adpe_kgsbe: PhaseSplit | None = None
    pe_mj: PhaseSplit | None = None
    ewaste_kg: PhaseSplit | None = Field(
        default=None,
        description="mass of equipment allocated to the functional unit (kg): all of it in "
        "end_of_life (the mass leaves use then), usage and embodied null",
    )


class PerUnit(_Model):
    """The same quantities divided by the functional unit count."""

    functional_unit: FunctionalUnit
    energy_kwh: NonNegEstimate
    impacts: Impacts = Field(default_factory=Impacts)


class Window(_Model):
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = Field(default=None, max_length=200)
    start_s: NonNegNum
    end_s: NonNegNum
    energy_kwh: NonNegEstimate
    counters: dict[Key, Num] = Field(default_factory=dict)


class Amortised(_Model):
    """Upstream stages (training, fine-tuning...) shared by the responses of a model's life:
    the per-response full footprint of publishers' life-cycle assessments."""

    lifetime_requests: float = Field(ge=1, le=_MAX, description="requests the model serves")
    upstream_reports: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=1000, description="report_id of each amortised stage"
    )
    upstream_totals: dict[Key, Estimate] = Field(
        description="the upstream stages' impacts summed, by criterion (usage + embodied + end "
        "of life)"
    )
    per_response_full: dict[Key, Estimate] = Field(
        description="one response on the data-centre boundary, by criterion: its usage, "
        "embodied and end of life plus upstream_totals / lifetime_requests"
    )

    @field_validator("upstream_totals", "per_response_full")
    @classmethod
    def _criteria(cls, v: dict[str, Estimate]) -> dict[str, Estimate]:
        unknown = [k for k in v if k not in CRITERIA]
        if unknown:
            raise ValueError(f"unknown criteria {unknown}; known: {list(CRITERIA)}")
        return v


class Topology(_Model):
    nodes: int = Field(default=1, ge=1, le=10**9)
    ranks: int = Field(default=1, ge=1, le=10**9)
    devices: int = Field(default=0, ge=0, le=10**9)
    hostnames: list[str] = Field(default_factory=list)
    slurm_job_id: str | None = None
    backend: str | None = None


class RepeatStatistic(_Model):
    """Statistics of a quantity measured over repeated runs (e.g. a benchmark's repeats).

    ``ci_low``/``ci_high`` is a confidence interval of the mean (Student's t); unlike the
    bounds of an :class:`Estimate` it may extend below zero when the repeats are noisy.
    """

    unit: str = Field(min_length=1, max_length=40)
    n: int = Field(ge=1, le=10**9)
    mean: Num
    std: Num | None = None
    ci_low: Num | None = None
    ci_high: Num | None = None
    confidence: float | None = Field(default=None, gt=0, lt=1)
    values: list[Num] = Field(default_factory=list, max_length=10_000)

    @model_validator(mode="after")
    def _check(self) -> RepeatStatistic:
        xs = [self.mean, *(x for x in (self.std, self.ci_low, self.ci_high) if x is not None)]
        if not all(math.isfinite(x) for x in [*xs, *self.values]):
            raise ValueError("statistics must be finite numbers")
        if (self.ci_low is None) != (self.ci_high is None):
            raise ValueError("give both ci_low and ci_high, or neither")
        if self.ci_low is not None and self.ci_high is not None and self.ci_low > self.ci_high:
            raise ValueError("ci_low must be <= ci_high")
        if self.values and len(self.values) != self.n:
            raise ValueError(f"n={self.n} but {len(self.values)} values")
        return self


class SourceRef(_Model):
    id: str
    title: str | None = None
    url: str | None = None


Detail = JsonValue
"""A free-form JSON value: what an older report's explain step carried beyond the typed keys."""

_STEP_KEYS = frozenset(
    {"name", "kind", "value", "low", "high", "unit", "formula", "inputs", "sources", "note"}
    | {"phase", "hardware", "details"}
)


class ExplainStep(_Model):
    """One step of the calculation: an input (with its sources) or the result of a formula
    (with the names of the quantities it reads).

    Numbers carry ``low``/``high`` bounds; a quantity that is not a number has none.
    Older reports wrote free-form steps: they are converted when read (``from`` becomes
    ``inputs``; a number given as ``value`` only gets ``low == high == value``; a value that
    is not a number and any other key move to ``details``).
    """

    name: str = Field(min_length=1, max_length=200)
    kind: Literal["input", "formula"] = "input"
    value: Num | None = None
    low: Num | None = None
    high: Num | None = None
    unit: str = Field(default="?", max_length=40)
    formula: str | None = Field(default=None, max_length=2000, description="what it computes")
    inputs: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=100, description="names of the steps a formula reads"
    )
    sources: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=100, description="source ids (provenance.sources)"
    )
    note: str | None = Field(default=None, max_length=2000)
    phase: str | None = Field(
        default=None, max_length=40, description="usage, embodied, end_of_life, estimate..."
    )
    hardware: str | None = Field(default=None, max_length=200)
    details: dict[Key, Detail] = Field(default_factory=dict, max_length=100)

    @model_validator(mode="before")
    @classmethod
    def _convert(cls, data: object) -> object:
        """An older free-form step into the typed one (see the class docstring)."""
        if not isinstance(data, dict):
            return data
        _check_finite_tree(data)
        d = dict(data)
        if "from" in d and "inputs" not in d:
            d["inputs"] = d.pop("from")
        v = d.get("value")
        if "value" in d and not _is_number(v) and v is not None:
            d.setdefault("details", {})
            if isinstance(d["details"], dict):
                d["details"] = {**d["details"], "value": d.pop("value")}
        elif _is_number(v):
            d.setdefault("low", v)
            d.setdefault("high", v)
        extra = {k: d.pop(k) for k in list(d) if k not in _STEP_KEYS}
        if extra and isinstance(d.get("details", {}), dict):
            d["details"] = {**d.get("details", {}), **extra}
        if "formula" in d and "kind" not in d:
            d["kind"] = "formula"
        return d


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


class Provenance(_Model):
    tool: str = "empreinte"
    tool_version: str | None = None
    factors_version: str | None = None
    sources: list[SourceRef] = Field(default_factory=list)
    citation: str | None = Field(default=None, max_length=2000, description="for published figures")
    explain: list[ExplainStep] = Field(default_factory=list)


class WarningItem(_Model):
    code: str = Field(min_length=1, max_length=80)
    message: str = Field(max_length=2000)


class Verification(_Model):
    """Set by the observatory at ingestion, never by the submitter."""

    m_tier: MTier
    a_tier: ATier = "A0"
    flags: list[str] = Field(default_factory=list)
    checked_at: Timestamp | None = None


class RemoteModel(_Model):
    """Calls to one hosted model of one provider, with their estimated footprint."""

    provider: str = Field(min_length=1, max_length=60)
    model: str = Field(min_length=1, max_length=200, description="as the provider reported it")
    catalog_id: str | None = Field(default=None, max_length=200)
    calls: int = Field(ge=0)
    calls_unestimated: int = Field(default=0, ge=0, description="calls left out of the impacts")
    calls_without_usage: int = Field(
        default=0,
        ge=0,
        description="calls whose response reported no usage: counted in calls and "
        "calls_unestimated, left out of the token totals (unknown, not zero)",
    )
    calls_input_unknown: int = Field(
        default=0,
        ge=0,
        description="streams counted from chunks: output counted, input unknown and left out "
        "of input_tokens (the input total is partial)",
    )
    input_tokens: float = Field(default=0.0, ge=0)
    output_tokens: float = Field(default=0.0, ge=0, description="reasoning tokens included")
    reasoning_tokens: float = Field(default=0.0, ge=0)
    energy_kwh: NonNegEstimate | None = Field(default=None, description="IT energy")
    facility_kwh: NonNegEstimate | None = None
    impacts: Impacts = Field(default_factory=Impacts)


class Remote(_Model):
    """Calls to hosted models (APIs) made during the job: estimated, never measured.

    Kept apart from the measured ``energy`` and ``impacts`` of the report (another tier); the
    totals here sum the calls' estimates with their bounds added.
    """

    method: Method = "proxy_model"
    boundary: list[Layer] = Field(default_factory=lambda: list(_FULL_BOUNDARY))
    calls: int = Field(ge=0)
    calls_without_usage: int = Field(
        default=0,
        ge=0,
        description="calls whose response reported no usage (warning usage-missing)",
    )
    energy_kwh: NonNegEstimate | None = Field(default=None, description="IT energy")
    facility_kwh: NonNegEstimate | None = None
    impacts: Impacts = Field(default_factory=Impacts)
    models: list[RemoteModel] = Field(default_factory=list)
    warnings: list[WarningItem] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)


def _new_id() -> str:
    return uuid.uuid4().hex


def _now() -> datetime:
    return datetime.now(UTC)


class Avoided(_Model):
    """Emissions (or another criterion) a use of the AI system avoids elsewhere, as declared by
    the publisher with the method of ITU-T L.1480 (12/2022).

    L.1480 grades assessments in three tiers: tier 1 (comprehensive) and tier 2 require a
    consequence tree and the baseline, scope and rebound (higher-order) effects; tier 3 is a
    screening estimate that L.1480 rules out for public claims. A claim is shown beside the
    footprint and never subtracted from it; a net balance is computed only on request and
    refused when any claim is tier 3 (:func:`empreinte.report.avoided.net_balance`).
    """

    criterion: Literal["gwp_kgco2e", "water_l", "adpe_kgsbe", "pe_mj"] = "gwp_kgco2e"
    value: NonNegEstimate
    tier: Literal["tier-1", "tier-2", "tier-3"]
    baseline: str = Field(min_length=10, max_length=2000, description="what happens without it")
    scope: str = Field(min_length=5, max_length=1000, description="whose emissions, where, when")
    rebound: str = Field(
        min_length=5, max_length=2000, description="how higher-order (rebound) effects were treated"
    )
    consequence_tree: bool = False
    evidence: list[str] = Field(default_factory=list, max_length=50)
    period: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _tier_requirements(self) -> Avoided:
        if self.tier in ("tier-1", "tier-2"):
            if not self.consequence_tree:
                raise ValueError(f"ITU-T L.1480 {self.tier} needs a consequence tree")
            if not self.evidence:
                raise ValueError(
                    f"ITU-T L.1480 {self.tier} needs evidence (at least one reference)"
                )
        return self


class DataItem(_Model):
    """A data component beside the compute footprint: storage (TB-years on a medium, with its
    replicas) or network transfer (GB), with its energy and GWP (usage, embodied); ``None``
    where not assessed (a medium without a sourced factor), never zero. Not included in
    ``energy`` or ``impacts``, which cover the compute (see docs/methodology.md, "Data")."""

    component: Literal["storage", "transfer"]
    name: str = Field(min_length=1, max_length=100)
    quantity: float = Field(ge=0)
    unit: Literal["TB-year", "GB"]
    medium: Literal["hdd", "ssd", "tape"] | None = None
    replicas: float | None = Field(default=None, ge=1)
    energy_kwh: NonNegEstimate | None = None
    gwp_kgco2e: PhaseSplit | None = None
    sources: list[str] = Field(default_factory=list, max_length=50)
    note: str | None = Field(default=None, max_length=500)


class EndToEndItem(_Model):
    """A layer beyond the data centre's wall, per functional unit (one request): the network
    that carries it (``quantity`` in GB) or the user's device (``quantity`` in seconds on it),
    with its energy and impacts by phase (usage on the user's grid; the device's embodied
    share). A criterion or phase not assessed is absent, never zero."""

    layer: EndToEndLayer
    name: str = Field(min_length=1, max_length=100, description="access or device preset")
    quantity: NonNegNum
    quantity_low: NonNegNum | None = None
    quantity_high: NonNegNum | None = None
    unit: Literal["GB", "s"]
    energy_kwh: NonNegEstimate
    impacts: Impacts = Field(default_factory=Impacts)
    sources: list[str] = Field(default_factory=list, max_length=50)
    note: str | None = Field(default=None, max_length=500)


class BoundaryFigure(_Model):
    """A per-unit figure on one system boundary (energy includes the facility overhead)."""

    energy_kwh: NonNegEstimate
    gwp_kgco2e: NonNegEstimate | None = None


class EndToEnd(_Model):
    """The end-to-end boundary of a request: the network and device layers beside the data
    centre's, and the per-unit figure on both boundaries so that they can be compared. Not
    included in ``energy``, ``impacts`` or ``per_unit``, which stay on the data centre's
    boundary (docs/methodology.md, "End-to-end boundary of a request")."""

    layers: list[EndToEndItem] = Field(min_length=1, max_length=len(get_args(EndToEndLayer)))
    per_unit: dict[SystemBoundary, BoundaryFigure] = Field(
        description="per functional unit on the data-centre and the end-to-end boundary"
    )

    @field_validator("layers")
    @classmethod
    def _one_each(cls, v: list[EndToEndItem]) -> list[EndToEndItem]:
        if len({x.layer for x in v}) != len(v):
            raise ValueError("each layer at most once")
        return v

    @field_validator("per_unit")
    @classmethod
    def _both_boundaries(
        cls, v: dict[SystemBoundary, BoundaryFigure]
    ) -> dict[SystemBoundary, BoundaryFigure]:
        if set(v) != {"datacenter", "end-to-end"}:
            raise ValueError(
                "give the per-unit figure on both boundaries, datacenter and end-to-end"
            )
        return v


class Report(_Model):
    """A footprint report, schema ``empreinte.report/1``."""

    schema_version: Literal["empreinte.report/1"] = SCHEMA_VERSION
    report_id: str = Field(
        default_factory=_new_id, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$"
    )
    created_at: Timestamp = Field(default_factory=_now)
    status: Literal["complete", "incomplete"] = "complete"
    name: str | None = Field(default=None, max_length=300)
    publisher: Publisher | None = None
    licence: str = Field(
        default="CC-BY-4.0", max_length=100, description="SPDX licence id of the data"
    )
    system: System | None = None
    lifecycle_stage: Stage
    task: str | None = Field(default=None, max_length=100)
    functional_unit: FunctionalUnit | None = None
    hardware: list[HardwareItem] = Field(default_factory=list)
    location: LocationInfo
    datacenter: Datacenter = Field(default_factory=Datacenter)
    measurement: Measurement
    energy: Energy
    impacts: Impacts = Field(default_factory=Impacts)
    per_unit: PerUnit | None = None
    amortised: Amortised | None = Field(
        default=None,
        description="upstream stages shared per response: the per-response full footprint",
    )
    quality_metrics: dict[Key, Num] = Field(default_factory=dict)
    counters: dict[Key, Num] = Field(default_factory=dict)
    published: dict[Key, Num] = Field(
        default_factory=dict,
        description="figures as stated by the publisher, unit in the key (e.g. "
        "gwp_kgco2e, grid_gwp_kgco2e_per_kwh, pue); kept beside ours, never instead of them",
    )
    statistics: dict[Key, RepeatStatistic] = Field(
        default_factory=dict,
        description="statistics over repeats, keyed by quantity "
        "(e.g. energy_per_1000_inferences_wh)",
    )
    windows: list[Window] = Field(default_factory=list)
    remote: Remote | None = Field(
        default=None, description="calls to hosted models (estimated, tier M4), kept apart"
    )
    topology: Topology | None = None
    provenance: Provenance = Field(default_factory=Provenance)
    warnings: list[WarningItem] = Field(default_factory=list)
    verification: Verification | None = None
    supersedes: str | None = Field(default=None, max_length=64)
    tags: list[str] = Field(default_factory=list, max_length=50)
    avoided: list[Avoided] = Field(
        default_factory=list,
        max_length=20,
        description="avoided impacts declared with ITU-T L.1480; shown beside, never netted",
    )
    data: list[DataItem] = Field(
        default_factory=list,
        max_length=50,
        description="storage and transfer of data, beside the compute footprint",
    )
    system_boundary: SystemBoundary | None = Field(
        default=None,
        description="boundary of the per-unit figure: 'datacenter', or 'end-to-end' (then "
        "end_to_end holds the network and device layers and both per-unit figures)",
    )
    end_to_end: EndToEnd | None = None

    @model_validator(mode="after")
    def _end_to_end_boundary(self) -> Report:
        if self.end_to_end is not None and self.system_boundary != "end-to-end":
            raise ValueError("end_to_end: give system_boundary 'end-to-end' with it")
        if self.system_boundary == "end-to-end" and self.end_to_end is None:
            raise ValueError("system_boundary 'end-to-end' needs the end_to_end layers")
        return self

    @model_validator(mode="after")
    def _killed_is_incomplete(self) -> Report:
        if self.measurement.signal is not None and self.status == "complete":
            raise ValueError(
                f"status: a job ended by {self.measurement.signal} is not complete "
                "(use status 'incomplete')"
            )
        return self

    @property
    def m_tier(self) -> str:
        """M tier implied by the measurement method."""
        return METHOD_TIER[self.measurement.method]

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent, exclude_none=True)

    def summary(self) -> str:
        """A few lines for people: energy and impacts in the units rule, with bounds."""
        from empreinte.units import energy, with_bounds

        title = self.name or (self.system.model_id if self.system else None) or self.report_id
        e = self.energy.total_kwh
        lines = [
            f"{title} ({self.lifecycle_stage}, {self.m_tier}, zone {self.location.zone})",
            f"energy (IT): {with_bounds(e.value, e.low, e.high, 'kWh')}",
        ]
        g = self.impacts.gwp_kgco2e
        if g is not None:
            lines.append(f"GWP: {with_bounds(g.total.value, g.total.low, g.total.high, 'kgCO2e')}")
        if self.per_unit is not None:
            fu = self.per_unit.functional_unit.type
            lines.append(f"energy per {fu}: {energy(self.per_unit.energy_kwh.value, fu)}")
        return "\n".join(lines)
