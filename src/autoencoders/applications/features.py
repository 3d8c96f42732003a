"""Feature learning: codes as features for a classifier, and fine-tuning a pretrained encoder with labels."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from torch import Tensor, nn

from ..data.validation import check_array, check_features
from ..errors import ConfigError, DataError, type_phrase
from ..inference import check_model, map_batches
from ..models._base import Autoencoder
from ..training import TrainConfig, Trainer, seeded


def linear_probe_accuracy(train_features: np.ndarray, y_train: np.ndarray, test_features: np.ndarray,
                          y_test: np.ndarray, max_iter: int = 2000) -> float:
    """Test accuracy of a logistic regression fitted on standardised ``train_features`` (n, k)."""
    flat_train = check_features(train_features, "train_features")  # (n, k)
    flat_test = check_features(test_features, "test_features")  # (m, k)
    scaler = StandardScaler().fit(flat_train)
    probe = LogisticRegression(max_iter=max_iter).fit(scaler.transform(flat_train), y_train)
    return float(probe.score(scaler.transform(flat_test), y_test))


@dataclass(frozen=True)
class ClassifierConfig:
    """What an :class:`EncoderClassifier` is made of: the autoencoder (registry name and config) and the classes."""

    autoencoder: str
    autoencoder_config: dict[str, Any]
    n_classes: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ClassifierConfig:
        return cls(**values)


class EncoderClassifier(nn.Module):
    """An autoencoder's encoder followed by a linear classification head on its code; trained by the one
    engine (``Trainer.fit(X, targets=labels)``, with a ``run_dir`` too) through :meth:`loss`: it meets the
    engine's contract (:class:`~autoencoders.training.Trainable`)."""

    name = "classifier"

    def __init__(self, autoencoder: Autoencoder, n_classes: int):
        super().__init__()
        self.autoencoder = autoencoder
        self.head = nn.Linear(autoencoder.config.code_size, n_classes)
        self.config = ClassifierConfig(autoencoder.name, autoencoder.config.to_dict(), n_classes)

    def encode(self, x: Tensor) -> Tensor:
        """(B, *input_shape) -> (B, code_size): the encoder's code, the head's input, with gradients that reach
        the encoder (a vq model's codebook lookup has none of its own: straight-through, as in its training)."""
        return self.autoencoder.differentiable_code(x)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.autoencoder.input_shape

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.encode(x))  # (B, n_classes) logits

    def loss(self, x: Tensor, labels: Tensor) -> dict[str, Tensor]:
        cross_entropy = nn.functional.cross_entropy(self(x), labels)
        return {"loss": cross_entropy, "cross_entropy": cross_entropy}


def train_classifier(autoencoder: Autoencoder, X: np.ndarray, y: np.ndarray, n_classes: int | None = None,
                     config: TrainConfig | None = None) -> EncoderClassifier:
    """Fine-tune ``autoencoder``'s encoder with a new linear head on labelled ``X`` (n, *input_shape), ``y`` (n,).

    Pass a pretrained model to fine-tune it, or a freshly created one of the same family to train from
    scratch. The decoder is not used. The model is trained in place; the classifier returned wraps it.
    ``config`` is the engine's (default: :class:`TrainConfig`'s, sized from the data: early stopping on a held-out
    tenth of the labelled rows below 5,000 of them). ``n_classes`` (default: the largest label + 1) must exceed
    every label.
    """
    check_model(autoencoder)
    X = check_array(X, sample_shape=autoencoder.input_shape, min_samples=2)
    labels = np.asarray(y)
    if labels.shape != (len(X),) or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0:
        text = labels.dtype.kind in "OUS" and labels.size  # class names: say how to number them
        raise DataError(f"y must hold one non-negative integer class per sample ({len(X)}), got "
                        f"{labels.dtype} of shape {labels.shape}" + (
                            f"; y holds text ('{labels.flat[0]}', ...): number the classes first, "
                            "class_indices, class_names = pandas.factorize(y)" if text else ""))
    n_classes = int(labels.max()) + 1 if n_classes is None else n_classes
    if n_classes <= labels.max():
        raise ConfigError(f"n_classes {n_classes} leaves out the labels above {n_classes - 1} (y holds labels up "
                          f"to {labels.max()})")
    config = config or TrainConfig(progress=False)
    with seeded(config.seed):  # the head's initial weights
        classifier = EncoderClassifier(autoencoder, n_classes)
    Trainer(classifier, config).fit(X, targets=labels.astype(np.int64))
    return classifier


def predict_classes(classifier: EncoderClassifier, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Predicted class (n,) of each sample of ``X``."""
    if not isinstance(classifier, EncoderClassifier):
        raise TypeError(f"predict_classes takes the classifier train_classifier returned, got "
                        f"{type_phrase(classifier)}")
    X = check_array(X, sample_shape=classifier.autoencoder.input_shape)
    return map_batches(classifier, X, classifier, batch_size, "predict").argmax(axis=1)  # (n, n_classes) -> (n,)
