"""Options declared once, as dataclass fields that carry the help the CLI shows and the values they may take, and
checked in one place: the training config and every backbone's and objective's config are made of them."""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from .errors import ConfigError


def option(default: Any, help: str, within: str | None = None, choices: Iterable[str] | None = None,
           none: str | None = None) -> Any:
    """A config field with its help text, checked by :func:`check_options` to lie ``within`` an interval such as
    "[0, 1)" or "(0, inf)", or to be one of ``choices``. None always passes; ``none`` is the word the CLI takes
    for it ("auto", "none") where it means something."""
    return dataclasses.field(default=default,
                             metadata={"help": help, "within": within, "choices": choices, "none": none})


def require(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def require_count(name: str, value: Any, least: int = 1) -> None:
    """Refuse ``value`` unless it is a whole number (not a bool, not 2.5) of at least ``least``."""
    require(isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= least,
            f"{name} must be a whole number >= {least}, got {value!r}")


def check_options(config: Any) -> None:
    """Check every field of a config dataclass against its option; tuples (JSON gives lists; one number alone is a
    tuple of one) of ints are sizes >= 1, of floats (``tuple[float, ...]``) each checked against the option's
    interval."""
    for field in dataclasses.fields(config):
        annotation = _annotation(field.type)
        value, within, choices = (getattr(config, field.name), field.metadata.get("within"),
                                  field.metadata.get("choices"))
        if annotation.startswith("tuple") and isinstance(value, numbers.Real) and not isinstance(value, bool):
            value = (value,)  # one size given alone, as Keras' input_shape=784 or hidden=128 are written
        if isinstance(value, list | tuple) and annotation.startswith("tuple"):
            kind = "float" if annotation.startswith("tuple[float") else "int"
            items = tuple(_number(field.name, v, kind) for v in value)
            setattr(config, field.name, items)
            _require_within(field.name, items, "[1, inf)" if kind == "int" else within, items)
            continue
        if value is None:
            continue
        kind = annotation.split(" | ")[0]
        if kind in ("int", "float"):
            value = _number(field.name, value, kind)
            if kind == "int":  # 3.0 or numpy's int64 stored as 3; a float field keeps what it was given
                setattr(config, field.name, value)
        elif kind == "bool":
            require(isinstance(value, bool | np.bool_), f"{field.name} must be True or False, got {value!r}")
        require(choices is None or value in choices, f"unknown {field.name} {value!r}; choose one of "
                                                     f"{', '.join(choices or ())}")
        _require_within(field.name, (value,), within, getattr(config, field.name))


def _require_within(name: str, values: tuple, within: str | None, shown: Any) -> None:
    """Refuse ``values`` (one option's, ``shown`` as given) unless each lies ``within`` an interval such as "[0, 1)"."""
    if within is None:
        return
    low, high = within[1:-1].split(", ")
    for value in values:
        above = value >= float(low) if within[0] == "[" else value > float(low)  # no field needs "]"
        bound = f"{'>=' if within[0] == '[' else '>'} {low}"
        finite = "" if math.isfinite(value) else "a finite number "  # inf is >= 0: say what it is not
        wanted = f"{finite}{bound}" if high == "inf" else f"in {within}"
        require(above and value < float(high), f"{name} must be {wanted}, got {shown}")


def _annotation(annotation: Any) -> str:
    """A field's type as its source writes it (``int``, ``tuple[int, ...]``, ``float | None``), whether its module
    defers annotations (strings, as this package's do) or not (classes, as a user's part may have them)."""
    return annotation.__name__ if isinstance(annotation, type) else str(annotation)


def _number(name: str, value: Any, kind: str) -> int | float:
    """``value`` as the ``kind`` ("int" or "float") a numeric option holds: a string, a bool or a fraction where a
    whole number is wanted is an error naming the option (a whole float such as 3.0 is taken as 3)."""
    whole = isinstance(value, numbers.Integral) or (isinstance(value, numbers.Real) and float(value).is_integer())
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_) and (kind == "float" or whole)
    require(ok, f"{name} must be {'an integer' if kind == 'int' else 'a number'}, got {value!r}")
    return int(value) if kind == "int" else value
