"""Pure pieces: ranking and Pareto front; verification tiers and flags."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from obs_samples import sample_report

from empreinte.ranking import Entry, higher_is_better, pareto_front, rank
from empreinte.report.validate import validate_report
from empreinte.report.verification import verify


def test_rank_gates_on_quality() -> None:
    es = [Entry("a", 1.0, 0.5), Entry("b", 2.0, 0.9), Entry("c", 3.0, 1.0), Entry("d", 0.5, None)]
    got = rank(es, relative_gate=0.9)
    assert [r.entry.id for r in got] == ["b", "c"]  # gate 0.9 × 1.0; "d" has no quality
    assert [r.rank for r in got] == [1, 2]
    assert [r.entry.id for r in rank(es, min_quality=0.4)] == ["a", "b", "c"]
    assert [r.entry.id for r in rank(es, require_quality=False)] == ["d", "a", "b", "c"]


def test_ties_share_a_rank() -> None:
    got = rank([Entry("a", 1.0, 1.0), Entry("b", 1.0, 0.9), Entry("c", 2.0, 1.0)])
    assert [(r.entry.id, r.rank) for r in got] == [("a", 1), ("b", 1), ("c", 3)]


def test_pareto_front_lower_is_better_metric() -> None:
    assert not higher_is_better("perplexity") and higher_is_better("accuracy")
    es = [Entry("a", 1.0, 10.0), Entry("b", 2.0, 5.0), Entry("c", 3.0, 7.0)]
    assert [e.id for e in pareto_front(es, higher=False)] == ["a", "b"]


points = st.lists(st.tuples(st.floats(0.01, 100), st.floats(0, 1)), min_size=1, max_size=30).map(
    lambda xs: [Entry(str(i), e, q) for i, (e, q) in enumerate(xs)]
)


@given(points)
def test_pareto_front_is_exactly_the_non_dominated(es: list[Entry]) -> None:
    def dominated(x: Entry) -> bool:
        assert x.quality is not None
        return any(
            y.energy <= x.energy
            and (y.quality or 0) >= x.quality
            and (y.energy < x.energy or (y.quality or 0) > x.quality)
            for y in es
        )

    front = {e.id for e in pareto_front(es)}
    # duplicates of a front point (same energy and quality) are kept once
    for e in es:
        if e.id in front:
            assert not dominated(e)
        else:
            assert dominated(e) or any(
                f.energy == e.energy and f.quality == e.quality for f in es if f.id in front
            )


def test_tiers_and_flags() -> None:
    ok = verify(validate_report(sample_report()))
    assert (ok.m_tier, ok.a_tier, ok.flags) == ("M2", "A1", [])
    declared = sample_report()
    declared["measurement"] = {"method": "declared"}
    assert verify(validate_report(declared)).m_tier == "M5"
    assert verify(validate_report(declared)).a_tier == "A0"
    short = sample_report()
    short["measurement"]["duration_s"] = 30.0
    v = verify(validate_report(short))
    assert "short-window" in v.flags and "power-above-tdp:gpu" in v.flags and v.a_tier == "A0"
    zero = sample_report()
    zero["energy"]["gpu_kwh"] = {"value": 0.0}
    assert "energy-not-positive:gpu" in verify(validate_report(zero)).flags
    unknown = sample_report()
    unknown["hardware"] = [{"kind": "gpu", "name": "Imaginary GPU 9000"}]
    assert "hardware-unknown:Imaginary GPU 9000" in verify(validate_report(unknown)).flags
    grams = sample_report()  # GWP given in grams by mistake: 1000x the grid's intensity
    grams["impacts"]["gwp_kgco2e"]["usage"] = {"value": 30.0}
    grams["impacts"]["gwp_kgco2e"]["total"] = {"value": 30.0}
    assert "unit-implausible:gwp" in verify(validate_report(grams)).flags
    modelled = sample_report()
    modelled["measurement"]["meters"].append(
        {"name": "tdp", "component": "cpu", "method": "software_model"}
    )
    assert "constant-mode:cpu" in verify(validate_report(modelled)).flags
