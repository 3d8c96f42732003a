"""The one place models are found by name.

Each model family registers itself with ``@register("name")``; the CLI, the scikit-learn wrappers,
the reports and the tests iterate over :func:`list_models` instead of naming families by hand.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from .errors import UnknownModelError

if TYPE_CHECKING:
    from .models._base import Autoencoder, ModelConfig

_MODELS: dict[str, type[Autoencoder]] = {}




def register(name: str):
    """Class decorator that files an :class:`Autoencoder` subclass under ``name``."""

    def decorator(cls: type[Autoencoder]) -> type[Autoencoder]:
        if name in _MODELS:
            raise ValueError(f"model name {name!r} is already registered by {_MODELS[name].__qualname__}")
        cls.name = name
        _MODELS[name] = cls
        return cls

    return decorator


def _ensure_models_imported() -> None:
    from . import models  # noqa: F401  (importing the package registers every family)


def list_models() -> list[str]:
    """Names of every registered model family, sorted."""
    _ensure_models_imported()
    return sorted(_MODELS)


def get_model_class(name: str) -> type[Autoencoder]:
    _ensure_models_imported()
    try:
        return _MODELS[name]
    except KeyError:
        known = ", ".join(sorted(_MODELS))
        raise UnknownModelError(f"unknown model {name!r}; registered models are: {known}") from None


def config_class(name: str) -> type[ModelConfig]:
    return get_model_class(name).config_class


def make_config(name: str, **options: Any) -> ModelConfig:
    """Build the config dataclass of model ``name``, naming any option it does not have."""
    cls = config_class(name)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(options) - fields)
    if unknown:
        raise TypeError(
            f"model {name!r} has no option(s) {', '.join(unknown)}; its options are: {', '.join(sorted(fields))}"
        )
    return cls(**options)


def create_model(name: str, **options: Any) -> Autoencoder:
    """Instantiate model ``name`` from keyword options (the fields of its config dataclass)."""
    return get_model_class(name)(make_config(name, **options))
