"""What every reader returns: samples, optional labels (text labels as codes with their names) and a name."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .validation import DataError


@dataclass
class Dataset:
    """Samples ``X`` (n, *sample_shape), optional labels ``y`` (n,), and where they came from (``source``: the
    path or set name the user gave, for messages); ``channels_last``: images stored (n, H, W, C), given as
    (n, C, H, W), which a command writing the same samples back (``ae impute``) moves back."""

    X: np.ndarray
    y: np.ndarray | None = None
    name: str = "data"
    label_names: list[str] = field(default_factory=list)
    source: str | None = None
    channels_last: bool = False
    whole: Any = None  # a table file as read, every column kept (table_files.WholeTable), when asked for
    # what names each row, as a DataFrame, if anything: a table file's columns left out with TableOptions.drop, as
    # read, or an image folder's file names (column ``file``)
    dropped: Any = None

    @property
    def is_image(self) -> bool:
        return self.X.ndim == 4

    @property
    def files(self) -> list[str] | None:
        """An image folder's files, one a sample, relative to the folder (``cat/a.png``); None for other data."""
        return list(self.dropped["file"]) if self.is_image and self.dropped is not None else None

    @property
    def is_table(self) -> bool:
        """True when ``X`` is a DataFrame read from a table file (mixed column types and gaps allowed)."""
        return hasattr(self.X, "iloc")

    def subset(self, index: np.ndarray) -> Dataset:
        X = self.X.iloc[index].reset_index(drop=True) if self.is_table else self.X[index]
        return Dataset(X, None if self.y is None else self.y[index], self.name, self.label_names, self.source,
                       self.channels_last)


def labels_as_codes(values, path: Path) -> tuple[np.ndarray, list[str]]:
    """Labels (a pandas Series) as numbers; text labels as codes 0..k-1 in sorted order, their names returned beside
    them."""
    missing = values.isna().to_numpy()  # (n,)
    if missing.any():
        raise DataError(f"labels {values.name!r} of {path} have {int(missing.sum())} missing value(s), first at row "
                        f"{int(np.argmax(missing)) + 1} (counting from 1); fill or drop those rows, or leave the "
                        "column out with --drop (written back as it is by ae impute) rather than --label-column")
    if values.dtype.kind in "biuf":
        return values.to_numpy(), []
    names = sorted({str(v) for v in values})
    return np.searchsorted(names, values.astype(str).to_numpy()), names
