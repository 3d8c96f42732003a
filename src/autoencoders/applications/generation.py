"""Generating new samples: a model's own sampler (a VAE's prior, on any backbone), or a density fitted over the codes of
any deterministic autoencoder (images, time-series windows, rows), and interpolation between two inputs."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.mixture import GaussianMixture

from ..data.validation import check_array, check_features
from ..errors import ConfigError, DataError
from ..inference import check_model, decodable, decode, encode, evaluating, sample_likelihood
from ..models._base import Autoencoder
from ..options import require_count
from .clustering import canonical_order


def has_sampler(model: Autoencoder) -> bool:
    """Whether the model samples from a prior of its own (its objective's capability, e.g. the VAE's)."""
    check_model(model)
    return model.objective.can_sample


# Why a model's codes may take few distinct values, by the capability tag of its objective that explains it.
REPEATED_CODES = {"discrete_codes": "a vq model's codes are its codebook entries in use",
                  "sparse_codes": "a sparse model's code units that never fire on these rows leave their codes alike"}


def fit_code_density(model: Autoencoder, X: np.ndarray, n_components: int = 10, seed: int = 0) -> GaussianMixture:
    """A Gaussian mixture (full covariances) fitted to the codes of ``X`` (n, *input_shape) under ``model``
    (:func:`fit_density`)."""
    codes = encode(model, X)  # (n, code_size); first: it names a model that is none
    why = next((said for tag, said in REPEATED_CODES.items() if getattr(model.objective, tag)), "")
    return _fitted_mixture(codes, n_components, seed, why)


def fit_density(points: np.ndarray, n_components: int = 10, seed: int = 0) -> GaussianMixture:
    """A Gaussian mixture (full covariances) fitted to ``points`` (n, k), the same for the same points in any
    order: its k-means start draws centres by row position, so it is fitted to the points sorted."""
    return _fitted_mixture(points, n_components, seed)


def _fitted_mixture(points: np.ndarray, n_components: int, seed: int, why_repeated: str = "") -> GaussianMixture:
    """:func:`fit_density`; ``why_repeated``: why the points may repeat, said when they take too few values."""
    points = check_features(points, "points")  # (n, k)
    require_count("n_components", n_components)
    distinct = len(np.unique(points, axis=0))  # k-means, the mixture's start, finds no more clusters than these
    if n_components > distinct:
        raise ConfigError(f"the {len(points)} points take {distinct} distinct values, fewer than the {n_components} "
                          "mixture components asked for (n_components; ae generate's --components): ask for at most "
                          f"{distinct}" + (f" ({why_repeated})" if why_repeated else ""))
    mixture = GaussianMixture(n_components, covariance_type="full", reg_covar=1e-4, random_state=seed)
    return mixture.fit(points[canonical_order(points)])


def sample_density(density: GaussianMixture, n: int, seed: int = 0) -> np.ndarray:
    """``n`` draws (n, k) from a fitted mixture of any covariance type, through the Cholesky factors of its
    covariances (``GaussianMixture.sample`` goes through NumPy's ``multivariate_normal``, which warns on
    covariances that are positive definite up to rounding, and it draws from the estimator's own ``random_state``)."""
    require_count("n", n, least=0)
    if not hasattr(density, "weights_"):
        raise ConfigError("the density is not fitted: fit_code_density(model, X) or fit_density(codes) gives one")
    rng = np.random.default_rng(seed)
    components = rng.choice(len(density.weights_), size=n, p=density.weights_)  # (n,)
    factors = np.linalg.cholesky(full_covariances(density))  # (K, k, k) lower-triangular
    noise = rng.standard_normal((n, density.means_.shape[1]))  # (n, k)
    return density.means_[components] + np.einsum("nij,nj->ni", factors[components], noise)


def full_covariances(density: GaussianMixture) -> np.ndarray:
    """The mixture's covariances as (K, k, k) matrices, whatever its ``covariance_type`` stores: (K, k, k) full,
    (k, k) tied, (K, k) diag or (K,) spherical."""
    n_components, k = density.means_.shape
    covariances, kind = np.asarray(density.covariances_), density.covariance_type
    if kind == "full":
        return covariances
    if kind == "tied":
        return np.broadcast_to(covariances, (n_components, k, k))
    variances = covariances if kind == "diag" else np.repeat(covariances[:, None], k, axis=1)  # (K, k)
    return variances[:, :, None] * np.eye(k)


def generate(model: Autoencoder, n: int, density: GaussianMixture | None = None, seed: int = 0,
             noise: bool = False) -> np.ndarray:
    """``n`` new samples (n, *input_shape): decoded draws from ``density`` when given (made decodable first: a vq
    model's snapped to their nearest codebook entries, a top-k model's cut to k active units), else the model's
    prior; ``noise``: each sample drawn from the decoder's likelihood p(x|z) rather than its mean (a VAE's)."""
    check_model(model)
    require_count("n", n)
    require_count("seed", seed, least=0)
    if noise and not model.objective.has_likelihood:
        raise ConfigError("noise draws samples from the decoder's likelihood p(x|z): it needs a model with one (a "
                          f"VAE), got a {model.name!r} model")
    generator = torch.Generator().manual_seed(seed)
    if density is not None:
        check_density_width(density, model.config.code_size)
        codes = decodable(model, sample_density(density, n, seed).astype(np.float32))  # (n, code_size)
        return sample_likelihood(model, codes, generator) if noise else decode(model, codes)
    if not has_sampler(model):
        raise ConfigError(f"a {model.name!r} model has no prior to sample from; fit a density over its codes "
                         "(fit_code_density, or --data on the command line) first")
    with torch.no_grad(), evaluating(model):  # no dropout: the same samples for a seed, the global generator untouched
        return model.sample(n, generator=generator, noise=noise).cpu().numpy()


def check_density_width(density: GaussianMixture, code_size: int) -> None:
    """A ConfigError when ``density`` is fitted to points of other than ``code_size`` values (an unfitted one is
    named by :func:`sample_density`)."""
    if hasattr(density, "means_") and density.means_.shape[1] != code_size:
        raise ConfigError(f"the density is over {density.means_.shape[1]}-D points; this model's codes have "
                          f"{code_size} values: fit it to this model's codes (fit_code_density)")


def interpolate(model: Autoencoder, a: np.ndarray, b: np.ndarray, steps: int = 8) -> np.ndarray:
    """Decoded points (steps, *input_shape) on the straight line between the codes of samples ``a`` and ``b``
    (made decodable: for a vq model each point's nearest codebook entries, the points changing entry by entry; for a
    top-k model its k largest active units; either way the ends are the two inputs' reconstructions)."""
    check_model(model)
    require_count("steps", steps, least=2)
    ends = encode(model, np.concatenate([one_sample(end, f"the {which} point", model.input_shape)
                                         for which, end in (("start", a), ("end", b))]))  # (2, k)
    weights = np.linspace(0, 1, steps, dtype=np.float32)[:, None]  # (steps, 1)
    return decode(model, decodable(model, (1 - weights) * ends[0] + weights * ends[1]))  # (steps, *input_shape)


def one_sample(values, name: str, sample_shape: tuple[int, ...]) -> np.ndarray:
    """``values``, one sample (of ``sample_shape``, flat, or a batch of one: ``X[i]``, ``X[i].ravel()`` or
    ``X[i:i + 1]``), as a batch of one (1, *sample_shape), or a DataError saying it is more or less than one."""
    array = np.asarray(values)
    size = int(np.prod(sample_shape))
    if array.size != size:
        raise DataError(f"{name} is one sample of shape {tuple(sample_shape)} ({size} values); got shape "
                        f"{array.shape} ({array.size} values)")
    one = array[0] if array.ndim > 1 and len(array) == 1 else array  # a batch of one: its sample
    if one.ndim > 1 and _without_unit_axes(one.shape) != _without_unit_axes(sample_shape):
        moved = (array.shape[-1], *array.shape[:-1]) == tuple(sample_shape)  # an image kept (H, W, C)
        raise DataError(f"{name} is one sample of shape {tuple(sample_shape)}; got shape {array.shape}: its {size} "
                        "values in another layout, which a reshape would scramble"
                        + ("; np.moveaxis(point, -1, 0) puts its channels first" if moved else ""))
    return check_array(one[None], name, sample_shape=sample_shape)  # (1, *sample_shape)


def _without_unit_axes(shape: tuple[int, ...]) -> tuple[int, ...]:  # (1, 8, 8) and (8, 8, 1): (8, 8), one layout
    return tuple(size for size in shape if size != 1)
