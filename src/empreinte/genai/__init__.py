"""GenAI API tracing: estimated impacts on every call to a hosted model.

``instrument()`` wraps the official clients that are installed (``openai``: Chat Completions
and Responses; ``anthropic``: Messages; ``mistralai``: chat; sync, async and streamed). Each
completed call then carries ``response.impacts``
(:class:`~empreinte.genai.impacts.CallImpacts`): energy, GWP, water, ADPe and PE with bounds,
split into usage and embodied, computed on first read by the code of ``empreinte estimate
inference``. Calls made while :func:`empreinte.track` runs join that tracker's report as its
``remote`` block (:mod:`empreinte.genai.trace`). The callers' objects keep their types and
behaviour; ``uninstrument()`` restores the clients.

    import empreinte.genai
    empreinte.genai.instrument()
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from typing import Any

from empreinte.errors import ConfigError
from empreinte.genai.impacts import CallImpacts, estimate_call
from empreinte.genai.usage import TokenUsage

__all__ = [
    "PROVIDERS",
    "CallImpacts",
    "TokenUsage",
    "estimate_call",
    "instrument",
    "instrumented",
    "uninstrument",
]

PROVIDERS = ("anthropic", "mistralai", "openai")
"""Providers whose official client can be instrumented (the PyPI package of the same name)."""

_installed: dict[str, list[tuple[type, str, Any, bool]]] = {}


def _names(providers: Iterable[str] | str | None) -> list[str]:
    if providers is None:
        return [p for p in PROVIDERS if importlib.util.find_spec(p) is not None]
    names = [providers] if isinstance(providers, str) else list(providers)
    for p in names:
        if p not in PROVIDERS:
            raise ConfigError(f"unknown provider {p!r}; known: {', '.join(PROVIDERS)}")
        if importlib.util.find_spec(p) is None:
            raise ConfigError(f"the {p} client is not installed (pip install 'empreinte[genai]')")
    return names


def instrument(providers: Iterable[str] | str | None = None) -> list[str]:
    """Wrap the clients of ``providers`` (default: every installed one); idempotent.

    Returns the providers instrumented now or before. An unknown or absent provider that was
    asked for by name raises :class:`~empreinte.errors.ConfigError`.
    """
    from empreinte.genai._patch import install

    for p in _names(providers):
        if p in _installed:
            continue
        module = importlib.import_module(f"empreinte.genai._{p}")
        _installed[p] = install(module.targets())
    return instrumented()


def uninstrument(providers: Iterable[str] | str | None = None) -> None:
    """Restore the clients of ``providers`` (default: all instrumented ones)."""
    from empreinte.genai._patch import restore

    names = list(_installed) if providers is None else _names(providers)
    for p in names:
        restore(_installed.pop(p, []))


def instrumented() -> list[str]:
    """The providers instrumented now."""
    return sorted(_installed)
