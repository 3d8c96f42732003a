"""Options declared once, as dataclass fields that carry the help the CLI shows and the values they may take, and
checked in one place: the training config and every backbone's and objective's config are made of them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

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


def check_options(config: Any) -> None:
    """Check every field of a config dataclass against its option; tuples (JSON gives lists) are sizes >= 1."""
    for field in dataclasses.fields(config):
        value, within, choices = (getattr(config, field.name), field.metadata.get("within"),
                                  field.metadata.get("choices"))
        if isinstance(value, list | tuple) and str(field.type).startswith("tuple"):
            setattr(config, field.name, tuple(int(v) for v in value))
            within, value = "[1, inf)", min((int(v) for v in value), default=1)
        if value is None:
            continue
        require(choices is None or value in choices, f"unknown {field.name} {value!r}; choose one of "
                                                     f"{', '.join(choices or ())}")
        if within is not None:
            low, high = within[1:-1].split(", ")
            above = value >= float(low) if within[0] == "[" else value > float(low)  # no field needs "]"
            wanted = f"{'>=' if within[0] == '[' else '>'} {low}" if high == "inf" else f"in {within}"
            require(above and value < float(high), f"{field.name} must be {wanted}, got {getattr(config, field.name)}")
