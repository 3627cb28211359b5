"""Fixtures: every server test runs against SQLite and PostgreSQL (``backend`` parameter).

PostgreSQL: ``EMPREINTE_TEST_POSTGRES_URL`` (default the CI server on 127.0.0.1:5432, database
``test``); the session works in a fresh schema, dropped at the end; tables are emptied between
tests. Without a reachable server the PostgreSQL cases are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from empreinte.observatory.http.app import create_app
from empreinte.observatory.settings import Settings
from empreinte.observatory.storage import store

PG_URL = os.environ.get(
    "EMPREINTE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, migrated once for the session."""
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}")
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    from empreinte.observatory.storage.db import make_engine
    from empreinte.observatory.storage.migrate import upgrade

    eng = make_engine(url)
    upgrade(eng)
    eng.dispose()
    yield url
    with admin.begin() as c:
        c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'obs.sqlite3'}"
        return
    url: str = request.getfixturevalue("pg_schema_url")
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(
            text(
                "TRUNCATE reports, tokens, cohorts, fronts, totals, datacenters, withdrawals "
                "RESTART IDENTITY CASCADE"
            )
        )
    from sqlalchemy.orm import Session

    from empreinte.observatory.storage.registry import seed_sites
    from empreinte.observatory.storage.store import utcnow

    with Session(eng) as s:  # the registry's seed, as a fresh migration leaves it
        seed_sites(s, utcnow())
        s.commit()
    eng.dispose()
    yield url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path, rate_limit_per_minute=10_000)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.ctx.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def token(app: FastAPI) -> str:
    with app.state.ctx.sessions() as s:
        return store.create_token(s, f"tester-{uuid.uuid4().hex[:6]}")


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
