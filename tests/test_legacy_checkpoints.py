"""Checkpoints written by the family models of before backbones x objectives (tests/fixtures/legacy, written by
write_fixtures.py with that code) load as their presets with identical outputs; presets build those networks."""

import importlib.util
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import autoencoders as ae
from autoencoders.metrics import encoder_jacobian_norm_sq

LEGACY = Path(__file__).parent / "fixtures" / "legacy"
EXPECTED = load_file(str(LEGACY / "expected.safetensors"))
NAMES = sorted({key.split(".")[0] for key in EXPECTED})


@pytest.mark.parametrize("name", NAMES)
def test_legacy_checkpoint_loads_with_identical_outputs(name):
    model = ae.load_model(LEGACY / f"{name}.safetensors")
    assert model.name == name and model.config.preset == name
    x = EXPECTED[f"{name}.input"]
    with torch.no_grad():
        torch.testing.assert_close(model.encode(x), EXPECTED[f"{name}.code"], rtol=0, atol=1e-6)
        torch.testing.assert_close(model(x), EXPECTED[f"{name}.output"], rtol=0, atol=1e-6)
        torch.testing.assert_close(model.reconstruction_error(x), EXPECTED[f"{name}.error"], rtol=1e-6, atol=1e-6)
        if model.objective.has_likelihood:
            # written after torch.manual_seed(1) from the global generator: a generator seeded 1 draws the same
            torch.testing.assert_close(model.log_likelihood(x, k=10, generator=torch.Generator().manual_seed(1)),
                                       EXPECTED[f"{name}.log_likelihood"])
        if f"{name}.jacobian_norm_sq" in EXPECTED:
            norm = encoder_jacobian_norm_sq(model, x)
            torch.testing.assert_close(norm, EXPECTED[f"{name}.jacobian_norm_sq"])


def test_legacy_sparse_unit_counters_are_kept():
    model = ae.load_model(LEGACY / "sparse.safetensors")
    assert model.objective.samples_since_active.sum() > 0


def test_every_family_has_a_legacy_checkpoint():
    assert ae.list_models() == NAMES


@pytest.mark.parametrize("name", ae.list_models())
def test_presets_build_the_families_networks_with_their_initial_weights(name):
    record = json.loads((LEGACY / "initial_weights.json").read_text())[name]
    torch.manual_seed(0)
    shape = {"conv": (1, 28, 28), "sequence": (2, 32)}.get(name, (784,))
    model = ae.create_model(name, input_shape=shape, code_size=30)
    weights = [w.double() for w in model.state_dict().values() if w.is_floating_point()]
    assert sum(p.numel() for p in model.parameters()) == record["parameters"]
    assert float(sum(w.abs().sum() for w in weights)) == pytest.approx(record["abs_sum"], rel=1e-12)
    assert float(sum(w.square().sum() for w in weights)) == pytest.approx(record["square_sum"], rel=1e-12)


@pytest.mark.parametrize("name", ae.list_models())
def test_presets_train_as_the_families_did(name):
    """Trained two epochs with one seed, every preset ends where its family ended (``trained_outputs``, run with
    the family code to write the record): the earlier figures of every family carry over unchanged."""
    record = json.loads((LEGACY / "trained_outputs.json").read_text())[name]
    outputs = _fixture_writer().trained_outputs(name)
    # batch-normalised convolutions: oneDNN's kernels differ by CPU and two epochs grow the difference (the record
    # was written on another machine; an AMD EPYC ends 0.43% away); the conv preset's network is checked exactly by its
    # initial weights and its legacy checkpoint's outputs above
    tolerance = 1e-2 if name == "conv" else 1e-5
    assert outputs["sum"] == pytest.approx(record["sum"], rel=tolerance)
    assert outputs["square_sum"] == pytest.approx(record["square_sum"], rel=tolerance)


def _fixture_writer():
    spec = importlib.util.spec_from_file_location("record_trained_outputs", LEGACY / "record_trained_outputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
