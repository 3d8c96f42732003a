"""scikit-learn estimators around the registry's models.

``__init__`` stores its arguments verbatim; everything is validated in ``fit``; learned state ends in an
underscore. Options of the chosen model family (``dropout=0.1``, ``beta=4`` ...) are passed as extra
keyword arguments and behave like any other hyperparameter (``get_params``, ``set_params``, ``clone``).
"""

from .imputer import AutoencoderImputer
from .outlier import AutoencoderOutlierDetector
from .transformer import AutoencoderTransformer

__all__ = ["AutoencoderImputer", "AutoencoderOutlierDetector", "AutoencoderTransformer"]
