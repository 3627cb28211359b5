"""Small SVG charts rendered on the server (no JavaScript, no CDN).

Every label is escaped; each chart has ``role="img"``, a ``<title>`` and a text alternative, and
colours come from CSS classes in ``static/style.css``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from empreinte import units
from empreinte.vocabulary import PHASES

__all__ = [
    "bar_chart",
    "count",
    "duration",
    "exact",
    "fmt",
    "human",
    "line_chart",
    "per_unit",
    "phase_bars",
    "quantity",
    "scatter",
]


def fmt(x: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits (``—`` for missing): :func:`units.number`."""
    return units.number(x, digits)


def _pow10(e: float) -> float:
    """10**e, clamped to the float range (10.0**309 raises OverflowError)."""
    return math.pow(10.0, max(-307.0, min(308.0, e)))


def _scale(x: float, unit: str) -> tuple[float, str]:
    """The size and symbol of the unit ``x`` (in ``unit``) is shown in (:func:`units.scale`)."""
    return units.scale(x, unit)


def human(x: float | None, unit: str, digits: int = 3) -> str:
    """``1287000`` kWh -> ``1,287 MWh``; ``1.18e6`` kgCO2e -> ``1,180 tCO2e`` (``units.human``)."""
    return units.human(x, unit, digits)


def count(x: float | None) -> str:
    """A count of things: ``1,721``, ``3.2 million``, ``1 billion``."""
    if x is None:
        return "—"
    for m, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(x) >= m:
            return f"{fmt(x / m)} {word}"
    return fmt(x)


def duration(seconds: float | None) -> str:
    """``90`` -> ``90 s``, ``7200`` -> ``2 h``, ``5e6`` -> ``57.9 days`` (a unit from 2 of it)."""
    if seconds is None:
        return "—"
    for size, word in ((86400, "days"), (3600, "h"), (60, "min")):
        if seconds >= 2 * size:
            return f"{fmt(seconds / size)} {word}"
    return f"{fmt(seconds)} s"


def exact(x: float | None, unit: str) -> str:
    """The stored value, unrounded, for a tooltip."""
    return "not given" if x is None else f"{x!r} {unit}"


def quantity(est: object, unit: str, bounds: bool = True, like: float | None = None) -> Markup:
    """An estimate ``{value, low, high}`` (or a bare number) as ``value [low – high]``.

    The bounds use the value's prefix (or that of ``like``, to align a table row); the exact
    stored numbers go in the ``title``.
    """
    if isinstance(est, dict):
        v, lo, hi = est.get("value"), est.get("low"), est.get("high")
    elif isinstance(est, int | float):
        v, lo, hi = float(est), None, None
    else:
        return Markup('<span class="q missing">—</span>')
    if v is None:
        return Markup('<span class="q missing">—</span>')
    m, sym = _scale(like if like else v, unit)
    if v and abs(v / m) < 1e-3:  # too small for the row's prefix: its own prefix
        m, sym = _scale(v, unit)
    tip = exact(v, unit)
    out = f'<span class="q" title="{escape(tip)}">{escape(fmt(v / m))} <small>{escape(sym)}</small>'
    if bounds and lo is not None and hi is not None and (lo != v or hi != v):
        out += (
            f' <span class="range" title="{escape(exact(lo, unit))} – {escape(exact(hi, unit))}">'
            f"[{escape(fmt(lo / m))} – {escape(fmt(hi / m))}]</span>"
        )
    return Markup(out + "</span>")


_CLOSE = "</svg></div>"


def per_unit(est: object, per: str | None) -> Markup:
    """Energy per functional unit (``est`` in kWh) by the units rule (:func:`units.per_scale`):
    J per token, Wh per request or prompt (J below 0.001 Wh), a run's scale otherwise; bounds
    in the same unit."""
    if not per:
        return quantity(est, "kWh")
    if not isinstance(est, dict) or est.get("value") is None:
        return Markup('<span class="q missing">—</span>')
    v, lo, hi = est["value"], est.get("low"), est.get("high")
    size, sym = units.per_scale(v, per)
    out = (
        f'<span class="q" title="{escape(exact(v, "kWh"))}">{escape(fmt(v / size))} '
        f"<small>{sym}</small>"
    )
    if lo is not None and hi is not None and (lo != v or hi != v):
        out += f' <span class="range">[{escape(fmt(lo / size))} – {escape(fmt(hi / size))}]</span>'
    return Markup(out + "</span>")


