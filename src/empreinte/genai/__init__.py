"""GenAI API tracing: estimated impacts on every call to a hosted model.

``instrument()`` wraps the clients that are installed (``openai``: Chat Completions and
Responses; ``anthropic``: Messages; ``mistralai``: chat; ``google-genai``: generate_content;
``litellm``: completion; sync, async and streamed). Each
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
import sys
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

PROVIDERS = ("anthropic", "google", "litellm", "mistralai", "openai")
"""Providers whose client can be instrumented (``google``: the ``google-genai`` package)."""

_MODULES = {"google": "google.genai"}  # the client's import name, where it is not the key
_ALIASES = {"google-genai": "google", "google.genai": "google", "gemini": "google"}

_installed: dict[str, list[tuple[Any, str, Any, bool]]] = {}


def _present(p: str) -> bool:
    try:
        return importlib.util.find_spec(_MODULES.get(p, p)) is not None
    except ImportError:  # google.genai without the google namespace
        return False


def _names(providers: Iterable[str] | str | None) -> list[str]:
    if providers is None:  # litellm takes seconds to import: only if the program did
        return [p for p in PROVIDERS if _present(p) and (p != "litellm" or p in sys.modules)]
    names = [providers] if isinstance(providers, str) else list(providers)
    names = [_ALIASES.get(p, p) for p in names]
    for p in names:
        if p not in PROVIDERS:
            raise ConfigError(f"unknown provider {p!r}; known: {', '.join(PROVIDERS)}")
        if not _present(p):
            raise ConfigError(f"the {p} client is not installed (pip install 'empreinte[genai]')")
    return names


def instrument(providers: Iterable[str] | str | None = None) -> list[str]:
    """Wrap the clients of ``providers`` (default: every installed one, and ``litellm`` if it
    is imported already); idempotent.

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
