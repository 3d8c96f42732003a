from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest
import torch

import autoencoders as ae
from autoencoders.errors import RunFolderError
from autoencoders.training.config import RESUMABLE_CHANGES
from autoencoders.training.ownership import TrainingInterrupted
from conftest import another_setting, fast_config, small_model


def test_early_stopping_stops_and_restores_the_best_weights(small_images):
    model = small_model("deep")
    # A learning rate this high makes validation loss bounce, so patience 2 triggers well before 200 epochs.
    history = ae.Trainer(model, fast_config(epochs=200, lr=0.05, patience=2)).fit(small_images)
    assert history.stopped_early and history.epochs_run < 200
    assert history.epochs_run == history.best_epoch + 1 + 2
    best = history.val["loss"][history.best_epoch]
    val_rows = np.sort(torch.randperm(256, generator=torch.Generator().manual_seed(0)).numpy()[:26])
    measured = ae.training.evaluate_loss(model, torch.from_numpy(small_images[val_rows]))["loss"]
    assert measured == pytest.approx(best, rel=1e-5)


def test_explicit_validation_data_is_used(small_images):
    history = ae.Trainer(small_model("deep"), fast_config(epochs=2)).fit(small_images[:200], small_images[200:])
    assert len(history.val["loss"]) == 2


def test_callbacks_see_every_epoch_and_can_stop(small_images):
    seen = []

    def on_epoch_end(trainer, epoch, logs):
        seen.append((epoch, logs["train"]["loss"]))
        if epoch == 2:
            trainer.stop_training = True

    history = ae.Trainer(small_model("deep"), fast_config(epochs=10),
                         callbacks=[ae.training.LambdaCallback(on_epoch_end)]).fit(small_images)
    assert [epoch for epoch, _ in seen] == [0, 1, 2] and history.epochs_run == 3


@pytest.mark.parametrize("scheduler", ["cosine", "plateau"])
def test_schedulers_change_the_learning_rate(scheduler, small_images):
    # min_delta far above any gain: no epoch after the first counts as an improvement, so the plateau schedule
    # halves the LR after patience // 2 such epochs, before early stopping ends the run
    config = fast_config(epochs=8, scheduler=scheduler, lr=0.05, patience=4, min_delta=1e9)
    history = ae.Trainer(small_model("deep"), config).fit(small_images)
    assert history.lr[0] == 0.05 and min(history.lr) < 0.05