def _open(w: int, h: int, title: str, desc: str = "") -> str:
    """The chart's opening tags; on a phone its wrapper scrolls, so its text stays >= 12 px
    (a 640-unit drawing squeezed to 360 px rendered 13 px labels at 7 px)."""
    t = escape(title)
    label = escape(f"{title}. {desc}" if desc else title)
    d = f"<desc>{escape(desc)}</desc>" if desc else ""
    return (
        '<div class="chart-wrap">'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" class="chart" '
        f'role="img" aria-label="{label}"><title>{t}</title>{d}'
    )


def bar_chart(items: Sequence[tuple[str, float | None]], unit: str, title: str) -> Markup:
    """Horizontal bars, one per ``(label, value)``; ``unit`` is the values' unit (``kWh``)."""
    rows = [(label, v) for label, v in items if v is not None]
    if not rows:
        return Markup('<p class="empty">No data.</p>')
    w, bar_h, gap, left, right = 640, 22, 8, 170, 130
    h = len(rows) * (bar_h + gap) + gap
    vmax = max(v for _, v in rows) or 1.0
    positive = [v for _, v in rows if v > 0]
    # values three orders of magnitude apart: log scale, so that no bar is invisible
    log = len(positive) > 1 and max(positive) / min(positive) >= 1e3
    floor = math.log10(min(positive)) - 1 if log else 0.0
    # one unit for the whole chart (0.0176 Wh beside 0.00803 Wh, not beside 28.9 J), unless
    # the values are orders of magnitude apart (log scale): then each takes its own
    m, sym = units.axis_unit([v for _, v in rows], unit)

    def shown(v: float) -> str:
        return human(v, unit) if log or v == 0 else f"{fmt(v / m)} {sym}"

    desc = "; ".join(f"{label}: {shown(v)}" for label, v in rows)
    if log:
        title += " (logarithmic scale)"
        desc += ". Logarithmic scale: the values are orders of magnitude apart."
    out = [_open(w, h, title, desc)]
    for i, (label, v) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        share = max(v, 0) / vmax
        if log and v > 0:
            share = (math.log10(v) - floor) / (math.log10(vmax) - floor)
        bw = max(1.0, (w - left - right) * share)
        short = label if len(label) <= 21 else "…" + label[-20:]  # the end tells models apart
        out.append(
            f"<g><title>{escape(label)}: {escape(shown(v))} "
            f"({escape(exact(v, unit))})</title>"
            f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" class="lbl">'
            f"{escape(short)}</text>"
            f'<rect x="{left}" y="{y}" width="{bw:.1f}" height="{bar_h}" class="bar s{i % 6}"/>'
            f'<text x="{left + bw + 6:.1f}" y="{y + bar_h * 0.7:.1f}" class="val">'
            f"{escape(shown(v))}</text></g>"
        )
    out.append(_CLOSE)
    return Markup("".join(out))


def phase_bars(rows: Sequence[tuple[str, str, dict[str, float | None]]], title: str) -> Markup:
    """One stacked bar per criterion ``(label, unit, {phase: value})``, as shares of its total."""
    rows = [r for r in rows if any(v for v in r[2].values())]
    if not rows:
        return Markup('<p class="empty">No impacts assessed.</p>')
    w, bar_h, gap, left = 640, 24, 30, 190  # room for the labels of vocabulary.Criterion
    h = len(rows) * (bar_h + gap) + 40
    descs = []
    body = []
    for i, (label, unit, phases) in enumerate(rows):
        y = 10 + i * (bar_h + gap)
        total = sum(max(v or 0.0, 0.0) for v in phases.values()) or 1.0
        x = float(left)
        body.append(
            f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" class="lbl">'
            f"{escape(label)}</text>"
        )
        parts = []
        for j, ph in enumerate(PHASES):
            v = phases.get(ph)
            name = ph.replace("_", " ")
            if v is None:  # not assessed is said, never read as 0 (no "usage 100 %")
                parts.append(f"{name} not assessed")
                descs.append(f"{label}, {name}: not assessed")
                continue
            if v <= 0:
                continue
            bw = (w - left - 20) * v / total
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{bw:.1f}" height="{bar_h}" class="bar p{j}">'
                f"<title>{escape(label)}, {escape(name)}: {escape(human(v, unit))} "
                f"({100 * v / total:.1f} %)</title></rect>"
            )
            x += bw
            parts.append(f"{name} {100 * v / total:.0f} %")
            descs.append(f"{label}, {name}: {human(v, unit)}")
        body.append(
            f'<text x="{left}" y="{y + bar_h + 14}" class="val">{escape(" · ".join(parts))}</text>'
        )
    out = [_open(w, h, title, "; ".join(descs)), *body]
    ly = h - 12
    for j, ph in enumerate(PHASES):
        lx = left + j * 140
        out.append(
            f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" class="bar p{j}"/>'
            f'<text x="{lx + 16}" y="{ly}" class="lbl">{escape(ph.replace("_", " "))}</text>'
        )
    out.append(_CLOSE)
    return Markup("".join(out))


