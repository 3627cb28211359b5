"""The leaderboard and the analyses pages in Debian's chromium at 1400 px and 390 px: nothing
scrolls sideways, chart text stays readable on a phone, the controls work without typing a
URL; saves the screenshots of docs/observatory.md."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from test_browser import CHROMIUM, SHOTS, _page, browser  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = [
    "/leaderboard",
    "/leaderboard?itl_ms=30",
    "/leaderboard?view=configurations",
    "/leaderboard?task=digits&unit=inference",
    "/analyses",
    "/analyses/training",
    "/analyses/inference",
    "/analyses/layers",
]
# the smallest chart text, in CSS px, as drawn (font size x the SVG's scale)
SMALLEST_TEXT = """() => {
  let least = Infinity;
  for (const svg of document.querySelectorAll("svg.chart")) {
    if (!svg.getClientRects().length) continue;  // the other rendering, hidden by CSS
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll("text")) {
      least = Math.min(least, parseFloat(getComputedStyle(t).fontSize) * scale);
    }
  }
  return least;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright")
    from obs_server import free_port, start_server, stop

    from empreinte.observatory.settings import Settings
    from empreinte.observatory.storage import admin

    tmp = tmp_path_factory.mktemp("boards")
    db = f"sqlite:///{tmp / 'ui.sqlite3'}"
    with admin.open_db(Settings(database_url=db, data_dir=tmp))() as s:
        admin.seed(s)
    port = free_port()
    proc = start_server(db, tmp, port)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


@pytest.mark.parametrize("width", [1400, 390])
def test_no_page_scrolls_sideways_and_chart_text_is_readable(
    server: str, browser: Any, width: int
) -> None:
    page = _page(browser, width, 900 if width > 500 else 844)
    for path in PAGES:
        page.goto(server + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        if page.locator("svg.chart").count():
            assert page.evaluate(SMALLEST_TEXT) >= 11, path
    assert not page.console_errors


def test_leaderboard_controls_and_rows(server: str, browser: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _page(browser, 1400, 900)
    page.goto(server + "/leaderboard")
    assert "lm-arena-chat" in page.locator("h1").inner_text()
    first = page.locator("section.cohort").first
    assert "nvidia-h100-sxm" in first.locator("h2").inner_text()
    heads = first.locator("thead th").all_inner_texts()
    for h in ("GPUs", "Max batch", "Parallelism", "Median ITL", "Throughput", "J per output token"):
        assert h in heads
    models = first.locator("td.model").all_inner_texts()
    assert len(models) == len(set(models)) == 9
    page.screenshot(path=str(SHOTS / "leaderboard.png"), full_page=False)
    page.select_option("#lb-itl", "20")  # the latency menu submits its form (app.js)
    page.wait_for_url(lambda url: "itl_ms=20" in url)
    page.wait_for_load_state()
    first = page.locator("section.cohort").first
    models = first.locator("td.model").all_inner_texts()
    assert len(models) == len(set(models)) == 7
    itls = [float(t.split()[0]) for t in first.locator("td:nth-child(8)").all_inner_texts()]
    assert itls and max(itls) <= 20
    page.select_option("#lb-view", "configurations")
    page.wait_for_url(lambda url: "view=configurations" in url)
    page.wait_for_load_state()
    rows = page.locator("section.cohort").first.locator("td.model").all_inner_texts()
    assert len(rows) > len(set(rows))  # the same model in several configurations

    page.goto(server + "/leaderboard?task=digits&unit=inference")
    table = page.locator("table.board")
    assert "Class" in table.locator("thead").inner_text()
    assert "naive-bayes" not in table.inner_text()  # below the gate: not ranked, no class
    assert "below the quality gate" in page.locator("details.below summary").inner_text()
    assert page.locator("svg.chart.wide line.gate").count() == 1
    assert page.locator("svg.chart.wide text.tag").count() >= 6  # every point is named
    page.screenshot(path=str(SHOTS / "leaderboard-pareto.png"), full_page=True)


def test_leaderboard_on_a_phone(server: str, browser: Any) -> None:
    page = _page(browser, 390, 844)
    page.goto(server + "/leaderboard?itl_ms=50")
    assert page.locator("svg.chart.narrow").first.is_visible()
    assert not page.locator("svg.chart.wide").first.is_visible()
    cell = page.locator("td.model").first
    assert cell.bounding_box()["width"] >= 150  # names wrap between words, not syllables
    box = page.locator("div.scroll").first  # the table scrolls inside its own box
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    page.screenshot(path=str(SHOTS / "leaderboard-phone.png"), full_page=False)


def test_analyses_pages_in_the_browser(server: str, browser: Any) -> None:
    page = _page(browser, 1400, 900)
    page.goto(server + "/")
    page.click("header nav >> text=Analyses")
    page.wait_for_url("**/analyses")
    for name in ("training", "inference", "layers"):
        page.goto(f"{server}/analyses/{name}")
        assert page.locator("svg.chart.wide").count() >= 1
        assert page.locator("table.data tbody tr").count() >= 2
        page.screenshot(path=str(SHOTS / f"analyses-{name}.png"), full_page=False)
    page = _page(browser, 390, 844)
    page.goto(server + "/analyses/inference")
    assert page.locator("svg.chart.narrow").first.is_visible()
    page.screenshot(path=str(SHOTS / "analyses-phone.png"), full_page=False)
