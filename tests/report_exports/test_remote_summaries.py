"""The ``remote`` block (API calls made inside track()) in the Markdown and HTML summaries."""

from __future__ import annotations

from empreinte.genai import TokenUsage
from empreinte.genai.trace import RemoteLedger
from empreinte.report.exporters import export_report
from empreinte.report.exporters._common import fmt_estimate
from empreinte.report.models import Report


def with_calls(report: Report) -> Report:
    ledger = RemoteLedger()
    for _ in range(3):
        ledger.add(TokenUsage("openai", "gpt-4o-mini", 120, 8, host="api.openai.com"))
    ledger.add(TokenUsage("anthropic", "claude-3-5-haiku-latest", 400, 30, 10))
    ledger.add(TokenUsage("openai", "<script>x</script>", 10, 10))  # not in the catalog
    return ledger.apply(report)


def test_markdown_shows_the_calls_apart_from_the_measured_footprint(
    training_report: Report,
) -> None:
    report = with_calls(training_report)
    remote = report.remote
    assert remote is not None
    md = export_report(report, "md").content
    assert isinstance(md, str)
    assert "## Calls to hosted models (API), estimated" in md
    assert "5 calls. Estimated (proxy_model, tier M4)" in md
    assert "| openai | gpt-4o-mini (openai/gpt-4o-mini) | 3 | 0 | 360 | 24 | 0 |" in md
    assert "| anthropic | claude-3-5-haiku-latest" in md and "| 1 | 0 | 400 | 30 | 10 |" in md
    assert f"| energy (IT) | kWh | - | - | - | {fmt_estimate(remote.energy_kwh)} |" in md
    assert "\\<script\\>x\\</script\\>" in md and "<script>" not in md
    assert "`model-unknown`" in md.split("## Calls to hosted models")[1]
    # the measured part keeps its own numbers: the calls are not added to them
    assert (
        md.split("## Calls to hosted models")[0]
        == export_report(training_report, "md").content.split("## Warnings")[0]
    )  # type: ignore[union-attr]


def test_html_shows_the_calls_escaped(training_report: Report) -> None:
    report = with_calls(training_report)
    page = export_report(report, "html").content
    assert isinstance(page, str)
    assert "<h2>Calls to hosted models (API), estimated</h2>" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script" not in page.lower()
    assert "<td>gpt-4o-mini (openai/gpt-4o-mini)</td><td>3</td>" in page
    assert export_report(training_report, "html").content.count("Calls to hosted") == 0  # type: ignore[union-attr]


def test_calls_without_usage_are_counted_apart_and_add_no_tokens(
    training_report: Report,
) -> None:
    ledger = RemoteLedger()
    ledger.add(TokenUsage("openai", "gpt-4o-mini", 120, 8))
    ledger.add(TokenUsage("openai", "gpt-4o-mini", 0, 0, usage_missing=True))
    ledger.add(TokenUsage("openai", "gpt-4o-mini", 0, 5, from_chunks=True))
    report = ledger.apply(training_report)
    assert report.remote is not None and report.remote.calls_without_usage == 1
    md = export_report(report, "md").content
    assert isinstance(md, str)
    assert "3 calls (1 reported no usage: not estimated, left out of the token totals)" in md
    assert "| 3 | 1 (1 no usage) | 120 (partial) | 13 | 0 |" in md
    assert "`usage-missing`" in md
