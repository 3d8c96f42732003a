from __future__ import annotations

import gzip
import urllib.error
import urllib.request

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

import autoencoders as ae
from autoencoders.data import DataError, DataUnavailableError, check_array, datasets, read_idx, read_path
from conftest import MNIST_DIR


def test_digits_are_images_in_unit_range(digits):
    assert digits.X.shape == (1797, 1, 8, 8) and digits.X.min() == 0 and digits.X.max() == 1
    assert len(digits.y) == 1797


def test_mnist_from_an_offline_directory_matches_the_benchmark_split():
    train, test = ae.data.mnist_benchmark_split(MNIST_DIR)
    assert train.X.shape == (8000, 1, 28, 28) and test.X.shape == (2000, 1, 28, 28)
    assert train.X.max() == 1.0 and set(np.unique(test.y)) == set(range(10))
    order = np.random.default_rng(0).permutation(10000)
    raw = read_idx(MNIST_DIR / "t10k-images-idx3-ubyte.gz")
    np.testing.assert_allclose(test.X[0, 0], raw[order[8000]] / 255.0, rtol=1e-6)


def test_offline_machine_gets_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.delenv(datasets.ENV_DATA_DIR, raising=False)

    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DataUnavailableError, match="could not download fashion-mnist.*--data-dir"):
        ae.load_data("fashion-mnist", split="test")


def test_an_offline_copy_that_is_damaged_or_another_file_is_refused(tmp_path):
    """The labels file copied under the images' name once trained on 10,000 labels as if they were images."""
    labels = MNIST_DIR / "t10k-labels-idx1-ubyte.gz"
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(labels.read_bytes())
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(labels.read_bytes())
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz is damaged or not the published file: its MD5"):
        ae.load_data("mnist", split="test", data_dir=tmp_path, download=False)
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()  # an unpacked copy has no MD5: its shape is checked
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(gzip.decompress(labels.read_bytes()))
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte holds \(10000,\) .*expected images"):
        ae.load_data("mnist", split="test", data_dir=tmp_path, download=False)


def test_download_with_a_wrong_checksum_is_refused(tmp_path, monkeypatch):
    import io

    class FakeResponse(io.BytesIO):
        headers: dict = {}

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: FakeResponse(b"tampered"))
    target = tmp_path / "file.gz"
    with pytest.raises(ValueError, match="checksum mismatch"):
        datasets._fetch("http://example/file.gz", target, "0" * 32)
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_a_download_cut_short_leaves_no_partial_file(tmp_path, monkeypatch):
    import io

    class DroppedResponse(io.BytesIO):
        headers: dict = {"Content-Length": "1000000"}

        def read(self, size=-1):
            if self.tell():
                raise ConnectionResetError("connection reset by peer")
            return super().read(10)

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: DroppedResponse(b"x" * 100))
    with pytest.raises(ConnectionResetError):
        datasets._fetch("http://example/file.gz", tmp_path / "file.gz", "0" * 32)
    assert list(tmp_path.iterdir()) == []


def test_environment_variable_points_at_offline_copies(monkeypatch):
    monkeypatch.setenv(datasets.ENV_DATA_DIR, str(MNIST_DIR))
    assert ae.load_data("mnist", split="test", download=False).X.shape == (10000, 1, 28, 28)


