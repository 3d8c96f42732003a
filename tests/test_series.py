"""Time-series helpers: sliding windows and their inverse, and the NAB reader on the shared copy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import autoencoders as ae
from autoencoders.cli.detect import HeldOutDriftWarning
from autoencoders.data import load_nab, nab_series_names, overlap_average, read_nab_series, sliding_windows
from conftest import SHARED_DATA

NAB_DIR = SHARED_DATA / "nab"


@pytest.mark.parametrize(("n_steps", "length", "stride"), [(20, 5, 1), (20, 5, 3), (21, 7, 7), (7, 7, 2)])
def test_windows_cover_the_series_and_average_back_to_it(n_steps, length, stride):
    series = np.random.default_rng(0).normal(size=(n_steps, 3))
    windows = sliding_windows(series, length, stride)
    assert windows.shape[1:] == (3, length)
    np.testing.assert_array_equal(windows[0], series[:length].T)
    np.testing.assert_array_equal(windows[-1], series[-length:].T)  # the end is always covered
    np.testing.assert_allclose(overlap_average(windows, n_steps, stride), series)


def test_a_univariate_series_gives_one_channel():
    assert sliding_windows(np.arange(10.0), 4, 2).shape == (4, 1, 4)


def test_a_series_shorter_than_the_window_is_a_clear_error():
    with pytest.raises(ae.DataError, match="3 time step.*fewer than the window length 5"):
        sliding_windows(np.zeros(3), 5)


def test_windows_from_another_cut_are_rejected():
    windows = sliding_windows(np.zeros(20), 5, 5)
    with pytest.raises(ae.DataError, match="do not match a series of 20 steps cut with stride 1"):
        overlap_average(windows, 20, 1)


def test_nab_series_are_read_with_their_anomaly_windows():
    names = nab_series_names(NAB_DIR)
    assert "realKnownCause/nyc_taxi.csv" in names and len(names) >= 20
    taxi = read_nab_series(NAB_DIR, "realKnownCause/nyc_taxi.csv")
    assert len(taxi.values) == len(taxi.timestamps) == 10320
    assert taxi.values[0] == 10844 and str(taxi.timestamps[0]) == "2014-07-01T00:00:00"
    assert taxi.steps_per() == 48  # half-hourly samples
    assert len(taxi.windows) == 5
    labels = taxi.labels
    assert 0 < labels.mean() < 0.2
    start, end = taxi.windows[0]
    assert labels[taxi.timestamps == start].all() and not labels[taxi.timestamps < start].any()


def test_load_nab_reads_the_named_series():
    series = load_nab(NAB_DIR, ["realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv"])
    assert len(series) == 1 and series[0].steps_per() == 288  # five-minute samples


def test_unknown_nab_series_and_missing_folder_are_clear_errors(tmp_path):
    with pytest.raises(ae.DataError, match="no entry 'nope.csv'"):
        read_nab_series(NAB_DIR, "nope.csv")
    with pytest.raises(ae.DataError, match="not a NAB folder"):
        nab_series_names(tmp_path)


def test_a_stride_longer_than_the_window_is_refused_not_averaged_to_nan():
    """Steps between two windows lie in none: their rebuilt value (and their anomaly score) was 0 / 0 = NaN."""
    windows = sliding_windows(np.arange(10.0), 2, 4)  # starts 0, 4, 8: steps 2, 3, 6, 7 in no window
    with pytest.raises(ae.ConfigError, match="stride 4 is longer than the window length 2"):
        overlap_average(windows, 10, 4)
    with pytest.raises(ae.ConfigError, match="stride 30 is longer than the window length 24"):
        ae.applications.series_anomaly_scores(np.sin(np.arange(200) / 3.0), 24, stride=30)  # before any training


def test_an_empty_cell_of_a_one_column_csv_is_a_gap_in_its_row_not_a_skipped_line(tmp_path):
    """pandas skips empty lines, and a one-column file's empty cell is one: every later step moved up a row, so
    per-step scores no longer lined up with the file's rows. Empty lines after the last value are no rows."""
    path = tmp_path / "series.csv"
    path.write_text("\nvalue\n1\n2\n\n4\n5\n\n\n")  # nor are empty lines before the header
    values = ae.data.load_data(str(path)).X["value"].to_numpy()
    np.testing.assert_array_equal(values, [1, 2, np.nan, 4, 5])


@pytest.fixture
def scored(monkeypatch) -> list[np.ndarray]:
    """The series ``ae detect --window`` hands to ``series_anomaly_scores``, which scores each step by its last
    channel instead of training (these tests are about what reaches it)."""
    import autoencoders.applications.series_anomaly as series_anomaly

    seen = []
    monkeypatch.setattr(series_anomaly, "series_anomaly_scores", lambda X, window, **_: seen.append(X) or X[:, -1])
    return seen


def detect_series(path, *options):
    from click.testing import CliRunner

    from autoencoders.cli import cli

    return CliRunner().invoke(cli, ["detect", "--data", str(path), "--window", "8", "--out",
                                    str(path.with_suffix(".scores.csv")), *options])


def test_cli_detect_takes_a_one_dimensional_npy_as_a_one_channel_series(tmp_path, scored):
    """A 1-D .npy is how a univariate series is saved (the README's `series.npy`); it was refused with the advice
    to reshape it into one sample, X.reshape(1, -1), which would be one row of 120 features."""
    series = np.sin(np.arange(120) / 3.0)
    np.save(tmp_path / "flat.npy", series)
    result = detect_series(tmp_path / "flat.npy")
    assert result.exit_code == 0, result.output
    assert scored[0].shape == (120, 1)
    np.testing.assert_allclose(np.loadtxt(tmp_path / "flat.scores.csv", delimiter=",", skiprows=1)[:, 1], series,
                               rtol=1e-6)


def test_cli_detect_warns_of_a_time_index_taken_as_a_channel(tmp_path, scored):
    """Epoch seconds (or a step number) as a channel rise to the series' end, so the ends of the series looked far
    from the rest; the measured values, whole numbers that rise and fall (NAB's counts), are not named."""
    path = tmp_path / "series.csv"
    path.write_text("t,count\n" + "".join(f"{1_400_000_000 + 300 * i},{i % 7}\n" for i in range(60)))
    auto = ("--contamination", "auto")  # the stub's scores, the counts 0-6, tie at any share's threshold
    with pytest.warns(UserWarning, match="t never falls and holds whole numbers.*--drop t") as caught:
        assert detect_series(path, *auto).exit_code == 0
    assert len(caught) == 1
    assert detect_series(path, "--drop", "t", "--overwrite", *auto).exit_code == 0
    # left out as the warning says, the time index names each step of the output, as a time column does
    assert (tmp_path / "series.scores.csv").read_text().splitlines()[:2] == ["row,t,score,outlier",
                                                                             "0,1400000000,0,0"]



@pytest.mark.parametrize(("series", "settings", "error", "message"), [
    (np.zeros((60, 5, 2)), {}, ae.DataError, r"shaped \(n_steps,\) or \(n_steps, channels\), got \(60, 5, 2\)"),
    (np.sin(np.arange(8.0)), {}, ae.DataError, "8 time step.*one window of 8.*at least 2"),
    (np.sin(np.arange(100.0)), {"code_size": 0}, ae.ConfigError, "code_size must be >= 1, got 0"),
    (np.sin(np.arange(100.0)), {"epochs": 0}, ae.ConfigError, "epochs must be >= 1, got 0"),
    (np.sin(np.arange(100.0)), {"window": 8.0}, ae.ConfigError, r"window must be a whole number.*got 8\.0.*int\("),
    (np.sin(np.arange(100.0)), {"stride": 2.5}, ae.ConfigError, r"stride must be a whole number.*got 2\.5"),
])
def test_series_scores_name_a_bad_series_or_setting(series, settings, error, message):
    """A 3-D array was an IndexError, one window a complaint about 'X', and code_size=0 or epochs=0 were taken
    as 'the default' without a word; a window or stride of floats (len(series) / 10) was NumPy's IndexError."""
    with pytest.raises(error, match=message):
        ae.applications.series_anomaly_scores(series, **{"window": 8, **settings})


def test_series_scores_name_a_frames_timestamp_column_not_a_float_conversion():
    """A NAB file read with pandas keeps its timestamp column: the frame failed in NumPy with "could not convert
    string to float" (or a TypeError for parsed dates) instead of naming the column to leave out."""
    import pandas as pd

    steps = pd.date_range("2024-01-01", periods=60, freq="h")
    frame = pd.DataFrame({"timestamp": steps.astype(str), "value": np.sin(np.arange(60.0))})
    for series in (frame, frame.assign(timestamp=steps)):
        with pytest.raises(ae.DataError, match=r"timestamp .*not numbers.*drop\(columns=\['timestamp'\]\)"):
            ae.applications.series_anomaly_scores(series, 8)


def test_series_scores_suggest_the_transpose_of_a_series_stored_channels_first():
    """A (channels, n_steps) array was "2 time step(s), fewer than the window length 8", which does not say that
    its 60 columns were taken for channels."""
    series = np.stack([np.sin(np.arange(60.0)), np.cos(np.arange(60.0))])  # (2, 60): channels first
    with pytest.raises(ae.DataError, match=r"2 time step\(s\) of 60 channel\(s\).*\(n_steps, channels\).*series\.T"):
        ae.applications.series_anomaly_scores(series, 8)


def test_channels_last_windows_are_refused_not_reshaped_into_scrambled_channels():
    """Windows (n, length, channels) have as many values as the model's (channels, length): they were reshaped
    without a word, which interleaves the channels. A flat row, or an axis of size 1, still reshapes cleanly."""
    windows = sliding_windows(np.random.default_rng(0).normal(size=(40, 2)), 8)  # (33, 2, 8)
    model = ae.create_model("sequence", input_shape=(2, 8), code_size=2)
    with pytest.raises(ae.DataError, match=r"shape \(8, 2\); the model expects \(2, 8\).*X.transpose\(0, 2, 1\)"):
        ae.encode(model, windows.transpose(0, 2, 1))
    np.testing.assert_array_equal(ae.encode(model, windows.reshape(33, 16)), ae.encode(model, windows))
    one_channel = ae.create_model("sequence", input_shape=(1, 8), code_size=2)
    np.testing.assert_array_equal(ae.encode(one_channel, windows[:, :1].transpose(0, 2, 1)),
                                  ae.encode(one_channel, windows[:, :1]))


