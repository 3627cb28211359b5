"""The words of empreinte, defined once at the lowest layer: stages, methods and their tiers,
components, boundary layers, phases, impact criteria (key, unit, label), and the one J -> kWh
constant.

Each word list is a :class:`~enum.StrEnum` (so the type checker knows the words and each
member is also its string: ``Stage.TRAINING == "training"``) and a tuple of the same words
for the places that iterate or print them. Every other module imports these instead of
spelling them again; the report schema's ``Literal`` types are checked against them by
``tests/core/test_vocabulary.py``.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ATTRIBUTIONS",
    "COMPONENTS",
    "CRITERIA",
    "END_TO_END_LAYERS",
    "J_PER_KWH",
    "LAYERS",
    "METHODS",
    "METHOD_TIER",
    "PHASES",
    "STAGES",
    "SYSTEM_BOUNDARIES",
    "TIERS",
    "USAGE_CRITERIA",
    "Component",
    "Criterion",
    "Layer",
    "Method",
    "Phase",
    "Stage",
    "SystemBoundary",
]


class Stage(StrEnum):
    """Life-cycle stages of an AI system (the report's ``lifecycle_stage``)."""

    DATA_PREPARATION = "data_preparation"
    TRAINING = "training"
    FINE_TUNING = "fine_tuning"
    EVALUATION = "evaluation"
    INFERENCE = "inference"
    END_OF_LIFE = "end_of_life"
    OTHER = "other"


class Method(StrEnum):
    """Measurement methods from the strongest to the weakest; each has its verification tier."""

    EXTERNAL_METER = "external_meter"
    HW_COUNTER = "hw_counter"
    SOFTWARE_MODEL = "software_model"
    PROXY_MODEL = "proxy_model"
    DECLARED = "declared"

    @property
    def tier(self) -> str:
        """``M1`` (external meter) to ``M5`` (declared)."""
        return METHOD_TIER[self.value]


class Component(StrEnum):
    """Components of the energy split in a report (``gpu_kwh``, ``cpu_kwh``, ...)."""

    GPU = "gpu"
    CPU = "cpu"
    RAM = "ram"
    OTHER = "other"


class Layer(StrEnum):
    """Boundary layers, from the chips outwards: the data centre's four (measurement boundary,
    estimators' layers), then the two beyond its wall that the end-to-end boundary of a request
    adds (the network that carries it and the user's device)."""

    ACCELERATORS = "accelerators"
    HOST = "host"
    IDLE = "idle"
    FACILITY = "facility"
    NETWORK = "network"
    DEVICE = "device"


class SystemBoundary(StrEnum):
    """System boundary of a per-request figure: the data centre's, or end to end (data centre,
    network and the user's device)."""

    DATACENTER = "datacenter"
    END_TO_END = "end-to-end"


class Phase(StrEnum):
    """Life-cycle phases an impact is split into."""

    USAGE = "usage"
    EMBODIED = "embodied"
    END_OF_LIFE = "end_of_life"


class Criterion(StrEnum):
    """Impact criteria of a report: the key (unit in its name), its unit and its label.

    ``Criterion.GWP == "gwp_kgco2e"``; ``Criterion.GWP.unit == "kgCO2e"``. ``ewaste_kg`` is
    the mass of equipment allocated to the functional unit: it has no usage phase (it is not
    a consequence of electricity), see :data:`USAGE_CRITERIA`.
    """

    GWP = "gwp_kgco2e"
    WATER = "water_l"
    ADPE = "adpe_kgsbe"
    PE = "pe_mj"
    EWASTE = "ewaste_kg"

    @property
    def unit(self) -> str:
        """The unit of the criterion's values (``kgCO2e``, ``L``, ``kgSbeq``, ``MJ``, ``kg``)."""
        return _CRITERION_UNIT_LABEL[self.value][0]

    @property
    def label(self) -> str:
        """A label for people (tables, pages, exports)."""
        return _CRITERION_UNIT_LABEL[self.value][1]

    @property
    def short(self) -> str:
        """The short name (``gwp``, ``water``, ``adpe``, ``pe``, ``ewaste``): grid columns."""
        return self.value.split("_", 1)[0]


_CRITERION_UNIT_LABEL: dict[str, tuple[str, str]] = {
    "gwp_kgco2e": ("kgCO2e", "Global warming (GWP)"),
    "water_l": ("L", "Water consumption"),
    "adpe_kgsbe": ("kgSbeq", "Abiotic resources (ADPe)"),
    "pe_mj": ("MJ", "Primary energy (PE)"),
    "ewaste_kg": ("kg", "Electronic waste (mass)"),
}


STAGES: tuple[str, ...] = tuple(s.value for s in Stage)
"""Life-cycle stages, in order."""

METHODS: tuple[str, ...] = tuple(m.value for m in Method)
"""Measurement methods from the strongest to the weakest (the report's ``measurement.method``)."""

TIERS = ("M1", "M2", "M3", "M4", "M5")
"""Verification tiers, one per measurement method, in the same order."""

METHOD_TIER: dict[str, str] = dict(zip(METHODS, TIERS, strict=True))
"""Measurement method -> M tier (methodology.md, "Verification tiers")."""

COMPONENTS: tuple[str, ...] = tuple(c.value for c in Component)
"""Components of the energy split in a report, in order."""

END_TO_END_LAYERS: tuple[str, ...] = (Layer.NETWORK.value, Layer.DEVICE.value)
"""Layers beyond the data centre's wall, added by the end-to-end boundary of a request."""

LAYERS: tuple[str, ...] = tuple(la.value for la in Layer if la.value not in END_TO_END_LAYERS)
"""The data centre's boundary layers, from the chips outwards."""

SYSTEM_BOUNDARIES: tuple[str, ...] = tuple(b.value for b in SystemBoundary)
"""System boundaries of a per-request figure (``--boundary``)."""

PHASES: tuple[str, ...] = tuple(p.value for p in Phase)
"""Impact phases, in order."""

CRITERIA: tuple[str, ...] = tuple(c.value for c in Criterion)
"""Impact criteria of a report, in the report's order."""

USAGE_CRITERIA: tuple[str, ...] = tuple(c for c in CRITERIA if c != Criterion.EWASTE)
"""The criteria that electricity use carries (grid factors per kWh): all but ``ewaste_kg``."""

ATTRIBUTIONS = ("machine", "process")
"""How a measured command's energy is attributed (``empreinte run --attribution``)."""

J_PER_KWH = 3.6e6
"""Joules in a kilowatt-hour (1000 W x 3600 s): the one J -> kWh conversion of the package."""
