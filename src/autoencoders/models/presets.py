"""The family names as presets of a (backbone, objective) pair with option defaults: each builds the network its
family did (same initial weights for a seed) and loads its checkpoints; ``renames`` maps a family's option to the
fields it now sets."""

from ..registry import register_preset

DEEP = {"hidden": (512, 256), "activation": "elu"}

register_preset("vanilla", "mlp", "plain", "One hidden layer: input -> code (with activation) -> output.",
                {"hidden": (), "code_activation": "sigmoid"}, renames={"activation": ("code_activation",)})
register_preset("linear", "mlp", "plain", "No nonlinearity: with MSE it spans the principal subspace (PCA).",
                {"hidden": (), "activation": "identity"})
register_preset("deep", "mlp", "plain", "Deep MLP autoencoder with any hidden sizes, batch norm and dropout.", DEEP)
register_preset("denoising", "mlp", "plain", "Deep MLP autoencoder that undoes Gaussian input noise (Vincent "
                "et al., 2008).", {**DEEP, "corruption": "gaussian", "corruption_level": 0.3})
register_preset("sparse", "mlp", "sparse", "MLP autoencoder with an L1, KL or top-k sparse code.", {"hidden": ()})
register_preset("contractive", "mlp", "contractive", "MLP autoencoder whose code resists small input changes.",
                {"hidden": (), "activation": "sigmoid"}, renames={"activation": ("activation", "code_activation")})
register_preset("vae", "mlp", "vae", "Variational autoencoder: Gaussian codes, sampling, likelihood.", {})
register_preset("conv", "conv", "plain", "Convolutional autoencoder for images (C, H, W) of any size.", {})
register_preset("sequence", "sequence", "plain", "1-D convolutional autoencoder for time-series windows.", {})
