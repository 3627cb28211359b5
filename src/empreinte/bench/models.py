"""The model registry: built-in baselines and :func:`register_model` for your own.

A benchmark model is anything with ``predict(X)`` (and ``fit(X, y)`` when it is trained on
the task's training part): a scikit-learn estimator or pipeline, a wrapped PyTorch network,
or your own class. Register a factory that builds a fresh, untrained instance::

    from empreinte.bench import register_model

    @register_model("tree-depth-5", kinds=("tabular", "image"))
    def tree():
        from sklearn.tree import DecisionTreeClassifier
        return DecisionTreeClassifier(max_depth=5, random_state=0)

``kinds`` lists the task kinds the model accepts (``tabular``, ``image``, ``text``: text
models receive lists of strings). A factory registered with ``trainable=False`` builds a
model that is already trained: the harness then calls only ``predict``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from empreinte.errors import ConfigError, UnknownKeyError

__all__ = [
    "ModelSpec",
    "Predictor",
    "get_model",
    "list_models",
    "register_model",
    "torch_available",
]

KINDS = ("tabular", "image", "text")


class Predictor(Protocol):
    def predict(self, x: Any) -> Any: ...


Factory = Callable[[], Any]
F = TypeVar("F", bound=Factory)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A registered model: its name, factory and the task kinds it accepts."""

    name: str
    factory: Factory
    kinds: tuple[str, ...]
    description: str = ""
    trainable: bool = True
    framework: str = "scikit-learn"
    builtin: bool = False

    def supports(self, kind: str) -> bool:
        return kind in self.kinds


_REGISTRY: dict[str, ModelSpec] = {}


def register_model(
    name: str,
    factory: Factory | None = None,
    *,
    kinds: Sequence[str] = ("tabular", "image"),
    description: str = "",
    trainable: bool = True,
    framework: str = "custom",
    replace: bool = False,
) -> Any:
    """Register ``factory`` under ``name``; without ``factory``, works as a decorator."""
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise ConfigError(f"kinds must be among {KINDS}, got {list(kinds)}")
    if not name or any(c.isspace() for c in name):
        raise ConfigError(f"a model name needs no spaces, got {name!r}")

    def add(f: F) -> F:
        if name in _REGISTRY and not replace:
            raise ConfigError(f"model {name!r} is already registered (pass replace=True)")
        _REGISTRY[name] = ModelSpec(
            name, f, tuple(kinds), description or (f.__doc__ or "").strip(), trainable, framework
        )
        return f

    return add if factory is None else add(factory)


def unregister_model(name: str) -> None:
    """Remove a user model (used by tests)."""
    _REGISTRY.pop(name, None)


def torch_available() -> bool:
    """Whether PyTorch can be imported here (the MLP is listed only then)."""
    return importlib.util.find_spec("torch") is not None


def list_models(kind: str | None = None) -> list[ModelSpec]:
    """Registered models (built-ins first), optionally only those accepting ``kind``."""
    _builtins()
    specs = sorted(_REGISTRY.values(), key=lambda s: (not s.builtin, s.name))
    return [s for s in specs if kind is None or s.supports(kind)]


def get_model(name: str) -> ModelSpec:
    _builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownKeyError("model", name, sorted(_REGISTRY)) from None


# -- built-in baselines ----------------------------------------------------------------------


def _scaled(make: Callable[[], Any]) -> Factory:
    def factory() -> Any:
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), make())

    return factory


def _tfidf(make: Callable[[], Any]) -> Factory:
    def factory() -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline

        return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), make())

    return factory


def _sk(module: str, cls: str, **kw: Any) -> Callable[[], Any]:
    def make() -> Any:
        mod = importlib.import_module(f"sklearn.{module}")
        return getattr(mod, cls)(**kw)

    return make


_BUILTIN: list[tuple[str, Factory, tuple[str, ...], str, str]] = [
    (
        "logreg",
        _scaled(_sk("linear_model", "LogisticRegression", max_iter=2000)),
        ("tabular", "image"),
        "standardise + logistic regression",
        "scikit-learn",
    ),
    (
        "linear-svm",
        _scaled(_sk("svm", "LinearSVC", C=1.0, max_iter=5000)),
        ("tabular", "image"),
        "standardise + linear SVM",
        "scikit-learn",
    ),
    (
        "knn",
        _scaled(_sk("neighbors", "KNeighborsClassifier", n_neighbors=5)),
        ("tabular", "image"),
        "standardise + 5 nearest neighbours",
        "scikit-learn",
    ),
    (
        "naive-bayes",
        _sk("naive_bayes", "GaussianNB"),
        ("tabular", "image"),
        "Gaussian naive Bayes",
        "scikit-learn",
    ),
    (
        "random-forest",
        _sk("ensemble", "RandomForestClassifier", n_estimators=100, random_state=0, n_jobs=1),
        ("tabular", "image"),
        "random forest, 100 trees",
        "scikit-learn",
    ),
    (
        "gradient-boosting",
        _sk("ensemble", "HistGradientBoostingClassifier", max_iter=100, random_state=0),
        ("tabular", "image"),
        "histogram gradient boosting, 100 iterations",
        "scikit-learn",
    ),
    (
        "tfidf-logreg",
        _tfidf(_sk("linear_model", "LogisticRegression", max_iter=2000)),
        ("text",),
        "TF-IDF (1-2 grams) + logistic regression",
        "scikit-learn",
    ),
    (
        "tfidf-linear-svm",
        _tfidf(_sk("svm", "LinearSVC", C=1.0)),
        ("text",),
        "TF-IDF (1-2 grams) + linear SVM",
        "scikit-learn",
    ),
    (
        "tfidf-naive-bayes",
        _tfidf(_sk("naive_bayes", "ComplementNB")),
        ("text",),
        "TF-IDF (1-2 grams) + complement naive Bayes",
        "scikit-learn",
    ),
]


def _mlp() -> Any:
    from empreinte.bench.torch_mlp import TorchMLP

    return TorchMLP()


def _builtins() -> None:
    if any(s.builtin for s in _REGISTRY.values()):
        return
    entries = list(_BUILTIN)
    if torch_available():
        entries.append(
            (
                "torch-mlp",
                _mlp,
                ("tabular", "image"),
                "PyTorch MLP, 1 hidden layer of 64, CPU",
                "pytorch",
            )
        )
    for name, factory, kinds, desc, fw in entries:
        _REGISTRY.setdefault(name, ModelSpec(name, factory, kinds, desc, True, fw, builtin=True))
