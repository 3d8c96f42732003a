"""Files other tools write: Weka's ARFF tables and MATLAB's .mat arrays (ODDS)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.io import savemat

from autoencoders.cli import cli
from autoencoders.data import DataError
from autoencoders.data.files import TableOptions, read_path

ARFF = """% a comment before the header
@relation 'flags'
@attribute 'colour name' {red, 'dark blue', green}
@attribute size numeric
@attribute flag{0,1} % no space before the levels, a comment after
@attribute note string
@attribute class {normal,odd}

@data
red,1.5,0,'a note',normal
'dark blue',?,1,'b',normal
% a comment between rows
green,2,?,c,odd
"""


def write(tmp_path, text: str, name: str = "flags.arff"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_an_arff_table_keeps_its_declared_types_gaps_and_labels(tmp_path):
    data = read_path(write(tmp_path, ARFF), label_column="class")
    assert list(data.X.columns) == ["colour name", "size", "flag", "note"]
    assert list(data.X["colour name"].cat.categories) == ["red", "dark blue", "green"]
    assert list(data.X["colour name"]) == ["red", "dark blue", "green"]
    assert data.X["size"].dtype == np.float64 and np.isnan(data.X["size"][1]) and data.X["size"][2] == 2.0
    assert data.X["flag"].isna().tolist() == [False, False, True]
    assert list(data.X["note"]) == ["a note", "b", "c"]
    assert data.label_names == ["normal", "odd"] and data.y.tolist() == [0, 0, 1]


@pytest.mark.parametrize("body, message", [
    ("{0 1, 2 3}\n", "sparse ARFF"),
    ("blue,1,0,x,normal\n", "declares the values"),
    ("red,big,0,x,normal\n", "numeric attribute 'size' holds 'big'"),
])
def test_an_arff_file_that_cannot_be_read_right_is_named(tmp_path, body, message):
    text = ARFF[:ARFF.index("@data")] + "@data\n" + body
    with pytest.raises(DataError, match=message):
        read_path(write(tmp_path, text))


def test_a_file_named_arff_without_its_header_and_missing_values_for_arff_are_refused(tmp_path):
    with pytest.raises(DataError, match="not an ARFF file"):
        read_path(write(tmp_path, "a,b\n1,2\n"))
    with pytest.raises(DataError, match="ARFF file, whose gaps are its \\? cells"):
        read_path(write(tmp_path, ARFF), table=TableOptions(missing_values=("-",)))


def test_ae_detect_scores_an_arff_table_with_its_class_as_labels(tmp_path):
    rows = "".join(f"{'red' if i % 3 else 'green'},{i % 7}.5,{i % 2},n{i},{'odd' if i % 20 == 0 else 'normal'}\n"
                   for i in range(60))
    path = write(tmp_path, ARFF[:ARFF.index("@data")] + "@data\n" + rows)
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(cli, ["detect", "--data", str(path), "--label-column", "class", "--drop", "note",
                                      "--out", str(out), "--n-estimators", "1"])
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out)
    assert len(scores) == 60 and np.isfinite(scores["score"]).all()
    assert '"roc_auc"' in result.output  # the class column was taken as labels, not as a feature


def test_a_mat_file_as_odds_stores_its_sets_is_read(tmp_path):
    X = np.arange(12.0).reshape(6, 2)
    savemat(tmp_path / "odds.mat", {"X": X, "y": np.array([[0], [0], [1], [0], [0], [1]])})
    data = read_path(tmp_path / "odds.mat")
    np.testing.assert_array_equal(data.X, X)
    assert data.y.tolist() == [0, 0, 1, 0, 0, 1] and data.name == "odds"
    savemat(tmp_path / "one.mat", {"samples": X})  # its only matrix, whatever its name
    np.testing.assert_array_equal(read_path(tmp_path / "one.mat").X, X)


def test_a_mat_file_that_cannot_be_read_is_named(tmp_path):
    savemat(tmp_path / "two.mat", {"a": np.ones((3, 2)), "b": np.ones((3, 2))})
    with pytest.raises(DataError, match="name the samples 'X'"):
        read_path(tmp_path / "two.mat")
    savemat(tmp_path / "short.mat", {"X": np.ones((3, 2)), "y": np.ones(2)})
    with pytest.raises(DataError, match="one label per sample"):
        read_path(tmp_path / "short.mat")
    hdf5 = tmp_path / "new.mat"  # MATLAB's -v7.3 writes HDF5 behind a 128-byte header of version 2.0
    hdf5.write_bytes(b"MATLAB 7.3 MAT-file".ljust(116) + bytes(8) + b"\x00\x02IM" + b"\x89HDF\r\n\x1a\n" + bytes(64))
    with pytest.raises(DataError, match="v7.3 \\(HDF5\\)"):
        read_path(hdf5)
    (tmp_path / "text.mat").write_text("not a mat file")
    with pytest.raises(DataError, match="cannot read .* as a MATLAB .mat file"):
        read_path(tmp_path / "text.mat")
