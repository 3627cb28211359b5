"""No ``Any`` in the public signatures of the impact engine and the report standard.

Every public function, method, dataclass field and model field of ``empreinte.impacts.*`` and
``empreinte.report.*`` (the exporters aside) is read with ``typing.get_type_hints`` and its
annotations are searched for ``Any``, through unions and the standard containers
(``list``, ``dict``, ``Mapping``, ``Callable``...). Third-party generics (numpy's) are not
entered.
"""

from __future__ import annotations

import collections.abc
import importlib
import inspect
import pkgutil
import types
import typing
from collections.abc import Iterator

import pytest

import empreinte.impacts
import empreinte.report

_CONTAINERS = {
    list,
    dict,
    tuple,
    set,
    frozenset,
    type,
    typing.Union,
    typing.Literal,
    collections.abc.Mapping,
    collections.abc.Sequence,
    collections.abc.Iterable,
    collections.abc.Iterator,
    collections.abc.Callable,
    collections.abc.Collection,
}


def _modules() -> list[str]:
    out = []
    for pkg in (empreinte.impacts, empreinte.report):
        out.append(pkg.__name__)
        for m in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
            if not m.ispkg:
                out.append(m.name)
    return out


def _has_any(t: object, depth: int = 0) -> bool:
    if t is typing.Any:
        return True
    if depth > 20:
        return False
    origin = typing.get_origin(t)
    if isinstance(t, types.UnionType) or origin in _CONTAINERS:
        return any(_has_any(a, depth + 1) for a in typing.get_args(t))
    if typing.is_typeddict(t):
        return any(_has_any(a, depth + 1) for a in typing.get_type_hints(t).values())
    if origin is typing.Annotated or origin is typing.NotRequired:
        return _has_any(typing.get_args(t)[0], depth + 1)
    return False


def _public(module: object) -> Iterator[tuple[str, object]]:
    name = getattr(module, "__name__", "")
    for attr, obj in vars(module).items():
        if attr.startswith("_") or getattr(obj, "__module__", None) != name:
            continue
        if inspect.isfunction(obj):
            yield attr, obj
        elif inspect.isclass(obj):
            yield attr, obj
            for m_name, m in vars(obj).items():
                if m_name.startswith("_") and m_name != "__init__":
                    continue
                f = m.__func__ if isinstance(m, classmethod | staticmethod) else m
                f = f.fget if isinstance(f, property) else f
                if inspect.isfunction(f) and not getattr(f, "__pydantic_decorator__", None):
                    yield f"{attr}.{m_name}", f


def _hints(obj: object) -> dict[str, object]:
    if inspect.isclass(obj) and typing.is_typeddict(obj):
        return dict(typing.get_type_hints(obj))
    if inspect.isclass(obj):
        hints = typing.get_type_hints(obj)
        return {k: v for k, v in hints.items() if not k.startswith("_") and k != "model_config"}
    return dict(typing.get_type_hints(obj))


@pytest.mark.parametrize("module_name", _modules())
def test_public_signatures_have_no_any(module_name: str) -> None:
    module = importlib.import_module(module_name)
    bad = [
        f"{name}: {key}"
        for name, obj in _public(module)
        for key, hint in _hints(obj).items()
        if _has_any(hint)
    ]
    assert not bad, f"Any in public signatures of {module_name}: {bad}"


def test_the_scan_finds_any() -> None:
    def f(x: dict[str, list[typing.Any]]) -> None: ...

    assert _has_any(typing.get_type_hints(f)["x"])
    assert not _has_any(int | None)
