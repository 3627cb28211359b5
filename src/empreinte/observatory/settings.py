"""Settings of an observatory instance, from arguments or the settings table.

``database_url`` (``EMPREINTE_DATABASE_URL``: an SQLAlchemy URL, ``sqlite:///path`` or
``postgresql+psycopg://user@host/db``), ``data_dir`` (``EMPREINTE_DATA_DIR``, default: the
platform's user data directory) and ``rate_limit`` (``EMPREINTE_RATE_LIMIT``) are resolved by
:meth:`Settings.from_env` through :mod:`empreinte.config` (argument > environment > config
file > default).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from empreinte.config import DB_FILENAME, Config
from empreinte.errors import ConfigError

__all__ = ["Settings"]


@dataclass(frozen=True)
class Settings:
    """Everything an instance needs; immutable so one app never changes another's."""

    database_url: str
    data_dir: Path
    max_body_bytes: int = 16 * 1024 * 1024
    max_batch: int = 1000
    rate_limit_per_minute: int = 120
    busy_timeout_s: float = 10.0  # SQLite: how long a write waits for a lock, then 503

    def __post_init__(self) -> None:
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise ConfigError(
                f"database URL must start with sqlite:// or postgresql+psycopg://, "
                f"got {self.database_url.split(':', 1)[0]!r}"
            )
        for name in ("max_body_bytes", "max_batch", "rate_limit_per_minute"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive")

    @classmethod
    def from_env(
        cls,
        database_url: str | None = None,
        data_dir_: str | Path | None = None,
        rate_limit_per_minute: int | None = None,
        **kw: Any,
    ) -> Settings:
        """Settings from arguments, then environment variables, then config files, then
        defaults (:mod:`empreinte.config`)."""
        cfg = Config()
        ddir = Path(cfg.get("data_dir", data_dir_ or None))
        url = cfg.value("database_url", database_url or None, "--db")
        # by default, the SQLite file of the data directory given here (not the setting's)
        url_s = f"sqlite:///{ddir / DB_FILENAME}" if url.source == "default" else str(url.value)
        if url_s.startswith("postgresql://") or url_s.startswith("postgres://"):
            url_s = "postgresql+psycopg://" + url_s.split("://", 1)[1]
        rate = int(cfg.get("rate_limit", rate_limit_per_minute))
        return cls(database_url=url_s, data_dir=ddir, rate_limit_per_minute=rate, **kw)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
