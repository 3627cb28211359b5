"""Fuzz the API from its own OpenAPI document (schemathesis): no input gives a 5xx."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from obs_samples import sample_report  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from empreinte.observatory.http.app import create_app  # noqa: E402
from empreinte.observatory.settings import Settings  # noqa: E402
from empreinte.observatory.storage import store  # noqa: E402

TOKEN: dict[str, str] = {}


EXAMPLES = int(os.environ.get("EMPREINTE_FUZZ_EXAMPLES", "25"))
"""Generated cases per operation and database (25 in CI; docs/benchmarks.md has a long run)."""


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def api_schema(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp / 'f.sqlite3'}"
    if request.param == "postgres":
        url = request.getfixturevalue("pg_schema_url")
        eng = create_engine(url)
        with eng.begin() as c:
            c.execute(
                text(
                    "TRUNCATE reports, tokens, cohorts, fronts, totals, withdrawals"
                    " RESTART IDENTITY CASCADE"
                )
            )
        eng.dispose()
    app = create_app(Settings(database_url=url, data_dir=tmp, rate_limit_per_minute=1_000_000))
    with app.state.ctx.sessions() as s:
        TOKEN["value"] = store.create_token(s, "fuzz")
        store.ingest(
            s,
            [(r, d) for d in (sample_report(), sample_report(task="x")) for r in [_v(d)]],
            token_id=None,
        )
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    app.state.ctx.engine.dispose()


def _v(d: dict[str, Any]) -> Any:
    from empreinte.report.validate import validate_report

    return validate_report(d)


def test_no_server_error(api_schema: Any) -> None:
    """Every operation, 25 generated cases each (the pytest plugin is not used: it lags pytest)."""
    ops = [r.ok() for r in api_schema.get_all_operations()]
    calls = 0
    assert len(ops) >= 8
    for op in ops:

        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            headers = {"Authorization": f"Bearer {TOKEN['value']}"} if case.method == "POST" else {}
            nonlocal calls
            calls += 1
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.method, case.path, response.text[:500])
            if response.status_code >= 400:
                err = response.json()["error"]
                assert set(err) == {"code", "message", "fields"}

        check()
    print(f"schemathesis: {calls} cases over {len(ops)} operations, no 5xx")
    assert calls >= len(ops)
