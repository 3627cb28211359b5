"""Defects of issue 9 (item 6), each with its test: flags with spaces, the project's own
reference machine (AMD EPYC), the CSV flags column."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient
from obs_samples import post, sample_report

from empreinte.observatory.seed import iter_bench_reports
from empreinte.report.verification import catalog_entry, join_flags, split_flags, verify


def test_split_flags_keeps_details_with_spaces() -> None:
    flags = ["constant-mode:cpu", "hardware-unknown:Imaginary GPU 9000", "no-duration"]
    assert split_flags(join_flags(flags)) == flags
    # the older space-joined storage is read back right too
    old = "constant-mode:cpu hardware-unknown:Imaginary GPU 9000 no-duration"
    assert split_flags(old) == flags
    assert split_flags("") == [] and split_flags(None) == []


def test_reference_machine_epyc_is_not_hardware_unknown() -> None:
    ref = next(iter_bench_reports())
    assert [h.name for h in ref.hardware] == ["AMD EPYC"]  # a VM hides the model number
    assert not any(f.startswith("hardware-unknown") for f in verify(ref).flags)
    cid, tdp = catalog_entry("cpu", "AMD EPYC")
    assert cid == "AMD EPYC" and tdp is not None and 100 < tdp < 600
    assert catalog_entry("cpu", "Imaginary CPU 12") == (None, None)  # still flagged


def test_lists_and_csv_count_flags_right(client: TestClient, auth: dict[str, str]) -> None:
    r = sample_report(hardware=[{"kind": "gpu", "name": "Imaginary GPU 9000", "count": 1}])
    post(client, [r], auth)
    stored = client.get(f"/api/v1/reports/{r['report_id']}").json()["report"]["verification"]
    listed = client.get("/api/v1/reports").json()["reports"][0]["flags"]
    assert listed == stored["flags"]
    assert "hardware-unknown:Imaginary GPU 9000" in listed
    row = next(csv.DictReader(io.StringIO(client.get("/api/v1/export.csv").text)))
    assert row["flags"].split("\n") == stored["flags"]  # one flag per line, unambiguous
    page = client.get("/reports").text
    n = len(stored["flags"])
    assert f">{n} flag{'s' if n > 1 else ''}<" in page


def test_phase_bars_say_not_assessed_never_100_percent() -> None:
    from empreinte.observatory.views.charts import phase_bars

    svg = str(phase_bars([("Water", "L", {"usage": 3.0, "embodied": None}), ("GWP", "kgCO2e", {
        "usage": 1.0, "embodied": 1.0, "end_of_life": 0.0})], "t"))  # fmt: skip
    assert "usage 100 % · embodied not assessed · end of life not assessed" in svg
    assert "usage 50 % · embodied 50 %" in svg  # a real zero stays a zero (no share shown)


def test_reports_page_counts_matches_and_names_sorts(
    client: TestClient, auth: dict[str, str]
) -> None:
    post(client, [sample_report(), sample_report(lifecycle_stage="training")], auth)
    page = client.get("/reports?stage=training&sort=energy_per_unit_kwh").text
    assert "<strong>1</strong> report matches these filters" in page
    assert "Energy per unit, smallest first" in page and "Newest first" in page
    assert "kwh ↑" not in page and "energy per unit kwh" not in page
    assert "<strong>2</strong> reports match" in client.get("/reports").text


def test_compare_warns_across_scales_and_draws_every_bar(
    client: TestClient, auth: dict[str, str]
) -> None:
    """Issue 9: a 690 MWh run beside a 7.88 mWh request, no warning, an invisible bar."""
    big = sample_report(energy_kwh=690_000.0, lifecycle_stage="training")
    small = sample_report(energy_kwh=7.88e-6)
    small["functional_unit"] = {"type": "request", "count": 1.0}
    small["per_unit"]["functional_unit"] = small["functional_unit"]
    post(client, [big, small], auth)
    ids = f"{big['report_id']},{small['report_id']}"
    data = client.get(f"/compare.json?ids={ids}").json()
    text = " ".join(data["cautions"])
    assert "life-cycle stages" in text and "functional units" in text and "logarithmic" in text
    assert "10 orders of magnitude (28.4 J to 690 MWh)" in text
    page = client.get(f"/compare?ids={ids}").text
    assert "Read with care" in page and "(logarithmic scale)" in page
    widths = [
        float(w)
        for w in re.findall(r'class="bar s\d" ?/?>|width="([\d.]+)" height="22"', page)
        if w
    ]
    assert len(widths) == 2 and min(widths) > 0.05 * max(widths)  # both bars visible
    same = client.get(
        f"/compare.json?ids={sample_report()['report_id']}"
    )  # unknown id: 404, not a crash
    assert same.status_code == 404
