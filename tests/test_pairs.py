"""Every backbone with every objective through the interfaces that build a model from names and options: a preset
with a part swapped, the scikit-learn estimators' routed options, a resumed run (audit 33b). The per-model
invariants (shapes, losses, save/load, seeds, ONNX) are in test_models and test_export."""

from __future__ import annotations

import dataclasses
import html
import itertools
import math
import re
import warnings

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from sklearn.base import clone

import autoencoders as ae
from autoencoders import registry
from autoencoders.cli import cli
from autoencoders.models.sparse import PENALTY_OPTIONS
from autoencoders.sklearn import AutoencoderImputer, AutoencoderOutlierDetector, AutoencoderTransformer
from conftest import MODEL_NAMES

# Small settings of each backbone, and the sample shape of 64 values it takes.
SMALL = {"mlp": {"hidden": (8,)}, "conv": {"channels": (4,)}, "sequence": {"channels": (4,)}}
SHAPES = {"mlp": (64,), "conv": (1, 8, 8), "sequence": (2, 32)}
SMALL_OPTIONS = {name: {"backbone_options": options} for name, options in SMALL.items() if name != "mlp"} | {
    "mlp": {"hidden": (8,)}}  # as estimator parameters


def parts_of(name: str) -> tuple[str | None, str, str]:
    """The preset (None for a pair) and the parts of a model named as in MODEL_NAMES ("deep", "conv+vae")."""
    preset = None if "+" in name else name
    return preset, *registry.model_parts(preset, *(name.split("+") if "+" in name else ()))


def field_of(backbone: str, objective: str, option: str) -> tuple[str, dataclasses.Field]:
    """The part that holds ``option`` in a (backbone, objective) model, and its field."""
    part = registry.option_owners(backbone, objective)[option]
    cls = registry.get_backbone(backbone) if part == "backbone" else registry.get_objective(objective).config_class
    return part, {field.name: field for field in dataclasses.fields(cls)}[option]


def another_value(field: dataclasses.Field):
    """A value of a field with choices other than its default."""
    return next(choice for choice in field.metadata["choices"] if choice != field.default)


RENAMED = [(preset, option) for preset in ae.list_models() for option in registry.get_preset(preset).renames]
SWAPPED = [(preset, option, backbone, objective) for (preset, option), backbone, objective
           in itertools.product(RENAMED, ae.list_backbones(), ae.list_objectives())
           if registry.model_parts(preset) != (backbone, objective)]


@pytest.mark.parametrize(("preset", "backbone", "objective"), [
    (preset, backbone, objective) for preset in ae.list_models()
    for backbone, objective in itertools.product(ae.list_backbones(), ae.list_objectives())])
def test_every_preset_builds_with_any_part_swapped(preset, backbone, objective):
    # `create_model("contractive", objective="vae")` (`ae train --model contractive --objective vae`) failed with no
    # option given: the preset's own default activation went through its family's rename into a code_activation
    # that the VAE does not have.
    config = registry.make_config(preset, backbone=backbone, objective=objective, input_shape=SHAPES[backbone])
    assert (config.backbone.name, config.objective.name) == (backbone, objective)
    assert ae.Autoencoder(config).name == registry.model_name(preset, backbone, objective)


TARGETS = [(preset, option, target) for preset, option in RENAMED
           for target in registry.get_preset(preset).renames[option] if target != option]


@pytest.mark.parametrize(("preset", "option", "target"), TARGETS)
def test_a_field_a_renamed_option_stands_for_can_be_given_itself(preset, option, target):
    # `create_model("contractive", code_activation="relu")` built a sigmoid code: the preset's own default
    # activation went through the rename into code_activation over the value given.
    backbone, objective = registry.model_parts(preset)
    part, field = field_of(backbone, objective, target)
    value = another_value(field)
    config = registry.make_config(preset, input_shape=(8,), **{target: value})
    assert getattr(getattr(config, part), target) == value
    other = next(choice for choice in field.metadata["choices"] if choice not in (value, field.default))
    with pytest.raises(ae.ConfigError, match=f"{option}={other!r} and {target}={value!r} disagree"):
        registry.make_config(preset, input_shape=(8,), **{target: value, option: other})  # one would be dropped
    assert getattr(getattr(registry.make_config(preset, input_shape=(8,), **{target: value, option: value}), part),
                   target) == value


