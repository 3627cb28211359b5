"""The exception tree and the coded warnings of empreinte.

Every error raised on purpose by empreinte derives from :class:`EmpreinteError` and also from
the matching built-in exception, so callers can catch either::

    EmpreinteError
    ├── ConfigError(ValueError)          bad option, setting or environment variable
    │   └── SettingError                 one setting out of its allowed values (names both)
    ├── DataError(ValueError)            reference data missing or malformed
    │   └── UnknownKeyError(KeyError)    a zone, hardware or model name not in the catalog
    ├── ReportError(ValueError)          a report that does not validate; names the field
    ├── MeterError(RuntimeError)         a meter failed while reading
    │   └── MeterUnavailable             a meter cannot be used here (with the reason and fix)
    ├── EstimateError(ValueError)        not enough inputs for an estimate
    └── ServerError(RuntimeError)        the observatory refused or could not be reached

Expected gaps (an unknown location, a CPU power estimated from its TDP) are *not* errors:
they are :class:`CodedWarning` records carried on results and reports, with a stable ``code``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CodedWarning",
    "ConfigError",
    "DataError",
    "EmpreinteError",
    "EstimateError",
    "MeterError",
    "MeterUnavailable",
    "ReportError",
    "ServerError",
    "SettingError",
    "UnknownKeyError",
    "WarningCode",
]


class EmpreinteError(Exception):
    """Root of every error raised on purpose by empreinte."""


class ConfigError(EmpreinteError, ValueError):
    """An option, setting or environment variable has an invalid value."""


class SettingError(ConfigError):
    """One setting (option, argument, environment variable or config key) has a value outside
    what it allows. ``setting`` names it as the user wrote it (``--stage``, ``stage``,
    ``EMPREINTE_LOCATION``); ``allowed`` lists the accepted values when they are a list."""

    def __init__(
        self,
        setting: str,
        value: object,
        allowed: tuple[str, ...] | list[str] | None = None,
        expected: str | None = None,
    ) -> None:
        self.setting = setting
        self.value = value
        self.allowed = tuple(allowed) if allowed is not None else None
        if self.allowed is not None:
            what = f"one of {', '.join(self.allowed)}"
        else:
            what = expected or "a valid value"
        super().__init__(f"{setting} must be {what}, got {value!r}")


class DataError(EmpreinteError, ValueError):
    """Reference data is missing or malformed."""


class UnknownKeyError(DataError, KeyError):
    """A zone, hardware or model name is not in the catalog."""

    def __init__(
        self, kind: str, key: str, suggestions: list[str] | None = None, where: str | None = None
    ) -> None:
        self.kind = kind
        self.key = key
        self.suggestions = suggestions or []
        self.where = where  # the option, variable or file the key came from
        hint = f" (did you mean: {', '.join(self.suggestions)}?)" if self.suggestions else ""
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}unknown {kind} {key!r}{hint}")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class ReportError(EmpreinteError, ValueError):
    """A report failed validation. ``errors`` lists ``(field_path, message)`` pairs."""

    def __init__(self, message: str, errors: list[tuple[str, str]] | None = None) -> None:
        self.errors = errors or []
        super().__init__(message)


class MeterError(EmpreinteError, RuntimeError):
    """A meter failed while reading."""


class MeterUnavailable(MeterError):
    """A meter cannot be used on this machine; ``reason`` says why and ``fix`` how to fix it."""

    def __init__(self, reason: str, fix: str | None = None) -> None:
        self.reason = reason
        self.fix = fix
        super().__init__(reason if fix is None else f"{reason} (fix: {fix})")


class EstimateError(EmpreinteError, ValueError):
    """Not enough or inconsistent inputs for an estimate."""


class ServerError(EmpreinteError, RuntimeError):
    """The observatory refused a request or could not be reached."""

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class WarningCode(StrEnum):
    """Stable codes of the warnings carried on results and reports (documented in
    docs/methodology.md). An enum, so the type checker refuses a code that is not here; each
    member is also its string (``WarningCode.INCOMPLETE == "incomplete"``)."""

    LOCATION_UNKNOWN = "location-unknown"  # no location given: world average used
    ZONE_FALLBACK = "zone-factor-fallback"  # a zone's factor falls back to the world figure
    CPU_POWER_ESTIMATED = "cpu-power-estimated"  # CPU energy from TDP and load, no counter
    RAM_POWER_ESTIMATED = "ram-power-estimated"  # RAM energy from W per GB, no counter
    GPU_POWER_POLLED = "gpu-power-polled"  # GPU energy integrated from power samples
    CPU_TDP_UNKNOWN = "cpu-tdp-unknown"  # CPU model not in the catalog: TDP range used
    VM_SHARE = "vm-vcpu-share"  # share of the host's power by vCPU count
    PUE_DEFAULT = "pue-default"  # no PUE given: documented default used
    WUE_DEFAULT = "wue-default"  # no WUE given: documented default used
    EMBODIED_UNKNOWN = "embodied-unknown"  # no hardware given: embodied impacts not computed
    EMBODIED_WATER_NOT_ASSESSED = "embodied-water-not-assessed"  # no manufacturing water data
    EWASTE_NOT_ASSESSED = "ewaste-not-assessed"  # a hardware item has no known mass
    HARDWARE_UNKNOWN = "hardware-unknown"  # hardware name not in the catalog
    SHORT_WINDOW = "short-window"  # measured window under 60 s
    COUNTER_RESET = "counter-reset"  # a cumulative counter went backwards
    METER_FAILED = "meter-failed"  # a meter stopped answering during the run
    ESTIMATE = "estimate"  # values come from a proxy model, not a measurement
    INCOMPLETE = "incomplete"  # the tracked job did not finish
    PUBLISHED_GRID_FACTOR = "published-grid-factor"  # publisher's own grid factor differs from ours
    PUBLISHED_PUE_NOTE = "published-pue-note"  # PUE set to 1 because the figure already includes it
    PUBLISHED_MEAN = "published-mean"  # value is a mean across models/runs as published
    PROCESS_ATTRIBUTION = "process-attribution"  # CPU/RAM energy scaled by CPU-time share
    PARAMETERS_UNDISCLOSED = "parameters-undisclosed"  # model size is a published range, not a fact
    PREFILL_FROM_TASK = "prefill-from-task"  # per-token model: prompt length enters via the task
    EMBODIED_PARTIAL = "embodied-partial"  # embodied impacts cover only part of the hardware
    ROWS_UNESTIMATED = "rows-unestimated"  # log rows left without estimate (unknown model...)
    MULTI_ZONE = "multi-zone"  # rows in several zones: usage impacts summed per row
    WORK_FROM_STEPS = "work-from-steps"  # samples counted as steps × batch size (nominal)
    TOKENS_NOT_COUNTED = "tokens-not-counted"  # training work counted without tokens
    CHECKPOINT_FAILED = "checkpoint-failed"  # a periodic checkpoint failed; sampling went on
    DATACENTER_FROM_REGISTRY = "datacenter-from-registry"  # PUE/WUE from the registry
    EXTRAPOLATED = "extrapolated"  # per-token model used outside its data (axes named)
    MFU_EXTRAPOLATED = "mfu-extrapolated"  # training MFU prior used outside its public runs
    METHODS_DISAGREE = "methods-disagree"  # fitted and FLOP methods differ by more than x2
    PREFILL_FLOPS = "prefill-flops"  # fitted method: input tokens' prefill added from FLOPs
    INPUT_TOKENS_UNKNOWN = "input-tokens-unknown"  # log rows without a usable input count
    BOUNDARY_ACCELERATORS = "boundary-accelerators"  # accelerator energy only (Meta's accounting)
    PROVISIONED_SATURATED = "provisioned-saturated"  # requests need more than the provisioned fleet
    DATA_NOT_ASSESSED = "data-not-assessed"  # a storage medium without a sourced factor
    NETWORK_AVERAGE_INTENSITY = "network-average-intensity"  # transfer at an average kWh/GB
    BYTES_FROM_TOKENS = "bytes-from-tokens"  # a request's bytes derived from its tokens
    TOKENS_IMPLAUSIBLE = "tokens-implausible"  # log rows with absurd token counts (unit?)
    REUSE_EFFICIENCY_FROM_SPECS = "reuse-efficiency-from-specs"  # old vs new from peak FLOP/s, TDP
    SERIES_MISSING = "series-missing"  # a selected exporter series vanished from some scrapes
    SERIES_SAMPLED = "series-sampled"  # exporter energy from gauges sampled at each scrape
    ENERGY_PARTIAL = "energy-partial"  # measured energy covers part of the job's hardware
    ENERGY_PARTLY_ESTIMATED = "energy-partly-estimated"  # some allocations measured, others not
    USAGE_AGGREGATED = "usage-aggregated"  # rows are buckets of requests: mean tokens per request
    REQUESTS_UNKNOWN = "requests-unknown"  # an export gives tokens without a request count
    MODEL_BRACKETED = "model-bracketed"  # model not in the catalog: its provider's bracket used
    PROVIDER_SITE_ASSUMED = "provider-site-assumed"  # an export's site from the provider preset


@dataclass(frozen=True, slots=True)
class CodedWarning:
    """A coded, expected gap in a result (never an exception, never a log line)."""

    code: WarningCode
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "message": self.message}
