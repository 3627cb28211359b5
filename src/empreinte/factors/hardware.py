"""Hardware catalog: accelerators, CPUs (TDP by brand string) and server archetypes.

- ``data/accelerators.json``: GPUs, TPUs, NPUs and Apple SoCs with TDP, memory, dense BF16
  peak and embodied impacts (GWP, ADPe, PE) as sourced ranges. Lookup accepts the id, the
  name, or an alias (the strings NVML / amdsmi report, e.g. ``"NVIDIA H100 80GB HBM3"``).
- ``data/cpu_tdp.csv``: CodeCarbon's CPU TDP table (MIT). :func:`find_cpu` matches the brand
  string psutil or ``/proc/cpuinfo`` gives, deterministically, and returns ``None`` rather than
  a made-up TDP when no entry matches unambiguously.
- ``data/servers.json``: server archetypes (non-accelerator embodied impacts, host power,
  lifetime and utilisation). Every number is a sourced value; see ``data/README.md``.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import statistics
from collections.abc import Callable
from functools import cached_property
from typing import Any, Literal, TypeVar

from pydantic import Field

from empreinte.errors import DataError, UnknownKeyError
from empreinte.factors._base import (
    Loader,
    SourcedValue,
    StrictModel,
    package_loader,
    read_data_text,
)

__all__ = [
    "Accelerator",
    "Cpu",
    "Embodied",
    "HardwareRepository",
    "Server",
    "default_repository",
    "find_cpu",
    "get_accelerator",
    "get_server",
    "list_accelerators",
    "list_servers",
    "normalize_cpu_brand",
]

CPU_SOURCE = "codecarbon-cpu-power"
_T = TypeVar("_T")


class Embodied(StrictModel):
    """Manufacturing impacts of one unit: GWP (kgCO2e), ADPe (kgSbeq), primary energy (MJ)."""

    gwp_kgco2e: SourcedValue
    adpe_kgsbe: SourcedValue
    pe_mj: SourcedValue


class Accelerator(StrictModel):
    """One accelerator model (per chip / per GPU / per SoC)."""

    id: str
    vendor: str
    name: str
    kind: Literal["gpu", "tpu", "npu", "soc"]
    aliases: tuple[str, ...] = ()
    tdp_w: SourcedValue | None = None
    memory_gb: SourcedValue
    peak_flops_bf16: SourcedValue | None = None
    embodied: Embodied | None = None
    mass_kg: SourcedValue | None = Field(
        default=None, description="mass of one unit (kg); absent: lifecycle.json's default"
    )
    note: str | None = None


class Cpu(StrictModel):
    """A CPU model matched in CodeCarbon's table."""

    name: str
    tdp_w: SourcedValue


class Server(StrictModel):
    """A server archetype; ``embodied`` excludes the accelerators (count them separately)."""

    id: str
    name: str
    accelerator_slots: int = 0
    sources: list[str]
    embodied: Embodied
    mass_kg: SourcedValue | None = Field(default=None, description="without the accelerators")
    host_power_max_w: SourcedValue | None = None
    system_power_max_w: SourcedValue | None = None
    lifetime_years: SourcedValue
    utilisation: SourcedValue
    note: str | None = None


def _key(s: str) -> str:
    return re.sub(r"[\s_]+", " ", s.strip().lower())


_VENDOR_WORDS = re.compile(r"^(nvidia|amd|intel|google|apple|tesla|geforce|instinct)\s+")


def _parse_accelerators(raw: Any) -> dict[str, Accelerator]:
    return {a.id: a for a in (Accelerator.model_validate(r) for r in raw["accelerators"])}


_NOISE = re.compile(r"\(r\)|\(tm\)|®|™|@.*$|\bcpu\b|\bprocessor\b|\b\d+-core\b|\bwith radeon.*$")
_IGNORABLE = {"intel", "amd", "genuine", "core", "gen", "apu", "mobile", "eight", "six", "quad"}


def normalize_cpu_brand(brand: str) -> str:
    """Lower-case brand string without trademarks, frequency, core count or filler words."""
    s = brand.lower()
    s = _NOISE.sub(" ", s)
    return re.sub(r"\s+", " ", s).strip()


