"""Energy by boundary layer: accelerators, host, idle capacity and facility overhead.

Published per-query and per-run figures disagree mostly because they stop at different
boundaries (methodology.md, "Energy boundary layers"). From the accelerator energy ``A``::

    host     = A × host_ratio                     (CPUs, DRAM, rest of the servers)
    idle     = (A + host) × idle_ratio            (provisioned capacity left idle)
    facility = (A + host + idle) × (PUE − 1)      (cooling, power distribution)

so the IT energy is ``A + host + idle`` and the full boundary adds the facility layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from empreinte.impacts import formulas as f
from empreinte.ranges import Range, as_range
from empreinte.vocabulary import LAYERS

__all__ = ["LAYERS", "Layers", "boundary_layers"]


@dataclass(frozen=True, slots=True)
class Layers:
    """Energy (kWh) of each boundary layer, as ranges."""

    accelerators: Range
    host: Range
    idle: Range
    facility: Range

    @property
    def it(self) -> Range:
        """IT energy: accelerators + host + idle (what a PUE multiplies)."""
        return self.accelerators + self.host + self.idle

    @property
    def full(self) -> Range:
        """Full boundary: IT energy plus the facility overhead."""
        return self.it + self.facility

    def as_dict(self) -> dict[str, Range]:
        return {k: getattr(self, k) for k in LAYERS}

    def scaled(self, k: float) -> Layers:
        return Layers(*(getattr(self, n) * k for n in LAYERS))

    def __add__(self, other: Layers) -> Layers:
        return Layers(*(getattr(self, n) + getattr(other, n) for n in LAYERS))


def boundary_layers(
    accelerators_kwh: Range | float,
    *,
    host_ratio: Range | float,
    idle_ratio: Range | float,
    pue: Range | float,
) -> Layers:
    """The four layers from the accelerator energy and the ratios above (the formulas of the
    engine's estimator graphs: ``host_energy_kwh``, ``idle_energy_kwh``,
    ``facility_overhead_kwh``)."""
    acc = as_range(accelerators_kwh)
    host = as_range(f.host_energy_kwh(acc, host_ratio))
    idle = as_range(f.idle_energy_kwh(acc, host, idle_ratio))
    facility = as_range(f.facility_overhead_kwh(acc, host, idle, pue))
    return Layers(acc, host, idle, facility)
