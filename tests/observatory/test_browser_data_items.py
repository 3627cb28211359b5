"""Issue 16, item 2 in the browser, at 1400 px and 390 px: a training report written by a real
``empreinte estimate training ... --dataset-tb --checkpoints-tb --transfer-gb`` run shows its
data items (storage, transfer) below the compute footprint's cards, with ranges and sources, and
its e-waste; no page scrolls sideways, the wide table scrolls inside its own box on a phone.
Screenshots in docs/screenshots/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from test_browser import SHOTS, _page, browser  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = [1400, 390]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(scope="module")
def server_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright")
    from obs_samples import sample_report
    from obs_server import free_port, start_server, stop

    from empreinte.observatory.settings import Settings
    from empreinte.observatory.storage import admin, store
    from empreinte.report.validate import validate_report

    tmp = tmp_path_factory.mktemp("browser-data")
    out = tmp / "training.json"
    cmd = [
        sys.executable, "-m", "empreinte.cli", "estimate", "training",
        "--hardware", "nvidia-h100-sxm", "--accelerator-hours", "1000", "--server", "dgx-h100",
        "--location", "FRA", "--pue", "1.2",
        "--dataset-tb", "10", "--checkpoints-tb", "2", "--retention-years", "1",
        "--replicas", "3", "--transfer-gb", "1000", "--out", str(out),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    training = json.loads(out.read_text("utf-8"))
    db = f"sqlite:///{tmp / 'ui-data.sqlite3'}"
    reps = [training, sample_report()]
    sessions = admin.open_db(Settings(database_url=db, data_dir=tmp))
    with sessions() as s:
        store.ingest(s, [(validate_report(r), r) for r in reps], token_id=None)
    port = free_port()
    proc = start_server(db, tmp, port)
    yield f"http://127.0.0.1:{port}", training["report_id"]
    stop(proc)


@pytest.mark.parametrize("width", WIDTHS)
def test_data_items_beside_the_footprint(
    server_data: tuple[str, str], browser: Any, width: int
) -> None:
    url, rid = server_data
    page = _page(browser, width, 900)
    page.goto(f"{url}/reports/{rid}")
    sec = page.locator("section.data-items")
    sec.scroll_into_view_if_needed()
    assert sec.is_visible()
    table = sec.locator("table.data-items")
    text = table.inner_text()
    for item in ("storage: dataset", "storage: checkpoints", "transfer: transfer"):
        assert item in text
    assert "30 TB-year" in text and "1,000 GB" in text and "hdd" in text
    assert "205 kWh" in text and "102 – 410" in text  # 30 TB-years × 5.694 kWh × PUE 1.2
    assert "not assessed" in text and "aslan-2018" in text
    assert "never added into it" in sec.inner_text()
    # below the compute footprint's cards, not in them
    assert sec.bounding_box()["y"] > page.locator("dl.cards").last.bounding_box()["y"]
    assert "storage" not in page.locator("dl.cards").last.inner_text()
    assert page.locator("#ewaste-by-component").is_visible()
    assert page.evaluate(NO_SIDEWAYS), "the report page scrolls sideways"
    if width < 600:  # the wide table scrolls in its own box on a phone
        assert sec.locator("div.scroll").evaluate("e => e.scrollWidth > e.clientWidth")
        first = table.locator("tbody th").first  # the item's name is on screen, not clipped
        box = first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert not page.console_errors
    SHOTS.mkdir(parents=True, exist_ok=True)
    suffix = "-phone" if width < 600 else ""
    page.screenshot(path=str(SHOTS / f"report-data-items{suffix}.png"), full_page=True)
    page.close()