@pytest.mark.parametrize(("preset", "option", "backbone", "objective"), SWAPPED)
@pytest.mark.filterwarnings("ignore:ignored. activation")  # contractive's on an mlp with no hidden layers: no code's
def test_an_option_the_presets_family_renamed_is_the_swapped_in_parts_own(preset, option, backbone, objective):
    # vanilla's `activation` is its code activation: with a conv backbone swapped in it set the code activation and
    # the convolutions' could not be set at all; with a VAE objective (no code activation) it was refused as an
    # option "code_activation" the user never gave.
    part, field = field_of(backbone, objective, option)
    value = another_value(field)
    config = registry.make_config(preset, backbone=backbone, objective=objective, input_shape=SHAPES[backbone],
                                  **{option: value})
    plain = registry.make_config(preset, backbone=backbone, objective=objective, input_shape=SHAPES[backbone])
    if backbone != registry.get_preset(preset).backbone:  # the name belongs to the new backbone: its field alone
        assert getattr(config.backbone, option) == value
        assert config.objective == plain.objective
    else:  # the family's meaning, where the model still has the fields it stands for
        changed = {f"{part}.{name}" for part in ("backbone", "objective")
                   for name, now in dataclasses.asdict(getattr(config, part)).items()
                   if now != dataclasses.asdict(getattr(plain, part))[name]}
        assert changed, f"{option}={value!r} changed nothing"


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_the_transformers_part_options_are_the_fitted_models_fields(name):
    # backbone_options={"activation": ...} on model="vanilla" set the code activation (the family's meaning) while
    # get_params reported the backbone's: the fitted model was not the one the parameters describe.
    preset, backbone, objective = parts_of(name)
    given = {"backbone": dict(SMALL[backbone]), "objective": {"code_dim": 2} if objective == "vq" else {}}
    for option in (registry.get_preset(preset).renames if preset else ()):
        part, field = field_of(backbone, objective, option)
        given[part][option] = another_value(field)
    estimator = AutoencoderTransformer(model=preset, backbone=backbone, objective=objective, code_size=4, epochs=1,
                                       input_shape=SHAPES[backbone], backbone_options=given["backbone"],
                                       objective_options=given["objective"], random_state=0)
    params = estimator.get_params(deep=True)
    config = estimator.fit(np.random.default_rng(0).random((16, 64))).model_.config
    for part in ("backbone", "objective"):
        fitted = dataclasses.asdict(getattr(config, part))
        assert {key: params[f"{part}__{key}"] for key in fitted} == fitted


# Three runs that each write their pictures (about a second): the presets whose family renamed an option (what broke)
# in the fast subset, every other model with the slow tests.
RESUMED = [name if name in dict(RENAMED) else pytest.param(name, marks=pytest.mark.slow) for name in MODEL_NAMES]