def test_resumed_run_matches_an_uninterrupted_one_bitwise(small_images, tmp_path):
    full = small_model("deep", dropout=0.1)
    ae.Trainer(full, fast_config(epochs=6, patience=None), run_dir=tmp_path / "full").fit(small_images)

    # Stop after 3 epochs with a callback, as if the process died there, then resume in a new trainer.
    class StopAt3(ae.Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            trainer.stop_training = epoch == 2

    part = small_model("deep", dropout=0.1)
    ae.Trainer(part, fast_config(epochs=6, patience=None), [StopAt3()], run_dir=tmp_path / "part").fit(small_images)
    resumed = small_model("deep", dropout=0.1)
    history = ae.Trainer(resumed, fast_config(epochs=6, patience=None), run_dir=tmp_path / "part") \
        .fit(small_images, resume=True)
    assert history.epochs_run == 6
    for key, value in full.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key


def test_resuming_a_run_that_stopped_early_changes_nothing(small_images, tmp_path):
    # Its patience had run out, yet resume trained on (and a run killed between its last checkpoint and its end
    # went on training where the uninterrupted one stopped).
    config = fast_config(epochs=200, lr=0.05, patience=2)
    model = small_model("deep")
    history = ae.Trainer(model, config, run_dir=tmp_path).fit(small_images)
    assert history.stopped_early
    resumed = small_model("deep")
    again = ae.Trainer(resumed, config, run_dir=tmp_path).fit(small_images, resume=True)
    assert again.epochs_run == history.epochs_run and again.stopped_early
    assert all(torch.equal(value, resumed.state_dict()[key]) for key, value in model.state_dict().items())


def test_an_interrupted_run_without_restore_best_ends_with_its_last_finished_epochs_weights(small_images, tmp_path):
    # The unfinished epoch is dropped, yet its first batches' updates stayed in the model and its saved file.
    class InterruptAfterEpoch2(ae.Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            self.weights = {key: value.clone() for key, value in trainer.model.state_dict().items()}
            if epoch == 1:  # seen after the next epoch's first batch
                os.kill(os.getpid(), signal.SIGINT)

    model, watch = small_model("deep"), InterruptAfterEpoch2()
    with pytest.raises(TrainingInterrupted, match="after 2 epoch"):
        ae.Trainer(model, fast_config(epochs=5, patience=None, restore_best=False), [watch],
                   run_dir=tmp_path).fit(small_images)
    for weights in (model.state_dict(), ae.load_model(tmp_path).state_dict()):
        assert all(torch.equal(value, watch.weights[key]) for key, value in weights.items())


def test_resume_names_a_damaged_config_json(small_images, tmp_path):
    # A json.JSONDecodeError from deep in the resume, naming no file.
    ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=tmp_path).fit(small_images)
    (tmp_path / "config.json").write_text('{"model": "deep", "train_')
    with pytest.raises(RunFolderError, match="config.json is unreadable .*Unterminated string"):
        ae.Trainer(small_model("deep"), fast_config(epochs=2), run_dir=tmp_path).fit(small_images, resume=True)


def test_fit_resume_refuses_a_config_json_edited_since_the_run_wrote_it(small_images, tmp_path):
    """Tidy 50: Trainer.fit(resume=True) checked the Trainer's settings against config.json, the run's readable
    copy: an edited batch size there refused the run's own settings ("was trained with batch_size=32") and would have
    let the edited one through. The state keeps the settings; the edited field is named, the file put back resumes."""
    ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=tmp_path).fit(small_images)
    original = (tmp_path / "config.json").read_text()
    settings = json.loads(original)
    settings["train_config"]["batch_size"] = 7
    (tmp_path / "config.json").write_text(json.dumps(settings))
    with pytest.raises(ae.CheckpointError, match="config.json disagrees with the checkpoint .*state.safetensors: "
                                                 "train_config.batch_size is 7 there, 64 in the checkpoint"):
        ae.Trainer(small_model("deep"), fast_config(epochs=2), run_dir=tmp_path).fit(small_images, resume=True)
    (tmp_path / "config.json").write_text(original)
    assert ae.Trainer(small_model("deep"), fast_config(epochs=2), run_dir=tmp_path).fit(
        small_images, resume=True).epochs_run == 2


def test_resume_refuses_other_data_of_the_same_shape(small_images, tmp_path):
    # Only the shape was compared: a run resumed on other rows (or a changed file) trained on them silently.
    ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=tmp_path).fit(small_images)
    with pytest.raises(ae.CheckpointError, match="trained on other values than this data's .*same data and seed"):
        ae.Trainer(small_model("deep"), fast_config(epochs=2), run_dir=tmp_path).fit(small_images[::-1], resume=True)
    assert ae.Trainer(small_model("deep"), fast_config(epochs=2), run_dir=tmp_path) \
        .fit(small_images.copy(), resume=True).epochs_run == 2


