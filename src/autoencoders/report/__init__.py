"""Pictures of training runs and results."""

from .figures import save_loss_curves, save_reconstructions

__all__ = ["save_loss_curves", "save_reconstructions"]
