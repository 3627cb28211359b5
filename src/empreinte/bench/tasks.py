"""Fixed, versioned evaluation tasks with deterministic splits.

A :class:`Task` names a data set, how it is split into training and evaluation parts, and
the metric its quality gate uses. Splits are stratified and drawn with numpy's PCG64
generator from a fixed seed, so they do not depend on the scikit-learn version; each task's
``version`` changes whenever its data or split changes, and :func:`split_digest` fingerprints
the evaluation set (the tests pin it).

Built-in tasks (all offline): ``breast-cancer`` and ``wine`` (tabular, scikit-learn's bundled
copies of the UCI sets), ``digits`` (8×8 images, scikit-learn's bundled copy) and
``text-topics`` (short English sentences in five topics, shipped in ``bench/data/`` under
CC0-1.0).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import numpy as np

from empreinte.errors import UnknownKeyError

__all__ = [
    "SPLIT_SEED",
    "Split",
    "Task",
    "get_task",
    "list_tasks",
    "load_split",
    "split_digest",
    "stratified_split",
]

Kind = Literal["tabular", "image", "text"]

SPLIT_SEED = 20250601
"""Seed of every built-in split (changing it changes every task's version)."""


@dataclass(frozen=True, slots=True)
class Split:
    """Training and evaluation parts of a task (``X`` arrays, or lists of strings for text)."""

    x_train: Any
    y_train: np.ndarray[Any, Any]
    x_test: Any
    y_test: np.ndarray[Any, Any]
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Task:
    """A benchmark task: data, split, metric and description."""

    name: str
    kind: Kind
    version: str
    description: str
    source: str
    licence: str
    loader: Callable[[], tuple[Any, np.ndarray[Any, Any], tuple[str, ...]]]
    test_fraction: float = 0.3
    metric: str = "macro_f1"


def stratified_split(
    y: np.ndarray[Any, Any], test_fraction: float, seed: int = SPLIT_SEED
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Train and test indices: per class, a seeded permutation, its first share to test."""
    rng = np.random.default_rng(seed)
    train: list[int] = []
    test: list[int] = []
    for cls in sorted(set(y.tolist())):
        idx = np.flatnonzero(y == cls)
        idx = idx[rng.permutation(len(idx))]
        n_test = max(1, round(len(idx) * test_fraction))
        test.extend(idx[:n_test].tolist())
        train.extend(idx[n_test:].tolist())
    # interleave classes deterministically so that a prefix of the test set is mixed
    test_arr = np.array(test)[np.random.default_rng(seed + 1).permutation(len(test))]
    return np.array(sorted(train)), test_arr


def _sklearn(name: str) -> Callable[[], tuple[Any, np.ndarray[Any, Any], tuple[str, ...]]]:
    def load() -> tuple[Any, np.ndarray[Any, Any], tuple[str, ...]]:
        from sklearn import datasets

        bunch = getattr(datasets, f"load_{name}")()
        x = np.asarray(bunch.data, dtype=np.float64)
        return x, np.asarray(bunch.target), tuple(str(t) for t in bunch.target_names)

    return load


def _text_topics() -> tuple[Any, np.ndarray[Any, Any], tuple[str, ...]]:
    text = resources.files("empreinte.bench").joinpath("data/text_topics.tsv").read_text("utf-8")
    rows = [line.split("\t", 1) for line in text.splitlines() if line and not line.startswith("#")]
    labels = tuple(sorted({label for label, _ in rows}))
    y = np.array([labels.index(label) for label, _ in rows])
    return [sentence.strip() for _, sentence in rows], y, labels


_TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task(
            "breast-cancer",
            "tabular",
            "1",
            "Breast cancer Wisconsin (diagnostic): malignant or benign, 30 features, 569 rows",
            "scikit-learn load_breast_cancer (UCI, Wolberg, Street, Mangasarian 1995)",
            "CC-BY-4.0",
            _sklearn("breast_cancer"),
        ),
        Task(
            "wine",
            "tabular",
            "1",
            "Wine recognition: 3 cultivars from 13 chemical features, 178 rows",
            "scikit-learn load_wine (UCI, Forina et al. 1988)",
            "CC-BY-4.0",
            _sklearn("wine"),
        ),
        Task(
            "digits",
            "image",
            "1",
            "Handwritten digits: 8x8 grey images, 10 classes, 1,797 images",
            "scikit-learn load_digits (UCI optical recognition of handwritten digits)",
            "CC-BY-4.0",
            _sklearn("digits"),
        ),
        Task(
            "text-topics",
            "text",
            "1",
            "Short English sentences in 5 topics (cooking, health, sport, technology, weather)",
            "empreinte bench/data/text_topics.tsv (written for empreinte)",
            "CC0-1.0",
            _text_topics,
        ),
    )
}


def list_tasks() -> list[Task]:
    """Built-in tasks, sorted by name."""
    return [_TASKS[k] for k in sorted(_TASKS)]


def get_task(name: str) -> Task:
    try:
        return _TASKS[name]
    except KeyError:
        raise UnknownKeyError("task", name, sorted(_TASKS)) from None


@cache
def load_split(name: str) -> Split:
    """The task's fixed split (cached)."""
    task = get_task(name)
    x, y, labels = task.loader()
    train, test = stratified_split(y, task.test_fraction)
    if isinstance(x, list):
        return Split([x[i] for i in train], y[train], [x[i] for i in test], y[test], labels)
    return Split(x[train], y[train], x[test], y[test], labels)


def split_digest(split: Split) -> str:
    """SHA-256 (first 16 hex digits) of the evaluation inputs and labels, in order."""
    h = hashlib.sha256()
    if isinstance(split.x_test, list):
        h.update("\n".join(split.x_test).encode())
    else:
        h.update(np.ascontiguousarray(split.x_test, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(split.y_test, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]
