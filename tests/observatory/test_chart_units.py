"""The report page's bar charts follow the units rule: one unit per chart."""

from __future__ import annotations

from empreinte.observatory.views import charts


def test_bar_chart_takes_one_unit_for_its_bars() -> None:
    # a request's energy by component: 1.76e-5 kWh (gpu) and 8.03e-6 kWh (other) are
    # 0.0176 Wh and 0.00803 Wh, not 0.0176 Wh beside 28.9 J
    svg = str(charts.bar_chart([("gpu", 1.76e-5), ("other", 8.03e-6)], "kWh", "E"))
    assert ">0.0176 Wh</text>" in svg and ">0.00803 Wh</text>" in svg
    assert " J<" not in svg and "28.9" not in svg


def test_bar_chart_orders_of_magnitude_apart_keeps_each_unit() -> None:
    # 91.2 MWh beside 0.0256 Wh (log scale): "0.0000000256 MWh" would be unreadable
    svg = str(charts.bar_chart([("train", 91_200.0), ("req", 2.56e-5)], "kWh", "E"))
    assert "logarithmic" in svg
    assert ">91.2 MWh</text>" in svg and ">0.0256 Wh</text>" in svg