def test_resume_with_fewer_epochs_than_the_run_has_is_refused(small_images, tmp_path):
    # The loop over range(start, epochs) was empty: the call returned the longer history as if it had done as asked.
    ae.Trainer(small_model("deep"), fast_config(epochs=3), run_dir=tmp_path).fit(small_images)
    with pytest.raises(ae.ConfigError, match="has trained 3 epochs; resume it with epochs >= 3 .epochs=2"):
        ae.Trainer(small_model("deep"), fast_config(epochs=2), run_dir=tmp_path).fit(small_images, resume=True)
    assert ae.Trainer(small_model("deep"), fast_config(epochs=3), run_dir=tmp_path) \
        .fit(small_images, resume=True).epochs_run == 3  # as many: the finished run, nothing more to do
    assert ae.Trainer(small_model("deep"), fast_config(epochs=4), run_dir=tmp_path) \
        .fit(small_images, resume=True).epochs_run == 4


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_run_resumed_on_a_gpu_continues_its_noise(small_images, tmp_path):
    # Only the CPU generator was saved: a resumed GPU run drew its dropout from a freshly seeded CUDA generator.
    config = fast_config(epochs=4, patience=None, device="cuda")

    class StopAt2(ae.Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            trainer.stop_training = epoch == 1

    full, resumed = small_model("deep", dropout=0.3), small_model("deep", dropout=0.3)
    ae.Trainer(full, config, run_dir=tmp_path / "full").fit(small_images)
    ae.Trainer(small_model("deep", dropout=0.3), config, [StopAt2()], run_dir=tmp_path / "part").fit(small_images)
    ae.Trainer(resumed, config, run_dir=tmp_path / "part").fit(small_images, resume=True)
    assert all(torch.equal(value, resumed.state_dict()[key]) for key, value in full.state_dict().items())


@pytest.mark.parametrize(("text", "message"), [('{"train": {}, "bogus": 1}', "is not a run's history .*bogus"),
                                                ('{"train": ', "is unreadable")])
def test_a_damaged_history_json_is_named(tmp_path, text, message):
    # A bare TypeError (or JSONDecodeError) from the report, naming no file.
    (tmp_path / "history.json").write_text(text)
    with pytest.raises(RunFolderError, match=f"history.json {message}"):
        ae.training.RunFolder(tmp_path).read_history()


def test_resume_refuses_another_model(small_images, tmp_path):
    ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=tmp_path).fit(small_images)
    with pytest.raises(ae.CheckpointError, match="cannot resume"):
        ae.Trainer(small_model("vanilla"), fast_config(epochs=2), run_dir=tmp_path).fit(small_images, resume=True)


def test_resume_refuses_other_training_settings_but_takes_more_epochs(small_images, tmp_path):
    # A new lr or weight decay was ignored (the stored optimiser's won), a new optimizer or batch size mixed in.
    ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=tmp_path).fit(small_images)
    stored = json.loads((tmp_path / "config.json").read_text())["train_config"]
    for name in set(stored) - set(RESUMABLE_CHANGES):  # each other setting changed alone is refused by name
        with pytest.raises(ae.CheckpointError, match=f"was trained with {name}="):
            ae.Trainer(small_model("deep"), fast_config(epochs=1, **{name: another_setting(name, stored[name])}),
                       run_dir=tmp_path).fit(small_images, resume=True)
    with pytest.raises(ae.CheckpointError, match="trained with lr=0.001, optimizer='adam'; this Trainer has lr=0.5, "
                                                 "optimizer='adamw'.*only epochs, device and progress may change"):
        ae.Trainer(small_model("deep"), fast_config(epochs=2, lr=0.5, optimizer="adamw"), run_dir=tmp_path) \
            .fit(small_images, resume=True)
    moved = {name: another_setting(name, stored[name]) for name in RESUMABLE_CHANGES}  # epochs 2, device, progress
    history = ae.Trainer(small_model("deep"), fast_config(**moved), run_dir=tmp_path).fit(small_images, resume=True)
    assert history.epochs_run == 2