def test_idx_plain_and_gzip_and_truncated(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    header = bytes([0, 0, 0x08, 3]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    (tmp_path / "a-idx3-ubyte").write_bytes(header + array.tobytes())
    with gzip.open(tmp_path / "b-idx3-ubyte.gz", "wb") as handle:
        handle.write(header + array.tobytes())
    np.testing.assert_array_equal(read_idx(tmp_path / "a-idx3-ubyte"), array)
    (tmp_path / "unpacked-idx3-ubyte.gz").write_bytes(header + array.tobytes())  # a browser unpacked it, kept .gz
    np.testing.assert_array_equal(read_idx(tmp_path / "unpacked-idx3-ubyte.gz"), array)
    damaged = bytearray((MNIST_DIR / "t10k-labels-idx1-ubyte.gz").read_bytes())
    damaged[100] ^= 0xFF
    damaged[200] ^= 0xFF
    (tmp_path / "damaged-idx1-ubyte.gz").write_bytes(bytes(damaged))  # zlib.error, not a traceback
    with pytest.raises(DataError, match="cannot read IDX file .*damaged-idx1-ubyte.gz"):
        read_idx(tmp_path / "damaged-idx1-ubyte.gz")
    np.testing.assert_array_equal(read_path(tmp_path / "b-idx3-ubyte.gz").X, array[:, None] / np.float32(255))
    (tmp_path / "c-idx3-ubyte").write_bytes(header + array.tobytes()[:-5])
    with pytest.raises(DataError, match="truncated"):
        read_idx(tmp_path / "c-idx3-ubyte")
    (tmp_path / "d-idx3-ubyte").write_bytes(header[:10])
    with pytest.raises(DataError, match="d-idx3-ubyte is truncated: its 10 bytes end inside the header"):
        read_idx(tmp_path / "d-idx3-ubyte")


def test_an_idx_file_of_images_loads_as_the_standard_set_does():
    """A user's own copy of MNIST: images (n, 1, 28, 28) in [0, 1], what ``--data mnist`` gives (a conv network
    takes them), not raw (n, 28, 28) bytes."""
    own = read_path(MNIST_DIR / "t10k-images-idx3-ubyte.gz").X
    np.testing.assert_array_equal(own, ae.load_data("mnist", split="test", data_dir=MNIST_DIR, download=False).X)


def test_csv_with_header_and_label_column(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,b,label\n1,2,0\n3,4,1\n5,6.5,0\n")
    data = read_path(path, label_column="label")
    np.testing.assert_array_equal(data.X, [[1, 2], [3, 4], [5, 6.5]])
    np.testing.assert_array_equal(data.y, [0, 1, 0])


def test_csv_with_text_cells_is_a_clear_error(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n1,2\n3,oops\n")
    with pytest.raises(DataError, match="not a number"):
        read_path(path)


def test_npy_and_npz(tmp_path):
    X = np.random.default_rng(0).random((5, 3))
    np.save(tmp_path / "x.npy", X)
    np.savez(tmp_path / "xy.npz", X=X, y=np.arange(5))
    np.testing.assert_array_equal(read_path(tmp_path / "x.npy").X, X)
    loaded = read_path(tmp_path / "xy.npz")
    np.testing.assert_array_equal(loaded.y, np.arange(5))


def test_a_file_that_is_not_numpys_or_is_cut_short_is_named(tmp_path):
    (tmp_path / "notes.npy").write_text("hello")
    with pytest.raises(DataError, match="notes.npy is not a NumPy .npy file"):
        read_path(tmp_path / "notes.npy")
    np.savez_compressed(tmp_path / "full.npz", X=np.zeros((50, 4)))
    (tmp_path / "cut.npz").write_bytes((tmp_path / "full.npz").read_bytes()[:100])
    with pytest.raises(DataError, match="cannot read .*cut.npz: the archive is truncated or corrupt"):
        read_path(tmp_path / "cut.npz")


def test_npz_labels_must_be_one_per_sample(tmp_path):
    np.savez(tmp_path / "xy.npz", X=np.zeros((5, 2)), y=np.arange(4))
    with pytest.raises(DataError, match=r"xy.npz: labels 'y' have shape \(4,\) but samples 'X' have shape \(5, 2\)"):
        read_path(tmp_path / "xy.npz")
    np.savez(tmp_path / "column.npz", X=np.zeros((5, 2)), y=np.arange(5)[:, None])  # a column vector is one each
    np.testing.assert_array_equal(read_path(tmp_path / "column.npz").y, np.arange(5))


def test_image_folder_with_class_subfolders(tmp_path):
    for label in ("cats", "dogs"):
        (tmp_path / label).mkdir()
        for i in range(2):
            Image.fromarray(np.full((6, 5), 40 * i, np.uint8)).save(tmp_path / label / f"{i}.png")
    data = read_path(tmp_path)
    assert data.X.shape == (4, 1, 6, 5) and data.label_names == ["cats", "dogs"]
    np.testing.assert_array_equal(data.y, [0, 0, 1, 1])


def test_images_beside_class_folders_are_refused_before_any_is_read(tmp_path, monkeypatch):
    # They were labelled "." silently, a class of their own.
    (tmp_path / "cats").mkdir()
    for name in ("cats/0.png", "stray.png"):
        Image.fromarray(np.zeros((6, 5), np.uint8)).save(tmp_path / name)
    monkeypatch.setattr("autoencoders.data.files.read_image", lambda *a: pytest.fail("read before refusing"))
    with pytest.raises(DataError, match=r"images at its top level \(e.g. stray.png\) beside class folders \(e.g. cats"):
        read_path(tmp_path)


def test_image_folder_reads_each_image_by_its_bit_depth(tmp_path):
    """A 16-bit scan is scaled by 65535 (not clipped to white by an 8-bit conversion), a 32-bit float image keeps
    its values, a 1-bit image is gray; beside an 8-bit image they stay grayscale and on one scale."""
    ramp = np.linspace(0, 1, 20, dtype=np.float32).reshape(4, 5)
    Image.fromarray(np.rint(ramp * 65535).astype(np.uint16)).save(tmp_path / "a16.png")
    Image.fromarray(ramp).save(tmp_path / "b32.tif")
    Image.fromarray(ramp > 0.5).save(tmp_path / "c1.png")
    Image.fromarray(np.rint(ramp * 255).astype(np.uint8)).save(tmp_path / "d8.png")
    X = read_path(tmp_path).X
    assert X.shape == (4, 1, 4, 5)
    np.testing.assert_allclose(X[0, 0], ramp, atol=1 / 65535)
    np.testing.assert_array_equal(X[1, 0], ramp)
    np.testing.assert_array_equal(X[2, 0], ramp > 0.5)
    np.testing.assert_allclose(X[3, 0], ramp, atol=1 / 255)


def test_image_folder_of_mixed_sizes_names_a_file_of_each(tmp_path):
    for name, shape in (("a.png", (6, 5)), ("b.png", (6, 5)), ("c.png", (8, 8))):
        Image.fromarray(np.zeros(shape, np.uint8)).save(tmp_path / name)
    with pytest.raises(DataError, match=r"5x6 pixels: 2 image\(s\), e.g. a.png; 8x8 pixels: 1 image\(s\), e.g. c.png"):
        read_path(tmp_path)


def test_hidden_files_in_an_image_folder_are_not_images_of_the_data(tmp_path):
    """macOS leaves ._name.png resource forks on shared drives: they are no images, and stopped the read."""
    (tmp_path / "cats").mkdir()
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "cats" / "a.png")
    (tmp_path / "cats" / "._a.png").write_bytes(b"\x00\x05\x16\x07Mac OS X resource fork")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    Image.fromarray(np.zeros((9, 9), np.uint8)).save(tmp_path / ".ipynb_checkpoints" / "b.png")
    data = read_path(tmp_path)
    assert data.X.shape == (1, 1, 4, 4) and data.label_names == ["cats"]


def test_unreadable_image_is_named(tmp_path):
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "ok.png")
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(DataError, match="cannot read image .*bad.png"):
        read_path(tmp_path)


def test_unknown_file_type_and_missing_file(tmp_path):
    (tmp_path / "x.parquetz").write_text("")
    with pytest.raises(DataError, match="unsupported data file"):
        read_path(tmp_path / "x.parquetz")
    with pytest.raises(FileNotFoundError, match="no such data file"):
        read_path(tmp_path / "missing.csv")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros((0, 3)), "0 sample"),
        (np.zeros(3), r"1 dimension.*one feature per sample is X.reshape\(-1, 1\), one sample .* X.reshape\(1, -1\)"),
        (np.array([["a", "b"]]), "dtype <U1"),
        (np.array([[1, None]], dtype=object), "dtype object"),
        (np.array([[1.0, np.nan]]), "NaN in 1 row"),
        (np.array([[1.0], [np.inf]]), "infinite values in 1 row.*first at row 1"),
        (np.zeros((2, 2, 2, 2, 2)), "5 dimension"),
    ],
)
def test_check_array_names_the_problem(bad, message):
    with pytest.raises(DataError, match=message):
        check_array(bad)


