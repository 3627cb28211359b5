"""Reports of SLURM jobs from the accounting database (``sacct``).

``sacct -j JOBID --parsable2 --noheader --format=...`` gives each allocation's elapsed time,
allocated resources (``AllocTRES``: ``cpu``, ``mem``, ``node``, ``gres/gpu[:TYPE]``) and, when
the cluster runs an ``acct_gather_energy`` plugin, ``ConsumedEnergyRaw``: the joules consumed
by the job's nodes. That figure is the job's measured energy; its method depends on the
plugin, which ``sacct`` does not show (``AcctGatherEnergyType`` in ``slurm.conf``), so it is
stated with ``energy_plugin`` (:data:`PLUGINS`):

- ``rapl``: CPU packages and DRAM of the nodes, from RAPL counters: ``hw_counter``; GPUs and
  the rest of the node are not in it (``energy-partial`` when the job has GPUs);
- ``ipmi``: the node's power from its BMC sensor, sampled by ``slurmd`` and integrated:
  ``hw_counter`` (an on-board sensor of the whole node, not a calibrated external meter);
- ``gpu``: the job's GPUs' energy counters (NVML/RSMI): ``hw_counter``, GPUs only
  (``energy-partial``);
- ``pm_counters``: HPE Cray blade power-management counters of the whole node:
  ``hw_counter``;
- ``xcc``: Lenovo XClarity Controller's node energy: ``hw_counter``;
- ``unknown`` (default): ``hw_counter`` (every energy plugin reads a hardware counter or
  sensor), what it covers unknown (``energy-partial``).

A ``ConsumedEnergyRaw`` that is empty, zero or SLURM's "no value" (>= 2**63) is *not
recorded*, never zero: the energy is then estimated (method ``proxy_model``, tier M4, the
``estimate`` warning and a range): GPU jobs from accelerator-hours with the catalog
accelerator (``hardware``, else the ``gres/gpu:TYPE`` of the allocation) through the training
estimator (TDP × load prior, host and idle shares); CPU jobs from the allocated logical CPUs ×
a sourced TDP per logical CPU, between idle and full load, plus W per GB of allocated memory.
When only some allocations (array tasks) recorded energy, theirs is kept as measured and only
the others are estimated: the job's energy is the sum, at the weaker method (``proxy_model``),
with the ``energy-partly-estimated`` warning stating the measured share.
Nodes shared with other jobs: a node-level plugin's energy is the whole node's.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from empreinte.errors import CodedWarning, ConfigError, EmpreinteError, WarningCode
from empreinte.ranges import Range
from empreinte.vocabulary import J_PER_KWH, STAGES

if TYPE_CHECKING:
    from empreinte.report.models import Report, WarningItem

__all__ = [
    "FORMAT",
    "PLUGINS",
    "Allocation",
    "SacctError",
    "job_report",
    "parse_sacct",
    "parse_tres",
    "run_sacct",
]

FORMAT = (
    "JobID",
    "JobName",
    "State",
    "Partition",
    "Cluster",
    "Start",
    "End",
    "ElapsedRaw",
    "NNodes",
    "NodeList",
    "AllocTRES",
    "ConsumedEnergyRaw",
    "ExitCode",
)
"""The ``sacct --format`` fields read, in order."""


@dataclass(frozen=True, slots=True)
class Plugin:
    """An ``acct_gather_energy`` plugin: the report's method, what its energy covers (one of
    ``cpu+ram``, ``node``, ``gpu``, ``unknown``) and that coverage in words."""

    method: str
    components: str  # "cpu+ram", "node", "gpu", "unknown"
    what: str


PLUGINS: dict[str, Plugin] = {
    "rapl": Plugin("hw_counter", "cpu+ram", "RAPL counters of the nodes' CPU packages and DRAM"),
    "ipmi": Plugin("hw_counter", "node", "the nodes' BMC power sensor (IPMI), sampled"),
    "gpu": Plugin("hw_counter", "gpu", "the job's GPUs' energy counters (NVML/RSMI)"),
    "pm_counters": Plugin("hw_counter", "node", "HPE Cray pm_counters of the whole node"),
    "xcc": Plugin("hw_counter", "node", "Lenovo XClarity Controller node energy"),
    "unknown": Plugin("hw_counter", "unknown", "an acct_gather_energy plugin not stated"),
}
"""``AcctGatherEnergyType`` (``acct_gather_energy/<name>``) -> method and coverage."""

_NO_VAL64 = 2**63
_ACTIVE = {"RUNNING", "REQUEUED", "RESIZING", "SUSPENDED", "COMPLETING"}
_CUT = {"CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"}
"""States of a job stopped before its end (status ``incomplete``); FAILED ran to a non-zero
exit, as ``empreinte run`` reports a command that failed."""


class SacctError(EmpreinteError, RuntimeError):
    """``sacct`` could not be run or failed."""


@dataclass(frozen=True, slots=True)
class Allocation:
    """One job allocation line of ``sacct`` (steps are not allocations)."""

    job_id: str
    name: str
    state: str
    partition: str
    cluster: str
    start: datetime | None
    end: datetime | None
    elapsed_s: float
    nodes: int
    node_list: str
    tres: dict[str, str]
    energy_j: float | None
    exit_code: int | None
    signal: str | None
    steps: list[str] = field(default_factory=list)

    @property
    def gpus(self) -> int:
        """GPUs allocated (``gres/gpu`` of AllocTRES; 0 when none)."""
        return int(float(self.tres.get("gres/gpu", "0") or 0))

    @property
    def gpu_type(self) -> str | None:
        """The GPU type of ``gres/gpu:TYPE`` in AllocTRES (``None`` when not given)."""
        for k in self.tres:
            if k.startswith("gres/gpu:"):
                return k.partition(":")[2]
        return None

    @property
    def cpus(self) -> int:
        """Logical CPUs allocated (``cpu`` of AllocTRES)."""
        return int(float(self.tres.get("cpu", "0") or 0))

    @property
    def mem_gb(self) -> float | None:
        """Memory allocated in GB (``mem`` of AllocTRES; ``None`` when not given)."""
        return _mem_gb(self.tres.get("mem"))


def parse_tres(text: str) -> dict[str, str]:
    """``cpu=64,gres/gpu:a100=4,gres/gpu=4,mem=500G,node=1`` -> a dict."""
    out: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            out[key.strip()] = value.strip()
    return out


def _mem_gb(text: str | None) -> float | None:
    if not text:
        return None
    unit = text[-1].upper()
    scale = {"K": 1 / 1024**2, "M": 1 / 1024, "G": 1.0, "T": 1024.0}.get(unit)
    try:
        return float(text[:-1]) * scale if scale else float(text) / 1024  # bare: MB
    except ValueError:
        return None


def _time(text: str) -> datetime | None:
    if not text or text in ("Unknown", "None"):
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


def _energy(text: str) -> float | None:
    """Joules, or ``None`` when not recorded (empty, 0, or SLURM's no-value)."""
    try:
        v = float(text)
    except ValueError:
        return None
    return v if 0 < v < _NO_VAL64 else None


def _exit(text: str) -> tuple[int | None, str | None]:
    code, _, sig = text.partition(":")
    try:
        c, s = int(code), int(sig or 0)
    except ValueError:
        return None, None
    if s:
        try:
            return 128 + s, signal.Signals(s).name
        except ValueError:
            return 128 + s, f"signal {s}"
    return c, None


def parse_sacct(text: str) -> list[Allocation]:
    """The allocations of ``sacct --parsable2 --noheader --format=<FORMAT>`` output; step
    lines (``123.batch``, ``123.0``, ``123.extern``) are attached to their allocation."""
    allocs: list[Allocation] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        cols = line.split("|")
        if len(cols) != len(FORMAT):
            raise SacctError(
                f"sacct line {n} has {len(cols)} fields, expected {len(FORMAT)} "
                f"({','.join(FORMAT)}): {line[:120]!r}"
            )
        row = dict(zip(FORMAT, cols, strict=True))
        job_id = row["JobID"]
        if "." in job_id:
            if allocs and job_id.split(".")[0] == allocs[-1].job_id:
                allocs[-1].steps.append(job_id)
            continue
        code, sig = _exit(row["ExitCode"])
        try:
            elapsed = float(row["ElapsedRaw"] or 0)
            nodes = int(row["NNodes"] or 0)
        except ValueError:
            raise SacctError(f"sacct line {n}: bad ElapsedRaw or NNodes: {line[:120]!r}") from None
        allocs.append(
            Allocation(
                job_id=job_id,
                name=row["JobName"],
                state=(row["State"].split() or ["UNKNOWN"])[0],
                partition=row["Partition"],
                cluster=row["Cluster"],
                start=_time(row["Start"]),
                end=_time(row["End"]),
                elapsed_s=elapsed,
                nodes=nodes,
                node_list=row["NodeList"],
                tres=parse_tres(row["AllocTRES"]),
                energy_j=_energy(row["ConsumedEnergyRaw"]),
                exit_code=code,
                signal=sig,
            )
        )
    return allocs


def run_sacct(job_id: str, sacct: str = "sacct", timeout_s: float = 60.0) -> str:
    """The text of ``sacct -j JOBID --parsable2 --noheader --format=...`` (a real process)."""
    if not job_id or not all(c.isalnum() or c in "_.+-" for c in job_id):
        raise ConfigError(f"bad SLURM job id {job_id!r} (e.g. 1234, 1234_7, 1234+0)")
    exe = shutil.which(sacct)
    if exe is None:
        raise ConfigError(f"{sacct} not found on PATH (run this on a SLURM login or compute node)")
    cmd = [exe, "-j", job_id, "--parsable2", "--noheader", f"--format={','.join(FORMAT)}"]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout_s, env=os.environ.copy()
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SacctError(f"could not run sacct: {exc}") from None
    if proc.returncode != 0:
        msg = " ".join(proc.stderr.split())[:300] or f"exit status {proc.returncode}"
        raise SacctError(f"sacct failed: {msg}")
    return proc.stdout


def job_report(
    job_id: str,
    allocations: Sequence[Allocation],
    *,
    energy_plugin: str = "unknown",
    hardware: str | None = None,
    stage: str = "training",
    location: str | None = None,
    pue: float | Range | None = None,
) -> Report:
    """The report of job ``job_id`` from its allocations (several for an array job)."""
    if energy_plugin not in PLUGINS:
        raise ConfigError(
            f"unknown energy plugin {energy_plugin!r}; use one of: {', '.join(PLUGINS)}"
        )
    if stage not in STAGES:
        raise ConfigError(f"unknown stage {stage!r}; use one of: {', '.join(STAGES)}")
    if not allocations:
        raise ConfigError(f"no job {job_id} in SLURM's accounting (sacct printed nothing)")
    started = [a for a in allocations if a.start is not None and a.elapsed_s > 0]
    if not started:
        states = ", ".join(sorted({a.state for a in allocations}))
        raise ConfigError(f"job {job_id} has not run ({states}): nothing to report")
    allocs = started
    if all(a.energy_j is not None for a in allocs):
        return _measured(job_id, allocs, energy_plugin, stage, location, pue)
    from empreinte.estimate.common import with_sources
    from empreinte.report.models import Report

    if any(a.energy_j is not None for a in allocs):
        report = _mixed(job_id, allocs, energy_plugin, hardware, stage, location, pue)
    else:
        report = _estimated(job_id, allocs, hardware, stage, location, pue)
    report = with_sources(report, ["slurm-acct-gather-energy"])
    return Report.model_validate_json(report.to_json())  # the copies, validated


_SITE_WARNINGS = ("location-", "pue-", "wue-", "embodied")
"""Warnings of the parts' reports that the whole's report states again, for itself."""


def _mixed(
    job_id: str,
    allocs: Sequence[Allocation],
    plugin_name: str,
    hardware: str | None,
    stage: str,
    location: str | None,
    pue: float | Range | None,
) -> Report:
    """Some allocations (array tasks) have ConsumedEnergy, others not: the measured joules are
    kept as measured, the others estimated, the sum reported at the weaker method
    (``proxy_model``) with the measured share stated (``energy-partly-estimated``)."""
    from empreinte.report.build import make_report
    from empreinte.units import energy as fmt_kwh
    from empreinte.units import number

    measured = [a for a in allocs if a.energy_j is not None]
    missing = [a for a in allocs if a.energy_j is None]
    meas = _measured(job_id, measured, plugin_name, stage, location, pue)
    est = _estimated(job_id, missing, hardware, stage, location, pue)
    m_kwh, e_kwh = meas.energy.total_kwh, est.energy.total_kwh
    total = Range(m_kwh.value, m_kwh.low, m_kwh.high) + Range(e_kwh.value, e_kwh.low, e_kwh.high)
    share = m_kwh.value / total.value if total.value > 0 else 1.0
    common = _common(job_id, allocs)
    warnings: list[CodedWarning] = [
        CodedWarning(
            WarningCode.ENERGY_PARTLY_ESTIMATED,
            f"{len(measured)} of {len(allocs)} allocations have SLURM's ConsumedEnergy: "
            f"{fmt_kwh(m_kwh.value)} measured ({plugin_name}, "
            f"{', '.join(a.job_id for a in measured)[:200]}), "
            f"{fmt_kwh(e_kwh.value)} estimated for {', '.join(a.job_id for a in missing)[:200]}; "
            f"measured share {number(100 * share)} % of the total",
        )
    ]
    seen: set[tuple[str, str]] = {(str(w.code), w.message) for w in warnings}
    for w in [*meas.warnings, *est.warnings]:  # the energy's; the site's are made again below
        if w.code.startswith(_SITE_WARNINGS):
            continue
        if (w.code, w.message) not in seen:
            seen.add((w.code, w.message))
            warnings.append(CodedWarning(WarningCode(w.code), w.message))
    boundary = sorted({*meas.measurement.boundary, *est.measurement.boundary})
    return make_report(
        stage=stage,
        method="proxy_model",
        total_kwh=total,
        location=location,
        pue=pue,
        measurement=_measurement(
            [
                m.model_dump(mode="json")
                for m in [*meas.measurement.meters, *est.measurement.meters]
            ],
            common,
            boundary,
        ),
        warnings=warnings,
        sources=["slurm-acct-gather-energy"],
        name=common["name"],
        status=common["status"],
        topology=common["topology"],
    )


def _measurement(
    meters: list[dict[str, Any]], common: dict[str, Any], boundary: Sequence[str]
) -> dict[str, Any]:
    """The report's ``measurement`` block: the meters, then the job's times and exit status."""
    keys = ("duration_s", "started_at", "ended_at")
    return {
        "meters": meters,
        **{k: common[k] for k in keys},
        "boundary": list(boundary),
        "exit_code": common["exit_code"],
        "signal": common["signal"],
    }


def _common(job_id: str, allocs: Sequence[Allocation]) -> dict[str, Any]:
    """Fields every SLURM report carries: name, status, topology, times, exit status."""
    first = allocs[0]
    starts = [a.start for a in allocs if a.start is not None]
    ends = [a.end for a in allocs if a.end is not None]
    running = any(a.state in _ACTIVE or a.end is None for a in allocs)
    cut = any(a.signal is not None or a.state in _CUT for a in allocs)
    states = sorted({a.state for a in allocs})
    name = f"slurm job {job_id}" + (f" ({first.name})" if first.name else "")
    if len(allocs) > 1:
        name += f", {len(allocs)} allocations summed"
    return {
        "name": name[:300],
        "status": "incomplete" if running or cut else "complete",
        "states": ",".join(states),
        "topology": {
            "nodes": max(1, max(a.nodes for a in allocs)),
            "devices": max(a.gpus for a in allocs),
            "hostnames": sorted({a.node_list for a in allocs if a.node_list})[:50],
            "slurm_job_id": job_id,
            "backend": "slurm",
        },
        "started_at": min(starts) if starts else None,
        "ended_at": None if running or not ends else max(ends),
        "exit_code": first.exit_code if len(allocs) == 1 else None,
        "signal": first.signal if len(allocs) == 1 else None,
        "duration_s": sum(a.elapsed_s for a in allocs),
    }


def _state_warnings(allocs: Sequence[Allocation]) -> list[CodedWarning]:
    """A job that ended otherwise than COMPLETED used energy, but its work may be unfinished."""
    bad = sorted({a.state for a in allocs} - {"COMPLETED"} - _ACTIVE)
    if not bad:
        return []
    return [
        CodedWarning(
            WarningCode.INCOMPLETE,
            f"the job ended {', '.join(bad)}: its energy is reported, its work may be unfinished",
        )
    ]


def _measured(
    job_id: str,
    allocs: Sequence[Allocation],
    plugin_name: str,
    stage: str,
    location: str | None,
    pue: float | Range | None,
) -> Report:
    from empreinte.report.build import make_report

    plugin = PLUGINS[plugin_name]
    kwh = sum(a.energy_j or 0.0 for a in allocs) / J_PER_KWH
    common = _common(job_id, allocs)
    gpus = max(a.gpus for a in allocs)
    warnings = _state_warnings(allocs)
    components: dict[str, float] | None = None
    total: float | None = None
    boundary = ["host"]
    if plugin.components == "gpu":
        components, boundary = {"gpu": kwh}, ["accelerators"]
    elif plugin.components == "cpu+ram":
        total = kwh
    else:
        total = kwh
        boundary = ["accelerators", "host"] if gpus else ["host"]
    partial = {
        "gpu": "the job's GPUs only (no CPU, memory or rest of the node)",
        "cpu+ram": "CPU packages and DRAM only"
        + (f" (the job's {gpus} GPUs are not in it)" if gpus else ""),
        "unknown": "whatever the cluster's plugin covers (not stated: --energy-plugin)",
    }.get(plugin.components)
    if partial is not None and (plugin.components != "cpu+ram" or gpus):
        warnings.append(
            CodedWarning(WarningCode.ENERGY_PARTIAL, f"SLURM's ConsumedEnergy covers {partial}")
        )
    meter = {
        "name": f"slurm-{plugin_name}",
        "component": "gpu" if plugin.components == "gpu" else "system",
        "method": plugin.method,
        "device": f"{allocs[0].cluster}:{allocs[0].node_list}"[:200],
        "note": (
            f"sacct ConsumedEnergyRaw of job {job_id} ({common['states']}): {plugin.what} "
            f"(acct_gather_energy/{plugin_name}); nodes shared with other jobs count whole"
        )[:500],
    }
    return make_report(
        stage=stage,
        method=plugin.method,
        energy_kwh=components,
        total_kwh=total,
        location=location,
        pue=pue,
        measurement=_measurement([meter], common, boundary),
        warnings=warnings,
        sources=["slurm-acct-gather-energy"],
        name=common["name"],
        status=common["status"],
        topology=common["topology"],
    )


def _estimated(
    job_id: str,
    allocs: Sequence[Allocation],
    hardware: str | None,
    stage: str,
    location: str | None,
    pue: float | Range | None,
) -> Report:
    common = _common(job_id, allocs)
    gpu_hours = sum(a.gpus * a.elapsed_s for a in allocs) / 3600
    note = "ConsumedEnergy not recorded (no acct_gather_energy plugin, or 0): estimated"
    if gpu_hours > 0:
        report = _estimate_gpu(allocs, hardware, gpu_hours, stage, location, pue)
        method_note = f"{note} from {gpu_hours:.4g} GPU-hours ({common['states']})"
    else:
        report = _estimate_cpu(allocs, stage, location, pue)
        cpu_hours = sum(a.cpus * a.elapsed_s for a in allocs) / 3600
        method_note = f"{note} from {cpu_hours:.4g} CPU-hours ({common['states']})"
    warnings = [
        *report.warnings,
        *(
            w
            for w in (_to_model(x) for x in _state_warnings(allocs))
            if (w.code, w.message) not in {(v.code, v.message) for v in report.warnings}
        ),
    ]
    from empreinte.report.models import MeterInfo, Topology

    m = report.measurement.model_copy(
        update={
            "meters": [
                MeterInfo(
                    name="slurm-estimate",
                    component="gpu" if gpu_hours > 0 else "cpu",
                    method="proxy_model",
                    device=f"{allocs[0].cluster}:{allocs[0].node_list}"[:200],
                    note=method_note[:500],
                )
            ],
            "duration_s": common["duration_s"],
            "started_at": common["started_at"],
            "ended_at": common["ended_at"],
            "exit_code": common["exit_code"],
            "signal": common["signal"],
        }
    )
    return report.model_copy(
        update={
            "measurement": m,
            "warnings": warnings,
            "name": common["name"],
            "status": common["status"],
            "topology": Topology(**common["topology"]),
        }
    )


def _to_model(w: CodedWarning) -> WarningItem:
    from empreinte.report.models import WarningItem

    return WarningItem(code=str(w.code), message=w.message)


def _estimate_gpu(
    allocs: Sequence[Allocation],
    hardware: str | None,
    gpu_hours: float,
    stage: str,
    location: str | None,
    pue: float | Range | None,
) -> Report:
    from empreinte.estimate.training import estimate_training

    name = hardware or next((a.gpu_type for a in allocs if a.gpu_type), None)
    if name is None:
        raise ConfigError(
            "the job's GPUs have no type in AllocTRES (gres/gpu:TYPE): give --hardware "
            "(a catalog accelerator, e.g. h100)"
        )
    est = estimate_training(
        hardware=name,
        accelerator_hours=gpu_hours,
        count=float(max(a.gpus for a in allocs)),
        stage=stage,
        location=location,
        pue=pue,
    )
    report: Report = est.to_report()
    return report


def _estimate_cpu(
    allocs: Sequence[Allocation], stage: str, location: str | None, pue: float | Range | None
) -> Report:
    from empreinte.estimate.common import estimate_warning
    from empreinte.measure.fallback import cpu_power_w, power_models, ram_power_w
    from empreinte.report.build import make_report

    per = power_models()["unknown_cpu_tdp_w_per_thread"]
    cpu_j = Range.point(0.0)
    ram_j = Range.point(0.0)
    for a in allocs:
        if a.cpus <= 0:
            raise ConfigError(f"allocation {a.job_id} has no cpu in AllocTRES: cannot estimate")
        tdp = Range(per["value"], per["low"], per["high"]) * a.cpus
        busy, idle = cpu_power_w(tdp, 1.0), cpu_power_w(tdp, 0.0)
        cpu_j = cpu_j + Range(busy.value, idle.low, busy.high) * a.elapsed_s
        if a.mem_gb:
            ram_j = ram_j + ram_power_w(a.mem_gb) * a.elapsed_s
    energy = {"cpu": cpu_j * (1 / J_PER_KWH)}
    if ram_j.high > 0:
        energy["ram"] = ram_j * (1 / J_PER_KWH)
    warnings = [
        estimate_warning("CPU job energy"),
        CodedWarning(
            WarningCode.CPU_POWER_ESTIMATED,
            f"allocated logical CPUs × {per['value']} W TDP each (range {per['low']}–"
            f"{per['high']} W, catalog spread), busy; low bound idle; RAM at W per GB of "
            "allocated memory; the rest of the node is not counted",
        ),
    ]
    return make_report(
        stage=stage,
        method="proxy_model",
        energy_kwh=energy,
        location=location,
        pue=pue,
        measurement={"boundary": ["host"]},
        warnings=warnings,
    )