def test_a_series_given_to_a_windows_model_is_named_as_time_steps_to_cut_into_windows():
    """A series (n_steps, channels) given to a model of (channels, length) windows (`ae encode RUN --data
    series.csv`) was "samples of shape (2,) ...; the model expects (2, 8)", with no word of cutting windows."""
    model = ae.create_model("sequence", input_shape=(2, 8), code_size=2)
    series = np.random.default_rng(0).normal(size=(40, 2))  # (T, C)
    with pytest.raises(ae.DataError, match=r"rows are time steps of 2 channel\(s\).*sliding_windows\(series, 8\)"):
        ae.encode(model, series)


@pytest.mark.parametrize(("n_steps", "length", "stride"), [(30, 7, 1), (30, 7, 3), (30, 7, 7), (7, 7, 1)])
def test_each_step_scores_the_mean_of_exactly_the_windows_covering_it(n_steps, length, stride):
    """The alignment of step scores with time: step t gets the windows starting in (t - length, t], the last one
    aligned to the end included."""
    from autoencoders.applications.series_anomaly import step_scores

    starts = ae.data.window_starts(n_steps, length, stride)
    window_scores = np.random.default_rng(0).normal(size=len(starts))
    covering = [(starts <= t) & (t < starts + length) for t in range(n_steps)]
    np.testing.assert_allclose(step_scores(window_scores, n_steps, length, stride),
                               [window_scores[mask].mean() for mask in covering])


def test_cli_detect_refuses_an_ensemble_size_for_a_series(tmp_path, scored):
    """--n-estimators sizes the table detector's ensemble; with --window it was taken and ignored."""
    np.save(tmp_path / "series.npy", np.sin(np.arange(60) / 3.0))
    result = detect_series(tmp_path / "series.npy", "--n-estimators", "5")
    assert result.exit_code == 2 and "--n-estimators sizes the ensemble" in result.output and not scored


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_series_scores_train_on_the_gpu_and_score_on_the_cpu():
    """Training on CUDA left the model there, and the windows were scored as CPU tensors: a device error."""
    scores = ae.applications.series_anomaly_scores(np.sin(np.arange(200) / 3.0), 8, epochs=2)
    assert scores.shape == (200,) and np.isfinite(scores).all()


def test_holdout_last_keeps_a_later_stretch_of_windows_out_of_training():
    """holdout="last": the validation windows are the last ones in order (a later stretch of the series), not a
    random share whose near copies (overlapping windows) were trained on."""
    from autoencoders.training.rows import split_validation, training_rows

    train, val = split_validation(10, 0.3, seed=0, holdout="last")
    assert train.tolist() == list(range(7)) and val.tolist() == [7, 8, 9]
    assert sorted(split_validation(10, 0.3, seed=0)[1].tolist()) != [7, 8, 9]  # random: not the last three
    windows = sliding_windows(np.sin(np.arange(120) / 5.0), 8).astype(np.float32)  # (113, 1, 8)
    rows, held = training_rows(windows, None, None, None, sample_shape=(1, 8), device=torch.device("cpu"),
                               validation_fraction=0.2, seed=0, holdout="last")
    np.testing.assert_array_equal(held.X.numpy(), windows[-23:])
    np.testing.assert_array_equal(rows.X.numpy(), windows[:-23])


