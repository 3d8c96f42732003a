"""Backbones, objectives and presets. Importing this package registers each of them; add one by adding a module."""

import importlib
import pkgutil

from ._base import Autoencoder, ModelConfig, Objective, PartConfig

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_") and _module.name != "losses":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["Autoencoder", "ModelConfig", "Objective", "PartConfig"]
