"""Model catalog: total and active parameters (billions), architecture, provider, openness.

``data/models.json`` lists AI models by id (the Hugging Face id for open weights, or
``provider/name`` for API models), with aliases (API names such as ``gpt-4o-mini``). For
undisclosed proprietary models the parameter counts are wide ranges whose note says where the
bracket comes from; they are assumptions to carry, not data.
"""

from __future__ import annotations

import difflib
import re
from functools import cached_property
from typing import Any, Literal

from empreinte.errors import DataError, UnknownKeyError
from empreinte.factors._base import Loader, SourcedValue, StrictModel, package_loader

__all__ = [
    "ModelCard",
    "ModelRepository",
    "default_repository",
    "get_model",
    "list_models",
]


class ModelCard(StrictModel):
    """One model of the catalog; ``*_params_b`` are in billions of parameters."""

    id: str
    provider: str
    family: str
    architecture: Literal["dense", "moe", "hybrid", "unknown"]
    open_weights: bool
    aliases: tuple[str, ...] = ()
    total_params_b: SourcedValue
    active_params_b: SourcedValue


def _key(s: str) -> str:
    return re.sub(r"\s+", "-", s.strip().lower())


def _parse(raw: Any) -> dict[str, ModelCard]:
    out: dict[str, ModelCard] = {}
    for r in raw["models"]:
        m = ModelCard.model_validate(r)
        if m.active_params_b.value > m.total_params_b.value:
            raise ValueError(f"{m.id}: more active than total parameters")
        out[m.id] = m
    return out


class ModelRepository:
    """Models from an injectable loader (default: ``data/models.json``)."""

    def __init__(self, loader: Loader | None = None) -> None:
        self._loader = loader or package_loader("models.json")

    @cached_property
    def _models(self) -> dict[str, ModelCard]:
        try:
            return _parse(self._loader())
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"cannot load the model catalog: {exc}") from exc

    @cached_property
    def _index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for m in self._models.values():
            short = m.id.split("/", 1)[-1]
            for label in (m.id, *m.aliases):
                k = _key(label)
                if index.get(k, m.id) != m.id:
                    raise DataError(f"model label {label!r} names two entries")
                index[k] = m.id
            index.setdefault(_key(short), m.id)  # the id without its org, unless taken
        return index

    def get(self, name: str) -> ModelCard:
        """The model with this id, alias, or id without its organisation (case-insensitive)."""
        k = _key(name)
        model_id = self._index.get(k)
        if model_id is None:
            near = difflib.get_close_matches(k, list(self._index), n=3, cutoff=0.6)
            raise UnknownKeyError("model", name, list(dict.fromkeys(self._index[n] for n in near)))
        return self._models[model_id]

    def list(self) -> list[ModelCard]:
        return sorted(self._models.values(), key=lambda m: m.id)


_default: ModelRepository | None = None


def default_repository() -> ModelRepository:
    """The module-level repository over the package file (created on first use)."""
    global _default
    if _default is None:
        _default = ModelRepository()
    return _default


def get_model(name: str) -> ModelCard:
    return default_repository().get(name)


def list_models() -> list[ModelCard]:
    return default_repository().list()