def test_cli_train_holdout_last_tests_on_the_last_rows(tmp_path):
    from click.testing import CliRunner

    from autoencoders.cli import cli
    from autoencoders.cli._training_rows import _train_test

    path = tmp_path / "windows.npy"
    windows = sliding_windows(np.sin(np.arange(60) / 5.0), 8).astype(np.float32)  # (53, 1, 8)
    np.save(path, windows)

    class Rows:  # the two methods _train_test uses of a data set
        X = windows

        def subset(self, rows):
            return rows

    train, test, rows = _train_test(Rows(), None, 0.2, None, None, seed=0, holdout="last")
    assert train.tolist() == list(range(42)) and test.tolist() == list(range(42, 53))
    assert [r.tolist() for r in rows] == [train.tolist(), test.tolist()]  # the positions in --data
    result = CliRunner().invoke(cli, ["train", "--model", "sequence", "--data", str(path), "--code-size", "2",
                                      "--epochs", "1", "--holdout", "last", "--out", str(tmp_path / "run"),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    assert '"holdout": "last"' in (tmp_path / "run" / "config.json").read_text()


def test_cli_train_sequence_on_a_table_says_each_row_is_one_window(tmp_path):
    """`ae train --model sequence` on a NAB-style CSV (a row per time step) trained on windows of one step each (the
    row's values) and reported a fine PSNR, without a word that no window spans time; a windows .npy says nothing."""
    from click.testing import CliRunner

    from autoencoders.cli import cli

    table = tmp_path / "series.csv"
    table.write_text("value\n" + "".join(f"{np.sin(i / 5.0):.4f}\n" for i in range(60)))
    windows = tmp_path / "windows.npy"
    np.save(windows, sliding_windows(np.sin(np.arange(60) / 5.0), 8).astype(np.float32))  # (53, 1, 8)
    for path, warned in ((table, True), (windows, False)):
        arguments = ["train", "--model", "sequence", "--data", str(path), "--epochs", "1", "--quiet", "--no-report",
                     "--out", str(tmp_path / path.stem)]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = CliRunner().invoke(cli, arguments)
        assert result.exit_code == 0, result.output
        said = [str(w.message) for w in caught if "one window of" in str(w.message)]
        assert len(said) == warned, said
        assert not warned or ("each row as one window of 1 step" in said[0] and "--window LENGTH" in said[0])


def test_cli_detect_warns_of_a_dropped_timestamp_out_of_order(tmp_path, scored):
    """The error for a timestamp column says to --drop it; once dropped, rows whose times go back or repeat were
    scored in file order without a word (windows then splice stretches of time); in order, nothing is said."""
    in_order = [f"2024-01-01 {h:02d}:{m:02d}:00" for h in range(10) for m in (0, 30)]  # 20 steps
    times = list(in_order)
    times[5], times[6] = times[6], times[5]
    times[12] = times[11]
    path = tmp_path / "series.csv"
    path.write_text("timestamp,other,value\n" + "".join(f"{t},{np.cos(i):.3f},{np.sin(i):.3f}\n"
                                                         for i, t in enumerate(times)))
    with pytest.warns(UserWarning, match=r"timestamp goes back at 1 row\(s\), first row 6.*repeats the row before "
                                         r"at 1 row\(s\), first row 12.*file order") as caught:
        assert detect_series(path, "--drop", "timestamp,other").exit_code == 0  # other: a measurement left out
    assert len([w for w in caught if "series.csv" in str(w.message)]) == 1
    path.write_text("timestamp,value\n" + "".join(f"{t},{np.sin(i):.3f}\n" for i, t in enumerate(in_order)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert detect_series(path, "--drop", "timestamp", "--overwrite").exit_code == 0


def test_cli_detect_names_a_window_below_one_as_the_option_given(tmp_path, scored):
    """--window 0 was "window length and stride must be >= 1, got length=0, stride=1": a stride the command has
    no option for, in the Python API's words, found after reading the data."""
    np.save(tmp_path / "flat.npy", np.sin(np.arange(40.0)))
    for value in ("0", "-5"):
        result = detect_series(tmp_path / "flat.npy", "--window", value)
        assert result.exit_code == 2 and "--window" in result.output and "stride" not in result.output, result.output


def test_cli_detect_window_names_the_column_of_a_gap_in_a_series_table(tmp_path):
    """The gap error named the row alone ("contains NaN in 1 row(s), first at row 50"): in a table of several
    channels the user had to search every column of that row."""
    import pandas as pd
    from click.testing import CliRunner

    from autoencoders.cli import cli

    steps = np.arange(200) / 5.0
    temperature = np.cos(steps)
    temperature[50] = np.nan
    pd.DataFrame({"load": np.sin(steps), "temperature": temperature}).to_csv(tmp_path / "gap.csv", index=False)
    result = CliRunner().invoke(cli, ["detect", "--data", str(tmp_path / "gap.csv"), "--window", "16",
                                      "--out", str(tmp_path / "scores.csv")])
    assert result.exit_code == 1 and "first at row 50, column 1 (counting from 0)" in result.output, result.output


def test_cli_detect_window_writes_each_steps_time_stamp_from_the_files_time_column(tmp_path, scored):
    """A NAB-style file (timestamp,value) was refused until --drop timestamp, and then scored against row numbers
    alone: next to the file (or NAB's anomaly windows, given as timestamps) the user had to count rows. Each step
    is now written with its time stamp as the file writes it, the time column taken aside (never a channel);
    files without one keep the row,score,outlier layout."""
    import pandas as pd

    times = [f"2014-02-0{1 + i // 24} {i % 24:02d}:00:00" for i in range(48)]
    values = np.sin(np.arange(48) / 3.0)
    path = tmp_path / "series.csv"
    path.write_text("timestamp,value\n" + "".join(f"{t},{v:.6f}\n" for t, v in zip(times, values, strict=True)))
    for options in ((), ("--drop", "timestamp")):
        result = detect_series(path, "--overwrite", *options)
        assert result.exit_code == 0, result.output
        assert scored[-1].shape == (48, 1)  # the value alone reaches the scorer
        written = pd.read_csv(tmp_path / "series.scores.csv")
        assert list(written.columns) == ["row", "timestamp", "score", "outlier"]
        assert written["timestamp"].tolist() == times and written["row"].tolist() == list(range(48))
        np.testing.assert_allclose(written["score"], values, atol=1e-6)
        assert '"time_column": "timestamp"' in result.output
    result = detect_series(path, "--out", str(tmp_path / "scores.npz"))
    with np.load(tmp_path / "scores.npz") as saved:
        assert saved["times"].tolist() == times and str(saved["time_column"]) == "timestamp"
    np.save(tmp_path / "flat.npy", values)
    assert detect_series(tmp_path / "flat.npy").exit_code == 0
    assert (tmp_path / "flat.scores.csv").read_text().startswith("row,score,outlier\n0,")


def test_cli_detect_window_still_names_a_text_column_that_is_no_time(tmp_path, scored):
    path = tmp_path / "series.csv"
    path.write_text("host,value\n" + "".join(f"web{i % 3},{np.sin(i):.3f}\n" for i in range(40)))
    result = detect_series(path)
    assert result.exit_code == 1 and "host hold(s) text that is not all dates or times" in result.output
    assert "--drop host" in result.output


@pytest.mark.parametrize("months", [["January", "February", "March", "April"], ["Jan", "Feb", "Mar", "Apr"]])
def test_cli_detect_window_takes_a_column_of_month_names_for_a_category_not_the_time_stamps(tmp_path, scored,
                                                                                            months):
    """pandas parses a month name alone as a date (of year 1), so a category column of month names was taken as the
    series' time stamps (with a warning that they go back), and before a real time column it made that one the
    "text that is not all dates or times" to leave out. A time stamp writes a number (a year, a day, an hour):
    the month column is named as text to leave out, and the real time column is still taken aside."""
    times = [f"2014-02-0{1 + i // 24} {i % 24:02d}:00:00" for i in range(48)]
    path = tmp_path / "series.csv"
    path.write_text("month,value\n" + "".join(f"{months[i % 4]},{np.sin(i):.3f}\n" for i in range(48)))
    result = detect_series(path)
    assert result.exit_code == 1 and "month hold(s) text that is not all dates or times" in result.output
    path.write_text("month,timestamp,value\n" + "".join(f"{months[i % 4]},{times[i]},{np.sin(i):.3f}\n"
                                                        for i in range(48)))
    result = detect_series(path, "--drop", "month", "--overwrite")
    assert result.exit_code == 0 and '"time_column": "timestamp"' in result.output, result.output
    # a year apart and a month on (9 to 13 months): no stretch of time skipped
    path.write_text("when,value\n" + "".join(f"{months[i % 4]} {2000 + i},{np.sin(i):.3f}\n" for i in range(48)))
    result = detect_series(path, "--overwrite")  # a month with its year is a time stamp
    assert result.exit_code == 0 and '"time_column": "when"' in result.output, result.output


NO_YEAR = {"day and month": [f"Jan {1 + i % 28}" for i in range(48)],
           "day month": [f"{1 + i % 28} March" for i in range(48)],
           "fractions": [f"{1 + i % 4}/{2 + i % 7}" for i in range(48)],
           "ranks": [["1st", "2nd", "3rd"][i % 3] for i in range(48)], "ages": [f"{2 + i % 6}0s" for i in range(48)]}
WITH_YEAR_OR_CLOCK = {"iso": [f"2014-02-0{1 + i // 24} {i % 24:02d}:00:00" for i in range(48)],
                      "month day year": [f"{['Jan', 'Feb'][i // 31]} {1 + i % 31} 2014" for i in range(48)],
                      "clock": [f"{i // 4:02d}:{i % 4 * 15:02d}" for i in range(48)]}


@pytest.mark.parametrize("cells", NO_YEAR.values(), ids=NO_YEAR)
def test_cli_detect_window_takes_no_column_without_a_year_for_the_time_stamps(tmp_path, scored, cells):
    """Month names alone were refused, but a day and month ("Jan 5", "5 March"), fractions ("3/4"), ranks ("1st")
    and decades of age ("20s") all parse as dates of year 1 (pandas' filler when no year is written): each was
    taken as the series' time stamps, so a category column went aside in silence, or a real series was scored
    against days that repeat every year."""
    path = tmp_path / "series.csv"
    path.write_text("when,value\n" + "".join(f"{cell},{np.sin(i):.3f}\n" for i, cell in enumerate(cells)))
    result = detect_series(path)
    assert result.exit_code == 1, result.output
    assert "when hold(s) text that is not all dates or times (a time stamp writes its year, or is a clock time)" \
        in " ".join(result.output.split())


@pytest.mark.parametrize("cells", WITH_YEAR_OR_CLOCK.values(), ids=WITH_YEAR_OR_CLOCK)
def test_cli_detect_window_still_takes_time_stamps_with_a_year_or_a_clock(tmp_path, scored, cells):
    path = tmp_path / "series.csv"
    path.write_text("when,value\n" + "".join(f"{cell},{np.sin(i):.3f}\n" for i, cell in enumerate(cells)))
    result = detect_series(path)
    assert result.exit_code == 0 and '"time_column": "when"' in result.output, result.output


def test_cli_detect_window_reads_a_file_once_when_drop_names_columns(tmp_path, scored, monkeypatch):
    # the columns left out with --drop were read again, the whole file, to look for the time column among them
    from autoencoders.data import table_files

    reads = []
    for reader in ("read_text_table", "read_text_table_and_texts"):  # the second: the --drop columns' texts too
        read = getattr(table_files, reader)
        monkeypatch.setattr(table_files, reader, lambda *args, read=read, **kwargs: reads.append(args)
                            or read(*args, **kwargs))
    times = [f"2014-02-0{1 + i // 24} {i % 24:02d}:00:00" for i in range(48)]
    path = tmp_path / "series.csv"
    path.write_text("timestamp,host,value\n" + "".join(f"{t},web{i % 3},{np.sin(i):.3f}\n"
                                                        for i, t in enumerate(times)))
    result = detect_series(path, "--drop", "timestamp,host")
    assert result.exit_code == 0 and '"time_column": "timestamp"' in result.output, result.output
    assert len(reads) == 1


def nab_style_csv(path, n_steps: int = 200):
    """A series file as NAB gives them (timestamp,value), with a daily-like cycle; returns (times, values)."""
    times = [str(np.datetime64("2014-07-01T00:00") + np.timedelta64(30 * i, "m")).replace("T", " ") + ":00"
             for i in range(n_steps)]
    values = 100 + 10 * np.sin(np.arange(n_steps) / 4.0)
    path.write_text("timestamp,value\n" + "".join(f"{t},{v:.4f}\n" for t, v in zip(times, values, strict=True)))
    return times, values


def invoke(*arguments):
    from click.testing import CliRunner

    from autoencoders.cli import cli

    return CliRunner().invoke(cli, [str(argument) for argument in arguments])


def test_cli_train_window_trains_on_a_series_files_windows_and_the_run_cuts_series_alike(tmp_path):
    """`ae train` had no way to cut one long series (a NAB file) into windows: the user called sliding_windows in
    Python and saved an .npy. --window/--stride cut them (the time column aside, each channel scaled alike at every
    position), test windows come from the series' last steps, and the run keeps the cut: encode cuts the run's file
    (or the same series as a 1-D .npy) the same way, reconstruct writes the series back against its time stamps."""
    import json

    import pandas as pd

    import autoencoders as ae

    times, values = nab_style_csv(tmp_path / "series.csv")
    run = tmp_path / "run"
    result = invoke("train", "--model", "sequence", "--data", tmp_path / "series.csv", "--window", 16, "--stride", 2,
                    "--code-size", 2, "--epochs", 1, "--quiet", "--no-report", "--out", run)
    assert result.exit_code == 0, result.output
    config = json.loads((run / "config.json").read_text())
    stored = config["extra"]["data"]
    assert (stored["window"], stored["stride"], stored["channels"], stored["time_column"]) == (16, 2, ["value"],
                                                                                                  "timestamp")
    assert config["train_config"]["holdout"] == "last"  # overlapping windows: validation on a later stretch
    metrics = json.loads((run / "metrics.json").read_text())
    assert (metrics["n_train"], metrics["n_test"]) == (73, 13)  # 160 training steps, the last 40 cut apart
    scaler = np.asarray(config["extra"]["scaler"]["offset"]).reshape(config["extra"]["scaler"]["shape"])
    np.testing.assert_allclose(scaler, values[:160].min(), rtol=1e-6)  # (1, 16): one channel, every position alike

    assert invoke("encode", run, "--out", tmp_path / "codes.npy").exit_code == 0
    np.save(tmp_path / "flat.npy", values)
    result = invoke("encode", run, "--data", tmp_path / "flat.npy", "--out", tmp_path / "flat-codes.npy")
    assert result.exit_code == 0 and "(windows of 16 steps, 2 apart)" in result.output, result.output
    model = ae.load_model(run / "model.safetensors")
    windows = sliding_windows(values, 16, 2)  # (93, 1, 16)
    expected = ae.encode(model, ((windows - values[:160].min()) / np.ptp(values[:160])).astype(np.float32))
    np.testing.assert_allclose(np.load(tmp_path / "codes.npy"), expected, atol=1e-4)
    np.testing.assert_allclose(np.load(tmp_path / "flat-codes.npy"), expected, atol=1e-4)
    np.save(tmp_path / "windows.npy", windows[:5])  # cut already: taken as they are, no stride of the run's said
    for command in ("encode", "reconstruct"):  # was "(windows of 16 steps, 2 apart)" of windows it did not cut
        result = invoke(command, run, "--data", tmp_path / "windows.npy", "--out", tmp_path / f"{command}.npy")
        assert result.exit_code == 0 and "5 " in result.output and "(windows of 16 steps) to" in result.output, \
            result.output

    result = invoke("reconstruct", run, "--out", tmp_path / "rebuilt.csv")
    assert result.exit_code == 0 and "200 steps rebuilt from 93" in result.output, result.output
    rebuilt = pd.read_csv(tmp_path / "rebuilt.csv")
    assert list(rebuilt.columns) == ["timestamp", "value"] and rebuilt["timestamp"].tolist() == times
    result = invoke("evaluate", run)
    assert result.exit_code == 0 and '"n_samples": 93' in result.output, result.output


@pytest.mark.parametrize(("arguments", "message"), [
    (("--window", 300), "200 time step(s), fewer than the window length 300"),
    (("--window", 16, "--stride", 20), "20 is longer than --window 16"),
    (("--stride", 2), "--stride sets how far apart the windows of --window start"),
    (("--window", 16, "--label-column", "value"), "--label-column labels rows"),
    # NAB-style labels are per step: leaving out the option alone would train on the labels as a channel
    (("--window", 16, "--label-column", "value"), "leave the column out with --drop value (without it, the labels "
                                                  "would be a channel) and give ae detect RUN --label-column value"),
    (("--window", 16, "--stream"), "--stream reads rows"),
    (("--window", 16, "--test-fraction", 0.05), "last 0.05 of steps held out for testing (10 of 200) is shorter "
                                                 "than --window 16"),
    (("--window", 50, "--test-fraction", 0.75), "last 150 of 200 steps for testing (--test-fraction 0.75) leaves 50 "
                                                 "to train on, fewer than 2 windows of 50 steps 1 apart need"),
    (("--window", 16, "--data", "digits"), "holds samples of shape (1, 8, 8), not the time steps of a series"),
    (("--window", 16, "--backbone", "conv"), "(channels, length) = (1, 16), which the sequence backbone is made for"),
])
def test_cli_train_window_names_bad_values_before_training(tmp_path, arguments, message):
    nab_style_csv(tmp_path / "series.csv")
    arguments = ("--data", tmp_path / "series.csv", *arguments) if "--data" not in arguments else arguments
    result = invoke("train", "--model", "sequence", *arguments, "--epochs", 1, "--quiet", "--out", tmp_path / "run")
    assert result.exit_code != 0 and message in " ".join(result.output.split()), result.output
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_cli_train_window_refuses_a_table_whose_rows_are_no_time_steps(tmp_path):
    """A table with a text column that is no time (a category) cannot be a series of numeric channels."""
    path = tmp_path / "people.csv"
    path.write_text("grade,income\n" + "".join(f"{'abc'[i % 3]},{1000 + i * 7 % 13}\n" for i in range(60)))
    result = invoke("train", "--model", "sequence", "--data", path, "--window", 8, "--epochs", 1, "--quiet",
                    "--out", tmp_path / "run")
    assert result.exit_code == 1 and "grade hold(s) text that is not all dates or times" in result.output


def test_cli_windows_run_resumes_with_its_cut_and_exports_windows(tmp_path):
    """A windows run resumed keeps its window and stride (stored with the data); its ONNX graph takes windows."""
    import json

    nab_style_csv(tmp_path / "series.csv")
    run = tmp_path / "run"
    base = ("--model", "sequence", "--data", tmp_path / "series.csv", "--window", 16, "--code-size", 2, "--quiet",
            "--no-report", "--out", run)
    assert invoke("train", *base, "--epochs", 1).exit_code == 0
    result = invoke("train", "--out", run, "--resume", "--epochs", 2, "--quiet", "--no-report")
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["n_train"] == 160 - 16 + 1
    result = invoke("train", "--out", run, "--resume", "--epochs", 3, "--window", 8)
    assert result.exit_code != 0 and "--window 8 disagrees with the run's stored 16" in result.output, result.output
    # named again, the model (or --window, which makes it the default) brings the sequence backbone's --channels,
    # which the run's stored channels of the series (["value"]) overwrote: "channels must be an integer"
    for epochs, again in ((3, ("--model", "sequence")), (4, ("--window", 16))):
        result = invoke("train", "--out", run, "--resume", "--epochs", epochs, "--quiet", "--no-report", *again)
        assert result.exit_code == 0, (again, result.output)
    pytest.importorskip("onnxruntime")
    assert invoke("export", run).exit_code == 0


def test_cli_report_of_a_windows_run_counts_windows_and_says_how_they_were_cut(tmp_path):
    """The report of a run trained with --window counted "training rows" and "test rows" with no word of the
    windows' length, stride or series."""
    import html

    nab_style_csv(tmp_path / "series.csv")
    run = tmp_path / "run"
    result = invoke("train", "--model", "sequence", "--data", tmp_path / "series.csv", "--window", 16, "--stride", 4,
                    "--code-size", 2, "--epochs", 1, "--quiet", "--out", run)
    assert result.exit_code == 0, result.output
    page = html.unescape((run / "report.html").read_text())
    assert "training windows" in page and "test windows" in page and "training rows" not in page
    assert "16 steps, 4 apart, from the series' channel(s) value (time column timestamp)" in page


def test_cli_train_window_names_a_level_shift_when_the_test_stretch_is_reconstructed_worse_than_its_mean(tmp_path):
    """NAB's ec2_cpu_utilization_5f5533 (--window 64 --stride 4): the model reconstructed the series' last steps
    worse than their mean, and the warning said only "not trained enough or diverged"; its last stretch sits at
    another level, which --remove-level fixes (the warning goes). A model that removes levels is not told so."""
    path = tmp_path / "shifted.csv"
    steps = np.arange(300)
    values = 50 + np.sin(steps / 3.0) + np.where(steps >= 240, 40, 0)  # the last fifth 40 higher
    path.write_text("value\n" + "".join(f"{v:.4f}\n" for v in values))
    base = ("train", "--model", "sequence", "--data", path, "--window", 16, "--stride", 4, "--epochs", 2, "--quiet",
            "--no-report", "--loss", "mse")
    result = invoke(*base, "--out", tmp_path / "kept")
    assert result.exit_code == 0 and "reconstructs the test rows worse than their mean" in result.output
    assert "another level than the training steps, which --remove-level" in " ".join(result.output.split())
    result = invoke(*base, "--remove-level", "--out", tmp_path / "removed")
    assert result.exit_code == 0 and "--remove-level lets" not in " ".join(result.output.split()), result.output
    # Audit 43: a VAE's code cannot carry the level, so --remove-level (refused with it) is no advice for one
    result = invoke(*base, "--objective", "vae", "--beta", 0, "--out", tmp_path / "vae")
    assert result.exit_code == 0 and "reconstructs the test rows worse than their mean" in result.output
    assert "--remove-level" not in result.output, result.output


def test_cli_search_cuts_a_query_series_into_windows_on_a_windows_run(tmp_path):
    """`ae search RUN --query series.csv` on a run trained with --window read the query's rows as samples and was
    refused ("samples of shape (1,) ...; the model expects (1, 16)"); it is cut as the run's data is."""
    import json

    times, values = nab_style_csv(tmp_path / "series.csv")
    (tmp_path / "query.csv").write_text("timestamp,value\n" + "".join(
        f"{t},{v:.4f}\n" for t, v in zip(times[:40], values[:40], strict=True)))
    run = tmp_path / "run"
    assert invoke("train", "--model", "sequence", "--data", tmp_path / "series.csv", "--window", 16, "--stride", 2,
                  "--code-size", 2, "--epochs", 1, "--quiet", "--no-report", "--out", run).exit_code == 0
    result = invoke("search", run, "--query", tmp_path / "query.csv", "-k", 1)
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)["results"]
    assert len(found) == 13  # windows of 16 steps, 2 apart, in 40 steps
    assert found[0]["neighbours"] == [0] and found[0]["distances"] == [0.0]  # the same window of the run's series


def test_cli_windows_run_keeps_its_time_index_column_aside_in_later_commands(tmp_path):
    """A run trained with --drop t (epoch seconds, as the time-index warning advises) read its own file without
    --drop in `ae reconstruct`: t was neither a channel nor named, so the series came back without its times."""
    import pandas as pd

    path = tmp_path / "series.csv"
    path.write_text("t,load\n" + "".join(f"{1_400_000_000 + 300 * i},{np.sin(i / 4.0):.4f}\n" for i in range(120)))
    run = tmp_path / "run"
    result = invoke("train", "--model", "sequence", "--data", path, "--drop", "t", "--window", 16, "--code-size", 2,
                    "--epochs", 1, "--quiet", "--no-report", "--out", run)
    assert result.exit_code == 0, result.output
    assert invoke("reconstruct", run, "--out", tmp_path / "rebuilt.csv").exit_code == 0
    rebuilt = pd.read_csv(tmp_path / "rebuilt.csv")
    assert list(rebuilt.columns) == ["t", "load"] and rebuilt["t"].iloc[-1] == 1_400_000_000 + 300 * 119


def test_cli_windows_run_trained_on_an_array_takes_a_table_series_later(tmp_path):
    """A run trained on a 1-D .npy named its channel "channel 0", and a NAB-style CSV given to it later was refused
    for lacking a column of that name; an array's channels have no names to pick by, so the table's numeric
    columns are taken (the time column aside) and only their number must match."""
    times, values = nab_style_csv(tmp_path / "series.csv")
    np.save(tmp_path / "flat.npy", values)
    run = tmp_path / "run"
    assert invoke("train", "--model", "sequence", "--data", tmp_path / "flat.npy", "--window", 16, "--code-size", 2,
                  "--epochs", 1, "--quiet", "--no-report", "--out", run).exit_code == 0
    for data in ("flat.npy", "series.csv"):
        result = invoke("encode", run, "--data", tmp_path / data, "--out", tmp_path / f"{data}.npy")
        assert result.exit_code == 0, result.output
    np.testing.assert_allclose(np.load(tmp_path / "series.csv.npy"), np.load(tmp_path / "flat.npy.npy"), atol=1e-4)
    (tmp_path / "two.csv").write_text("a,b\n" + "".join(f"{v},{v}\n" for v in values))
    result = invoke("encode", run, "--data", tmp_path / "two.csv", "--out", tmp_path / "two.npy")
    assert result.exit_code == 1 and "a series of 2 channel(s); the run was trained on windows of 1 channel(s)" \
        in result.output, result.output


def test_cli_detect_window_quotes_a_time_stamp_that_holds_a_comma(tmp_path, scored):
    """Time stamps are written as the file writes them, so one such as "Jul 1, 2014 00:00" is quoted, not split
    over two columns of the output."""
    import pandas as pd

    times = [f"Jul {1 + i // 24}, 2014 {i % 24:02d}:00" for i in range(48)]
    path = tmp_path / "series.csv"
    path.write_text("when,value\n" + "".join(f'"{t}",{np.sin(i / 3.0):.4f}\n' for i, t in enumerate(times)))
    assert detect_series(path).exit_code == 0
    written = pd.read_csv(tmp_path / "series.scores.csv")
    assert list(written.columns) == ["row", "when", "score", "outlier"] and written["when"].tolist() == times


def test_cli_train_window_without_a_model_trains_the_sequence_autoencoder_made_for_windows(tmp_path):
    """`ae train --window 16` without --model trained the default deep MLP on flattened windows, although
    `sequence` is the model made for them; --window now makes `sequence` the default (its options are parsed, as
    --remove-level here), a named model (--model deep) or backbone (--backbone mlp) is kept, and --objective alone
    swaps the sequence preset's objective."""
    import json

    nab_style_csv(tmp_path / "series.csv")
    base = ("--data", tmp_path / "series.csv", "--window", 16, "--code-size", 2, "--epochs", 1, "--quiet",
            "--no-report")
    cases = [(("--remove-level",), "sequence", "plain"), (("--model", "deep"), "mlp", "plain"),
             (("--backbone", "mlp"), "mlp", "plain"), (("--objective", "vae"), "sequence", "vae")]
    for given, backbone, objective in cases:
        run = tmp_path / "-".join(map(str, given)).strip("-")
        result = invoke("train", *base, *given, "--out", run)
        assert result.exit_code == 0, result.output
        config = json.loads((run / "config.json").read_text())["model_config"]
        assert (config["backbone"]["name"], config["objective"]["name"]) == (backbone, objective), given
    assert json.loads((tmp_path / "remove-level" / "config.json").read_text())["model_config"]["backbone"][
        "remove_level"] is True
    assert "with --window, sequence unless --backbone is given" in " ".join(invoke("train", "--help").output.split())


def test_cli_detect_scores_each_step_of_a_series_with_a_windows_run(tmp_path):
    """A run trained with `ae train --window` could not score a series: `ae detect --window` fits its own model.
    `ae detect RUN` cuts the series (the run's own file by default) as the run's were, scores its windows with the
    run's model the way `ae detect --window` scores its own (each window's "sum" score, then each step the mean
    over its windows) and writes row,TIME,score,outlier; per-step labels give ROC-AUC. Since Series 43 the windows'
    statistics and the flagged share are the run's training windows' (its first 160 steps: the last 40 were held
    out for testing), not those of the windows scored (ScoredMember.training_sum of them, 10 flags of 200). Since
    Series 48 the share is taken of the held-out steps' scores where they are enough: 25 past their first 15 are
    fewer than the 16 / 0.05 = 320 that --contamination 0.05 needs, so here it is still of the training steps'."""
    import json

    import pandas as pd

    from autoencoders.applications.anomaly import ScoredMember
    from autoencoders.applications.series_anomaly import step_scores

    times, values = nab_style_csv(tmp_path / "series.csv")
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "series.csv", "--window", 16, "--stride", 2, "--code-size", 2,
                  "--epochs", 1, "--quiet", "--no-report", "--out", run).exit_code == 0
    result = invoke("detect", run, "--out", tmp_path / "scores.csv", "--contamination", 0.05)
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "scores.csv")
    assert list(written.columns) == ["row", "timestamp", "score", "outlier"] and written["timestamp"].tolist() == times
    model = ae.load_model(run / "model.safetensors")
    low, spread = values[:160].min(), np.ptp(values[:160])  # the run's scaler: min-max on its training steps
    windows = ((sliding_windows(values, 16, 2) - low) / spread).astype(np.float32)  # (93, 1, 16)
    training = windows[:73]  # (73, 1, 16): those within the first 160 steps, the run's training windows
    scored, trained = ScoredMember.reference_sum(model, windows, training)  # (93,), (73,)
    expected = step_scores(scored, 200, 16, 2)  # (200,)
    np.testing.assert_allclose(written["score"], expected, rtol=1e-5)
    threshold = np.quantile(step_scores(trained, 160, 16, 2), 0.95)  # 5% of the training steps' scores
    summary = json.loads(result.output)
    assert np.isclose(summary["threshold"], threshold, rtol=1e-5)
    assert (written["outlier"] == (expected > threshold)).all() and summary["flagged"] == written["outlier"].sum()
    assert (summary["run"], summary["data"]) == (str(run), str(tmp_path / "series.csv"))  # not the default digits

    labels = (np.arange(200) >= 180).astype(int)
    pd.DataFrame({"timestamp": times, "value": values, "label": labels}).to_csv(tmp_path / "labelled.csv", index=False)
    result = invoke("detect", run, "--data", tmp_path / "labelled.csv", "--label-column", "label", "--out",
                    tmp_path / "labelled.npz")
    assert result.exit_code == 0 and "roc_auc" in json.loads(result.output), result.output
    np.testing.assert_allclose(np.load(tmp_path / "labelled.npz")["score"], expected, rtol=1e-5)


def test_cli_detect_with_a_run_reads_its_own_file_once(tmp_path, monkeypatch):
    """Tidy 50: `ae detect RUN` with --data left out read the run's file twice, once as the series to score and
    once as the run's training steps to measure it against, where the first read, checked by the digest the run keeps
    of its training rows, is the second; another --data is read once, and the run's file once."""
    import json
    from pathlib import Path

    from autoencoders.data import table_files

    nab_style_csv(tmp_path / "series.csv")
    nab_style_csv(tmp_path / "other.csv", n_steps=120)
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "series.csv", "--window", 16, "--stride", 2, "--code-size", 2,
                  "--epochs", 1, "--quiet", "--no-report", "--out", run).exit_code == 0
    reads, read = [], table_files.read_text_table
    monkeypatch.setattr(table_files, "read_text_table", lambda *args: reads.append(Path(args[0]).name) or read(*args))
    summaries = []
    for name, data in [("own", ()), ("other", ("--data", tmp_path / "other.csv"))]:
        result = invoke("detect", run, *data, "--contamination", 0.05, "--out", tmp_path / f"{name}_scores.csv")
        assert result.exit_code == 0, result.output
        summaries.append(json.loads(result.output))
    assert reads == ["series.csv", "other.csv", "series.csv"]
    assert summaries[0]["threshold"] == summaries[1]["threshold"]  # measured on the same training steps


