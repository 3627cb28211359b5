"""Small SVG charts rendered on the server (no JavaScript, no CDN).

Every label is escaped; each chart has ``role="img"``, a ``<title>`` and a text alternative, and
colours come from CSS classes in ``static/style.css``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["bar_chart", "fmt", "line_chart", "phase_bars", "scatter"]


def fmt(x: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits (``—`` for missing)."""
    if x is None:
        return "—"
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return str(x)
    mag = abs(x)
    if 1e-3 <= mag < 1e6:
        decimals = max(0, digits - 1 - math.floor(math.log10(mag)))
        s = f"{x:,.{decimals}f}"
        return s.rstrip("0").rstrip(".") if "." in s else s
    return f"{x:.{digits - 1}e}"


def _open(w: int, h: int, title: str) -> str:
    t = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" class="chart" '
        f'role="img" aria-label="{t}"><title>{t}</title>'
    )


def bar_chart(items: Sequence[tuple[str, float | None]], unit: str, title: str) -> Markup:
    """Horizontal bars, one per ``(label, value)``."""
    rows = [(label, v) for label, v in items if v is not None]
    if not rows:
        return Markup('<p class="empty">No data.</p>')
    w, bar_h, gap, left, right = 640, 22, 8, 170, 110
    h = len(rows) * (bar_h + gap) + gap
    vmax = max(v for _, v in rows) or 1.0
    out = [_open(w, h, title)]
    for i, (label, v) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        bw = max(1.0, (w - left - right) * max(v, 0) / vmax)
        out.append(
            f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" class="lbl">'
            f"{escape(label[:28])}</text>"
            f'<rect x="{left}" y="{y}" width="{bw:.1f}" height="{bar_h}" class="bar s{i % 6}"/>'
            f'<text x="{left + bw + 6:.1f}" y="{y + bar_h * 0.7:.1f}" class="val">'
            f"{escape(fmt(v))} {escape(unit)}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))


PHASES = ("usage", "embodied", "end_of_life")


def phase_bars(rows: Sequence[tuple[str, str, dict[str, float | None]]], title: str) -> Markup:
    """One stacked bar per criterion ``(label, unit, {phase: value})``, as shares of its total."""
    rows = [r for r in rows if any(v for v in r[2].values())]
    if not rows:
        return Markup('<p class="empty">No impacts assessed.</p>')
    w, bar_h, gap, left = 640, 24, 30, 150
    h = len(rows) * (bar_h + gap) + 40
    out = [_open(w, h, title)]
    for i, (label, unit, phases) in enumerate(rows):
        y = 10 + i * (bar_h + gap)
        total = sum(max(v or 0.0, 0.0) for v in phases.values()) or 1.0
        x = float(left)
        out.append(
            f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" class="lbl">'
            f"{escape(label)}</text>"
        )
        parts = []
        for j, ph in enumerate(PHASES):
            v = phases.get(ph)
            if not v or v <= 0:
                continue
            bw = (w - left - 20) * v / total
            out.append(
                f'<rect x="{x:.1f}" y="{y}" width="{bw:.1f}" height="{bar_h}" class="bar p{j}">'
                f"<title>{escape(ph)}: {escape(fmt(v))} {escape(unit)}</title></rect>"
            )
            x += bw
            parts.append(f"{ph.replace('_', ' ')} {fmt(v)}")
        out.append(
            f'<text x="{left}" y="{y + bar_h + 14}" class="val">'
            f"{escape(' · '.join(parts))} {escape(unit)}</text>"
        )
    ly = h - 12
    for j, ph in enumerate(PHASES):
        lx = left + j * 140
        out.append(
            f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" class="bar p{j}"/>'
            f'<text x="{lx + 16}" y="{ly}" class="lbl">{escape(ph.replace("_", " "))}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def line_chart(points: Sequence[tuple[str, float | None]], unit: str, title: str) -> Markup:
    """A line with dots over categorical x labels (years)."""
    pts = [(x, v) for x, v in points if v is not None]
    if not pts:
        return Markup('<p class="empty">No data.</p>')
    w, h, left, bottom, top = 640, 240, 70, 30, 20
    vmax = max(v for _, v in pts) or 1.0
    step = (w - left - 30) / max(len(pts) - 1, 1)
    coords = [
        (left + i * step, top + (h - top - bottom) * (1 - max(v, 0) / vmax))
        for i, (_, v) in enumerate(pts)
    ]
    out = [_open(w, h, title)]
    out.append(
        f'<line x1="{left}" y1="{h - bottom}" x2="{w - 20}" y2="{h - bottom}" class="axis"/>'
    )
    out.append(
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="lbl">'
        f"{escape(fmt(vmax))}</text>"
        f'<text x="{left - 6}" y="{h - bottom}" text-anchor="end" class="lbl">0</text>'
        f'<text x="4" y="{top - 6}" class="lbl">{escape(unit)}</text>'
    )
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    out.append(f'<polyline points="{path}" class="line"/>')
    for (label, v), (x, y) in zip(pts, coords, strict=True):
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="dot"><title>{escape(label)}: '
            f"{escape(fmt(v))} {escape(unit)}</title></circle>"
            f'<text x="{x:.1f}" y="{h - bottom + 18}" text-anchor="middle" class="lbl">'
            f"{escape(label)}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))


def scatter(
    points: Sequence[tuple[str, float, float]],
    front: Sequence[tuple[str, float, float]],
    x_label: str,
    y_label: str,
    title: str,
) -> Markup:
    """Quality (y) against energy per unit (x, log scale); the Pareto front as a step line."""
    pts = [p for p in points if p[1] > 0]
    if not pts:
        return Markup('<p class="empty">No entry with both energy and quality.</p>')
    w, h, left, bottom, top, right = 640, 320, 70, 50, 20, 20
    xs = [math.log10(p[1]) for p in pts]
    ys = [p[2] for p in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 - x0 < 1e-9:
        x0, x1 = x0 - 0.5, x1 + 0.5
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 0.5, y1 + 0.5

    def sx(v: float) -> float:
        return left + (w - left - right) * (math.log10(v) - x0) / (x1 - x0)

    def sy(v: float) -> float:
        return top + (h - top - bottom) * (1 - (v - y0) / (y1 - y0))

    out = [_open(w, h, title)]
    out.append(
        f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" class="axis"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" class="axis"/>'
        f'<text x="{(w + left) / 2:.0f}" y="{h - 8}" text-anchor="middle" class="lbl">'
        f"{escape(x_label)} (log scale)</text>"
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="lbl">{escape(fmt(y1))}</text>'
        f'<text x="{left - 6}" y="{h - bottom}" text-anchor="end" class="lbl">'
        f"{escape(fmt(y0))}</text>"
        f'<text x="{left}" y="{h - bottom + 16}" class="lbl">{escape(fmt(10**x0))}</text>'
        f'<text x="{w - right}" y="{h - bottom + 16}" text-anchor="end" class="lbl">'
        f"{escape(fmt(10**x1))}</text>"
        f'<text x="4" y="{top - 6}" class="lbl">{escape(y_label)}</text>'
    )
    fr = [p for p in front if p[1] > 0]
    if fr:
        path = " ".join(f"{sx(e):.1f},{sy(q):.1f}" for _, e, q in fr)
        out.append(f'<polyline points="{path}" class="front"/>')
    on_front = {p[0] for p in fr}
    for label, e, q in pts:
        cls = "dot front-dot" if label in on_front else "dot"
        out.append(
            f'<circle cx="{sx(e):.1f}" cy="{sy(q):.1f}" r="5" class="{cls}">'
            f"<title>{escape(label)}: {escape(fmt(e))} · {escape(fmt(q))}</title></circle>"
        )
    out.append("</svg>")
    return Markup("".join(out))
