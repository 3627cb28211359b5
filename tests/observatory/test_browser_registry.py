"""The data-centre registry and the advisor section in Chromium, at 1400 px and 390 px."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from test_browser import CHROMIUM, SHOTS, browser  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright")
    from obs_samples import sample_report
    from obs_server import free_port, start_server, stop

    from empreinte.observatory.settings import Settings
    from empreinte.observatory.storage import admin, store
    from empreinte.report.validate import validate_report

    tmp = tmp_path_factory.mktemp("registry")
    db = f"sqlite:///{tmp / 'ui.sqlite3'}"
    sessions = admin.open_db(Settings(database_url=db, data_dir=tmp))  # migrated: registry seeded
    rep = sample_report(location={"zone": "USA"}, datacenter={"id": "idris-jean-zay"})
    with sessions() as s:
        store.ingest(s, [(validate_report(rep), rep)], token_id=None)
    port = free_port()
    proc = start_server(db, tmp, port)
    yield f"http://127.0.0.1:{port}", rep["report_id"]
    stop(proc)


@pytest.mark.parametrize("width", [1400, 390])
def test_registry_pages_fit_and_link(
    site: tuple[str, str],
    browser: Any,
    width: int,
) -> None:
    base, report_id = site
    page = browser.new_page(viewport={"width": width, "height": 900})
    overflow = "document.documentElement.scrollWidth - window.innerWidth"
    suffix = "" if width > 500 else "-phone"
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(base + "/datacenters")
    assert page.locator("h1").inner_text() == "Data-centre registry"
    assert page.locator("table.sites tbody tr").count() >= 9
    assert page.evaluate(overflow) <= 0
    page.screenshot(path=str(SHOTS / f"datacenters{suffix}.png"), full_page=True)

    page.click("text=IDRIS Jean Zay (GENCI, France)")
    assert "GENCI / IDRIS" in page.locator(".lead").inner_text()
    assert page.locator("dl.kpis dt").first.inner_text() == "Power usage effectiveness (PUE)"
    assert page.evaluate(overflow) <= 0
    page.click(f'a[href="/reports/{report_id}"]')

    assert page.locator('a[href="/datacenters/idris-jean-zay"]').count() == 1
    advice = page.locator("ol.advice li")
    assert advice.count() >= 3  # region, data centre, ... from the advisor
    assert "AFNOR Spec 2314" in advice.first.inner_text()
    assert page.evaluate(overflow) <= 0
    page.close()