def test_cli_detect_with_a_run_counts_the_flags_among_the_steps_fewer_windows_cover(tmp_path):
    """Tidy 50: the first and last window - 1 steps of a series are each the mean of fewer windows than the steps
    between them (the first and the last of one), so their scores spread wider, and against a threshold measured on
    steps most of which are covered whole they were flagged more often than the share asked, without a word (on
    12 clean continuations of a clean run at --contamination 0.1: 23% of the first 15 steps and 36% of the last 15,
    6% of the steps between). The JSON summary now counts the flags among them, as the README and --help explain."""
    import json

    import pandas as pd

    nab_style_csv(tmp_path / "series.csv")
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "series.csv", "--window", 16, "--stride", 2, "--code-size", 2,
                  "--epochs", 1, "--quiet", "--no-report", "--out", run).exit_code == 0
    result = invoke("detect", run, "--contamination", 0.2, "--out", tmp_path / "scores.csv")
    assert result.exit_code == 0, result.output
    flagged = pd.read_csv(tmp_path / "scores.csv")["outlier"].to_numpy()
    assert json.loads(result.output)["flagged_in_end_steps"] == flagged[:15].sum() + flagged[-15:].sum()


def test_cli_detect_with_a_run_measures_a_series_against_the_windows_the_run_trained_on(tmp_path):
    """`ae detect RUN` normalised each window's score with the statistics of the windows it scored and flagged the
    top share of the scored steps: a new stretch abnormal throughout was ranked against itself and got only its top
    share flagged, and a clean new stretch had its top share flagged all the same. The statistics and the threshold
    now come from the run's training windows (its own file less the steps held out for testing), as a fitted
    detector measures new rows against its training rows."""
    import json

    import pandas as pd

    rng = np.random.default_rng(0)

    def noisy_sine(n_steps: int, start: int = 0, period: float = 20.0, amplitude: float = 1.0) -> np.ndarray:
        return amplitude * np.sin(2 * np.pi * (start + np.arange(n_steps)) / period) + 0.1 * rng.normal(size=n_steps)

    for name, values in [("clean", noisy_sine(600)), ("new_clean", noisy_sine(240, start=600)),
                         ("abnormal", noisy_sine(120, period=7.0, amplitude=2.5))]:
        pd.DataFrame({"value": values}).to_csv(tmp_path / f"{name}.csv", index=False)
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "clean.csv", "--window", 16, "--stride", 2, "--code-size", 2,
                  "--epochs", 5, "--quiet", "--no-report", "--out", run).exit_code == 0

    def flags(name: str, *data) -> tuple[np.ndarray, dict]:
        out = tmp_path / f"{name}_scores.csv"
        result = invoke("detect", run, *data, "--contamination", 0.02, "--out", out)
        assert result.exit_code == 0, result.output
        return pd.read_csv(out)["outlier"].to_numpy(), json.loads(result.output)

    abnormal, summary = flags("abnormal", "--data", tmp_path / "abnormal.csv")
    assert abnormal.all()  # was 2 of 120: its own top 2%
    # Series 48: its 105 held-out steps past their first 15 are fewer than the 16 / 0.02 = 800 a threshold of them
    # needs, so it is still the training steps', as said
    said = f"the run's training steps: the first 480 of {tmp_path / 'clean.csv'} (its last 120, held out for testing"
    assert summary["threshold_measured_on"].startswith(said)
    assert flags("new_clean", "--data", tmp_path / "new_clean.csv")[0].sum() <= 1  # was 4 of 240: its own top 2%
    own, _ = flags("own")  # --data left out: the run's file, its training stretch flagged about 2% as asked
    assert len(own) == 600 and abs(own[:480].mean() - 0.02) < 0.01

    # the training file is read as training read it: a delimiter given for another file is not applied to it
    pd.DataFrame({"value": noisy_sine(120, start=600)}).to_csv(tmp_path / "semicolons.csv", index=False, sep=";")
    assert flags("semicolons", "--data", tmp_path / "semicolons.csv", "--delimiter", ";")[0].sum() <= 1


