"""``ae train``'s training options, generated from :class:`~autoencoders.training.TrainConfig`'s fields: their
names, types, choices, defaults and help are written once, in the dataclass."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any

import click

from ..training import TrainConfig

CLI_OWN_FIELDS = {"progress"}  # set by --quiet


class OptionalNumber(click.ParamType):
    """A number, or the word a config field uses for None (``auto``, ``none``)."""

    def __init__(self, kind: type, none: str):
        self.kind, self.none, self.name = kind, none, f"{kind.__name__.upper()}|{none}"

    def convert(self, value: Any, param, ctx) -> Any:
        if value is None or isinstance(value, self.kind):
            return value
        if str(value).lower() in ("auto", "none"):
            return None
        try:
            return self.kind(value)
        except ValueError:
            self.fail(f"{value!r} is neither a number nor {self.none!r}", param, ctx)


def _option(field: dataclasses.Field, annotation: Any) -> Callable:
    flag = "--" + field.name.replace("_", "-")
    meta, default = field.metadata, field.default
    kinds = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    if meta.get("choices"):
        kind: Any = click.Choice(meta["choices"])
    elif meta.get("none"):
        kind = OptionalNumber(kinds[0], meta["none"])
    elif annotation is bool:
        return click.option(f"{flag}/--no-{flag[2:]}", field.name, default=default, show_default=True,
                            help=meta.get("help"))
    else:
        kind = kinds[0]
    return click.option(flag, field.name, type=kind, default=default, help=meta.get("help"),
                        show_default=(meta.get("none") or True) if default is None else True)


def train_config_options(function: Callable) -> Callable:
    """Add one option per :class:`TrainConfig` field (except those the command sets itself)."""
    hints = typing.get_type_hints(TrainConfig)
    for field in reversed(dataclasses.fields(TrainConfig)):
        if field.name not in CLI_OWN_FIELDS:
            function = _option(field, hints[field.name])(function)
    return function


def pop_train_config(options: dict[str, Any], **fixed: Any) -> TrainConfig:
    """The :class:`TrainConfig` of the parsed ``options`` (its fields are taken out of the dict)."""
    names = {field.name for field in dataclasses.fields(TrainConfig)} - CLI_OWN_FIELDS
    return TrainConfig(**{name: options.pop(name) for name in names}, **fixed)
