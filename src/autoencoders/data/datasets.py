"""Standard data sets: scikit-learn's bundled digits, and MNIST / Fashion-MNIST fetched on demand.

Downloaded files are checked against their MD5 sums, and so are the offline and cached copies found (an unpacked
copy, which has no published sum, by its shapes). Offline copies are found in ``data_dir``, else the
``AUTOENCODERS_DATA`` environment variable, else the download cache (:func:`cache_dir`: ``~/.cache/autoencoders``
unless ``AUTOENCODERS_CACHE`` or ``XDG_CACHE_HOME`` moves it), either directly or in a sub-folder named after the
data set. Downloads go to the cache's sub-folder for the data set.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ConfigError, DataError, DataUnavailableError
from .array_files import read_idx
from .dataset import Dataset

ENV_DATA_DIR = "AUTOENCODERS_DATA"
ENV_CACHE_DIR = "AUTOENCODERS_CACHE"




@dataclass(frozen=True)
class RemoteFile:
    name: str
    md5: str


@dataclass(frozen=True)
class IdxDataset:
    mirrors: tuple[str, ...]
    files: dict[str, tuple[RemoteFile, RemoteFile]]  # split -> (images, labels)


IDX_DATASETS = {
    "mnist": IdxDataset(
        ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"),
        {
            "train": (RemoteFile("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                      RemoteFile("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432")),
            "test": (RemoteFile("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                     RemoteFile("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")),
        },
    ),
    "fashion-mnist": IdxDataset(
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        {
            "train": (RemoteFile("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                      RemoteFile("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe")),
            "test": (RemoteFile("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                     RemoteFile("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")),
        },
    ),
}
DATASETS = ("digits", *IDX_DATASETS)


def cache_dir() -> Path:
    """Where downloads go (and the command line keeps its option cache): ``$AUTOENCODERS_CACHE``, else
    ``$XDG_CACHE_HOME/autoencoders``, else ``~/.cache/autoencoders`` (a variable set but empty counts as unset:
    an empty ``XDG_CACHE_HOME`` put downloads in ./autoencoders of the working directory)."""
    if os.environ.get(ENV_CACHE_DIR):
        return Path(os.environ[ENV_CACHE_DIR])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "autoencoders"


def load_digits() -> Dataset:
    """scikit-learn's bundled 8x8 digits (1,797 images), pixels scaled to [0, 1], shape (n, 1, 8, 8)."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    X = (bunch.images / 16.0).astype(np.float32)[:, None]
    return Dataset(X, bunch.target, "digits", [str(d) for d in range(10)])


def load_standard(name: str, split: str = "train", data_dir: str | Path | None = None,
                  download: bool = True) -> Dataset:
    """A standard data set by name; IDX sets have splits ``train``, ``test`` or ``all``."""
    if name == "digits":
        return load_digits()
    if name not in IDX_DATASETS:
        raise ConfigError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)} or give a file path")
    for folder, given in ((data_dir, "--data-dir (data_dir)"), (os.environ.get(ENV_DATA_DIR), ENV_DATA_DIR)):
        if folder and not Path(folder).expanduser().is_dir():  # a typo went unseen: the files were downloaded
            raise DataUnavailableError(f"{given} names {folder}, which is no folder; give the folder that holds "
                                       f"the {name} files")
    spec = IDX_DATASETS[name]
    splits = list(spec.files) if split == "all" else [split]
    if any(s not in spec.files for s in splits):
        raise ConfigError(f"unknown split {split!r} for {name}; choose train, test or all")
    parts = [_load_idx_split(name, spec, s, data_dir, download) for s in splits]
    X = np.concatenate([images for images, _ in parts]).astype(np.float32)[:, None] / 255.0
    y = np.concatenate([labels for _, labels in parts]).astype(np.int64)
    return Dataset(X, y, f"{name}-{split}", [str(d) for d in range(10)])


def _load_idx_split(name: str, spec: IdxDataset, split: str, data_dir, download: bool):
    paths = [_locate(name, spec, f, data_dir, download) for f in spec.files[split]]
    images, labels = (read_idx(path) for path in paths)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):  # an unpacked copy has no MD5 to check
        raise DataError(f"{name} {split}: {paths[0]} holds {images.shape} and {paths[1]} {labels.shape}; expected "
                        "images (n, height, width) and n labels: replace the wrong or damaged file")
    return images, labels