def test_nan_loss_stops_with_a_clear_error_and_keeps_the_last_good_checkpoint(small_images, tmp_path):
    model = small_model("deep")

    class Poison(ae.Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            if epoch == 1:
                with torch.no_grad():
                    next(trainer.model.parameters()).fill_(float("nan"))

    trainer = ae.Trainer(model, fast_config(epochs=5, patience=None), [Poison()], run_dir=tmp_path)
    with pytest.raises(ae.TrainingDivergedError, match="loss became nan.*last good checkpoint"):
        trainer.fit(small_images)
    saved = ae.load_model(tmp_path)
    assert all(torch.isfinite(p).all() for p in saved.parameters())
    assert all(torch.isfinite(p).all() for p in model.parameters())  # reset to its best weights
    assert json.loads((tmp_path / "config.json").read_text())["model"] == "deep"


def test_a_loss_that_diverges_in_the_first_epoch_claims_no_checkpoint(small_images, tmp_path):
    # The message said "reset to its best weights; the last good checkpoint ... is kept" when no epoch had
    # finished: the folder held no checkpoint and the weights were the untrained ones.
    model = small_model("deep")
    with pytest.raises(ae.TrainingDivergedError, match="epoch 1: the loss became nan.*reset to the weights it "
                                                       "started with, as no epoch had finished. Try") as error:
        ae.Trainer(model, fast_config(epochs=3), run_dir=tmp_path).fit(small_images * 1e30)
    assert "checkpoint" not in str(error.value) and not (tmp_path / "model.safetensors").exists()


@pytest.mark.parametrize("ending", ["diverged", "interrupted"])
def test_a_run_that_saved_no_epoch_leaves_no_run_in_its_folder(small_images, tmp_path, ending):
    # Its config.json (and, when interrupted, an untrained model.safetensors) stayed: a rerun was refused as
    # replacing a run, and resume=True as there being no run to resume.
    class InterruptAtOnce(ae.Callback):
        def on_train_begin(self, trainer):
            os.kill(os.getpid(), signal.SIGINT)  # seen after the first batch

    (tmp_path / "notes.txt").write_text("mine")
    data, callbacks = (small_images * 1e30, []) if ending == "diverged" else (small_images, [InterruptAtOnce()])
    with pytest.raises(ae.TrainingDivergedError if ending == "diverged" else TrainingInterrupted):
        ae.Trainer(small_model("deep"), fast_config(epochs=3), callbacks, run_dir=tmp_path).fit(data)
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]
    assert ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=tmp_path).fit(small_images).epochs_run == 1


def test_train_config_rejects_bad_values():
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        ae.TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="unknown optimizer"):
        ae.TrainConfig(optimizer="sgdx")
    # A negative or too large seed was taken, then failed inside numpy or torch with a traceback naming no option.
    for seed in (-1, 2**63):
        with pytest.raises(ValueError, match=f"seed must be in \\[0, 9223372036854775808\\), got {seed}"):
            ae.TrainConfig(seed=seed)
    assert ae.TrainConfig(seed=2**63 - 1).seed == 2**63 - 1


@pytest.mark.parametrize(("make", "message"), [
    (lambda: ae.TrainConfig(epochs="3"), "epochs must be an integer, got '3'"),
    (lambda: ae.TrainConfig(epochs=2.5), "epochs must be an integer, got 2.5"),
    (lambda: ae.TrainConfig(epochs=True), "epochs must be an integer, got True"),
    (lambda: ae.TrainConfig(lr="0.01"), "lr must be a number, got '0.01'"),
    (lambda: ae.TrainConfig(restore_best="no"), "restore_best must be True or False"),
    (lambda: ae.create_model("deep", input_shape=(8,), code_size=2.5), "code_size must be an integer, got 2.5"),
    (lambda: ae.create_model("deep", input_shape=(8,), hidden=(4.7,)), "hidden must be an integer, got 4.7"),
    (lambda: ae.create_model("vae", input_shape=(8,), beta="2"), "beta must be a number, got '2'"),
])
def test_options_of_the_wrong_type_are_named(make, message):
    # Was a TypeError from deep inside ('>=' not supported between 'str' and 'float', or torch's empty()), or,
    # for epochs=True and hidden=(4.7,), silently one epoch and a hidden layer of 4.
    with pytest.raises(ae.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_whole_numbers_are_taken_for_integer_options():
    assert ae.TrainConfig(epochs=np.int64(3)).epochs == 3 and type(ae.TrainConfig(epochs=3.0).epochs) is int


def test_bce_on_values_outside_the_unit_interval_is_refused_before_training():
    # Trained silently: BCE against targets of 3 is no likelihood and a sigmoid output can never reach them.
    X = np.random.default_rng(0).random((40, 4)).astype(np.float32)
    model = small_model("deep", input_shape=(4,), loss="bce")
    with pytest.raises(ae.DataError, match=r"bce. needs every value in \[0, 1\], but X holds values from .* to 2.99"):
        ae.Trainer(model, fast_config()).fit(X * 3)
    with pytest.raises(ae.DataError, match="X_val holds values from -0.99"):
        ae.Trainer(model, fast_config()).fit(X, X - 1)
    ae.Trainer(model, fast_config(epochs=1)).fit(X)  # [0, 1] trains


def test_too_few_rows_for_a_validation_split():
    with pytest.raises(ValueError, match="1 sample"):
        ae.Trainer(small_model("deep", input_shape=(4,)), fast_config()).fit(np.ones((1, 4)))


def test_a_run_folder_is_never_replaced_silently_from_python(tmp_path, small_images):
    ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=tmp_path).fit(small_images)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    with pytest.raises(RunFolderError, match="already holds a run; fit\\(..., resume=True\\) continues it"):
        ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=tmp_path).fit(small_images)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
    for folder in (tmp_path, tmp_path / "new"):  # refused before the folder is held (or created)
        with pytest.raises(RunFolderError, match="resume=True and overwrite=True contradict each other"):
            ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=folder).fit(small_images, resume=True,
                                                                                      overwrite=True)
    assert not (tmp_path / "new").exists()
    history = ae.Trainer(small_model("deep"), fast_config(epochs=2), run_dir=tmp_path).fit(small_images,
                                                                                           overwrite=True)
    assert history.epochs_run == 2 and len((tmp_path / "log.csv").read_text().splitlines()) == 3  # header + 2


