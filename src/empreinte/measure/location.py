"""Where the job runs, offline: ``--location``, else ``EMPREINTE_LOCATION``, else a config file.

The order and the files are those of every setting (:mod:`empreinte.config`): the
``location`` key of ``$EMPREINTE_CONFIG``, else of ``./empreinte.toml``, else of
``config.toml`` in the user config directory. With none of these,
:func:`resolve_location_query` returns ``None`` and the report uses the world factor with the
``location-unknown`` warning (see :mod:`empreinte.factors.grid`). No network call, ever:
guessing a location from an IP address is what made other tools slow and wrong.
"""

from __future__ import annotations

from pathlib import Path

from empreinte.config import Config, user_config_file

__all__ = ["config_path", "resolve_location_query"]


def config_path() -> Path:
    """The user config file (it may not exist)."""
    return user_config_file()


def resolve_location_query(
    option: str | None = None, config: Path | None = None
) -> tuple[str | None, str]:
    """``(location, where_it_came_from)``; location ``None`` when nothing says where.

    ``where_it_came_from`` is ``option``, the variable ``EMPREINTE_LOCATION``, the config
    file's path, or ``none``. ``config`` reads that file only (tests)."""
    cfg = Config(files=None if config is None else [config])
    v = cfg.value("location", option or None, "option")
    if v.source == "default":
        return None, "none"
    return v.value, v.origin
