"""Alembic environment: runs on the engine handed over by ``observatory.storage.migrate``."""

from __future__ import annotations

from alembic import context

from empreinte.observatory.storage.db import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # pragma: no cover - only when alembic is run by hand
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
