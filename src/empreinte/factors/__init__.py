"""Versioned reference data, every value with its source (see docs/factors.md).

- :mod:`~empreinte.factors.grid` — electricity factors per zone; location resolution.
- :mod:`~empreinte.factors.cloud` — cloud regions of AWS, GCP, Azure mapped to zones.
- :mod:`~empreinte.factors.datacenters` — PUE / WUE presets and the documented default.
- :mod:`~empreinte.factors.hardware` — accelerators, CPUs, server archetypes.
- :mod:`~empreinte.factors.models` — AI models with total and active parameters.

Modules load their files lazily, on first use; each repository takes an injectable loader.
"""
