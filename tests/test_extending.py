"""A researcher's own backbone and objective, registered from their own module: the contract checked at registration
and when a model is built, combined with the built-in parts, trained, saved and loaded (with and without the
module imported), through Python, scikit-learn and ``ae --import``."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch import nn

import autoencoders as ae
from autoencoders import registry
from autoencoders.cli import _cache, cli
from autoencoders.errors import ConfigError
from autoencoders.models import Objective, PartConfig
from autoencoders.models.plain import PlainConfig
from conftest import fast_config

# What a user writes in their own module: a backbone with one option and an objective with a penalty of its own.
USER_MODULE = textwrap.dedent('''
    import math
    from dataclasses import dataclass

    from torch import nn

    import autoencoders as ae
    from autoencoders.models import Objective, PartConfig


    @ae.register_backbone("tiny")
    @dataclass
    class TinyBackbone(PartConfig):
        """One hidden layer each way."""

        width: int = 16

        def build_encoder(self, config):
            return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(config.input_shape), self.width), nn.ReLU()), \\
                self.width

        def build_decoder(self, config):
            return nn.Sequential(nn.Linear(config.head_size, self.width), nn.ReLU(),
                                 nn.Linear(self.width, math.prod(config.input_shape)),
                                 nn.Unflatten(1, config.input_shape))


    @dataclass
    class CodeL2Config(PartConfig):
        weight: float = 0.01


    @ae.register_objective("codel2")
    class CodeL2(Objective):
        """A code kept small by an L2 penalty."""

        config_class = CodeL2Config

        def training_code(self, model, noisy, x):
            code = self.encode(model.encoder(noisy))
            return code, {"code_l2": self.options.weight * code.pow(2).sum(1).mean()}
''')

SRC = Path(ae.__file__).resolve().parents[1]  # the sources under test, for the fresh processes


@pytest.fixture(autouse=True)
def registry_kept(monkeypatch):
    """Each test registers into copies of the registry's tables, so its parts do not reach the other tests."""
    ae.list_backbones()  # the built-in parts first
    for table in ("_BACKBONES", "_OBJECTIVES", "_PRESETS"):
        monkeypatch.setattr(registry, table, dict(getattr(registry, table)))


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """The user's module ``user_parts`` in a folder of its own (the current folder), imported."""
    (tmp_path / "user_parts.py").write_text(USER_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    monkeypatch.delitem(sys.modules, "user_parts", raising=False)
    module = importlib.import_module("user_parts")
    yield module
    sys.modules.pop("user_parts", None)


def rows(n: int = 120, width: int = 10) -> np.ndarray:
    return np.random.default_rng(0).random((n, width)).astype(np.float32)


def refused(message: str, define) -> None:
    with pytest.raises(ConfigError, match=message):
        define()


# ----------------------------------------------------------------------------------------------- registration
def test_a_backbone_without_a_decoder_is_refused_when_it_registers():
    def define():
        @ae.register_backbone("no-decoder")
        @dataclass
        class NoDecoder(PartConfig):
            def build_encoder(self, config):
                return nn.Flatten(), 10

    refused("backbone 'no-decoder' .*has no build_decoder", define)
    assert "no-decoder" not in ae.list_backbones()


def test_a_part_config_that_is_no_dataclass_is_refused_not_built_without_its_options():
    def define():
        @ae.register_backbone("plain-class")
        class PlainClass(PartConfig):
            width = 8

            def build_encoder(self, config):
                return nn.Flatten(), 10

            def build_decoder(self, config):
                return nn.Linear(config.head_size, 10)

    refused("must be a dataclass: put @dataclass on it", define)


@pytest.mark.parametrize(("field", "message"), [("loss", "field.s. loss, which every model has already"),
                                                ("width", "field.s. width need a default")])
def test_a_part_option_that_clashes_or_has_no_default_is_refused_when_it_registers(field, message):
    def define():
        namespace = {"__annotations__": {field: str}, **({"loss": "x"} if field == "loss" else {}),
                     "build_encoder": lambda self, config: (nn.Flatten(), 10),
                     "build_decoder": lambda self, config: nn.Linear(config.head_size, 10)}
        ae.register_backbone("clashing")(dataclass(type("Clashing", (PartConfig,), namespace)))

    refused(message, define)


def test_an_objective_must_subclass_objective_and_have_a_config_class_of_its_own():
    def not_an_objective():
        ae.register_objective("not-one")(type("NotOne", (), {"config_class": PlainConfig}))

    def no_config():
        ae.register_objective("no-config")(type("NoConfig", (Objective,), {}))

    refused("must be a subclass of autoencoders.models.Objective", not_an_objective)
    refused("has no config_class of its own", no_config)


def test_an_option_named_like_one_of_a_part_of_the_other_kind_is_refused_when_it_registers(fresh_cli_cache):
    config = dataclass(type("DropConfig", (PartConfig,), {"__annotations__": {"dropout": float}, "dropout": 0.1}))

    def define():
        ae.register_objective("dropcode")(type("DropCode", (Objective,), {"config_class": config}))

    refused(r"the option\(s\) dropout of objective 'dropcode' are also the mlp backbone's: every backbone goes with "
            "every objective", define)
    assert CliRunner().invoke(cli, ["train", "--objective", "dropcode", "--help"]).exit_code == 2  # not a traceback


def test_a_parts_option_named_like_one_of_ae_trains_own_is_refused_not_shadowed(tmp_path, fresh_cli_cache):
    @ae.register_backbone("epoched")
    @dataclass
    class Epoched(PartConfig):
        epochs: int = 3

        def build_encoder(self, config):
            return nn.Flatten(), 10

        def build_decoder(self, config):
            return nn.Linear(config.head_size, 10)

    np.save(tmp_path / "rows.npy", rows())
    result = CliRunner().invoke(cli, ["train", "--backbone", "epoched", "--data", str(tmp_path / "rows.npy"),
                                      "--epochs", "2", "--out", str(tmp_path / "run")])
    assert result.exit_code == 2
    assert "the model's option(s) --epochs have the names of options of `ae train` itself" in \
        " ".join(result.output.split())
    assert not (tmp_path / "run").exists()


def test_a_capability_flag_promises_its_methods_and_is_refused_without_them():
    config = dataclass(type("SamplingConfig", (PartConfig,), {}))

    def define():
        ae.register_objective("sampling")(type("Sampling", (Objective,), {"config_class": config,
                                                                         "can_sample": True}))

    refused(r"sets capability flags it does not provide for: it has no sample\(model, n, generator, noise\) "
            r"\(can_sample\)", define)


def test_an_objective_reusing_a_built_in_config_class_is_refused_and_does_not_rename_plain_models():
    def define():
        ae.register_objective("mine")(type("Mine", (Objective,), {"config_class": PlainConfig}))

    refused("registered already, for the objective 'plain'", define)
    assert PlainConfig.name == "plain"
    assert ae.create_model("deep", input_shape=(10,), code_size=2).name == "deep"


@pytest.mark.parametrize("name", [3, "a+b", "two words", ""])
def test_a_name_must_be_a_string_usable_in_a_pair(name):
    refused("registered under a name|must be letters", lambda: ae.register_backbone(name))


def test_the_decorator_without_its_name_says_how_to_write_it():
    def define():
        @ae.register_objective
        class Mine(Objective):
            config_class = PlainConfig

    refused(r"write @register_objective\('mine'\)", define)


def test_a_taken_name_is_refused_naming_who_holds_it_but_the_same_class_reloaded_replaces_it(user_module):
    @dataclass
    class Other(PartConfig):
        def build_encoder(self, config):
            return nn.Flatten(), 10

        def build_decoder(self, config):
            return nn.Linear(config.head_size, 10)

    refused("backbone name 'tiny' is already registered by user_parts.TinyBackbone; give .*Other another name",
            lambda: ae.register_backbone("tiny")(Other))
    refused("backbone name 'mlp' is already registered by autoencoders.models.mlp.MLPBackbone",
            lambda: ae.register_backbone("mlp")(Other))
    reloaded = importlib.reload(user_module)  # a notebook cell run again, a module edited and reloaded
    assert registry.get_backbone("tiny") is reloaded.TinyBackbone


def test_a_built_in_name_is_refused_even_when_registered_before_the_package_imports_its_models():
    # `import autoencoders` alone does not import the models: a preset registered then came first, and the package's
    # own registration of the name failed later, inside list_models()
    script = ("import autoencoders as ae\n"
              "try:\n"
              "    ae.register_preset('deep', 'mlp', 'plain', 'Mine.', {})\n"
              "except ae.ConfigError as error:\n"
              "    print(error)\n"
              "print(ae.list_models())\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert ("preset name 'deep' is already registered by the register_preset call of autoencoders.models.presets"
            in result.stdout)
    assert "'deep', 'denoising'" in result.stdout


def test_a_presets_defaults_are_checked_against_its_pairs_options(user_module):
    refused(r"preset 'tiny-wide': a tiny\+codel2 model has no option\(s\) widht",
            lambda: ae.register_preset("tiny-wide", "tiny", "codel2", "A wider tiny.", {"widht": 64}))
    ae.register_preset("tiny-wide", "tiny", "codel2", "A wider tiny.", {"width": 64})
    ae.register_preset("tiny-wide", "tiny", "codel2", "A wider tiny.", {"width": 64})  # the same module again
    assert ae.create_model("tiny-wide", input_shape=(10,), code_size=2).config.backbone.width == 64
    refused("unknown backbone 'tyni'", lambda: ae.register_preset("typo", "tyni", "codel2", "Mine.", {}))
    refused("preset name 'deep' is already registered by the register_preset call of autoencoders.models.presets",
            lambda: ae.register_preset("deep", "tiny", "codel2", "Mine.", {}))


# ------------------------------------------------------------------------------------------ building, training
@pytest.mark.parametrize(("encoder", "decoder", "message"), [
    (lambda self, config: nn.Flatten(), None, r"build_encoder of backbone 'odd' must return \(module, F\).*it returned "
     "a Flatten"),
    (lambda self, config: (nn.Flatten(), 10 / 2), None, r"it returned \(Flatten, float\)"),
    (None, lambda self, config: (lambda code: code), "build_decoder of backbone 'odd' must return a torch.nn.Module; "
     "it returned a function"),
])
def test_a_backbone_building_something_else_than_modules_is_named_when_the_model_is_built(encoder, decoder, message):
    methods = {"build_encoder": encoder or (lambda self, config: (nn.Flatten(), 10)),
               "build_decoder": decoder or (lambda self, config: nn.Linear(config.head_size, 10))}
    ae.register_backbone("odd")(dataclass(type("Odd", (PartConfig,), methods)))
    refused(message, lambda: ae.create_model(backbone="odd", input_shape=(10,), code_size=3))


@pytest.mark.parametrize(("part", "encoder_size", "decoder_size", "message"), [
    ("encoder", 5, 10, r"the encoder of backbone 'lying' maps a batch of shape \(1, 10\) to \(1, 10\), not \(1, 5\)"),
    ("decoder", 10, 7, r"the decoder of backbone 'lying' maps a batch of shape \(1, 3\) to \(1, 7\), not \(1, 10\)"),
])
def test_a_backbone_whose_shapes_do_not_fit_is_named_when_the_model_is_built(part, encoder_size, decoder_size,
                                                                              message):
    @ae.register_backbone("lying")
    @dataclass
    class Lying(PartConfig):
        def build_encoder(self, config):
            return nn.Flatten(), encoder_size

        def build_decoder(self, config):
            return nn.Linear(config.head_size, decoder_size)

    refused(message, lambda: ae.create_model(backbone="lying", input_shape=(10,), code_size=3))


def test_a_parts_check_raising_value_error_as_documented_is_one_error_line_on_the_command_line(tmp_path,
                                                                                                 fresh_cli_cache):
    @ae.register_backbone("images-only")
    @dataclass
    class ImagesOnly(PartConfig):
        def check(self, config):
            if len(config.input_shape) != 3:
                raise ValueError(f"images-only takes images (C, H, W), not samples of shape {config.input_shape}")

        def build_encoder(self, config):
            return nn.Flatten(), 10

        def build_decoder(self, config):
            return nn.Linear(config.head_size, 10)

    refused(r"images-only takes images \(C, H, W\), not samples of shape \(10,\)",
            lambda: ae.create_model(backbone="images-only", input_shape=(10,), code_size=2))
    np.save(tmp_path / "rows.npy", rows())
    result = CliRunner().invoke(cli, ["train", "--backbone", "images-only", "--data", str(tmp_path / "rows.npy"),
                                      "--out", str(tmp_path / "run")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: images-only takes images"), result.output


@pytest.mark.parametrize("objective", ["plain", "vae", "sparse", "vq", "contractive"])
def test_the_users_backbone_trains_with_every_built_in_objective_and_loads_back(user_module, objective, tmp_path):
    options = {"code_dim": 2} if objective == "vq" else {}
    model = ae.create_model(backbone="tiny", objective=objective, input_shape=(10,), code_size=4, seed=0, **options)
    ae.Trainer(model, fast_config(epochs=2), run_dir=tmp_path / "run").fit(rows())
    loaded = ae.load_model(tmp_path / "run")
    assert loaded.name == f"tiny+{objective}"
    torch.testing.assert_close(ae.encode(loaded, rows()), ae.encode(model, rows()))


@pytest.mark.parametrize(("backbone", "shape"), [("mlp", (10,)), ("conv", (1, 8, 8)), ("sequence", (2, 16))])
def test_the_users_objective_trains_with_every_built_in_backbone(user_module, backbone, shape):
    model = ae.create_model(backbone=backbone, objective="codel2", input_shape=shape, code_size=4, seed=0, weight=0.5)
    history = ae.Trainer(model, fast_config(epochs=2)).fit(np.random.default_rng(0).random((64, *shape),
                                                                                          dtype=np.float32))
    assert set(history.train) == {"loss", "reconstruction", "code_l2"}


def test_an_objective_whose_code_is_not_code_size_wide_is_named_when_the_model_is_built():
    def encode(self, features):  # (B, F) -> (B, 2 * code_size): a mean and a spread left side by side
        return torch.cat([self.head(features), self.head(features)], dim=1)

    config = dataclass(type("WideConfig", (PartConfig,), {}))
    ae.register_objective("wide")(type("Wide", (Objective,), {"config_class": config, "encode": encode}))
    refused(r"the code head of objective 'wide' maps a batch of shape \(1, 32\) to \(1, 6\), not \(1, 3\)",
            lambda: ae.create_model(objective="wide", input_shape=(10,), code_size=3, hidden=(32,)))


@pytest.mark.parametrize("width", [2.5, "16", True])
def test_a_users_options_are_checked_by_their_types_without_deferred_annotations(user_module, width):
    # user_parts.py, like most users' modules, has no `from __future__ import annotations`: its types are classes
    refused(f"width must be an integer, got {width!r}",
            lambda: ae.create_model(backbone="tiny", input_shape=(10,), code_size=3, width=width))


def test_an_option_of_floats_is_read_and_checked_as_floats_in_python_and_on_the_command_line(tmp_path,
                                                                                              fresh_cli_cache):
    from autoencoders.options import option

    @ae.register_backbone("scaled")
    @dataclass
    class Scaled(PartConfig):
        scales: tuple[float, ...] = option((0.5, 1.5), "factors", "(0, 10)")

        def build_encoder(self, config):
            return nn.Flatten(), 10

        def build_decoder(self, config):
            return nn.Linear(config.head_size, 10)

    assert ae.create_model(backbone="scaled", input_shape=(10,), code_size=2, scales=[0.25, 2]).config.backbone.scales \
        == (0.25, 2)
    refused(r"scales must be in \(0, 10\), got \(0.25, 20\)",
            lambda: ae.create_model(backbone="scaled", input_shape=(10,), code_size=2, scales=(0.25, 20)))
    np.save(tmp_path / "rows.npy", rows())
    trained = CliRunner().invoke(cli, ["train", "--backbone", "scaled", "--scales", "0.25,2.5", "--data",
                                       str(tmp_path / "rows.npy"), "--epochs", "1", "--out", str(tmp_path / "run"),
                                       "--quiet", "--no-report"])
    assert trained.exit_code == 0, trained.output
    assert ae.load_model(tmp_path / "run").config.backbone.scales == (0.25, 2.5)


def _objective_with_loss(name: str, loss) -> None:
    config = dataclass(type(f"{name}Config", (PartConfig,), {}))
    ae.register_objective(name)(type(name, (Objective,), {"config_class": config, "loss": loss}))


def _reconstruction(objective, model, x):  # (B,): the per-sample reconstruction loss
    return model.reconstruction_loss(model.decode_logits(objective.encode(model.encoder(x))), x)


@pytest.mark.parametrize(("loss", "message"), [
    (lambda self, model, x: {"recon": _reconstruction(self, model, x).mean()},
     r"has no key 'loss' \(its keys: 'recon'"),
    (lambda self, model, x: _reconstruction(self, model, x).mean(), r"it returned a tensor of shape \(\), not a dict"),
    (lambda self, model, x: {"loss": _reconstruction(self, model, x)}, r"its 'loss' is a tensor of shape \(64,\)"),
])
def test_a_loss_that_breaks_the_contract_is_named_on_the_first_step(loss, message):
    _objective_with_loss("broken", loss)
    model = ae.create_model(objective="broken", input_shape=(10,), code_size=3, seed=0)
    with pytest.raises(ConfigError, match=r"mlp\+broken's loss\(x\) must return a dict of scalar tensors.*" + message):
        ae.Trainer(model, fast_config(epochs=1)).fit(rows())


def test_an_objective_whose_penalty_becomes_nan_is_named_with_the_epoch():
    calls = []

    def training_code(self, model, noisy, x):
        calls.append(1)
        code = self.encode(model.encoder(noisy))
        return code, {"penalty": code.sum() * (float("nan") if len(calls) > 3 else 0.0)}

    config = dataclass(type("NaNConfig", (PartConfig,), {}))
    ae.register_objective("nan-later")(type("NaNLater", (Objective,), {"config_class": config,
                                                                      "training_code": training_code}))
    model = ae.create_model(objective="nan-later", input_shape=(10,), code_size=3, seed=0)
    with pytest.raises(ae.TrainingDivergedError, match="stopped at epoch 2: .*, from its part.s. 'penalty'"):
        ae.Trainer(model, fast_config(epochs=3, batch_size=64, validation_fraction=0)).fit(rows(128))


def test_the_estimators_take_the_users_parts_and_their_options(user_module, tmp_path):
    from sklearn.model_selection import GridSearchCV

    from autoencoders.sklearn import AutoencoderTransformer

    transformer = AutoencoderTransformer(backbone="tiny", objective="codel2", code_size=3, epochs=2, random_state=0,
                                         objective_options={"weight": 0.5})
    search = GridSearchCV(transformer, {"backbone__width": [4, 8]}, cv=2).fit(rows())
    search.best_estimator_.save(tmp_path / "estimator")
    loaded = AutoencoderTransformer.load(tmp_path / "estimator")
    np.testing.assert_allclose(loaded.transform(rows()), search.best_estimator_.transform(rows()), rtol=1e-6)


def test_a_trainable_of_ones_own_with_a_run_folder_is_not_taken_for_a_registered_model(tmp_path):
    @dataclass
    class Settings:  # names like a ModelConfig's, but plain strings
        backbone: str = "mine"
        objective: str = "l2"

        def to_dict(self):
            return {"backbone": self.backbone, "objective": self.objective}

    class Mine(nn.Module):
        name, input_shape = "mine", (10,)

        def __init__(self):
            super().__init__()
            self.config, self.encoder, self.decoder = Settings(), nn.Linear(10, 3), nn.Linear(3, 10)

        def encode(self, x):
            return self.encoder(x)

        def loss(self, x):
            return {"loss": (self.decoder(self.encoder(x)) - x).pow(2).mean()}

    history = ae.Trainer(Mine(), fast_config(epochs=2), run_dir=tmp_path / "run").fit(rows())
    assert len(history.train["loss"]) == 2


def test_a_pickled_estimator_imports_the_module_of_its_parts_where_it_is_unpickled(user_module):
    import pickle

    from autoencoders.sklearn import AutoencoderOutlierDetector, AutoencoderTransformer

    for estimator in (AutoencoderTransformer(backbone="tiny", objective="codel2", epochs=1),
                      AutoencoderOutlierDetector(backbone="tiny", epochs=1)):
        pickled = pickle.dumps(estimator)  # as joblib sends it to GridSearchCV(n_jobs=2)'s worker processes
        sys.modules.pop("user_parts")  # such a worker: a fresh process that never imported the user's module
        del registry._BACKBONES["tiny"], registry._OBJECTIVES["codel2"]
        worker_copy = pickle.loads(pickled)
        assert registry.get_backbone("tiny").__module__ == "user_parts"
        assert worker_copy.get_params() == estimator.get_params()
        worker_copy.fit(rows())  # what the worker does with it


# ------------------------------------------------------------------------------- loading where it is not imported
def test_a_saved_model_names_the_module_to_import_where_it_is_not_imported(user_module, tmp_path):
    model = ae.create_model(backbone="tiny", objective="codel2", input_shape=(10,), code_size=3, seed=0)
    ae.save_model(model, tmp_path / "mine.safetensors")
    built_in = ae.create_model("deep", input_shape=(10,), code_size=3)
    ae.save_model(built_in, tmp_path / "deep.safetensors")
    load = ("import sys, autoencoders as ae\n"
            "if sys.argv[1:]: import user_parts\n"
            f"print(ae.load_model({str(tmp_path / 'mine.safetensors')!r}).name)\n")
    env = {"PYTHONPATH": f"{SRC}:{tmp_path}", "PATH": "/usr/bin:/bin"}
    without = subprocess.run([sys.executable, "-c", load], capture_output=True, text=True, env=env, timeout=120)
    assert "unknown backbone 'tiny'" in without.stderr
    assert ("its backbone and objective were registered by module 'user_parts': `import user_parts` first (on the "
            "command line, `ae --import user_parts ...`)") in without.stderr
    imported = subprocess.run([sys.executable, "-c", load, "import"], capture_output=True, text=True, env=env,
                              timeout=120)
    assert imported.stdout.strip() == "tiny+codel2", imported.stderr
    assert "modules" not in ae.load_checkpoint(tmp_path / "deep.safetensors").extra  # built-in files unchanged
    from autoencoders.checkpoint import load_tensors

    assert "modules" not in load_tensors(tmp_path / "deep.safetensors")[1]


@pytest.mark.skipif(torch.cuda.is_available(), reason="a machine without CUDA")
def test_loading_a_model_onto_cuda_without_cuda_is_a_clear_error(tmp_path):
    ae.save_model(ae.create_model("deep", input_shape=(10,), code_size=3), tmp_path / "deep.safetensors")
    refused("device 'cuda' asked for, but CUDA is not available on this machine",
            lambda: ae.load_model(tmp_path / "deep.safetensors", device="cuda"))


# -------------------------------------------------------------------------------------------------- ae --import
@pytest.fixture
def fresh_cli_cache(monkeypatch):
    monkeypatch.setattr(_cache, "_SKIPPED", [], raising=False)  # (raising=False: the tests run on older code too)


def test_ae_import_trains_the_users_parts_and_uses_the_run(user_module, tmp_path, fresh_cli_cache):
    np.save(tmp_path / "rows.npy", rows())
    sys.modules.pop("user_parts")  # `ae --import` imports it
    runner = CliRunner()
    trained = runner.invoke(cli, ["--import", "user_parts", "train", "--backbone", "tiny", "--objective", "codel2",
                                  "--width", "8", "--weight", "0.5", "--data", "rows.npy", "--epochs", "2",
                                  "--code-size", "3", "--out", "run", "--quiet", "--no-report"])
    assert trained.exit_code == 0, trained.output
    assert registry.get_backbone("tiny").__module__ == "user_parts"
    evaluated = runner.invoke(cli, ["--import", "user_parts", "evaluate", "run"])
    assert evaluated.exit_code == 0, evaluated.output
    listed = runner.invoke(cli, ["--import", "user_parts", "models"])
    assert "backbone   tiny         One hidden layer each way." in listed.output
    options = runner.invoke(cli, ["--import", "user_parts", "train", "--backbone", "tiny", "--help"])
    assert "--width INTEGER" in options.output
    resumed = runner.invoke(cli, ["--import", "user_parts", "train", "--out", "run", "--resume", "--epochs", "3",
                                  "--quiet", "--no-report"])
    assert resumed.exit_code == 0, resumed.output


def test_ae_import_train_help_lists_the_imported_parts_among_the_choices(user_module, fresh_cli_cache):
    # --model, --backbone and --objective listed the package's parts, worded when `ae` was imported, before --import
    sys.modules.pop("user_parts")  # `ae --import` imports it
    ae.register_preset("small-deep", "mlp", "plain", "A small deep MLP.", {"hidden": (8,)})
    shown = CliRunner().invoke(cli, ["--import", "user_parts", "train", "--help"])
    assert shown.exit_code == 0, shown.output
    said = " ".join(shown.output.split())
    assert "Network: conv, mlp, sequence, tiny (default" in said
    assert "Code head and loss: codel2, contractive," in said
    assert "small-deep" in said.split("Preset: ")[1].split(" (default")[0].split(", ")


def test_resuming_a_run_of_ones_own_parts_without_their_module_names_it(user_module, tmp_path, fresh_cli_cache):
    np.save(tmp_path / "rows.npy", rows())
    runner = CliRunner()
    trained = runner.invoke(cli, ["train", "--backbone", "tiny", "--data", "rows.npy", "--epochs", "1", "--out", "run",
                                  "--quiet", "--no-report"])
    assert trained.exit_code == 0, trained.output
    del registry._BACKBONES["tiny"], registry._OBJECTIVES["codel2"]  # a fresh `ae` process: user_parts not imported
    resumed = runner.invoke(cli, ["train", "--out", "run", "--resume", "--epochs", "2"])
    assert resumed.exit_code == 1
    assert ("cannot resume: unknown backbone 'tiny'; registered backbones are: conv, mlp, sequence; its backbone was "
            "registered by module 'user_parts': `import user_parts` first (on the command line, `ae --import "
            "user_parts ...`)") in " ".join(resumed.output.split())


def test_a_part_not_registered_is_worded_alike_on_loading_and_resuming(user_module, tmp_path, fresh_cli_cache):
    # load_checkpoint and `ae train --resume` each worded it; a run that recorded no module lost "cannot resume"
    np.save(tmp_path / "rows.npy", rows())
    runner = CliRunner()
    trained = runner.invoke(cli, ["train", "--backbone", "tiny", "--data", "rows.npy", "--epochs", "1", "--out", "run",
                                  "--quiet", "--no-report"])
    assert trained.exit_code == 0, trained.output
    del registry._BACKBONES["tiny"], registry._OBJECTIVES["codel2"]
    with pytest.raises(ae.CheckpointError) as loading:
        ae.load_model("run")
    resumed = runner.invoke(cli, ["train", "--out", "run", "--resume", "--epochs", "2"])
    said = " ".join(resumed.output.split())
    assert said == f"Error: cannot resume: {str(loading.value).removeprefix('run/model.safetensors: ')}"
    config = json.loads(Path("run/config.json").read_text())
    del config["modules"]  # a run written before runs recorded them
    Path("run/config.json").write_text(json.dumps(config))
    resumed = runner.invoke(cli, ["train", "--out", "run", "--resume", "--epochs", "2"])
    assert resumed.exit_code == 1
    assert " ".join(resumed.output.split()).startswith(
        "Error: cannot resume: unknown backbone 'tiny'; registered backbones are: conv, mlp, sequence (one of your "
        "own is found once the module registering it is imported: `import MODULE` in Python, `ae --import MODULE "
        "...` on the command line)")


def test_resuming_a_run_of_ones_own_preset_of_built_in_parts_without_its_module_names_it(user_module, tmp_path,
                                                                                           fresh_cli_cache):
    ae.register_preset("small-deep", "mlp", "plain", "A small deep MLP.", {"hidden": (8,)})
    np.save(tmp_path / "rows.npy", rows())
    runner = CliRunner()
    trained = runner.invoke(cli, ["train", "--model", "small-deep", "--data", "rows.npy", "--epochs", "1", "--out",
                                  "run", "--quiet", "--no-report"])
    assert trained.exit_code == 0, trained.output
    assert ae.load_model("run").name == "small-deep"
    del registry._PRESETS["small-deep"]
    resumed = runner.invoke(cli, ["train", "--out", "run", "--resume", "--epochs", "2"])
    assert resumed.exit_code == 1
    assert "cannot resume: unknown model 'small-deep'; registered models are: " in resumed.output
    assert "its preset was registered by module 'test_extending'" in " ".join(resumed.output.split())


def test_ae_models_shows_no_signature_for_a_part_without_a_docstring(fresh_cli_cache):
    from autoencoders.cli._model_options import model_summaries

    @ae.register_backbone("undocumented")
    @dataclass
    class Undocumented(PartConfig):
        width: int = 4

        def build_encoder(self, config):
            return nn.Flatten(), 10

        def build_decoder(self, config):
            return nn.Linear(config.head_size, 10)

    _cache.skip_for_own_modules()  # as `ae --import` does: the entries are computed, not read from the cache
    assert "backbone   undocumented " in model_summaries()
    assert "Undocumented(width" not in "\n".join(model_summaries())


@pytest.mark.parametrize(("name", "message"), [
    ("no_such_module", "no module named 'no_such_module' in the current folder or on PYTHONPATH"),
    ("user_parts.py", "'user_parts.py' is a file: give its module name ('user_parts')"),
])
def test_ae_import_names_a_module_it_cannot_import(user_module, fresh_cli_cache, name, message):
    result = CliRunner().invoke(cli, ["--import", name, "models"])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split()), result.output


def test_ae_import_given_after_the_command_says_where_it_goes(fresh_cli_cache):
    result = CliRunner().invoke(cli, ["train", "--import", "user_parts", "--backbone", "tiny"])
    assert result.exit_code == 2
    assert "--import is an option of ae itself: give it before the command, `ae --import MODULE train ...`" in \
        result.output


def test_a_backbone_given_as_a_model_is_named_as_a_backbone(fresh_cli_cache):
    refused("'mlp' is a backbone, not a model .a preset.: give it as backbone='mlp'",
            lambda: ae.create_model("mlp", input_shape=(10,)))
    result = CliRunner().invoke(cli, ["train", "--model", "plain", "--help"])
    assert "'plain' is an objective, not a model (a preset): give it as objective='plain' (ae train --objective " \
           "plain)" in " ".join(result.output.split())


def test_an_unknown_backbone_on_the_command_line_says_how_to_use_ones_own(fresh_cli_cache):
    result = CliRunner().invoke(cli, ["train", "--backbone", "tiny", "--help"])
    assert result.exit_code == 2
    assert "unknown backbone 'tiny'" in result.output
    assert "`ae --import MODULE ...` on the command line" in " ".join(result.output.split())


def test_the_readmes_module_runs_as_written(tmp_path, monkeypatch):
    """The README's `mymodels.py`, written verbatim, registers its parts, which go with the built-in ones and train
    (a README example that drifted from the API would fail here, not in a new user's hands)."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split("# mymodels.py\n", 1)[1].split("```", 1)[0]
    (tmp_path / "mymodels.py").write_text(block)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    monkeypatch.delitem(sys.modules, "mymodels", raising=False)
    importlib.import_module("mymodels")
    ae.register_preset("tiny-wide", "tiny", "codel2", "A wider tiny.", {"width": 128})
    for options in ({"backbone": "tiny", "objective": "vae", "width": 64}, {"backbone": "conv", "objective": "codel2"},
                    {}):
        model = ae.create_model("tiny-wide" if not options else None, input_shape=(1, 8, 8), code_size=4, **options)
        losses = model.loss(torch.rand(3, 1, 8, 8))  # (B, C, H, W) digits-like
        losses["loss"].backward()
        assert torch.isfinite(losses["loss"]) and ("code_l2" in losses) == (options.get("objective") != "vae")
    sys.modules.pop("mymodels", None)