def line_chart(
    points: Sequence[tuple[str, float | None]],
    unit: str,
    title: str,
    notes: Sequence[str] = (),
) -> Markup:
    """A line with dots over categorical x labels (years), each dot labelled with its value.

    When the values span more than two orders of magnitude the y axis is logarithmic (said in
    the axis label), so that small years stay visible next to big ones. ``notes`` (one per
    point, e.g. ``"4 reports"``) go under the x labels.
    """
    padded = [*notes, *[""] * len(points)]
    pts = [(x, v, n) for (x, v), n in zip(points, padded, strict=False) if v is not None]
    if not pts:
        return Markup('<p class="empty">No data.</p>')
    w, h, left, bottom, top, right = 640, 260, 86, 46, 34, 40
    positive = [v for _, v, _ in pts if v > 0]
    log = bool(positive) and max(positive) / min(positive) > 100
    if log:
        lo_e = math.floor(math.log10(min(positive)))
        hi_e = math.ceil(math.log10(max(positive)))
        hi_e = max(hi_e, lo_e + 1)

        def sy(v: float) -> float:
            if v <= 0:
                return float(h - bottom)
            f = (math.log10(v) - lo_e) / (hi_e - lo_e)
            return top + (h - top - bottom) * (1 - f)

        step_e = max(1, math.ceil((hi_e - lo_e) / 5))
        ticks = [_pow10(e) for e in range(lo_e, hi_e + 1, step_e)]
    else:
        vmax = max(v for _, v, _ in pts) or 1.0

        def sy(v: float) -> float:
            return top + (h - top - bottom) * (1 - max(v, 0) / vmax)

        ticks = [0.0, vmax / 2, vmax]
    step = (w - left - right) / max(len(pts) - 1, 1)
    coords = [(left + i * step, sy(v)) for i, (_, v, _) in enumerate(pts)]
    desc = "; ".join(f"{x}: {human(v, unit)}" + (f" ({n})" if n else "") for x, v, n in pts)
    out = [_open(w, h, title, desc)]
    for t in ticks:
        y = sy(t) if t > 0 or not log else h - bottom
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{w - right}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="lbl">'
            f"{escape(human(t, unit) if t else '0')}</text>"
        )
    out.append(
        f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" class="axis"/>'
        f'<text x="4" y="{top - 18}" class="lbl">'
        f"{escape('energy, log scale' if log else 'energy')}</text>"
    )
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    out.append(f'<polyline points="{path}" class="line"/>')
    for (label, v, note), (x, y) in zip(pts, coords, strict=True):
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="dot"><title>{escape(label)}: '
            f"{escape(human(v, unit))}{escape(f' ({note})' if note else '')}</title></circle>"
            f'<text x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle" class="val">'
            f"{escape(human(v, unit))}</text>"
            f'<text x="{x:.1f}" y="{h - bottom + 16}" text-anchor="middle" class="lbl">'
            f"{escape(label)}</text>"
        )
        if note:
            out.append(
                f'<text x="{x:.1f}" y="{h - bottom + 32}" text-anchor="middle" class="val">'
                f"{escape(note)}</text>"
            )
    out.append(_CLOSE)
    return Markup("".join(out))