def test_cli_detect_with_a_run_takes_its_threshold_of_the_steps_it_held_out(tmp_path):
    """The threshold was the share asked of the training steps' scores, which are in sample (the model fitted
    them), so unseen clean steps crossed it more often or less than asked. It is now taken of the run's held-out
    test steps (past their first window - 1, which windows holding training steps cover), scored under the
    training windows' statistics: those steps flag the share asked, up to the quantile's interpolation (0.5%),
    and a fresh clean continuation flags within a factor of 2 of it (step scores of overlapping windows move
    together, so a share measured on 1,185 steps is that of some 74 independent windows: over seeds 0-5 of this
    very set-up the continuation flagged 1.9-9.9%). A share too small for the held-out steps to hold enough above
    it falls back to the training steps, said (fewer than a window's length of held-out steps above it: window /
    share)."""
    import json

    import pandas as pd

    rng = np.random.default_rng(0)

    def noisy_sine(n_steps: int, start: int = 0) -> np.ndarray:
        return np.sin(2 * np.pi * (start + np.arange(n_steps)) / 20.0) + 0.1 * rng.normal(size=n_steps)

    for name, values in [("clean", noisy_sine(2400)), ("next", noisy_sine(1500, start=2400))]:
        pd.DataFrame({"value": values}).to_csv(tmp_path / f"{name}.csv", index=False)
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "clean.csv", "--window", 16, "--stride", 4, "--test-fraction", 0.5,
                  "--code-size", 2, "--epochs", 2, "--quiet", "--no-report", "--out", run).exit_code == 0

    def flags(name: str, contamination: float, *data) -> tuple[np.ndarray, dict]:
        out = tmp_path / f"{name}_scores.csv"
        result = invoke("detect", run, *data, "--contamination", contamination, "--out", out)
        assert result.exit_code == 0, result.output
        return pd.read_csv(out)["outlier"].to_numpy(), json.loads(result.output)

    own, summary = flags("own", 0.05)
    # here the held-out steps score lower than the training steps (an undertrained model: its in-sample scores are
    # not the lower ones), so the larger of the two thresholds is the training steps' (see the test below)
    assert summary["threshold_measured_on"].startswith(
        f"the run's training steps: the first 1200 of {tmp_path / 'clean.csv'} (the threshold of its held-out")
    assert abs(own[:1200].mean() - 0.05) <= 0.005 and own[-1185:].mean() <= 0.05
    assert flags("next", 0.05, "--data", tmp_path / "next.csv")[0].mean() <= 0.1

    _, summary = flags("tiny", 0.01)  # 16 / 0.01 = 1,600 steps needed, 1,185 held
    assert summary["threshold_measured_on"].startswith(f"the run's training steps: the first 1200 of "
                                                       f"{tmp_path / 'clean.csv'} (its last 1200, held out")
    assert "fewer than the 1600 a threshold needs here" in summary["threshold_measured_on"]


