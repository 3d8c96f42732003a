"""Real tables end to end: CSVs as people have them, DataFrames with categories and gaps through the CLI and the
scikit-learn estimators (identical outputs after saving and reloading), imputation, and bad tables at inference."""

from __future__ import annotations

import gzip
import json
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.utils.estimator_checks import parametrize_with_checks

from autoencoders.checkpoint import load_checkpoint
from autoencoders.cli import cli
from autoencoders.data import DataError, TableOptions, TabularPreprocessor, UnknownCategoryWarning, read_path
from autoencoders.sklearn import AutoencoderImputer, AutoencoderOutlierDetector, AutoencoderTransformer
from conftest import SHARED_DATA

SMALL = {"hidden": (16,), "code_size": 3, "epochs": 3, "random_state": 0}


@pytest.fixture
def people() -> pd.DataFrame:
    """Numeric, text, boolean and integer-code columns, with gaps in a numeric and a text column."""
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({"id": np.arange(n), "age": rng.normal(40, 10, n).round(1),
                          "city": rng.choice(["Rome", "Oslo", "Paris"], n), "grade": rng.integers(1, 4, n),
                          "member": rng.choice([True, False], n), "label": rng.choice(["good", "bad"], n)})
    frame["income"] = frame.age * 1000 + (frame.city == "Oslo") * 5000 + rng.normal(0, 1000, n)
    frame.loc[rng.random(n) < 0.1, "age"] = np.nan
    frame.loc[rng.random(n) < 0.1, "city"] = None
    return frame


@pytest.fixture
def people_csv(tmp_path, people):
    path = tmp_path / "people.csv"
    people.to_csv(path, index=False)
    return path


# ------------------------------------------------------------------------------------------------- reading
def test_numeric_header_like_pandas_default_is_a_header_not_a_row(tmp_path):
    path = tmp_path / "x.csv"
    pd.DataFrame(np.arange(6.0).reshape(3, 2) + 0.5).to_csv(path, index=False)  # header "0,1"
    data = read_path(path)
    assert data.X.shape == (3, 2) and list(data.X.columns) == ["0", "1"]
    (tmp_path / "plain.csv").write_text("1.5,2\n3,4\n")
    assert read_path(tmp_path / "plain.csv").X.shape == (2, 2)  # no header: the first row is data


def test_semicolons_decimal_commas_gzip_and_column_choice(tmp_path):
    path = tmp_path / "eu.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("id;city;temp;when\n1;Rome;20,5;2024-01-01\n2;Oslo;;2024-01-02\n3;;7;2024-01-03\n")
    data = read_path(path, table=TableOptions(drop=("id", "when")))
    assert list(data.X.columns) == ["city", "temp"] and data.name == "eu"
    np.testing.assert_array_equal(data.X["temp"], [20.5, np.nan, 7.0])
    assert read_path(path, table=TableOptions(columns=("temp",))).X.shape == (3, 1)
    with pytest.raises(DataError, match="no column.*'nope'"):
        read_path(path, table=TableOptions(drop=("nope",)))


def test_the_row_index_to_csv_writes_and_trailing_delimiters_are_not_features(tmp_path, people):
    """``frame.to_csv(path)`` (pandas' default writes the index as an unnamed first column) and lines ending in a
    delimiter: the model must not learn row numbers, nor be refused for an empty column the user never named."""
    people.to_csv(tmp_path / "indexed.csv")
    assert list(read_path(tmp_path / "indexed.csv").X.columns) == list(people.columns)
    (tmp_path / "trailing.csv").write_text("a,b,\n1,2,\n3,4,\n")
    assert list(read_path(tmp_path / "trailing.csv").X.columns) == ["a", "b"]
    unnamed_data = TableOptions(columns=("Unnamed: 0", "age"))  # named, it is kept
    assert list(read_path(tmp_path / "indexed.csv", table=unnamed_data).X.columns) == ["Unnamed: 0", "age"]


def test_a_table_not_in_utf8_is_named_with_the_remedy(tmp_path):
    (tmp_path / "latin.csv").write_bytes("city;height\nZürich;1,5\nGenève;2,5\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin.csv is not UTF-8 text \(byte 0xfc .*save it as UTF-8"):
        read_path(tmp_path / "latin.csv")


@pytest.mark.parametrize("cells", [['"1,250.5"', '"12,000"', '"980"'], ["45%", "7%", "100%"]])
def test_numbers_with_thousands_separators_or_percent_signs_are_named(tmp_path, cells):
    """They were read as text and refused as 'an ID, timestamp or free text', or taken for categories."""
    (tmp_path / "t.csv").write_text("a,b\n" + "".join(f"{i},{cells[i % 3]}\n" for i in range(30)))
    with pytest.raises(DataError, match=r"t.csv, column 2 \('b'\): cells such as .* are numbers written with"):
        read_path(tmp_path / "t.csv")
    assert read_path(tmp_path / "t.csv", table=TableOptions(categorical=("b",))).X.shape == (30, 2)


def test_a_gzipped_table_cut_short_past_the_sniffed_sample_is_named(tmp_path):
    """pandas raised EOFError, which the CLI (click) printed as 'Aborted!'."""
    rows = "a,b\n" + "".join(f"{i},{i * 0.5}\n" for i in range(40_000))
    packed = gzip.compress(rows.encode(), mtime=0)
    (tmp_path / "cut.csv.gz").write_bytes(packed[: len(packed) * 3 // 4])
    with pytest.raises(DataError, match="cannot read .*cut.csv.gz: the file is truncated or corrupt"):
        read_path(tmp_path / "cut.csv.gz")


def test_a_table_whose_header_is_longer_than_the_sniffed_sample_keeps_its_header(tmp_path):
    """Thousands of columns: the 64 KiB sample held part of the header line alone, which was then read as data."""
    columns = [f"gene_{i}" for i in range(9000)]
    pd.DataFrame(np.ones((3, len(columns))), columns=columns).to_csv(tmp_path / "wide.csv", index=False)
    X = read_path(tmp_path / "wide.csv").X
    assert X.shape == (3, 9000) and list(X.columns[:2]) == ["gene_0", "gene_1"]


@pytest.mark.parametrize("compression", ["bz2", "xz"])
def test_a_table_compressed_as_the_commands_write_it_reads_back(tmp_path, people, compression):
    """ae reconstruct --out recon.csv.bz2 wrote what ae train --data recon.csv.bz2 refused as unsupported."""
    people.to_csv(tmp_path / f"p.tsv.{compression}", index=False, sep="\t")
    read = read_path(tmp_path / f"p.tsv.{compression}", table=TableOptions(drop=("id",)))
    assert list(read.X.columns) == list(people.columns.drop("id")) and len(read.X) == len(people)


@pytest.mark.parametrize(("name", "sep"), [("rows.tsv", "\t"), ("rows.csv", "|")])
def test_tab_and_pipe_files_may_use_decimal_commas_too(tmp_path, name, sep):
    """A German spreadsheet's tab-separated export: the numbers were read as text and refused."""
    frame = pd.DataFrame({"a": np.linspace(0, 1, 30), "b": np.linspace(-5, 5, 30), "c": ["x", "y", "z"] * 10})
    frame.to_csv(tmp_path / name, sep=sep, decimal=",", index=False)
    pd.testing.assert_frame_equal(read_path(tmp_path / name).X, frame, check_dtype=False)


def test_a_wrong_delimiter_is_named_with_the_one_the_file_seems_to_use(people_csv):
    with pytest.raises(DataError, match="one column when split at the delimiter ';'; it seems to use ','"):
        read_path(people_csv, table=TableOptions(delimiter=";"))


def test_text_labels_become_codes_with_their_names(people_csv):
    data = read_path(people_csv, "label", TableOptions(drop=("id",)))
    assert data.label_names == ["bad", "good"] and set(data.y) == {0, 1} and "label" not in data.X


def test_a_typo_in_a_numeric_column_names_file_row_column_and_cell(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "".join(f"{i},{2 * i}\n" for i in range(9)) + "9,1O\n")
    with pytest.raises(DataError, match=r"t.csv, row 10 \(line 11\), column 2 \('b'\): '1O' is not a number"):
        read_path(path)
    assert read_path(path, table=TableOptions(categorical=("b",))).X.shape == (10, 2)



@pytest.fixture
def question_marks(tmp_path):
    """A UCI-style file: numbers with "?" where a value is missing (8 cells of column b)."""
    path = tmp_path / "q.csv"
    path.write_text("a,b,c\n" + "".join(f"{i % 7},{'?' if i % 5 == 1 else 2 * i},x{i % 3}\n" for i in range(40)))
    return path


def test_texts_that_mark_gaps_are_named_with_the_option_that_reads_them(question_marks):
    with pytest.raises(DataError, match=r"column 2 \('b'\): '\?' is not a number .*; if '\?' \(8 cells\) marks "
                                        r"missing values, give --missing-values '\?'"):
        read_path(question_marks)
    X = read_path(question_marks, table=TableOptions(missing_values=("?",))).X
    assert X["b"].dtype == float and X["b"].isna().sum() == 8 and X["b"].iloc[2] == 4.0
    parquet = question_marks.with_suffix(".parquet")
    parquet.write_bytes(b"PAR1")  # refused by name before it is read
    with pytest.raises(DataError, match="Parquet file, whose gaps are its nulls"):
        read_path(parquet, table=TableOptions(missing_values=("?",)))


def test_a_run_trained_with_missing_values_reads_its_file_so_again(question_marks, tmp_path):
    runner, run = CliRunner(), tmp_path / "run"
    result = runner.invoke(cli, ["train", "--data", str(question_marks), "--missing-values", "?", "--hidden", "8",
                                 "--code-size", "2", "--epochs", "1", "--out", str(run), "--quiet"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["encode", str(run), "--out", str(tmp_path / "codes.npy")])  # no --data
    assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "codes.npy").shape == (40, 2)


def test_numbers_held_as_text_in_a_dataframe_are_named_as_such():
    frame = pd.DataFrame({"a": [str(v) for v in range(60)] + ["?"] * 6, "b": np.arange(66.0)})
    with pytest.raises(DataError, match=r"column 'a' holds numbers written as text in 60 of its 66 cells and text "
                                        r"in the others \('\?' x6\): convert it with pandas.to_numeric"):
        TabularPreprocessor().fit(frame)
    with pytest.raises(DataError, match="an ID, timestamp or free text"):  # words stay what they were
        TabularPreprocessor().fit(pd.DataFrame({"a": [f"w{v}" for v in range(60)]}))

def test_parquet_round_trip(tmp_path, people):
    pytest.importorskip("pyarrow")
    people.to_parquet(tmp_path / "p.parquet")
    pd.testing.assert_frame_equal(read_path(tmp_path / "p.parquet").X, people, check_dtype=False)


def test_parquet_dates_and_categories_are_not_taken_for_numeric_typos(tmp_path):
    """pd.to_numeric turns dates into numbers: the typo check found a column of numbers with no bad cell and
    raised an IndexError; a category column of mostly number-like labels is a category, as the README says."""
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"a": np.arange(10.0), "when": pd.date_range("2024-01-01", periods=10),
                          "grade": pd.Categorical(["1", "2", "3", "x", "1", "2", "3", "1", "2", "3"])})
    frame.to_parquet(tmp_path / "t.parquet")
    with pytest.raises(DataError, match="column 'when' holds dates or times"):
        TabularPreprocessor().fit(read_path(tmp_path / "t.parquet").X)
    assert list(read_path(tmp_path / "t.parquet", table=TableOptions(drop=("when",))).X.columns) == ["a", "grade"]


