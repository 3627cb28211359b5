"""The observatory: open database, HTTP API and web UI of AI footprint reports.

Build the web application with :func:`create_app` from :class:`Settings`; nothing here holds
module-level state. :mod:`empreinte.ranking` (quality-gated ranking and Pareto
front) is pure and importable without the server dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Settings", "create_app"]

if TYPE_CHECKING:
    from empreinte.observatory.http.app import create_app
    from empreinte.observatory.settings import Settings


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from empreinte.observatory.http.app import create_app

        return create_app
    if name == "Settings":
        from empreinte.observatory.settings import Settings

        return Settings
    raise AttributeError(name)