def test_a_model_saved_into_a_folder_is_not_replaced_by_a_run_there(tmp_path, small_images):
    # save_model(model, folder) writes folder/model.safetensors; a run into that folder overwrote it silently.
    model = small_model("deep")
    ae.save_model(model, tmp_path)
    saved = (tmp_path / "model.safetensors").read_bytes()
    with pytest.raises(RunFolderError, match="already holds a run; .*overwrite=True replaces it"):
        ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=tmp_path).fit(small_images)
    assert (tmp_path / "model.safetensors").read_bytes() == saved


def test_a_run_dir_that_is_a_file_is_named(tmp_path, small_images):
    # A bare NotADirectoryError about its ".lock".
    (tmp_path / "taken").write_text("mine")
    with pytest.raises(RunFolderError, match="run_dir .*taken is a file, not a folder"):
        ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=tmp_path / "taken").fit(small_images)
    assert (tmp_path / "taken").read_text() == "mine"


def test_fit_may_write_its_run_beside_other_files(tmp_path, small_images):
    # Unlike `ae train --out`, whose folder is the run's own, fit's run_dir may hold the caller's other files.
    (tmp_path / "notes.txt").write_text("mine")
    ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=tmp_path).fit(small_images)
    assert (tmp_path / "notes.txt").read_text() == "mine" and (tmp_path / "model.safetensors").is_file()


def test_fit_overwrite_replaces_the_run_and_keeps_the_callers_other_files(tmp_path, small_images):
    # overwrite=True removed every file of the folder, the caller's own (notes, data) with the old run's.
    (tmp_path / "notes.txt").write_text("mine")
    ae.Trainer(small_model("deep"), fast_config(epochs=2), run_dir=tmp_path).fit(small_images)
    ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=tmp_path).fit(small_images, overwrite=True)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert len((tmp_path / "log.csv").read_text().splitlines()) == 2  # header + the new run's one epoch


def test_fit_resume_without_a_saved_run_is_refused_before_any_work(tmp_path, small_images):
    # It raised a FileNotFoundError from inside training set-up (after the data was prepared).
    with pytest.raises(RunFolderError, match="holds no run to resume .*leave out resume=True to start one"):
        ae.Trainer(small_model("deep"), fast_config(epochs=1), run_dir=tmp_path / "empty").fit(small_images,
                                                                                            resume=True)
    assert not (tmp_path / "empty").exists()
    with pytest.raises(ae.ConfigError, match="resume=True needs a run_dir"):
        ae.Trainer(small_model("deep"), fast_config(epochs=1)).fit(small_images, resume=True)


