"""scikit-learn estimators around the registry's models.

``__init__`` stores its arguments verbatim; everything is validated in ``fit``; learned state ends in an
underscore. The model is a preset (``model``) and/or a ``backbone`` and an ``objective``; their options are the
dicts ``backbone_options`` and ``objective_options`` (``backbone__dropout``, ``objective__beta`` in
``set_params`` and grid search), hyperparameters like any other (``get_params``, ``set_params``, ``clone``).
"""

from .imputer import AutoencoderImputer
from .outlier import AutoencoderOutlierDetector
from .transformer import AutoencoderTransformer

__all__ = ["AutoencoderImputer", "AutoencoderOutlierDetector", "AutoencoderTransformer"]
