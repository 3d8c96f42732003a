"""Command-line options generated from the config dataclasses of a model's backbone and objective; remembered in
the CLI cache (see :mod:`._cache`), so that parsing and help do not import the models (torch) each time."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

import click

from ._cache import remembered
from ._imports import misplaced_import

# Options the training command defines itself, for every model.
SHARED_FIELDS = {"input_shape", "code_size", "loss", "columns"}  # columns: set from the table, not by hand


class IntTuple(click.ParamType):
    name, item, example = "INTS", int, "512,256"

    def convert(self, value: Any, param, ctx) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        try:
            return tuple(self.item(part) for part in str(value).replace(" ", "").split(",") if part)
        except ValueError:
            self.fail(f"{value!r} is not a comma-separated list of {'integers' if self.item is int else 'numbers'}, "
                      f"e.g. {self.example}", param, ctx)


class FloatTuple(IntTuple):  # a ``tuple[float, ...]`` option's (a part of the user's may have one)
    name, item, example = "FLOATS", float, "0.5,1.5"


def _click_type(annotation: Any) -> tuple[Any, bool]:
    """(click type, is_flag) for a config field's type annotation."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
    if annotation is bool:
        return bool, True
    if typing.get_origin(annotation) is tuple:
        return (FloatTuple() if typing.get_args(annotation)[:1] == (float,) else IntTuple()), False
    return (annotation if annotation in (int, float, str) else str), False


def model_option_params(preset: str | None, backbone: str | None, objective: str | None) -> list[click.Option]:
    """One click option per option of the model named by a preset and/or a (backbone, objective) pair: the
    shared ones, the backbone's and the objective's, with the preset's defaults shown."""
    from ..models import ModelConfig
    from ..registry import get_backbone, get_objective, model_parts, option_owners, preset_defaults, preset_renames

    backbone, objective = model_parts(preset, backbone, objective)
    defaults = preset_defaults(preset, backbone, objective) if preset else {}  # those make_config applies
    classes = {"model": ModelConfig, "backbone": get_backbone(backbone),
               "objective": get_objective(objective).config_class}
    tags = {"model": preset or "model", "backbone": f"backbone {backbone}", "objective": f"objective {objective}"}
    renames = preset_renames(preset, backbone, objective) if preset else {}  # as make_config applies them
    params = []
    for name, part in option_owners(backbone, objective).items():
        if name in SHARED_FIELDS:
            continue
        field = {f.name: f for f in dataclasses.fields(classes[part])}[name]
        kind, is_flag = _click_type(typing.get_type_hints(classes[part])[name])
        flag = "--" + name.replace("_", "-")
        target = renames.get(name, (name,))[0]
        default = defaults.get(target, field.default)
        note = f" (for {preset}: sets {', '.join(renames[name])})" if name in renames else ""
        params.append(click.Option(
            [f"{flag}/--no-{flag[2:]}" if is_flag else flag, name], type=None if is_flag else kind, default=default,
            show_default=True, help=f"[{tags[part]}] {field.metadata.get('help', '')}{note}",
        ))
    return params


def model_summaries() -> list[str]:
    """One line per backbone, objective and preset (``ae models``), from the cache when it holds them."""

    def compute() -> list[str]:
        from ..models._base import CAPABILITIES
        from ..registry import get_backbone, get_objective, get_preset, list_backbones, list_models, list_objectives

        lines = [f"backbone   {name:<12} {_summary(get_backbone(name))}" for name in list_backbones()]
        for name in list_objectives():
            abilities = [flag for flag in CAPABILITIES if getattr(get_objective(name), flag)]
            lines.append(f"objective  {name:<12} {_summary(get_objective(name))}"
                         + (f" [{', '.join(abilities)}]" if abilities else ""))
        presets = map(get_preset, list_models())
        return [*lines, *(f"preset     {p.name:<12} {p.backbone}+{p.objective}: {p.doc}" for p in presets)]

    return remembered("models", compute)