def scatter(
    points: Sequence[tuple[str, float, float]],
    front: Sequence[tuple[str, float, float]],
    x_label: str,
    y_label: str,
    title: str,
    gate: float | None = None,
    unit: str = "kWh",
) -> Markup:
    """Quality (y) against energy per unit (x, log scale, in ``unit``); the Pareto front as a
    step line, the quality gate as a horizontal line."""
    pts = [p for p in points if p[1] > 0]
    if not pts:
        return Markup('<p class="empty">No entry with both energy and quality.</p>')
    w, h, left, bottom, top, right = 640, 340, 70, 56, 30, 24
    xs = [math.log10(p[1]) for p in pts]
    ys = [p[2] for p in pts] + ([gate] if gate is not None else [])
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 - x0 < 1e-9:
        x0, x1 = x0 - 0.5, x1 + 0.5
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 0.5, y1 + 0.5
    pad_x, pad_y = (x1 - x0) * 0.05, (y1 - y0) * 0.06
    x0, x1, y0, y1 = x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y

    def sx(v: float) -> float:
        return left + (w - left - right) * (math.log10(v) - x0) / (x1 - x0)

    def sy(v: float) -> float:
        return top + (h - top - bottom) * (1 - (v - y0) / (y1 - y0))

    fr = [p for p in front if p[1] > 0]
    on_front = {p[0] for p in fr}
    desc = (
        f"{len(pts)} entries; {y_label} from {fmt(min(p[2] for p in pts))} to "
        f"{fmt(max(p[2] for p in pts))}; energy from {human(min(p[1] for p in pts), unit)} to "
        f"{human(max(p[1] for p in pts), unit)}. Pareto front: "
        + (", ".join(f"{p[0]} ({human(p[1], unit)}, {fmt(p[2])})" for p in fr) or "none")
        + (f". Quality gate: {fmt(gate)}." if gate is not None else ".")
    )
    lo_x, hi_x = _pow10(x0), _pow10(x1)
    out = [_open(w, h, title, desc)]
    out.append(
        f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" class="axis"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" class="axis"/>'
        f'<text x="{(w + left) / 2:.0f}" y="{h - 8}" text-anchor="middle" class="lbl">'
        f"{escape(x_label)} (log scale) →</text>"
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="lbl">{escape(fmt(y1))}</text>'
        f'<text x="{left - 6}" y="{h - bottom}" text-anchor="end" class="lbl">'
        f"{escape(fmt(y0))}</text>"
        f'<text x="{left}" y="{h - bottom + 18}" class="lbl">{escape(human(lo_x, unit))}</text>'
        f'<text x="{w - right}" y="{h - bottom + 18}" text-anchor="end" class="lbl">'
        f"{escape(human(hi_x, unit))}</text>"
        f'<text x="4" y="{top - 12}" class="lbl">↑ {escape(y_label)}</text>'
    )
    if gate is not None:
        gy = sy(gate)
        out.append(
            f'<line x1="{left}" y1="{gy:.1f}" x2="{w - right}" y2="{gy:.1f}" class="gate">'
            f"<title>quality gate: {escape(fmt(gate))}</title></line>"
            f'<text x="{w - right - 4}" y="{gy - 5:.1f}" text-anchor="end" class="gate-lbl">'
            f"quality gate {escape(fmt(gate))}</text>"
        )
    if fr:
        path = " ".join(f"{sx(e):.1f},{sy(q):.1f}" for _, e, q in fr)
        out.append(f'<polyline points="{path}" class="front"/>')
    for label, e, q in pts:
        cls = "dot front-dot" if label in on_front else "dot"
        tag = " — on the Pareto front" if label in on_front else ""
        out.append(
            f'<circle cx="{sx(e):.1f}" cy="{sy(q):.1f}" r="5" class="{cls}">'
            f"<title>{escape(label)}: {escape(human(e, unit))}, {escape(y_label)} "
            f"{escape(fmt(q))}{tag}</title></circle>"
        )
    lx = w - right - 100
    out.append(
        f'<circle cx="{lx}" cy="{top - 16}" r="5" class="dot front-dot"/>'
        f'<text x="{lx + 9}" y="{top - 12}" class="lbl">Pareto front</text>'
    )
    out.append(_CLOSE)
    return Markup("".join(out))
