"""Tasks: fixed splits pinned by digest; models: registry, plug-ins, optional torch."""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import pytest

from empreinte.bench import get_model, list_models, register_model
from empreinte.bench import models as models_mod
from empreinte.bench.models import unregister_model
from empreinte.bench.tasks import get_task, list_tasks, load_split, split_digest, stratified_split
from empreinte.errors import ConfigError, UnknownKeyError

# Pinned fingerprints of the v1 evaluation sets: a change here means a new task version.
DIGESTS = {
    "breast-cancer": "a5a713236fb75613",
    "digits": "0d1ddaeabb110a0b",
    "text-topics": "9594a3484929daee",
    "wine": "d90aeb6dd352692a",
}


@pytest.mark.parametrize("name", sorted(DIGESTS))
def test_split_is_fixed_stratified_and_disjoint(name: str) -> None:
    s = load_split(name)
    if DIGESTS[name] is not None:
        assert split_digest(s) == DIGESTS[name]
    n_test, n_train = len(s.y_test), len(s.y_train)
    assert abs(n_test / (n_test + n_train) - get_task(name).test_fraction) < 0.02
    for cls in range(len(s.labels)):  # every class in both parts
        assert (s.y_test == cls).any() and (s.y_train == cls).any()


def test_split_indices_do_not_overlap_and_are_reproducible() -> None:
    y = np.repeat(np.arange(3), 20)
    tr1, te1 = stratified_split(y, 0.25)
    tr2, te2 = stratified_split(y, 0.25)
    assert set(tr1.tolist()).isdisjoint(te1.tolist())
    assert sorted([*tr1.tolist(), *te1.tolist()]) == list(range(60))
    assert (te1 == te2).all() and (tr1 == tr2).all()


def test_text_corpus_is_shipped_with_its_licence() -> None:
    s = load_split("text-topics")
    assert s.labels == ("cooking", "health", "sport", "technology", "weather")
    assert len(s.y_train) + len(s.y_test) == 240
    assert all(isinstance(x, str) and x for x in s.x_test)
    lic = resources.files("empreinte.bench").joinpath("data/TEXT_TOPICS_LICENSE").read_text()
    assert "CC0 1.0" in lic
    assert get_task("text-topics").licence == "CC0-1.0"


def test_unknown_task_and_model_name_the_choices() -> None:
    with pytest.raises(UnknownKeyError, match="wine"):
        get_task("wines")
    with pytest.raises(UnknownKeyError, match="logreg"):
        get_model("logreg2")


def test_builtin_models_cover_every_task() -> None:
    for task in list_tasks():
        assert len(list_models(task.kind)) >= 3, task.name


def test_register_model_as_decorator_and_run_it() -> None:
    @register_model("test-majority", kinds=("tabular",), description="majority class")
    def make() -> Any:
        from sklearn.dummy import DummyClassifier

        return DummyClassifier()

    try:
        spec = get_model("test-majority")
        assert spec.kinds == ("tabular",) and not spec.builtin and spec.description
        assert "test-majority" in [m.name for m in list_models("tabular")]
        assert "test-majority" not in [m.name for m in list_models("text")]
        with pytest.raises(ConfigError, match="already registered"):
            register_model("test-majority", make)
        register_model("test-majority", make, replace=True)
    finally:
        unregister_model("test-majority")
    with pytest.raises(ConfigError):
        register_model("bad kind", make, kinds=("audio",))


def test_torch_mlp_is_listed_only_when_torch_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    saved = dict(models_mod._REGISTRY)
    try:
        models_mod._REGISTRY.clear()
        monkeypatch.setattr(models_mod, "torch_available", lambda: False)
        assert "torch-mlp" not in [m.name for m in list_models()]
        models_mod._REGISTRY.clear()
        monkeypatch.setattr(models_mod, "torch_available", lambda: True)
        assert "torch-mlp" in [m.name for m in list_models()]
    finally:
        models_mod._REGISTRY.clear()
        models_mod._REGISTRY.update(saved)


def test_torch_mlp_learns_wine() -> None:
    pytest.importorskip("torch")
    from empreinte.bench.torch_mlp import TorchMLP

    s = load_split("wine")
    m = TorchMLP(epochs=100).fit(s.x_train, s.y_train)
    assert float(np.mean(m.predict(s.x_test) == s.y_test)) > 0.9
    assert m.parameter_count() == 13 * 64 + 64 + 64 * 3 + 3