def test_cli_detect_with_a_run_flags_at_most_the_share_asked_of_its_training_or_its_held_out_steps(tmp_path):
    """A threshold taken of the held-out steps alone flagged a drifting series nearly whole: on NAB's
    ec2_cpu_utilization_5f5533, whose last steps are calmer than the rest, 3,144 of 4,032 steps at
    --contamination 0.1. The threshold is now the larger of the held-out steps' and the training steps' own, so
    neither stretch is flagged beyond the share asked: here a calm held-out tail leaves the training steps'
    threshold, and a held-out stretch noisier than the training one (the in-sample scores lower) its own."""
    import json

    import pandas as pd

    rng = np.random.default_rng(0)
    wave = np.sin(2 * np.pi * np.arange(2400) / 20.0)
    runs = {"calm_tail": np.where(np.arange(2400) < 1200, 0.3, 0.03), "noisy_tail": np.where(
        np.arange(2400) < 1200, 0.03, 0.3)}
    for name, noise in runs.items():
        pd.DataFrame({"value": wave + noise * rng.normal(size=2400)}).to_csv(tmp_path / f"{name}.csv", index=False)
        assert invoke("train", "--data", tmp_path / f"{name}.csv", "--window", 16, "--stride", 4, "--test-fraction",
                      0.5, "--code-size", 2, "--epochs", 2, "--quiet", "--no-report", "--out",
                      tmp_path / name).exit_code == 0
        # tidy 49: told, as the two stretches score differently (the lower threshold flags 65% of the training
        # steps (calm tail), the higher 44% of the held-out ones (noisy tail), where Series 48's clean run above,
        # which must not warn, has 9.3%: 1.9 times the 5% asked)
        lower, higher = ("held-out", "training") if name == "calm_tail" else ("training", "held-out")
        with pytest.warns(HeldOutDriftWarning, match=f"the run's {lower} steps score lower than its {higher} steps"
                          ) as caught:
            result = invoke("detect", tmp_path / name, "--contamination", 0.05, "--out",
                            tmp_path / f"{name}.scores.csv")
        assert result.exit_code == 0, result.output
        assert "retrain on recent steps" in str(caught[0].message)
        flagged = pd.read_csv(tmp_path / f"{name}.scores.csv")["outlier"].to_numpy()
        assert flagged[:1200].mean() <= 0.055 and flagged[-1185:].mean() <= 0.055, (name, flagged.mean())
        measured_on = json.loads(result.output)["threshold_measured_on"]
        assert measured_on.startswith("the run's training steps" if name == "calm_tail" else "the run's held-out")


def test_cli_detect_with_a_run_too_few_held_out_steps_for_a_threshold_still_warns_of_them_scoring_higher(tmp_path):
    """Tidy 50: where the held-out steps are too few for a threshold of their own (the training steps' is taken),
    nothing compared the two stretches, and a held-out tail far noisier than the training stretch went unsaid though
    the README says a drift is warned of. The training steps' threshold now warns where it flags more than 3 times
    as much of the held-out steps as of the training steps (at least a window's length of the held-out steps); a
    calm tail, flagged less, is no warning (nor is a clean run's: the other tests of `ae detect RUN`)."""
    import json

    import pandas as pd

    rng = np.random.default_rng(0)
    wave = np.sin(2 * np.pi * np.arange(2400) / 20.0)
    for name, noise in {"noisy_tail": np.where(np.arange(2400) < 1920, 0.03, 0.3),
                        "calm_tail": np.where(np.arange(2400) < 1920, 0.3, 0.03)}.items():
        pd.DataFrame({"value": wave + noise * rng.normal(size=2400)}).to_csv(tmp_path / f"{name}.csv", index=False)
        assert invoke("train", "--data", tmp_path / f"{name}.csv", "--window", 16, "--stride", 4, "--code-size", 2,
                      "--epochs", 2, "--quiet", "--no-report", "--out", tmp_path / name).exit_code == 0
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = invoke("detect", tmp_path / name, "--contamination", 0.02, "--out",
                            tmp_path / f"{name}.scores.csv")
        assert result.exit_code == 0, result.output
        # 480 held out, 465 past their first 15: fewer than the 16 / 0.02 = 800 a threshold of them needs
        assert "fewer than the 800 a threshold needs here" in json.loads(result.output)["threshold_measured_on"]
        drifts = [str(w.message) for w in caught if issubclass(w.category, HeldOutDriftWarning)]
        if name == "calm_tail":
            assert drifts == []
            continue
        assert len(drifts) == 1 and drifts[0].startswith("the run's held-out steps score higher than its training "
                                                         "steps: the training steps' threshold"), drifts
        assert "retrain on recent steps" in drifts[0]


def test_cli_detect_with_a_run_given_test_data_measures_against_every_step_of_its_file(tmp_path):
    """A run given --test-data held none of its own series out: all its steps are the training steps the
    threshold is measured on (the split ae train made, held_out_steps, not one copied here)."""
    import json

    nab_style_csv(tmp_path / "series.csv")
    nab_style_csv(tmp_path / "test.csv", n_steps=60)
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "series.csv", "--test-data", tmp_path / "test.csv", "--window", 16,
                  "--code-size", 2, "--epochs", 1, "--quiet", "--no-report", "--out", run).exit_code == 0
    result = invoke("detect", run, "--contamination", 0.05, "--out", tmp_path / "scores.csv")
    summary = json.loads(result.output)
    assert summary["threshold_measured_on"].startswith(  # Series 48: says why, and what in-sample scores mean
        f"the run's training steps: all 200 of {tmp_path / 'series.csv'} (it held none out for testing; in-sample")
    assert summary["flagged"] == 10  # 5% of the 200 steps it was measured on, the very steps scored


def test_cli_detect_with_a_run_whose_training_file_is_gone_says_so(tmp_path):
    """The run's training file moved away: a series given with --data cannot be measured against the run's
    training windows, and is refused by name rather than ranked against itself (what the scores meant before)."""
    nab_style_csv(tmp_path / "series.csv")
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "series.csv", "--window", 16, "--code-size", 2, "--epochs", 1,
                  "--quiet", "--no-report", "--out", run).exit_code == 0
    (tmp_path / "series.csv").rename(tmp_path / "moved.csv")
    result = invoke("detect", run, "--data", tmp_path / "moved.csv", "--out", tmp_path / "scores.csv")
    said = " ".join(result.output.split())
    assert result.exit_code != 0 and f"trained on {tmp_path / 'series.csv'}, which is no longer there" in said, said
    assert "measures each step against the windows the run trained on" in said
    assert not (tmp_path / "scores.csv").exists()


def test_cli_detect_with_a_run_names_what_does_not_fit(tmp_path):
    """Options of a detector fitted by `ae detect` itself, a run not trained on windows and windows cut already
    are each refused with what to do, before any output is written."""
    nab_style_csv(tmp_path / "series.csv")
    run, rows = tmp_path / "run", tmp_path / "rows"
    assert invoke("train", "--data", tmp_path / "series.csv", "--window", 16, "--code-size", 2, "--epochs", 1,
                  "--quiet", "--no-report", "--out", run).exit_code == 0
    np.save(tmp_path / "rows.npy", np.random.default_rng(0).normal(size=(40, 3)))
    assert invoke("train", "--data", tmp_path / "rows.npy", "--code-size", 2, "--epochs", 1, "--quiet",
                  "--no-report", "--out", rows).exit_code == 0
    np.save(tmp_path / "windows.npy", sliding_windows(np.arange(40.0), 16))
    out = tmp_path / "scores.csv"
    for arguments, message in [((run, "--window", 16), "the run's windows (16 steps, 1 apart) are cut"),
                               ((run, "--n-estimators", 3), "--n-estimators sizes the ensemble"),
                               ((run, "--explain"), "--explain names table columns"),
                               ((run, "--seed", 1), "with RUN the run's trained model scores the series"),
                               ((rows,), "was not trained on the windows of a series (ae train --window)"),
                               ((run, "--data", tmp_path / "windows.npy"), "holds windows cut already"),
                               # the file given without --data was "not a readable checkpoint (corrupt or truncated?)"
                               ((tmp_path / "series.csv", "--window", 8), "a file to score goes in --data")]:
        result = invoke("detect", *arguments, "--out", out)
        assert result.exit_code != 0 and message in " ".join(result.output.split()), (arguments, result.output)
        assert not out.exists()


