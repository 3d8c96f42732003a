"""The one place models are found by name: backbones (networks), objectives (code head and loss) and presets.

Backbones register with ``@register_backbone("name")`` on their config dataclass, objectives with
``@register_objective("name")``, presets (named (backbone, objective, defaults) triples, today's family names)
with :func:`register_preset`. The CLI, the scikit-learn wrappers, the reports and the tests iterate over
:func:`list_backbones`, :func:`list_objectives` and :func:`list_models` instead of naming them by hand.

Parts of your own register the same way from your own module and combine with the built-in ones. What each must
provide is checked when it registers (:func:`register_backbone`, :func:`register_objective`), and a model's shapes
when it is built (``Autoencoder``), so a part that breaks the contract is named before any training. A name is
registered once: another class under a taken name is refused; the same class defined again (its module reloaded,
a notebook cell run again) replaces the old one. A saved model records the module of each part of yours, so that
loading it where that module is not imported says what to import (it is never imported for you: a model file
holds no code).
"""

from __future__ import annotations

import dataclasses
import math
import re
import sys
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, UnknownModelError

if TYPE_CHECKING:
    from .models._base import Autoencoder, ModelConfig, Objective, PartConfig

_BACKBONES: dict[str, type[PartConfig]] = {}
_OBJECTIVES: dict[str, type[Objective]] = {}
_PRESETS: dict[str, Preset] = {}


@dataclass(frozen=True)
class Preset:
    """A named pair with option defaults; ``renames`` maps an option of the old family to the fields it sets."""

    name: str
    backbone: str
    objective: str
    doc: str
    defaults: dict[str, Any]
    renames: dict[str, tuple[str, ...]] = field(default_factory=dict)
    module: str = ""  # the module that registered it


NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # no "+" (it joins a pair's names) and no spaces


def _register(table: dict, kind: str, name: str, entry: Any) -> None:
    """File ``entry`` under ``name``: refused when another class holds the name (built-in names included, whichever
    is imported first); the same class defined again (a module reloaded) replaces it."""
    _ensure_models_imported()
    held = table.get(name)
    if held is not None and _origin(held) != _origin(entry):
        raise ConfigError(f"{kind} name {name!r} is already registered by {_origin(held)}; give {_origin(entry)} "
                          f"another name (registered {kind}s: {', '.join(sorted(table))})")
    table[name] = entry


def _origin(entry: Any) -> str:
    """Where a registered class was defined, ``module.QualifiedName`` (a preset: the module registering it)."""
    if isinstance(entry, Preset):
        return f"the register_preset call of {entry.module}"
    return f"{entry.__module__}.{entry.__qualname__}"


def _check_name(kind: str, name: Any) -> None:
    if not isinstance(name, str):
        usage = f"@register_{kind}('mine')" if kind != "preset" else "register_preset('mine', ...)"
        raise ConfigError(f"a {kind} is registered under a name: write {usage}, got {name!r} as its name")
    if not NAME.fullmatch(name):
        raise ConfigError(f"{kind} name {name!r} must be letters, digits, '_', '-' or '.' (no '+' or spaces), "
                          "starting with a letter or digit")


