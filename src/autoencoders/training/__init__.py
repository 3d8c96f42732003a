"""The training engine shared by every model (names imported on first use: see :mod:`autoencoders._lazy`)."""

from .._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, globals(), {
    "..errors": ("TrainingDivergedError",),
    ".callbacks": ("CSVLogger", "Callback", "LambdaCallback", "TensorBoardLogger"),
    ".config": ("TrainConfig",),
    ".contract": ("Trainable",),
    ".defaults": ("resolve_loss",),
    ".engine": ("Trainer", "evaluate_loss"),
    ".history": ("History",),
    ".run_folder": ("RunFolder",),
    ".runtime": ("resolve_device", "seed_everything", "seeded"),
})
