"""A model is a backbone (encoder body (B, *input_shape) -> (B, F), decoder (B, code_size) -> (B, *input_shape)
logits) with an objective (the code head on the body, the loss, and capabilities: sample, likelihood ...)."""

from __future__ import annotations

import dataclasses
import math
import numbers
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from ..data.corruption import CORRUPTIONS, corrupt
from ..data.tabular import check_layout
from ..errors import ConfigError, DataError, described, type_phrase
from ..options import check_options, option, require, require_count
from ._blocks import RANGES, activation
from .losses import LOSSES, OUTPUT_ACTIVATIONS, activate

# The seed of a sample, ELBO or likelihood estimate given no generator: fixed, so that the same model and rows give
# the same figure every time (a figure that moved between calls would read as a change in the model); the seed
# applications.generate, the report's samples and training default to.
DEFAULT_SEED = 0

@dataclass
class PartConfig:
    """Options of one registered backbone or objective; ``name`` is set by its registration."""

    name: ClassVar[str]

    def __post_init__(self) -> None:
        check_options(self)

    def check(self, config: ModelConfig) -> None:
        """Raise ValueError if this part cannot work with the rest of ``config`` (e.g. the input shape)."""

    def ignored(self, config: ModelConfig) -> dict[str, str]:
        """This part's options that ``config``'s model never reads, each with why (``registry.make_config`` warns of
        those the caller gave: a preset's own values are no choice of the user's)."""
        return {}

    def encoder_has_weights(self) -> bool:
        """A backbone's: whether its encoder body has weights (an mlp without hidden layers has none: the code head
        works on the input itself)."""
        return True

    def needs_data_space(self) -> bool:
        """Whether these options need the decoder's output in data space, with a scale (loss mse or l1, not bce):
        what a loss of ``auto`` then picks (``registry.needs_data_space``)."""
        return False

    def is_linear(self) -> bool:
        """Whether this part is an affine map (a backbone's encoder body and decoder, an objective's code head): a
        model of two such parts is PCA's form, whose subspace squared error learns (``registry.needs_data_space``)."""
        return False

    def level_size(self, config: ModelConfig) -> int:
        """A backbone's: how many values of each sample's level (its per-channel means over the last axis) it takes
        off before the encoder and adds back after the decoder; they are carried as the code's last values."""
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **dataclasses.asdict(self)}


@dataclass
class ModelConfig:
    """The options every model has, plus its backbone's and its objective's (see ``registry.make_config``)."""

    input_shape: tuple[int, ...] = dataclasses.field(metadata={"help": "shape of one sample, e.g. (64,), (1, 28, 28)"})
    backbone: PartConfig  # the network: a registered backbone's config
    objective: PartConfig  # the code head and loss: a registered objective's config
    code_size: int = option(32, "width of the code (above the input's for an over-complete code)", "[1, inf)")
    loss: str = option("mse", "reconstruction loss: mse, bce (targets in [0, 1]), l1 or mixed (tables)", choices=LOSSES)
    columns: list | None = option(None, "the table's column layout that loss 'mixed' needs (from TabularPreprocessor)")
    output_activation: str = option("auto", "decoder output (auto: sigmoid for bce)", choices=OUTPUT_ACTIVATIONS)
    corruption: str | None = option(None, "train to undo input noise of this kind (cells: hide table cells as gaps, "
                                          "loss mixed) (default: off)", choices=CORRUPTIONS)
    corruption_level: float = option(0.1, "noise std (gaussian) or probability of hitting an entry", "[0, inf)")
    preset: str | None = option(None, "the preset the model was made from, which names it")

    def __post_init__(self) -> None:
        check_options(self)  # first: it makes a size given alone a tuple of one
        require(len(self.input_shape) > 0, "input_shape must be a non-empty tuple of positive sizes, got ()")
        require(self.loss != "bce" or self.output_activation != "identity",
                "loss 'bce' needs a sigmoid output; use output_activation 'auto' or 'sigmoid'")
        require((self.loss == "mixed") == (self.columns is not None), "loss 'mixed' and a column layout go together")
        require(self.corruption != "cells" or self.columns is not None, "corruption 'cells' needs loss 'mixed'")
        if self.columns is not None:
            check_layout(self.columns, math.prod(self.input_shape))
        self._warn_of_ignored()
        for part in (self.backbone, self.objective):
            try:
                part.check(self)
            except ConfigError:
                raise
            except ValueError as error:  # a part of the user's keeps to check's contract: one of the library's now
                raise ConfigError(str(error)) from error

    def _warn_of_ignored(self) -> None:
        """Name the shared options set away from their defaults that this config ignores (a warning, as the parts'
        own: a checkpoint saved with one still loads)."""
        ignored = []
        if self.corruption is None and self.corruption_level != ModelConfig.corruption_level:
            ignored.append(f"corruption_level={self.corruption_level} (no corruption is set)")
        if LOSSES[self.loss].decode is not None and self.output_activation != ModelConfig.output_activation:
            ignored.append(f"output_activation={self.output_activation!r} (loss {self.loss!r} decodes each column "
                           "by its kind)")
        if ignored:
            warnings.warn(f"ignored: {'; '.join(ignored)}", UserWarning, stacklevel=4)  # past the dataclass __init__

    @property
    def head_size(self) -> int:
        """The code values the objective learns: ``code_size`` less the level the backbone carries (if any)."""
        return self.code_size - self.backbone.level_size(self)

    def to_dict(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {**values, "backbone": self.backbone.to_dict(), "objective": self.objective.to_dict()}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ModelConfig:
        from ..registry import part_config

        parts = {part: part_config(part, dict(values[part])) for part in ("backbone", "objective")}
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - fields)
        require(not unknown, f"{cls.__name__} has no field(s) {', '.join(unknown)}")
        return cls(**{**values, **parts})


