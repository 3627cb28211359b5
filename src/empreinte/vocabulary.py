"""The words of empreinte, defined once at the lowest layer: stages, methods, components, units.

Every other module imports these instead of spelling them again (the report schema's
``Literal`` types are checked against them by a test).
"""

from __future__ import annotations

__all__ = [
    "ATTRIBUTIONS",
    "COMPONENTS",
    "J_PER_KWH",
    "METHODS",
    "METHOD_TIER",
    "STAGES",
    "TIERS",
]

STAGES = (
    "data_preparation",
    "training",
    "fine_tuning",
    "evaluation",
    "inference",
    "end_of_life",
    "other",
)
"""Life-cycle stages of an AI system (the report's ``lifecycle_stage``)."""

METHODS = ("external_meter", "hw_counter", "software_model", "proxy_model", "declared")
"""Measurement methods from the strongest to the weakest (the report's ``measurement.method``)."""

TIERS = ("M1", "M2", "M3", "M4", "M5")
"""Verification tiers, one per measurement method, in the same order."""

METHOD_TIER: dict[str, str] = dict(zip(METHODS, TIERS, strict=True))
"""Measurement method -> M tier (methodology.md, "Verification tiers")."""

COMPONENTS = ("gpu", "cpu", "ram", "other")
"""Components of the energy split in a report (``gpu_kwh``, ``cpu_kwh``, ...)."""

ATTRIBUTIONS = ("machine", "process")
"""How a measured command's energy is attributed (``empreinte run --attribution``)."""

J_PER_KWH = 3.6e6
"""Joules in a kilowatt-hour (1000 W x 3600 s): the one J -> kWh conversion of the package."""
