"""The tabular preprocessing path: mixed columns, gaps, JSON replay, and the mixed loss it feeds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from autoencoders.data import DataError
from autoencoders.data.tabular import TabularPreprocessor, UnknownCategoryWarning, check_layout
from autoencoders.models.losses import LOSSES
from autoencoders.models.mixed import mixed_loss_parts, mixed_output


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame({"age": [20.0, 30.0, None, 50.0], "city": ["Rome", "Paris", "", None],
                         "member": [True, False, True, True], "grade": [1, 2, 3, 1]})


def test_columns_become_scaled_values_indicators_and_one_hot_blocks(table):
    prep = TabularPreprocessor(categorical=["grade"], scale="minmax").fit(table)
    assert prep.feature_names_out() == ["age", "age_missing", "city=Paris", "city=Rome", "member=False",
                                        "member=True", "grade=1", "grade=2", "grade=3"]
    M = prep.transform(table)  # (4, 9)
    np.testing.assert_allclose(M[:, 0], [0, 1 / 3, 0, 1], rtol=1e-6)  # the gap is fed as 0 ...
    np.testing.assert_array_equal(M[:, 1], [0, 0, 1, 0])  # ... with its indicator set
    np.testing.assert_array_equal(M[2:, 2:4], 0)  # empty string and None: missing, an all-zero block
    assert prep.layout[0] == {"kind": "numeric", "value": 0, "missing": 1}
    assert prep.layout[3] == {"kind": "categorical", "start": 6, "stop": 9}
    assert prep.needs_mixed_loss


def test_json_round_trip_replays_exactly_and_inverse_restores_dtypes(table):
    prep = TabularPreprocessor(categorical=["grade"], scale="standard").fit(table)
    again = TabularPreprocessor.from_dict(json.loads(json.dumps(prep.to_dict())))
    M = prep.transform(table)
    np.testing.assert_array_equal(again.transform(table), M)
    back = again.inverse_transform(M)
    assert list(back.columns) == list(table.columns)
    assert back["grade"].dtype == np.int64 and back["member"].dtype == bool
    assert back.loc[0, "city"] == "Rome" and back.loc[0, "age"] == pytest.approx(20.0)


def test_inverse_keeps_every_fitted_category_and_nullable_booleans():
    # A category column came back with only the categories that happened to be predicted (pd.concat with the
    # input then turned it to object), and a nullable boolean column came back as object.
    frame = pd.DataFrame({"c": pd.Categorical(["a", "b", "c", "a"]),
                          "flag": pd.array([True, None, False, True], dtype="boolean")})
    prep = TabularPreprocessor().fit(frame)
    back = prep.inverse_transform(prep.transform(frame.iloc[[0, 0]]))  # only 'a' and True predicted
    assert list(back["c"].cat.categories) == ["a", "b", "c"] and back["c"].tolist() == ["a", "a"]
    assert back["flag"].dtype == "boolean"


def test_no_rows_transform_to_an_empty_matrix_of_the_fitted_width(table):
    # the one-hot codes of no rows were a float array, which cannot index: `ae train --test-fraction 0` on a table
    # with categories failed with an IndexError on its empty test split
    prep = TabularPreprocessor(categorical=["grade"]).fit(table)
    assert prep.transform(table.iloc[:0]).shape == (0, prep.n_features_out)


def test_plain_numeric_table_needs_no_mixed_loss():
    X = np.arange(12.0).reshape(4, 3)
    prep = TabularPreprocessor().fit(X)
    assert not prep.needs_mixed_loss and prep.feature_names_in == ["x0", "x1", "x2"]
    np.testing.assert_allclose(prep.transform(X)[:, 0], [0, 1 / 3, 2 / 3, 1], rtol=1e-6)  # auto: min-max


@pytest.mark.parametrize("handle_unknown", ["warn", "error"])
def test_unseen_category_warns_or_fails_naming_the_column(table, handle_unknown):
    prep = TabularPreprocessor(handle_unknown=handle_unknown).fit(table)
    new = table.assign(city=["Oslo", "Rome", "Rome", "Rome"])
    if handle_unknown == "error":
        with pytest.raises(DataError, match="column 'city'.*Oslo"):
            prep.transform(new)
    else:
        with pytest.warns(UnknownCategoryWarning, match="column 'city'.*Oslo"):
            M = prep.transform(new)
        assert M[0, 2:4].sum() == 0  # treated as missing


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t[["city", "age", "member", "grade"]], "column order changed: 'city'"),
    (lambda t: t.drop(columns="member"), r"missing column\(s\) \['member'\]"),
    (lambda t: t.assign(extra=1), r"extra column\(s\) \['extra'\]"),
    (lambda t: t.to_numpy()[:, :3], "3 columns; fitted on 4"),
    (lambda t: t.assign(member=[True, None, True, True], age=[1, 2, 3, "x"]), "column 'age' is numeric but row 4"),
])
def test_a_table_unlike_the_fitted_one_is_an_error_naming_the_column(table, change, message):
    prep = TabularPreprocessor().fit(table)
    with pytest.raises(DataError, match=message):
        prep.transform(change(table))


def test_all_missing_column_and_new_gaps_are_errors_naming_the_column(table):
    with pytest.raises(DataError, match="column 'empty' has no values"):
        TabularPreprocessor().fit(table.assign(empty=[None, "", np.nan, None]))
    prep = TabularPreprocessor().fit(table.dropna())
    with pytest.raises(DataError, match=r"column 'age' has 1 missing value.*row 3.*fill them first \(ae impute"):
        prep.transform(table)  # a way out the command line has too, not only the Python parameter
    assert TabularPreprocessor(indicators="all").fit(table.dropna()).transform(table)[2, 1] == 1


def test_mixed_loss_leaves_missing_cells_out():
    layout = [{"kind": "numeric", "value": 0, "missing": 1}, {"kind": "numeric", "value": 2, "missing": None},
              {"kind": "categorical", "start": 3, "stop": 5}]
    check_layout(layout, 5)
    target = torch.tensor([[0.5, 0.0, 1.0, 0.0, 1.0],    # all observed
                           [0.0, 1.0, 1.0, 0.0, 0.0]])   # numeric 0 missing, category missing
    logits = torch.tensor([[1.5, 9.0, 0.0, 0.0, 0.0],
                           [7.0, 9.0, 3.0, 5.0, -5.0]])
    numeric, categorical = mixed_loss_parts(logits, target, layout)
    torch.testing.assert_close(numeric, torch.tensor([1.0 + 1.0, 4.0]))
    torch.testing.assert_close(categorical, torch.tensor([float(np.log(2)), 0.0]))
    torch.testing.assert_close(LOSSES["mixed"].per_sample(logits, target, "identity", layout),
                               numeric + categorical)
    output = mixed_output(logits, layout)
    torch.testing.assert_close(output[:, 3:].sum(dim=1), torch.ones(2))
    torch.testing.assert_close(output[:, :3], logits[:, :3])
    with pytest.raises(ValueError, match="outside the 4 input columns"):
        check_layout(layout, 4)


def test_an_id_like_text_column_is_an_error_naming_it():
    frame = pd.DataFrame({"name": [f"p{i}" for i in range(120)], "x": np.arange(120.0)})
    with pytest.raises(DataError, match=r"column .name. has 120 distinct values.*drop it \(ae: --drop name\)"):
        TabularPreprocessor().fit(frame)
    assert TabularPreprocessor(categorical=["name"]).fit(frame).n_features_out == 121  # named: a category after all


def test_a_cell_found_transforming_a_frame_is_named_by_what_its_row_number_counts_and_its_index(table):
    # "first at row 3" named neither whether it counted from 0 or 1 (an array's error counts from 0, a file's from
    # 1 beside its line) nor, for a frame with its own index, the row's label
    prep = TabularPreprocessor().fit(table.dropna())
    with pytest.raises(DataError, match=r"'age' has 1 missing value\(s\), first at row 3 \(counting from 1\), but"):
        prep.transform(table)
    labelled = table.set_axis([f"p{i}" for i in range(len(table))])
    with pytest.raises(DataError, match=r"first at row 3 \(counting from 1; index 'p2'\)"):
        prep.transform(labelled)
    city = labelled.dropna().assign(city="Atlantis")
    with pytest.warns(UnknownCategoryWarning, match=r"first at row 1 \(counting from 1; index 'p0'\)\)"):
        prep.transform(city)


def test_inverse_gives_a_category_column_its_declared_categories_and_order_back():
    # only the categories present when fitted came back (an unused declared one was lost) and an ordered category
    # came back unordered: the dtype the user gave was not the dtype returned, and AutoencoderImputer, putting its
    # fills into the user's column, failed with "Cannot set a Categorical with another, without identical categories"
    declared = pd.CategoricalDtype(["w", "x", "y", "z"])
    ordered = pd.CategoricalDtype(["lo", "mid", "hi"], ordered=True)
    frame = pd.DataFrame({"c": pd.Series(["x", "y", "x"], dtype=declared),
                          "o": pd.Series(["lo", "hi", "lo"], dtype=ordered)})
    prep = TabularPreprocessor().fit(frame)
    assert prep.feature_names_out() == ["c=x", "c=y", "o=lo", "o=hi"]  # the one-hot blocks: the categories seen
    for fitted in (prep, TabularPreprocessor.from_dict(json.loads(json.dumps(prep.to_dict())))):
        back = fitted.inverse_transform(fitted.transform(frame))
        assert back["c"].dtype == declared and back["o"].dtype == ordered
        assert back["c"].tolist() == ["x", "y", "x"] and back["o"].tolist() == ["lo", "hi", "lo"]


def test_a_new_gap_in_a_categorical_column_is_an_error_as_in_a_numeric_one(table):
    # a categorical column without gaps when fitted read a new gap as an all-zero block without a word (audit 44),
    # while a numeric one's was refused
    complete = table.assign(city=["Rome", "Paris", "Rome", "Oslo"]).dropna().reset_index(drop=True)  # 3 rows
    prep = TabularPreprocessor().fit(complete)
    with pytest.raises(DataError, match=r"column 'city' has 2 missing value\(s\), first at row 2 \(counting from 1\), "
                                        r"but had none when fitted; fill them first"):
        prep.transform(complete.assign(city=["Rome", None, ""]))
    new_gaps = complete.assign(city=["Rome", None, "Rome"])
    told = TabularPreprocessor(indicators="all").fit(complete)  # gaps anywhere are fine, as promised
    held = TabularPreprocessor().fit(complete, held_out=new_gaps)  # gaps in the held-out rows: they transform
    saved = prep.to_dict()  # a table saved before this was kept reads the gap as it did then
    old = TabularPreprocessor.from_dict({**saved, "columns": [
        {k: v for k, v in c.items() if k != "gaps"} for c in saved["columns"]]})
    for reading in (told, held, old):
        city = [name.startswith("city=") for name in reading.feature_names_out()]
        np.testing.assert_array_equal(reading.transform(new_gaps)[:, city].sum(axis=1), [1, 0, 1])
