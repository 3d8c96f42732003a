"""Uses of learned codes, as plain functions on NumPy arrays and a trained model: dimensionality reduction,
clustering, retrieval, feature learning, compression, generation and denoising."""

from ..data.images import tile_images  # a layout helper of the data layer, which the report uses too
from .clustering import cluster_codes, clustering_scores
from .compression import CompressionResult, compress, decompress, model_fingerprint, psnr
from .denoise import denoise, image_files, read_images, write_images
from .features import EncoderClassifier, linear_probe_accuracy, predict_classes, train_classifier
from .generation import fit_code_density, fit_density, generate, has_sampler, interpolate, sample_density
from .reduction import pca_codes, reduction_scores
from .retrieval import CodeIndex, hnswlib_available, precision_at_k
from .series_anomaly import series_anomaly_scores

__all__ = [
    "CodeIndex", "CompressionResult", "EncoderClassifier", "cluster_codes", "clustering_scores", "compress",
    "decompress", "denoise", "fit_code_density", "fit_density", "generate", "has_sampler", "hnswlib_available",
    "image_files", "interpolate", "linear_probe_accuracy", "model_fingerprint", "pca_codes", "precision_at_k",
    "predict_classes", "psnr", "read_images", "reduction_scores", "sample_density", "series_anomaly_scores",
    "tile_images", "train_classifier", "write_images",
]