def test_a_bce_models_loss_is_left_out_for_rows_outside_the_unit_interval():
    # Test rows beyond the training range (min-max scaled like them) gave a negative "loss": BCE is no likelihood
    # for targets above 1. The other metrics stay.
    from autoencoders.metrics import reconstruction_metrics

    X = np.random.default_rng(0).random((40, 4)).astype(np.float32)
    model = small_model("deep", input_shape=(4,), loss="bce")
    ae.Trainer(model, fast_config(epochs=1)).fit(X)
    assert "loss" in reconstruction_metrics(model, X)
    beyond = reconstruction_metrics(model, X * 3)
    assert "loss" not in beyond and beyond["mse"] > 0
    assert "loss" in reconstruction_metrics(small_model("deep", input_shape=(4,)), X * 3)  # mse: a likelihood anyway


def test_create_model_with_a_seed_draws_the_same_weights_and_leaves_the_global_state_alone():
    before = torch.random.get_rng_state()
    first = ae.create_model("deep", input_shape=(6,), code_size=2, hidden=(8,), seed=3)
    second = ae.create_model("deep", input_shape=(6,), code_size=2, hidden=(8,), seed=3)
    assert torch.equal(torch.random.get_rng_state(), before), "the caller's torch generator moved"
    for a, b in zip(first.state_dict().values(), second.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    other = ae.create_model("deep", input_shape=(6,), code_size=2, hidden=(8,), seed=4)
    assert not all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), other.state_dict().values(),
                                                      strict=True))
    with pytest.raises(TypeError, match="no option"):  # options are checked before any weight is drawn
        ae.create_model("deep", input_shape=(6,), seeds=3)


def test_batches_of_one_row_with_batch_norm_are_refused_before_training():
    # torch's "Expected more than 1 value per channel when training" came out of the first batch as a traceback
    X = np.random.default_rng(0).normal(size=(20, 6)).astype("float32")
    model = ae.create_model("deep", input_shape=(6,), code_size=2, hidden=(8,), batch_norm=True, seed=0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    config = ae.TrainConfig(epochs=2, batch_size=1, validation_fraction=0.0, progress=False)
    with pytest.raises(ae.ConfigError, match="normalises over the batch .*batch_size >= 2"):
        ae.Trainer(model, config).fit(X)  # (a single training row is refused before, by the data check)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()), "the probe left the model alone"
    config = ae.TrainConfig(epochs=1, batch_size=1, validation_fraction=0.0, progress=False)
    plain = ae.create_model("deep", input_shape=(6,), code_size=2, hidden=(8,), seed=0)
    assert ae.Trainer(plain, config).fit(X[:4]).epochs_run == 1  # no batch norm: one row per batch trains
    conv = ae.create_model("conv", input_shape=(1, 8, 8), code_size=2, seed=0)  # batch norm over the pixels too
    assert ae.Trainer(conv, config).fit(np.random.default_rng(1).random((3, 1, 8, 8), dtype="float32")).epochs_run == 1


# ---------------------------------------------------------------------------------- per-step overheads (speed 37)
def test_training_steps_clear_gradients_without_the_optimizers_zero_grad(small_images, monkeypatch):
    """Optimizer.zero_grad wraps its work in profiling and hook machinery (~15 us a step, a few percent of a small
    table's step); the engine sets the gradients to None itself, as zero_grad(set_to_none=True) does."""
    monkeypatch.setattr(torch.optim.Optimizer, "zero_grad", lambda *args, **kwargs: pytest.fail("zero_grad called"))
    model = small_model("deep")
    before = [p.detach().clone() for p in model.parameters()]
    ae.Trainer(model, fast_config(epochs=2)).fit(small_images)
    assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True)), "it trained"


def test_fit_neither_moves_nor_switches_a_model_by_walking_its_modules(small_images, monkeypatch):
    """Module.to walks every module even when nothing moves, and model.eval() walks them again at the end (about
    0.1 ms a fit, which a small table's detector pays twice); a model already on the device is left where it is and
    the fit ends in eval mode through the engine's mode switch."""
    model = small_model("deep")
    walked = []
    for name in ("_apply", "train"):
        method = getattr(torch.nn.Module, name)
        monkeypatch.setattr(torch.nn.Module, name,
                            lambda self, *args, _method=method, _name=name, **kwargs:
                            walked.append(_name) or _method(self, *args, **kwargs))
    ae.Trainer(model, fast_config(epochs=2, device="cpu")).fit(small_images)
    assert walked == [] and not any(module.training for module in model.modules())


