"""autoencoders: train, evaluate and use every common kind of autoencoder (PyTorch)."""

from importlib.metadata import PackageNotFoundError, version

from .checkpoint import load_checkpoint, load_model, save_model
from .data import Dataset, load_data
from .errors import AutoencodersError, CheckpointError, ConfigError, DataError, TrainingDivergedError, UnknownModelError
from .inference import decode, encode, reconstruct, reconstruction_error, squared_error
from .models import Autoencoder, ModelConfig
from .registry import create_model, get_model_class, list_models, register
from .training import Callback, History, TrainConfig, Trainer, seed_everything

try:
    __version__ = version("autoencoders")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Autoencoder", "AutoencodersError", "Callback", "CheckpointError", "ConfigError", "DataError", "Dataset",
    "History", "ModelConfig", "TrainConfig",
    "Trainer", "TrainingDivergedError", "UnknownModelError", "create_model", "decode", "encode",
    "get_model_class", "list_models", "load_checkpoint", "load_data", "load_model", "reconstruct",
    "reconstruction_error", "register", "save_model", "seed_everything", "squared_error",
]
