"""Issue 9 in the browser, at 1400 px and 390 px: publishers' figures first on a report page,
measured/estimated/declared apart on the home page, no page scrolls sideways, the reports
table fits its box, chart text readable on a phone. Screenshots go to docs/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest
from test_browser import SHOTS, _page, browser, server  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = [1400, 390]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


def _shot(page: Any, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    suffix = "-phone" if width < 600 else ""
    page.screenshot(path=str(SHOTS / f"{name}{suffix}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_report_page_puts_the_publishers_figures_first(
    server: str,
    browser: Any,
    width: int,
) -> None:
    page = _page(browser, width, 900)
    page.goto(server + "/reports/seed-luccioni2023-bloom")
    pub = page.locator("section.published")
    assert pub.is_visible()
    head = pub.locator("dl.headline").inner_text()
    assert "50.5 tCO2e" in head and "689.8 MWh" in head and "53.4 tCO2e" in head
    rec = pub.locator("table.reconcile").first.inner_text()
    assert "grid factor" in rec and "embodied" in rec and "−662.9 kgCO2e" in rec
    # publisher first: the section sits above empreinte's cards
    y_pub = pub.bounding_box()["y"]
    assert y_pub < page.locator("dl.cards").last.bounding_box()["y"]
    assert page.evaluate(NO_SIDEWAYS), "the report page scrolls sideways"
    _shot(page, "report-published", width)
    for rid, figure in (
        ("seed-patterson2021-gpt3", "1,287 MWh"),
        ("seed-touvron2023-llama2-70b", "291.4 tCO2e"),
        ("seed-google2025-gemini-median", "0.24 Wh"),
    ):
        page.goto(f"{server}/reports/{rid}")
        assert figure in page.locator("section.published dl.headline").inner_text(), rid
        assert page.evaluate(NO_SIDEWAYS), rid
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_home_shows_the_tiers_apart(server: str, browser: Any, width: int) -> None:
    page = _page(browser, width, 900)
    page.goto(server + "/")
    boxes = page.locator(".tierbox h3").all_inner_texts()
    assert [b.split(" ")[0] for b in boxes] == ["Measured", "Estimated", "Declared"]
    known = page.locator("table.known").inner_text()
    assert "1,287 MWh" in known and "552.1 tCO2e" in known and "50.5 tCO2e" in known
    tokens = page.locator("#token-h + p + ul").inner_text()
    assert " J" in tokens and "configurations" in tokens  # J per token, measured
    assert "0.24 Wh" in page.locator("#prompt-h + ul").inner_text()
    assert page.evaluate(NO_SIDEWAYS), "the home page scrolls sideways"
    _shot(page, "home", width)
    page.close()


@pytest.mark.parametrize("width", [390, 1400, 1920])
def test_no_page_scrolls_sideways_and_the_table_fits(
    server: str,
    browser: Any,
    width: int,
) -> None:
    page = _page(browser, width, 900)
    for path in ("/", "/reports", "/reports/seed-patterson2021-gpt3", "/methodology"):
        page.goto(server + path)
        assert page.evaluate(NO_SIDEWAYS), f"{path} scrolls sideways at {width} px"
    page.goto(server + "/reports")
    if width >= 1400:  # wide screens: the reports table fits its box, nothing cut off
        box = page.locator("div.scroll").first
        assert box.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    assert "reports match" in page.locator("p.matches").inner_text()
    ids = page.locator("input[name=ids]")
    ids.nth(0).check()
    ids.nth(1).check()
    page.click("#compare-btn")
    page.wait_for_url(lambda url: "/compare?" in url)
    assert page.evaluate(NO_SIDEWAYS), f"/compare scrolls sideways at {width} px"
    page.close()


def test_chart_text_is_readable_on_a_phone(server: str, browser: Any) -> None:
    page = _page(browser, 390, 844)
    page.goto(server + "/reports/seed-luccioni2023-bloom")
    heights = page.locator("svg.chart text").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 11, heights  # was 6-8 px
    assert page.evaluate(NO_SIDEWAYS)
    page.close()