# --------------------------------------------------------------------------------------------------- CLI
def test_cli_trains_reloads_and_scores_a_mixed_table_identically(people_csv, tmp_path):
    runner, run = CliRunner(), tmp_path / "run"
    table_args = ["--data", str(people_csv), "--drop", "id", "--label-column", "label"]
    result = runner.invoke(cli, ["train", *table_args, "--categorical", "grade", "--hidden", "16", "--code-size", "3",
                                 "--epochs", "3", "--out", str(run), "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    checkpoint = load_checkpoint(run)
    assert checkpoint.model.config.loss == "mixed"
    metrics = json.loads((run / "metrics.json").read_text())["test"]
    assert 0 <= metrics["categorical_accuracy"] <= 1 and metrics["numeric_rmse"] > 0
    outputs = []
    for name in ("a", "b"):  # each command reloads the run; the same file must give the same outputs
        result = runner.invoke(cli, ["encode", str(run), *table_args, "--out", str(tmp_path / f"{name}.npy")])
        assert result.exit_code == 0, result.output
        result = runner.invoke(cli, ["reconstruct", str(run), "--data", str(people_csv),
                                     "--out", str(tmp_path / f"{name}.csv")])  # the run's columns picked by name
        assert result.exit_code == 0, result.output
        outputs.append((np.load(tmp_path / f"{name}.npy"), pd.read_csv(tmp_path / f"{name}.csv")))
    np.testing.assert_array_equal(outputs[0][0], outputs[1][0])
    pd.testing.assert_frame_equal(outputs[0][1], outputs[1][1])
    recon = outputs[0][1]
    assert list(recon.columns) == ["id", "age", "city", "grade", "member", "income"] and not recon.isna().any().any()
    assert recon["id"].tolist() == list(range(120))  # the run's --drop column, beside each row (not a feature)
    assert set(recon.city) <= {"Rome", "Oslo", "Paris"}
    table = TabularPreprocessor.from_dict(checkpoint.extra["tabular"])  # the Python API gives the same codes
    from autoencoders.inference import encode

    frame = read_path(people_csv, "label", TableOptions(drop=("id",))).X
    np.testing.assert_allclose(encode(checkpoint.model, table.transform(frame)), outputs[0][0], rtol=1e-6)


def test_cli_a_file_lacking_a_trained_column_names_only_that_column(people_csv, tmp_path):
    """The README's `ae reconstruct runs/people --data new.csv`: the trained columns are picked by name, so a file
    lacking one is refused naming it, not also the ID and label columns that picking by name leaves out anyway."""
    runner, run = CliRunner(), tmp_path / "run"
    result = runner.invoke(cli, ["train", "--data", str(people_csv), "--drop", "id", "--label-column", "label",
                                 "--hidden", "8", "--code-size", "2", "--epochs", "1", "--out", str(run), "--quiet",
                                 "--no-report"])
    assert result.exit_code == 0, result.output
    pd.read_csv(people_csv).drop(columns="income").to_csv(tmp_path / "new.csv", index=False)  # still id, label
    for command, out in (("reconstruct", "recon.csv"), ("encode", "codes.npy")):
        result = runner.invoke(cli, [command, str(run), "--data", str(tmp_path / "new.csv"),
                                     "--out", str(tmp_path / out)])
        assert result.exit_code == 1
        assert result.output.strip() == (f"Error: {tmp_path / 'new.csv'}: the table has no column(s) ['income']; "
                                         "the model was trained on the columns age, city, grade, member, income"), \
            result.output


def test_cli_test_rows_whose_categorical_cells_are_all_gaps_leave_that_metric_out(tmp_path):
    """A sparse text column whose few values all fall in the training rows: no accuracy to measure, not a NaN that
    fails the finished run as 'diverged'."""
    rng = np.random.default_rng(0)
    grade = np.full(60, None, object)
    grade[:4] = ["x", "y", "x", "y"]
    path = tmp_path / "sparse.csv"
    pd.DataFrame({"a": rng.normal(size=60), "grade": grade}).to_csv(path, index=False)
    test = tmp_path / "test.csv"
    pd.DataFrame({"a": rng.normal(size=10), "grade": [None] * 10}).to_csv(test, index=False)
    result = CliRunner().invoke(cli, ["train", "--data", str(path), "--test-data", str(test), "--hidden", "8",
                                      "--epochs", "1", "--out", str(tmp_path / "run"), "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())["test"]
    assert "categorical_accuracy" not in metrics and metrics["numeric_rmse"] > 0


def test_cli_generate_and_interpolate_give_a_table_run_a_table_back(people_csv, tmp_path):
    """Samples of a table run are written like its reconstructions: its columns, units and categories, not the
    model's one-hot matrix; --image (no images here) is refused before any work."""
    runner, run = CliRunner(), tmp_path / "run"
    data = ["--data", str(people_csv)]
    result = runner.invoke(cli, ["train", *data, "--drop", "id,label", "--hidden", "8", "--code-size", "2",
                                 "--epochs", "1", "--out", str(run), "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    commands = {"generate": ["--n", "5"], "interpolate": ["--start", "0", "--end", "3", "--steps", "5"]}
    for command, extra in commands.items():
        out = tmp_path / f"{command}.csv"
        refused = runner.invoke(cli, [command, str(run), *data, *extra, "--out", str(out), "--image", "x.png"])
        assert refused.exit_code == 2 and "not images" in refused.output and not out.exists()
        result = runner.invoke(cli, [command, str(run), *data, *extra, "--out", str(out)])
        assert result.exit_code == 0, result.output
        samples = pd.read_csv(out)
        assert list(samples.columns) == ["age", "city", "grade", "member", "income"] and len(samples) == 5
        assert set(samples.city) <= {"Rome", "Oslo", "Paris"} and samples.income.abs().max() > 100


def test_cli_decompress_gives_a_table_run_its_table_back(people_csv, tmp_path):
    """As ae reconstruct does: the run's columns and categories, not the model's one-hot matrix; an .npy --out,
    which cannot hold the text, refused before any work."""
    runner, run = CliRunner(), tmp_path / "run"
    data = ["--data", str(people_csv), "--drop", "id,label"]
    result = runner.invoke(cli, ["train", *data, "--hidden", "8", "--code-size", "2", "--epochs", "1",
                                 "--out", str(run), "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["compress", str(run), *data, "--out", str(tmp_path / "p.aec")])
    assert result.exit_code == 0, result.output
    written = json.loads(result.output)  # bits per cell of the 5 columns (they were per one-hot matrix column)
    assert written["bits_per_value"] == pytest.approx(8 * written["bytes"] / (120 * 5))
    refused = runner.invoke(cli, ["decompress", str(run), str(tmp_path / "p.aec"), "--out", str(tmp_path / "p.npy")])
    assert refused.exit_code == 2 and "text columns" in refused.output
    result = runner.invoke(cli, ["decompress", str(run), str(tmp_path / "p.aec"), "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    decoded = pd.read_csv(tmp_path / "p.csv")
    assert list(decoded.columns) == ["age", "city", "grade", "member", "income"] and len(decoded) == 120
    assert set(decoded.city) <= {"Rome", "Oslo", "Paris"}


def test_cli_search_names_text_labels(people_csv, tmp_path):
    """The neighbours' labels were the codes 0, 1 of 'bad' and 'good'."""
    runner, run = CliRunner(), tmp_path / "run"
    result = runner.invoke(cli, ["train", "--data", str(people_csv), "--drop", "id", "--label-column", "label",
                                 "--hidden", "8", "--code-size", "2", "--epochs", "1", "--out", str(run), "--quiet",
                                 "--no-report"])
    assert result.exit_code == 0, result.output
    found = json.loads(runner.invoke(cli, ["search", str(run), "--query", "0", "-k", "5"]).output)
    assert set(found["results"][0]["labels"]) <= {"good", "bad"}


def test_cli_train_warns_of_a_row_id_column_left_among_the_features(people, tmp_path):
    """diamonds.csv's rownames 1..53940 were learnt as a feature without a word; --drop or --columns silence it."""
    people.drop(columns="label").to_csv(tmp_path / "people.csv", index=False)
    train = ["train", "--data", str(tmp_path / "people.csv"), "--hidden", "8", "--epochs", "1", "--quiet",
             "--no-report", "--overwrite", "--out", str(tmp_path / "run")]
    with pytest.warns(UserWarning, match=r"people.csv: column 'id' holds each number from 0 to 119 once, like a row "
                                         r"ID.*--drop id"):
        assert CliRunner().invoke(cli, train).exit_code == 0
    for chosen in (["--drop", "id"], ["--columns", "id,age"]):  # warnings are errors here: none may come
        result = CliRunner().invoke(cli, [*train, *chosen])
        assert result.exit_code == 0, result.output


def test_cli_train_judges_and_counts_a_column_of_ids_or_gaps_on_the_files_rows(tmp_path):
    """TitanicSurvival.csv's 1,309 passenger names were refused as "1047 distinct values in 1047 cells", the training
    rows' count, not the file's; and a text column was judged an ID on the training rows, where fewer rows make its
    values look more distinct than in the file."""
    rng = np.random.default_rng(0)
    names = [f"passenger {i}" for i in range(150)]
    pd.DataFrame({"name": names, "age": rng.normal(30, 5, 150)}).to_csv(tmp_path / "people.csv", index=False)
    train = ["train", "--hidden", "8", "--epochs", "1", "--quiet", "--no-report", "--out", str(tmp_path / "run")]
    result = CliRunner().invoke(cli, [*train, "--data", str(tmp_path / "people.csv")])
    assert result.exit_code == 1 and "column 'name' has 150 distinct values in 150 cells" in result.output
    # 60 cities twice each: categories by the file's 120 rows (not more than half distinct), as fitted on all of them
    pd.DataFrame({"city": [f"city {i}" for i in range(60)] * 2, "age": rng.normal(30, 5, 120)}).to_csv(
        tmp_path / "cities.csv", index=False)
    TabularPreprocessor().fit(pd.read_csv(tmp_path / "cities.csv"))
    # an empty column was "all 120 cells are missing" of a 150-row file; one whose values are all among the test
    # rows has none to fit on, which is said so
    pd.DataFrame({"age": rng.normal(30, 5, 150), "empty": np.nan}).to_csv(tmp_path / "empty.csv", index=False)
    result = CliRunner().invoke(cli, [*train, "--data", str(tmp_path / "empty.csv")])
    assert result.exit_code == 1 and "column 'empty' has no values (all 150 cells are missing)" in result.output
    late = pd.DataFrame({"age": rng.normal(30, 5, 150), "late": [np.nan] * 149 + [1.0]})
    late.to_csv(tmp_path / "late.csv", index=False)
    result = CliRunner().invoke(cli, [*train, "--data", str(tmp_path / "late.csv"), "--holdout", "last"])
    assert result.exit_code == 1
    assert "column 'late' has no values in the 120 training rows (its 1 value(s) are among the 30 test rows)" in \
        result.output
    with pytest.warns(UnknownCategoryWarning):  # cities only among the test rows: gaps to the model
        result = CliRunner().invoke(cli, [*train, "--data", str(tmp_path / "cities.csv")])
    assert result.exit_code == 0, result.output


def test_cli_train_names_a_cell_by_its_row_in_the_file_not_in_its_split(tmp_path):
    """An infinite cell on the file's row 91 was "at row 18", and an unseen category in the test rows on row 98 was
    "first at row 18": rows counted in the training or test split, which the user never sees."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.random(100), "k": ["x", "y"] * 50})
    train = ["train", "--hidden", "8", "--epochs", "1", "--quiet", "--no-report", "--out", str(tmp_path / "run")]
    frame.assign(a=frame.a.where(frame.index != 90, np.inf)).to_csv(tmp_path / "inf.csv", index=False)
    result = CliRunner().invoke(cli, [*train, "--data", str(tmp_path / "inf.csv")])
    assert result.exit_code == 1 and "column 'a' has an infinite value at row 91" in result.output
    frame.assign(k=frame.k.where(frame.index != 97, "z")).to_csv(tmp_path / "unseen.csv", index=False)
    with pytest.warns(UnknownCategoryWarning, match=r"\(z; first at row 98 \(counting from 1\)\)"):
        result = CliRunner().invoke(cli, [*train, "--data", str(tmp_path / "unseen.csv"), "--holdout", "last"])
    assert result.exit_code == 0, result.output


def test_cli_detect_and_impute_warn_of_an_id_named_column_of_distinct_whole_numbers(people, tmp_path):
    """Wage.csv's rownames (231655, 86582, ...) are no 1..n, but named and held like an ID: `ae detect` scored them
    as a feature without a word. A column merely named like one, or one of repeated numbers, is left alone."""
    frame = people.drop(columns="label").assign(id=np.random.default_rng(0).permutation(120) * 7919 + 100_003)
    frame.to_csv(tmp_path / "people.csv", index=False)
    for command in (["detect", "--out", str(tmp_path / "s.csv")], ["impute", "--out", str(tmp_path / "f.csv")]):
        with pytest.warns(UserWarning, match="column 'id' is named like an ID and holds a distinct whole number"):
            result = CliRunner().invoke(cli, [*command, "--data", str(tmp_path / "people.csv"), "--overwrite"])
        assert result.exit_code == 0, result.output
    from autoencoders.data.files import row_id_columns

    assert row_id_columns(frame.assign(paid=frame.id, id=frame.id % 3)) == {}  # "paid"; ids that repeat


def test_cli_commands_on_a_run_default_to_the_data_it_was_trained_on(tmp_path):
    """Without --data, evaluate/encode/cluster/search/compress read the run's own recorded data, never the bundled
    digits (which a 64-column model would have taken silently)."""
    rows = np.random.default_rng(0).normal(size=(30, 64)).astype(np.float32)
    np.save(tmp_path / "rows.npy", rows)
    runner, run = CliRunner(), tmp_path / "run"
    result = runner.invoke(cli, ["train", "--data", str(tmp_path / "rows.npy"), "--hidden", "8", "--code-size", "2",
                                 "--epochs", "1", "--out", str(run), "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    evaluated = runner.invoke(cli, ["evaluate", str(run)])
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.output)["n_samples"] == 30 and "rows.npy" in json.loads(evaluated.output)["data"]
    assert json.loads(runner.invoke(cli, ["cluster", str(run), "--clusters", "2"]).output)["n_samples"] == 30
    found = json.loads(runner.invoke(cli, ["search", str(run), "--query", "29", "-k", "30"]).output)
    assert sorted(found["results"][0]["neighbours"]) == list(range(30))
    for command, out in (("encode", "codes.npy"), ("compress", "rows.aec")):
        result = runner.invoke(cli, [command, str(run), "--out", str(tmp_path / out)])
        assert result.exit_code == 0 and "30" in result.output, result.output
    assert np.load(tmp_path / "codes.npy").shape == (30, 2)
    streamed = tmp_path / "streamed"
    result = runner.invoke(cli, ["train", "--data", str(tmp_path / "rows.npy"), "--stream", "--hidden", "8",
                                 "--epochs", "1", "--out", str(streamed), "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    refused = runner.invoke(cli, ["evaluate", str(streamed)])  # a streamed file is not read whole unasked
    assert refused.exit_code == 2 and "trained on rows streamed from" in refused.output


def test_cli_shows_an_unseen_category_as_one_warning_line(people, people_csv, tmp_path):
    import subprocess
    import sys

    run = tmp_path / "run"
    result = CliRunner().invoke(cli, ["train", "--data", str(people_csv), "--drop", "id,label", "--hidden", "4",
                                      "--epochs", "1", "--out", str(run), "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    people.loc[3, "city"] = "Lima"
    people.to_csv(tmp_path / "lima.csv", index=False)
    shown = subprocess.run([sys.executable, "-m", "autoencoders.cli", "encode", str(run), "--data",
                            str(tmp_path / "lima.csv"), "--out", str(tmp_path / "codes.npy")],
                           capture_output=True, text=True, check=True).stderr
    assert shown.startswith("Warning: column 'city' has 1 cell(s) with categories not seen") and ".py:" not in shown


def test_cli_names_the_column_of_a_bad_table(people, people_csv, tmp_path):
    runner, run = CliRunner(), tmp_path / "run"
    runner.invoke(cli, ["train", "--data", str(people_csv), "--drop", "id,label", "--unknown-categories", "error",
                        "--hidden", "8", "--epochs", "1", "--out", str(run), "--quiet", "--no-report"])
    people.loc[3, "city"] = "Lima"
    people.drop(columns="member").to_csv(tmp_path / "no_member.csv", index=False)
    people.to_csv(tmp_path / "lima.csv", index=False)
    for data, message in (("no_member.csv", "no column(s) ['member']"), ("lima.csv", "column 'city' has 1")):
        codes = tmp_path / "x.npy"
        result = runner.invoke(cli, ["encode", str(run), "--data", str(tmp_path / data), "--out", str(codes)])
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_cli_impute_fills_every_gap_and_keeps_the_rest(people_csv, tmp_path):
    result = CliRunner().invoke(cli, ["impute", "--data", str(people_csv), "--drop", "id", "--label-column", "label",
                                      "--epochs", "2", "--out", str(tmp_path / "filled.csv")])
    assert result.exit_code == 0, result.output
    before, after = pd.read_csv(people_csv), pd.read_csv(tmp_path / "filled.csv")
    assert list(after.columns) == list(before.columns) and not after.isna().any().any()
    observed = before.notna()
    pd.testing.assert_frame_equal(after.where(observed), before.where(observed), check_dtype=False)
    assert json.loads(result.output)["filled_cells"] == int(before.isna().sum().sum())


def test_cli_impute_fills_the_nan_gaps_of_an_array_and_names_an_infinite_cell(tmp_path):
    rows = np.random.default_rng(0).random((40, 5)).astype(np.float32)
    gappy = rows.copy()
    gappy[[3, 7], [1, 4]] = np.nan
    np.save(tmp_path / "gappy.npy", gappy)
    result = CliRunner().invoke(cli, ["impute", "--data", str(tmp_path / "gappy.npy"), "--epochs", "1",
                                      "--out", str(tmp_path / "filled.npy")])
    assert result.exit_code == 0, result.output
    filled = np.load(tmp_path / "filled.npy")
    assert filled.shape == rows.shape and np.isfinite(filled).all() and json.loads(result.output)["filled_cells"] == 2
    np.testing.assert_allclose(filled[~np.isnan(gappy)], gappy[~np.isnan(gappy)], rtol=1e-6)
    gappy[5, 0] = np.inf
    np.save(tmp_path / "inf.npy", gappy)
    result = CliRunner().invoke(cli, ["impute", "--data", str(tmp_path / "inf.npy"), "--out", str(tmp_path / "x.npy")])
    assert result.exit_code == 1
    assert "infinite values in 1 row(s), first at row 5, column 0 (counting from 0)" in result.output


def test_cli_impute_keeps_a_column_of_whole_numbers_whole(tmp_path):
    """pandas reads an integer column with gaps as floats: written back, its observed cells must read as they did
    (30, not 30.0) and its filled cells be whole numbers too."""
    rng = np.random.default_rng(0)
    size = rng.normal(size=200)
    frame = pd.DataFrame({"size": size, "count": np.round(10 + 5 * size + rng.normal(size=200)).astype(int)})
    frame["count"] = frame["count"].astype("Int64")
    frame.loc[::10, "count"] = pd.NA
    path, out = tmp_path / "counts.csv", tmp_path / "filled.csv"
    frame.to_csv(path, index=False)
    result = CliRunner().invoke(cli, ["impute", "--data", str(path), "--epochs", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = [line.split(",")[1] for line in out.read_text().splitlines()[1:]]
    assert all(cell.lstrip("-").isdigit() for cell in written), written[:12]
    observed = frame["count"].notna().to_numpy()
    assert [int(c) for c, seen in zip(written, observed, strict=True) if seen] == list(frame["count"].dropna())


def test_cli_impute_fills_a_column_of_whole_numbers_written_with_a_decimal_point_with_whole_numbers(tmp_path):
    """pandas (and R) write an integer column with gaps as floats, 181.0 (penguins' flipper_length_mm and
    body_mass_g): its fills came back as 199.8, where the same file as Parquet gave 200.0."""
    rng = np.random.default_rng(0)
    size = rng.normal(size=200)
    frame = pd.DataFrame({"size": size, "mass": np.round(3000 + 500 * size + rng.normal(0, 50, size=200))})
    frame.loc[::20, "mass"] = np.nan
    path, out = tmp_path / "mass.csv", tmp_path / "filled.csv"
    frame.to_csv(path, index=False)
    assert path.read_text().splitlines()[2].endswith(".0")  # written as pandas writes floats
    result = CliRunner().invoke(cli, ["impute", "--data", str(path), "--epochs", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = [line.split(",")[1] for line in out.read_text().splitlines()[1:]]
    assert all(re.fullmatch(r"-?\d+\.0", cell) for cell in written[::20]), written[::20]
    assert out.read_text().splitlines()[2:20] == path.read_text().splitlines()[2:20]


def test_cli_impute_says_how_to_keep_a_label_column_with_gaps(people, tmp_path, monkeypatch):
    # `--label-column` keeps a column out and writes it back as it is, but one with gaps (penguins' sex) was refused
    # with "labels 'city' of ... have 12 missing value(s)" and no word on what to do
    people.to_csv(tmp_path / "people.csv", index=False)
    monkeypatch.setattr(AutoencoderImputer, "fit", lambda *a, **k: pytest.fail("worked before refusing"))
    result = CliRunner().invoke(cli, ["impute", "--data", str(tmp_path / "people.csv"), "--drop", "id",
                                      "--label-column", "city", "--out", str(tmp_path / "filled.csv")])
    first = int(np.flatnonzero(people.city.isna())[0]) + 1
    assert result.exit_code == 1 and f"missing value(s), first at row {first}" in result.output
    assert "leave the column out with --drop (written back as it is by ae impute) rather than --label-column" \
        in result.output


def test_cli_impute_writes_a_tsv_file_back_as_tsv(tmp_path):
    """A .tsv could be read but not written ("must end in .npy, .csv, ..."): its filled table could only go to a
    .csv, which keeps the file's tabs (as a ;-file keeps its semicolons), and pandas read that .csv as one column."""
    rows = [f"{i}.5\t{'' if i % 4 == 1 else i + 1}\t{'xy'[i % 2]}" for i in range(12)]
    path = tmp_path / "table.tsv"
    path.write_text("a\tb\tc\n" + "\n".join(rows) + "\n")
    for name in ("filled.tsv", "filled.tsv.gz"):
        out = tmp_path / name
        result = CliRunner().invoke(cli, ["impute", "--data", str(path), "--epochs", "2", "--out", str(out)])
        assert result.exit_code == 0, result.output
        filled = pd.read_csv(out, sep="\t")
        assert list(filled.columns) == ["a", "b", "c"] and not filled.isna().any().any()
        assert list(filled["a"]) == [i + 0.5 for i in range(12)]


def test_cli_impute_writes_a_semicolon_file_back_in_its_own_dialect(tmp_path):
    """A ;-separated file with decimal commas (as spreadsheets in many locales write) comes back the same way."""
    lines = ["a;b;c", *(f"{i},5;{'' if i % 4 == 1 else i + 1};{'xy'[i % 2]}" for i in range(12))]
    path, out = tmp_path / "semi.csv", tmp_path / "filled.csv"
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(cli, ["impute", "--data", str(path), "--epochs", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = out.read_text().splitlines()
    assert written[0] == "a;b;c" and [line.split(";")[0] for line in written[1:]] == [f"{i},5" for i in range(12)]
    assert all(line.split(";")[1] for line in written[1:])  # every gap filled


@pytest.mark.parametrize("encoding, mark", [("utf-16", b"\xff\xfe"), ("utf-8-sig", b"\xef\xbb\xbf"), ("utf-8", b"a")])
def test_cli_impute_writes_a_file_back_in_its_own_encoding_and_line_ends(tmp_path, encoding, mark):
    """Excel's "Unicode Text" (UTF-16) and "CSV UTF-8" (a byte-order mark) files with Windows line ends are read,
    and were written back as UTF-8 with "\\n" line ends: a spreadsheet that opened the input shows the output's
    accented names garbled. They come back in the input's encoding (its byte-order mark too) and line ends."""
    lines = ["a,b,name", *(f"{i},{'' if i % 4 == 1 else i + 1},{'éè'[i % 2]}" for i in range(12))]
    path, out = tmp_path / "excel.csv", tmp_path / "filled.csv"
    path.write_bytes("\r\n".join([*lines, ""]).encode(encoding))
    result = CliRunner().invoke(cli, ["impute", "--data", str(path), "--epochs", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = out.read_bytes()
    assert written.startswith(mark), written[:4]
    text = written.decode(encoding)
    assert text.count("\r\n") == 13 and "\n" not in text.replace("\r\n", "")
    assert text.split("\r\n")[:2] == ["a,b,name", "0,1,é"] and all(line.split(",")[1] for line in text.split()[1:])


@pytest.mark.parametrize("out", ["filled.csv", "filled.tsv.gz"])
def test_cli_impute_keeps_the_lines_before_the_table_and_a_big_endian_files_byte_order(tmp_path, out):
    """Excel's ``sep=,`` line and ``#`` comment lines before the table were left out of the file written back, and
    a big-endian UTF-16 file came back little-endian: both kept (a .tsv's sep= line names its tab), as the file's
    encoding and line ends are (tidy 51)."""
    import codecs

    rows = ["a,b,name", *(f"{i},{'' if i % 4 == 1 else i + 1},{'éè'[i % 2]}" for i in range(12))]
    path, target = tmp_path / "excel.csv", tmp_path / out
    path.write_bytes(codecs.BOM_UTF16_BE + "\r\n".join(["sep=,", "# survey of 2024", *rows, ""]).encode("utf-16-be"))
    result = CliRunner().invoke(cli, ["impute", "--data", str(path), "--epochs", "2", "--out", str(target)])
    assert result.exit_code == 0, result.output
    written = gzip.decompress(target.read_bytes()) if out.endswith(".gz") else target.read_bytes()
    assert written.startswith(codecs.BOM_UTF16_BE), written[:4]
    lines = written[2:].decode("utf-16-be").split("\r\n")
    delimiter = "\t" if ".tsv" in out else ","
    cells = [line.split(delimiter) for line in lines]
    assert lines[:2] == [f"sep={delimiter}", "# survey of 2024"] and cells[2:4] == [["a", "b", "name"], ["0", "1", "é"]]
    assert len(lines) == 16 and lines[-1] == "" and all(row[1] for row in cells[3:-1])  # every gap filled


def test_cli_impute_keeps_the_files_cells_as_written_and_fills_at_the_columns_precision(tmp_path):
    """Observed cells came back as pandas writes the numbers it read (3.10 as 3.1, 1e3 as 1000.0, a row index's
    empty header cell as "Unnamed: 0") and filled numbers at full precision (5.136784481690583 in a column of 2
    decimals); a category read as a number beside gaps was filled as 2.0 in a column that writes 2."""
    rng = np.random.default_rng(0)
    cells = [(f"{v:.2f}", str(1 + i % 3), "1e3", f"{w:.1f}") for i, (v, w) in enumerate(rng.random((30, 2)) * 5)]
    cells[0] = ("3.10", *cells[0][1:])
    cells[4] = ("", *cells[4][1:])  # a gap in the 2-decimal column
    cells[5] = (cells[5][0], "", *cells[5][2:])  # a gap in the categories
    cells[6] = (*cells[6][:3], "")  # a gap in the 1-decimal column
    text = ",price,grade,big,weight\n" + "".join(f"{i},{','.join(row)}\n" for i, row in enumerate(cells))
    path, out = tmp_path / "shop.csv", tmp_path / "filled.csv"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["impute", "--data", str(path), "--categorical", "grade", "--epochs", "2",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    written, given = out.read_text().splitlines(), text.splitlines()
    assert [line for i, line in enumerate(written) if i not in (5, 6, 7)] == \
        [line for i, line in enumerate(given) if i not in (5, 6, 7)]  # every row without a gap, byte for byte
    price, grade, weight = written[5].split(",")[1], written[6].split(",")[2], written[7].split(",")[4]
    assert re.fullmatch(r"\d\.\d\d", price) and grade in ("1", "2", "3") and re.fullmatch(r"\d\.\d", weight), \
        (price, grade, weight)


def test_cli_impute_writes_parquet_back_in_its_own_dtypes(tmp_path):
    """A float32 column came back float64, a float column of whole numbers Int64; filled floats unrounded."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"price": np.round(rng.random(30) * 10, 2), "count": rng.integers(0, 9, 30).astype(float),
                          "ratio": rng.random(30).astype(np.float32), "city": rng.choice(["x", "y"], 30)})
    frame.loc[[3, 7], "price"], frame.loc[4, "count"], frame.loc[6, "ratio"] = np.nan, np.nan, np.nan
    path, out = tmp_path / "shop.parquet", tmp_path / "filled.parquet"
    frame.to_parquet(path, index=False)
    result = CliRunner().invoke(cli, ["impute", "--data", str(path), "--epochs", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    filled = pd.read_parquet(out)
    assert dict(filled.dtypes) == dict(frame.dtypes) and not filled.isna().any().any()
    assert all(round(value, 2) == value for value in filled["price"])
    assert filled["count"][4] == round(filled["count"][4])


def test_cli_impute_writes_an_arff_column_of_whole_numbers_as_integers(tmp_path):
    """ARFF stores no integer type: a column of whole numbers with gaps, read as floats, is written as integers (0,
    not 0.0), as a text table's is; a Parquet float column stays float (its stored dtype)."""
    rows = "".join(f"{i / 40:.2f},{'xy'[i % 2]},{'?' if i % 5 == 2 else i % 4}\n" for i in range(30))
    path, out = tmp_path / "t.arff", tmp_path / "filled.csv"
    path.write_text("@relation t\n@attribute a numeric\n@attribute b {x,y}\n@attribute c numeric\n@data\n" + rows)
    result = CliRunner().invoke(cli, ["impute", "--data", str(path), "--epochs", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = [line.split(",")[2] for line in out.read_text().splitlines()[1:]]
    assert all(cell.isdigit() for cell in written), written[:6]


def test_cli_impute_refuses_a_table_without_gaps_before_training(people, tmp_path, monkeypatch):
    # a file with no missing cell (CPS1988, diamonds) was trained on for minutes, then written back unchanged with
    # "filled_cells": 0; gaps only in a left-out column are none to fill either
    people.assign(age=people.age.fillna(40.0), city=people.city.fillna("Rome")).to_csv(tmp_path / "full.csv",
                                                                                       index=False)
    people.to_csv(tmp_path / "people.csv", index=False)
    monkeypatch.setattr(AutoencoderImputer, "fit", lambda *a, **k: pytest.fail("worked before refusing"))
    for data, drop in (("full.csv", "id,label"), ("people.csv", "age,city")):
        out = tmp_path / "filled.csv"
        result = CliRunner().invoke(cli, ["impute", "--data", str(tmp_path / data), "--drop", drop, "--out", str(out)])
        assert result.exit_code == 1 and f"{data} has no missing cell in its 5 feature columns" in result.output
        assert "nothing to fill" in result.output and not out.exists()


def test_cli_output_files_are_never_replaced_silently(people_csv, tmp_path, monkeypatch):
    """An existing --out is refused before any work unless --overwrite is given; the file the command reads is
    refused even then (the user's data would be lost); a refused call changes nothing."""
    runner, out = CliRunner(), tmp_path / "filled.csv"
    args = ["impute", "--data", str(people_csv), "--drop", "id", "--label-column", "label", "--epochs", "2"]
    out.write_text("keep me\n")
    monkeypatch.setattr(AutoencoderImputer, "fit", lambda *a, **k: pytest.fail("worked before refusing"))
    refused = runner.invoke(cli, [*args, "--out", str(out)])
    assert refused.exit_code == 2 and "already exists; pass --overwrite" in refused.output
    data = people_csv.read_bytes()
    itself = runner.invoke(cli, [*args, "--out", str(people_csv), "--overwrite"])
    assert itself.exit_code == 2 and "is the file this command reads" in itself.output
    assert out.read_text() == "keep me\n" and people_csv.read_bytes() == data
    monkeypatch.undo()
    replaced = runner.invoke(cli, [*args, "--out", str(out), "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    assert list(pd.read_csv(out).columns) == list(pd.read_csv(people_csv).columns)


def test_cli_output_names_decide_the_format_and_unknown_ones_are_refused_before_any_work(tmp_path, monkeypatch):
    """`--out codes.parquet` is Parquet (it was .npy bytes under that name), `.csv.gz` a gzipped CSV without a
    header like a plain .csv; `codes.txt` is refused before the model is read."""
    pytest.importorskip("pyarrow")
    np.save(tmp_path / "rows.npy", np.random.default_rng(0).normal(size=(20, 6)).astype(np.float32))
    runner, run = CliRunner(), tmp_path / "run"
    result = runner.invoke(cli, ["train", "--data", str(tmp_path / "rows.npy"), "--hidden", "4", "--code-size", "2",
                                 "--epochs", "1", "--out", str(run), "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    for name in ("codes.parquet", "codes.csv.gz"):
        result = runner.invoke(cli, ["encode", str(run), "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    codes = pd.read_parquet(tmp_path / "codes.parquet").to_numpy()
    assert codes.shape == (20, 2)
    # no header, as in a plain .csv of codes
    np.testing.assert_allclose(pd.read_csv(tmp_path / "codes.csv.gz", header=None).to_numpy(), codes, rtol=1e-5)
    monkeypatch.setattr("autoencoders.checkpoint.load_checkpoint", lambda *a: pytest.fail("worked before refusing"))
    for command in ("encode", "reconstruct", "generate"):
        refused = runner.invoke(cli, [command, str(run), "--out", str(tmp_path / "out.txt")])
        assert refused.exit_code == 2 and "must end in .npy, .csv" in refused.output
        assert not (tmp_path / "out.txt").exists()


def test_cli_an_npy_out_for_a_table_with_text_is_refused_before_any_work(people_csv, tmp_path, monkeypatch):
    runner, run = CliRunner(), tmp_path / "run"
    result = runner.invoke(cli, ["train", "--data", str(people_csv), "--drop", "id,label", "--hidden", "4",
                                 "--epochs", "1", "--out", str(run), "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    monkeypatch.setattr("autoencoders.cli._run_data.read_data", lambda *a: pytest.fail("worked before refusing"))
    monkeypatch.setattr(AutoencoderImputer, "fit", lambda *a, **k: pytest.fail("worked before refusing"))
    for args in (["reconstruct", str(run)], ["generate", str(run)], ["impute", "--data", str(people_csv)]):
        refused = runner.invoke(cli, [*args, "--out", str(tmp_path / "out.npy")])
        assert refused.exit_code == 2 and "text columns (" in refused.output and "write out.csv" in refused.output


def test_cli_table_output_is_compressed_by_its_suffix_and_leaves_no_temporary_file(people_csv, tmp_path):
    out = tmp_path / "sub" / "filled.csv.gz"  # a missing folder is created
    result = CliRunner().invoke(cli, ["impute", "--data", str(people_csv), "--drop", "id", "--label-column", "label",
                                      "--epochs", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"\x1f\x8b" and len(pd.read_csv(out)) == len(pd.read_csv(people_csv))
    assert [p.name for p in out.parent.iterdir()] == ["filled.csv.gz"]


# ------------------------------------------------------------------------------------------------ sklearn
# scikit-learn's checks fit_transform tables without gaps, which is warned of
@pytest.mark.filterwarnings("ignore::autoencoders.sklearn.imputer.NothingToFillWarning")
@parametrize_with_checks([AutoencoderImputer(epochs=2, code_size=2, hidden=(8,))])
def test_imputer_meets_the_sklearn_contract(estimator, check):
    check(estimator)


def test_transformer_fits_a_mixed_frame_and_reloads_identically(people, tmp_path):
    X = people.drop(columns=["id", "label"])
    est = AutoencoderTransformer(**SMALL).fit(X)
    assert list(est.feature_names_in_) == list(X.columns) and est.n_features_in_ == 5
    assert est.model_.config.loss == "mixed"
    again = AutoencoderTransformer.load(est.save(tmp_path / "t.safetensors"))
    np.testing.assert_array_equal(again.transform(X), est.transform(X))
    assert again.score(X) == est.score(X)
    recon = again.inverse_transform(again.transform(X))
    assert isinstance(recon, pd.DataFrame) and list(recon.columns) == list(X.columns)
    out = again.set_output(transform="pandas").transform(X)
    assert list(out.columns) == ["code0", "code1", "code2"]


def test_detector_fits_a_mixed_frame_and_reloads_identically(people, tmp_path):
    X = people.drop(columns=["id", "label"])
    detector = AutoencoderOutlierDetector(n_estimators=2, **SMALL).fit(X)
    again = AutoencoderOutlierDetector.load(detector.save(tmp_path / "detector"))
    np.testing.assert_array_equal(again.score_samples(X), detector.score_samples(X))
    np.testing.assert_array_equal(again.predict(X), detector.predict(X))
    assert list(again.feature_names_in_) == list(X.columns) and again.offset_ == detector.offset_
    contributions = again.explain(X)  # per table column, the one-hot blocks and indicators folded back
    assert contributions.shape == X.shape
    np.testing.assert_allclose(contributions.sum(axis=1), -again.score_samples(X), rtol=1e-6)
    assert not list(tmp_path.rglob("*.pkl"))


def test_numeric_frames_give_no_feature_name_warning(people):
    X = people[["income", "grade"]]
    detector = AutoencoderOutlierDetector(**{**SMALL, "code_size": 2}).fit(X)  # warnings are errors in this suite
    assert detector.predict(X).shape == (len(X),) and list(detector.feature_names_in_) == ["income", "grade"]


@pytest.mark.parametrize("estimator", [AutoencoderTransformer(**SMALL), AutoencoderOutlierDetector(**SMALL),
                                       AutoencoderImputer(**SMALL)], ids=type)
def test_estimators_name_the_column_of_a_bad_frame(people, estimator):
    X = people.drop(columns=["id", "label"])
    method = estimator.transform if hasattr(estimator, "transform") else estimator.score_samples
    estimator.fit(X)
    with pytest.raises(DataError, match="column order changed: 'city'"):
        method(X[["city", "age", "grade", "member", "income"]])
    with pytest.raises(DataError, match=r"extra column\(s\) \['id'\]"):
        method(people.drop(columns="label"))
    with pytest.raises(DataError, match=r"missing column\(s\) \['member'\]"):
        method(X.drop(columns="member"))
    with pytest.warns(UnknownCategoryWarning, match="column 'city'.*Lima"):
        method(X.assign(city="Lima"))
    with pytest.raises(DataError, match="column 'age' has no values"):
        estimator.fit(X.assign(age=np.nan))


def test_imputer_fills_numeric_and_categorical_gaps_better_than_the_mean():
    rng = np.random.default_rng(0)
    n = 300
    latent = rng.normal(size=(n, 2))
    frame = pd.DataFrame(latent @ rng.normal(size=(2, 5)), columns=list("abcde"))
    frame["kind"] = np.where(latent[:, 0] > 0, "high", "low")
    truth = frame.copy()
    removed = rng.random(frame.shape) < 0.2
    gappy = frame.mask(removed)
    imputer = AutoencoderImputer(epochs=40, random_state=0)
    filled = imputer.fit_transform(gappy)
    assert isinstance(filled, pd.DataFrame) and not filled.isna().any().any()
    pd.testing.assert_frame_equal(filled.where(~removed), truth.where(~removed))
    numeric = removed[:, :5]
    ours = np.sqrt(np.mean((filled.iloc[:, :5].to_numpy()[numeric] - truth.iloc[:, :5].to_numpy()[numeric]) ** 2))
    mean = np.sqrt(np.mean((gappy.iloc[:, :5].mean().to_numpy()[None].repeat(n, 0)[numeric]
                            - truth.iloc[:, :5].to_numpy()[numeric]) ** 2))
    assert ours < 0.7 * mean
    assert (filled.kind[removed[:, 5]] == truth.kind[removed[:, 5]]).mean() > 0.7
    array = imputer.set_params(epochs=1).fit_transform(gappy.iloc[:, :5].to_numpy())  # arrays in, arrays out
    assert isinstance(array, np.ndarray) and array.dtype == np.float64 and not np.isnan(array).any()
    assert list(imputer.get_feature_names_out()) == ["x0", "x1", "x2", "x3", "x4"]


def test_imputer_fills_a_category_column_keeping_its_declared_categories_and_order():
    # a category column with a declared category absent from its cells, or ordered, failed in transform with
    # "Cannot set a Categorical with another, without identical categories": its fills came back with fewer
    frame = pd.DataFrame({"a": [1.0, None, 3.0, 4.0] * 5,
                          "c": pd.Categorical(["x", None, "y", "x"] * 5, categories=["w", "x", "y"]),
                          "o": pd.Categorical(["lo", "hi", None, "lo"] * 5, categories=["lo", "hi"], ordered=True)})
    filled = AutoencoderImputer(epochs=1, random_state=0).fit_transform(frame)
    assert filled["c"].dtype == frame["c"].dtype and filled["o"].dtype == frame["o"].dtype
    assert not filled.isna().any().any()
    pd.testing.assert_frame_equal(filled.where(frame.notna()), frame.where(frame.notna()))


def test_imputer_fills_new_rows_whose_category_column_declares_fewer_categories():
    # new rows made a category column on their own (.astype("category")) declare only the categories they hold;
    # filling a gap of theirs with another one failed with pandas' "Cannot set a Categorical with another, without
    # identical categories". One gap in three batches each declaring one category: the fill is foreign to two.
    # They come back in the fitted column's dtype, an ordered one's order kept, as fit_transform gives it.
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0] * 5,
                          "c": pd.Categorical(["x", "y", "z", "x"] * 5, categories=["z", "y", "x"], ordered=True)})
    imputer = AutoencoderImputer(epochs=1, random_state=0).fit(frame)
    for declared in ("x", "y", "z"):
        new = pd.DataFrame({"a": [2.0, 3.0], "c": pd.Categorical([declared, None], categories=[declared],
                                                                  ordered=True)})
        filled = imputer.transform(new)
        assert filled["c"].iloc[0] == declared and filled["c"].iloc[1] in {"x", "y", "z"}
        assert filled["c"].dtype == frame["c"].dtype
    # a text column at fit, a category one in new rows that hold a category the fit never saw
    text = AutoencoderImputer(epochs=1, random_state=0).fit(frame.assign(c=frame["c"].astype(str)))
    with pytest.warns(UnknownCategoryWarning):
        filled = text.transform(pd.DataFrame({"a": [2.0, 3.0], "c": pd.Categorical(["q", None])}))
    assert filled["c"].iloc[0] == "q" and filled["c"].iloc[1] in {"x", "y", "z"}


def test_imputer_keeps_a_float32_column_float32():
    # a float32 column with gaps came back float64 (its fills, float64, upcast it); Float64 and Int32 were kept
    frame = pd.DataFrame({"a": np.array([1.5, np.nan, 3.25, 4.0] * 5, dtype=np.float32),
                          "b": [2.0, 4.0, 6.0, np.nan] * 5})
    imputer = AutoencoderImputer(epochs=1, random_state=0).fit(frame.assign(c=["x", "y", None, "x"] * 5))
    filled = imputer.transform(frame.assign(c=["x", "y", None, "x"] * 5)).drop(columns="c")
    assert filled["a"].dtype == np.float32 and not filled["a"].isna().any()
    pd.testing.assert_frame_equal(filled.where(frame.notna()), frame.where(frame.notna()))
    # a text column with no value in new rows is float64 (all NaN) to pandas: its fills stay text
    assert set(imputer.transform(frame.assign(c=np.nan))["c"]) <= {"x", "y"}


def test_imputer_gives_a_float32_array_back_float32_as_it_does_a_float32_column():
    # an array's fills came back float64 whatever it held, while a frame's float32 column stayed float32 (and
    # scikit-learn's SimpleImputer keeps a float32 array float32)
    rows = np.random.default_rng(0).normal(size=(30, 3)).astype(np.float32)  # (30, 3)
    rows[::4, 1] = np.nan
    filled = AutoencoderImputer(epochs=1, random_state=0).fit(rows).transform(rows)
    assert filled.dtype == np.float32 and not np.isnan(filled).any()
    np.testing.assert_array_equal(filled[~np.isnan(rows)], rows[~np.isnan(rows)])


def test_imputer_says_an_unseen_category_is_kept_as_it_is():
    # the warning said the cell was "treated as missing", yet the imputer (rightly: it was not a gap) gave it back
    # unchanged; a user reading it looked for a fill that never came
    frame = pd.DataFrame({"a": [1.0, 2.0, None, 4.0] * 5, "c": ["x", "y", "x", None] * 5})
    imputer = AutoencoderImputer(epochs=1, random_state=0).fit(frame)
    with pytest.warns(UnknownCategoryWarning, match=r"not seen in fitting \(w;.*; read as a gap by the model, kept "
                                                    r"as it is in the output \(handle_unknown='error' refuses it\)"):
        filled = imputer.transform(pd.DataFrame({"a": [None], "c": ["w"]}))
    assert filled["c"].iloc[0] == "w" and not np.isnan(filled["a"].iloc[0])


def test_cli_impute_fills_a_parquet_category_column_with_an_unused_category(tmp_path):
    # `ae impute` on a Parquet file (which keeps pandas categories) failed with a traceback, as the imputer did
    frame = pd.DataFrame({"a": [1.0, None, 3.0, 4.0] * 5,
                          "c": pd.Categorical(["x", None, "y", "x"] * 5, categories=["w", "x", "y"])})
    frame.to_parquet(tmp_path / "cat.parquet")
    result = CliRunner().invoke(cli, ["impute", "--data", str(tmp_path / "cat.parquet"), "--epochs", "1", "--out",
                                      str(tmp_path / "filled.parquet")])
    assert result.exit_code == 0, result.output
    filled = pd.read_parquet(tmp_path / "filled.parquet")
    assert filled["c"].dtype == frame["c"].dtype and not filled.isna().any().any()


def test_imputer_takes_no_hidden_layer_and_names_a_zero_code_size():
    # hidden=() (no hidden layer) and code_size=0 / epochs=0 were read as "not given": the data-sized default.
    frame = pd.DataFrame({"a": [1.0, None, 3.0, 4.0] * 5, "b": ["x", "y", None, "x"] * 5})
    imputer = AutoencoderImputer(hidden=(), code_size=3, epochs=1, random_state=0).fit(frame)
    assert imputer.model_.config.backbone.hidden == () and imputer.model_.config.code_size == 3
    with pytest.raises(ValueError, match="code_size must be >= 1, got 0"):
        AutoencoderImputer(code_size=0, epochs=1).fit(frame)
    with pytest.raises(ValueError, match="epochs must be"):
        AutoencoderImputer(epochs=0).fit(frame)


def test_transformer_inverse_of_pandas_codes_keeps_their_row_labels():
    # The codes of set_output(transform="pandas") carry the input's index; the table rebuilt from them lost it.
    frame = pd.DataFrame({"a": [1.0, None, 3.0, 4.0] * 5, "b": ["x", "y", None, "x"] * 5}, index=range(100, 120))
    est = AutoencoderTransformer(code_size=2, epochs=1, random_state=0).set_output(transform="pandas").fit(frame)
    codes = est.transform(frame)
    assert list(codes.index) == list(frame.index)
    assert list(est.inverse_transform(codes).index) == list(frame.index)
    assert list(est.inverse_transform(codes.to_numpy()).index) == list(range(20))


@pytest.mark.parametrize("columns", [None, [5, 6, 7]], ids=["array", "frame of number-named columns"])
def test_transformer_inverse_of_pandas_codes_keeps_their_row_labels_whatever_it_was_fitted_on(columns):
    # pd.DataFrame(X, index=ids), a PCA user's habit, has number-named columns: no feature_names_in_, so the
    # reconstructions of its pandas codes came back as an array, the rows' labels lost
    rows = np.random.default_rng(0).normal(size=(20, 3))  # (20, 3)
    fitted_on = rows if columns is None else pd.DataFrame(rows, columns=columns, index=range(100, 120))
    est = AutoencoderTransformer(code_size=2, epochs=1, random_state=0).set_output(transform="pandas").fit(fitted_on)
    codes = est.transform(pd.DataFrame(rows, index=range(100, 120)))
    rebuilt = est.inverse_transform(codes)
    assert list(rebuilt.index) == list(range(100, 120))
    assert list(rebuilt.columns) == [0, 1, 2]  # by position: scikit-learn keeps no names that are not text
    np.testing.assert_array_equal(rebuilt.to_numpy(), est.inverse_transform(codes.to_numpy()))


def test_transformer_inverse_takes_codes_as_a_list_of_lists():
    # scikit-learn's transformers take array-likes; a list's `index` method was taken for a DataFrame's row labels
    # (TypeError: Index(...) must be called with a collection), and an array-fitted one would give a frame
    frame = pd.DataFrame({"a": [1.0, None, 3.0, 4.0] * 5, "b": ["x", "y", None, "x"] * 5})
    rows = np.random.default_rng(0).normal(size=(20, 3))  # (20, 3)
    for fitted_on in (frame, rows):
        est = AutoencoderTransformer(code_size=2, epochs=1, random_state=0).fit(fitted_on)
        codes = est.transform(fitted_on)  # (20, 2)
        rebuilt, from_list = est.inverse_transform(codes), est.inverse_transform(codes.tolist())
        assert type(from_list) is type(rebuilt)
        np.testing.assert_array_equal(np.asarray(from_list, dtype=object), np.asarray(rebuilt, dtype=object))


def test_cli_writes_only_the_table_compressions_it_reads_back():
    # `--out x.csv.zip` / `.csv.zst` were written, but `--data` could not read them back.
    from autoencoders.cli._outputs import COMPRESSIONS, FORMATS
    from autoencoders.data.files import TEXT_OPENERS

    assert set(COMPRESSIONS) == set(TEXT_OPENERS)
    assert ".csv.zip" not in FORMATS and ".csv.xz" in FORMATS and ".tsv.xz" in FORMATS


def test_header_names_lose_the_spaces_around_them(tmp_path):
    # "age ,grade" named a column "age " that --drop age / --columns age did not find.
    path = tmp_path / "spaced.csv"
    path.write_text("age , grade,score\n30 , a,1.5\n40 , b,2.5\n")
    assert list(read_path(path, table=TableOptions(drop=("age",))).X.columns) == ["grade", "score"]
    clash = tmp_path / "clash.csv"
    clash.write_text("a,a ,b\n1,2,3\n4,5,6\n")  # stripping would give two "a": the names stay as written
    with pytest.warns(UserWarning, match="more than one column the name 'a'; they are read as 'a', 'a '"):
        assert list(read_path(clash).X.columns) == ["a", "a ", "b"]


def test_excels_sep_line_names_the_delimiter(tmp_path):
    # Excel's "sep=;" first line was read as the header of a one-column table.
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\nname;score\nann;1,5\nbob;2\n")
    data = read_path(path)
    assert list(data.X.columns) == ["name", "score"]
    np.testing.assert_array_equal(data.X["score"], [1.5, 2.0])
    path.write_text("sep=;\nname;score\nann;x\nbob;2\n")
    with pytest.raises(DataError, match="line 3"):  # lines counted in the file as it is
        read_path(path)


def test_a_narrow_table_gets_a_code_narrower_than_its_rows_by_default(question_marks, tmp_path):
    # 6 encoded values a row (a, b, its gap flag, c's 3 categories): a code of 3, not the 32 given to wide data;
    # a vq objective gets the nearest width it accepts (a multiple of its code_dim 4), not a refusal
    runner = CliRunner()
    for objective, expected in (("plain", 3), ("vq", 4)):
        run = tmp_path / objective
        result = runner.invoke(cli, ["train", "--data", str(question_marks), "--missing-values", "?", "--backbone",
                                     "mlp", "--objective", objective, "--hidden", "8", "--epochs", "1", "--out",
                                     str(run), "--quiet", "--no-report"])
        assert result.exit_code == 0, result.output
        assert json.loads((run / "metrics.json").read_text())["code_size"] == expected
    frame = read_path(question_marks, table=TableOptions(missing_values=("?",))).X
    assert AutoencoderTransformer(epochs=1, random_state=0).fit_transform(frame).shape == (40, 3)
    wide = np.random.default_rng(0).random((30, 64))
    assert AutoencoderTransformer(epochs=1, random_state=0).fit_transform(wide).shape == (30, 10)


@pytest.mark.parametrize("cls", [AutoencoderTransformer, AutoencoderImputer])
def test_a_saved_estimator_set_to_give_pandas_gives_pandas_after_loading(people, cls, tmp_path):
    # set_output(transform="pandas") was not saved: the loaded estimator gave arrays where the saved one (and a
    # pickled one) gave DataFrames with the input's index
    frame = people.drop(columns="id").set_axis([f"p{i}" for i in range(len(people))])
    for X in (frame, frame[["age", "income"]].to_numpy()):  # an array with gaps: pandas out by set_output only
        estimator = cls(**SMALL).set_output(transform="pandas").fit(X)
        loaded = cls.load(estimator.save(tmp_path / "saved", overwrite=True))
        given, again = estimator.transform(X), loaded.transform(X)
        assert isinstance(again, pd.DataFrame) and again.index.equals(given.index)
        pd.testing.assert_frame_equal(again, given)


def test_transformer_fitted_on_a_frame_of_numbers_rebuilds_a_frame_with_or_without_gaps():
    # a frame of numbers without a gap came back from inverse_transform as an array; with one gap as a DataFrame
    # with its columns and the codes' index: the type of what came back hung on whether a cell was missing
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.random((20, 3)), columns=["a", "b", "c"], index=range(100, 120))
    for given in (frame, frame.mask(frame > 0.95)):
        estimator = AutoencoderTransformer(**SMALL).set_output(transform="pandas").fit(given)
        rebuilt = estimator.inverse_transform(estimator.transform(given))
        assert isinstance(rebuilt, pd.DataFrame) and list(rebuilt.columns) == ["a", "b", "c"]
        assert rebuilt.index.equals(frame.index)
    array = AutoencoderTransformer(**SMALL).fit(frame.to_numpy())  # an array in: an array back
    assert isinstance(array.inverse_transform(array.transform(frame.to_numpy())), np.ndarray)


@pytest.mark.parametrize("estimator", [AutoencoderTransformer(**SMALL), AutoencoderImputer(**SMALL),
                                       AutoencoderOutlierDetector(steps=2)], ids=lambda e: type(e).__name__)
def test_a_pandas_series_is_refused_by_name(people, estimator):
    # a Series failed inside the sparse check with "'Float64DType' object is not iterable"
    for column in ("age", "city"):
        with pytest.raises(ValueError, match=f"X is a pandas Series .*'{column}'.*to_frame"):
            estimator.fit(people[column])


def test_detector_explains_no_rows_as_it_scores_them(people):
    # score_samples of no rows gave no scores; explain failed inside torch ("expected a non-empty list of Tensors")
    frame = people.drop(columns="id")
    detector = AutoencoderOutlierDetector(steps=2, random_state=0).fit(frame)
    assert detector.score_samples(frame.iloc[:0]).shape == (0,)
    explained = detector.explain(frame.iloc[:0])
    assert explained.shape == (0, frame.shape[1]) and list(explained.columns) == list(frame.columns)


def test_loading_one_saved_estimator_as_another_names_the_one_to_load_it_with(people, tmp_path):
    # a detector's folder given to AutoencoderTransformer.load failed with "no checkpoint file at
    # .../model.safetensors", and a saved transformer given to AutoencoderImputer.load said only "holds no saved
    # AutoencoderImputer"
    frame = people.drop(columns="id")
    AutoencoderOutlierDetector(steps=2, random_state=0).fit(frame).save(tmp_path / "detector")
    saved = AutoencoderTransformer(**SMALL).fit(frame).save(tmp_path / "codes")
    with pytest.raises(ValueError, match=r"holds a saved AutoencoderOutlierDetector: load it with "
                                         r"AutoencoderOutlierDetector.load"):
        AutoencoderTransformer.load(tmp_path / "detector")
    with pytest.raises(ValueError, match=r"holds a saved AutoencoderTransformer: load it with "
                                         r"AutoencoderTransformer.load"):
        AutoencoderImputer.load(saved)


@pytest.mark.parametrize("estimator", [AutoencoderTransformer(**{**SMALL, "code_size": 2}),
                                       AutoencoderOutlierDetector(steps=2)], ids=lambda e: type(e).__name__)
def test_a_gap_after_fitting_on_numbers_without_any_is_named_with_the_remedy(people, estimator):
    # scikit-learn's check said the estimator "does not accept missing values encoded as NaN natively" and pointed
    # to HistGradientBoosting, while it fits on rows with gaps; the table path's message names the cell and remedy
    frame = people[["grade", "income"]].astype(float)
    estimator.fit(frame)
    gappy = frame.copy()
    gappy.loc[7] = np.nan  # both cells of row 8
    for X in (gappy, gappy.to_numpy()):
        with pytest.raises(ValueError, match=r"2 missing value\(s\) \(NaN\), first in column 'grade' at row 8 "
                                             r".*fitted on data without any.*AutoencoderImputer.*fit it on rows"):
            (estimator.transform if hasattr(estimator, "transform") else estimator.score_samples)(X)


def test_transformer_rebuilds_a_frame_with_its_own_integer_column_labels(tmp_path):
    # pandas.read_csv(header=None) labels columns 0, 1, ...: a table's rebuilt frame had them as "0", "1", so that
    # frame - rebuilt aligned nothing and gave every cell NaN without a word
    frame = pd.DataFrame({0: [1.0, None, 3.0, 4.0] * 5, 1: ["x", "y", None, "x"] * 5})
    estimator = AutoencoderTransformer(**SMALL).fit(frame)
    for fitted in (estimator, AutoencoderTransformer.load(estimator.save(tmp_path / "saved"))):
        rebuilt = fitted.inverse_transform(fitted.transform(frame))
        assert list(rebuilt.columns) == [0, 1]
        assert (frame[0] - rebuilt[0]).notna().sum() == 15  # aligned: the 15 observed cells


def test_a_new_gap_in_a_mixed_table_says_whose_option_indicators_is(people):
    # the table's message ended "(or with indicators='all')", an option of TabularPreprocessor that the detector
    # and the CLI that show it have not
    frame = people.drop(columns="id").dropna()
    detector = AutoencoderOutlierDetector(steps=2, random_state=0).fit(frame)
    with pytest.raises(DataError, match=r"fit on rows with gaps in it \(TabularPreprocessor itself: or with "
                                        r"indicators='all'\)"):
        detector.score_samples(people.drop(columns="id"))


def test_table_options_take_keep_unnamed_with_a_warning_naming_keep_whole(tmp_path):
    # TableOptions.keep_unnamed became keep_whole without a deprecation: code passing it failed with a TypeError
    path = tmp_path / "indexed.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]}).to_csv(path)  # an unnamed index column first
    with pytest.warns(DeprecationWarning, match="keep_unnamed=...\\) is deprecated: use keep_whole"):
        options = TableOptions(keep_unnamed=True)
    dataset = read_path(path, table=options)
    assert list(dataset.X.columns) == ["a", "b"] and list(dataset.whole.values.columns) == ["Unnamed: 0", "a", "b"]


# ------------------------------------------------------------------------- audit 44: a PyOD user's first hour
@pytest.mark.parametrize("dtype", ["Int64", "Float64"])
def test_a_pandas_na_after_fitting_on_numbers_without_gaps_is_named_with_the_remedy(people, dtype):
    # a nullable column's pd.NA slipped past the check of NaN (it cannot be turned into a float array) and
    # scikit-learn's message pointed to HistGradientBoosting, as NaN's did before tidy 37
    frame = people[["grade", "income"]].astype(float)
    detector = AutoencoderOutlierDetector(steps=2, random_state=0).fit(frame)
    gappy = frame.round().astype(dtype)  # whole numbers, as Int64 holds
    gappy.loc[7, "income"] = pd.NA
    with pytest.raises(DataError, match=r"1 missing value\(s\) \(NaN\), first in column 'income' at row 8 "):
        detector.score_samples(gappy)


@pytest.mark.parametrize("estimator", [AutoencoderTransformer(**SMALL), AutoencoderOutlierDetector(steps=2)],
                         ids=lambda e: type(e).__name__)
def test_a_frame_without_columns_is_refused_by_name(people, estimator):
    # fit(frame[[]]) failed inside NumPy with "at least one array or dtype is required"
    with pytest.raises(DataError, match=r"X has no columns \(shape \(120, 0\)\)"):
        estimator.fit(people[[]])


@pytest.mark.parametrize("estimator", [AutoencoderTransformer(**SMALL), AutoencoderOutlierDetector(steps=2)],
                         ids=lambda e: type(e).__name__)
def test_text_in_a_column_fitted_as_numbers_is_named_by_column_and_row(people, estimator):
    # scikit-learn's check said only "could not convert string to float: 'n/a'", naming neither column nor row
    frame = people[["grade", "income"]].astype(float)
    if isinstance(estimator, AutoencoderTransformer):  # a code narrower than the two columns: no over-complete warning
        estimator.set_params(code_size=1)
    estimator.fit(frame)
    texts = frame.astype(object)
    texts.loc[4, "income"] = "n/a"
    with pytest.raises(DataError, match=r"column 'income' holds text \('n/a', first at row 5, counting from 1\), but "
                                        r"was numbers when Autoencoder\w+ was fitted: convert it"):
        (estimator.transform if hasattr(estimator, "transform") else estimator.score_samples)(texts)


def test_a_pandas_category_column_of_many_values_is_taken_as_declared():
    # a column declared as categories (dtype "category") was refused as IDs like free text, telling the user to
    # "name it as categorical (ae: --categorical ...)": the detector and the transformer have no such parameter, and
    # the dtype was the only way to say it in Python
    frame = pd.DataFrame({"cabin": pd.Categorical([f"C{i % 80}" for i in range(120)]),  # 80 cabins, 120 rows
                          "fare": np.linspace(5.0, 80.0, 120)})
    detector = AutoencoderOutlierDetector(steps=2, random_state=0).fit(frame)
    assert detector.explain(frame).columns.tolist() == ["cabin", "fare"]
    with pytest.raises(DataError, match=r"drop it \(ae: --drop cabin\), or name it as categorical \(ae: --categorical "
                                        r"cabin; in Python, make it a pandas category column"):
        AutoencoderOutlierDetector(steps=2).fit(frame.astype({"cabin": str}))


@pytest.mark.parametrize("estimator", [AutoencoderTransformer(**SMALL), AutoencoderOutlierDetector(steps=2),
                                       AutoencoderImputer(**SMALL)], ids=lambda e: type(e).__name__)
def test_an_estimator_fitted_on_a_frame_warns_of_a_column_that_looks_like_a_row_id(people, estimator):
    # Wage.csv read without index_col="rownames" gave the detector its row IDs (231655, 86582, ...) as a feature
    # without a word, where ae detect warns of them
    frame = people.drop(columns="label").assign(id=np.random.default_rng(0).permutation(120) * 7919 + 100_003)
    with pytest.warns(UserWarning, match=r"column 'id' is named like an ID and holds a distinct whole number on "
                                         r"every row, like a row ID.*X.drop\(columns='id'\)") as caught:
        estimator.fit(frame)
    assert {w.category.__name__ for w in caught if "like a row ID" in str(w.message)} == {"RowIdWarning"}
    estimator.fit(frame.drop(columns="id"))  # warnings are errors here: none may come


def test_cli_detect_and_impute_warn_of_a_row_id_column_once(people, tmp_path):
    # once, in the command's words (--drop); not again in the estimator's (X.drop)
    people.drop(columns="label").to_csv(tmp_path / "people.csv", index=False)
    for command in (["detect", "--out", str(tmp_path / "s.csv")], ["impute", "--out", str(tmp_path / "f.csv")]):
        with pytest.warns(UserWarning, match="column 'id' holds each number from 0 to 119 once") as caught:
            result = CliRunner().invoke(cli, [*command, "--data", str(tmp_path / "people.csv"), "--overwrite"])
        assert result.exit_code == 0, result.output
        assert [str(w.message) for w in caught if "like a row ID" in str(w.message)] == [
            f"{tmp_path / 'people.csv'}: column 'id' holds each number from 0 to 119 once, like a row ID, which the "
            "model would learn as a feature; if it is one, leave it out with --drop id"]


TITANIC = SHARED_DATA / "tables" / "TitanicSurvival.csv"


@pytest.fixture
def passengers(tmp_path):
    """The first 300 rows of TitanicSurvival as the file writes them. Its IDs, ``rownames``, are the passengers'
    names ("Allen, Miss. Elisabeth Walton"): text, which the row-ID rule does not recognise."""
    path = tmp_path / "titanic.csv"
    path.write_text("".join(TITANIC.read_text().splitlines(keepends=True)[:301]))
    return path


def test_cli_detect_writes_a_tables_dropped_ids_beside_its_rows(passengers, tmp_path):
    """``--drop rownames`` leaves the IDs out of the features, and the scores name each row by them (CSV: after
    ``row``, where a series writes its time column; .npz: ``ids`` and ``id_columns``) to join back to the file."""
    names = pd.read_csv(passengers)["rownames"].tolist()
    detect = ["detect", "--data", str(passengers), "--drop", "rownames", "--contamination", "0.05"]
    result = CliRunner().invoke(cli, [*detect, "--explain", "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["id_columns"] == ["rownames"]
    written = pd.read_csv(tmp_path / "s.csv")
    assert list(written.columns) == ["row", "rownames", "score", "outlier", "top_features"]
    assert written["rownames"].tolist() == names and written["row"].tolist() == list(range(300))
    result = CliRunner().invoke(cli, [*detect, "--out", str(tmp_path / "s.npz")])
    assert result.exit_code == 0, result.output
    with np.load(tmp_path / "s.npz") as saved:
        assert saved["ids"][:, 0].tolist() == names and saved["id_columns"].tolist() == ["rownames"]
        np.testing.assert_allclose(saved["score"], written["score"], rtol=1e-6)


def test_cli_encode_and_reconstruct_write_a_table_runs_dropped_ids_beside_its_rows(passengers, tmp_path):
    """The run's --drop stands in for one not given, as its other table options do: ``ae encode RUN`` (its own
    file) writes each row's code beside its ``rownames``; ``ae reconstruct`` the row beside them; an .npy, which
    cannot hold them, the codes alone."""
    runner, run = CliRunner(), tmp_path / "run"
    _trained_on_titanic(passengers, run)
    names = pd.read_csv(passengers)["rownames"].tolist()
    for out in ("codes.csv", "codes.npy"):
        result = runner.invoke(cli, ["encode", str(run), "--out", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
    codes = pd.read_csv(tmp_path / "codes.csv")
    assert list(codes.columns) == ["rownames", "code0", "code1"] and codes["rownames"].tolist() == names
    np.testing.assert_allclose(codes[["code0", "code1"]], np.load(tmp_path / "codes.npy"), rtol=1e-6)
    result = runner.invoke(cli, ["reconstruct", str(run), "--data", str(passengers), "--drop", "rownames",
                                 "--out", str(tmp_path / "recon.csv")])
    assert result.exit_code == 0, result.output
    recon = pd.read_csv(tmp_path / "recon.csv")
    assert list(recon.columns) == ["rownames", "survived", "sex", "age", "passengerClass"]
    assert recon["rownames"].tolist() == names


def test_cli_detect_refuses_a_dropped_column_named_as_its_own_columns_before_any_work(passengers, tmp_path):
    """A --drop column called ``score`` would be written beside the rows under the name of the score itself
    (pandas reads the first as ``score``, the real one as ``score.1``): refused, naming it, before fitting."""
    pd.read_csv(passengers).rename(columns={"rownames": "score"}).to_csv(tmp_path / "renamed.csv", index=False)
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(cli, ["detect", "--data", str(tmp_path / "renamed.csv"), "--drop", "score",
                                      "--out", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert "the --drop column(s) score would be written beside the rows under the name(s) of --out's own" in \
        result.output, result.output


def _trained_on_titanic(passengers, run, ids="rownames"):
    """A 1-epoch run of ``passengers`` that leaves its ``ids`` column out with --drop."""
    result = CliRunner().invoke(cli, ["train", "--data", str(passengers), "--drop", ids, "--hidden", "8",
                                      "--code-size", "2", "--epochs", "1", "--out", str(run), "--quiet",
                                      "--no-report"])
    assert result.exit_code == 0, result.output


def test_cli_cluster_writes_a_table_runs_dropped_ids_beside_each_rows_cluster(passengers, tmp_path):
    """As ``ae encode``: each row's cluster after its ``rownames`` in a .csv, to join back to the file; an .npy
    the clusters alone (tidy 49)."""
    run = tmp_path / "run"
    _trained_on_titanic(passengers, run)
    for out in ("clusters.csv", "clusters.npy"):
        result = CliRunner().invoke(cli, ["cluster", str(run), "--clusters", "3", "--out", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "clusters.csv")
    assert list(written.columns) == ["rownames", "cluster"]
    assert written["rownames"].tolist() == pd.read_csv(passengers)["rownames"].tolist()
    assert written["cluster"].tolist() == np.load(tmp_path / "clusters.npy").tolist()
    # an ID column named as the cluster column is refused, as ae encode's code0 (below), before clustering
    pd.read_csv(passengers).rename(columns={"rownames": "cluster"}).to_csv(tmp_path / "renamed.csv", index=False)
    _trained_on_titanic(tmp_path / "renamed.csv", tmp_path / "renamed", ids="cluster")
    result = CliRunner().invoke(cli, ["cluster", str(tmp_path / "renamed"), "--out", str(tmp_path / "named.csv")])
    assert result.exit_code == 2 and "the --drop column(s) cluster would be written" in result.output, result.output


def test_cli_encode_refuses_a_dropped_column_named_as_a_code_before_any_work(passengers, tmp_path):
    """A --drop column called ``code0`` would be written beside the codes under the name of the first code: refused
    as ``ae detect`` refuses one named as its scores, before encoding; an .npy (codes alone) is written (tidy 49)."""
    pd.read_csv(passengers).rename(columns={"rownames": "code0"}).to_csv(tmp_path / "renamed.csv", index=False)
    run, out = tmp_path / "run", tmp_path / "codes.csv"
    _trained_on_titanic(tmp_path / "renamed.csv", run, ids="code0")
    result = CliRunner().invoke(cli, ["encode", str(run), "--out", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert "the --drop column(s) code0 would be written beside the rows under the name(s) of --out's own" in \
        result.output, result.output
    result = CliRunner().invoke(cli, ["encode", str(run), "--out", str(tmp_path / "codes.npy")])
    assert result.exit_code == 0, result.output


def test_the_imputer_and_ae_impute_refuse_a_free_text_column_as_training_does(passengers, tmp_path, monkeypatch):
    """Titanic's passenger names (300 distinct in 300 rows) are refused by the imputer, in Python and ``ae impute``,
    with training's message and before any training, not one-hot encoded as 300 categories (checked in tidy 51: the
    imputer's table goes through the same TabularPreprocessor rule; this test keeps it so)."""
    refused = "column 'rownames' has 300 distinct values in 300 cells: an ID, timestamp or free text"
    monkeypatch.setattr(AutoencoderImputer, "_fit_model", lambda *_, **__: pytest.fail("trained on free text"))
    with pytest.raises(DataError, match=re.escape(refused)):
        AutoencoderImputer(epochs=1, random_state=0).fit(pd.read_csv(passengers))
    out = tmp_path / "filled.csv"
    result = CliRunner().invoke(cli, ["impute", "--data", str(passengers), "--out", str(out)])
    assert result.exit_code == 1 and refused in result.output and not out.exists(), result.output
    assert "--drop rownames" in result.output


def _ids_with_a_gap(path):
    """A table of 40 rows whose ``id`` column holds whole numbers, one ID written ``0070``, and a gap (row 4), which
    pandas reads as floats; returns the IDs as the file writes them ("" for the gap)."""
    rng = np.random.default_rng(0)
    ids = ["" if i == 3 else "0070" if i == 5 else str(1000 + i) for i in range(40)]
    path.write_text("id,a,b,kind\n" + "".join(f"{ident},{rng.normal():.3f},{rng.normal():.3f},{'xy'[i % 2]}\n"
                                               for i, ident in enumerate(ids)))
    return ids


def test_cli_commands_write_dropped_ids_as_the_file_writes_them(tmp_path):
    """An ID column with a gap came back as 12.0 (read as floats) and 0070 as 70.0 beside what ae detect, encode,
    reconstruct and cluster write: each is written as the file writes it, the gap empty (tidy 51)."""
    path, runner, run = tmp_path / "ids.csv", CliRunner(), tmp_path / "run"
    ids = _ids_with_a_gap(path)

    def written_ids(out, *command):
        result = runner.invoke(cli, [*command, "--out", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
        return pd.read_csv(tmp_path / out, dtype=str, keep_default_na=False)["id"].tolist()

    assert written_ids("s.csv", "detect", "--data", str(path), "--drop", "id") == ids
    result = runner.invoke(cli, ["detect", "--data", str(path), "--drop", "id", "--out", str(tmp_path / "s.npz")])
    assert result.exit_code == 0, result.output
    with np.load(tmp_path / "s.npz") as saved:
        assert saved["ids"][:, 0].tolist() == ids
    result = runner.invoke(cli, ["train", "--data", str(path), "--drop", "id", "--hidden", "4", "--code-size", "2",
                                 "--epochs", "1", "--out", str(run), "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    assert written_ids("codes.csv", "encode", str(run)) == ids  # the run's --drop: the file read without one
    assert written_ids("recon.csv", "reconstruct", str(run), "--data", str(path), "--drop", "id") == ids
    assert written_ids("clusters.csv", "cluster", str(run), "--clusters", "2") == ids


def test_a_parquet_files_integer_ids_with_a_gap_stay_integers(tmp_path):
    # pandas reads a Parquet integer column with a null as floats (unless pandas wrote the file): its IDs came back
    # as 1000.0 beside the rows
    import pyarrow as pa
    import pyarrow.parquet as pq

    from autoencoders.cli._outputs import RowKeys
    from autoencoders.data.table_files import read_table

    table = pa.table({"id": pa.array([1000, None, 1002], pa.int64()), "size": [1.0, 2.0, 3.0]})
    pq.write_table(table, tmp_path / "ids.parquet")  # as Spark or R's arrow write one: no pandas dtypes stored
    dataset = read_table(tmp_path / "ids.parquet", options=TableOptions(drop=("id",)))
    assert RowKeys.of_table(dataset).texts()[:, 0].tolist() == ["1000", "", "1002"]
    assert list(dataset.X.columns) == ["size"]


def test_a_new_gap_in_a_categorical_column_is_refused_by_the_detector_and_the_transformer(people):
    # a categorical column without gaps in fit scored a new gap as an all-zero block without a word (it lowered the
    # row's score) and encoded it so, while a numeric column's new gap was refused (audit 44)
    frame = people.drop(columns="id").dropna().reset_index(drop=True)
    new = frame.assign(city=frame.city.where(frame.index != 2))
    refused = r"column 'city' has 1 missing value\(s\), first at row 3 \(counting from 1\), but had none when fitted"
    detector = AutoencoderOutlierDetector(steps=2, random_state=0).fit(frame)
    transformer = AutoencoderTransformer(**SMALL).fit(frame)
    for method in (detector.score_samples, detector.predict, transformer.transform):
        with pytest.raises(DataError, match=refused):
            method(new)
    filled = AutoencoderImputer(epochs=1, random_state=0).fit(frame).transform(new)  # the imputer fills it
    assert filled.city.notna().all()


def test_imputer_fit_transform_on_a_table_without_gaps_warns_that_nothing_was_filled(people):
    # it gave the table back unchanged without a word, while `ae impute` refuses such a table; fitting on complete
    # rows to fill later ones stays quiet
    from autoencoders.sklearn.imputer import NothingToFillWarning

    complete = people.drop(columns="id").dropna()
    with pytest.warns(NothingToFillWarning, match=r"X has no missing cell in its 6 columns.*unchanged.*\.fit\(X\)"):
        filled = AutoencoderImputer(epochs=1, random_state=0).fit_transform(complete)
    pd.testing.assert_frame_equal(filled, complete)
    imputer = AutoencoderImputer(epochs=1, random_state=0).fit(complete)  # no warning: warnings are errors here
    assert imputer.transform(people.drop(columns="id")).notna().all().all()


def test_an_interval_column_is_filled_as_categories_not_cast_as_integers():
    # the fitted dtype "interval[int64, right]" starts with "int": the fills were cast to int64 and the imputer failed
    # with pandas' "Cannot cast IntervalArray to dtype int64"
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=40), "band": pd.interval_range(0, 4).repeat(10)})  # (40, 2)
    frame.loc[::6, "a"] = np.nan
    filled = AutoencoderImputer(epochs=1, random_state=0).fit(frame).transform(frame)
    assert filled["band"].equals(frame["band"]) and not filled["a"].isna().any()


def test_a_complex_column_is_refused_by_name_not_cast_to_its_real_part():
    # a complex column passed as numbers: NumPy's ComplexWarning, then every value lost its imaginary part
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0] * 5, "z": np.arange(20) + 1j})
    with pytest.raises(DataError, match="column 'z' holds complex numbers"):
        AutoencoderImputer(epochs=1).fit(frame)
