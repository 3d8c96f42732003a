"""The sparse objective. l1: weight * sum |code| (ReLU code); kl: weight * sum_j KL(rho || mean activation of
unit j) (sigmoid code); topk: only the k largest pre-activations survive (Makhzani & Frey, 2013), plus an auxiliary
loss that lets dead units reconstruct with the active code (after Gao et al., 2024) so they revive."""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import torch
from torch import Tensor

from ..options import option, require
from ..registry import register_objective
from ._base import Autoencoder, ModelConfig, Objective, PartConfig

PENALTIES = {"l1": "relu", "kl": "sigmoid", "topk": "identity"}  # with the code activation each needs
# The options each penalty reads; under another penalty they are ignored.
PENALTY_OPTIONS = {"l1": ("sparsity_weight",), "kl": ("sparsity_weight", "target_rate"),
                   "topk": ("k", "aux_k", "aux_weight", "dead_after")}


@dataclass
class SparseConfig(PartConfig):
    penalty: str = option("l1", "l1 (ReLU code), kl (sigmoid code, mean rate target_rate) or topk", choices=PENALTIES)
    sparsity_weight: float = option(0.1, "weight of the l1 or kl penalty", "[0, inf)")
    target_rate: float = option(0.05, "kl: target mean activation rho of every code unit", "(0, 1)")
    k: int = option(16, "topk: active units per sample (at most code_size)")
    # topk auxiliary-loss defaults: the settings that left 0.4% of 1,000 units never active on MNIST
    # (benchmarks/families.py --only sparse; aux_weight 1/32 left 16.2% after 15 epochs, against 15.8% here)
    aux_k: int = option(256, "topk: dead units the auxiliary loss lets reconstruct (0: no auxiliary loss)", "[0, inf)")
    aux_weight: float = option(1 / 8, "topk: weight of the auxiliary loss", "[0, inf)")
    dead_after: int = option(1000, "topk: a unit is dead after this many training samples inactive", "[1, inf)")

    @property
    def code_activation(self) -> str:
        return PENALTIES[self.penalty]

    def check(self, config: ModelConfig) -> None:
        # a warning, not an error, as the VAE's ignored decoder_scale: checkpoints saved with such a value still load
        ignored = []
        for field in dataclasses.fields(self):
            users = [penalty for penalty, names in PENALTY_OPTIONS.items() if field.name in names]
            if users and self.penalty not in users and getattr(self, field.name) != field.default:
                ignored.append(f"{field.name}={getattr(self, field.name)!r} (used by penalty {', '.join(users)})")
        if ignored:
            warnings.warn(f"penalty {self.penalty!r} ignores {', '.join(ignored)}", UserWarning, stacklevel=2)
        if self.penalty == "topk":
            size, levels = config.head_size, config.code_size - config.head_size  # a carried level is not k's
            less = f" less {levels} level value(s) = {size}" if levels else ""
            require(1 <= self.k <= size, f"k must be in [1, code_size={config.code_size}{less}], got {self.k}")


def keep_top_k(values: Tensor, k: int) -> Tensor:  # values (B, N) but the k largest of each row zeroed
    top, index = values.topk(k, dim=1)  # (B, k)
    return torch.zeros_like(values).scatter(1, index, top)


def kl_to_rate(rate: float, mean_activation: Tensor) -> Tensor:  # KL(Bernoulli(rate) || Bernoulli(mean)), (N,)
    mean = mean_activation.clamp(1e-6, 1 - 1e-6)
    return rate * torch.log(rate / mean) + (1 - rate) * torch.log((1 - rate) / (1 - mean))


@register_objective("sparse")
class Sparse(Objective):
    """A sparse code: L1 or KL penalty, or top-k with dead-unit revival."""

    config_class = SparseConfig
    sparse_codes = True

    def __init__(self, config: ModelConfig, features: int):
        super().__init__(config, features)
        # Training samples seen since each code unit was last active; a buffer, so it is saved and resumed.
        self.register_buffer("samples_since_active", torch.zeros(config.head_size, dtype=torch.long))

    def sparsify(self, pre_code: Tensor) -> Tensor:
        return keep_top_k(pre_code, self.options.k) if self.options.penalty == "topk" else pre_code

    def encode(self, features: Tensor) -> Tensor:
        return self.sparsify(super().encode(features))  # (B, code_size)

    def decodable(self, codes: Tensor) -> Tensor:  # (B, code_size): top-k keeps the k largest active units by value
        if self.options.penalty != "topk":
            return super().decodable(codes)  # l1: ReLU codes, kl: sigmoid codes
        # A 0 is a unit below the k kept, not a value above kept negative ones: ranked last, so codes are unchanged
        kept = keep_top_k(codes.masked_fill(codes == 0, -torch.inf), self.options.k)
        return kept.masked_fill(kept == -torch.inf, 0.0)

    def training_code(self, model: Autoencoder, noisy: Tensor, x: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        cfg = self.options
        pre_code = super().encode(model.encoder(noisy))  # (B, code_size), before top-k
        code = self.sparsify(pre_code)
        if cfg.penalty == "l1":
            return code, {"l1": cfg.sparsity_weight * code.abs().sum(dim=1).mean()}
        if cfg.penalty == "kl":
            return code, {"kl": cfg.sparsity_weight * kl_to_rate(cfg.target_rate, code.mean(dim=0)).sum()}
        return code, {"dead_unit_loss": cfg.aux_weight * self.dead_unit_loss(model, pre_code, code, x)}

    def dead_unit_loss(self, model: Autoencoder, pre_code: Tensor, code: Tensor, x: Tensor) -> Tensor:
        """Reconstruction loss when the aux_k largest dead units are added to the (fixed) active code:
        its gradient teaches dead units to explain what the active ones miss."""
        dead = self.samples_since_active >= self.options.dead_after  # (N,)
        if self.training:
            with torch.no_grad():
                self.samples_since_active += len(code)
                self.samples_since_active[(code != 0).any(dim=0)] = 0
        n_aux = min(self.options.aux_k, int(dead.sum()))
        if n_aux == 0:
            return code.new_zeros(())
        dead_code = keep_top_k(pre_code.masked_fill(~dead, -torch.inf), n_aux)  # (B, N)
        return model.reconstruction_loss(model.decode_logits(code.detach() + dead_code), x).mean()
