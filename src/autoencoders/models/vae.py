"""The variational objective (Kingma & Welling, 2014), KL weighted by ``beta`` (Higgins et al., 2017): the head
gives q(z|x) = N(mean, exp(log_var)), the prior is N(0, I), p(x|z) is the likelihood ``loss`` stands for
(``losses.LOSSES``). The loss is the negative ELBO in nats: ``reconstruction`` = -E[log p(x|z)] plus ``beta_kl``
(beta times the KL; the KL itself where beta is 1)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..options import option, require, require_count
from ..registry import register_objective
from ._base import Autoencoder, ModelConfig, Objective, PartConfig
from .losses import LOG_2PI, LOSSES

# Range of the posterior's log-variance: exp(0.5 * 40) is about 5e8, far from float32's limit (about e^88).
LOG_VAR_RANGE = (-40.0, 40.0)


@dataclass
class VAEConfig(PartConfig):
    beta: float = option(1.0, "weight of the KL term (beta-VAE: above 1 for more factorised codes)", "[0, inf)")
    decoder_scale: float = option(0.1, "standard deviation (mse) or scale (l1: Laplace) of p(x|z)", "(0, inf)")
    learn_scale: bool = option(False, "learn decoder_scale (from its value) with the weights: a calibrated decoder "
                                      "(Rybkin et al., 2021) that balances the KL term by itself")
    optimal_scale: bool = option(False, "set decoder_scale to each training batch's maximum-likelihood value (mse: "
                                        "the root mean squared error; l1: the mean absolute error), the optimal "
                                        "sigma-VAE of Rybkin et al. (2021); evaluation uses its running mean")
    free_bits: float = option(0.0, "nats of KL per code dimension (batch mean) left unpenalised, against posterior "
                                   "collapse (Kingma et al., 2016); 0: the plain ELBO", "[0, inf)")

    def check(self, config: ModelConfig) -> None:
        # bce and mixed decoders have no scale: a learn_scale there was a parameter that never trained, and a
        # decoder_scale other than its default is ignored (a warning, not an error: checkpoints saved with one load)
        scaled = LOSSES[config.loss].best_scale is not None
        if not scaled and self.decoder_scale != VAEConfig.decoder_scale:
            warnings.warn(f"decoder_scale is the scale of an mse or l1 decoder; loss {config.loss!r} has none, so "
                          f"decoder_scale={self.decoder_scale} is ignored", UserWarning, stacklevel=2)
        require(not self.learn_scale or scaled,
                f"learn_scale needs loss mse or l1 (a decoder with a scale), got loss {config.loss!r}")
        require(not self.optimal_scale or (not self.learn_scale and scaled),
                f"optimal_scale needs loss mse or l1 and no learn_scale, got loss {config.loss!r}, "
                f"learn_scale {self.learn_scale}")

    def needs_data_space(self) -> bool:  # a decoder scale given, learned or set from the batches
        return self.learn_scale or self.optimal_scale or self.decoder_scale != VAEConfig.decoder_scale


@register_objective("vae")
class VAE(Objective):
    """Gaussian codes, beta-weighted KL, sampling and log-likelihood estimates."""

    config_class = VAEConfig
    can_sample = True
    has_likelihood = True
    head_outputs = 2  # mean and log-variance
    renamed_parts = {"kl": "beta_kl"}  # (Tidy 50) the term is beta times the KL, which "kl" was taken for

    def __init__(self, config: ModelConfig, features: int):
        super().__init__(config, features)
        if self.options.learn_scale:
            self.log_scale = nn.Parameter(torch.tensor(math.log(self.options.decoder_scale)))
        if self.options.optimal_scale:
            self.register_buffer("scale", torch.tensor(self.options.decoder_scale))  # running mean of the batches'

    def posterior(self, features: Tensor) -> tuple[Tensor, Tensor]:  # mean and log-variance of q(z|x), (B, Z) each
        mean, log_var = self.head(features).chunk(2, dim=1)
        # bounded so that exp() stays finite in float32 on extreme inputs (values thousands of spreads out made the
        # first batch NaN); trained posteriors lie far inside, so their values are unchanged
        return mean, log_var.clamp(LOG_VAR_RANGE[0], LOG_VAR_RANGE[1])

    def encode(self, features: Tensor) -> Tensor:
        return self.posterior(features)[0]  # (B, code_size): the posterior mean, deterministic

    def draw(self, features: Tensor, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """z ~ q(z|x) (reparameterised), mean and log_var, (B, Z) each; the noise from ``generator``, or in training
        (no generator) from torch's global one, which the trainer forks and seeds."""
        mean, log_var = self.posterior(features)  # (B, Z) each
        noise = torch.randn_like(mean) if generator is None else _standard_normal((len(mean),), mean, generator)
        return mean + torch.exp(0.5 * log_var) * noise, mean, log_var

    def training_code(self, model: Autoencoder, noisy: Tensor, x: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        z, mean, log_var = self.draw(model.encoder(noisy))
        kl = _kl_per_dimension(mean, log_var)  # (B, Z)
        if self.options.free_bits > 0:  # every dimension's batch-mean KL counts for at least free_bits
            kl = kl.mean(dim=0).clamp(min=self.options.free_bits).sum()
        else:
            kl = kl.sum(dim=1).mean()
        return z, {"beta_kl": self.options.beta * kl}  # the loss's term, named so: not the KL itself

    def reconstruction(self, model: Autoencoder, logits: Tensor, x: Tensor) -> Tensor:  # -log p(x|z) in nats, (B,)
        scale, spec = self._scale(model, logits, x), LOSSES[model.config.loss]
        return model.reconstruction_loss(logits, x) / spec.divisor(scale) + x[0].numel() * spec.log_normaliser(scale)

    def _scale(self, model: Autoencoder, logits: Tensor, x: Tensor) -> float | Tensor:
        """The decoder's scale: fixed, learned, or (optimal_scale) the training batch's maximum-likelihood one."""
        if self.options.learn_scale:
            return self.log_scale.exp()
        if not self.options.optimal_scale:
            return self.options.decoder_scale
        if self.training and torch.is_grad_enabled():
            error = model.reconstruction_loss(logits.detach(), x).mean() / x[0].numel()  # per feature
            best = LOSSES[model.config.loss].best_scale(error).clamp(min=1e-4)
            self.scale.lerp_(best, 0.05)
            return best
        return self.scale

    @torch.no_grad()
    def elbo(self, model: Autoencoder, x: Tensor, generator: torch.Generator) -> Tensor:
        """A one-sample estimate of the evidence lower bound per sample (B,), KL unweighted (beta = 1)."""
        _check_likelihood(model, "an ELBO or log_likelihood")
        z, mean, log_var = self.draw(model.encoder(x), generator)
        return -self.reconstruction(model, model.decode_logits(z), x) - _kl_per_dimension(mean, log_var).sum(dim=1)

    @torch.no_grad()
    def log_likelihood(self, model: Autoencoder, x: Tensor, k: int, samples_per_pass: int,
                       generator: torch.Generator) -> Tensor:
        """Importance-weighted estimate of log p(x) per sample (B,) with ``k`` samples from q(z|x)
        (Burda et al., 2016); decodes ``samples_per_pass`` samples of every row at a time to bound memory. The k
        draws of noise (k * B * Z values, a code's width where a pass decodes whole samples) are drawn at once, so
        the estimate is the same whatever ``samples_per_pass``."""
        require_count("k", k)
        require_count("samples_per_pass", samples_per_pass)
        _check_likelihood(model, "an ELBO or log_likelihood")
        mean, log_var = self.posterior(model.encoder(x))  # (B, Z)
        std = torch.exp(0.5 * log_var)
        draws = _standard_normal((k, *mean.shape[:1]), mean, generator)  # (K, B, Z)
        log_weights = []
        for noise in draws.split(samples_per_pass):  # (S, B, Z)
            s = len(noise)
            z = mean + std * noise
            logits = model.decode_logits(z.flatten(0, 1))  # (S*B, *input_shape)
            log_px_z = -self.reconstruction(model, logits, x.repeat(s, *([1] * (x.ndim - 1)))).view(s, -1)  # (S, B)
            log_pz = _standard_normal_log_density(z)  # (S, B)
            log_qz = _standard_normal_log_density(noise) - log_var.sum(dim=1) / 2  # (S, B)
            log_weights.append(log_px_z + log_pz - log_qz)
        return torch.logsumexp(torch.cat(log_weights), dim=0) - math.log(k)  # (B,)

    @torch.no_grad()
    def sample(self, model: Autoencoder, n: int, generator: torch.Generator | None, noise: bool) -> Tensor:
        """``n`` new samples (n, *input_shape) for prior codes: the decoder's mean, or with ``noise`` x ~ p(x|z)."""
        z = torch.randn(n, model.config.code_size, generator=generator).to(self.head.weight.device)  # (n, Z)
        return self.sample_likelihood(model, z, generator) if noise else model.decode(z)

    @torch.no_grad()
    def sample_likelihood(self, model: Autoencoder, z: Tensor, generator: torch.Generator | None) -> Tensor:
        _check_likelihood(model, "draws from p(x|z)")
        mean = model.decode(z)  # (n, *input_shape)
        return LOSSES[model.config.loss].sample(mean, self._scale(model, mean, mean), generator)  # x ~ p(x|z)


def _check_likelihood(model: Autoencoder, what: str) -> None:
    """A ConfigError unless the model's loss is a likelihood p(x|z), a density with a sampler (not a table's)."""
    require(LOSSES[model.config.loss].sample is not None,
            f"loss {model.config.loss!r} has no likelihood p(x|z) (a table's squared errors and cross-entropies are "
            f"taken as they are, with no density's normaliser): {what} need loss mse, l1 or bce")


def _kl_per_dimension(mean: Tensor, log_var: Tensor) -> Tensor:  # KL(N(mean, exp(log_var)) || N(0, 1)), (B, Z)
    return 0.5 * (mean.square() + log_var.exp() - 1 - log_var)


def _standard_normal(leading: tuple[int, ...], like: Tensor, generator: torch.Generator) -> Tensor:
    """N(0, 1) draws (*leading, Z) for codes ``like`` (B, Z), on its device in its dtype, from CPU ``generator``
    (drawn on the CPU: a CPU generator cannot draw on a GPU)."""
    return torch.randn(*leading, like.shape[-1], generator=generator, dtype=like.dtype).to(like.device)


def _standard_normal_log_density(z: Tensor) -> Tensor:  # log N(z; 0, I) over the last dimension
    return -0.5 * (z.square() + LOG_2PI).sum(dim=-1)
