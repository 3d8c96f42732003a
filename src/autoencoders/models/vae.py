"""Variational autoencoder (Kingma & Welling, 2014) with a beta-weighted KL term (Higgins et al., 2017).

The encoder gives a diagonal Gaussian q(z|x) = N(mean, exp(log_var)); the prior is N(0, I). The decoder's
likelihood follows ``loss``: Bernoulli for ``bce``, Gaussian with standard deviation ``decoder_scale`` for
``mse``, Laplace with scale ``decoder_scale`` for ``l1``. The training loss is the negative ELBO in nats
(with the KL term weighted by ``beta``), so its parts are ``reconstruction`` = -E[log p(x|z)] and ``kl``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..registry import register
from ._base import Autoencoder, ModelConfig, _require, option
from ._blocks import ACTIVATIONS, Unflatten, mlp, n_features

LOG_2PI = math.log(2 * math.pi)


@dataclass
class VAEConfig(ModelConfig):
    hidden: tuple[int, ...] = option((512, 256), "widths of the encoder's hidden layers; the decoder mirrors them")
    activation: str = option("relu", "nonlinearity between layers: relu, leaky_relu, elu, gelu, silu, tanh ...")
    beta: float = option(1.0, "weight of the KL term (beta-VAE: above 1 for smoother, more factorised codes)")
    decoder_scale: float = option(0.1, "standard deviation (mse: Gaussian) or scale (l1: Laplace) of p(x|z)")

    def __post_init__(self) -> None:
        super().__post_init__()
        self.hidden = tuple(int(h) for h in self.hidden)
        _require(all(h >= 1 for h in self.hidden), f"hidden sizes must be >= 1, got {self.hidden}")
        _require(self.activation in ACTIVATIONS,
                 f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        _require(self.beta >= 0, f"beta must be >= 0, got {self.beta}")
        _require(self.decoder_scale > 0, f"decoder_scale must be > 0, got {self.decoder_scale}")


@register("vae")
class VariationalAutoencoder(Autoencoder):
    """Variational autoencoder: Gaussian codes, beta-weighted KL, sampling and log-likelihood estimates."""

    config_class = VAEConfig

    def __init__(self, config: VAEConfig):
        super().__init__(config)
        width, hidden = n_features(config.input_shape), config.hidden
        self.encoder = nn.Sequential(
            nn.Flatten(), mlp([width, *hidden, 2 * config.code_size], config.activation)  # -> (mean, log_var)
        )
        self.decoder = nn.Sequential(
            mlp([config.code_size, *reversed(hidden), width], config.activation), Unflatten(config.input_shape)
        )

    def posterior(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Mean and log-variance of q(z|x), each (B, code_size)."""
        mean, log_var = self.encoder(x).chunk(2, dim=1)
        return mean, log_var

    def encode(self, x: Tensor) -> Tensor:
        return self.posterior(x)[0]  # (B, code_size): the posterior mean, deterministic

    def decode_logits(self, code: Tensor) -> Tensor:
        return self.decoder(code)  # (B, *input_shape)

    def decoder_nll(self, logits: Tensor, x: Tensor) -> Tensor:
        """-log p(x|z) per sample (B,), in nats, from the decoder's output ``logits`` for codes z."""
        error = self.reconstruction_loss(logits, x)  # (B,) BCE, squared or absolute error summed over features
        scale, d = self.config.decoder_scale, self.n_features
        if self.config.loss == "mse":
            return error / (2 * scale**2) + d * (math.log(scale) + 0.5 * LOG_2PI)
        if self.config.loss == "l1":
            return error / scale + d * math.log(2 * scale)
        return error  # Bernoulli: BCE is exactly -log p(x|z)

    def loss(self, x: Tensor) -> dict[str, Tensor]:
        mean, log_var = self.posterior(self.corrupt(x))  # (B, Z) each
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)  # reparameterisation
        reconstruction = self.decoder_nll(self.decode_logits(z), x).mean()
        kl = self.config.beta * _kl_to_standard_normal(mean, log_var).mean()
        return {"loss": reconstruction + kl, "reconstruction": reconstruction, "kl": kl}

    @torch.no_grad()
    def elbo(self, x: Tensor) -> Tensor:
        """A one-sample estimate of the evidence lower bound per sample (B,), KL unweighted (beta = 1)."""
        mean, log_var = self.posterior(x)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        return -self.decoder_nll(self.decode_logits(z), x) - _kl_to_standard_normal(mean, log_var)

    @torch.no_grad()
    def log_likelihood(self, x: Tensor, k: int = 1000, samples_per_pass: int = 100) -> Tensor:
        """Importance-weighted estimate of log p(x) per sample (B,) with ``k`` samples from q(z|x)
        (Burda et al., 2016); decodes ``samples_per_pass`` samples of every row at a time to bound memory."""
        _require(k >= 1 and samples_per_pass >= 1, f"k and samples_per_pass must be >= 1, got {k}, {samples_per_pass}")
        mean, log_var = self.posterior(x)  # (B, Z)
        std = torch.exp(0.5 * log_var)
        log_weights = []
        for done in range(0, k, samples_per_pass):
            s = min(samples_per_pass, k - done)
            noise = torch.randn(s, *mean.shape, device=mean.device, dtype=mean.dtype)  # (S, B, Z)
            z = mean + std * noise
            logits = self.decode_logits(z.flatten(0, 1))  # (S*B, *input_shape)
            log_px_z = -self.decoder_nll(logits, x.repeat(s, *([1] * (x.ndim - 1)))).view(s, -1)  # (S, B)
            log_pz = _standard_normal_log_density(z)  # (S, B)
            log_qz = _standard_normal_log_density(noise) - log_var.sum(dim=1) / 2  # (S, B)
            log_weights.append(log_px_z + log_pz - log_qz)
        return torch.logsumexp(torch.cat(log_weights), dim=0) - math.log(k)  # (B,)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` new samples (n, *input_shape): the decoder's mean output for codes drawn from the prior."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.config.code_size, generator=generator).to(device)  # (n, Z)
        return self.decode(z)

    @torch.no_grad()
    def interpolate(self, a: Tensor, b: Tensor, steps: int = 8) -> Tensor:
        """Decoded points (steps, *input_shape) on the straight line between the codes of samples ``a`` and ``b``."""
        _require(steps >= 2, f"steps must be >= 2, got {steps}")
        ends = self.encode(torch.stack([a.reshape(self.input_shape), b.reshape(self.input_shape)]))  # (2, Z)
        weights = torch.linspace(0, 1, steps, device=ends.device, dtype=ends.dtype)[:, None]  # (steps, 1)
        return self.decode((1 - weights) * ends[0] + weights * ends[1])


def _kl_to_standard_normal(mean: Tensor, log_var: Tensor) -> Tensor:
    """KL(N(mean, exp(log_var)) || N(0, I)) per sample (B,)."""
    return 0.5 * (mean.square() + log_var.exp() - 1 - log_var).sum(dim=1)


def _standard_normal_log_density(z: Tensor) -> Tensor:
    """log N(z; 0, I) summed over the last dimension."""
    return -0.5 * (z.square() + LOG_2PI).sum(dim=-1)
