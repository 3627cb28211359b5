"""Chart ticks and the scatter's escaping and text alternative (pure, no database)."""

from __future__ import annotations

import pytest

from empreinte.observatory.views.plots import Point, log_ticks, nice_ticks, responsive, scatter


@pytest.mark.parametrize(
    ("lo", "hi", "most", "want"),
    [
        (1e4, 1e9, 6, [1e4, 1e5, 1e6, 1e7, 1e8, 1e9]),  # decades
        (1e1, 1e12, 6, [1e1, 1e3, 1e5, 1e7, 1e9, 1e11]),  # every other decade
        (7, 300, 5, [10, 20, 50, 100, 200]),  # 1-2-5 inside two decades
        (2e9, 6e11, 7, [3e9, 1e10, 3e10, 1e11, 3e11]),  # 1-3 when 1-2-5 is too many
        (2e9, 6e11, 4, [1e10, 1e11]),
        (40, 110, 5, [50, 70, 100]),  # a narrow range still gets three ticks
    ],
)
def test_log_ticks(lo: float, hi: float, most: int, want: list[float]) -> None:
    assert log_ticks(lo, hi, most) == pytest.approx(want)


def test_nice_ticks() -> None:
    assert nice_ticks(0.0, 1.0, 6) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert nice_ticks(2021.3, 2023.6, 4) == pytest.approx([2022, 2023])


def test_scatter_escapes_and_describes() -> None:
    pts = [
        Point("<script>alert(1)</script>", 1.0, 0.5, tag="<b>x</b>", x_lo=0.5, x_hi=2.0),
        Point("b", 10.0, 0.9, emphasis=True),
        Point("zero", 0.0, 0.7),  # cannot sit on a log axis: left out, not drawn at 0
    ]
    svg = str(
        scatter(
            pts, title="T", x_title="x", y_title="y", x_fmt=str, y_fmt=str, front=pts[1:2],
            hline=(0.6, "gate 0.6"), groups=[""],
        )
    )  # fmt: skip
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;x&lt;/b&gt;" in svg
    assert 'role="img"' in svg and "<desc>" in svg and "zero" not in svg
    assert svg.count("<circle") == 2 and 'class="err"' in svg and 'class="gate"' in svg
    both = str(responsive(points=pts, title="T", x_title="x", y_title="y", x_fmt=str, y_fmt=str))
    assert 'class="chart plot wide"' in both and 'class="chart plot narrow"' in both
    assert 'viewBox="0 0 360 ' in both and 'viewBox="0 0 720 ' in both


def test_energy_text_per_use_in_wh_per_run_in_kwh_and_up() -> None:
    from empreinte.observatory.views.energy_fmt import energy_text, joules, sig

    assert energy_text(0.24e-3, "request") == "0.24 Wh"  # a prompt: Wh, never mWh
    assert energy_text(0.138e-3, "request", 0.13e-3, 0.14e-3) == "0.138 Wh [0.13 – 0.14]"
    assert energy_text(433_196, None) == "433 MWh"  # a run: kWh to GWh
    assert energy_text(1_287_000, None, 1e6, 1.5e6) == "1.29 GWh [1 – 1.5]"
    assert energy_text(None, None) == "—"  # no reading is not zero
    assert joules(0.0702) == "0.0702 J"
    assert sig(7.37e-6) == "0.00000737" and sig(825.0) == "825"
