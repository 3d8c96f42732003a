"""Files as a new user brings them (audit 34): what numpy, Excel, phones and download caches really write, each read
right or refused by a message naming the file, the problem and the option that fixes it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from autoencoders.cli import cli
from autoencoders.data import (
    DataError,
    DataUnavailableError,
    TableOptions,
    check_array,
    datasets,
    load_data,
    read_path,
)
from autoencoders.data.streaming import ChunkedRows
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


def test_a_header_that_repeats_a_name_is_named_with_the_names_pandas_gives(tmp_path):
    # pandas reads "a,a,b" as a, a.1, b: --drop a then left a.1 in, and nothing said why
    path = tmp_path / "twice.csv"
    path.write_text('a,"a",b,,\n1,2,3,,\n4,5,6,,\n')  # two empty names at the end are no repeat: left out
    with pytest.warns(UserWarning, match=r"twice.csv: the header gives more than one column the name 'a'; they are "
                                         r"read as 'a', 'a.1' \(the names --columns, --drop"):
        frame = read_path(path).X
    assert list(frame.columns) == ["a", "a.1", "b"]


def test_excels_unicode_text_export_is_read(tmp_path):
    # Excel's "Unicode Text" is UTF-16 with a byte-order mark: it was refused as "not UTF-8 ... may be Windows-1252"
    path = tmp_path / "export.txt"
    path.write_text("name\tscore\r\nann\t1,5\r\nbob\t2\r\n", encoding="utf-16")
    frame = read_path(path).X
    assert list(frame.columns) == ["name", "score"] and list(frame["score"]) == [1.5, 2.0]


def test_a_folder_or_a_single_image_where_a_file_is_expected_is_named(tmp_path):
    (tmp_path / "rows.csv").mkdir()  # was "rows.csv holds no image files"
    with pytest.raises(DataError, match=r"rows.csv is a folder, not a .csv file"):
        read_path(tmp_path / "rows.csv")
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "one.png")  # was "unsupported data file"
    with pytest.raises(DataError, match="one.png is one image; the data is a folder of images"):
        read_path(tmp_path / "one.png")
    parts = tmp_path / "rows.parquet"  # Spark and pyarrow write a Parquet data set as a folder of parts
    parts.mkdir()
    for part in range(2):
        pd.DataFrame({"a": [1.0 + part, 2.0], "b": [3, 4]}).to_parquet(parts / f"part-{part}.parquet")
    assert read_path(parts).X.shape == (4, 2)


def test_labels_given_as_samples_are_named_as_labels(tmp_path):
    # an IDX labels file (and any 1-D array) was told to "reshape a single sample with X.reshape(1, -1)"
    labels = np.arange(20, dtype=np.uint8)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(bytes([0, 0, 8, 1]) + (20).to_bytes(4, "big") + labels.tobytes())
    with pytest.raises(DataError, match=r"IDX file of 20 single values, such as a labels file .*give the images"):
        read_path(tmp_path / "train-labels-idx1-ubyte")
    with pytest.raises(DataError, match=r"one feature per sample is X.reshape\(-1, 1\)"):
        check_array(labels.astype(float))


def test_an_npz_says_which_arrays_it_used_and_which_not(tmp_path):
    X = np.ones((4, 2))
    np.savez(tmp_path / "extra.npz", X=X, y=np.arange(4), meta=np.arange(3))
    with pytest.warns(UserWarning, match=r"samples from 'X', labels from 'y'; array\(s\) 'meta' not used"):
        data = read_path(tmp_path / "extra.npz")
    np.testing.assert_array_equal(data.y, np.arange(4))
    np.savez(tmp_path / "positional.npz", X, np.arange(4))  # numpy.savez(path, X, y): arr_0, arr_1
    with pytest.raises(DataError, match=r"\['arr_0', 'arr_1'\]; name the samples 'X' .*numpy.savez\(path, X="):
        read_path(tmp_path / "positional.npz")


def test_a_bad_cell_in_a_streamed_file_is_named_by_its_row_in_the_file():
    # each chunk was checked alone: NaN at row 9 of the file was "first at row 1" of rows 8-11
    X = np.zeros((12, 2), np.float32)
    X[9, 1] = np.nan
    rows = ChunkedRows(X, chunk_rows=4, name="big.npy")
    with pytest.raises(DataError, match=r"big.npy rows 8-11 contains NaN in 1 row\(s\), first at row 9, column 1 "):
        rows[8:12]


def test_ae_impute_writes_an_array_back_in_its_own_shape(tmp_path):
    # a (n, 2, 3) array came back flattened to (n, 6)
    X = np.random.default_rng(0).random((30, 2, 3))
    X[4, 1, 2] = np.nan
    np.save(tmp_path / "cube.npy", X)
    result = CliRunner().invoke(cli, ["impute", "--data", str(tmp_path / "cube.npy"), "--epochs", "1", "--out",
                                      str(tmp_path / "filled.npy")])
    assert result.exit_code == 0, result.output
    filled = np.load(tmp_path / "filled.npy")
    assert filled.shape == X.shape and np.isfinite(filled).all()
    np.testing.assert_array_equal(filled[~np.isnan(X)], X[~np.isnan(X)])


def test_a_run_on_colour_images_encodes_a_folder_of_gray_ones(tmp_path):
    # training reads a folder of mixed modes with one channel count; a run given a folder of the other kind was
    # refused: "X has samples of shape (1, 8, 8) (64 values); the model expects (3, 8, 8)"
    rng = np.random.default_rng(0)
    for kind, mode in (("colour", "RGB"), ("gray", "L")):
        (tmp_path / kind).mkdir()
        for i in range(4):
            Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).convert(mode).save(
                tmp_path / kind / f"{i}.png")
    runner, run = CliRunner(), str(tmp_path / "run")
    result = runner.invoke(cli, ["train", "--data", str(tmp_path / "colour"), "--hidden", "8", "--code-size", "2",
                                 "--epochs", "1", "--out", run, "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    for kind in ("gray", "colour"):
        out = tmp_path / f"{kind}.npy"
        result = runner.invoke(cli, ["encode", run, "--data", str(tmp_path / kind), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert np.load(out).shape == (4, 2)


def test_a_delimiter_ending_each_row_but_not_the_header_shifts_no_column(tmp_path):
    # pandas took the first column for the row index: a read as b's values, b as c's, c empty
    path = tmp_path / "rows.csv"
    path.write_text("a,b,c\n1,2,3,\n4,5,6,\n7,8,9,")
    frame = read_path(path).X
    assert frame.to_dict("list") == {"a": [1, 4, 7], "b": [2, 5, 8], "c": [3, 6, 9]}
    (tmp_path / "r.csv").write_text('"a","b"\n"r1",1,2\n"r2",3,4\n')  # R's write.table: row names, header without
    assert read_path(tmp_path / "r.csv").X.to_dict("list") == {"a": [1, 3], "b": [2, 4]}


def test_comment_lines_before_a_table_are_skipped(tmp_path):
    # "# exported by ..." was taken for the header: "'b' is not a number" in a column named after the comment
    path = tmp_path / "export.csv"
    path.write_text("# exported by tool 1.2\na,b\n1,x\n3,4\n")
    with pytest.raises(DataError, match=r"row 1 \(line 3\), column 2 \('b'\): 'x' is not a number"):
        read_path(path)
    path.write_text("#,name,hp\n1,Bulba,45\n2,Ivy,60\n")  # a header naming a column "#" stays a header
    assert list(read_path(path).X.columns) == ["#", "name", "hp"]


def test_a_label_column_number_beyond_the_table_is_refused(tmp_path):
    # --label-column 10 of a 3-column table took column 10 % 3 = 1 as the labels
    path = tmp_path / "rows.csv"
    path.write_text("a,b,c\n1,2,3\n4,5,6\n")
    with pytest.raises(DataError, match="rows.csv has 3 columns, so no column number 10 .*its columns are a, b, c"):
        read_path(path, label_column="10")
    assert list(read_path(path, label_column=-1).y) == [3, 6]


def test_table_options_given_for_an_array_are_not_ignored_silently(tmp_path):
    # --label-column and --drop on an .npy were ignored: the labels trained as a feature, the dropped column too
    np.save(tmp_path / "rows.npy", np.random.default_rng(0).random((20, 4)))
    with pytest.raises(DataError, match=r"rows.npy is not a table, so it has no label column '3' .*numpy.savez"):
        read_path(tmp_path / "rows.npy", label_column="3")
    result = CliRunner().invoke(cli, ["detect", "--data", str(tmp_path / "rows.npy"), "--label-column", "3",
                                      "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 1 and "is not a table, so it has no label column" in result.output
    with pytest.warns(UserWarning, match=r"rows.npy is not a table: --drop ignored"):
        CliRunner().invoke(cli, ["detect", "--data", str(tmp_path / "rows.npy"), "--drop", "0", "--out",
                                 str(tmp_path / "s.csv")], catch_exceptions=False)
    with pytest.warns(UserWarning, match=r"rows.npy is not a table: --drop, --no-header ignored"):  # impute was silent
        CliRunner().invoke(cli, ["impute", "--data", str(tmp_path / "rows.npy"), "--drop", "0", "--no-header",
                                 "--epochs", "1", "--out", str(tmp_path / "f.npy")], catch_exceptions=False)


def test_text_labels_in_an_npz_are_codes_with_their_names(tmp_path):
    # y = ["ok", "bad", ...] in an .npz crashed ae detect with numpy's "ufunc 'maximum' did not contain a loop"
    X = np.random.default_rng(0).random((20, 3))
    np.savez(tmp_path / "rows.npz", X=X, y=np.array(["ok", "bad"] * 10))
    data = read_path(tmp_path / "rows.npz")
    assert data.label_names == ["bad", "ok"] and list(data.y[:2]) == [1, 0]
    result = CliRunner().invoke(cli, ["detect", "--data", str(tmp_path / "rows.npz"), "--n-estimators", "1",
                                      "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.output
    assert '"anomaly_label": "ok"' in result.output and '"roc_auc"' in result.output
    np.savez(tmp_path / "gap.npz", X=X, y=np.where(np.arange(20) == 3, np.nan, 1.0))
    with pytest.raises(DataError, match="labels 'y' of .*gap.npz have 1 missing value"):
        read_path(tmp_path / "gap.npz")


def test_an_npz_without_arrays_is_named_so(tmp_path):
    np.savez(tmp_path / "none.npz")  # was "not a NumPy .npz file (it lacks the header numpy.savez writes)"
    with pytest.raises(DataError, match=r"none.npz holds no arrays"):
        read_path(tmp_path / "none.npz")


def test_an_offline_folder_that_does_not_exist_is_named(tmp_path, monkeypatch):
    # a mistyped --data-dir was searched, found empty, and the files downloaded to the cache without a word
    monkeypatch.setattr(datasets, "_download", lambda *args: pytest.fail("downloaded"))
    with pytest.raises(DataUnavailableError, match=r"--data-dir \(data_dir\) names .*typo, which is no folder"):
        datasets.load_standard("mnist", "test", data_dir=tmp_path / "typo")
    monkeypatch.setenv(datasets.ENV_DATA_DIR, str(tmp_path / "typo"))
    with pytest.raises(DataUnavailableError, match=r"AUTOENCODERS_DATA names .*typo, which is no folder"):
        datasets.load_standard("mnist", "test")


def test_a_folder_of_pgm_faces_is_read_and_other_files_are_named(tmp_path):
    # AT&T's faces come as .pgm: the folder "held no image files"; a .heic photo or notes were left out unsaid
    for i in range(2):
        Image.fromarray(np.full((6, 5), 40 * i, np.uint8)).save(tmp_path / f"{i}.pgm")
    (tmp_path / "README").write_text("faces")
    (tmp_path / ".DS_Store").write_text("")  # hidden: not the user's data, not worth a word
    with pytest.warns(UserWarning, match=r"left out 1 file\(s\) that are not images \(.*\.pgm.*\), e.g. README"):
        images = read_path(tmp_path).X
    assert images.shape == (2, 1, 6, 5)


def test_a_tab_typed_in_a_shell_is_a_tab_and_a_longer_delimiter_is_refused(tmp_path):
    # --delimiter '\t' arrives as a backslash and a t: pandas read it as a regular expression with a ParserWarning;
    # --delimiter ';;' likewise, and 'tab' was "one column"
    path = tmp_path / "rows.txt"
    path.write_text("name\tscore\nann\t1.5\nbob\t2\n")
    for typed in ("\\t", "tab"):
        assert read_path(path, table=TableOptions(delimiter=typed)).X.to_dict("list") == {
            "name": ["ann", "bob"], "score": [1.5, 2.0]}
    with pytest.raises(DataError, match=r"--delimiter ';;' is not one character"):
        read_path(path, table=TableOptions(delimiter=";;"))


def test_a_spreadsheet_or_a_pickle_is_refused_with_the_way_to_a_format_that_is_read(tmp_path):
    for name, fix in (("book.xlsx", "save it as CSV"), ("rows.pkl", "never loaded .*numpy.save")):
        (tmp_path / name).write_bytes(b"PK\x03\x04")
        with pytest.raises(DataError, match=f"unsupported data file .*{name}: .*{fix}"):
            read_path(tmp_path / name)


def test_excels_utf8_byte_order_mark_hides_no_row_and_no_sep_line(tmp_path):
    # Excel's "CSV UTF-8" starts with a byte-order mark, which the sniffing kept: a sheet of numbers lost its first
    # row to a header "1,2", and a "sep=;" line was read as data
    path = tmp_path / "sheet.csv"
    path.write_text("1,2\n3,4\n", encoding="utf-8-sig")
    assert read_path(path).X.to_dict("list") == {"0": [1, 3], "1": [2, 4]}
    path.write_text("sep=;\nname;score\nann;1,5\nbob;2\n", encoding="utf-8-sig")
    assert read_path(path).X.to_dict("list") == {"name": ["ann", "bob"], "score": [1.5, 2.0]}


def test_old_mac_line_endings_are_sniffed_as_lines(tmp_path):
    # Excel's "CSV (Macintosh)" ends lines with "\r" alone; the sniffer, splitting at "\n", saw one line and took
    # "," for the delimiter of a ";" file: one text column
    path = tmp_path / "mac.csv"
    path.write_bytes(b"a;b\r1,5;2\r3;4\r")
    assert read_path(path).X.to_dict("list") == {"a": [1.5, 3.0], "b": [2, 4]}


def test_a_path_from_the_home_folder_is_found(tmp_path, monkeypatch):
    # "~/rows.csv" in Python (or quoted in a shell) was "no such data file"; pandas reads it
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n3,4\n")
    assert read_path("~/rows.csv").X.shape == (2, 2)
    assert load_data("~/rows.csv").X.shape == (2, 2)


# Files 35: audit 34's leftovers


def test_an_error_fitting_a_tables_preprocessing_names_the_file_once(tmp_path):
    # "column 'b' has no values" named the column of a table the user never sees as such, not the file
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n1,\n2,\n3,\n4,\n5,\n")
    for command in (["train", "--epochs", "1", "--test-fraction", "0"], ["impute"], ["detect"]):
        out = tmp_path / ("run" if command[0] == "train" else f"{command[0]}.csv")
        result = CliRunner().invoke(cli, [*command, "--data", str(path), "--out", str(out)])
        assert result.exit_code == 1, result.output
        assert f"Error: {path}: column 'b' has no values" in result.output and result.output.count(str(path)) == 1


def test_an_error_reading_a_later_table_into_a_run_names_that_file(tmp_path):
    # a run's commands on another table said "column 'q' has 1 missing value(s)" of a file they did not name
    trained, other, short = tmp_path / "trained.csv", tmp_path / "other.csv", tmp_path / "short.csv"
    trained.write_text("p,q,c\n" + "".join(f"{i % 7}.5,{i % 5}.25,{'xy'[i % 2]}\n" for i in range(40)))
    other.write_text("p,q,c\n1.0,,x\n2.0,3.0,y\n")
    short.write_text("p,c\n1.0,x\n")
    run = tmp_path / "run"
    assert CliRunner().invoke(cli, ["train", "--data", str(trained), "--epochs", "1", "--out", str(run)]).exit_code == 0
    for command, path, message in ((["encode", "--out", str(tmp_path / "codes.npy")], other, "column 'q' has 1"),
                                   (["evaluate"], short, "the table has no column(s) ['q']")):
        result = CliRunner().invoke(cli, [command[0], str(run), "--data", str(path), *command[1:]])
        assert result.exit_code == 1 and f"Error: {path}: {message}" in result.output, result.output


def _idx_bytes(images: np.ndarray) -> bytes:
    return bytes([0, 0, 8, images.ndim]) + b"".join(n.to_bytes(4, "big") for n in images.shape) + images.tobytes()


def test_an_8_bit_image_array_is_read_as_its_idx_copy_and_its_pngs_are(tmp_path):
    # MNIST's bytes saved with numpy.save trained as rows in 0-255 units; the IDX copy as images in [0, 1]
    rng = np.random.default_rng(0)
    gray, colour = rng.integers(0, 256, (4, 6, 7), np.uint8), rng.integers(0, 256, (2, 5, 6, 3), np.uint8)
    (tmp_path / "images-idx3-ubyte").write_bytes(_idx_bytes(gray))
    np.save(tmp_path / "gray.npy", gray)
    np.savez(tmp_path / "gray.npz", X=gray, y=np.arange(4))
    expected = read_path(tmp_path / "images-idx3-ubyte").X
    assert expected.shape == (4, 1, 6, 7) and expected.dtype == np.float32 and expected.max() <= 1
    for name in ("gray.npy", "gray.npz"):
        np.testing.assert_array_equal(read_path(tmp_path / name).X, expected)
    # channels-last colour bytes (as PIL, Keras and CIFAR keep them) as the folder of the same PNGs is read
    np.save(tmp_path / "colour.npy", colour)
    (tmp_path / "pngs").mkdir()
    for i, image in enumerate(colour):
        Image.fromarray(image).save(tmp_path / "pngs" / f"{i}.png")
    np.testing.assert_array_equal(read_path(tmp_path / "colour.npy").X, read_path(tmp_path / "pngs").X)
    assert read_path(tmp_path / "colour.npy").X.shape == (2, 3, 5, 6)
    np.save(tmp_path / "counts.npy", gray.astype(np.int64))  # not 8-bit: kept as it is
    assert read_path(tmp_path / "counts.npy").X.shape == (4, 6, 7)


def test_conv_refuses_channels_last_images_it_would_take_for_rows_of_channels(tmp_path):
    # (n, 12, 12, 3) trained without an error as 12 channels of 12x3 images
    import autoencoders as ae

    with pytest.raises(ValueError, match=r"\(12, 12, 3\) looks like \(H, W, C\) .* numpy.moveaxis\(X, -1, 1\) "
                                         r"\(samples \(3, 12, 12\)\)"):
        ae.create_model("conv", input_shape=(12, 12, 3))
    # a file of them is moved to (n, C, H, W) as it is read: test_a_float_channels_last_image_array_is_read_...
    assert ae.create_model("conv", input_shape=(3, 12, 12)).config.input_shape == (3, 12, 12)


def test_a_streamed_8_bit_image_array_is_read_as_the_whole_file_is(tmp_path):
    # --stream must train on what --test-data (read whole) gives for the same kind of file
    from autoencoders.data.streaming import open_rows

    for name, shape in (("gray.npy", (5, 6, 7)), ("colour.npy", (5, 6, 7, 3))):
        np.save(tmp_path / name, np.random.default_rng(0).integers(0, 256, shape, np.uint8))
        rows = open_rows(tmp_path / name, chunk_rows=2)
        whole = read_path(tmp_path / name).X
        assert rows.shape == whole.shape
        np.testing.assert_array_equal(np.concatenate(list(rows.chunks())), whole)


def test_gaps_only_in_the_test_rows_of_a_table_do_not_stop_ae_train(tmp_path):
    # the preprocessing, fitted on the training rows, gave the column no missing-indicator, and the test rows then
    # failed with "has 1 missing value(s), first at row k, but had none when fitted" (k a row of the test split)
    from autoencoders.data import TabularPreprocessor

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.random(20), "b": rng.random(20)})
    gap = int(np.random.default_rng(0).permutation(20)[0])  # a test row of `ae train --seed 0 --test-fraction 0.25`
    frame.loc[gap, "b"] = np.nan
    frame.to_csv(tmp_path / "rows.csv", index=False)
    result = CliRunner().invoke(cli, ["train", "--data", str(tmp_path / "rows.csv"), "--seed", "0", "--test-fraction",
                                      "0.25", "--epochs", "1", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    train, test = frame.drop(index=gap), frame.loc[[gap]]
    table = TabularPreprocessor().fit(train, held_out=test)
    assert [block["missing"] for block in table.layout] == [None, 2]
    np.testing.assert_array_equal(table.transform(test)[0, 1:], [0, 1])  # the gap: value 0, indicator 1
    assert [block["missing"] for block in TabularPreprocessor().fit(train).layout] == [None, None]


def test_a_header_of_numbers_beside_a_text_column_is_read_as_one_with_header(tmp_path):
    # `country,2019,2020` over `FR,1.5,2` cannot be told from a data row by its cells: it was read as one, the names
    # trained as a category and two values; --header says it is a header, --no-header that a first row is data
    path = tmp_path / "years.csv"
    path.write_text("country,2019,2020\nFR,1.5,2\nDE,2.5,3\nIT,0.5,1\nES,1.0,4\n")
    assert read_path(path).X.shape == (5, 3)  # sniffed: a data row, as before
    frame = read_path(path, table=TableOptions(header=True)).X
    assert list(frame.columns) == ["country", "2019", "2020"] and frame.shape == (4, 3)
    assert frame["2019"].dtype == float
    named = tmp_path / "named.csv"
    named.write_text("a,b\nx,y\nz,w\n")  # a header by its cells, and a first row of data by --no-header
    assert read_path(named).X.shape == (2, 2)
    assert read_path(named, table=TableOptions(header=False)).X.shape == (3, 2)
    assert list(read_path(named, table=TableOptions(header=False)).X.columns) == ["0", "1"]
    named.write_text("a,b\nx,1\ny,2\n")  # --no-header on a header: its name is a text among numbers, said so
    with pytest.raises(DataError, match=r"row 1 \(line 1\), column 2 \('1'\): 'b' is not a number .*; the first "
                                        r"row is read as data \(--no-header\)"):
        read_path(named, table=TableOptions(header=False))
    (tmp_path / "years.parquet").write_bytes(b"PAR1")  # refused by name before it is read
    with pytest.raises(DataError, match="--header and --no-header are for text tables"):
        read_path(tmp_path / "years.parquet", table=TableOptions(header=True))
    # the run keeps it: a later command without --data reads the file the same way
    runner, run = CliRunner(), tmp_path / "run"
    result = runner.invoke(cli, ["train", "--data", str(path), "--header", "--epochs", "1", "--test-fraction", "0",
                                 "--out", str(run), "--quiet"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["encode", str(run), "--out", str(tmp_path / "codes.npy")])
    assert result.exit_code == 0, result.output
    assert len(np.load(tmp_path / "codes.npy")) == 4
    (tmp_path / "later.csv").write_text(path.read_text())  # another file of the layout: read so too
    result = runner.invoke(cli, ["encode", str(run), "--data", str(tmp_path / "later.csv"), "--out",
                                 str(tmp_path / "later.npy")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["encode", str(run), "--data", str(tmp_path / "later.csv"), "--no-header", "--out",
                                 str(tmp_path / "given.npy")])  # given to the command: it wins
    assert result.exit_code == 1 and "no column(s) ['country', '2019', '2020']" in result.output
    assert "its first row was read as data: give --header if it names the columns" in result.output
    (tmp_path / "bare.csv").write_text("FR,1.5,2\nDE,2.5,3\n")  # no header: the run's --header takes FR for a name
    result = runner.invoke(cli, ["encode", str(run), "--data", str(tmp_path / "bare.csv"), "--out",
                                 str(tmp_path / "bare.npy")])
    assert result.exit_code == 1
    assert "its first row was read as the column names (--header): give --no-header if it holds data" in result.output


def test_another_table_file_given_to_a_run_is_read_with_the_runs_header_and_missing_values(tmp_path):
    # --no-header, --header and --missing-values were reapplied to the run's own file only: another file of the
    # same layout given with --data had its header sniffed again (a first row of text was taken for names) and its
    # "?" cells read as text, so the command failed on a file laid out as the one the run was trained on
    rng = np.random.default_rng(0)
    lines = [f"{rng.choice(['x', 'y'])},{rng.choice(['u', 'v', 'w'])}" for _ in range(12)]
    (tmp_path / "train.csv").write_text("a,b\n" + "\n".join(lines) + "\n")  # sniffed as having a header
    numbers = "".join(f"{i % 7},{'?' if i % 5 == 1 else 2 * i}\n" for i in range(12))
    (tmp_path / "numbers.csv").write_text(numbers)
    runner = CliRunner()
    for name, given in (("train.csv", ["--no-header"]), ("numbers.csv", ["--missing-values", "?"])):
        run = tmp_path / name.split(".")[0]
        result = runner.invoke(cli, ["train", "--data", str(tmp_path / name), *given, "--epochs", "1",
                                     "--test-fraction", "0", "--out", str(run), "--quiet", "--no-report"])
        assert result.exit_code == 0, result.output
        (tmp_path / f"later_{name}").write_text((tmp_path / name).read_text())
        for command, out in (("encode", "codes.npy"), ("reconstruct", f"rebuilt_{name}"), ("evaluate", None)):
            written = [] if out is None else ["--out", str(tmp_path / out), "--overwrite"]
            result = runner.invoke(cli, [command, str(run), "--data", str(tmp_path / f"later_{name}"), *written])
            assert result.exit_code == 0, (command, result.output)
    # every line a row, none taken for names; and the reconstructions, written without the header "0,1" the file
    # never had, are read back as the run's file is (with a header line, --no-header would take it for a row)
    assert len((tmp_path / "rebuilt_train.csv").read_text().splitlines()) == 13
    result = runner.invoke(cli, ["encode", str(tmp_path / "train"), "--data", str(tmp_path / "rebuilt_train.csv"),
                                 "--out", str(tmp_path / "again.npy")])
    assert result.exit_code == 0, result.output
    assert len(np.load(tmp_path / "again.npy")) == 13


def test_a_runs_own_file_is_read_by_its_later_commands_with_the_delimiter_it_was_given(tmp_path):
    # a file split by ':' (no delimiter the sniffer knows) trained with --delimiter ':'; `ae encode RUN` and `ae
    # report RUN` read the run's file again without it, as one column: "the table has no column(s) ['x', 'y', 'z']"
    rng = np.random.default_rng(0)
    path, run = tmp_path / "colon.txt", tmp_path / "run"
    path.write_text("x:y:z\n" + "".join(f"{rng.random():.3f}:{rng.random():.3f}:{i % 5}\n" for i in range(30)))
    runner = CliRunner()
    result = runner.invoke(cli, ["train", "--data", str(path), "--delimiter", ":", "--epochs", "1", "--out", str(run),
                                 "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    for command in (["encode", str(run), "--out", str(tmp_path / "codes.npy")], ["report", str(run), "--quiet"]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 0, (command, result.output)
    assert np.load(tmp_path / "codes.npy").shape[0] == 30


def test_a_runs_stored_missing_values_are_switched_off_with_none(tmp_path):
    # a run's --missing-values ("?") were given to every other file read for it, and no documented value said "no
    # extra gap texts": "none" was taken for a gap text itself, and on resume refused as disagreeing with "(none)"
    rng = np.random.default_rng(0)
    answer = ["yes", "no"]
    (tmp_path / "gaps.csv").write_text("a,b\n" + "".join(f"{rng.random():.2f},{'?' if i % 5 == 0 else answer[i % 2]}\n"
                                                         for i in range(30)))
    (tmp_path / "answers.csv").write_text("a,b\n" + "".join(f"{rng.random():.2f},{'?' if i % 3 == 0 else 'yes'}\n"
                                                            for i in range(30)))
    runner, gaps, answers = CliRunner(), tmp_path / "gaps_run", tmp_path / "answers_run"
    for data, run, given in (("gaps.csv", gaps, ["--missing-values", "?"]), ("answers.csv", answers, [])):
        result = runner.invoke(cli, ["train", "--data", str(tmp_path / data), *given, "--epochs", "1", "--out",
                                     str(run), "--quiet", "--no-report"])
        assert result.exit_code == 0, result.output
    with pytest.warns(UserWarning, match="column 'b' has 10 cell.s. with categories not seen"):  # "?": a category
        result = runner.invoke(cli, ["encode", str(gaps), "--data", str(tmp_path / "answers.csv"),
                                     "--missing-values", "none", "--out", str(tmp_path / "codes.npy")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["train", "--out", str(answers), "--resume", "--epochs", "2", "--quiet",
                                 "--no-report", "--missing-values", "none"])  # as stored: none
    assert result.exit_code == 0, result.output
    assert "'none' (or '') for no others" in " ".join(runner.invoke(cli, ["encode", "--help"]).output.split())


def test_a_float_channels_last_image_array_is_read_as_channels_first_images(tmp_path):
    # (n, H, W, 3) floats in [0, 1] (Keras, CIFAR arrays scaled) reached an mlp and the report as (H, W, 3) rows,
    # the report drawing lines, and conv refused them, while the 8-bit bytes of the same images were moved
    rng = np.random.default_rng(0)
    colour = rng.integers(0, 256, (6, 5, 7, 3), np.uint8)
    np.save(tmp_path / "bytes.npy", colour)
    np.save(tmp_path / "floats.npy", colour.astype(np.float32) / np.float32(255))
    np.savez(tmp_path / "floats.npz", X=colour / 255.0, y=np.arange(6) % 2)
    expected = read_path(tmp_path / "bytes.npy").X  # (6, 3, 5, 7) in [0, 1]
    for name in ("floats.npy", "floats.npz"):
        np.testing.assert_allclose(read_path(tmp_path / name).X, expected, rtol=1e-6)
    from autoencoders.checkpoint import load_checkpoint
    from autoencoders.data.streaming import open_rows

    rows = open_rows(tmp_path / "floats.npy", chunk_rows=4)
    assert rows.shape == expected.shape
    np.testing.assert_allclose(np.concatenate(list(rows.chunks())), expected, rtol=1e-6)
    runner = CliRunner()
    for backbone in ("mlp", "conv"):
        run = tmp_path / backbone
        result = runner.invoke(cli, ["train", "--data", str(tmp_path / "floats.npy"), "--backbone", backbone,
                                     "--epochs", "1", "--test-fraction", "0", "--out", str(run), "--quiet"])
        assert result.exit_code == 0, result.output
        assert load_checkpoint(run).model.input_shape == (3, 5, 7)
    np.save(tmp_path / "volumes.npy", rng.random((2, 5, 7, 6)))  # a last axis of no channel count: as it is
    assert read_path(tmp_path / "volumes.npy").X.shape == (2, 5, 7, 6)


def test_ae_impute_writes_a_table_without_a_header_back_without_one(tmp_path):
    # the filled copy of a header-less file gained a first line "0,1,2" (pandas' names for its columns)
    path = tmp_path / "rows.csv"
    path.write_text("1.5,2,3\n2.5,,4\n3.5,4,5\n1.25,2,\n2.5,3,4\n5.5,6,7\n")
    for given in ([], ["--no-header"]):
        out = tmp_path / f"filled{len(given)}.csv"
        result = CliRunner().invoke(cli, ["impute", "--data", str(path), *given, "--epochs", "1", "--out", str(out)])
        assert result.exit_code == 0, result.output
        lines = out.read_text().splitlines()
        assert len(lines) == 6 and lines[0] == "1.5,2,3" and lines[2] == "3.5,4,5"


def test_an_array_of_numbers_for_a_run_on_a_table_with_text_categories_is_refused(tmp_path):
    # an .npy of as many numbers as the table's columns was encoded: each text column's cells unseen categories,
    # treated as gaps with a warning, and codes written for rows that cannot hold the table's categories
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.random(12), "kind": ["x", "y", "z"] * 4, "b": rng.random(12)})
    frame.to_csv(tmp_path / "rows.csv", index=False)
    np.save(tmp_path / "rows.npy", rng.random((4, 3)))
    runner, run = CliRunner(), str(tmp_path / "run")
    assert runner.invoke(cli, ["train", "--data", str(tmp_path / "rows.csv"), "--epochs", "1", "--test-fraction",
                               "0", "--out", run, "--quiet"]).exit_code == 0
    result = runner.invoke(cli, ["encode", run, "--data", str(tmp_path / "rows.npy"), "--out",
                                 str(tmp_path / "codes.npy")])
    assert result.exit_code == 1 and "rows.npy" in result.output
    assert "column 'kind' has categories that are text (x, y, z)" in result.output
    assert not (tmp_path / "codes.npy").exists()
    frame[["a", "b"]].to_csv(tmp_path / "numbers.csv", index=False)  # a table of numbers takes an array of them
    assert runner.invoke(cli, ["train", "--data", str(tmp_path / "numbers.csv"), "--epochs", "1", "--test-fraction",
                               "0", "--out", run + "2", "--quiet"]).exit_code == 0
    np.save(tmp_path / "pairs.npy", rng.random((4, 2)))
    assert runner.invoke(cli, ["encode", run + "2", "--data", str(tmp_path / "pairs.npy"), "--out",
                               str(tmp_path / "codes.npy")]).exit_code == 0


def test_ae_impute_writes_a_channels_last_image_array_back_channels_last(tmp_path):
    # read as (n, C, H, W), the filled copy was written so: the file's own layout lost
    rng = np.random.default_rng(0)
    images = rng.random((10, 5, 6, 3)).astype(np.float32)
    images[rng.random(images.shape) < 0.05] = np.nan
    np.save(tmp_path / "photos.npy", images)
    out = tmp_path / "filled.npy"
    result = CliRunner().invoke(cli, ["impute", "--data", str(tmp_path / "photos.npy"), "--epochs", "1", "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    filled, seen = np.load(out), ~np.isnan(images)
    assert filled.shape == images.shape and not np.isnan(filled).any()
    np.testing.assert_allclose(filled[seen], images[seen], rtol=1e-6)


@pytest.mark.parametrize("model", ["deep", "conv"])
def test_ae_reconstruct_and_generate_write_channels_last_images_back_channels_last(tmp_path, model):
    # read as (n, C, H, W), reconstructions and samples were written so: not the layout of the file given
    images = np.random.default_rng(0).random((12, 8, 8, 3)).astype(np.float32)
    np.save(tmp_path / "photos.npy", images)
    runner, run, out = CliRunner(), str(tmp_path / "run"), tmp_path / "rec.npy"
    result = runner.invoke(cli, ["train", "--data", str(tmp_path / "photos.npy"), "--model", model, "--epochs", "1",
                                 "--out", run, "--quiet"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["reconstruct", run, "--data", str(tmp_path / "photos.npy"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert np.load(out).shape[1:] == images.shape[1:]
    result = runner.invoke(cli, ["generate", run, "-n", "3", "--components", "1", "--out", str(tmp_path / "g.npy")])
    assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "g.npy").shape == (3, *images.shape[1:]), "samples in the layout of the file"


def test_a_resumed_run_reads_its_table_with_the_options_it_was_trained_with(tmp_path):
    # --resume without --header (or --missing-values) read the file otherwise: refused as another model's config
    path = tmp_path / "years.csv"
    path.write_text("country,2019,2020\n" + "".join(f"C{i % 5},{i / 4},{'?' if i % 7 == 3 else i}\n"
                                                     for i in range(24)))
    runner, run = CliRunner(), str(tmp_path / "run")
    result = runner.invoke(cli, ["train", "--data", str(path), "--header", "--missing-values", "?", "--epochs", "1",
                                 "--out", run, "--quiet"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["train", "--out", run, "--resume", "--epochs", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    assert len(json.loads((tmp_path / "run" / "history.json").read_text())["train"]["loss"]) == 2
    for given in (["--no-header"], ["--missing-values", "-"]):
        result = runner.invoke(cli, ["train", "--out", run, "--resume", "--epochs", "3", *given])
        assert result.exit_code == 1 and f"{' '.join(given)} disagrees with the run's stored" in result.output


def test_a_delimiter_ending_every_line_of_a_table_without_a_header_adds_no_column(tmp_path):
    # with a header the empty last column was left out; without one it was a column '3' refused as having no values
    path = tmp_path / "rows.csv"
    path.write_text("1,2,3,\n4,5,6,\n7,,9,\n10,11,12,\n")
    frame = read_path(path).X
    assert list(frame.columns) == ["0", "1", "2"] and frame.shape == (4, 3)
    out = tmp_path / "filled.csv"
    result = CliRunner().invoke(cli, ["impute", "--data", str(path), "--epochs", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()  # written back as it was: no header, the delimiter ending each line
    assert len(lines) == 4 and lines[0] == "1,2,3," and lines[2].startswith("7,") and lines[2].endswith(",9,")