def test_a_windows_run_of_the_default_model_resumes_with_its_model_options_given_again(tmp_path):
    """A run's model options may be given again on --resume (checked against the stored ones), but they were
    parsed as the default deep model's: `--channels 8,16` again on a sequence run (now the default with --window)
    was "No such option '--channels'"; the resumed run's own model is parsed."""
    nab_style_csv(tmp_path / "series.csv")
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "series.csv", "--window", 16, "--channels", "8,16", "--code-size", 2,
                  "--epochs", 1, "--quiet", "--no-report", "--out", run).exit_code == 0
    result = invoke("train", "--out", run, "--resume", "--epochs", 2, "--channels", "8,16", "--quiet", "--no-report")
    assert result.exit_code == 0, result.output
    result = invoke("train", "--out", run, "--resume", "--epochs", 3, "--channels", "4,8")
    assert result.exit_code != 0 and "--channels [4, 8] disagrees with the run's stored [8, 16]" in result.output, \
        result.output


def test_a_label_column_left_out_is_no_time_index_even_when_its_one_anomaly_runs_to_the_end(tmp_path, scored):
    """`ae train --window` says to leave a per-step label column out with --drop; a 0/1 label whose one anomaly
    runs to the series' end never falls and holds whole numbers, so it was taken for a time index and written as
    the steps' time stamps (and stored as the run's time column). A time index takes a new value on most steps."""
    path = tmp_path / "series.csv"
    path.write_text("value,label\n" + "".join(f"{np.sin(i / 3):.3f},{int(i >= 50)}\n" for i in range(60)))
    result = detect_series(path, "--drop", "label")
    assert result.exit_code == 0 and "time_column" not in result.output, result.output
    assert (tmp_path / "series.scores.csv").read_text().startswith("row,score,outlier\n")


def edited_run(tmp_path):
    """A run trained on the windows of series.csv, whose value at step 50 is then edited (the length kept)."""
    times, values = nab_style_csv(tmp_path / "series.csv")
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "series.csv", "--window", 16, "--code-size", 2, "--epochs", 1,
                  "--quiet", "--no-report", "--out", run).exit_code == 0
    values[50] += 30.0
    (tmp_path / "series.csv").write_text("timestamp,value\n" + "".join(
        f"{t},{v:.4f}\n" for t, v in zip(times, values, strict=True)))
    return run


def test_cli_detect_with_a_run_whose_training_file_was_edited_says_so(tmp_path):
    """The run's training file edited since training: its windows read again are not those the model saw, and
    the scores were measured against them all the same. The digest the run keeps of its training rows tells."""
    run = edited_run(tmp_path)
    nab_style_csv(tmp_path / "other.csv")
    result = invoke("detect", run, "--data", tmp_path / "other.csv", "--out", tmp_path / "scores.csv")
    said = " ".join(result.output.split())
    assert result.exit_code != 0 and f"{tmp_path / 'series.csv'} has changed since the run trained on it" in said, said
    assert not (tmp_path / "scores.csv").exists()


def test_cli_train_resume_of_a_run_whose_training_file_was_edited_names_the_file(tmp_path):
    """--resume refused it already, naming only the run's state file: "trained on other values than this data's"."""
    run = edited_run(tmp_path)
    result = invoke("train", "--out", run, "--resume", "--epochs", 2, "--quiet", "--no-report")
    said = " ".join(result.output.split())
    assert result.exit_code != 0 and f"{tmp_path / 'series.csv'} has changed since the run trained on it" in said, said


def test_cli_detect_refuses_a_time_column_named_as_a_score_column_before_any_work(tmp_path, scored):
    """A series' step number left out as ``row`` (or a time column called ``score``) was written beside the steps
    under the name of ``--out``'s own column: ``row,row,score,outlier``, read back as ``row`` and ``row.1``. Refused,
    naming it, before fitting (--window) or scoring (RUN); an .npz (its times in an array) is written (tidy 51)."""
    path, out = tmp_path / "series.csv", tmp_path / "s.csv"
    path.write_text("row,value\n" + "".join(f"{i},{np.sin(i / 3):.3f}\n" for i in range(60)))
    result = invoke("detect", "--data", path, "--drop", "row", "--window", 8, "--out", out)
    assert result.exit_code == 2 and not out.exists() and not scored
    assert "the series' time column row would be written beside the rows under the name(s) of --out's own columns" \
        in " ".join(result.output.split()), result.output
    result = invoke("detect", "--data", path, "--drop", "row", "--window", 8, "--out", tmp_path / "s.npz")
    assert result.exit_code == 0 and '"time_column": "row"' in result.output, result.output
    run = tmp_path / "run"
    result = invoke("train", "--model", "sequence", "--data", path, "--drop", "row", "--window", 8, "--code-size", 2,
                    "--epochs", 1, "--quiet", "--no-report", "--out", run)
    assert result.exit_code == 0, result.output
    result = invoke("detect", run, "--out", out)
    assert result.exit_code == 2 and not out.exists(), result.output
    assert "the series' time column row would be written" in result.output, result.output


def test_cli_reconstruct_writes_a_series_tables_steps_to_an_npy_as_numbers_alone(tmp_path):
    """`ae reconstruct RUN --out rebuilt.npy` on a run trained on a timestamp,value file failed after the work with
    "the table has categorical columns; write rebuilt.csv instead of .npy": the rebuilt series carried its time
    column, which an .npy cannot hold and which is no category. An .npy now holds the steps (T, C) alone, as an
    .npy of encode's or detect's holds numbers without the keys a .csv writes beside them."""
    _, values = nab_style_csv(tmp_path / "series.csv")
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "series.csv", "--window", 16, "--stride", 2, "--code-size", 2,
                  "--epochs", 1, "--quiet", "--no-report", "--out", run).exit_code == 0
    result = invoke("reconstruct", run, "--out", tmp_path / "rebuilt.npy")
    assert result.exit_code == 0, result.output
    assert invoke("reconstruct", run, "--out", tmp_path / "rebuilt.csv").exit_code == 0
    import pandas as pd

    table = pd.read_csv(tmp_path / "rebuilt.csv")  # (200, 2): timestamp, value
    rebuilt = np.load(tmp_path / "rebuilt.npy")
    assert rebuilt.shape == (len(values), 1)
    np.testing.assert_allclose(rebuilt[:, 0], table["value"], rtol=1e-5)


def test_cli_encode_writes_each_windows_first_and_last_time_stamp_beside_its_code(tmp_path):
    """`--drop`'s help says encode writes a series' time column beside each row's output, but `ae encode RUN --out
    codes.csv` on a run trained on a timestamp,value file wrote the codes alone (no header, no time): which stretch
    a code stands for was left to the user to work out from the stride. A .csv now starts with the time stamps of
    each window's first and last step (the last window aligned to the series' end, as it was cut); an .npy holds
    the codes alone, as before."""
    import pandas as pd

    times, _ = nab_style_csv(tmp_path / "series.csv", n_steps=101)
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "series.csv", "--window", 16, "--stride", 4, "--code-size", 2,
                  "--epochs", 1, "--quiet", "--no-report", "--test-fraction", 0.3, "--out", run).exit_code == 0
    result = invoke("encode", run, "--out", tmp_path / "codes.csv")
    assert result.exit_code == 0 and "each row beside its timestamp_start, timestamp_end" in result.output, \
        result.output
    codes = pd.read_csv(tmp_path / "codes.csv")
    starts = [*range(0, 101 - 16 + 1, 4), 101 - 16]  # 0, 4, ..., 84, then 85: the last window ends at the last step
    assert list(codes.columns) == ["timestamp_start", "timestamp_end", "code0", "code1"]
    assert list(codes["timestamp_start"]) == [times[start] for start in starts]
    assert list(codes["timestamp_end"]) == [times[start + 15] for start in starts]
    assert invoke("encode", run, "--out", tmp_path / "codes.npy").exit_code == 0
    np.testing.assert_allclose(np.load(tmp_path / "codes.npy"), codes[["code0", "code1"]], atol=1e-5)


def test_cli_detect_warns_of_a_series_whose_time_stamps_skip_a_stretch(tmp_path, scored):
    """Time stamps that go back or repeat were warned of, but a stretch of missing time stamps (a logger down for
    hours, as NAB's ambient_temperature_system_failure has: one step of 174 hours) was read without a word,
    though the windows across it join stretches of time apart just the same. A step longer than 1.5 times the
    usual (median) one is now named: how many, the first and the longest, and what to do."""
    times = [np.datetime64("2024-01-01T00:00") + np.timedelta64(30 * i, "m") for i in range(40)]
    times = times[:10] + times[16:]  # 3 hours missing before row 10
    path = tmp_path / "series.csv"
    path.write_text("timestamp,value\n" + "".join(f"{str(t).replace('T', ' ')},{np.sin(i):.3f}\n"
                                                  for i, t in enumerate(times)))
    with pytest.warns(UserWarning, match=r"series.csv: timestamp skips time at 1 row\(s\), first row 10: steps "
                                         r"longer than 1.5 times the usual 1800 s, the longest 7 times it at row 10"
                                         r".*resample"):
        assert detect_series(path).exit_code == 0
    path.write_text("timestamp,value\n" + "".join(f"{str(t).replace('T', ' ')},{np.sin(i):.3f}\n"
                                                  for i, t in enumerate(times[10:])))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert detect_series(path, "--overwrite").exit_code == 0