def test_check_array_names_a_frames_text_columns_and_takes_its_mixed_number_columns():
    """`ae encode runs/digits --data rows.csv` on the user's own file with a text column said only "X has dtype
    object"; a frame of float, bool and nullable int columns (an object array once converted) was refused too."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"id": [1, 2], "note": ["x", "y"], "a": [0.5, 1.5], 3: [None, "u"]})
    with pytest.raises(DataError, match=r"column\(s\) that are not numbers: note,3 \(first cell 'x'\).*--drop note,3"):
        check_array(frame)
    numbers = pd.DataFrame({"a": [0.5, 1.5], "flag": [True, False], "n": pd.array([1, 2], dtype="Int64")})
    np.testing.assert_array_equal(check_array(numbers), [[0.5, 1, 1], [1.5, 0, 2]])
    with pytest.raises(DataError, match="NaN in 1 row"):  # a nullable column's gap is a missing value, named so
        check_array(numbers.assign(n=pd.array([1, None], dtype="Int64")))


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
              elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_check_array_never_lets_non_finite_values_through(X):
    if np.isfinite(X).all() and np.abs(X).max() > float(np.finfo(np.float32).max):
        with pytest.raises(DataError, match="beyond float32"):
            check_array(X)
    elif np.isfinite(X).all():
        out = check_array(X)
        assert out.dtype == np.float32 and out.shape == X.shape
    else:
        with pytest.raises(DataError, match="NaN|infinite"):
            check_array(X)


def test_scaler_round_trip_and_constant_columns():
    X = np.array([[0.0, 5, 10], [2, 5, 30]], np.float32)
    scaler = ae.data.Scaler.fit(X)
    assert scaler.kind == "minmax"
    np.testing.assert_allclose(scaler.transform(X), [[0, 0, 0], [1, 0, 1]])
    restored = ae.data.Scaler.from_dict(scaler.to_dict())
    np.testing.assert_allclose(restored.inverse_transform(restored.transform(X)), X)