def test_a_hidden_progress_bar_is_never_formatted(small_images, monkeypatch):
    from tqdm import std

    monkeypatch.setattr(std.tqdm, "set_postfix", lambda *args, **kwargs: pytest.fail("a hidden bar was formatted"))
    history = ae.Trainer(small_model("deep"), fast_config(epochs=2, progress=False)).fit(small_images)
    assert history.epochs_run == 2


@pytest.mark.parametrize("name", ["deep", "sparse"])
def test_the_loss_adds_no_zero_to_its_parts(name, small_images):
    """sum() over the loss parts started from 0: an addition more in every step's forward and backward pass; the
    loss is the reconstruction itself without penalties, else the reconstruction plus them."""
    parts = small_model(name).loss(torch.from_numpy(small_images[:8]))
    penalties = [value for key, value in parts.items() if key not in ("loss", "reconstruction")]
    if not penalties:
        assert parts["loss"] is parts["reconstruction"]
    else:
        assert torch.equal(parts["loss"], sum(penalties, parts["reconstruction"]))


class _TorchCalls(torch.overrides.TorchFunctionMode):
    """Counts the torch functions and tensor methods called while it is active."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.calls += 1
        return func(*args, **(kwargs or {}))


def test_the_validation_loss_takes_a_few_operations_whatever_the_number_of_parts(small_images):
    """The validation pass summed each loss part apart (a detach, a product, an addition from 0, a float and a
    len each: ~30 us of a small table's epoch); its parts now go through one stack, one product and one tolist per
    batch, so a model with a penalty more costs no operation more."""
    X = torch.from_numpy(small_images[:64])
    extra = {}
    for name in ("deep", "sparse"):  # loss and reconstruction; and a penalty
        model = small_model(name).eval()
        with torch.no_grad(), _TorchCalls() as alone:
            parts = model.loss(X)
        with _TorchCalls() as evaluated:
            losses = ae.training.evaluate_loss(model, X, batch_size=64)
        extra[len(parts)] = evaluated.calls - alone.calls
        assert losses == {key: float(value * 64) / 64 for key, value in parts.items()}
    assert extra[3] == extra[2], extra


def test_training_batches_are_gathered_with_index_select(monkeypatch):
    """Indexing a tensor with a tensor of rows took ~230 us for 256 rows of 1,555 values, index_select ~45 us:
    the same rows, on every step of a wide table."""
    from autoencoders.training.rows import TensorRows

    X, targets, rows = torch.rand(50, 7), torch.arange(50), torch.tensor([4, 0, 31, 4])
    expected = X[rows], targets[rows]
    getitem = torch.Tensor.__getitem__
    monkeypatch.setattr(torch.Tensor, "__getitem__", lambda self, index: pytest.fail("indexed with a tensor")
                        if isinstance(index, torch.Tensor) else getitem(self, index))
    found = TensorRows(X, targets).batch(rows)
    assert all(torch.equal(a, b) for a, b in zip(found, expected, strict=True))


def test_a_history_prints_as_a_summary_not_every_epoch():
    # Its repr was the dataclass's: every epoch's loss parts, learning rate and time, a screenful in a notebook.
    history = ae.History()
    for epoch in range(200):
        history.append({"loss": 10.0 / (epoch + 1)}, {"loss": 12.0 / (epoch + 1)}, 1e-3, 0.03)
    history.best_epoch, history.best_loss = 199, 0.06
    assert repr(history) == ("History(epochs_run=200, best_epoch=199, best_loss=0.06, stopped_early=False, "
                             "train loss 10 -> 0.05, val loss 12 -> 0.06; the lists: .train, .val, .lr, "
                             ".epoch_seconds)")
    assert repr(ae.History()) == ("History(epochs_run=0, best_epoch=None, best_loss=inf, stopped_early=False; the "
                                  "lists: .train, .val, .lr, .epoch_seconds)")


def test_targets_for_an_autoencoder_name_corruption_before_any_training(small_images):
    """The Keras tutorial's denoiser is ``fit(noisy, clean)``: ``fit(noisy, targets=clean)`` was
    "Autoencoder.loss() takes 2 positional arguments but 3 were given" from inside the first step."""
    model = small_model("deep")
    noisy = np.clip(small_images + 0.5, 0, 1)
    with pytest.raises(ae.ConfigError, match=r"Autoencoder\.loss takes no targets.*corruption='gaussian'"):
        ae.Trainer(model, fast_config()).fit(noisy, targets=small_images)


def test_uint8_pixels_trained_on_as_they_are_are_warned_of(small_images):
    """Keras' ``x_train`` before ``/ 255`` given to a model with the default loss (mse) trained on 0-255 values, its
    losses in the millions, without a word (``ae.load_data`` reads 8-bit images as [0, 1]; an array is taken as it
    is)."""
    pixels = (small_images * 255).round().astype(np.uint8)
    with pytest.warns(UserWarning, match=r"X holds uint8 values up to 255.*as they are.*X / 255"):
        ae.Trainer(small_model("deep"), fast_config(epochs=1)).fit(pixels)
    ae.Trainer(small_model("deep"), fast_config(epochs=1)).fit((pixels > 127).astype(np.uint8))  # 0/1: no warning


def test_training_a_noisy_model_leaves_the_callers_generators_alone():
    """Generative 46, checked: the VAE's draws, masking corruption and dropout in training come from a fork of torch's
    global generator that the trainer seeds; the caller's torch and NumPy streams go on as if nothing ran."""
    X = np.random.default_rng(0).random((32, 1, 8, 8)).astype(np.float32)
    models = [small_model("vae", loss="bce", corruption="mask", corruption_level=0.3, dropout=0.1) for _ in range(2)]
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()[1].copy()  # noqa: NPY002
    for model in models:
        ae.Trainer(model, fast_config(epochs=2, seed=5)).fit(X)
    weights = [model.state_dict() for model in models]
    assert torch.equal(torch.get_rng_state(), torch_state), "the caller's torch generator moved"
    assert np.array_equal(np.random.get_state()[1], numpy_state)  # noqa: NPY002
    assert all(torch.equal(a, b) for a, b in zip(*(w.values() for w in weights), strict=True))


def test_a_loss_evaluated_repeats_without_moving_the_callers_generator():
    """Generative 46: evaluate_loss drew a VAE's code (and a contractive model's projections) from torch's global
    generator: another figure every call, and the caller's stream moved. It now runs on a seeded fork of it."""
    from autoencoders.training import evaluate_loss

    X = torch.rand(16, 1, 8, 8).round()
    for name in ("vae", "conv+contractive"):
        model = small_model(name, loss="bce")  # seeds the global generator
        state = torch.get_rng_state()
        first = evaluate_loss(model, X)
        assert torch.equal(torch.get_rng_state(), state), f"{name}: the caller's torch generator moved"
        assert evaluate_loss(model, X) == first
        assert evaluate_loss(model, X, seed=1) != first


def test_a_loss_is_evaluated_on_a_numpy_array_as_on_the_same_tensor():
    """Audit 51: evaluate_loss, named in the README beside Trainer.fit (which takes arrays), failed on a NumPy
    array with "AttributeError: 'str' object has no attribute 'type'" (NumPy 2's ``ndarray.device`` is "cpu")."""
    from autoencoders.training import evaluate_loss

    model = small_model("vae", loss="bce")
    X = np.random.default_rng(0).random((16, 1, 8, 8)).round()  # (16, 1, 8, 8) float64
    assert evaluate_loss(model, X) == evaluate_loss(model, torch.from_numpy(X).float())
    assert evaluate_loss(model, X.reshape(16, 64)) == evaluate_loss(model, torch.from_numpy(X).float())  # flat rows
    with pytest.raises(ae.errors.DataError, match="sample"):
        evaluate_loss(model, np.zeros((4, 10)))  # a width that is no sample of the model's
