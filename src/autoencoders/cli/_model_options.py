"""Command-line options generated from a model family's config dataclass; remembered in the CLI cache (see
:mod:`._cache`), so that parsing and help do not import the models (torch) each time."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

import click

from ..registry import config_class
from ._cache import remembered

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


def model_summaries() -> list[tuple[str, str]]:
    """(name, first line of its docstring) of every registered family."""

    def compute() -> list[list[str]]:
        from ..registry import get_model_class, list_models

        return [[name, ((get_model_class(name).__doc__ or "").strip().splitlines() or [""])[0]]
                for name in list_models()]

    return [(name, doc) for name, doc in remembered("models", compute)]


def cached_option_params(model: str) -> list[click.Option]:
    """:func:`model_option_params` of ``model``, rebuilt from the cache when it holds them."""
    specs = remembered(f"options {model}", lambda: _describe(model_option_params(model)))
    return model_option_params(model) if specs is None else [_rebuild(spec) for spec in specs]


_TYPES = {"INT": click.INT, "FLOAT": click.FLOAT, "TEXT": click.STRING, "INTS": IntTuple()}


def _describe(params: list[click.Option]) -> list[dict[str, Any]] | None:
    """The options as JSON, or None when one has a type the cache does not know (then nothing is cached)."""
    specs = []
    for param in params:
        choices = list(param.type.choices) if isinstance(param.type, click.Choice) else None
        if not (param.is_flag or choices is not None or param.type.name.upper() in _TYPES):
            return None
        default = list(param.default) if isinstance(param.default, tuple) else param.default
        specs.append({"opts": param.opts, "secondary": param.secondary_opts, "name": param.name,
                      "type": param.type.name.upper(), "choices": choices, "flag": param.is_flag, "default": default,
                      "help": param.help, "show_default": param.show_default})
    return specs


def _rebuild(spec: dict[str, Any]) -> click.Option:
    declaration = "/".join([spec["opts"][0], *spec["secondary"][:1]])
    kind = None if spec["flag"] else click.Choice(spec["choices"]) if spec["choices"] is not None else \
        _TYPES[spec["type"]]
    default = tuple(spec["default"]) if spec["type"] == "INTS" and spec["default"] is not None else spec["default"]
    return click.Option([declaration, *spec["opts"][1:], spec["name"]], type=kind, is_flag=spec["flag"] or None,
                        default=default, show_default=spec["show_default"], help=spec["help"])


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
            self.params = [*self.shared_params, *cached_option_params(peek_model(args, "deep"))]
        except UnknownModelError as error:
            raise click.BadParameter(str(error), param_hint="--model") from None
        return super().parse_args(ctx, args)
