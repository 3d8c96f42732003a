"""The engine's written-down parts: the model contract, the run folder, local random state and the loggers."""

from __future__ import annotations

import csv
import random

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch import nn

import autoencoders as ae
from autoencoders.applications.features import EncoderClassifier
from autoencoders.cli import cli
from autoencoders.sklearn import AutoencoderTransformer
from autoencoders.training import RunFolder, Trainable
from autoencoders.training.run_folder import CONFIG_FILE, HISTORY_FILE, LOG_FILE, TENSORBOARD_DIR
from conftest import fast_config, small_model


def test_a_module_without_the_contract_is_refused_naming_what_it_lacks():
    class Bare(nn.Module):
        name = "bare"

        def loss(self, x):
            return {"loss": x.sum()}

    with pytest.raises(ae.ConfigError, match="Bare cannot be trained.*no 'config'.*no 'input_shape'.*no 'encode'"):
        ae.Trainer(Bare(), fast_config())
    with pytest.raises(ae.ConfigError, match="not a torch.nn.Module"):
        ae.Trainer(object(), fast_config())


def test_registered_models_meet_the_contract():
    for name in ae.list_models():
        assert isinstance(small_model(name), Trainable), name


def test_encoder_classifier_trains_with_a_run_dir_and_resumes(digits, tmp_path):
    X, y = digits.X[:300], digits.y[:300].astype(np.int64)
    classifier = EncoderClassifier(small_model("deep"), 10)
    history = ae.Trainer(classifier, fast_config(epochs=2), run_dir=tmp_path).fit(X, targets=y)
    folder = RunFolder(tmp_path)
    assert folder.read_json(CONFIG_FILE)["model"] == "classifier"
    assert folder.read_history().train["cross_entropy"] == history.train["cross_entropy"]
    resumed = ae.Trainer(classifier, fast_config(epochs=3), run_dir=tmp_path).fit(X, targets=y, resume=True)
    assert resumed.epochs_run == 3


def test_fit_leaves_the_callers_random_state_alone_and_repeats(small_images):
    torch.manual_seed(123), np.random.seed(123), random.seed(123)  # noqa: NPY002
    expected = (torch.rand(3), np.random.rand(3), random.random())  # noqa: NPY002
    torch.manual_seed(123), np.random.seed(123), random.seed(123)  # noqa: NPY002
    models = []
    for _ in range(2):
        estimator = AutoencoderTransformer(code_size=3, hidden=(16,), epochs=2, random_state=7,
                                           corruption="gaussian", backbone_options={"dropout": 0.1})
        models.append(estimator.fit(small_images.reshape(256, -1)).model_)
    after = (torch.rand(3), np.random.rand(3), random.random())  # noqa: NPY002
    assert torch.equal(expected[0], after[0]) and np.array_equal(expected[1], after[1]) and expected[2] == after[2]
    for key, value in models[0].state_dict().items():
        assert torch.equal(value, models[1].state_dict()[key]), key


def test_explicit_validation_rows_are_the_ones_monitored(small_images):
    model = small_model("deep")
    X_val = small_images[200:]
    history = ae.Trainer(model, fast_config(epochs=3, patience=None, restore_best=False)).fit(small_images[:200], X_val)
    measured = ae.training.evaluate_loss(model, torch.from_numpy(X_val))["loss"]
    assert history.val["loss"][-1] == pytest.approx(measured, rel=1e-5)
    # had the engine split its own validation rows off X instead, it would have trained on 180 rows
    assert ae.Trainer(small_model("deep"), fast_config(epochs=1)).fit(small_images[:200], X_val).epochs_run == 1


def test_csv_log_holds_one_row_per_epoch_matching_the_history(small_images, tmp_path):
    history = ae.Trainer(small_model("deep"), fast_config(epochs=3, patience=None), run_dir=tmp_path).fit(small_images)
    with open(tmp_path / LOG_FILE, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["epoch"]) for row in rows] == [1, 2, 3]
    assert [float(row["val_loss"]) for row in rows] == pytest.approx(history.val["loss"])
    assert [float(row["train_reconstruction"]) for row in rows] == pytest.approx(history.train["reconstruction"])
    assert (tmp_path / HISTORY_FILE).is_file()


