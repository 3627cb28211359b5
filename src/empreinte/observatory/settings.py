"""Settings of an observatory instance, from arguments or the environment.

``EMPREINTE_DATABASE_URL`` (an SQLAlchemy URL: ``sqlite:///path`` or
``postgresql+psycopg://user@host/db``) and ``EMPREINTE_DATA_DIR`` (default: the platform's user
data directory) are read by :meth:`Settings.from_env`; explicit arguments win.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from empreinte.errors import ConfigError

__all__ = ["Settings", "data_dir"]

DB_FILENAME = "observatory.sqlite3"


def data_dir(explicit: str | Path | None = None) -> Path:
    """``explicit``, else ``EMPREINTE_DATA_DIR``, else the user data directory."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("EMPREINTE_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("empreinte", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Everything an instance needs; immutable so one app never changes another's."""

    database_url: str
    data_dir: Path
    max_body_bytes: int = 16 * 1024 * 1024
    max_batch: int = 1000
    rate_limit_per_minute: int = 120
    page_size: int = 50
    max_page_size: int = 500
    seed_on_start: bool = False
    busy_timeout_s: float = 10.0  # SQLite: how long a write waits for a lock, then 503
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise ConfigError(
                f"database URL must start with sqlite:// or postgresql+psycopg://, "
                f"got {self.database_url.split(':', 1)[0]!r}"
            )
        for name in ("max_body_bytes", "max_batch", "rate_limit_per_minute", "page_size"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive")

    @classmethod
    def from_env(
        cls, database_url: str | None = None, data_dir_: str | Path | None = None, **kw: Any
    ) -> Settings:
        """Settings from arguments, then environment variables, then defaults."""
        ddir = data_dir(data_dir_)
        url = database_url or os.environ.get("EMPREINTE_DATABASE_URL")
        if not url:
            url = f"sqlite:///{ddir / DB_FILENAME}"
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return cls(database_url=url, data_dir=ddir, **kw)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