def test_cli_impute_says_a_series_is_filled_row_by_row_not_from_its_neighbouring_steps(tmp_path):
    """`ae impute --data nyc_taxi.csv --drop timestamp` filled the series' gaps without a word, each from its own
    row alone: with one channel, every gap got the same value (14581 taxis at 2 a.m. and at 6 p.m. alike), where a
    series user expects the steps before and after to count. A file whose dropped column holds time stamps in order
    (the steps of a series) is now warned of, naming the column and saying how the gaps are filled; a table whose
    dates are in no order (a people file's joined dates) is not."""
    import pandas as pd

    times, values = nab_style_csv(tmp_path / "series.csv", n_steps=120)
    frame = pd.DataFrame({"timestamp": times, "value": values})
    frame.loc[[30, 31, 80], "value"] = np.nan
    frame.to_csv(tmp_path / "gappy.csv", index=False)
    arguments = ["--drop", "timestamp", "--epochs", 1]
    with pytest.warns(UserWarning, match=r"gappy.csv: timestamp holds the time stamps of a series.*from the other "
                                         r"columns of its own row alone, not from the steps before and after.*one "
                                         r"column: every gap gets the same value"):
        result = invoke("impute", "--data", tmp_path / "gappy.csv", *arguments, "--out", tmp_path / "filled.csv")
    assert result.exit_code == 0, result.output
    frame["timestamp"] = frame["timestamp"].to_numpy()[np.random.default_rng(0).permutation(120)]  # dates in no order
    frame.to_csv(tmp_path / "table.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = invoke("impute", "--data", tmp_path / "table.csv", *arguments, "--out", tmp_path / "t.csv")
    assert result.exit_code == 0, result.output


def test_cli_generate_noise_refuses_bernoulli_draws_of_a_series_vae(tmp_path):
    """A series VAE trained with the default loss (bce: its min-max scaled windows lie in [0, 1]) has a Bernoulli
    p(x|z), so `ae generate --noise` wrote windows whose every value was its channel's training minimum or maximum
    (on two NAB CPU series: 0.066 or 1.6, nothing between), with a line saying they were drawn from p(x|z). It is
    refused before any work, saying why and what to do; the decoder's mean (no --noise) and an mse run's Gaussian
    draws are written as before."""
    nab_style_csv(tmp_path / "series.csv")
    for loss in ("auto", "mse"):
        assert invoke("train", "--data", tmp_path / "series.csv", "--window", 16, "--stride", 4, "--objective", "vae",
                      "--code-size", 2, "--loss", loss, "--epochs", 1, "--quiet", "--no-report",
                      "--out", tmp_path / loss).exit_code == 0
    result = invoke("generate", tmp_path / "auto", "--noise", "--out", tmp_path / "drawn.npy")
    assert result.exit_code == 2 and "Bernoulli" in result.output and "--loss mse" in result.output, result.output
    assert not (tmp_path / "drawn.npy").exists()
    assert invoke("generate", tmp_path / "auto", "--out", tmp_path / "means.npy").exit_code == 0
    assert invoke("generate", tmp_path / "mse", "--noise", "--out", tmp_path / "gaussian.npy").exit_code == 0
    assert len(np.unique(np.load(tmp_path / "gaussian.npy"))) > 2


def test_commands_on_a_windows_run_warn_of_another_files_time_stamps_out_of_order(tmp_path):
    """`ae detect --data series.csv --window W` warns of time stamps that go back, repeat or skip, but `ae detect RUN
    --data other.csv` (and encode, reconstruct ...) read the run's time column by name and scored a shuffled file
    without a word, its windows splicing stretches of time. Another file than the run's own is now checked alike;
    the run's own file, warned of when the run was trained, is not again."""
    import pandas as pd

    nab_style_csv(tmp_path / "series.csv", n_steps=240)
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "series.csv", "--window", 16, "--stride", 4, "--code-size", 2,
                  "--epochs", 1, "--quiet", "--no-report", "--out", run).exit_code == 0
    frame = pd.read_csv(tmp_path / "series.csv")
    frame.sample(frac=1, random_state=0).to_csv(tmp_path / "shuffled.csv", index=False)
    frame.drop(index=range(100, 110)).to_csv(tmp_path / "holed.csv", index=False)
    for name, said in (("shuffled", r"timestamp goes back at \d+ row"), ("holed", r"timestamp skips time at 1 row")):
        for command in ("detect", "encode"):
            with pytest.warns(UserWarning, match=rf"{name}.csv: {said}"):
                result = invoke(command, run, "--data", tmp_path / f"{name}.csv",
                                "--out", tmp_path / f"{name}-{command}.csv")
            assert result.exit_code == 0, result.output
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert invoke("encode", run, "--out", tmp_path / "own.npy").exit_code == 0


def test_sliding_windows_name_a_frames_timestamp_column_instead_of_cutting_it_as_a_channel():
    """`sliding_windows(pd.read_csv("nyc_taxi.csv"), 48)` cut the timestamp column as a channel: windows of dtype
    object, (N, 2, 48), the time stamps in channel 0, which failed later in training far from the cause (or, as
    pandas datetimes, became Timestamp objects). The frame's date or text columns are named, as
    series_anomaly_scores names them, and an array of anything but numbers is refused with its dtype."""
    import pandas as pd

    frame = pd.DataFrame({"timestamp": [f"2014-07-01 {h:02d}:00:00" for h in range(20)], "value": np.arange(20.0)})
    for stamps in (frame, frame.assign(timestamp=pd.to_datetime(frame["timestamp"]))):
        with pytest.raises(ae.errors.DataError, match=r"timestamp hold\(s\) dates or text.*drop\(columns="):
            sliding_windows(stamps, 4, 2)
    with pytest.raises(ae.errors.DataError, match="numbers.*object"):
        sliding_windows(frame.to_numpy(), 4, 2)
    assert sliding_windows(frame.drop(columns="timestamp"), 4, 2).shape == (9, 1, 4)
    assert sliding_windows(frame.set_index("timestamp"), 4, 2).dtype == np.float64  # the time as the index: fine


def test_cli_a_gap_in_a_series_table_is_named_by_its_column_by_every_command(tmp_path):
    """`ae train --window` named a gap's column ("first at step 1 in column 'cpu_b'"), but `ae detect --window`,
    `ae detect RUN --data` and `ae reconstruct RUN --data` on the same file said "column 1 (counting from 0)", leaving
    the user to count the columns of a file whose first (the time) is not one. They name it too."""
    import pandas as pd

    times, values = nab_style_csv(tmp_path / "series.csv", n_steps=120)
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "series.csv", "--window", 16, "--stride", 4, "--code-size", 2,
                  "--epochs", 1, "--quiet", "--no-report", "--out", run).exit_code == 0
    gappy = pd.DataFrame({"timestamp": times, "value": values})
    gappy.loc[50, "value"] = np.nan
    gappy.to_csv(tmp_path / "gappy.csv", index=False)
    for command in (["detect", "--data", tmp_path / "gappy.csv", "--window", 16], ["detect", run, "--data",
                    tmp_path / "gappy.csv"], ["reconstruct", run, "--data", tmp_path / "gappy.csv"]):
        result = invoke(*command, "--out", tmp_path / "out.csv")
        assert result.exit_code == 1 and "first at row 50, column 0 (counting from 0), named 'value'" \
            in result.output, result.output


def test_series_scores_name_the_gap_of_a_pandas_series_by_its_name():
    """A DataFrame's gap was named by its column ("in column 'cpu_b'"), but one column of it, a pandas Series
    (`frame["cpu_a"]`), was "channel 0 (from 0)": its name is given as a column's."""
    import pandas as pd

    from autoencoders.applications import series_anomaly_scores

    values = pd.Series(np.sin(np.arange(100) / 5.0), name="cpu_a")
    values[40] = np.nan
    with pytest.raises(ae.errors.DataError, match=r"first at step 40 in column 'cpu_a'"):
        series_anomaly_scores(values, 16)


def test_cli_detect_warns_of_a_step_number_column_that_skips_steps(tmp_path, scored):
    """A step number (or epoch seconds) left out with --drop is the series' time index, and time stamps that skip a
    stretch are warned of; a step column that jumps from 29 to 60 was read without a word."""
    steps = [*range(30), *range(60, 100)]
    path = tmp_path / "series.csv"
    path.write_text("step,value\n" + "".join(f"{step},{np.sin(step / 3):.3f}\n" for step in steps))
    with pytest.warns(UserWarning, match=r"series.csv: step skips time at 1 row\(s\), first row 30: steps longer than "
                                         r"1.5 times the usual 1, the longest 31 times it"):
        assert detect_series(path, "--drop", "step").exit_code == 0


def test_cli_cluster_writes_each_windows_time_stamps_beside_its_cluster(tmp_path):
    """`ae cluster RUN --out clusters.csv` keeps a table's rows by their IDs, but a windows run's clusters came
    without a word of which stretch each window covers. They come after each window's first and last time stamp,
    as `ae encode` writes them."""
    import pandas as pd

    times, _ = nab_style_csv(tmp_path / "series.csv", n_steps=101)
    run = tmp_path / "run"
    assert invoke("train", "--data", tmp_path / "series.csv", "--window", 16, "--stride", 4, "--code-size", 2,
                  "--epochs", 1, "--quiet", "--no-report", "--test-fraction", 0.3, "--out", run).exit_code == 0
    result = invoke("cluster", run, "--clusters", 2, "--out", tmp_path / "clusters.csv")
    assert result.exit_code == 0, result.output
    clusters = pd.read_csv(tmp_path / "clusters.csv")
    starts = [*range(0, 101 - 16 + 1, 4), 101 - 16]
    assert list(clusters.columns) == ["timestamp_start", "timestamp_end", "cluster"]
    assert list(clusters["timestamp_start"]) == [times[start] for start in starts]
    assert list(clusters["timestamp_end"]) == [times[start + 15] for start in starts]


def test_cli_compress_counts_its_bits_per_value_of_the_series_not_of_its_overlapping_windows(tmp_path):
    """`ae compress` on a windows run divided the file's bits by every value of every window: 93 windows of 16 steps
    2 apart count 1,488 values for a series of 200, so the file looked 7.4 times smaller than it is per step."""
    import json

    nab_style_csv(tmp_path / "series.csv")
    run = tmp_path / "run"
    assert invoke("train", "--model", "sequence", "--data", tmp_path / "series.csv", "--window", 16, "--stride", 2,
                  "--code-size", 2, "--epochs", 1, "--quiet", "--no-report", "--out", run).exit_code == 0
    result = invoke("compress", run, "--out", tmp_path / "s.aec")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n_samples"] == 93 and report["bytes"] == (tmp_path / "s.aec").stat().st_size
    assert report["bits_per_value"] == pytest.approx(8 * report["bytes"] / 200)  # one channel, 200 steps