def test_tensorboard_logger_writes_events_that_read_back(small_images, tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logger = ae.training.TensorBoardLogger(tmp_path / "tb")
    history = ae.Trainer(small_model("deep"), fast_config(epochs=2, patience=None), [logger]).fit(small_images)
    events = EventAccumulator(str(tmp_path / "tb"))
    events.Reload()
    values = [event.value for event in events.Scalars("val/loss")]
    assert values == pytest.approx(history.val["loss"], rel=1e-6)
    assert [event.step for event in events.Scalars("lr")] == [1, 2]


# ------------------------------------------------------------------------------------------------- ae train
def test_ae_train_records_the_resolved_defaults_and_logs_to_tensorboard(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = tmp_path / "run"
    result = CliRunner().invoke(cli, ["train", "--hidden", "16", "--code-size", "3", "--epochs", "2", "--quiet",
                                      "--no-report", "--logger", "tensorboard", "--out", str(run)])
    assert result.exit_code == 0, result.output
    config = RunFolder(run).read_json(CONFIG_FILE)
    assert config["model_config"]["loss"] == "bce"  # auto: the digits lie in [0, 1]
    assert config["train_config"]["validation_fraction"] == 0.1  # auto: a small data set
    assert config["train_config"]["scheduler"] == "plateau"
    events = EventAccumulator(str(run / TENSORBOARD_DIR))
    events.Reload()
    assert [event.value for event in events.Scalars("val/loss")] == pytest.approx(
        RunFolder(run).read_history().val["loss"], rel=1e-6)


def test_ae_train_reports_library_errors_in_one_line_and_lets_bugs_show_a_traceback(tmp_path, monkeypatch):
    result = CliRunner().invoke(cli, ["train", "--hidden", "16", "--code-size", "3", "--scheduler", "cosine",
                                      "--batch-size", "0", "--out", str(tmp_path / "a")])
    assert result.exit_code != 0 and "batch_size must be >= 1" in result.output
    assert not isinstance(result.exception, ae.ConfigError)  # caught and shown as "Error: ..."

    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(ae.Trainer, "fit", bug)
    result = CliRunner().invoke(cli, ["train", "--hidden", "16", "--code-size", "3", "--out", str(tmp_path / "b")])
    assert isinstance(result.exception, ZeroDivisionError)  # not turned into a one-line "Error:"


def test_auto_epochs_grow_with_width_and_shrink_with_rows():
    small = ae.TrainConfig().resolved(1000, 64)
    assert small.validation_fraction == 0.1 and ae.TrainConfig().resolved(10_000, 64).validation_fraction == 0
    assert ae.TrainConfig().resolved(1000, 784).epochs > small.epochs > ae.TrainConfig().resolved(4000, 64).epochs
    assert ae.TrainConfig(epochs=7, validation_fraction=0.3).resolved(1000, 64) == ae.TrainConfig(
        epochs=7, validation_fraction=0.3, scheduler="plateau")  # given values stay; auto: follow the monitored loss
    assert ae.TrainConfig().resolved(10_000, 64).scheduler == "cosine"  # nothing held out: a fixed budget
    assert ae.TrainConfig(validation_fraction=0).resolved(1000, 64, held_out=False).scheduler == "plateau"


def test_auto_loss_is_bce_for_data_in_the_unit_interval_up_to_float_rounding():
    resolve = ae.training.resolve_loss
    assert resolve("auto", np.array([[0.0, 1.0000001]], np.float32)) == "bce"  # MinMaxScaler in float32 does this
    assert resolve("auto", np.array([[0.0, 1.5]])) == "mse" and resolve("auto", np.array([[-0.1, 0.5]])) == "mse"
    assert resolve("l1", np.array([[0.0, 1.0]])) == "l1"
    with pytest.raises(ae.ConfigError, match="unknown loss 'huber'"):
        resolve("huber", np.zeros((2, 2)))



class _ModeRecorder(nn.Module):
    """Records the mode each forward pass runs in."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def forward(self, x):
        self.seen.append(self.training)
        return x


class _OwnTrain(_ModeRecorder):
    """Also records the calls to its own ``train``, which the engine must keep making."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def train(self, mode: bool = True):
        self.calls.append(mode)
        return super().train(mode)


@pytest.mark.parametrize("recorder_type", [_ModeRecorder, _OwnTrain])
def test_training_steps_run_in_train_mode_validation_in_eval_mode_and_own_train_methods_run(recorder_type):
    model, recorder = small_model("deep", input_shape=(4,)), recorder_type()
    model.encoder = nn.Sequential(recorder, model.encoder)
    X = np.random.default_rng(0).normal(size=(40, 4)).astype("float32")
    ae.Trainer(model, fast_config(epochs=2, batch_size=32, validation_fraction=0.25, patience=None)).fit(X)
    # per epoch: one training batch (the 30 training rows) in train mode, the 10 validation rows in eval mode
    assert recorder.seen == [True, False, True, False]
    assert not model.training and not recorder.training  # eval mode after fit
    if recorder_type is _OwnTrain:  # switched through torch's train(), which calls the override
        assert recorder.calls.count(True) == 2 and recorder.calls.count(False) >= 2
