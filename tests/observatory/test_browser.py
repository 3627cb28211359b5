"""Drive the UI with Playwright and Debian's chromium; save screenshots to docs/screenshots/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright")
    from obs_samples import sample_report
    from obs_server import free_port, start_server, stop

    from empreinte.observatory.settings import Settings
    from empreinte.observatory.storage import admin, store
    from empreinte.report.validate import validate_report

    tmp = tmp_path_factory.mktemp("browser")
    db = f"sqlite:///{tmp / 'ui.sqlite3'}"
    sessions = admin.open_db(Settings(database_url=db, data_dir=tmp))
    with sessions() as s:
        admin.seed(s)
        reps = [sample_report(energy_kwh=0.2 + 0.1 * i, quality=0.6 + 0.05 * i) for i in range(5)]
        reps.append(sample_report(model=XSS))
        store.ingest(s, [(validate_report(r), r) for r in reps], token_id=None)
    port = free_port()
    proc = start_server(db, tmp, port)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield b
        b.close()


def _page(browser: Any, width: int = 1280, height: int = 900) -> Any:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.dialogs: list[str] = []  # type: ignore[misc]
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.console_errors = errors
    return page


def test_walk_through_the_ui(server: str, browser: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _page(browser)
    page.goto(server + "/")
    assert page.locator("h1").inner_text().startswith("The environmental footprint")
    assert page.locator("table.known tbody tr").count() >= 3  # the state of knowledge
    page.screenshot(path=str(SHOTS / "home.png"), full_page=True)

    page.goto(server + "/reports")
    page.select_option("#f-stage", "inference")  # the menu submits the form (app.js)
    page.wait_for_url(lambda url: "stage=inference" in url)
    page.wait_for_load_state()
    stages = page.locator("table.reports tbody tr td:nth-child(3)").all_inner_texts()
    assert stages and set(stages) == {"inference"}, page.url
    page.fill("#q", "llama")
    page.click("button[type=submit] >> text=Apply")
    page.wait_for_url(lambda url: "q=llama" in url)
    assert page.locator("table.reports tbody tr").count() >= 5
    page.screenshot(path=str(SHOTS / "reports.png"), full_page=False)

    boxes = page.locator("input[name=ids]")
    boxes.nth(0).check()
    assert page.locator("#compare-btn").is_disabled()
    boxes.nth(1).check()
    page.click("#compare-btn")
    page.wait_for_url(lambda url: "/compare?" in url)
    assert page.locator("table.compare thead th").count() == 3
    page.screenshot(path=str(SHOTS / "compare.png"), full_page=True)

    page.goto(server + "/reports?q=llama")
    page.locator("table.reports tbody tr td a").first.click()
    page.wait_for_url("**/reports/*")
    assert page.locator(".badges .badge").count() == 2
    assert page.locator("ul.downloads li").count() >= 2
    assert page.locator("table.impacts tbody tr").count() >= 2
    page.screenshot(path=str(SHOTS / "report.png"), full_page=True)
    page.locator(".badges a.badge").first.click()  # a badge explains itself
    page.wait_for_url("**/methodology#tier-m*")
    assert page.locator("#tier-m2").is_visible()
    page.screenshot(path=str(SHOTS / "methodology.png"), full_page=True)

    page.goto(server + "/leaderboard")  # lands on the largest board, a table
    assert page.locator("section.cohort table.board tbody tr").count() >= 1
    page.select_option("#lb-board", "text-generation|inference")  # the menu submits
    page.wait_for_url(lambda url: "text-generation" in url)
    page.wait_for_load_state()
    assert page.locator("svg.chart.wide circle").count() >= 5
    assert page.locator("svg.chart.wide line.gate").count() >= 1

    page.goto(server + "/contribute")
    assert page.locator("pre code").count() >= 5
    page.screenshot(path=str(SHOTS / "contribute.png"), full_page=True)

    page.goto(server + "/reports?q=script")
    assert page.locator("table.reports tbody tr").count() >= 1
    assert page.dialogs == [], "a user-supplied script ran"
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_phone_layout(server: str, browser: Any) -> None:
    page = _page(browser, 390, 844)
    page.goto(server + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the dashboard scrolls sideways on a phone"
    page.screenshot(path=str(SHOTS / "home-phone.png"), full_page=False)
    page.goto(server + "/reports")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("div.scroll").first  # the table scrolls inside its own box
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    page.screenshot(path=str(SHOTS / "reports-phone.png"), full_page=False)
    page.keyboard.press("Tab")  # the first Tab reaches the skip link, which is then visible
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.locator("a.skip").bounding_box()["x"] >= 0
    page.goto(server + "/reports?q=llama")
    page.locator("table.reports tbody tr td a").first.click()
    page.wait_for_url("**/reports/*")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "report-phone.png"), full_page=True)
