"""autoencoders: train, evaluate and use every common kind of autoencoder (PyTorch)."""

from importlib.metadata import PackageNotFoundError, version

from .checkpoint import load_checkpoint, load_model, save_model
from .data import Dataset, load_data
from .errors import AutoencodersError, CheckpointError, ConfigError, DataError, TrainingDivergedError, UnknownModelError
from .inference import decode, encode, reconstruct, reconstruction_error, squared_error
from .models import Autoencoder, ModelConfig
from .registry import (
    create_model,
    list_backbones,
    list_models,
    list_objectives,
    register_backbone,
    register_objective,
    register_preset,
)
from .training import Callback, History, TrainConfig, Trainer, seed_everything

try:
    __version__ = version("autoencoders")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Autoencoder", "AutoencodersError", "Callback", "CheckpointError", "ConfigError", "DataError", "Dataset",
    "History", "ModelConfig", "TrainConfig",
    "Trainer", "TrainingDivergedError", "UnknownModelError", "create_model", "decode", "encode",
    "list_backbones", "list_models", "list_objectives", "load_checkpoint", "load_data", "load_model", "reconstruct",
    "reconstruction_error", "register_backbone", "register_objective", "register_preset", "save_model",
    "seed_everything", "squared_error",
]
