"""RAPL through the Linux powercap interface (``/sys/class/powercap``).

The root comes from ``EMPREINTE_POWERCAP_ROOT`` (default ``/sys/class/powercap``), which is
also how a container with the host's sysfs mounted elsewhere is measured, and how tests build
fake trees. Hygiene rules (methodology.md, "Meters"):

- one ``cpu:<socket>`` channel per ``package-<socket>`` zone; ``core`` and ``uncore`` are
  parts of the package and are never added to it;
- ``dram`` is counted once per socket (``ram:<socket>``), wherever it sits in the tree;
- ``psys`` (the whole platform) is never added to packages; it is used only when no package
  zone exists;
- the same domain exposed twice (``intel-rapl`` MSR and ``intel-rapl-mmio``) is read once;
- ``energy_uj`` wraps at ``max_energy_range_uj``: reading at least once per wrap period (the
  sampler does, every interval) keeps the total right across any number of wraps.

Since Linux 5.10 ``energy_uj`` is readable by root only; the probe says so and how to fix it.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from empreinte.errors import CodedWarning, MeterError, MeterUnavailable
from empreinte.measure.base import (
    POWERCAP_DEFAULT_ROOT,
    RAPL_FIX,
    Availability,
    CounterAccumulator,
    EnergySample,
    rapl_root_absent,
)

__all__ = ["DEFAULT_ROOT", "RaplMeter", "RaplZone", "discover_zones", "powercap_root"]

DEFAULT_ROOT = POWERCAP_DEFAULT_ROOT
_ZONE_DIR = re.compile(r"^(?P<kind>intel-rapl(?:-mmio)?|amd-rapl)(?P<path>(?::\d+)+)$")
_PERMISSION_FIX = (
    "run as root, or make the counters readable until the next reboot with "
    "`sudo chmod a+r {root}/*/energy_uj {root}/*/*/energy_uj`, or install a udev rule doing so; "
    "in a container, mount the host's powercap tree and set EMPREINTE_POWERCAP_ROOT"
)


def powercap_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The powercap root: the argument, else the ``powercap_root`` setting
    (``EMPREINTE_POWERCAP_ROOT``, config file), else the default."""
    if root is not None:
        return Path(root)
    from empreinte import config

    return Path(config.get("powercap_root"))


@dataclass(frozen=True, slots=True)
class RaplZone:
    """One powercap zone kept for reading, with the channel it feeds."""

    channel: str
    path: Path
    name: str
    max_range_uj: float | None


def _read_text(path: Path) -> str:
    return path.read_text().strip()


def discover_zones(root: Path) -> list[RaplZone]:
    """The zones to read under ``root``, after the hygiene rules (no double counting)."""
    if not root.is_dir():
        return []
    found: dict[str, tuple[int, RaplZone]] = {}  # channel -> (preference, zone)
    psys: list[RaplZone] = []
    for entry in sorted(root.iterdir()):
        m = _ZONE_DIR.match(entry.name)
        if not m or not (entry / "energy_uj").exists():
            continue
        try:
            name = _read_text(entry / "name")
        except OSError:
            continue
        indices = m["path"].strip(":").split(":")
        socket = indices[0]
        max_range = _max_range(entry)
        pref = 1 if m["kind"].endswith("-mmio") else 0  # MSR copy preferred over MMIO
        if name.startswith("package-"):
            channel = f"cpu:{name.removeprefix('package-')}"
        elif name == "dram":
            # under a package (intel-rapl:0:2) or top-level on some servers (intel-rapl:1)
            if len(indices) == 1:
                socket = str(sum(1 for c in found if c.startswith("ram:")))
            channel = f"ram:{socket}"
        elif name == "psys":
            psys.append(RaplZone("cpu:psys", entry, name, max_range))
            continue
        else:  # core, uncore: parts of the package
            continue
        zone = RaplZone(channel, entry, name, max_range)
        if channel not in found or pref < found[channel][0]:
            found[channel] = (pref, zone)
    zones = [z for _, z in found.values()]
    if not any(z.channel.startswith("cpu:") for z in zones):
        zones.extend(psys[:1])
    return sorted(zones, key=lambda z: z.channel)


def _max_range(entry: Path) -> float | None:
    try:
        return float(_read_text(entry / "max_energy_range_uj"))
    except (OSError, ValueError):
        return None


class RaplMeter:
    """CPU package and DRAM energy from RAPL counters (method ``hw_counter``)."""

    name = "rapl"
    method = "hw_counter"
    poll_interval_s: float | None = None

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = powercap_root(root)
        self.warnings: list[CodedWarning] = []
        self._zones: list[RaplZone] | None = None
        self._acc: dict[str, CounterAccumulator] = {}

    def probe(self) -> Availability:
        zones = discover_zones(self.root)
        if not zones:
            if not self.root.exists():
                return rapl_root_absent(str(self.root))
            return Availability(
                False,
                f"{self.root} has no RAPL package zone (no RAPL here: not Linux, a VM, or an "
                "unsupported CPU)",
                RAPL_FIX,
            )
        for z in zones:
            try:
                int(_read_text(z.path / "energy_uj"))
            except PermissionError:
                return Availability(
                    False,
                    f"{z.path / 'energy_uj'} is readable by root only (Linux >= 5.10)",
                    _PERMISSION_FIX.format(root=self.root),
                )
            except (OSError, ValueError) as exc:
                return Availability(False, f"cannot read {z.path / 'energy_uj'}: {exc}", None)
        return Availability(
            True, f"{len(zones)} zone(s) under {self.root}", None, tuple(z.channel for z in zones)
        )

    def _open(self) -> list[RaplZone]:
        if self._zones is None:
            avail = self.probe()
            if not avail.ok:
                raise MeterUnavailable(avail.reason, avail.fix)
            self._zones = discover_zones(self.root)
            self._acc = {z.channel: CounterAccumulator(z.max_range_uj) for z in self._zones}
        return self._zones

    def read(self) -> EnergySample:
        zones = self._open()
        energy: dict[str, float] = {}
        now = time.monotonic()
        for z in zones:
            try:
                raw = int(_read_text(z.path / "energy_uj"))
            except (OSError, ValueError) as exc:
                raise MeterError(f"RAPL zone {z.path.name} stopped answering: {exc}") from exc
            energy[z.channel] = self._acc[z.channel].update(raw) / 1e6
        return EnergySample(now, energy)

    def close(self) -> None:
        self._zones = None