def _check_part_config(cls: Any, owner: str) -> None:
    """Refuse a part's config class that models cannot be built from: a ``PartConfig`` dataclass of its own
    (``@dataclass`` on it) whose every field has a default and none is one of the shared options."""
    from .models._base import ModelConfig, PartConfig

    if not (isinstance(cls, type) and issubclass(cls, PartConfig)):
        raise ConfigError(f"{owner} must be a subclass of autoencoders.models.PartConfig, got {cls!r}")
    if "__dataclass_fields__" not in vars(cls):
        raise ConfigError(f"{owner} {cls.__qualname__} must be a dataclass: put @dataclass on it (its fields are "
                          "the options)")
    shared = {*_fields(ModelConfig), "name"}
    clashing = [name for name in _fields(cls) if name in shared]
    if clashing:
        raise ConfigError(f"{owner} {cls.__qualname__} has field(s) {', '.join(clashing)}, which every model has "
                          f"already (the shared options: {', '.join(sorted(shared))}); rename them")
    required = [f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if required:
        raise ConfigError(f"{owner} {cls.__qualname__}'s field(s) {', '.join(required)} need a default (a model is "
                          "built from the options given, the others at their defaults)")


def _check_combinable(kind: str, name: str, cls: type) -> None:
    """Refuse a part config (``cls``, of a ``kind`` "backbone" or "objective") sharing an option's name with a part
    of the other kind: every backbone goes with every objective, and one flat option name sets one field."""
    others = _OBJECTIVES if kind == "backbone" else _BACKBONES
    other_kind = "objective" if kind == "backbone" else "backbone"
    for other, entry in others.items():
        shared = sorted(set(_fields(cls)) & set(_fields(getattr(entry, "config_class", entry))))
        if shared:
            raise ConfigError(f"the option(s) {', '.join(shared)} of {kind} {name!r} are also the {other} "
                              f"{other_kind}'s: every backbone goes with every objective and an option's name sets "
                              f"one field; rename them (say {kind}_{shared[0]})")


def _check_unshared(table: dict, kind: str, name: str, cls: type) -> None:
    """Refuse a class that another name holds already (a backbone, an objective's config): registering sets its
    ``name``, which would rename the other's models."""
    for other, entry in table.items():
        if other != name and getattr(entry, "config_class", entry) is cls:
            raise ConfigError(f"{cls.__qualname__} is registered already, for the {kind} {other!r}; one class "
                              f"serves one name: register a subclass of it (@dataclass class Mine"
                              f"({cls.__name__}): pass)")


def register_backbone(name: str):
    """Class decorator that files a backbone under ``name``.

    A backbone is a ``@dataclass`` subclass of :class:`autoencoders.models.PartConfig` whose fields (each with a
    default) are its options, with two methods given the model's :class:`~autoencoders.models.ModelConfig`:
    ``build_encoder(config)`` returns ``(module, F)``, the module mapping ``(B, *config.input_shape)`` samples to
    ``(B, F)`` features (the objective puts its code head on them), and ``build_decoder(config)`` returns a module
    mapping ``(B, config.head_size)`` codes to ``(B, *config.input_shape)`` logits (before the output activation).
    It combines with every objective. Checked here, and its shapes when a model is built.
    """
    _check_name("backbone", name)

    def decorator(cls):
        _check_part_config(cls, f"backbone {name!r}")
        missing = [method for method in ("build_encoder", "build_decoder") if not callable(getattr(cls, method, None))]
        if missing:
            raise ConfigError(f"backbone {name!r} ({cls.__qualname__}) has no {' or '.join(missing)}: a backbone "
                              "builds its encoder and its decoder (see autoencoders.register_backbone)")
        _check_unshared(_BACKBONES, "backbone", name, cls)
        _check_combinable("backbone", name, cls)
        cls.name = name
        _register(_BACKBONES, "backbone", name, cls)
        return cls

    return decorator


def register_objective(name: str):
    """Class decorator that files an objective under ``name``.

    An objective is a subclass of :class:`autoencoders.models.Objective` (the code head on the backbone's features
    and the loss) whose ``config_class`` is a ``@dataclass`` subclass of ``PartConfig`` of its own holding its
    options (each with a default), read as ``self.options``. Override ``training_code(model, noisy, x)`` to return
    the code the decoder reconstructs from and a dict of named penalties (scalar tensors) added to the
    reconstruction loss, or ``loss(model, x)`` to return the loss parts yourself: a dict of scalar tensors whose
    ``"loss"`` is minimised. The capability flags (``can_sample`` ...) say what else it provides, each with the
    methods ``autoencoders.models._base.CAPABILITY_NEEDS`` lists. It combines with every backbone.
    """
    _check_name("objective", name)

    def decorator(cls):
        from .models._base import Objective, missing_capabilities

        if not (isinstance(cls, type) and issubclass(cls, Objective)):
            raise ConfigError(f"objective {name!r} must be a subclass of autoencoders.models.Objective, got {cls!r}")
        if "config_class" not in vars(cls):
            raise ConfigError(f"objective {name!r} ({cls.__qualname__}) has no config_class of its own: give it one, "
                              "a @dataclass subclass of autoencoders.models.PartConfig holding its options")
        _check_part_config(cls.config_class, f"objective {name!r}'s config_class")
        missing = missing_capabilities(cls)
        if missing:
            raise ConfigError(f"objective {name!r} ({cls.__qualname__}) sets capability flags it does not provide "
                              f"for: it has no {', '.join(missing)}")
        _check_unshared(_OBJECTIVES, "objective", name, cls.config_class)
        _check_combinable("objective", name, cls.config_class)
        cls.name = cls.config_class.name = name
        _register(_OBJECTIVES, "objective", name, cls)
        return cls

    return decorator


def register_preset(name: str, backbone: str, objective: str, doc: str, defaults: dict[str, Any],
                    renames: dict[str, tuple[str, ...]] | None = None) -> None:
    """File a preset: ``name`` for the (backbone, objective) pair with option ``defaults``, which are checked
    against the options of that pair (registered before it)."""
    _check_name("preset", name)
    module = sys._getframe(1).f_globals.get("__name__", "")  # the caller's: the same module may register it again
    _ensure_models_imported()
    # the package's own presets register while some of its parts are still being imported: checked by its tests
    parts_importing = module.startswith(f"{__package__}.") and not (backbone in _BACKBONES and objective in _OBJECTIVES)
    if not parts_importing:
        unknown = sorted(set(defaults) - set(option_owners(backbone, objective)))  # an unknown part: named here
        if unknown:
            raise ConfigError(f"preset {name!r}: a {backbone}+{objective} model has no option(s) {', '.join(unknown)}")
    _register(_PRESETS, "preset", name, Preset(name, backbone, objective, doc, defaults, renames or {}, module))


def _ensure_models_imported() -> None:
    from . import models  # noqa: F401  (importing the package registers every backbone, objective and preset)


def _lookup(table: dict, kind: str, name: str) -> Any:
    _ensure_models_imported()
    try:
        return table[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(table))
        raise UnknownModelError(f"unknown {kind} {name!r}; registered {kind}s are: {known}",
                                "one of your own is found once the module registering it is imported: `import "
                                "MODULE` in Python, `ae --import MODULE ...` on the command line") from None


def own_part_modules(config: Any) -> dict[str, str]:
    """The module that registered each part (and the preset) of a model's ``config`` that is not this package's
    (``{"backbone": "mymodels"}``; empty for other configs): what a saved model records, so that loading it where
    that module is not imported says which to import."""
    from .models._base import ModelConfig

    if not isinstance(config, ModelConfig):  # another Trainable's (a classifier's, the user's own model's)
        return {}
    return _registrars(config.preset, config.backbone.name, config.objective.name)


def own_modules(preset: str | None, backbone: str | None, objective: str | None) -> list[str]:
    """The modules of the user's that registered the named preset, backbone and objective (each registered one
    not of this package), in that order: what a pickled estimator imports again where it is unpickled."""
    return list(dict.fromkeys(m for m in _registrars(preset, backbone, objective).values() if m != "__main__"))


def _registrars(preset: str | None, backbone: str | None, objective: str | None) -> dict[str, str]:
    """By part, the module that registered each named preset, backbone and objective that is registered and not
    of this package."""
    _ensure_models_imported()
    entries = {"preset": _PRESETS.get(preset or ""), "backbone": _BACKBONES.get(backbone or ""),
               "objective": _OBJECTIVES.get(objective or "")}
    modules = {part: entry.module if isinstance(entry, Preset) else entry.__module__
               for part, entry in entries.items() if entry}
    return {part: module for part, module in modules.items() if module and not module.startswith(f"{__package__}.")}


def import_hint(modules: dict[str, str]) -> str:
    """What to import for the parts registered by ``modules`` (:func:`own_part_modules`), as words for an error."""
    hints = []
    for module in dict.fromkeys(modules.values()):
        parts = [part for part, registrar in modules.items() if registrar == module]
        registered = f"its {' and '.join(parts)} {'were' if len(parts) > 1 else 'was'} registered by"
        if module == "__main__":
            hints.append(f"{registered} the script that saved it: run the code registering it first")
        else:
            hints.append(f"{registered} module {module!r}: `import {module}` first (on the command line, "
                         f"`ae --import {module} ...`)")
    return "; ".join(hints)


def unregistered_message(error: UnknownModelError, modules: dict[str, str]) -> str:
    """What a saved model's part that is not registered here (``error``) means: the module that registered it,
    recorded in ``modules`` (:func:`own_part_modules`), to import, else ``error``'s general hint. One wording for
    loading a model and resuming a run."""
    hint = import_hint(modules)
    return f"{error.message}; {hint}" if hint else str(error)


def list_backbones() -> list[str]:
    _ensure_models_imported()
    return sorted(_BACKBONES)


def list_objectives() -> list[str]:
    _ensure_models_imported()
    return sorted(_OBJECTIVES)


def list_models() -> list[str]:
    """Names of every preset (today's family names), sorted."""
    _ensure_models_imported()
    return sorted(_PRESETS)


def get_backbone(name: str) -> type[PartConfig]:
    return _lookup(_BACKBONES, "backbone", name)


def get_objective(name: str) -> type[Objective]:
    return _lookup(_OBJECTIVES, "objective", name)


def get_preset(name: str) -> Preset:
    """The preset ``name`` (what :func:`list_models` lists); a backbone's or objective's name given as one is named
    as such (``create_model("mlp")``: ``backbone="mlp"``)."""
    _ensure_models_imported()
    for kind, table in (("backbone", _BACKBONES), ("objective", _OBJECTIVES)):
        if name not in _PRESETS and name in table:
            raise UnknownModelError(f"{name!r} is {'an' if kind == 'objective' else 'a'} {kind}, not a model (a "
                                    f"preset): give it as {kind}={name!r} "
                                    f"(ae train --{kind} {name}), with the other part or its default")
    return _lookup(_PRESETS, "model", name)


def part_config(part: str, values: dict[str, Any]) -> PartConfig:
    """The config of the backbone or objective (``part``) named by ``values["name"]``, from its other fields."""
    values = dict(values)
    cls = get_backbone(values.pop("name")) if part == "backbone" else get_objective(values.pop("name")).config_class
    return cls(**_known(cls, values, f"{part} {cls.name!r}"))


def _fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _known(cls: type, options: dict[str, Any], owner: str) -> dict[str, Any]:
    unknown = sorted(set(options) - set(_fields(cls)))
    if unknown:
        raise TypeError(f"{owner} has no option(s) {', '.join(unknown)}; its options are: {', '.join(_fields(cls))}")
    return options


def option_owners(backbone: str, objective: str) -> dict[str, str]:
    """Every option a (backbone, objective) model takes, flat, with the part that holds it: "model" (the shared
    fields), "backbone" or "objective"."""
    from .models._base import ModelConfig

    owners = {name: "model" for name in _fields(ModelConfig) if name not in ("backbone", "objective", "preset")}
    for part, cls in (("backbone", get_backbone(backbone)), ("objective", get_objective(objective).config_class)):
        for name in _fields(cls):
            if name in owners:
                raise TypeError(f"option {name!r} of {part} {cls.name!r} clashes with one of the {owners[name]}")
            owners[name] = part
    return owners


def other_parts_options(names: list[str]) -> str:
    """For options a model lacks, the registered backbones and objectives that have them, as " (beta is an option of
    objective vae)", or "" when none has any: the refusal then names the part to pick."""
    parts = [("backbone", name, get_backbone(name)) for name in list_backbones()] + \
        [("objective", name, get_objective(name).config_class) for name in list_objectives()]
    owned = {option: [f"{kind} {name}" for kind, name, cls in parts if option in _fields(cls)] for option in names}
    said = [f"{option} is an option of {' and '.join(owners)}" for option, owners in owned.items() if owners]
    return f" ({'; '.join(said)})" if said else ""


def make_config(preset: str | None = None, /, *, backbone: str | None = None, objective: str | None = None,
                renames: bool = True, **options: Any) -> ModelConfig:
    """The config of a model named by a preset, by a (backbone, objective) pair, or by a preset with another
    backbone or objective (the swapped part from its own defaults, the preset's others kept: :func:`preset_defaults`;
    named by its pair); ``options`` are flat (each goes to the part that has it) and override the preset's.
    ``renames``: an option the preset's family named otherwise sets the fields it stands for (:func:`preset_renames`);
    False where each option already is the field of its name (a stored run's, scikit-learn's ``backbone__NAME``)."""
    from .models._base import ModelConfig

    backbone_config, objective_config, shared, origins = _configs(preset, backbone, objective, renames, options)
    name = model_name(preset, backbone, objective)
    config = ModelConfig(backbone=backbone_config, objective=objective_config,
                         preset=preset if name == preset else None, **shared)
    _warn_of_ignored(config, origins)
    if "code_size" in options:  # the default width is no choice of the caller's
        _warn_of_open_code(config)
    return config


def _warn_of_open_code(config: ModelConfig) -> None:
    """A warning when a plain model without corruption is given a code wider than its input: nothing keeps it from
    copying the input through (the README's "over-complete codes ... need a regulariser")."""
    width = math.prod(config.input_shape)
    if config.objective.name != "plain" or config.corruption is not None or config.code_size <= width:
        return
    warnings.warn(f"code_size {config.code_size} is wider than the input's {width} values: a plain model without "
                  "corruption can learn to copy its input through such a code; for an over-complete code use the "
                  "sparse or contractive objective or a corruption (a denoising model), else a code_size below "
                  f"{width}", UserWarning, stacklevel=3)


def _warn_of_ignored(config: ModelConfig, origins: dict[str, str]) -> None:
    """A warning naming each option the caller gave that the model never reads (``PartConfig.ignored``), as the
    shared options' (``ModelConfig``); one that sets several fields (contractive's ``activation``, also its code
    activation) only where none of them is read. ``origins``: the option given that set each field."""
    unread = {name: (getattr(part, name), why) for part in (config.backbone, config.objective)
              for name, why in part.ignored(config).items()}
    fields: dict[str, list[str]] = {}
    for name, option in origins.items():
        fields.setdefault(option, []).append(name)
    ignored = [f"{option}={unread[names[0]][0]!r} ({unread[names[0]][1]})" for option, names in fields.items()
               if all(name in unread for name in names)]
    if ignored:
        warnings.warn(f"ignored: {'; '.join(ignored)}", UserWarning, stacklevel=3)


def needs_data_space(preset: str | None = None, /, *, backbone: str | None = None, objective: str | None = None,
                     renames: bool = True, **options: Any) -> bool:
    """Whether the model :func:`make_config` makes of these names and options needs a decoder output in data space
    (loss mse or l1, never bce; ``PartConfig.needs_data_space``): what a loss of ``auto`` then picks; a linear model
    (the ``linear`` preset) too: with squared error it learns PCA's subspace, what a PCA user picks it for, where bce
    would put a sigmoid on its output."""
    parts = _configs(preset, backbone, objective, renames, options)[:2]
    return any(part.needs_data_space() for part in parts) or all(part.is_linear() for part in parts)


def _configs(preset: str | None, backbone: str | None, objective: str | None, renames: bool,
             options: dict[str, Any]) -> tuple[PartConfig, PartConfig, dict[str, Any], dict[str, str]]:
    """The backbone's and the objective's configs and the shared options (:func:`make_config`'s), and for each
    field the caller set, the option given that set it (its own, or a preset's renamed option)."""
    backbone, objective = model_parts(preset, backbone, objective)
    owners = option_owners(backbone, objective)
    origins = {name: name for name in options}
    if preset is not None:
        given, options = options, {**preset_defaults(preset, backbone, objective), **options}
        for old, new in (preset_renames(preset, backbone, objective) if renames else {}).items():
            clash = [name for name in new if name != old and name in given and old in given
                     and given[name] != given[old]]
            if clash:  # one of the two would be dropped without a word
                raise ConfigError(f"for preset {preset!r}, {old} sets {', '.join(new)}: {old}={given[old]!r} and "
                                  f"{clash[0]}={given[clash[0]]!r} disagree; give one of them")
            if old in options:  # a field the user gave wins over the preset's own default for the renamed option
                value = options.pop(old)
                options.update({name: value for name in new if name == old or name not in given})
                if old in given:  # it stands for every field it names (one given too agrees with it)
                    origins.pop(old)
                    origins.update({name: old for name in new})
        if "corruption" in given and given["corruption"] is None and "corruption_level" not in given:
            options.pop("corruption_level", None)  # the preset's noise level goes with the noise turned off
    name = model_name(preset, backbone, objective)
    where = f"preset {preset!r}" if name == preset else f"a {name} model"
    unknown = sorted(set(options) - set(owners))
    if unknown:
        raise TypeError(f"{where} has no option(s) {', '.join(unknown)}{other_parts_options(unknown)}; its options "
                        f"are: {', '.join(sorted(owners))}")
    parts = {part: {k: v for k, v in options.items() if owners[k] == part} for part in ("backbone", "objective")}
    return (part_config("backbone", {"name": backbone, **parts["backbone"]}),
            part_config("objective", {"name": objective, **parts["objective"]}),
            {k: v for k, v in options.items() if owners[k] == "model"}, origins)


def default_code_size(preset: str | None, cap: int, /, *, input_shape: tuple[int, ...], backbone: str | None = None,
                      objective: str | None = None, renames: bool = True, **options: Any) -> int:
    """The code width of a model given none: ``cap`` values, or half a sample's where that is fewer
    (``training.defaults.auto_code_size``), then the smallest width from there (by at most 64 more) that the
    model's parts accept with ``options`` (a vq objective's multiple of ``code_dim``, a sequence backbone's room
    for its level ...), so that a user who gave none is not refused one; the first width when none is accepted
    (the error then comes from building the model, naming what else is wrong)."""
    from .training.defaults import auto_code_size

    wanted = auto_code_size(math.prod(input_shape), cap)
    for size in range(wanted, wanted + 65):
        try:
            with warnings.catch_warnings():  # a probe: the model built with the width found warns of its options
                warnings.simplefilter("ignore")
                make_config(preset, backbone=backbone, objective=objective, renames=renames,
                            input_shape=input_shape, **options, code_size=size)
        except (TypeError, ValueError):  # ConfigError is a ValueError
            continue
        return size
    return wanted


def model_parts(preset: str | None, backbone: str | None = None, objective: str | None = None) -> tuple[str, str]:
    """The (backbone, objective) of a model named by a preset and/or its parts: each part given, else the
    preset's, else mlp and plain."""
    found = get_preset(preset) if preset else None
    return backbone or (found.backbone if found else "mlp"), objective or (found.objective if found else "plain")


def model_name(preset: str | None, backbone: str | None = None, objective: str | None = None) -> str:
    """The name such a model carries: the preset's when its parts are the preset's, else its pair's
    (``model_name("vae", objective="vq")`` is ``"mlp+vq"``)."""
    parts = model_parts(preset, backbone, objective)
    return preset if preset and parts == model_parts(preset) else "+".join(parts)


def _kept_parts(preset: str, backbone: str, objective: str) -> set[str]:
    """The option owners of a (backbone, objective) model whose defaults the preset still sets: the shared
    options ("model") and each part the preset has too."""
    found = get_preset(preset)
    return {"model", *(part for part, name in (("backbone", backbone), ("objective", objective))
                       if getattr(found, part) == name)}


def preset_defaults(preset: str, backbone: str, objective: str) -> dict[str, Any]:
    """The preset's option defaults that still apply when its backbone or objective is swapped for another:
    the shared ones and those of each part it keeps."""
    owners, kept = option_owners(backbone, objective), _kept_parts(preset, backbone, objective)
    return {k: v for k, v in get_preset(preset).defaults.items() if owners.get(k) in kept}


def preset_renames(preset: str, backbone: str, objective: str) -> dict[str, tuple[str, ...]]:
    """The preset's renamed family options that apply to a (backbone, objective) model: one sets the fields it
    stands for (vanilla's ``activation``: its code activation) where the part holding its name is one the preset
    keeps, to those of the fields the model has; else it is its part's own option (``activation`` of a conv
    backbone swapped in is the convolutions')."""
    owners, kept = option_owners(backbone, objective), _kept_parts(preset, backbone, objective)
    applied = {}
    for old, new in get_preset(preset).renames.items():
        targets = tuple(name for name in new if name in owners)
        if owners.get(old) in kept and targets:
            applied[old] = targets
    return applied


def create_model(preset: str | None = None, /, *, seed: int | None = None, renames: bool = True,
                 **options: Any) -> Autoencoder:
    """A model from a preset name (``create_model("deep", input_shape=(784,))``), a pair
    (``create_model(backbone="conv", objective="vae", input_shape=(1, 28, 28), code_size=16)``) or a preset with a
    part swapped (``create_model("denoising", objective="vae", ...)``: the preset's other defaults, named by its pair
    ``mlp+vae``; see :func:`make_config`), with options. ``seed``: draw the initial weights from a generator seeded
    with it, leaving the caller's random state alone (without it they come from torch's global generator, the
    PyTorch convention). ``renames``: see :func:`make_config`."""
    from .models._base import Autoencoder
    from .training.runtime import seeded

    config = make_config(preset, renames=renames, **options)  # options checked before any weight is drawn
    if seed is None:
        return Autoencoder(config)
    with seeded(seed):
        return Autoencoder(config)
