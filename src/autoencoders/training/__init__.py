"""The training engine shared by every model."""

from .callbacks import Callback, LambdaCallback
from .config import TrainConfig
from .engine import History, Trainer, TrainingDivergedError, evaluate_loss, resolve_device, seed_everything

__all__ = [
    "Callback", "History", "LambdaCallback", "TrainConfig", "Trainer", "TrainingDivergedError",
    "evaluate_loss", "resolve_device", "seed_everything",
]
