"""Where an API provider's calls are assumed to run (``data/providers.json``).

Each provider maps to a location string of the factors (``cloud:PROVIDER:REGION``), hence to a
grid zone and a data-centre preset (PUE, WUE) with their sources. Calls sent through a
provider's client to another host (a proxy, a compatible server, a local test server) keep no
location: the world-average grid and the default data-centre preset are used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["ProviderAssumption", "assumption_for", "provider_sources"]


@dataclass(frozen=True, slots=True)
class ProviderAssumption:
    """The location assumed for a provider's calls, and why."""

    provider: str
    location: str | None
    sources: tuple[str, ...]
    note: str


@cache
def _data() -> dict[str, Any]:
    text = resources.files("empreinte.genai").joinpath("data/providers.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    return raw


@cache
def provider_sources() -> dict[str, tuple[str, str | None]]:
    """The file's own sources: id -> (title, url)."""
    return {s["id"]: (s["title"], s.get("url")) for s in _data()["sources"]}


@cache
def assumption_for(provider: str, host: str | None) -> ProviderAssumption:
    """The assumption for calls to ``provider`` sent to ``host`` (``None``: official host)."""
    entry = next((p for p in _data()["providers"] if p["id"] == provider), None)
    if entry is None:
        return ProviderAssumption(provider, None, (), f"no location is known for {provider!r}")
    official = host is None or host in entry["hosts"]
    if not official and host is not None:
        official = any(host.endswith(s) for s in entry.get("host_suffixes", ()))
    if not official:
        return ProviderAssumption(
            provider,
            None,
            (),
            f"calls sent to {host} through the {provider} client, not to "
            f"{', '.join(entry['hosts'])}: where they ran is unknown",
        )
    return ProviderAssumption(provider, entry["location"], tuple(entry["sources"]), entry["note"])
