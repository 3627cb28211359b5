"""Avoided impacts (ITU-T L.1480): validated, shown beside the footprint, netted only on
request, and never for a tier-3 claim."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from empreinte.errors import ReportError
from empreinte.report.avoided import avoided_total, net_balance
from empreinte.report.exporters import export_report
from empreinte.report.models import Report
from empreinte.report.validate import validate_report


def claim(**over: Any) -> dict[str, Any]:
    c: dict[str, Any] = {
        "criterion": "gwp_kgco2e",
        "value": {"value": 3.0, "low": 1.0, "high": 4.0},
        "tier": "tier-2",
        "baseline": "routing without the model: the 2024 fleet's fuel use per delivery",
        "scope": "one logistics operator, France, 2025",
        "rebound": "more deliveries from lower cost: assessed in the consequence tree (+10 %)",
        "consequence_tree": True,
        "evidence": ["https://example.org/study.pdf"],
    }
    c.update(over)
    return c


def with_claims(report: Report, *claims: dict[str, Any]) -> Report:
    raw = json.loads(report.to_json())
    raw["avoided"] = list(claims)
    return validate_report(raw)


def test_net_balance_only_on_request_with_worst_case_bounds(training_report: Report) -> None:
    rep = with_claims(training_report, claim())
    gwp = rep.impacts.gwp_kgco2e
    assert gwp is not None
    assert gwp.total.value == pytest.approx(6.72468)  # 100 x 1.2 x 0.056039: untouched
    total = avoided_total(rep)
    assert total is not None and total.value == 3.0
    bal = net_balance(rep)
    assert bal.net.value == pytest.approx(6.72468 - 3.0)
    assert bal.net.low == pytest.approx(gwp.total.low - 4.0)  # lowest footprint, most avoided
    assert bal.net.high == pytest.approx(gwp.total.high - 1.0)
    assert "declared by the publisher" in bal.label and "tier-2" in bal.label


def test_tier_three_is_shown_but_never_netted(training_report: Report) -> None:
    rep = with_claims(training_report, claim(tier="tier-3", consequence_tree=False, evidence=[]))
    with pytest.raises(ReportError) as exc:
        net_balance(rep)
    assert exc.value.errors == [("avoided.0.tier", "tier-3")]
    md = export_report(rep, "md").content
    assert "Avoided elsewhere, as declared (ITU-T L.1480)" in md and "tier-3" in md
    html = export_report(rep, "html").content
    assert "not subtracted" in html


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"consequence_tree": False}, "consequence tree"),
        ({"evidence": []}, "evidence"),
        ({"baseline": "none"}, "baseline"),
        ({"value": {"value": -1.0, "low": -1.0, "high": -1.0}}, "value"),
        ({"tier": "tier-4"}, "tier"),
    ],
)
def test_claims_missing_what_l1480_requires_are_refused(
    training_report: Report, over: dict[str, Any], message: str
) -> None:
    with pytest.raises(ReportError) as exc:
        with_claims(training_report, claim(**over))
    assert any(f.startswith("avoided.0") for f, _ in exc.value.errors), exc.value.errors
    assert message in str(exc.value)


def test_no_claim_no_balance(training_report: Report) -> None:
    with pytest.raises(ReportError, match="nothing to balance"):
        net_balance(training_report)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "empreinte.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_report_show_and_net_from_the_command_line(training_report: Report, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(with_claims(training_report, claim()).to_json())
    shown = _cli("report", "show", str(good))
    assert shown.returncode == 0, shown.stderr
    assert (
        "Avoided elsewhere" in shown.stdout
        and "net" not in shown.stdout.lower().split("avoided")[0]
    )
    net = _cli("report", "show", str(good), "--net")
    assert (
        net.returncode == 0 and "net GWP 3.72 kgCO2e" in net.stdout and "on request" in net.stdout
    )

    weak = tmp_path / "weak.json"
    weak.write_text(
        with_claims(training_report, claim(tier="tier-3", consequence_tree=False)).to_json()
    )
    refused = _cli("report", "show", str(weak), "--net")
    assert refused.returncode == 2
    assert refused.stderr.startswith("error:") and "tier-3" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
