"""Leaderboard logic, pure: quality-gated ranking by energy and the quality–energy Pareto front.

methodology.md ("Ratings"): a leaderboard has two views. The *ranking* keeps the entries whose
quality passes a gate and orders them by energy per functional unit (lower first). The *Pareto
front* keeps every entry that no other entry beats on both axes (less or equal energy and
better or equal quality, one of them strictly). Rank only within one cohort (same task,
functional unit, hardware class, precision, boundary, M tier): :func:`cohort_key` builds it.

No I/O and no dependency on the observatory or the benchmark: both import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "LOWER_IS_BETTER",
    "Entry",
    "Ranked",
    "cohort_key",
    "gate_threshold",
    "higher_is_better",
    "pareto_front",
    "rank",
]

LOWER_IS_BETTER = frozenset(
    {"perplexity", "ppl", "wer", "cer", "loss", "mae", "mse", "rmse", "error", "error_rate", "fid"}
)
"""Quality metrics where a smaller value is better (matched on the lower-cased name)."""


def higher_is_better(metric: str | None) -> bool:
    """Whether a larger value of ``metric`` means better quality."""
    if not metric:
        return True
    name = metric.lower()
    return not (name in LOWER_IS_BETTER or name.endswith(("_loss", "_error", "_wer")))


@dataclass(frozen=True, slots=True)
class Entry:
    """One candidate: ``energy`` per functional unit (lower is better) and its ``quality``."""

    id: str
    energy: float
    quality: float | None = None
    label: str = ""
    cohort: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int
    entry: Entry


def cohort_key(
    hardware: str | None, precision: str | None, boundary: str | None, m_tier: str | None
) -> tuple[str, ...]:
    """The cohort within which entries are comparable (task and unit are fixed by the caller)."""
    return (hardware or "?", precision or "?", boundary or "?", m_tier or "?")


def _better_q(a: float, b: float, higher: bool) -> bool:
    """``a`` at least as good as ``b``."""
    return a >= b if higher else a <= b


def gate_threshold(
    entries: Sequence[Entry],
    *,
    min_quality: float | None = None,
    relative_gate: float | None = None,
    higher: bool = True,
) -> float | None:
    """The quality an entry needs: ``min_quality`` if given, else ``relative_gate`` × best.

    With a lower-is-better metric the relative threshold is ``best / relative_gate``.
    ``None`` means no gate (entries still need a quality value to be ranked).
    """
    if min_quality is not None:
        return min_quality
    qs = [e.quality for e in entries if e.quality is not None]
    if relative_gate is None or not qs:
        return None
    if not 0 < relative_gate <= 1:
        raise ValueError(f"relative_gate must be in (0, 1], got {relative_gate}")
    if higher:
        return max(qs) * relative_gate
    return min(qs) / relative_gate


def rank(
    entries: Iterable[Entry],
    *,
    min_quality: float | None = None,
    relative_gate: float | None = None,
    higher: bool = True,
    require_quality: bool = True,
) -> list[Ranked]:
    """Quality-gated ranking by energy (ascending); ties share a rank (competition ranking)."""
    items = list(entries)
    threshold = gate_threshold(
        items, min_quality=min_quality, relative_gate=relative_gate, higher=higher
    )
    kept = []
    for e in items:
        if e.quality is None:
            if require_quality or threshold is not None:
                continue
        elif threshold is not None and not _better_q(e.quality, threshold, higher):
            continue
        kept.append(e)
    sign = -1.0 if higher else 1.0
    kept.sort(key=lambda e: (e.energy, sign * (e.quality or 0.0), e.id))
    out: list[Ranked] = []
    for i, e in enumerate(kept):
        r = out[-1].rank if out and out[-1].entry.energy == e.energy else i + 1
        out.append(Ranked(rank=r, entry=e))
    return out


def pareto_front(entries: Iterable[Entry], *, higher: bool = True) -> list[Entry]:
    """Entries not dominated on (energy ↓, quality ↑), sorted by energy; O(n log n)."""
    pts = [e for e in entries if e.quality is not None]
    sign = 1.0 if higher else -1.0
    # by energy ascending, then quality best first: a point is on the front when its quality
    # is strictly better than every point with less or equal energy seen before it.
    pts.sort(key=lambda e: (e.energy, -sign * (e.quality or 0.0), e.id))
    front: list[Entry] = []
    best: float | None = None
    for e in pts:
        q = sign * (e.quality or 0.0)
        if best is None or q > best:
            front.append(e)
            best = q
    return front