class NamingOption(click.Option):
    """An option whose help names the registered parts of its ``kind`` (backbone, objective, preset) where it says
    ``{names}``, read as the help is shown: after ``ae --import`` has registered the user's own (the help of an
    option made when ``ae`` starts could name the package's alone)."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind, self.help_template = kind, self.help or ""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        names = [line.split()[1] for line in model_summaries() if line.startswith(self.kind)]
        self.help = self.help_template.format(names=", ".join(names))
        return super().get_help_record(ctx)


def _summary(cls: type) -> str:
    """The first line of a part's docstring; none for a dataclass without one (``dataclass`` writes its signature,
    ``Mine(width: int = 16)``, in its place)."""
    doc = cls.__doc__ or ""
    lines = [] if doc.startswith(f"{cls.__name__}(") else doc.strip().splitlines()
    return lines[0] if lines else ""


def cached_option_params(preset: str | None, backbone: str | None, objective: str | None) -> list[click.Option]:
    """:func:`model_option_params`, rebuilt from the cache when it holds them."""
    specs = remembered(f"options {preset} {backbone} {objective}",
                       lambda: _describe(model_option_params(preset, backbone, objective)))
    if specs is None:
        return model_option_params(preset, backbone, objective)
    return [_rebuild(spec) for spec in specs]


_TYPES = {"INT": click.INT, "FLOAT": click.FLOAT, "TEXT": click.STRING, "INTS": IntTuple(), "FLOATS": FloatTuple()}


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
    tuples = spec["type"] in ("INTS", "FLOATS")
    default = tuple(spec["default"]) if tuples and spec["default"] is not None else spec["default"]
    return click.Option([declaration, *spec["opts"][1:], spec["name"]], type=kind, is_flag=spec["flag"] or None,
                        default=default, show_default=spec["show_default"], help=spec["help"])


def peek(args: list[str], option: str) -> str | None:
    """The value of ``option`` (e.g. ``--model``) in raw arguments, before click parses them."""
    for index, arg in enumerate(args):
        if arg == option and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(f"{option}="):
            return arg.split("=", 1)[1]
    return None


def named_preset(preset: str | None, backbone: str | None, objective: str | None, window: Any = None) -> str | None:
    """The preset of a command's --model, --backbone and --objective: --model, else with --window (``window`` not
    None: windows of a series) sequence, the model made for them, unless a backbone is named (an --objective alone
    swaps its objective), else deep when no part is named."""
    if preset or backbone:
        return preset
    if window is not None:
        return "sequence"
    return None if objective else "deep"


def resumed_model(out: str | None) -> tuple[str | None, str | None, str | None]:
    """(preset, backbone, objective) of the run in ``out`` that ``--resume`` continues, to parse its model's options;
    all None when there is no such run or one of its parts is not registered here (the resume itself says why)."""
    from ..errors import RunFolderError
    from ..registry import UnknownModelError
    from ..training.ownership import stored_settings

    try:
        config = stored_settings(out)["model_config"]
        named = config.get("preset"), config["backbone"]["name"], config["objective"]["name"]
        cached_option_params(*named)
    except (RunFolderError, UnknownModelError, KeyError, TypeError):
        return None, None, None
    return named


def explicit_options(ctx: click.Context, values: dict[str, Any]) -> dict[str, Any]:
    """The model options the user gave (the others come from the preset or the parts' defaults)."""
    return {k: v for k, v in values.items() if ctx.get_parameter_source(k) is not click.core.ParameterSource.DEFAULT}


class ModelCommand(click.Command):
    """A command whose options include those of the model named by ``--model``, ``--backbone`` and
    ``--objective`` (also in ``--help``)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.shared_params = list(self.params)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        from ..registry import UnknownModelError

        if "--import" in args:  # before the model's options are looked up, which it may register
            raise misplaced_import(ctx.info_name)
        preset, backbone, objective = named = peek(args, "--model"), peek(args, "--backbone"), peek(args, "--objective")
        if "--resume" in args and not any(named):  # the model options given again are the run's model's
            preset, backbone, objective = resumed_model(peek(args, "--out"))
        preset = named_preset(preset, backbone, objective, peek(args, "--window"))
        try:
            model_params = cached_option_params(preset, backbone, objective)
        except UnknownModelError as error:
            raise click.BadParameter(str(error), param_hint="--model/--backbone/--objective") from None
        self._refuse_clashes(ctx, model_params)
        self.params = [*self.shared_params, *model_params]
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as error:
            raise _of_another_part(error, preset, backbone, objective) from None

    def _refuse_clashes(self, ctx: click.Context, model_params: list[click.Option]) -> None:
        """Refuse a model option named like one of the command's own (a part of the user's with an ``epochs``
        option): the command's would take its value, and the part's could not be set."""
        own = {name for param in self.shared_params for name in (param.name, *param.opts, *param.secondary_opts)}
        clashing = [param.opts[0] for param in model_params if param.name in own or own & set(param.opts)]
        if clashing:
            raise click.UsageError(f"the model's option(s) {', '.join(clashing)} have the names of options of `ae "
                                   f"{ctx.info_name}` itself, which would take their values: rename them in the "
                                   "backbone or objective that declares them")


def _of_another_part(error: click.NoSuchOption, preset: str | None, backbone: str | None,
                     objective: str | None) -> click.UsageError:
    """``error`` for an option no part of this model has, or, when another backbone or objective has it (--beta
    given to a deep model), an error naming that part and the option that picks it."""
    owners = option_parts().get(error.option_name)
    if not owners:
        return error
    name, *parts = remembered(f"model {preset} {backbone} {objective}",
                              lambda: _named_model(preset, backbone, objective))
    model = f"{name} ({'+'.join(parts)})" if name != "+".join(parts) else name
    picks = " or ".join(f"--{owner}" for owner in owners)  # "objective vae": --objective vae
    return click.UsageError(f"{error.option_name} is an option of {' and '.join(owners)}, not of the model {model}: "
                            f"add {picks}", ctx=error.ctx)


def _named_model(preset: str | None, backbone: str | None, objective: str | None) -> list[str]:
    from ..registry import model_name, model_parts

    return [model_name(preset, backbone, objective), *model_parts(preset, backbone, objective)]


def option_parts() -> dict[str, list[str]]:
    """Each backbone's and objective's option flags (``--beta``, ``--no-remove-level``), with the parts that have
    them ("objective vae"), from the cache when it holds them."""

    def compute() -> dict[str, list[str]]:
        from ..registry import get_backbone, get_objective, list_backbones, list_objectives

        classes = [*((f"backbone {name}", get_backbone(name)) for name in list_backbones()),
                   *((f"objective {name}", get_objective(name).config_class) for name in list_objectives())]
        parts: dict[str, list[str]] = {}
        for owner, cls in classes:
            hints = typing.get_type_hints(cls)
            for field in dataclasses.fields(cls):
                flag = field.name.replace("_", "-")
                for spelling in ([f"--{flag}", f"--no-{flag}"] if _click_type(hints[field.name])[1] else [f"--{flag}"]):
                    parts.setdefault(spelling, []).append(owner)
        return parts

    return remembered("option parts", compute)
