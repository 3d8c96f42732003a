"""autoencoders: train, evaluate and use every common kind of autoencoder (PyTorch).

The names below are imported on first use, so ``import autoencoders`` (and the ``ae`` command) starts without
loading torch until something needs it.
"""

from typing import Any

from ._lazy import lazy_exports

__all__, _export, __dir__ = lazy_exports(__name__, globals(), {
    ".checkpoint": ("load_checkpoint", "load_model", "save_model"),
    ".data": ("Dataset", "load_data"),
    ".errors": ("AutoencodersError", "CheckpointError", "ConfigError", "DataError", "TrainingDivergedError",
                "UnknownModelError"),
    ".inference": ("decode", "encode", "reconstruct", "reconstruction_error", "squared_error"),
    ".models": ("Autoencoder", "ModelConfig"),
    ".registry": ("create_model", "list_backbones", "list_models", "list_objectives", "register_backbone",
                  "register_objective", "register_preset"),
    ".training": ("Callback", "History", "TrainConfig", "Trainer", "seed_everything"),
})


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read from the installed metadata only when asked (importlib.metadata is slow)
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("autoencoders")
        except PackageNotFoundError:  # running from a source tree
            return "0.0.0"
    return _export(name)
