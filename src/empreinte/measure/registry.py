"""The meters, one row each: what ``empreinte doctor`` lists and what ``track()`` chooses from.

A :class:`MeterSpec` is plain data and imports nothing: the meter's module is imported only
when the meter is created, and not at all where the driver nodes it needs are absent (on
Linux), so a machine without a GPU never loads our GPU modules, let alone the vendor SDK.

Adding a meter is one file and one row: a module under ``empreinte.measure`` with a class
that follows :class:`~empreinte.measure.base.Meter` (an SDK meter subclasses
:class:`~empreinte.measure.sdk.SdkMeter`), and a :func:`register` call below.
:func:`~empreinte.measure.doctor.default_meters` iterates :data:`METERS` in order: every
``counter`` row that probes fine is used, then the ``fallback`` row estimates the components
no counter covers. A row with ``default=False`` (the fleet agents: Kepler, Scaphandre, Alumet,
which cover what the local counters cover) is listed by ``doctor`` but used only when named
(``empreinte run --meter kepler``, ``track(meters=["kepler"])``).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Literal

from empreinte.errors import ConfigError, MeterUnavailable
from empreinte.measure.base import Availability, FallbackMeterProtocol, Meter

__all__ = ["METERS", "MeterSpec", "counter_specs", "fallback_spec", "register", "spec"]


@dataclass(frozen=True, slots=True)
class MeterSpec:
    """One meter: its name and method, what it needs here, how to fix its absence, its class.

    ``factory`` is ``"module:Class"`` (imported on first use). ``nodes`` are the files or
    device nodes of which at least one exists when the meter's driver is loaded (checked on
    Linux only, before importing anything); ``nodes_setting`` names a setting whose value is
    that node instead (RAPL's ``powercap_root``). ``missing`` is the reason given when none
    exists (``{nodes}`` is replaced by their list) and ``fix`` how to fix it. ``sdk`` is the
    vendor module, bound to the meter module's global of the same name on first probe;
    ``default`` says whether a run uses the meter unless told otherwise;
    ``sdk_missing``/``sdk_fix`` say what to install when it cannot be imported. ``selectors``
    are the environment variables that pick the devices (an unavailable SDK meter's probe is
    cached per process and per their values).
    """

    name: str
    method: str
    factory: str
    role: Literal["counter", "fallback"] = "counter"
    nodes: tuple[str, ...] = ()
    nodes_setting: str | None = None
    missing: str = ""
    fix: str | None = None
    sdk: str | None = None
    sdk_missing: str = ""
    sdk_fix: str | None = None
    selectors: tuple[str, ...] = ()
    default: bool = True

    @property
    def module(self) -> str:
        return self.factory.partition(":")[0]

    def driver_nodes(self) -> tuple[str, ...]:
        """The nodes to look for, the setting's value included (resolved now)."""
        if self.nodes_setting is None:
            return self.nodes
        from empreinte import config

        return (str(config.get(self.nodes_setting)),)

    def present(self, nodes: tuple[str, ...] | None = None) -> bool:
        """Whether one of its driver nodes exists: microseconds, before importing an SDK
        (tens of ms). Always true outside Linux and for a meter that needs no node."""
        nodes = self.driver_nodes() if nodes is None else nodes
        return not nodes or not sys.platform.startswith("linux") or any(map(os.path.exists, nodes))

    def unavailable(self, nodes: tuple[str, ...] | None = None) -> MeterUnavailable:
        """The error of this meter when none of its driver nodes exists."""
        nodes = self.driver_nodes() if nodes is None else nodes
        return MeterUnavailable(self.missing.format(nodes=", ".join(nodes)), self.fix)

    def absent(self, nodes: tuple[str, ...] | None = None) -> Availability:
        """:meth:`unavailable` as a probe result."""
        exc = self.unavailable(nodes)
        return Availability(False, exc.reason, exc.fix)

    def sdk_unavailable(self) -> MeterUnavailable:
        """The error of this meter when its SDK cannot be imported."""
        return MeterUnavailable(self.sdk_missing, self.sdk_fix)

    def meter_class(self) -> type:
        """The meter's class (its module imported now)."""
        import importlib

        module, _, attr = self.factory.partition(":")
        cls: type = getattr(importlib.import_module(module), attr)
        return cls

    def create(self) -> Meter:
        """A new, unprobed counter meter."""
        meter: Meter = self.meter_class()()
        return meter

    def create_fallback(self, components: tuple[str, ...]) -> FallbackMeterProtocol:
        """A new fallback meter estimating ``components``."""
        meter: FallbackMeterProtocol = self.meter_class()(components)
        return meter


METERS: dict[str, MeterSpec] = {}
"""Every meter by name, in the order they are probed."""


def register(row: MeterSpec, *, replace: bool = False) -> MeterSpec:
    """Add a meter (before the fallback, which stays last); ``replace`` an existing row."""
    if row.name in METERS and not replace:
        raise ConfigError(f"a meter named {row.name!r} is already registered")
    if row.role == "fallback" and any(
        s.role == "fallback" and s.name != row.name for s in METERS.values()
    ):
        raise ConfigError("only one fallback meter can be registered")
    METERS[row.name] = row
    return row


def spec(name: str) -> MeterSpec:
    """The row of meter ``name``."""
    try:
        return METERS[name]
    except KeyError:
        raise ConfigError(f"no meter named {name!r}; known: {', '.join(METERS)}") from None


def counter_specs() -> list[MeterSpec]:
    """The counter rows, in registration order."""
    return [s for s in METERS.values() if s.role == "counter"]


def fallback_spec() -> MeterSpec | None:
    """The row that estimates what no counter covers."""
    return next((s for s in METERS.values() if s.role == "fallback"), None)


_NO_RAPL = "(no RAPL here: not Linux, a VM, or an unsupported CPU)"

register(
    MeterSpec(
        "rapl",
        "hw_counter",
        "empreinte.measure.rapl:RaplMeter",
        nodes_setting="powercap_root",
        missing="{nodes} does not exist " + _NO_RAPL,
        fix=(
            "on bare metal load the intel_rapl_common / intel_rapl_msr modules; in a "
            "container mount the host's powercap tree and set EMPREINTE_POWERCAP_ROOT"
        ),
    )
)
register(
    MeterSpec(
        "nvml",
        "hw_counter",
        "empreinte.measure.nvml:NvmlMeter",
        nodes=("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/dxg"),  # dxg: WSL2
        missing="no NVIDIA driver loaded (none of {nodes} exists)",
        fix="install the NVIDIA driver (in a container: the NVIDIA container toolkit)",
        sdk="pynvml",
        sdk_missing="nvidia-ml-py is not installed",
        sdk_fix="pip install 'empreinte[nvidia]'",
        selectors=("CUDA_VISIBLE_DEVICES",),
    )
)
register(
    MeterSpec(
        "amd",
        "hw_counter",
        "empreinte.measure.amd:AmdMeter",
        nodes=("/dev/kfd", "/sys/module/amdgpu"),
        missing="no AMD GPU driver loaded (none of {nodes} exists)",
        fix="load the amdgpu driver (in a container: pass /dev/kfd and /dev/dri)",
        sdk="amdsmi",
        sdk_missing="amdsmi or ROCm's libamd_smi.so is not installed",
        sdk_fix="install ROCm's amd-smi-lib and `pip install 'empreinte[amd]'`",
        selectors=("ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"),
    )
)
# fleet agents read from a Prometheus endpoint; the row's method is the node level's
# (Kepler's pod, container and process levels are software_model: the meter says so)
for _agent, _cls in (("kepler", "KeplerMeter"), ("scaphandre", "ScaphandreMeter"),
                     ("alumet", "AlumetMeter")):  # fmt: skip
    register(
        MeterSpec(
            _agent,
            "hw_counter",
            f"empreinte.measure.fleet:{_cls}",
            fix=f"`empreinte run --meter {_agent} --meter-url URL` or EMPREINTE_METER_URL",
            default=False,
        )
    )

register(
    MeterSpec(
        "estimate",
        "software_model",
        "empreinte.measure.fallback:FallbackMeter",
        role="fallback",
    )
)
