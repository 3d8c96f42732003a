"""``ae train --resume``: the run's stored settings read back in place of the options not given, and those given
again checked against them."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from ..training.config import RESUMABLE_CHANGES, RUNTIME_SETTINGS, TrainConfig
from ._data_options import TABLE_OPTIONS_ON_RESUME, keep_stored_table_options
from ._run_data import missing_data_file, stored_data_path
from ._train_options import CLI_OWN_FIELDS


def resumed_options(context: click.Context, settings: dict[str, Any]) -> dict[str, Any]:
    """The command's options with the run's stored settings in place of those not given on the command line;
    an option given with another value than the stored one is refused by name, but for the training settings a
    resumed run may change (:data:`~autoencoders.training.config.RESUMABLE_CHANGES`, as ``Trainer.fit`` allows)."""
    from ..registry import preset_renames

    model_config = {k: v for k, v in settings["model_config"].items() if k not in ("input_shape", "preset")}
    parts = {part: model_config.pop(part) for part in ("backbone", "objective")}  # {"name": ..., its options}
    _require_registered(settings["model_config"].get("preset"), parts, settings.get("modules") or {})
    extra = settings.get("extra", {})
    train_config, data = settings["train_config"], extra.get("data", {})
    shared = {param.name for param in context.command.shared_params}
    # the data settings are the command's own options (the table options are read apart, not passed): a stored one
    # named like a model option (the series' "channels", the sequence backbone's --channels) is no value of it
    own_options = shared & context.params.keys()
    stored = {"model": settings["model_config"].get("preset"), **{part: parts[part]["name"] for part in parts},
              **model_config, **{k: v for part in parts.values() for k, v in part.items() if k != "name"},
              **{k: train_config[k] for k in _resumed_training() if k in train_config},
              **{_DATA_OPTIONS.get(k, k): v for k, v in data.items() if _DATA_OPTIONS.get(k, k) in own_options},
              **extra.get("outputs", {})}
    # an option the run's preset renamed (vanilla's --activation: its code activation) is the field it stands for
    renamed = preset_renames(stored["model"], stored["backbone"], stored["objective"]) if stored["model"] else {}
    changes = {}  # the training settings a resumed run may change (RESUMABLE_CHANGES), given again
    moved = _moved_data(context, stored)  # the data files no longer where the run stored them: given anew
    for name, value in context.params.items():
        if context.get_parameter_source(name) is not click.core.ParameterSource.COMMANDLINE:
            continue
        flag = "--" + name.replace("_", "-")
        if name not in shared and name not in stored:
            raise click.ClickException(f"{flag} is not an option of the run's {settings['model']!r} model")
        if name in RESUMABLE_OUTPUTS and name in stored and value != stored[name]:  # a flag pair: --report
            said = {True: flag, False: "--no-" + flag[2:]}
            click.echo(f"Note: {said[value]} given: the run was begun with {said[stored[name]]}; this session "
                       "follows the command line", err=True)
        if name in RESUMABLE_CHANGES or name in RESUMABLE_OUTPUTS or name in moved:
            changes[name] = value
        elif name in stored:
            kept = stored[renamed.get(name, (name,))[0]]
            if _plain(stored_data_path(value) if name in DATA_PATHS else value) != _plain(kept):
                raise click.ClickException(f"{flag} {_plain(value)} disagrees with the run's stored {_plain(kept)}; "
                                           "leave it out to resume with the stored setting")
    keep_stored_table_options(data, TABLE_OPTIONS_ON_RESUME, resumed=True)
    return {**{k: v for k, v in context.params.items() if k in shared}, **stored, **changes}


def refuse_exported_graphs(run_dir: Path) -> None:
    """A UsageError naming the ONNX graphs in the run folder (``ae export RUN`` writes them there), before any work:
    each graph holds the weights it was exported from, which resuming changes, and graphs left beside the new model
    would be deployed as the run's. They are the user's to move or delete, not ``ae train``'s; the preprocessing.json
    exported with them stays true (a resumed run keeps its scaler)."""
    graphs = sorted(path.name for pattern in ("*.onnx", "*.onnx.data") for path in run_dir.glob(pattern))
    if graphs:
        raise click.UsageError(f"{run_dir} holds {', '.join(graphs)}, graphs exported from the weights resuming would "
                               "change: they would be left stale beside the new model. Move them out of the run "
                               f"folder (or delete them) first, and export the resumed run again (ae export {run_dir} "
                               "--part all)")


def _moved_data(context: click.Context, stored: dict[str, Any]) -> set[str]:
    """The data options (--data, --test-data) whose stored file is no longer there, which a resumed run takes from
    the command line (a file moved since the run began); one not given is refused by name before any work."""
    moved = {name for name in DATA_PATHS if stored.get(name) and missing_data_file(stored[name])}
    for name in moved:
        if context.get_parameter_source(name) is not click.core.ParameterSource.COMMANDLINE:
            flag = "--" + name.replace("_", "-")
            raise click.ClickException(f"the run's {flag} {stored[name]} is no longer there (moved or deleted?): "
                                       f"give {flag} with its new place to resume")
    return moved


def _require_registered(preset: str | None, parts: dict[str, dict[str, Any]], modules: dict[str, str]) -> None:
    """Refuse to resume a run whose preset, backbone or objective is not registered here, naming the module of the
    user's that registered it (``modules``, as the run recorded them) to import with ``ae --import``."""
    from ..registry import UnknownModelError, get_backbone, get_objective, get_preset, unregistered_message

    try:
        get_backbone(parts["backbone"]["name"]), get_objective(parts["objective"]["name"])
        if preset:
            get_preset(preset)
    except UnknownModelError as error:
        raise click.ClickException(f"cannot resume: {unregistered_message(error, modules)}") from None


def _resumed_training() -> set[str]:
    """The training settings a resumed run takes from its folder when they are not given: all but where and how it
    runs now (the device, the progress bar: --quiet)."""
    return {field.name for field in dataclasses.fields(TrainConfig)} - set(RUNTIME_SETTINGS) - CLI_OWN_FIELDS


_DATA_OPTIONS = {"source": "data", "streamed": "stream"}  # stored data settings -> option names
DATA_PATHS = ("data", "test_data")  # stored as absolute paths (stored_data_path)
RESUMABLE_OUTPUTS = ("report",)  # stored, but a resumed run may change it: what its end writes, not how it trains


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
