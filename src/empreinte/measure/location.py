"""Where the job runs, offline: ``--location``, else ``EMPREINTE_LOCATION``, else the config file.

The config file is ``config.toml`` in the user config directory (platformdirs, e.g.
``~/.config/empreinte/config.toml`` on Linux) with a line ``location = "FRA"``. With none of
these, :func:`resolve_location_query` returns ``None`` and the report uses the world factor
with the ``location-unknown`` warning (see :mod:`empreinte.factors.grid`). No network call,
ever: guessing a location from an IP address is what made other tools slow and wrong.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from empreinte.errors import ConfigError

__all__ = ["config_path", "resolve_location_query"]


def config_path() -> Path:
    """The user config file (it may not exist)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("empreinte")) / "config.toml"


def _from_config(path: Path) -> str | None:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    value = data.get("location")
    if value is not None and not isinstance(value, str):
        raise ConfigError(f'{path}: location must be a string such as "FRA"')
    return value or None


def resolve_location_query(
    option: str | None = None, config: Path | None = None
) -> tuple[str | None, str]:
    """``(location, where_it_came_from)``; location ``None`` when nothing says where."""
    if option:
        return option, "option"
    env = os.environ.get("EMPREINTE_LOCATION")
    if env:
        return env, "EMPREINTE_LOCATION"
    path = config or config_path()
    value = _from_config(path)
    if value:
        return value, str(path)
    return None, "none"
