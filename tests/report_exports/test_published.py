"""reconcile(): the publisher's figures beside empreinte's, one line per difference, for any
report with a ``published`` block (issue 9, item 1)."""

from __future__ import annotations

import pytest

from empreinte.observatory.seed._figures import iter_figure_reports
from empreinte.report.build import make_report
from empreinte.report.models import Report
from empreinte.report.published import reconcile

SEED = {r.report_id: r for r in iter_figure_reports()}


def _sums_exactly(r: Report) -> None:
    c = reconcile(r)
    assert c is not None
    for rec in c.reconciliations:
        total = rec.published + sum(ln.delta or 0.0 for ln in rec.lines)
        assert total == pytest.approx(rec.ours, rel=1e-9), rec.sentence


@pytest.mark.parametrize("rid", sorted(k for k, v in SEED.items() if v.published))
def test_every_seed_figure_reconciles_exactly(rid: str) -> None:
    _sums_exactly(SEED[rid])


def test_bloom_golden() -> None:
    c = reconcile(SEED["seed-luccioni2023-bloom"])
    assert c is not None and c.gwp is not None
    assert c.gwp.published == 50_500 and c.gwp.ours == pytest.approx(53_404.59, rel=1e-6)
    causes = {ln.cause: ln.delta for ln in c.gwp.lines}
    # grid: 689,842 kWh x (0.056039 - 0.057) kgCO2e/kWh (FRA 2023, Ember/OWID, against the
    # paper's factor)
    assert causes["grid factor"] == pytest.approx(689_842 * (0.056039 - 0.057), rel=1e-9)
    assert causes["embodied"] == pytest.approx(14_212.49 - 11_200, rel=1e-5)
    assert abs(causes["rounding"]) < 0.01 * 50_500
    assert c.factors["grid_gwp_kgco2e_per_kwh"]["publisher_basis"] == "stated"


def test_llama2_70b_factor_is_implied_not_stated() -> None:
    c = reconcile(SEED["seed-touvron2023-llama2-70b"])
    assert c is not None and c.gwp is not None
    f = c.factors["grid_gwp_kgco2e_per_kwh"]
    assert f["publisher_basis"].startswith("implied")
    assert f["publisher"] == pytest.approx(291_420 / 688_128, rel=1e-9)
    assert "rounding" not in {ln.cause for ln in c.gwp.lines}  # nothing left to explain


def _report(**published: float) -> Report:
    return make_report(
        total_kwh=1000.0, location="FRA", stage="training", method="declared", pue=1.2,
        published=published,
    )  # fmt: skip


def test_general_case_it_energy_and_pue() -> None:
    """A publisher stating IT energy and emissions at its own factor, without PUE."""
    r = _report(energy_kwh=1000.0, gwp_kgco2e=400.0, grid_gwp_kgco2e_per_kwh=0.4)
    c = reconcile(r)
    assert c is not None and c.gwp is not None and c.energy is not None
    causes = [ln.cause for ln in c.gwp.lines]
    assert causes[:2] == ["pue", "grid factor"]  # the overhead, then the factor
    assert c.gwp.lines[0].delta == pytest.approx(200 * 0.4)  # 1,200 - 1,000 kWh at 0.4
    _sums_exactly(r)
    assert c.energy.published == 1000.0 and c.energy.ours == 1000.0


def test_unknown_keys_are_shown_as_stated_and_none_means_no_section() -> None:
    r = _report(tokens_per_second=42.0)
    c = reconcile(r)
    assert c is not None and c.gwp is None and c.energy is None
    assert [(f.key, f.ours) for f in c.figures] == [("tokens_per_second", None)]
    assert reconcile(_report()) is None


def test_hf_card_carries_the_publishers_figures_in_a_comment() -> None:
    from empreinte.report.exporters import export_report

    text = export_report(SEED["seed-patterson2021-gpt3"], "hf").content
    assert isinstance(text, str)
    assert "# published 552.1 tCO2e" in text and "494.8 tCO2e" in text
    import yaml

    meta = yaml.safe_load(text.split("---")[1])
    assert meta["co2_eq_emissions"]["emissions"] > 0  # the card's field is still ours, in g


_KEYS = [
    "facility_energy_kwh", "energy_kwh", "mean_energy_kwh", "dynamic_energy_kwh",
    "idle_energy_kwh", "host_energy_kwh", "accelerators_energy_kwh", "gwp_kgco2e",
    "gwp_kgco2e_market_based", "embodied_gwp_kgco2e", "dynamic_gwp_kgco2e",
    "grid_gwp_kgco2e_per_kwh", "pue", "water_l", "something_else",
]  # fmt: skip


def test_any_published_block_reconciles_and_sums() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    values = st.floats(min_value=0.0, max_value=1e9, allow_nan=False)
    blocks = st.dictionaries(st.sampled_from(_KEYS), values, min_size=1, max_size=6)

    @settings(max_examples=150, deadline=None)
    @given(blocks, st.sampled_from([0.0, 1e-6, 3.0, 5e5]))
    def check(pub: dict[str, float], kwh: float) -> None:
        r = make_report(
            total_kwh=kwh, location="USA", stage="training", method="declared", published=pub
        )
        c = reconcile(r)
        assert c is not None and c.figures
        for rec in c.reconciliations:
            total = rec.published + sum(ln.delta or 0.0 for ln in rec.lines)
            terms = [rec.published, rec.ours, *(ln.delta or 0.0 for ln in rec.lines)]
            scale = max(max(abs(t) for t in terms), 1e-12)  # float cancellation only
            assert total == pytest.approx(rec.ours, abs=1e-9 * scale), rec.sentence
        assert c.to_dict()["figures"]

    check()
