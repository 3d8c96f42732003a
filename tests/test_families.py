"""Each family's own property, beyond the invariants that tests/test_models.py checks for all of them."""

from __future__ import annotations

import pytest
import torch

import autoencoders as ae
from conftest import small_model


@pytest.mark.parametrize("shape", [(3, 13, 17), (2, 5, 31), (1, 28, 28)])
def test_conv_takes_images_of_any_size_and_channel_count(shape):
    model = small_model("conv", input_shape=shape, channels=(4, 8, 8)).eval()
    x = torch.rand(2, *shape)
    assert model.encode(x).shape == (2, 6)
    assert model(x).shape == x.shape


def test_conv_rejects_samples_that_are_not_images():
    with pytest.raises(ValueError, match=r"conv needs image samples shaped \(C, H, W\), got \(64,\)"):
        ae.create_model("conv", input_shape=(64,))


def test_denoising_corrupts_with_gaussian_noise_in_training_only(small_images):
    model = small_model("denoising")
    assert (model.config.corruption, model.config.corruption_level) == ("gaussian", 0.3)
    x = torch.from_numpy(small_images[:32])
    model.train()
    noise = model.corrupt(x) - x
    assert 0.2 < float(noise.std()) < 0.4
    model.eval()
    torch.testing.assert_close(model.loss(x)["loss"], model.reconstruction_error(x).mean())


def test_topk_code_has_exactly_k_non_zeros_per_sample(small_images):
    model = small_model("sparse", penalty="topk", code_size=20, k=3).eval()
    code = model.encode(torch.from_numpy(small_images))
    assert (code != 0).sum(dim=1).tolist() == [3] * len(small_images)


def test_topk_needs_k_at_most_the_code_size():
    with pytest.raises(ValueError, match=r"k must be in \[1, code_size=6\], got 16"):
        ae.create_model("sparse", input_shape=(4,), code_size=6, penalty="topk", k=16)


def test_dead_units_are_tracked_and_get_gradient_from_the_auxiliary_loss(small_images):
    model = small_model("sparse", penalty="topk", code_size=20, k=2, aux_k=4, dead_after=64)
    x = torch.from_numpy(small_images[:64])
    assert float(model.loss(x)["dead_units"]) == 0  # nobody is dead before dead_after samples were seen
    parts = model.loss(x)
    active = (model.encode(x) != 0).any(dim=0)  # (N,)
    assert (model.samples_since_active[~active] >= 64).all() and (model.samples_since_active[active] == 0).all()
    parts["dead_units"].backward()
    row_gradient = model.encoder[1][-1].weight.grad.abs().sum(dim=1)  # (N,)
    assert float(parts["dead_units"].detach()) > 0
    assert (row_gradient[~active] > 0).any() and (row_gradient[active] == 0).all()


def test_kl_penalty_vanishes_at_the_target_rate_only():
    model = small_model("sparse", penalty="kl", target_rate=0.05, sparsity_weight=1.0)
    at_target = model.sparsity_penalty(None, torch.full((8, 6), 0.05), None)["kl"]
    above = model.sparsity_penalty(None, torch.full((8, 6), 0.5), None)["kl"]
    assert float(at_target) == pytest.approx(0, abs=1e-6) and float(above) > 1


def test_l1_penalty_is_the_weighted_sum_of_absolute_codes(small_images):
    model = small_model("sparse", penalty="l1", sparsity_weight=0.5)
    x = torch.from_numpy(small_images[:16])
    parts = model.loss(x)
    torch.testing.assert_close(parts["l1"], 0.5 * model.encode(x).abs().sum(dim=1).mean())


def test_closed_form_contraction_equals_the_autograd_jacobian_norm():
    model = small_model("contractive", hidden=(), code_size=7)
    assert model.has_closed_form
    x = torch.randn(5, 1, 8, 8)
    torch.testing.assert_close(model.jacobian_norm_sq(x), model.autograd_jacobian_norm_sq(x))


def test_deep_contraction_penalty_works_without_gradients_as_in_validation():
    model = small_model("contractive", hidden=(16,), contraction_weight=2.0)
    assert not model.has_closed_form
    x = torch.rand(4, 1, 8, 8)
    with_grad = model.loss(x)["contraction"]
    with torch.no_grad():
        without_grad = model.loss(x)["contraction"]
    assert float(without_grad) > 0
    torch.testing.assert_close(without_grad, with_grad.detach())