class Autoencoder(nn.Module):
    """A backbone's encoder body and decoder with an objective's code head between them (build one with
    :func:`autoencoders.create_model`); encode and decode are deterministic; no optimisers, devices or logging."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        auto = config.output_activation == "auto"  # the loss's own
        self.output_activation = LOSSES[config.loss].output if auto else config.output_activation
        from ..registry import get_objective

        # Built in this order so that a preset draws the initial weights of the family it replaces.
        self.encoder, features = _built_encoder(config.backbone, config)  # (B, *input_shape) -> (B, F)
        self.objective = get_objective(config.objective.name)(config, features)  # (B, F) -> (B, code_size)
        self.decoder = _built_decoder(config.backbone, config)  # (B, head_size) -> (B, *input_shape) logits
        self.level_size = config.backbone.level_size(config)  # K: the code's last K values are the sample's level
        self._check_shapes(features)

    def _check_shapes(self, features: int) -> None:
        """Refuse a backbone (or objective) whose encoder, code or decoder does not have the shape promised, naming
        both shapes, before any training: one zero sample through each, in eval mode (no batch statistics kept, no
        random draw)."""
        config = self.config
        backbone, objective = f"backbone {config.backbone.name!r}", f"objective {config.objective.name!r}"
        probes = (  # (what, its module, the call, input shape, output shape wanted, what that is, what to fix)
            (f"the encoder of {backbone}", self.encoder, self.encoder, (1, *config.input_shape), (1, features),
             "(B, F) features, F the size build_encoder returns with it", "its build_encoder"),
            (f"the code head of {objective}", self.objective, self.objective.encode, (1, features),
             (1, config.head_size), "(B, head_size) codes", "its encode"),
            (f"the decoder of {backbone}", self.decoder, self.decoder, (1, config.head_size), (1, *config.input_shape),
             "(B, *input_shape) logits from (B, head_size) codes", "its build_decoder"),
        )
        for where, module, call, given, wanted, meaning, fix in probes:
            mode = module.training
            try:
                with torch.no_grad():
                    module.eval()
                    output = call(torch.zeros(given))
            except RuntimeError as error:
                raise ConfigError(f"{where} fails on a batch of shape {given}: {error}; fix {fix}") from None
            finally:
                module.train(mode)
            got = tuple(output.shape) if isinstance(output, Tensor) else type(output).__name__
            if got != wanted:
                raise ConfigError(f"{where} maps a batch of shape {given} to {got}, not {wanted}: it must give "
                                  f"{meaning}; fix {fix}")

    @property
    def name(self) -> str:
        return self.config.preset or f"{self.config.backbone.name}+{self.config.objective.name}"

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.config.input_shape

    # A backbone with a level (the sequence one's remove_level) works on samples less their per-channel means over
    # the last axis and carries those means as the code's last K values: the objective and the decoder see only
    # centred samples, and ``decode`` adds the level back, so decode(encode(x)) rebuilds x at any level.
    def split_level(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        """``x`` (B, *input_shape) less its level, and the level (B, K) (None for a backbone without one)."""
        if not self.level_size:
            return x, None
        level = x.mean(dim=-1, keepdim=True)  # (B, ..., 1): each channel's mean over time
        return x - level, level.flatten(1)

    def _join(self, head_code: Tensor, level: Tensor | None) -> Tensor:  # (B, head_size), (B, K) -> (B, code_size)
        return head_code if level is None else torch.cat([head_code, level], dim=1)

    def _split(self, code: Tensor) -> tuple[Tensor, Tensor | None]:  # (B, code_size) -> (B, head_size), (B, K)
        return (code, None) if not self.level_size else (code[:, :-self.level_size], code[:, -self.level_size:])

    def _restore(self, centred: Tensor, level: Tensor | None) -> Tensor:  # centred outputs plus their level
        return centred if level is None else centred + level.unflatten(1, (*self.input_shape[:-1], 1))

    def encode(self, x: Tensor) -> Tensor:
        centred, level = self.split_level(x)
        return self._join(self.objective.encode(self.encoder(centred)), level)  # (B, code_size); a VAE's mean

    def differentiable_code(self, x: Tensor) -> Tensor:
        """The code of :meth:`encode` with gradients that reach the encoder (``Objective.differentiable_code``)."""
        centred, level = self.split_level(x)
        return self._join(self.objective.differentiable_code(self.encoder(centred)), level)

    def decodable(self, code: Tensor) -> Tensor:
        """Any codes (B, code_size) as codes of the kind the decoder was trained on (``Objective.decodable``);
        a carried level is left as it is."""
        head_code, level = self._split(code)
        return self._join(self.objective.decodable(head_code), level)

    def decode_logits(self, head_code: Tensor) -> Tensor:
        """(B, head_size) -> (B, *input_shape) before the output activation, without the level: what the objective
        trains (``head_size`` is ``code_size`` unless the backbone carries a level)."""
        return self.decoder(head_code)

    def decode(self, code: Tensor) -> Tensor:  # (B, code_size) -> (B, *input_shape), in data space
        head_code, level = self._split(code)
        logits, decode = self.decode_logits(head_code), LOSSES[self.config.loss].decode
        output = decode(logits, self.config.columns) if decode else activate(logits, self.output_activation)
        return self._restore(output, level)

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    def loss(self, x: Tensor) -> dict[str, Tensor]:
        """Scalar loss parts on batch ``x`` (B, *input_shape); ``loss`` is their sum, the one to minimise (of the
        centred samples where the backbone carries a level: the same reconstruction error, the level being exact)."""
        return self.objective.loss(self, self.split_level(x)[0])

    def corrupt(self, x: Tensor) -> Tensor:
        """The input the encoder sees in training: ``x`` itself, or a noisy copy for denoising."""
        if self.training and self.config.corruption is not None:
            return corrupt(x, self.config.corruption, self.config.corruption_level, self.config.columns)
        return x

    def reconstruction_loss(self, logits: Tensor, target: Tensor) -> Tensor:  # (B,), from pre-activation logits
        return LOSSES[self.config.loss].per_sample(logits, target, self.output_activation, self.config.columns)

    def reconstruction_error(self, x: Tensor) -> Tensor:  # (B,), of the deterministic reconstruction
        centred, _ = self.split_level(x)  # the level comes back exactly, so the error is the centred sample's
        return self.reconstruction_loss(self.decode_logits(self.objective.encode(self.encoder(centred))), centred)

    # What only some objectives can do; ``objective.can_sample`` etc. say which. They run in eval mode (batch norm's
    # running statistics, no dropout), the model's own mode restored: in training mode batch statistics made an
    # estimate depend on its batch and overwrote the running statistics the model is saved with. Their random draws
    # come from ``generator``, by default one seeded with DEFAULT_SEED: never from torch's global generator, which
    # made a figure change from call to call and moved the caller's random stream.
    def sample(self, n: int, generator=None, noise: bool = False) -> Tensor:
        """``n`` new samples (n, *input_shape) from the prior (can_sample); ``noise``: x ~ p(x|z), not its mean."""
        objective = self._capable("can_sample")
        require_count("n", n)
        with evaluating(self):
            return objective.sample(self, n, _own_generator(generator), noise)

    def sample_likelihood(self, code: Tensor, generator=None) -> Tensor:
        """Draws x ~ p(x|code) (B, *input_shape) for codes (B, code_size) from any density (has_likelihood)."""
        objective = self._capable("has_likelihood")
        with evaluating(self):
            return objective.sample_likelihood(self, code, _own_generator(generator))

    def elbo(self, x: Tensor, generator=None) -> Tensor:
        """A one-sample estimate of the evidence lower bound per sample (B,), in nats (objectives with a
        likelihood)."""
        objective = self._capable("has_likelihood")
        with evaluating(self):
            return objective.elbo(self, self._batch(x), _own_generator(generator))

    def log_likelihood(self, x: Tensor, k: int = 1000, samples_per_pass: int = 100, generator=None) -> Tensor:
        """Importance-weighted estimate of log p(x) per sample (B,) with ``k`` samples (Burda et al., 2016), in nats
        per sample (summed over its values, in the model's units; the test NLL is minus its mean). The estimate does
        not depend on ``samples_per_pass``, which only bounds memory."""
        objective = self._capable("has_likelihood")
        with evaluating(self):
            return objective.log_likelihood(self, self._batch(x), k, samples_per_pass, _own_generator(generator))

    def _batch(self, x: Tensor) -> Tensor:
        """``x`` (B, *input_shape) on the model's device in its dtype, or an error naming what it is instead."""
        if not isinstance(x, Tensor):
            raise TypeError(f"x must be a torch.Tensor of samples (B, *input_shape), got {type_phrase(x)}: "
                            "torch.from_numpy(X) takes a NumPy array")
        if tuple(x.shape[1:]) != tuple(self.input_shape):
            raise DataError(f"x must hold samples of shape {tuple(self.input_shape)}, a batch (B, "
                            f"{', '.join(map(str, self.input_shape))}); got a tensor of shape {tuple(x.shape)}")
        weight = next(self.parameters())
        return x.to(weight.device, weight.dtype)

    def _capable(self, capability: str) -> Objective:
        if not getattr(self.objective, capability):
            raise ConfigError(MISSING_CAPABILITY[capability].format(model=self.name, objective=self.objective.name))
        return self.objective


def _own_generator(generator: object) -> torch.Generator:
    """``generator`` if it is one, a fresh one seeded with DEFAULT_SEED for None (the same draws every call, the
    global generator untouched), else a TypeError saying how a seed becomes one."""
    if generator is None:
        return torch.Generator().manual_seed(DEFAULT_SEED)
    if isinstance(generator, torch.Generator):
        return generator
    raise TypeError(f"generator must be a torch.Generator or None, got {type_phrase(generator)}: "
                    "torch.Generator().manual_seed(0) draws with seed 0 (applications.generate takes seed=0 itself)")


# What a model lacking a capability is told, for the methods that need it.
MISSING_CAPABILITY = {
    "can_sample": "a {model!r} model cannot sample: its objective {objective!r} has no prior of its own (a VAE has); "
                  "decode draws from a density fitted to its codes (applications.fit_code_density, then generate)",
    "has_likelihood": "a {model!r} model has no likelihood p(x|z): its objective {objective!r} is not variational (a "
                      "VAE's is), so it has no ELBO, log_likelihood or draws from p(x|z)",
}


@contextmanager
def evaluating(model: nn.Module) -> Iterator[None]:
    """``model`` in eval mode for a block (no dropout, batch norm's running statistics), then in its own again."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def _built_encoder(backbone: PartConfig, config: ModelConfig) -> tuple[nn.Module, int]:
    """The backbone's encoder and its feature count F, refused by name unless ``build_encoder`` returned such a
    pair (a module of the user's backbone, say, without the count)."""
    built = backbone.build_encoder(config)
    module, features = built if isinstance(built, tuple) and len(built) == 2 else (None, None)
    whole = isinstance(features, numbers.Integral) and not isinstance(features, bool) and features >= 1
    if not (isinstance(module, nn.Module) and whole):
        raise ConfigError(f"the build_encoder of backbone {backbone.name!r} must return (module, F): a torch.nn.Module "
                          f"giving (B, F) features and F, a whole number >= 1; it returned {described(built)}")
    return module, int(features)


def _built_decoder(backbone: PartConfig, config: ModelConfig) -> nn.Module:
    built = backbone.build_decoder(config)
    if not isinstance(built, nn.Module):
        raise ConfigError(f"the build_decoder of backbone {backbone.name!r} must return a torch.nn.Module; it returned "
                          f"{described(built)}")
    return built


CAPABILITIES = ("can_sample", "has_likelihood", "discrete_codes", "sparse_codes")
# What an objective setting each flag must have besides: its methods (as the vae and vq objectives write them) and,
# for discrete codes, the ``codebook_size`` option that metrics, reports and compression read.
CAPABILITY_NEEDS: dict[str, tuple[str, ...]] = {
    "can_sample": ("sample(model, n, generator, noise)",),
    "has_likelihood": ("sample_likelihood(model, code, generator)", "elbo(model, x, generator)",
                       "log_likelihood(model, x, k, samples_per_pass, generator)"),
    "discrete_codes": ("code_indices(features)", "lookup(indices)", "option codebook_size"),
    "sparse_codes": (),
}


def missing_capabilities(objective: type[Objective]) -> list[str]:
    """What the capability flags an objective class sets promise and it lacks, e.g. ``"sample(model, n, ...)
    (can_sample)"``."""
    options = {f.name for f in dataclasses.fields(objective.config_class)}
    missing = []
    for flag, needs in CAPABILITY_NEEDS.items():
        for need in needs if getattr(objective, flag) else ():
            present = need.split()[-1] in options if need.startswith("option ") else \
                callable(getattr(objective, need.split("(")[0], None))
            missing += [] if present else [f"{need} ({flag})"]
    return missing


class Objective(nn.Module):
    """The code head on the backbone's features and the loss (register with ``register_objective``); the CLI,
    reports and applications read the capability flags instead of probing for methods, so a flag set promises the
    methods :data:`CAPABILITY_NEEDS` lists (checked when the objective registers)."""

    name: ClassVar[str]
    config_class: ClassVar[type[PartConfig]]
    can_sample: ClassVar[bool] = False  # model.sample(n): draws from a prior of its own
    has_likelihood: ClassVar[bool] = False  # model.elbo(x), model.log_likelihood(x)
    discrete_codes: ClassVar[bool] = False  # objective.code_indices(features): codebook entries
    sparse_codes: ClassVar[bool] = False  # codes are mostly zero
    head_outputs: ClassVar[int] = 1  # head outputs per code unit
    # {a loss part's name in histories written before it was renamed: its name now}, for a resumed run's history
    renamed_parts: ClassVar[dict[str, str]] = {}

    def __init__(self, config: ModelConfig, features: int):
        super().__init__()
        self.options = config.objective
        self.head = nn.Linear(features, self.head_outputs * config.head_size)
        self.code_activation = activation(getattr(self.options, "code_activation", "identity"))

    def encode(self, features: Tensor) -> Tensor:
        return self.code_activation(self.head(features))  # (B, F) -> (B, code_size), deterministic

    def decodable(self, codes: Tensor) -> Tensor:
        """Any codes (B, code_size) (mixture draws, interpolations) as codes of the kind the decoder was trained
        on: clamped into the code activation's range (ReLU codes are never negative, sigmoid ones lie in [0, 1]);
        objectives whose codes are restricted further (a codebook, top-k) add their own restriction."""
        low, high = RANGES.get(getattr(self.options, "code_activation", "identity"), (None, None))
        return codes if low is None and high is None else codes.clamp(low, high)

    def differentiable_code(self, features: Tensor) -> Tensor:
        """The code of :meth:`encode` with gradients that reach the encoder (a task head trained on it, e.g.
        a classifier's): the code itself unless its lookup has none (discrete codes)."""
        return self.encode(features)

    def training_code(self, model: Autoencoder, noisy: Tensor, x: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """The code the decoder reconstructs ``x`` from in training, from the (corrupted) input ``noisy``,
        and the objective's named penalties (scalars)."""
        return self.encode(model.encoder(noisy)), {}

    def reconstruction(self, model: Autoencoder, logits: Tensor, x: Tensor) -> Tensor:  # (B,): the loss's term
        return model.reconstruction_loss(logits, x)

    def loss(self, model: Autoencoder, x: Tensor) -> dict[str, Tensor]:
        code, penalties = self.training_code(model, model.corrupt(x), x)  # (B, code_size)
        reconstruction = self.reconstruction(model, model.decode_logits(code), x).mean()
        # the parts summed from the reconstruction on: sum() would start from 0, an addition (and a node of the
        # backward graph) more every step
        return {"loss": sum(penalties.values(), reconstruction), "reconstruction": reconstruction, **penalties}

