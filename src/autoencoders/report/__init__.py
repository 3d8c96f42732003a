"""Pictures of training runs and results, and the self-contained HTML report that gathers them."""

from .build import REPORT_FILE, write_report
from .figures import save_loss_curves, save_reconstructions
from .sections import RunRecords

__all__ = ["REPORT_FILE", "RunRecords", "save_loss_curves", "save_reconstructions", "write_report"]
