"""Scatter charts for the leaderboard and the analyses pages (server-rendered SVG).

One function, :func:`scatter`, draws points on log or linear axes with readable ticks (1-2-5
or decades, labelled in the axis' unit), optional low–high bars, colour groups with a legend,
a front line, a reference line, and short point labels placed without overlap (a label that
would overlap another is left out; every point keeps its tooltip and the text alternative).
:func:`responsive` renders the same chart twice, 720 and 360 units wide, and CSS shows the one
that fits: on a 390 px phone the narrow one is drawn at about 1:1, so its 13 px text stays
13 px (a single wide chart shrunk to a phone's width draws 7 px text).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Point", "log_ticks", "nice_ticks", "responsive", "scatter"]

Fmt = Callable[[float], str]


@dataclass(frozen=True, slots=True)
class Point:
    """One point: ``label`` for tooltips and the text alternative, ``tag`` drawn beside it."""

    label: str
    x: float
    y: float
    group: str = ""
    tag: str = ""
    x_lo: float | None = None
    x_hi: float | None = None
    y_lo: float | None = None
    y_hi: float | None = None
    emphasis: bool = False


def log_ticks(lo: float, hi: float, most: int = 6) -> list[float]:
    """Round ticks covering ``[lo, hi]`` on a log axis: powers of ten (every k-th so at most
    ``most``), with 2 and 5 (or 1.5, 2, 3, 5, 7) between them when the range is narrow."""
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    span = math.log10(hi / lo)
    if span < 2.6:

        def at(mults: tuple[float, ...]) -> list[float]:
            return [t for e in range(a, b + 1) for m in mults if lo <= (t := m * 10.0**e) <= hi]

        inside = at((1, 2, 5))
        if len(inside) < 3:  # a narrow range: more steps between the decades
            return at((1, 1.5, 2, 3, 5, 7))[:: 1 if most > 4 else 2] or [10.0**a]
        for mults in ((1, 3), (1,)):
            if len(inside) <= most:
                break
            inside = at(mults)
        return inside
    step = max(1, math.ceil((b - a + 1) / most))
    return [10.0**e for e in range(a, b + 1, step) if lo <= 10.0**e <= hi]


def nice_ticks(lo: float, hi: float, most: int = 6) -> list[float]:
    """About ``most`` round ticks (1, 2 or 5 × 10^k apart) inside ``[lo, hi]``."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(most - 1, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    n = int((hi - first) / step + 1e-9) + 1
    return [round(first + i * step, 12) for i in range(n)]


class _Axis:
    def __init__(self, vals: Sequence[float], log: bool, a: float, b: float) -> None:
        self.log = log
        vs = [math.log10(v) for v in vals if v > 0] if log else list(vals)
        lo, hi = (min(vs), max(vs)) if vs else (0.0, 1.0)
        if hi - lo < 1e-12:
            lo, hi = lo - 0.5, hi + 0.5
        pad = (hi - lo) * 0.06
        self.lo, self.hi, self.a, self.b = lo - pad, hi + pad, a, b

    def __call__(self, v: float) -> float:
        t = math.log10(v) if self.log else v
        return self.a + (self.b - self.a) * (t - self.lo) / (self.hi - self.lo)

    def ticks(self, most: int) -> list[float]:
        if self.log:
            return log_ticks(10**self.lo, 10**self.hi, most)
        return nice_ticks(self.lo, self.hi, most)

    def ok(self, v: float | None) -> bool:
        return v is not None and (v > 0 or not self.log)


def _legend_rows(named: list[tuple[str, int]], room: float) -> list[list[tuple[str, int, float]]]:
    """Legend entries ``(group, colour, width)`` in rows that fit ``room``."""
    rows: list[list[tuple[str, int, float]]] = [[]]
    used = 0.0
    for g, i in named:
        w = 18 + 7.4 * len(g)
        if rows[-1] and used + w + 10 > room:
            rows.append([])
            used = 0.0
        rows[-1].append((g, i, w))
        used += w + 10
    return [r for r in rows if r]


