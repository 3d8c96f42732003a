"""The training engine shared by every model."""

from ..errors import TrainingDivergedError
from .callbacks import Callback, CSVLogger, LambdaCallback, TensorBoardLogger
from .config import TrainConfig
from .contract import Trainable
from .defaults import resolve_loss
from .engine import Trainer, evaluate_loss
from .history import History
from .run_folder import RunFolder
from .runtime import resolve_device, seed_everything, seeded

__all__ = [
    "CSVLogger", "Callback", "History", "LambdaCallback", "RunFolder", "TensorBoardLogger", "TrainConfig",
    "Trainable", "Trainer", "TrainingDivergedError", "evaluate_loss", "resolve_device", "resolve_loss",
    "seed_everything", "seeded",
]
