"""Each backbone's and objective's own property, beyond the invariants that tests/test_models.py checks for all."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

import autoencoders as ae
from autoencoders import registry
from autoencoders.applications import fit_code_density, generate, interpolate
from autoencoders.metrics import codebook_usage, encoder_jacobian_norm_sq
from autoencoders.models.sparse import kl_to_rate
from autoencoders.sklearn import AutoencoderTransformer
from conftest import fast_config, small_model


@pytest.mark.parametrize("shape", [(3, 13, 17), (2, 5, 31), (1, 28, 28)])
def test_conv_takes_images_of_any_size_and_channel_count(shape):
    model = small_model("conv", input_shape=shape, channels=(4, 8, 8)).eval()
    x = torch.rand(2, *shape)
    assert model.encode(x).shape == (2, 6)
    assert model(x).shape == x.shape


def test_conv_rejects_samples_that_are_not_images():
    with pytest.raises(ValueError, match=r"conv needs image samples shaped \(C, H, W\), got \(64,\)"):
        ae.create_model("conv", input_shape=(64,))


def test_conv_names_the_channel_axis_a_gray_image_array_lacks():
    """Float gray images (n, H, W), as an .npz of scaled MNIST holds them, were refused with "got (28, 28)" and no
    word of the missing channel axis or how to add it."""
    with pytest.raises(ValueError, match=r"got \(28, 28\): gray images \(H, W\) need a channel axis.*X\[:, None\]"):
        ae.create_model("conv", input_shape=(28, 28))


def test_conv_names_the_square_images_that_flat_rows_may_be():
    """MNIST as the Keras tutorial keeps it, rows of 784 values (an .npy given to ``ae train --model conv``), was
    "got (784,)" with no word of the images those rows may be or how to shape them."""
    with pytest.raises(ValueError, match=r"got \(784,\): rows of 784 values.*28x28.*X\.reshape\(-1, 1, 28, 28\)"):
        ae.create_model("conv", input_shape=(784,))
    with pytest.raises(ValueError, match=r"32x32 images of 3 channels.*X\.reshape\(-1, 3, 32, 32\)"):
        ae.create_model("conv", input_shape=(3 * 32 * 32,))


def test_denoising_corrupts_with_gaussian_noise_in_training_only(small_images):
    model = small_model("denoising")
    assert (model.config.corruption, model.config.corruption_level) == ("gaussian", 0.3)
    x = torch.from_numpy(small_images[:32])
    model.train()
    noisy = model.corrupt(x)
    assert 0.15 < float((noisy - x).std()) < 0.3  # sigma 0.3, less where clipping at 0 and 1 cuts the noise
    assert float(noisy.min()) == 0 and float(noisy.max()) == 1  # stays in the images' range
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
    assert float(model.loss(x)["dead_unit_loss"]) == 0  # nobody is dead before dead_after samples were seen
    parts = model.loss(x)
    active = (model.encode(x) != 0).any(dim=0)  # (N,)
    counters = model.objective.samples_since_active
    assert (counters[~active] >= 64).all() and (counters[active] == 0).all()
    parts["dead_unit_loss"].backward()
    row_gradient = model.objective.head.weight.grad.abs().sum(dim=1)  # (N,)
    assert float(parts["dead_unit_loss"].detach()) > 0
    assert (row_gradient[~active] > 0).any() and (row_gradient[active] == 0).all()


def test_kl_penalty_vanishes_at_the_target_rate_only():
    assert float(kl_to_rate(0.05, torch.full((6,), 0.05)).sum()) == pytest.approx(0, abs=1e-6)
    assert float(kl_to_rate(0.05, torch.full((6,), 0.5)).sum()) > 1


def test_l1_penalty_is_the_weighted_sum_of_absolute_codes(small_images):
    model = small_model("sparse", penalty="l1", sparsity_weight=0.5)
    x = torch.from_numpy(small_images[:16])
    parts = model.loss(x)
    torch.testing.assert_close(parts["l1"], 0.5 * model.encode(x).abs().sum(dim=1).mean())


def test_closed_form_contraction_equals_the_autograd_jacobian_norm():
    model = small_model("contractive", hidden=(), code_size=7)
    objective, x = model.objective, torch.randn(5, 1, 8, 8)
    assert objective.has_closed_form(model)
    jacobian = torch.func.vmap(torch.func.jacrev(lambda s: model.encode(s[None])[0]))(x)  # (B, N, 1, 8, 8)
    torch.testing.assert_close(encoder_jacobian_norm_sq(model, x), jacobian.flatten(1).square().sum(dim=1))
    torch.testing.assert_close(model.loss(x)["contraction"], 0.1 * encoder_jacobian_norm_sq(model, x).mean())


@pytest.mark.parametrize(("name", "options"), [("contractive", {"hidden": (16,)}),
                                               pytest.param("conv+contractive", {}, marks=pytest.mark.slow),
                                               pytest.param("sequence+contractive", {}, marks=pytest.mark.slow)])
def test_random_projection_contraction_is_an_unbiased_estimate_of_the_exact_norm(name, options):
    model = small_model(name, contraction_weight=1.0, projections=4000, **options).eval()
    assert not model.objective.has_closed_form(model)
    x = torch.rand(3, *model.input_shape)
    exact = encoder_jacobian_norm_sq(model, x).mean()
    torch.manual_seed(0)
    with torch.no_grad():  # also without gradients, as in validation
        estimate = model.loss(x)["contraction"]
    torch.testing.assert_close(estimate, exact, rtol=0.05, atol=0)  # 4000 projections: about 2% spread


def test_vae_kl_part_scales_with_beta(small_images):
    x = torch.from_numpy(small_images[:32])
    kl_parts = []
    for beta in (1.0, 3.0):
        model = small_model("vae", beta=beta)
        torch.manual_seed(0)
        kl_parts.append(float(model.loss(x)["beta_kl"].detach()))
    assert kl_parts[0] > 0 and kl_parts[1] == pytest.approx(3 * kl_parts[0], rel=1e-5)


def test_vae_importance_weighted_likelihood_matches_exact_marginal():
    """One latent dimension and two Bernoulli pixels: log p(x) = log integral p(x|z) N(z) dz by quadrature."""
    model = small_model("vae", input_shape=(2,), code_size=1, hidden=(8,), loss="bce").eval()
    x = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    z = torch.linspace(-10, 10, 4001)[:, None]  # (G, 1)
    log_px_z = -torch.nn.functional.binary_cross_entropy_with_logits(
        model.decode_logits(z)[:, None, :].expand(-1, 3, -1), x.expand(len(z), -1, -1), reduction="none"
    ).sum(dim=2)  # (G, 3)
    log_prior = -0.5 * (z.square() + math.log(2 * math.pi))  # (G, 1)
    with torch.no_grad():
        exact = torch.logsumexp(log_px_z + log_prior, dim=0) + math.log(float(z[1] - z[0]))  # (3,)
    estimate = model.log_likelihood(x, k=20000, samples_per_pass=5000)
    torch.testing.assert_close(estimate, exact, atol=0.01, rtol=0)
    assert (model.elbo(x.repeat(2000, 1)).view(2000, 3).mean(dim=0) <= exact + 1e-3).all()  # a lower bound


def test_vae_sample_and_interpolate(small_images):
    model = small_model("vae", loss="bce").eval()
    samples = model.sample(5, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (5, 1, 8, 8) and ((samples >= 0) & (samples <= 1)).all()
    torch.testing.assert_close(model.sample(5, generator=torch.Generator().manual_seed(0)), samples)
    path = interpolate(model, small_images[0], small_images[1], steps=4)
    assert path.shape == (4, 1, 8, 8)
    np.testing.assert_allclose(path[[0, -1]], ae.reconstruct(model, small_images[:2]), atol=1e-6)


@pytest.mark.parametrize("n", [-1, 0, 2.5, "3"])
def test_a_sample_count_that_is_not_a_positive_whole_number_is_named(n):
    # -1 was torch's 'Trying to create tensor with negative dimension'; 2.5 and '3' were torch TypeErrors.
    with pytest.raises(ae.ConfigError, match="n must be a whole number >= 1"):
        small_model("vae").sample(n)


@pytest.mark.parametrize(("loss", "scale_options"), [("mse", {"decoder_scale": 0.3}), ("l1", {"decoder_scale": 0.3}),
                                                      ("mse", {"optimal_scale": True}), ("bce", {})])
def test_vae_samples_with_noise_are_draws_from_the_decoders_likelihood(loss, scale_options):
    model = small_model("vae", loss=loss, **scale_options).eval()
    if "optimal_scale" in scale_options:
        model.objective.scale.fill_(0.2)  # the running maximum-likelihood scale training would have set
    scale = model.objective.scale.item() if "optimal_scale" in scale_options else scale_options.get("decoder_scale")
    mean = model.sample(400, generator=torch.Generator().manual_seed(0))  # the same prior draws:
    drawn = model.sample(400, generator=torch.Generator().manual_seed(0), noise=True)  # z comes first
    residual = (drawn - mean).flatten()  # 25,600 values
    if loss == "bce":  # Bernoulli: binary, with the decoder's means as probabilities
        assert set(drawn.unique().tolist()) <= {0.0, 1.0}
        assert abs(drawn.mean() - mean.mean()) < 0.01
    else:  # Gaussian std = scale; Laplace mean absolute deviation = scale
        spread = residual.std() if loss == "mse" else residual.abs().mean()
        assert abs(residual.mean()) < 0.01 and spread == pytest.approx(scale, rel=0.03)
    torch.testing.assert_close(model.sample(400, generator=torch.Generator().manual_seed(0), noise=True), drawn)


def test_noise_needs_a_likelihood_and_a_prior():
    layout = [{"kind": "numeric", "value": i, "missing": None} for i in range(3)]
    table_vae = small_model("vae", input_shape=(3,), loss="mixed", columns=layout)
    with pytest.raises(ValueError, match="loss 'mixed' has no likelihood p\\(x\\|z\\).*draws from p\\(x\\|z\\) "
                                         "need loss mse, l1 or bce"):
        table_vae.sample(2, noise=True)
    # Audit 43: a table VAE's ELBO and log_likelihood were numbers in no unit: its squared errors taken as they are,
    # no density's normaliser, called log p(x) in nats
    for estimate in (table_vae.elbo, table_vae.log_likelihood):
        with pytest.raises(ValueError, match="loss 'mixed' has no likelihood p\\(x\\|z\\).*an ELBO or "
                                             "log_likelihood need loss mse, l1 or bce"):
            estimate(torch.rand(2, 3))
    plain = small_model("deep")
    density = fit_code_density(plain, np.random.default_rng(0).random((20, 1, 8, 8), dtype=np.float32), 2)
    with pytest.raises(ValueError, match="needs a model with one \\(a VAE\\), got a 'deep' model"):
        generate(plain, 2, density, noise=True)


def test_a_vae_draws_from_its_likelihood_at_codes_from_a_fitted_density():
    model = small_model("vae", input_shape=(64,), decoder_scale=0.2).eval()
    density = fit_code_density(model, np.random.default_rng(0).random((40, 64), dtype=np.float32), 2)
    means, drawn = generate(model, 3000, density, seed=1), generate(model, 3000, density, seed=1, noise=True)
    assert np.std(drawn - means) == pytest.approx(0.2, rel=0.05)  # the same codes, plus N(0, 0.2^2) noise
    assert np.array_equal(drawn, generate(model, 3000, density, seed=1, noise=True))


@pytest.mark.parametrize(("name", "shape"), [("conv+vae", (1, 8, 8)), ("sequence+vae", (2, 32))])
def test_a_vae_on_any_backbone_samples_and_gives_a_likelihood(name, shape):
    model = small_model(name, input_shape=shape, loss="bce").eval()
    assert model.objective.can_sample and model.objective.has_likelihood
    assert generate(model, 3).shape == (3, *shape)
    x = torch.rand(4, *shape).round()
    log_px = model.log_likelihood(x, k=50)
    assert log_px.shape == (4,) and (model.elbo(x) <= log_px + 1.0).all()


def test_a_likelihood_or_a_prior_sample_leaves_a_model_in_training_mode_as_it_was():
    """Audit 43: log_likelihood on a conv VAE in training mode (made but not yet trained by Trainer, or after a loop
    of the user's) used its batch statistics, so the estimate depended on the batch, and overwrote batch norm's
    running statistics: the model saved afterwards was another one."""
    model = small_model("conv+vae", loss="bce").train()
    x = torch.rand(6, 1, 8, 8).round()
    state = {key: value.clone() for key, value in model.state_dict().items()}
    in_training = model.log_likelihood(x, k=5), model.elbo(x), model.sample(3, torch.Generator().manual_seed(0))
    assert model.training
    assert all(torch.equal(value, state[key]) for key, value in model.state_dict().items())
    model.eval()
    in_eval = model.log_likelihood(x, k=5), model.elbo(x), model.sample(3, torch.Generator().manual_seed(0))
    for got, wanted in zip(in_training, in_eval, strict=True):
        torch.testing.assert_close(got, wanted)


def test_a_likelihood_of_an_array_or_of_samples_of_another_shape_is_named():
    """Audit 43: a NumPy array gave "flatten() takes from 0 to 1 positional arguments", flat rows of a (1, 8, 8) model
    a BCE "Target size" error, smaller images a matrix product's; a float64 tensor "mat1 and mat2 must have the same
    dtype"."""
    model = small_model("vae", loss="bce").eval()
    x = np.random.default_rng(0).random((4, 1, 8, 8)).round().astype(np.float32)
    with pytest.raises(TypeError, match=r"x must be a torch.Tensor.*got a ndarray.*torch.from_numpy"):
        model.log_likelihood(x)
    for shape in [(4, 64), (4, 1, 4, 4)]:
        with pytest.raises(ae.DataError, match=rf"samples of shape \(1, 8, 8\).*{re.escape(str(shape))}"):
            model.elbo(torch.zeros(shape))
    for k in (10.0, "5", True, 0):  # were range()'s "'float' object cannot be interpreted as an integer", a str
        # comparison, and a one-sample estimate for True
        with pytest.raises(ae.ConfigError, match=f"k must be a whole number >= 1, got {k!r}"):
            model.log_likelihood(torch.from_numpy(x), k=k)
    wanted = model.log_likelihood(torch.from_numpy(x), k=5)
    torch.testing.assert_close(model.log_likelihood(torch.from_numpy(x).double(), k=5), wanted)


@pytest.mark.parametrize("generator", [0, "0"])
def test_a_seed_given_for_a_generator_is_named(generator):
    # Audit 43: model.sample(16, 0), a seed where the generator goes, was torch's "randn() received an invalid
    # combination of arguments" with its overloads.
    model = small_model("vae").eval()
    with pytest.raises(TypeError, match=r"generator must be a torch.Generator or None, got an? (int|str): "
                                        r"torch.Generator\(\).manual_seed\(0\) draws with seed 0"):
        model.sample(2, generator)
    with pytest.raises(TypeError, match=r"generator must be a torch.Generator or None"):
        model.sample_likelihood(torch.zeros(2, model.config.code_size), generator)


def test_objectives_without_a_prior_or_a_likelihood_say_what_they_lack():
    model = small_model("conv+vq")
    with pytest.raises(ValueError, match=r"a 'conv\+vq' model cannot sample: its objective 'vq' has no prior of "
                                         r"its own \(a VAE has\).*fit_code_density"):
        model.sample(2)
    for method in (model.elbo, model.log_likelihood):
        with pytest.raises(ValueError, match=r"a 'conv\+vq' model has no likelihood p\(x\|z\): its objective 'vq' "
                                             r"is not variational \(a VAE's is\)"):
            method(torch.rand(2, 1, 8, 8))


def test_vq_codes_are_codebook_entries_and_training_keeps_the_codebook_in_use(small_images):
    model = small_model("mlp+vq", code_size=8, code_dim=2, codebook_size=16, dead_after=128)
    assert model.objective.discrete_codes
    ae.Trainer(model, fast_config(epochs=3, validation_fraction=0)).fit(small_images)
    x = torch.from_numpy(small_images)
    with torch.no_grad():
        features, code = model.encoder(x), model.encode(x)
        indices = model.objective.code_indices(features)  # (256, 4)
    assert indices.shape == (256, 4) and indices.dtype == torch.long
    torch.testing.assert_close(code, model.objective.codebook[indices].flatten(1))
    usage = codebook_usage(model, small_images)
    assert usage["dead_share"] < 0.25 and 4 < usage["perplexity"] <= 16 and usage["bits_per_sample"] == 16


def test_vq_passes_the_decoder_gradient_straight_through_to_the_encoder(small_images):
    model = small_model("mlp+vq")
    model.loss(torch.from_numpy(small_images[:16]))["reconstruction"].backward()
    assert model.objective.head.weight.grad.abs().sum() > 0


def test_vq_restarts_dead_entries_at_encodings_of_the_batch(small_images):
    model = small_model("mlp+vq", code_size=4, code_dim=2, codebook_size=8, dead_after=10)
    x = torch.from_numpy(small_images[:16])
    model.loss(x)  # the first batch: every entry starts dead and is restarted from the batch's encodings
    with torch.no_grad():
        encodings = model.objective.head(model.encoder(x)).reshape(-1, 2)  # (32, 2)
    distances = torch.cdist(model.objective.codebook, encodings).min(dim=1).values
    assert (model.objective.samples_since_used < 10).all()
    assert int((distances > 1e-4).sum()) <= 1  # all but the entry the first batch used (then all equal) and moved


def test_vq_code_size_must_be_a_multiple_of_code_dim():
    with pytest.raises(ValueError, match="code_size 6 must be a multiple of code_dim 4"):
        ae.create_model(objective="vq", input_shape=(4,), code_size=6)


@pytest.mark.parametrize("shape", [(37,), (3, 50), (1, 7)])
def test_sequence_takes_windows_of_any_length_and_channel_count(shape):
    model = small_model("sequence", input_shape=shape, channels=(4, 8, 8)).eval()
    x = torch.randn(3, *shape)
    assert model.encode(x).shape == (3, 6) and model(x).shape == x.shape


def test_sequence_rejects_image_samples():
    with pytest.raises(ValueError, match=r"windows shaped \(channels, length\) or \(length,\), got \(1, 8, 8\)"):
        ae.create_model("sequence", input_shape=(1, 8, 8))


@pytest.mark.parametrize("name", ae.list_models())
def test_every_preset_works_as_a_scikit_learn_transformer(name, small_images):
    shape = getattr(registry.get_backbone(registry.get_preset(name).backbone), "example_input_shape", (1, 8, 8))
    X = small_images[:64].reshape(64, -1)
    est = AutoencoderTransformer(model=name, code_size=3, epochs=1, input_shape=shape, random_state=0).fit(X)
    assert est.transform(X).shape == (64, 3) and est.inverse_transform(est.transform(X)).shape == X.shape


def test_the_optimal_decoder_scale_is_the_reconstruction_error(small_images):
    X = small_images.reshape(256, 64)
    model = small_model("vae", input_shape=(64,), optimal_scale=True, decoder_scale=1.0)
    ae.Trainer(model, fast_config(epochs=10, validation_fraction=0)).fit(X)
    rms = float(ae.squared_error(model, X).mean() / 64) ** 0.5
    assert float(model.objective.scale) == pytest.approx(rms, rel=0.3)  # the running mean of the batches' RMS error
    assert float(model.objective.scale) < 0.8  # it left its starting value of 1
    with pytest.raises(ValueError, match="optimal_scale"):
        small_model("vae", input_shape=(64,), optimal_scale=True, loss="bce")


def test_free_bits_floor_every_code_dimensions_kl(small_images):
    x = torch.from_numpy(small_images[:32].reshape(32, 64))
    model = small_model("vae", input_shape=(64,), free_bits=0.5, beta=2.0, code_size=4)
    torch.nn.init.zeros_(model.objective.head.weight)
    torch.nn.init.zeros_(model.objective.head.bias)  # q(z|x) = the prior: a KL of 0 in every dimension
    with torch.no_grad():
        _, terms = model.objective.training_code(model, x, x)
    assert float(terms["beta_kl"]) == pytest.approx(2.0 * 0.5 * 4)  # beta * free_bits * code dimensions
    plain = small_model("vae", input_shape=(64,), code_size=4)
    torch.nn.init.zeros_(plain.objective.head.weight)
    torch.nn.init.zeros_(plain.objective.head.bias)
    with torch.no_grad():
        assert float(plain.objective.training_code(plain, x, x)[1]["beta_kl"]) == 0.0


@pytest.mark.parametrize("loss", ["bce", "mixed"])
def test_a_learned_scale_is_refused_for_a_decoder_without_one(loss):
    # Was accepted: a log_scale parameter that no loss term reads, so it never trained (and DDP fails on it).
    import pandas as pd

    from autoencoders.data import TabularPreprocessor

    table = TabularPreprocessor().fit(pd.DataFrame({"a": [1.0, None, 3.0], "b": ["x", "y", "x"]}))
    width, columns = (table.n_features_out, table.layout) if loss == "mixed" else (8, None)
    with pytest.raises(ae.ConfigError, match=f"learn_scale needs loss mse or l1.*got loss '{loss}'"):
        ae.create_model("vae", input_shape=(width,), loss=loss, columns=columns, learn_scale=True)


def test_a_learned_decoder_scale_moves_towards_the_reconstruction_error(small_images):
    model = small_model("vae", input_shape=(64,), learn_scale=True, decoder_scale=1.0)
    ae.Trainer(model, fast_config(epochs=25, lr=3e-2, validation_fraction=0)).fit(small_images.reshape(256, 64))
    scale = float(model.objective.log_scale.detach().exp())
    rms = float(ae.squared_error(model, small_images.reshape(256, 64)).mean() / 64) ** 0.5
    assert scale < 0.8 and scale == pytest.approx(rms, rel=0.5)  # the calibrated scale is about the error's


def test_a_vae_trains_on_rows_with_extreme_values(monkeypatch):
    """Values thousands of spreads out (heavy-tailed ADBench sets such as shuttle) pushed the posterior's
    log-variance so high that exp() overflowed and the first batch was NaN; it is bounded now."""
    import autoencoders.models.vae as vae

    rng = np.random.default_rng(0)
    X = rng.normal(size=(512, 6)).astype(np.float32)
    X[:8] *= 4000.0
    def fit():
        model = ae.create_model("vae", input_shape=(6,), code_size=2, hidden=(12,))
        return ae.Trainer(model, ae.TrainConfig(epochs=2, batch_size=64, lr=6e-3, seed=0, progress=False)).fit(X)
    assert np.isfinite(fit().train["loss"]).all()
    monkeypatch.setattr(vae, "LOG_VAR_RANGE", (-np.inf, np.inf))  # as before: the same rows diverge
    with pytest.raises(ae.errors.TrainingDivergedError):
        fit()



def test_a_decoder_scale_for_a_decoder_without_one_is_named_as_ignored():
    # Was ignored silently: bce's Bernoulli decoder has no scale, so decoder_scale=0.5 changed nothing. A warning
    # rather than an error, so that a checkpoint saved with one still loads.
    with pytest.warns(UserWarning, match="decoder_scale is the scale of an mse or l1 decoder; loss 'bce' has none"):
        ae.create_model("vae", input_shape=(8,), loss="bce", decoder_scale=0.5)
    ae.create_model("vae", input_shape=(8,), loss="bce")  # its default is no choice: taken
    ae.create_model("vae", input_shape=(8,), loss="l1", decoder_scale=0.5)


@pytest.mark.parametrize("draw", [
    lambda model, x, g: model.elbo(x, generator=g),
    lambda model, x, g: model.log_likelihood(x, k=7, samples_per_pass=3, generator=g),
    lambda model, x, g: model.sample(3, generator=g, noise=True),
    lambda model, x, g: model.sample_likelihood(torch.zeros(3, model.config.code_size), generator=g),
], ids=["elbo", "log_likelihood", "sample", "sample_likelihood"])
def test_likelihoods_and_draws_repeat_without_moving_the_callers_generators(draw):
    """Generative 46: elbo and log_likelihood drew from torch's global generator (a figure that changed from call to
    call and moved the caller's random stream); sample and sample_likelihood did too without a generator. Without
    one they now draw from a generator seeded 0 of their own; with one, from it."""
    model = small_model("vae", loss="bce").eval()
    x = torch.rand(4, 1, 8, 8).round()
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()[1].copy()  # noqa: NPY002
    first = draw(model, x, None)
    assert torch.equal(torch.get_rng_state(), torch_state), "the caller's torch generator moved"
    assert np.array_equal(np.random.get_state()[1], numpy_state)  # noqa: NPY002
    torch.testing.assert_close(draw(model, x, None), first, rtol=0, atol=0)
    torch.testing.assert_close(draw(model, x, torch.Generator().manual_seed(0)), first, rtol=0, atol=0)
    seeded_3 = draw(model, x, torch.Generator().manual_seed(3))
    torch.testing.assert_close(draw(model, x, torch.Generator().manual_seed(3)), seeded_3, rtol=0, atol=0)
    assert not torch.equal(seeded_3, first)


def test_a_likelihood_estimate_does_not_depend_on_how_many_samples_are_decoded_at_a_time():
    """Generative 46: ``ae evaluate`` decodes fewer samples at a time than ``log_likelihood``'s default, and its
    figure is the one the Python call gives on the same rows."""
    model = small_model("vae", loss="bce").eval()
    x = torch.rand(5, 1, 8, 8).round()
    torch.testing.assert_close(model.log_likelihood(x, k=40, samples_per_pass=3),
                               model.log_likelihood(x, k=40), rtol=1e-6, atol=1e-5)


def test_the_likelihood_metrics_are_measured_on_a_said_seeded_subsample_of_rows():
    """Generative 46: the NLL `ae evaluate` and the report give is bounded in work: at most ``max_rows`` rows, chosen
    with NumPy's generator seeded 0, the figure log_likelihood gives on those rows."""
    from autoencoders.metrics import likelihood_metrics, likelihood_rows

    model = small_model("vae", loss="bce").eval()
    X = np.random.default_rng(1).random((25, 1, 8, 8)).round().astype(np.float32)
    rows = likelihood_rows(len(X), 10)
    np.testing.assert_array_equal(rows, np.sort(np.random.default_rng(0).choice(25, 10, replace=False)))
    metrics = likelihood_metrics(model, X, importance_samples=6, max_rows=10)
    wanted = -model.log_likelihood(torch.from_numpy(X[rows]), k=6).mean().item()
    assert metrics["nll_nats"] == pytest.approx(wanted, rel=1e-5) and metrics["likelihood_rows"] == 10
    np.testing.assert_array_equal(likelihood_rows(8, 10), np.arange(8))  # fewer rows than the bound: all of them


def test_a_short_vq_run_keeps_more_of_its_codebook_in_use_by_restarting_rarely_used_entries(small_images):
    """Generative 46: entries were restarted only after dead_after (10,000) unused samples, so a short run left most
    of the codebook unused. Rarely used entries (below dead_usage of an even share, checked every batch) now restart
    at once; dead_usage=0 is the old rule alone."""
    in_use = {}
    for dead_usage in (0.0, 0.1):
        model = small_model("mlp+vq", code_size=16, code_dim=2, codebook_size=256, dead_usage=dead_usage)
        ae.Trainer(model, fast_config(epochs=2, validation_fraction=0)).fit(small_images)
        in_use[dead_usage] = round((1 - codebook_usage(model, small_images)["dead_share"]) * 256)
    assert in_use[0.1] >= in_use[0.0] + 10, in_use


def test_vq_restarts_an_entry_whose_use_falls_below_dead_usage_before_dead_after(small_images):
    model = small_model("mlp+vq", code_size=4, code_dim=2, codebook_size=8, dead_usage=0.5)
    x = torch.from_numpy(small_images[:16])  # 32 vectors a batch: an even share is 4, the rare level 2
    model.loss(x)  # the first batch initialises every entry
    objective = model.objective
    objective.weight[0] = 1.0  # entry 0's moving-average use below the rare level, though used recently
    objective.samples_since_used[0] = 0
    objective.codebook[0] = objective.weight_sum[0] = torch.full((2,), 1e3)  # far from every encoding: unused
    model.loss(x)
    assert objective.codebook[0].abs().max() < 1e3 and objective.weight[0] == pytest.approx(2.0)