def _log_note(log: bool) -> str:
    return " (log scale)" if log else ""


def _boxes_overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def scatter(
    points: Sequence[Point],
    *,
    title: str,
    x_title: str,
    y_title: str,
    x_fmt: Fmt,
    y_fmt: Fmt,
    x_log: bool = True,
    y_log: bool = False,
    front: Sequence[Point] = (),
    front_label: str = "Pareto front",
    hline: tuple[float, str] | None = None,
    groups: Sequence[str] = (),
    summary: str = "",
    whole_x: bool = False,
    width: int = 720,
) -> Markup:
    """An SVG scatter (see the module docstring); ``summary`` starts the text alternative."""
    xa_ok = [p for p in points if (p.x > 0 or not x_log) and (p.y > 0 or not y_log)]
    if not xa_ok:
        return Markup('<p class="empty">No point to draw.</p>')
    narrow = width < 500
    gidx = {g: i % 6 for i, g in enumerate(groups)}
    named = [(g, i) for g, i in gidx.items() if g]
    legend = _legend_rows(named, width - 28)
    top = 40 + 18 * len(legend)
    h = (340 if narrow else 420) + 18 * len(legend)
    left, right, bottom = (74 if narrow else 84), 14, 52
    xs = [p.x for p in xa_ok] + [v for p in xa_ok for v in (p.x_lo, p.x_hi) if v is not None]
    ys = [p.y for p in xa_ok] + [v for p in xa_ok for v in (p.y_lo, p.y_hi) if v is not None]
    if hline is not None:
        ys.append(hline[0])
    sx = _Axis([v for v in xs if v > 0 or not x_log], x_log, left, width - right)
    sy = _Axis([v for v in ys if v > 0 or not y_log], y_log, h - bottom, top)
    desc = (summary + " " if summary else "") + "; ".join(
        f"{p.label}: {x_fmt(p.x)}, {y_fmt(p.y)}" for p in xa_ok[:60]
    )
    if len(xa_ok) > 60:
        desc += f"; and {len(xa_ok) - 60} more points (in the table)"
    label = escape(f"{title}. {desc}")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {h}" '
        f'class="chart plot{" narrow" if narrow else " wide"}" role="img" aria-label="{label}">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
    ]
    xticks = sx.ticks(4 if narrow else 7)
    if whole_x:  # years: whole ticks only, every k-th so that they fit
        lo, hi = math.ceil(10**sx.lo if x_log else sx.lo), math.floor(sx.hi)
        k = max(1, math.ceil((hi - lo + 1) / (4 if narrow else 7)))
        xticks = [float(t) for t in range(lo, hi + 1, k)] or xticks
    for t in xticks:
        x = sx(t)
        text = x_fmt(t)
        half = 3.8 * len(text)  # keep a label near the edge inside the chart
        anchor = "end" if x + half > width - 2 else "start" if x - half < 2 else "middle"
        tx = min(x, width - 2.0) if anchor == "end" else max(x, 2.0) if anchor == "start" else x
        out.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{h - bottom}" class="grid"/>'
            f'<text x="{tx:.1f}" y="{h - bottom + 17}" text-anchor="{anchor}" class="lbl">'
            f"{escape(text)}</text>"
        )
    for t in sy.ticks(5 if narrow else 6):
        y = sy(t)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" class="lbl">'
            f"{escape(y_fmt(t))}</text>"
        )
    out.append(
        f'<line x1="{left}" y1="{h - bottom}" x2="{width - right}" y2="{h - bottom}" '
        f'class="axis"/><line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" class="axis"/>'
        f'<text x="{(width + left) / 2:.0f}" y="{h - 10}" text-anchor="middle" class="lbl">'
        f"{escape(x_title + _log_note(x_log))} →</text>"
        f'<text x="4" y="{top - 12}" class="lbl">↑ {escape(y_title + _log_note(y_log))}</text>'
    )
    if hline is not None and sy.ok(hline[0]):
        gy = sy(hline[0])
        out.append(
            f'<line x1="{left}" y1="{gy:.1f}" x2="{width - right}" y2="{gy:.1f}" class="gate">'
            f"<title>{escape(hline[1])}</title></line>"
            f'<text x="{width - right - 4}" y="{gy - 5:.1f}" text-anchor="end" class="gate-lbl">'
            f"{escape(hline[1])}</text>"
        )
    fr = [p for p in front if sx.ok(p.x) and sy.ok(p.y)]
    if len(fr) > 1:  # a step line: nothing between two front points beats them both
        steps = [(sx(fr[0].x), sy(fr[0].y))]
        for p in fr[1:]:
            steps += [(sx(p.x), steps[-1][1]), (sx(p.x), sy(p.y))]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in steps)
        out.append(f'<polyline points="{path}" class="front"/>')
    placed: list[tuple[float, ...]] = []
    labels: list[str] = []
    for p in sorted(xa_ok, key=lambda p: not p.emphasis):  # emphasised points are labelled first
        x, y = sx(p.x), sy(p.y)
        if sx.ok(p.x_lo) and sx.ok(p.x_hi):
            out.append(
                f'<line x1="{sx(p.x_lo or 0):.1f}" y1="{y:.1f}" x2="{sx(p.x_hi or 0):.1f}" '
                f'y2="{y:.1f}" class="err"/>'
            )
        if sy.ok(p.y_lo) and sy.ok(p.y_hi):
            out.append(
                f'<line x1="{x:.1f}" y1="{sy(p.y_lo or 0):.1f}" x2="{x:.1f}" '
                f'y2="{sy(p.y_hi or 0):.1f}" class="err"/>'
            )
        cls = f"pt g{gidx.get(p.group, 0)}" + (" em" if p.emphasis else "")
        tip = f"{p.label}: {x_fmt(p.x)}, {y_fmt(p.y)}" + (f" ({front_label})" if p in fr else "")
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{6 if p.emphasis else 4.5}" class="{cls}">'
            f"<title>{escape(tip)}</title></circle>"
        )
        placed.append((x - 5, y - 5, x + 5, y + 5))
        if p.tag:
            labels.append(_place(p.tag, x, y, placed, width - right, top))
    out.extend(label for label in labels if label)
    for n, row in enumerate(legend):  # right-aligned rows above the plot
        lx = width - right - sum(w + 10 for _, _, w in row)
        for g, i, w in row:
            y = 16 + 18 * n
            out.append(
                f'<circle cx="{lx + 5:.1f}" cy="{y - 4}" r="5" class="pt g{i}"/>'
                f'<text x="{lx + 13:.1f}" y="{y}" class="lbl">{escape(g)}</text>'
            )
            lx += w + 10
    out.append("</svg>")
    return Markup("".join(out))


def _place(
    tag: str, x: float, y: float, placed: list[tuple[float, ...]], xmax: float, ymin: float
) -> str:
    """A ``<text>`` for ``tag`` beside ``(x, y)`` where it overlaps nothing placed, or ``""``."""
    w, hgt = 7.0 * len(tag), 13.0
    for dx, dy, anchor in ((8, -7, "start"), (8, 15, "start"), (-8, -7, "end"), (-8, 15, "end")):
        x0 = x + dx if anchor == "start" else x + dx - w
        box = (x0, y + dy - hgt + 2, x0 + w, y + dy + 2)
        if box[2] > xmax or box[0] < 0 or box[1] < ymin:
            continue
        if any(_boxes_overlap(box, b) for b in placed):
            continue
        placed.append(box)
        return (
            f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}" class="tag">'
            f"{escape(tag)}</text>"
        )
    return ""


def responsive(**kw: object) -> Markup:
    """:func:`scatter` drawn wide (720) and narrow (360); CSS shows the one that fits."""
    wide = scatter(**kw, width=720)  # type: ignore[arg-type]
    narrow = scatter(**kw, width=360)  # type: ignore[arg-type]
    return Markup(f'<div class="plot-wrap">{wide}{narrow}</div>')
