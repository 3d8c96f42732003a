"""Command-line options generated from a model family's config dataclass."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

import click

from ..registry import config_class

# Options the training command defines itself, for every family.
SHARED_FIELDS = {"input_shape", "code_size", "loss", "columns"}  # columns: set from the table, not by hand


class IntTuple(click.ParamType):
    name = "INTS"

    def convert(self, value: Any, param, ctx) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        try:
            return tuple(int(part) for part in str(value).replace(" ", "").split(",") if part)
        except ValueError:
            self.fail(f"{value!r} is not a comma-separated list of integers, e.g. 512,256", param, ctx)


def _click_type(annotation: Any) -> tuple[Any, bool]:
    """(click type, is_flag) for a config field's type annotation."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
    if annotation is bool:
        return bool, True
    if typing.get_origin(annotation) is tuple:
        return IntTuple(), False
    return (annotation if annotation in (int, float, str) else str), False


def model_option_params(model: str) -> list[click.Option]:
    """One click option per family-specific config field of ``model``."""
    cls = config_class(model)
    hints = typing.get_type_hints(cls)
    params = []
    for field in dataclasses.fields(cls):
        if field.name in SHARED_FIELDS:
            continue
        kind, is_flag = _click_type(hints[field.name])
        flag = "--" + field.name.replace("_", "-")
        declaration = f"{flag}/--no-{flag[2:]}" if is_flag else flag
        default = field.default
        params.append(click.Option(
            [declaration, field.name], type=None if is_flag else kind, default=default, show_default=True,
            help=f"[{model}] {field.metadata.get('help', '')}",
        ))
    return params


def peek_model(args: list[str], default: str) -> str:
    """The value of --model in raw arguments, before click parses them."""
    for index, arg in enumerate(args):
        if arg == "--model" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--model="):
            return arg.split("=", 1)[1]
    return default


class ModelCommand(click.Command):
    """A command whose options include those of the family named by ``--model`` (also in ``--help``)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.shared_params = list(self.params)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        from ..registry import UnknownModelError

        try:
            self.params = [*self.shared_params, *model_option_params(peek_model(args, "deep"))]
        except UnknownModelError as error:
            raise click.BadParameter(str(error), param_hint="--model") from None
        return super().parse_args(ctx, args)
