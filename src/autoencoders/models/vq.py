"""The vector-quantised objective (VQ-VAE, van den Oord et al., 2017): the head's output is cut into vectors of
``code_dim``, each replaced by its nearest codebook entry, with straight-through gradients and a commitment loss.
Entries follow their encodings as moving averages (the paper's appendix A.1: unlike a codebook loss, as fast as
the encoder moves). An entry restarts at an encoding of the batch when it is rarely used: its moving-average share
of a batch's vectors below ``dead_usage`` of an even share (the random restarts of Dhariwal et al., 2020, Jukebox,
which restart an entry whose moving-average use falls below a threshold, checked every batch), or unused for
``dead_after`` training samples. All start dead, so the first batch initialises the codebook from the data."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..options import option, require
from ..registry import register_objective
from ._base import Autoencoder, ModelConfig, Objective, PartConfig


def straight_through(z: Tensor, quantised: Tensor) -> Tensor:
    return z + (quantised - z).detach()  # (B, code_size): the entries' values, z's gradients


@dataclass
class VQConfig(PartConfig):
    codebook_size: int = option(512, "number of codebook entries K (each code vector costs log2 K bits)", "[2, inf)")
    code_dim: int = option(4, "width of each quantised vector; code_size / code_dim vectors per sample", "[1, inf)")
    commitment: float = option(0.25, "beta: weight of the commitment loss ||z_e - sg(e)||^2", "[0, inf)")
    decay: float = option(0.99, "decay of the moving averages the codebook entries follow", "[0, 1)")
    dead_after: int = option(10_000, "restart an entry after this many training samples without being used", "[1, inf)")
    dead_usage: float = option(0.1, "restart an entry whose moving-average share of a batch's vectors falls below "
                                    "this fraction of an even share (1 / codebook_size); 0: only dead_after",
                               "[0, 1)")

    def check(self, config: ModelConfig) -> None:
        require(config.code_size % self.code_dim == 0,
                f"code_size {config.code_size} must be a multiple of code_dim {self.code_dim}")


@register_objective("vq")
class VQ(Objective):
    """Discrete codes: a codebook, commitment loss, straight-through gradients and dead-entry restarts."""

    config_class = VQConfig
    discrete_codes = True

    def __init__(self, config: ModelConfig, features: int):
        super().__init__(config, features)
        k, d = self.options.codebook_size, self.options.code_dim
        self.register_buffer("codebook", torch.zeros(k, d))  # (K, D): weight_sum / weight
        self.register_buffer("weight", torch.ones(k))  # moving average of the vectors each entry was given
        self.register_buffer("weight_sum", torch.zeros(k, d))  # and of their sum
        self.register_buffer("samples_since_used", torch.full((k,), self.options.dead_after, dtype=torch.long))

    def code_indices(self, features: Tensor) -> Tensor:  # (B, G): each code vector's nearest entry
        return self.nearest_indices(self.head(features))

    def nearest_indices(self, z: Tensor) -> Tensor:  # (B, code_size) -> (B, G): each vector's nearest entry
        z = z.unflatten(1, (-1, self.options.code_dim))  # (B, G, D)
        distances = z.square().sum(-1, keepdim=True) - 2 * z @ self.codebook.T + self.codebook.square().sum(-1)
        return distances.argmin(dim=-1)  # (B, G)

    def quantise(self, codes: Tensor) -> Tensor:  # (B, code_size): any codes -> the nearest codebook entries
        return self.lookup(self.nearest_indices(codes))

    decodable = quantise

    def lookup(self, indices: Tensor) -> Tensor:
        return self.codebook[indices].flatten(1)  # (B, G) -> codes (B, code_size) of codebook entries

    def encode(self, features: Tensor) -> Tensor:
        return self.lookup(self.code_indices(features))  # (B, code_size): entries of the codebook

    def differentiable_code(self, features: Tensor) -> Tensor:
        z = self.head(features)  # (B, code_size)
        return straight_through(z, self.quantise(z))

    def training_code(self, model: Autoencoder, noisy: Tensor, x: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        features = model.encoder(noisy)
        z = self.head(features)  # (B, code_size)
        indices = self.code_indices(features)  # (B, G)
        if self.training:
            self._update_codebook(indices, z.detach())
        quantised = self.lookup(indices)
        commitment = self.options.commitment * (z - quantised.detach()).square().sum(dim=1).mean()
        return straight_through(z, quantised), {"commitment": commitment}

    @torch.no_grad()
    def _update_codebook(self, indices: Tensor, z: Tensor) -> None:
        """Move each entry towards the mean of the vectors assigned to it; restart the dead ones."""
        vectors, indices = z.unflatten(1, (-1, self.options.code_dim)).flatten(0, 1), indices.flatten()  # (N, D)
        decay = self.options.decay
        self.weight.mul_(decay).add_(torch.bincount(indices, minlength=len(self.weight)), alpha=1 - decay)
        self.weight_sum.mul_(decay).index_add_(0, indices, vectors, alpha=1 - decay)
        self.codebook.copy_(self.weight_sum / self.weight.clamp_min(1e-5)[:, None])
        self.samples_since_used += len(z)
        self.samples_since_used[indices.unique()] = 0
        # weight is each entry's moving-average count of a batch's vectors; an even share is len(vectors) / K
        rare = self.options.dead_usage * len(vectors) / len(self.weight)
        dead = ((self.samples_since_used >= self.options.dead_after) | (self.weight < rare)).nonzero().squeeze(1)
        if len(dead):  # (n_dead,) entries, each restarted at a random vector of the batch
            restart = vectors[torch.randint(len(vectors), (len(dead),), device=z.device)]  # (n_dead, D)
            # a restarted entry starts at the rare level: unused in the next batch, it falls below it and restarts
            # elsewhere at once (dead_usage 0: at a count of 1, as dead_after alone always did)
            start = rare if rare > 0 else 1.0
            self.codebook[dead], self.weight_sum[dead] = restart, restart * start
            self.weight[dead], self.samples_since_used[dead] = start, 0