@pytest.mark.parametrize("name", RESUMED)
def test_every_model_resumes_to_the_weights_of_an_uninterrupted_run(name, tmp_path):
    # A vanilla run could not be resumed: its stored fields went through the family's renames again (its mlp
    # activation, relu, became the code activation), so the rebuilt model did not match the checkpoint.
    preset, backbone, objective = parts_of(name)
    data = tmp_path / "x.npy"
    np.save(data, np.random.default_rng(0).random((24, *SHAPES[backbone])).astype(np.float32))
    model = ["--model", preset] if preset else ["--backbone", backbone, "--objective", objective]
    small = [arg for option, sizes in SMALL[backbone].items() for arg in (f"--{option}", ",".join(map(str, sizes)))]
    args = ["train", *model, *small, *(["--code-dim", "2"] if objective == "vq" else []), "--data", str(data),
            "--code-size", "4", "--batch-size", "8", "--quiet", "--no-report"]
    runner = CliRunner()
    for out, epochs in (("whole", 2), ("half", 1)):
        result = runner.invoke(cli, [*args, "--epochs", str(epochs), "--out", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["train", "--out", str(tmp_path / "half"), "--resume", "--epochs", "2", "--quiet",
                                 "--no-report"])
    assert result.exit_code == 0, result.output
    whole, resumed = (ae.load_model(tmp_path / out).state_dict() for out in ("whole", "half"))
    assert all(torch.equal(whole[key], resumed[key]) for key in whole)


def _flags(backbone: str, objective: str) -> list[str]:
    """The parts' options that are switches off by default (remove_level, learn_scale ...)."""
    classes = (registry.get_backbone(backbone), registry.get_objective(objective).config_class)
    return [field.name for cls in classes for field in dataclasses.fields(cls) if field.default is False]


FLAGS = [(b, o, flag) for b, o in itertools.product(ae.list_backbones(), ae.list_objectives()) for flag in _flags(b, o)]


@pytest.mark.parametrize(("backbone", "objective", "flag"), FLAGS)
def test_loss_auto_never_picks_a_loss_the_models_options_refuse(backbone, objective, flag):
    # learn_scale and optimal_scale need a scaled decoder (mse or l1), but loss auto chose bce for data in [0, 1]
    # (the common case: pixels, min-max scaled rows), so `ae train --objective vae --learn-scale` and the
    # transformer with objective__learn_scale=True were refused for a loss the user never chose.
    names = {"backbone": backbone, "objective": objective, flag: True}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            registry.make_config(**names, input_shape=SHAPES[backbone], loss="bce")
        refuses_bce = False
    except (ae.ConfigError, UserWarning):  # refused, or a warning that an option is ignored under bce
        refuses_bce = True
    assert registry.needs_data_space(**names) == refuses_bce
    try:
        registry.make_config(**names, input_shape=SHAPES[backbone], loss="mse")
    except ae.ConfigError:
        return  # refused whatever the loss (a VAE cannot carry a level): its own message says why
    part = registry.option_owners(backbone, objective)[flag]
    options = {"backbone": dict(SMALL[backbone]), "objective": {"code_dim": 2} if objective == "vq" else {}}
    options[part][flag] = True
    estimator = AutoencoderTransformer(model=None, backbone=backbone, objective=objective, code_size=4, epochs=1,
                                       input_shape=SHAPES[backbone], backbone_options=options["backbone"],
                                       objective_options=options["objective"], random_state=0)
    estimator.fit(np.random.default_rng(0).random((16, 64)))  # values in [0, 1]
    assert estimator.model_.config.loss == ("mse" if refuses_bce else "bce")


@pytest.mark.parametrize("flag", ["--learn-scale", "--optimal-scale", "--decoder-scale=0.3"])
def test_ae_train_picks_a_scaled_loss_for_a_vae_with_a_decoder_scale(flag, tmp_path):
    data = tmp_path / "x.npy"
    np.save(data, np.random.default_rng(0).random((24, 64)).astype(np.float32))
    result = CliRunner().invoke(cli, ["train", "--objective", "vae", flag, "--hidden", "8", "--data", str(data),
                                      "--code-size", "2", "--epochs", "1", "--quiet", "--no-report", "--out",
                                      str(tmp_path / "run")])
    assert result.exit_code == 0 and "ignored" not in result.output, result.output
    assert ae.load_model(tmp_path / "run").config.loss == "mse"


SPARSE_OPTIONS = [(penalty, option) for penalty in PENALTY_OPTIONS for option in
                  sorted({name for names in PENALTY_OPTIONS.values() for name in names})]


@pytest.mark.parametrize(("penalty", "option"), SPARSE_OPTIONS)
def test_a_sparse_option_its_penalty_ignores_is_named_in_a_warning(penalty, option):
    # `ae train --model sparse --k 4` (penalty l1) trained an L1 code and never said that k did nothing.
    field = {f.name: f for f in dataclasses.fields(registry.get_objective("sparse").config_class)}[option]
    value = field.default / 2 if isinstance(field.default, float) else max(1, field.default // 4)
    make = lambda: registry.make_config("sparse", input_shape=(8,), code_size=32, penalty=penalty, **{option: value})  # noqa: E731
    if option in PENALTY_OPTIONS[penalty]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert getattr(make().objective, option) == value
    else:
        with pytest.warns(UserWarning, match=rf"penalty '{penalty}' ignores {option}={value!r} \(used by penalty"):
            make()



def test_the_default_code_widths_probe_leaves_the_options_warning_to_the_model():
    # the search for a code width the parts accept built configs of its own, and each warned again
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        AutoencoderTransformer(model=None, backbone="mlp", objective="sparse", objective_options={"k": 3},
                               epochs=1, random_state=0).fit(np.random.default_rng(0).random((30, 6)))
    assert [str(w.message) for w in caught].count("penalty 'l1' ignores k=3 (used by penalty topk)") == 1

@pytest.mark.parametrize("estimator", [AutoencoderOutlierDetector(steps=2, random_state=0),
                                       AutoencoderImputer(epochs=1, random_state=0)], ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("backbone", ae.list_backbones())
def test_estimators_that_size_their_network_take_every_backbone_that_takes_rows(estimator, backbone):
    # The detector and the imputer size hidden layers from the data and passed them to any backbone: one without
    # `hidden` (sequence, conv) was refused as "has no option(s) hidden", an option the user never gave.
    X = np.random.default_rng(0).random((24, 6))
    X[0, 1] = np.nan  # a gap for the imputer (the detector takes it as a missing cell too)
    estimator = clone(estimator).set_params(backbone=backbone, **SMALL_OPTIONS[backbone])
    try:
        registry.make_config(backbone=backbone, input_shape=(6,))
    except ae.ConfigError as refusal:  # a backbone for other samples (conv: images) says so itself
        with pytest.raises(ae.ConfigError, match=re.escape(str(refusal).split(", got")[0])):
            estimator.fit(X)
    else:
        estimator.fit(X)
        assert estimator.get_params()["backbone"] == backbone


@pytest.mark.parametrize(("preset", "option"), RENAMED)
def test_resuming_takes_a_renamed_option_in_its_presets_meaning(preset, option, tmp_path):
    # `ae train --out RUN --resume --activation sigmoid` on a vanilla run (sigmoid code) was refused as disagreeing
    # with the stored relu: the flag was compared with the mlp's field, not with the code activation it sets.
    backbone, objective = registry.model_parts(preset)
    run, data = tmp_path / "run", tmp_path / "x.npy"
    np.save(data, np.random.default_rng(0).random((24, *SHAPES[backbone])).astype(np.float32))
    common = ["--quiet", "--no-report", "--out", str(run)]
    assert CliRunner().invoke(cli, ["train", "--model", preset, "--data", str(data), "--code-size", "2",
                                    "--epochs", "1", *common]).exit_code == 0
    config = ae.load_model(run).config
    part, field = field_of(backbone, objective, registry.preset_renames(preset, backbone, objective)[option][0])
    stored = getattr(getattr(config, part), field.name)
    flag = f"--{option.replace('_', '-')}"
    resumed = CliRunner().invoke(cli, ["train", "--resume", "--epochs", "2", flag, stored, *common])
    assert resumed.exit_code == 0, resumed.output
    other = next(choice for choice in field.metadata["choices"] if choice != stored)
    refused = CliRunner().invoke(cli, ["train", "--resume", "--epochs", "3", flag, other, *common])
    assert refused.exit_code != 0 and f"disagrees with the run's stored {stored}" in refused.output


@pytest.mark.parametrize("preset", ae.list_models())
def test_turning_a_presets_corruption_off_drops_its_level_without_a_warning(preset):
    # create_model("denoising", corruption=None) warned that corruption_level=0.3 was ignored: the preset's level,
    # which the user had turned off with its noise.
    backbone, _ = registry.model_parts(preset)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = registry.make_config(preset, input_shape=SHAPES[backbone], corruption=None)
    assert config.corruption is None and config.corruption_level == ae.ModelConfig.corruption_level


LAYOUT = [{"kind": "numeric", "value": 0, "missing": None}, {"kind": "categorical", "start": 1, "stop": 3}]


@pytest.mark.parametrize(("options", "named"), [
    ({"corruption": None, "corruption_level": 0.3}, "corruption_level=0.3 (no corruption is set)"),
    ({"loss": "mixed", "columns": LAYOUT, "output_activation": "sigmoid"},
     "output_activation='sigmoid' (loss 'mixed' decodes"),
])
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_a_shared_option_the_model_ignores_is_named_in_a_warning(name, options, named):
    # `ae train --corruption-level 0.3` without --corruption trained without noise, and an output activation given
    # to a table's model (loss mixed) was not applied, both without a word.
    preset, backbone, objective = parts_of(name)
    shape = (3,) if options.get("loss") == "mixed" and backbone == "mlp" else SHAPES[backbone]
    if math.prod(shape) != 3 and "columns" in options:
        options = {**options, "columns": [*LAYOUT, *({"kind": "numeric", "value": i, "missing": None}
                                                     for i in range(3, math.prod(shape)))]}
    with pytest.warns(UserWarning, match=re.escape(f"ignored: {named}")):
        registry.make_config(preset, **({} if preset else {"backbone": backbone, "objective": objective}),
                             input_shape=shape, **options)


class _Built(Exception):
    """Raised in place of building a model: carries the loss and options an entry point resolved."""

    def __init__(self, options):
        super().__init__()
        self.loss, self.mixed = options["loss"], "columns" in options


def _unit(rng):
    return rng.random((24, 64))


def _real(rng):
    return rng.normal(size=(24, 64)) * 3


def _mixed(rng):
    import pandas as pd

    return pd.DataFrame({"x": rng.normal(size=24), "grade": rng.choice(["a", "b"], 24)})


@pytest.mark.parametrize("kind", [_unit, _real, _mixed], ids=lambda kind: kind.__name__.strip("_"))
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_ae_train_and_the_estimators_resolve_the_same_loss(name, kind, tmp_path, monkeypatch):
    # one resolution (training.defaults.model_loss) behind both entry points: data-space models, bce / mse, mixed
    def stop(*args, **options):
        raise _Built(options)

    monkeypatch.setattr(registry, "create_model", stop)  # ae train imports it when it trains
    monkeypatch.setattr("autoencoders.sklearn._base.create_model", stop)
    X = kind(np.random.default_rng(0))
    preset, backbone, objective = parts_of(name)
    if hasattr(X, "columns"):
        data, flags = tmp_path / "x.csv", ["--categorical", "grade"]
        X.to_csv(data, index=False)
    else:
        data, flags = tmp_path / "x.npy", ["--scale", "none"]  # the estimators do not scale an array
        np.save(data, X.astype(np.float32))
    names = ["--backbone", backbone, "--objective", objective] if preset is None else ["--model", preset]
    result = CliRunner().invoke(cli, ["train", *names, *flags, "--data", str(data), "--test-fraction", "0", "--quiet",
                                      "--out", str(tmp_path / "run")])
    assert isinstance(result.exception, _Built), result.output
    with pytest.raises(_Built) as built:
        AutoencoderTransformer(model=preset, backbone=backbone, objective=objective).fit(X)
    assert (built.value.loss, built.value.mixed) == (result.exception.loss, result.exception.mixed)
    assert built.value.mixed == hasattr(X, "columns")


def _other(field: dataclasses.Field, value):
    """A value of an option other than ``value``: another of its choices, else a larger number."""
    choices = field.metadata.get("choices")
    return next(choice for choice in choices if choice != value) if choices else value + 2


IGNORING = [(backbone, objective, hidden) for backbone, objective in itertools.product(ae.list_backbones(),
                                                                                       ae.list_objectives())
            for hidden in ([(), (8,)] if backbone == "mlp" else [None])]


@pytest.mark.parametrize(("backbone", "objective", "hidden"), IGNORING)
def test_an_option_a_part_ignores_is_named_in_a_warning_and_changes_nothing(backbone, objective, hidden):
    # the contractive objective's projections under its exact penalty, and an mlp's activation without hidden
    # layers, were taken and did nothing without a word; each part names what it ignores (PartConfig.ignored),
    # and changing such an option must leave the model's training loss exactly as it was
    options = {**SMALL[backbone], **({} if hidden is None else {"hidden": hidden}),
               **({"code_dim": 2} if objective == "vq" else {})}
    names = {"backbone": backbone, "objective": objective, "input_shape": SHAPES[backbone], "code_size": 4}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = registry.make_config(**names, **options)
    x = torch.rand(6, *SHAPES[backbone])
    for part in (config.backbone, config.objective):
        for name in part.ignored(config):
            field = {f.name: f for f in dataclasses.fields(part)}[name]
            changed = {**options, name: _other(field, getattr(part, name))}
            with pytest.warns(UserWarning, match=re.escape(f"ignored: {name}={changed[name]!r} (")):
                model = registry.create_model(**names, **changed, seed=0)
            torch.manual_seed(1)
            loss = model.loss(x)["loss"]
            torch.manual_seed(1)
            torch.testing.assert_close(loss, registry.create_model(**names, **options, seed=0).loss(x)["loss"])


def test_what_the_presets_set_themselves_is_not_warned_of_as_ignored():
    # linear's identity activation and contractive's sigmoid one are for hidden layers a user adds; without any,
    # the preset's own value is no choice of the user's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for preset in ("linear", "contractive"):
            config = registry.make_config(preset, input_shape=(8,))
            assert config.backbone.ignored(config) == {"activation": "it acts between hidden layers, and this mlp "
                                                                     "has none"}
        registry.make_config("contractive", input_shape=(8,), activation="tanh")  # its code activation too: used


def test_the_shared_options_warning_is_shown_by_the_cli_as_its_own_line():
    # its stacklevel pointed at the dataclass's generated __init__ ("<string>"), so `ae train --corruption-level 0.3`
    # printed "<string>:13: UserWarning: ignored: ..." instead of the library's "Warning: ignored: ..."
    from autoencoders.cli._group import _plain_warning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry.make_config("deep", input_shape=(8,), corruption_level=0.3)
    (warning,) = caught
    shown = _plain_warning(warning.message, warning.category, warning.filename, warning.lineno)
    assert shown == "Warning: ignored: corruption_level=0.3 (no corruption is set)\n"


PAIRS = list(itertools.product(ae.list_backbones(), ae.list_objectives()))


def _saved_model(backbone: str, objective: str, folder, **options) -> str:
    """A small untrained model of the pair saved to ``folder``/model.safetensors (a RUN for the use commands)."""
    small = {**SMALL[backbone], **({"code_dim": 2} if objective == "vq" else {})}
    model = ae.create_model(backbone=backbone, objective=objective, input_shape=SHAPES[backbone], code_size=4, seed=0,
                            **small, **options)
    return str(ae.save_model(model, folder / "model.safetensors"))


@pytest.mark.parametrize(("backbone", "objective"), PAIRS)
def test_ae_evaluate_importance_samples_is_refused_naming_the_objective_without_a_likelihood(backbone, objective,
                                                                                             tmp_path):
    # `ae evaluate RUN --importance-samples 50` on a plain, sparse, contractive or vq run printed the reconstruction
    # metrics alone: the option asked for a likelihood the model has not, and was dropped without a word.
    np.save(tmp_path / "x.npy", np.random.default_rng(0).random((12, *SHAPES[backbone])).astype(np.float32))
    run = _saved_model(backbone, objective, tmp_path)
    result = CliRunner().invoke(cli, ["evaluate", run, "--data", str(tmp_path / "x.npy"), "--importance-samples", "2"])
    if registry.get_objective(objective).has_likelihood and registry.get_objective(objective).can_sample:
        assert result.exit_code == 0 and '"importance_samples": 2' in result.output, result.output
    else:
        assert result.exit_code == 2, result.output
        assert f"its objective {objective!r} has no likelihood p(x|z) and prior" in result.output


def _flags_of(options: dict) -> list[str]:
    """``ae train`` flags for part options such as SMALL's."""
    return [item for name, value in options.items() for item in
            (f"--{name.replace('_', '-')}", ",".join(map(str, value)) if isinstance(value, tuple) else str(value))]


VARIATIONAL = [name for name in ae.list_objectives()
               if registry.get_objective(name).has_likelihood and registry.get_objective(name).can_sample]


@pytest.mark.parametrize(("backbone", "objective"), list(itertools.product(ae.list_backbones(), VARIATIONAL)))
def test_ae_evaluate_says_why_a_vaes_likelihood_is_left_out(backbone, objective, tmp_path):
    # a sequence+vae run (loss bce, chosen for training steps in [0, 1]) evaluated on its own series, whose last
    # steps lie beyond the training range, printed no nll_nats, elbo_nats or loss, and said nothing of why
    X = np.random.default_rng(0).random((24, *SHAPES[backbone])).astype(np.float32) * 5
    np.save(tmp_path / "train.npy", X[:12])
    np.save(tmp_path / "x.npy", np.concatenate([X[:9], X[:3] + 10]))  # three samples beyond the training range
    run = tmp_path / "run"
    names = ["--backbone", backbone, "--objective", objective, *_flags_of(SMALL[backbone])]
    assert CliRunner().invoke(cli, ["train", *names, "--data", str(tmp_path / "train.npy"), "--scale", "minmax",
                                    "--loss", "bce", "--test-fraction", "0", "--code-size", "4", "--epochs", "1",
                                    "--quiet", "--no-report", "--out", str(run)]).exit_code == 0
    with pytest.warns(UserWarning, match=re.escape("the likelihood (nll_nats, elbo_nats) is not measured: 3 of the 12 "
                                                   "samples hold values outside [0, 1]")):
        result = CliRunner().invoke(cli, ["evaluate", str(run), "--data", str(tmp_path / "x.npy")])
    assert result.exit_code == 0 and "nll_nats" not in result.output, result.output


def test_ae_evaluate_the_report_and_generate_noise_say_a_table_vae_has_no_likelihood(tmp_path):
    # a VAE trained on a table (loss mixed, no density) gave `ae evaluate` no nll_nats and its report no
    # likelihood section without a word; --importance-samples was dropped too
    import pandas as pd

    rng = np.random.default_rng(0)
    pd.DataFrame({"x": rng.normal(size=30), "grade": rng.choice(["a", "b"], 30)}).to_csv(tmp_path / "t.csv",
                                                                                          index=False)
    run = tmp_path / "run"
    assert CliRunner().invoke(cli, ["train", "--model", "vae", "--hidden", "8", "--data", str(tmp_path / "t.csv"),
                                    "--epochs", "1", "--quiet", "--no-report", "--out", str(run)]).exit_code == 0
    said = "a 'vae' model has no likelihood to measure: its loss 'mixed' is no density"
    with pytest.warns(UserWarning, match=re.escape(f"is not measured: {said}")):
        assert CliRunner().invoke(cli, ["evaluate", str(run)]).exit_code == 0
    refused = CliRunner().invoke(cli, ["evaluate", str(run), "--importance-samples", "5"])
    assert refused.exit_code == 2 and said in refused.output, refused.output
    assert CliRunner().invoke(cli, ["report", str(run), "--quiet"]).exit_code == 0
    assert html.escape(f"Not measured: {said}") in (run / "report.html").read_text()
    # --noise drew nothing either, after fitting the mixture of --fit-density: refused before any work
    for density in ([], ["--fit-density", "--components", "1"]):
        refused = CliRunner().invoke(cli, ["generate", str(run), *density, "--noise", "--out", str(tmp_path / "n.csv")])
        assert refused.exit_code == 2 and "its loss 'mixed' is no density" in refused.output, refused.output


def _run_data(backbone: str, folder) -> tuple[list[str], np.ndarray]:
    """``ae train`` data options for data of the backbone's kind, and its samples as the run cuts them: images, rows,
    or a NAB-style series (timestamp,value) cut into windows of 16 steps."""
    from autoencoders.data.windows import sliding_windows

    if backbone != "sequence":
        X = np.random.default_rng(0).random((30, *SHAPES[backbone])).astype(np.float32)
        np.save(folder / "x.npy", X)
        return ["--data", str(folder / "x.npy")], X
    steps = 100 + 10 * np.sin(np.arange(120) / 4.0)  # (T,): every level seen in the training steps
    times = [f"2014-07-01 {i // 60:02d}:{i % 60:02d}:00" for i in range(120)]
    (folder / "s.csv").write_text("timestamp,value\n" + "".join(f"{t},{v:.4f}\n" for t, v in zip(times, steps,
                                                                                                   strict=True)))
    values = np.loadtxt(folder / "s.csv", delimiter=",", skiprows=1, usecols=1)[:, None]  # (T, 1) as written
    # no test stretch: the windows evaluated are those trained on, inside the range their scaling was fitted to
    return ["--data", str(folder / "s.csv"), "--window", "16", "--test-fraction", "0"], sliding_windows(values, 16, 1)


def _model_units(run, X: np.ndarray) -> np.ndarray:
    """``X`` scaled as the run's preprocessing.json says the exported graphs take it."""
    import json

    scaler = json.loads((run / "preprocessing.json").read_text())["scaler"]
    shape = scaler["shape"]
    return ((X - np.reshape(scaler["offset"], shape)) / np.reshape(scaler["scale"], shape)).astype(np.float32)


@pytest.mark.parametrize(("backbone", "objective"), [
    pytest.param(b, o, marks=[pytest.mark.slow] if b != "mlp" else []) for b, o in PAIRS])
def test_every_pair_goes_through_every_command_as_its_capabilities_say(backbone, objective, tmp_path):
    """Audit 52: a run of each pair on data of its backbone's kind through ae evaluate, encode, reconstruct, export
    (its encoder graph against `ae encode`), generate, interpolate, compress, decompress and report, each doing
    what the objective's capability tags (ae models) say it can and refusing by name what it cannot."""
    onnxruntime = pytest.importorskip("onnxruntime")
    from autoencoders.metrics import has_density

    data, X = _run_data(backbone, tmp_path)
    run, out = tmp_path / "run", tmp_path

    def invoke(*args, code=0):
        result = CliRunner().invoke(cli, [str(arg) for arg in args])
        assert result.exit_code == code, f"ae {args[0]}: {result.output}"
        return result.output

    invoke("train", "--backbone", backbone, "--objective", objective, *data, *_flags_of(SMALL[backbone]),
           *(["--code-dim", "2"] if objective == "vq" else []), "--code-size", "4", "--epochs", "1", "--quiet",
           "--no-report", "--out", run)
    model = ae.load_model(run)
    tags = {tag: getattr(model.objective, tag) for tag in ("can_sample", "has_likelihood", "discrete_codes",
                                                           "sparse_codes")}
    assert ("nll_nats" in invoke("evaluate", run, "--importance-samples", "2", code=0 if has_density(model) else 2)) \
        == has_density(model)
    invoke("encode", run, "--out", out / "codes.npy")
    assert np.load(out / "codes.npy").shape == (len(X), 4)
    invoke("reconstruct", run, "--out", out / "rec.npy")
    assert np.load(out / "rec.npy").shape == ((120, 1) if backbone == "sequence" else X.shape)
    invoke("export", run, "--part", "all")
    session = onnxruntime.InferenceSession(str(run / "encoder.onnx"))
    graph_codes = session.run(None, {session.get_inputs()[0].name: _model_units(run, X)})[0]
    np.testing.assert_allclose(graph_codes, np.load(out / "codes.npy"), atol=1e-5)
    density = [] if tags["can_sample"] else ["--fit-density", "--components", "1"]
    invoke("generate", run, "-n", "3", *density, "--out", out / "new.npy")
    assert np.load(out / "new.npy").shape == (3, *model.input_shape)
    bernoulli_steps = "--window" in data and model.config.loss == "bce"  # draws of a channel's min or max: refused
    invoke("generate", run, "-n", "3", *density, "--noise", "--out", out / "noisy.npy",
           code=0 if tags["has_likelihood"] and not bernoulli_steps else 2)
    invoke("interpolate", run, "--start", "0", "--end", "1", "--steps", "3", "--out", out / "path.npy")
    assert np.load(out / "path.npy").shape == (3, *model.input_shape)
    invoke("compress", run, "--step", "0.25", "--out", out / "c.bin", code=2 if tags["discrete_codes"] else 0)
    invoke("compress", run, "--out", out / "c.bin", "--overwrite")
    invoke("decompress", run, out / "c.bin", "--out", out / "back.npy")
    assert np.load(out / "back.npy").shape == (len(X), *model.input_shape)
    invoke("report", run, "--quiet")
    page = (run / "report.html").read_text()
    sections = {"Generated samples": tags["can_sample"], "Likelihood": has_density(model),
                "Code activations": tags["sparse_codes"], "Codebook": tags["discrete_codes"]}
    assert {title: f">{title}</h2>" in page for title in sections} == sections


@pytest.mark.parametrize("objective", ae.list_objectives())
def test_a_windows_run_refused_for_an_objectives_option_is_not_told_about_window_shapes(objective, tmp_path):
    # `ae train --window 32 --objective vae --remove-level` was refused for the VAE's prior, then told that windows
    # are (channels, length), "which the sequence backbone is made for": the backbone it had, named as the fix
    data, _ = _run_data("sequence", tmp_path)
    result = CliRunner().invoke(cli, ["train", "--objective", objective, "--remove-level", *data, "--channels", "4",
                                      *(["--code-dim", "2"] if objective == "vq" else []), "--code-size", "4",
                                      "--epochs", "1", "--quiet", "--no-report", "--out", str(tmp_path / "run")])
    try:
        registry.make_config(backbone="sequence", objective=objective, input_shape=(1, 16), remove_level=True)
    except ae.ConfigError as refusal:
        assert result.exit_code == 1 and result.output.strip() == f"Error: {refusal}", result.output
    else:
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("backbone", "objective"), PAIRS)
def test_too_few_distinct_codes_for_the_mixture_are_explained_by_the_models_own_objective(backbone, objective):
    # `ae generate` on a sequence+sparse run whose code units had all died said "(a vq model's codes are its
    # codebook entries in use)" of a model with no codebook
    from autoencoders.applications import fit_code_density

    model = ae.create_model(backbone=backbone, objective=objective, input_shape=SHAPES[backbone], code_size=4,
                            seed=0, **SMALL[backbone], **({"code_dim": 2} if objective == "vq" else {}))
    X = np.zeros((6, *SHAPES[backbone]), np.float32)  # one sample six times: one distinct code
    with pytest.raises(ae.ConfigError, match="take 1 distinct values") as refusal:
        fit_code_density(model, X, 2)
    assert ("codebook" in str(refusal.value)) == model.objective.discrete_codes
    assert ("sparse model" in str(refusal.value)) == model.objective.sparse_codes


def _options_of_other_parts(backbone: str, objective: str) -> dict[str, list[str]]:
    """Each option of a registered backbone or objective that the (backbone, objective) model lacks, with the parts
    that have it ("objective vae")."""
    owners = registry.option_owners(backbone, objective)
    parts = [("backbone", name, registry.get_backbone(name)) for name in ae.list_backbones()] + \
        [("objective", name, registry.get_objective(name).config_class) for name in ae.list_objectives()]
    lacked = {}
    for kind, name, cls in parts:
        for field in dataclasses.fields(cls):
            if field.name not in owners:
                lacked.setdefault(field.name, []).append(f"{kind} {name}")
    return lacked


@pytest.mark.parametrize(("backbone", "objective"), PAIRS)
def test_an_option_the_pair_lacks_is_refused_in_python_naming_the_part_that_has_it(backbone, objective):
    # `ae train --backbone conv --beta 0.5` named objective vae as the part with --beta, but create_model(...,
    # beta=0.5) and the transformer's objective_options={"beta": 0.5} said only "has no option(s) beta"
    for option, parts in _options_of_other_parts(backbone, objective).items():
        said = f"{option} is an option of {' and '.join(parts)}"
        with pytest.raises(TypeError, match=re.escape(said)):
            registry.make_config(backbone=backbone, objective=objective, input_shape=SHAPES[backbone],
                                 **{option: None})
        estimator = AutoencoderTransformer(model=None, backbone=backbone, objective=objective,
                                           input_shape=SHAPES[backbone], objective_options={option: None})
        with pytest.raises(TypeError, match=re.escape(said)):
            estimator.fit(np.zeros((4, 64)))