def _parse_cpus(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for row in csv.DictReader(io.StringIO(text)):
        name, tdp = (row.get("Name") or "").strip(), (row.get("TDP") or "").strip()
        try:
            out[name] = float(tdp)
        except ValueError:  # a few upstream rows read like "27.29.5": skipped, see README
            continue
    if not out:
        raise DataError("CPU TDP table is empty")
    return out


class HardwareRepository:
    """Accelerators, CPUs and servers from injectable loaders (default: the package files).

    ``accelerators`` and ``servers`` return parsed JSON; ``cpus`` returns the CSV text.
    """

    def __init__(
        self,
        accelerators: Loader | None = None,
        servers: Loader | None = None,
        cpus: Callable[[], str] | None = None,
    ) -> None:
        self._acc_loader = accelerators or package_loader("accelerators.json")
        self._srv_loader = servers or package_loader("servers.json")
        self._cpu_loader = cpus or (lambda: read_data_text("cpu_tdp.csv"))

    @staticmethod
    def _load(what: str, fn: Callable[[], _T]) -> _T:
        try:
            return fn()
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"cannot load {what}: {exc}") from exc

    @cached_property
    def _accelerators(self) -> dict[str, Accelerator]:
        return self._load("accelerators", lambda: _parse_accelerators(self._acc_loader()))

    @cached_property
    def _acc_index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for acc in self._accelerators.values():
            for label in (acc.id, acc.name, *acc.aliases):
                k = _key(label)
                if index.get(k, acc.id) != acc.id:
                    raise DataError(f"accelerator label {label!r} names two entries")
                index[k] = acc.id
        return index

    def accelerators(self) -> list[Accelerator]:
        return sorted(self._accelerators.values(), key=lambda a: a.id)

    def accelerator(self, name: str) -> Accelerator:
        """The accelerator with this id, name or alias (case and spacing insensitive)."""
        k = _key(name)
        acc_id = self._acc_index.get(k) or self._acc_index.get(_VENDOR_WORDS.sub("", k))
        if acc_id is None:
            near = difflib.get_close_matches(k, list(self._acc_index), n=3, cutoff=0.5)
            ids = list(dict.fromkeys(self._acc_index[n] for n in near))
            raise UnknownKeyError("accelerator", name, ids)
        return self._accelerators[acc_id]

    @cached_property
    def _servers(self) -> dict[str, Server]:
        raw = self._load("servers", self._srv_loader)
        return self._load(
            "servers", lambda: {s["id"]: Server.model_validate(s) for s in raw["servers"]}
        )

    def servers(self) -> list[Server]:
        return sorted(self._servers.values(), key=lambda s: s.id)

    def server(self, server_id: str) -> Server:
        try:
            return self._servers[server_id.strip().lower()]
        except KeyError:
            near = difflib.get_close_matches(server_id, list(self._servers), n=3, cutoff=0.5)
            raise UnknownKeyError("server", server_id, near) from None

    @cached_property
    def _cpus(self) -> dict[str, float]:
        return self._load("CPU TDP table", lambda: _parse_cpus(self._cpu_loader()))

    @cached_property
    def _cpu_index(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for name in self._cpus:
            index.setdefault(normalize_cpu_brand(name), []).append(name)
        return index

    def _cpu(self, name: str, how: str) -> Cpu:
        note = f"CodeCarbon TDP for {name!r} ({how} match)"
        return Cpu(
            name=name,
            tdp_w=SourcedValue(value=self._cpus[name], unit="W", sources=[CPU_SOURCE], note=note),
        )

    def find_cpu(self, brand: str) -> Cpu | None:
        """The CPU whose normalised name equals the brand's, or else the longest catalog name
        whose words are all in the brand (extra brand words may only be filler such as
        "Intel" or "11th Gen"). ``None`` when nothing matches or the best matches disagree."""
        norm = normalize_cpu_brand(brand)
        if not norm:
            return None
        exact = self._cpu_index.get(norm)
        if exact and len({self._cpus[n] for n in exact}) == 1:
            return self._cpu(sorted(exact)[0], "exact")
        words = set(norm.split())
        best: list[str] = []
        best_len = 0
        for key, names in self._cpu_index.items():
            kw = set(key.split())
            if not any(c.isdigit() for c in key) or not kw <= words:
                continue
            extra = words - kw
            if any(w not in _IGNORABLE and not re.fullmatch(r"\d+(st|nd|rd|th)", w) for w in extra):
                continue
            if len(kw) > best_len:
                best, best_len = list(names), len(kw)
            elif len(kw) == best_len:
                best.extend(names)
        if best and len({self._cpus[n] for n in best}) == 1:
            return self._cpu(sorted(best)[0], "word-subset")
        return None

    def cpu(self, brand: str) -> Cpu:
        """Like :meth:`find_cpu` but raises :class:`UnknownKeyError` with suggestions."""
        found = self.find_cpu(brand)
        if found is None:
            norm = normalize_cpu_brand(brand)
            near = difflib.get_close_matches(norm, list(self._cpu_index), n=3, cutoff=0.6)
            raise UnknownKeyError("CPU", brand, [self._cpu_index[n][0] for n in near])
        return found

    def cpu_tdp_spread(self, pattern: str = r"xeon|epyc") -> SourcedValue:
        """Median TDP, with the 10th-90th percentile band, of catalog CPUs whose name matches
        ``pattern`` (default: server CPUs). A sourced fallback when the exact model is unknown."""
        rx = re.compile(pattern, re.IGNORECASE)
        vals = sorted(t for n, t in self._cpus.items() if rx.search(n))
        if len(vals) < 10:
            raise DataError(f"too few CPUs match {pattern!r} for a TDP spread")
        q = statistics.quantiles(vals, n=10, method="inclusive")
        med = statistics.median(vals)
        note = f"median and 10th-90th percentile TDP of {len(vals)} CPUs matching {pattern!r}"
        return SourcedValue(
            value=med,
            low=min(q[0], med),
            high=max(q[-1], med),
            unit="W",
            sources=[CPU_SOURCE],
            note=note,
        )


_default: HardwareRepository | None = None


def default_repository() -> HardwareRepository:
    """The module-level repository over the package files (created on first use)."""
    global _default
    if _default is None:
        _default = HardwareRepository()
    return _default


def get_accelerator(name_or_alias: str) -> Accelerator:
    return default_repository().accelerator(name_or_alias)


def list_accelerators() -> list[Accelerator]:
    return default_repository().accelerators()


def find_cpu(brand: str) -> Cpu | None:
    """The CPU matching a psutil / ``/proc/cpuinfo`` brand string, or ``None``."""
    return default_repository().find_cpu(brand)


def get_server(server_id: str) -> Server:
    return default_repository().server(server_id)


def list_servers() -> list[Server]:
    return default_repository().servers()
