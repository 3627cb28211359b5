from __future__ import annotations

import pytest

from empreinte.observatory.seed import iter_seed_reports
from empreinte.report.models import Report


@pytest.fixture(scope="session")
def seed() -> dict[str, Report]:
    return {r.report_id: r for r in iter_seed_reports()}
