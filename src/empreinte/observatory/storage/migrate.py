"""Run the Alembic migrations shipped in ``empreinte/observatory/migrations``."""

from __future__ import annotations

from importlib import resources
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

__all__ = ["current_revision", "head_revision", "upgrade"]


def _config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    location = resources.files("empreinte.observatory.storage").joinpath("migrations")
    cfg.set_main_option("script_location", str(location))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (idempotent)."""
    from alembic import command

    command.upgrade(_config(engine), revision)


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    head: str | None = ScriptDirectory.from_config(_config(engine)).get_current_head()
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` when it was never migrated."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        rev: str | None = MigrationContext.configure(conn).get_current_revision()
        return rev