def _search_dirs(name: str, data_dir: str | Path | None) -> list[Path]:
    roots = [Path(d).expanduser() for d in (data_dir, os.environ.get(ENV_DATA_DIR)) if d] + [cache_dir()]
    return [folder for root in roots for folder in (root, root / name)]


def _locate(name: str, spec: IdxDataset, remote: RemoteFile, data_dir, download: bool) -> Path:
    for folder in _search_dirs(name, data_dir):
        for candidate in (folder / remote.name, folder / remote.name.removesuffix(".gz")):
            if candidate.is_file():
                if candidate.name == remote.name:
                    _check_copy(candidate, remote.md5)
                return candidate
    searched = ", ".join(str(d) for d in _search_dirs(name, data_dir))
    if not download:
        raise DataUnavailableError(f"{name}: {remote.name} not found in {searched} and downloading is off")
    return _download(name, spec, remote, cache_dir() / name, searched)


def _check_copy(path: Path, md5: str) -> None:
    """A local or cached copy must be the published file: a truncated download copied by hand, or another file
    under its name (the labels for the images), would be read as data."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != md5:
        raise DataError(f"{path} is damaged or not the published file: its MD5 is {digest.hexdigest()}, expected "
                        f"{md5}; delete it (it is downloaded again) or replace it with a good copy")


def _download(name: str, spec: IdxDataset, remote: RemoteFile, target_dir: Path, searched: str) -> Path:
    import urllib.error  # here, not at the top: importing the data package stays fast (`ae --help`)

    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataUnavailableError(f"cannot create the download folder {target_dir} ({error.strerror}): set "
                                   f"{ENV_CACHE_DIR} to a folder you can write, or copy the {name} files into a "
                                   f"folder and pass --data-dir FOLDER (searched: {searched})") from None
    target = target_dir / remote.name
    errors = []
    for mirror in spec.mirrors:
        try:
            _fetch(mirror + remote.name, target, remote.md5)
            return target
        except (urllib.error.URLError, OSError, ValueError) as error:
            errors.append(f"{mirror}: {error}")
    raise DataUnavailableError(
        f"could not download {name} file {remote.name} ({'; '.join(errors)}). If this machine is offline, "
        f"copy the file into a folder and pass --data-dir FOLDER or set {ENV_DATA_DIR}=FOLDER (searched: {searched})"
    )


def _fetch(url: str, target: Path, md5: str) -> None:
    """Download ``url`` to ``target`` atomically, refusing content whose MD5 differs from ``md5``."""
    import urllib.request

    from tqdm.auto import tqdm

    digest = hashlib.md5()
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as handle:
        try:  # a download cut short (network, Ctrl-C) or refused leaves no partial file behind
            with urllib.request.urlopen(url, timeout=30) as response:
                total = int(response.headers.get("Content-Length") or 0) or None
                with tqdm(total=total, unit="B", unit_scale=True, desc=target.name, disable=None, leave=False) as bar:
                    while chunk := response.read(1 << 16):
                        handle.write(chunk)
                        digest.update(chunk)
                        bar.update(len(chunk))
            if digest.hexdigest() != md5:
                raise DataError(f"checksum mismatch for {url}: expected MD5 {md5}, got {digest.hexdigest()}")
        except BaseException:
            handle.close()
            os.unlink(handle.name)
            raise
    shutil.move(handle.name, target)


def mnist_benchmark_split(data_dir: str | Path | None = None) -> tuple[Dataset, Dataset]:
    """The project's MNIST benchmark: the official test set's 10,000 digits split by
    ``numpy.random.default_rng(0).permutation(10000)`` into 8,000 train and 2,000 test rows."""
    digits = load_standard("mnist", "test", data_dir)
    order = np.random.default_rng(0).permutation(len(digits.X))
    train, test = digits.subset(order[:8000]), digits.subset(order[8000:])
    train.name, test.name = "mnist-benchmark-train", "mnist-benchmark-test"
    return train, test
