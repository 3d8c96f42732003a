"""Files as a new user brings them (audit 34): what numpy, Excel, phones and download caches really write, each read
right or refused by a message naming the file, the problem and the option that fixes it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from autoencoders.data import DataUnavailableError, datasets, read_path
from autoencoders.sklearn import AutoencoderImputer


def test_numpy_savetxt_rows_split_by_spaces_are_a_table_of_numbers(tmp_path):
    # np.savetxt's default format (spaces, '#' header) was read as one text column, its first row taken for a
    # header: a model trained on a single categorical column of unique strings
    X = np.random.default_rng(0).random((5, 3))
    np.savetxt(tmp_path / "rows.txt", X)
    np.savetxt(tmp_path / "named.csv", X, header="a b c")
    for name in ("rows.txt", "named.csv"):
        frame = read_path(tmp_path / name).X
        assert frame.shape == (5, 3) and (frame.dtypes == np.float64).all()
        np.testing.assert_allclose(frame.to_numpy(), X)
    (tmp_path / "header.txt").write_text("a  b c\n1 2 3\n 4.5  5 6\n")  # a header of names; runs of spaces
    assert list(read_path(tmp_path / "header.txt").X.columns) == ["a", "b", "c"]
    (tmp_path / "names.csv").write_text("city\nNew York\nSan Jose\n")  # text with spaces stays one column
    assert read_path(tmp_path / "names.csv").X.shape == (2, 1)


def test_the_imputer_fills_a_frame_whose_columns_are_pandas_default_numbers(tmp_path):
    # pd.DataFrame(X) names its columns 0, 1, ...: filling it failed with KeyError: 0
    X = pd.DataFrame(np.random.default_rng(0).random((20, 3)))
    X.iloc[2, 1] = np.nan
    filled = AutoencoderImputer(hidden=(8,), code_size=2, epochs=1, random_state=0).fit_transform(X)
    assert list(filled.columns) == [0, 1, 2] and not filled.isna().any().any()
    np.testing.assert_array_equal(filled[0], X[0])


def test_a_photo_stored_sideways_is_read_upright(tmp_path):
    # a phone stores a portrait photo as landscape pixels with an EXIF orientation; it was read sideways, and refused
    # beside upright photos of the same size for "different sizes"
    pixels = np.random.default_rng(0).integers(0, 256, (8, 12, 3), dtype=np.uint8)  # (H, W, C) as stored
    stored = Image.fromarray(pixels)
    exif = stored.getexif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    stored.save(tmp_path / "a.jpg", exif=exif, quality=100)
    Image.fromarray(pixels[::-1].transpose(1, 0, 2).copy()).save(tmp_path / "b.jpg", quality=100)  # upright
    images = read_path(tmp_path).X
    assert images.shape == (2, 3, 12, 8)
    assert np.abs(images[0] - images[1]).mean() < 0.05  # the same picture, up to JPEG's loss


def test_the_download_cache_is_moved_by_environment_and_an_unwritable_one_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv(datasets.ENV_CACHE_DIR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "")  # set but empty: the default, not the working directory
    assert datasets.cache_dir() == datasets.Path.home() / ".cache" / "autoencoders"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert datasets.cache_dir() == tmp_path / "xdg" / "autoencoders"
    monkeypatch.setenv(datasets.ENV_CACHE_DIR, str(tmp_path / "mine"))
    assert datasets.cache_dir() == tmp_path / "mine"
    (tmp_path / "file").write_text("")  # a download folder that cannot be made
    monkeypatch.setenv(datasets.ENV_CACHE_DIR, str(tmp_path / "file"))
    monkeypatch.delenv(datasets.ENV_DATA_DIR, raising=False)
    with pytest.raises(DataUnavailableError, match=r"cannot create the download folder .*file/mnist.*_CACHE"):
        datasets.load_standard("mnist", "test")
