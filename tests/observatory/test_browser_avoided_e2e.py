"""Issue 16 in the browser, at 1400 px and 390 px: a report declaring avoided impacts shows
them beside the footprint (its own table, no net figure), the reports list filters them, and an
end-to-end report shows its network and device layers and both per-request figures; no page
scrolls sideways, the wide tables scroll inside their own box. Screenshots in
docs/screenshots/."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from test_browser import SHOTS, _page, browser  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = [1400, 390]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"
UNITS_BELOW = """[...document.querySelectorAll('dl.cards dd > .q')].filter(q => {
  const u = q.querySelector(':scope > small');
  return u && u.getBoundingClientRect().top - q.getBoundingClientRect().top > 20;
}).map(q => q.textContent)"""


@pytest.fixture(scope="module")
def server16(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright")
    from obs_samples import AVOIDED_CLAIM, sample_report
    from obs_server import free_port, start_server, stop

    from empreinte.estimate.inference import estimate_inference
    from empreinte.observatory.settings import Settings
    from empreinte.observatory.storage import admin, store
    from empreinte.report.validate import validate_report

    tmp = tmp_path_factory.mktemp("browser16")
    db = f"sqlite:///{tmp / 'ui16.sqlite3'}"
    avoided = sample_report(avoided=[AVOIDED_CLAIM])
    e2e = json.loads(
        estimate_inference(
            model="llama-3.1-8b",
            output_tokens=400,
            location="FRA",
            boundary="end-to-end",
            device="laptop",
            device_seconds=30,
        )
        .to_report()
        .to_json()
    )
    from empreinte.estimate.training import estimate_training

    train = estimate_training(
        hardware="nvidia-h100-sxm", model="llama-3.1-8b", tokens=1e12, location="FRA"
    ).to_report()
    amortised = json.loads(
        estimate_inference(
            model="llama-3.1-8b",
            output_tokens=300,
            location="FRA",
            server="hgx-8gpu",
            amortise=[train],
            lifetime_requests=1e8,
        )
        .to_report()
        .model_copy(update={"report_id": AMORTISED_ID})
        .to_json()
    )
    reps = [avoided, e2e, amortised, sample_report(), sample_report(energy_kwh=0.3)]
    sessions = admin.open_db(Settings(database_url=db, data_dir=tmp))
    with sessions() as s:
        store.ingest(s, [(validate_report(r), r) for r in reps], token_id=None)
    port = free_port()
    proc = start_server(db, tmp, port)
    yield f"http://127.0.0.1:{port}", avoided["report_id"], e2e["report_id"]
    stop(proc)


AMORTISED_ID = "amortised0000000000000000000000a"


def _shot(page: Any, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    suffix = "-phone" if width < 600 else ""
    page.screenshot(path=str(SHOTS / f"{name}{suffix}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_avoided_beside_the_footprint(
    server16: tuple[str, str, str],
    browser: Any,
    width: int,
) -> None:
    url, avoided_id, _ = server16
    page = _page(browser, width, 900)
    page.goto(f"{url}/reports/{avoided_id}")
    sec = page.locator("section.avoided")
    assert sec.is_visible()
    text = sec.inner_text()
    assert "never subtracted" in text and "tier-2" in text and "4 kgCO2e" in text
    assert "40 gCO2e" in text  # the footprint beside it, as it is
    # below the footprint's cards, not instead of them
    assert sec.bounding_box()["y"] > page.locator("dl.cards").last.bounding_box()["y"]
    assert page.evaluate(NO_SIDEWAYS), "the report page scrolls sideways"
    box = sec.locator("div.scroll")
    if width < 600:  # the wide table scrolls in its own box on a phone
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    _shot(page, "report-avoided", width)
    page.goto(f"{url}/reports")
    page.locator("#f-avoided").check()
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**/reports?*avoided=true*")
    assert page.locator("#f-avoided").is_checked()
    # a checkbox, not one stretched to the phone's full-width inputs
    assert page.locator("#f-avoided").bounding_box()["width"] < 40
    rows = page.locator("table.reports tbody tr")
    assert rows.count() == 1
    assert page.evaluate(NO_SIDEWAYS)
    _shot(page, "reports-avoided-filter", width)
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_end_to_end_layers_and_both_boundaries(
    server16: tuple[str, str, str],
    browser: Any,
    width: int,
) -> None:
    url, _, e2e_id = server16
    page = _page(browser, width, 900)
    page.goto(f"{url}/reports/{e2e_id}")
    sec = page.locator("section.end-to-end")
    assert sec.is_visible()
    layers = sec.locator("table.e2e-layers").inner_text()
    assert "network (fixed)" in layers and "device (laptop)" in layers
    assert "0.625 Wh" in layers  # 75 W × 30 s
    both = sec.locator("table.e2e-boundaries").inner_text()
    assert "data centre" in both and "end-to-end" in both
    assert page.evaluate(NO_SIDEWAYS), "the report page scrolls sideways"
    if width >= 1000:  # on a desktop the impacts table (with its Total column) is not cut
        wrap = page.locator("table.impacts").locator("xpath=..")
        assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth")
    # the layers' notes and sources wrap inside the table's box, never past its right edge
    box = sec.locator("div.scroll").first.bounding_box()
    for note in sec.locator("tr.detail .detail-text").all():
        nb = note.bounding_box()
        assert nb["x"] + nb["width"] <= box["x"] + box["width"] + 1, (nb, box)
    # each card's unit sits on its number's line (0.00253 gCO2e, not gCO2e below it)
    units_below = page.evaluate(UNITS_BELOW)
    assert not units_below, units_below
    _shot(page, "report-end-to-end", width)
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_full_footprint_of_a_response(
    server16: tuple[str, str, str],
    browser: Any,
    width: int,
) -> None:
    """Issue 12: an inference report with its training shared over the model's lifetime
    requests shows the per-response full footprint, every criterion, without sideways scroll."""
    url = server16[0]
    page = _page(browser, width, 900)
    page.goto(f"{url}/reports/{AMORTISED_ID}")
    sec = page.locator("section.amortised")
    assert sec.is_visible()
    table = sec.locator("table.amortised").inner_text()
    for label in ("Global warming", "Water", "Abiotic", "Primary energy"):
        assert label in table, label
    assert "100,000,000 requests" in sec.inner_text()
    assert page.evaluate(NO_SIDEWAYS), "the report page scrolls sideways"
    box = sec.locator("div.scroll").bounding_box()
    assert box is not None and box["x"] + box["width"] <= width + 1
    _shot(page, "report-amortised", width)
    page.close()
