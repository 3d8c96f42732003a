"""The HTML report: its sections follow what the model offers, it stands alone, and it opens cleanly in a
real headless Chromium (no broken image, no console error)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import autoencoders as ae
from autoencoders.cli import cli
from autoencoders.report import REPORT_FILE, write_report
from conftest import as_model_input, fast_config, slow_when_convolutional, small_model

ROOT = Path(__file__).resolve().parents[1]


def _section_titles(html: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", html)


def _trained(name: str, images: np.ndarray, run_dir: Path) -> tuple[ae.Autoencoder, np.ndarray]:
    model = small_model(name)
    X = as_model_input(model, images).numpy()
    ae.Trainer(model, fast_config(epochs=2), run_dir=run_dir).fit(X)
    return model, X


@pytest.mark.parametrize("name", slow_when_convolutional(
    [*ae.list_models(), *(f"conv+{o}" for o in ae.list_objectives() if o != "plain")]))
def test_every_model_gets_a_self_contained_report(name, small_images, digits, tmp_path):
    model, X = _trained(name, small_images, tmp_path)
    path = write_report(tmp_path, model, X, digits.y[:256], progress=False)
    html = path.read_text(encoding="utf-8")
    titles = _section_titles(html)
    assert titles[:4] == ["Summary", "Training", "Inputs and reconstructions", "Codes in 2-D"]
    assert ("Generated samples" in titles) == model.objective.can_sample
    assert ("Likelihood" in titles) == (model.objective.has_likelihood and model.objective.can_sample)
    assert ("Code activations" in titles) == model.objective.sparse_codes
    assert ("Codebook" in titles) == model.objective.discrete_codes
    assert ("First-layer weights" in titles) == (len(model.input_shape) == 3)
    # Every picture is embedded, none is linked: the file can be mailed on its own.
    assert html.count('src="data:image/png;base64,') == len(re.findall(r"<img ", html)) >= 4
    assert not re.search(r'(src|href)="(?!data:)', html)
    assert (tmp_path / "codes.png").stat().st_size > 0


def test_binary_labels_and_anomaly_scores_add_a_threshold_and_roc_curves(small_images, tmp_path):
    model, X = _trained("deep", small_images, tmp_path)
    is_anomaly = np.zeros(len(X), dtype=int)
    is_anomaly[:20] = 1
    scores = X.reshape(len(X), -1).sum(axis=1)  # (N,) any score, higher = more abnormal
    html = write_report(tmp_path, model, X, is_anomaly, anomaly_scores=scores, threshold=20.0,
                        progress=False).read_text("utf-8")
    assert "Anomaly scores" in _section_titles(html)
    assert (tmp_path / "roc_pr.png").is_file()
    assert "roc_pr" in html and "ranks the rows of label 1 above the others" in html


def test_curves_over_two_named_classes_name_the_class_taken_as_anomalous(small_images, tmp_path):
    # Cats and dogs (codes 0, 1) got ROC curves of the reconstruction error with no word of what they scored.
    model, X = _trained("deep", small_images, tmp_path)
    html = write_report(tmp_path, model, X, np.arange(len(X)) % 2, label_names=["cats", "dogs"],
                        progress=False).read_text("utf-8")
    assert "ranks the rows of label 1 (dogs) above the others, as anomalies" in html


def test_text_labels_colour_the_code_map(small_images, tmp_path):
    """An .npz's string labels reached the report after training and failed on f"{label:g}"; more than 20 distinct
    texts were given to matplotlib as colours."""
    model, X = _trained("deep", small_images, tmp_path)
    for labels in (np.array(["cat", "dog"])[np.arange(len(X)) % 2], np.array([f"id{i}" for i in range(len(X))])):
        html = write_report(tmp_path, model, X, labels, progress=False, overwrite=True).read_text("utf-8")
        assert "Codes in 2-D" in _section_titles(html)


def test_a_report_on_one_row_draws_its_code_without_pca(small_images, tmp_path):
    """A three-row table holds out one test row: PCA of one code raised after the whole training."""
    model, X = _trained("deep", small_images, tmp_path)
    html = write_report(tmp_path, model, X[:1], progress=False).read_text("utf-8")
    assert "Codes in 2-D" in _section_titles(html)


def test_a_report_on_a_subset_says_so(small_images, tmp_path, monkeypatch):
    from autoencoders.report import build

    monkeypatch.setattr(build, "MAX_EXAMPLES", 10)
    model, X = _trained("deep", small_images, tmp_path)
    html = write_report(tmp_path, model, X[:40], rows="the test rows", progress=False).read_text("utf-8")
    assert "rows pictured</th><td>10 (the test rows; a random 10 of these 40)" in html


def test_a_report_leaves_the_model_in_the_mode_it_found_it(small_images, tmp_path):
    # write_report put the caller's model in eval mode for good: dropout and batch norm's updates off in the
    # training that went on after a report written mid-way.
    model, X = _trained("deep", small_images, tmp_path)
    model.train()
    write_report(tmp_path, model, X[:20], progress=False)
    assert model.training


def test_generated_windows_are_drawn_channel_by_channel_along_time(tmp_path, monkeypatch):
    # A (2, 16) window was one line of 32 'features', its second channel drawn after its first.
    from autoencoders.report import figures

    drawn = []
    monkeypatch.setattr(figures, "_save", lambda fig, path, overwrite: drawn.append(fig) or path)
    figures.save_image_grid(np.random.default_rng(0).random((3, 2, 16)), tmp_path / "samples.png")
    (ax,) = drawn[0].axes
    assert [len(line.get_ydata()) for line in ax.lines] == [16] * 6 and ax.get_xlabel() == "time step"


def test_the_precision_recall_legend_gives_the_average_precision(tmp_path, monkeypatch):
    # It gave the trapezoid under the PR points ('AUC'), not the AP the anomaly benchmarks report.
    from sklearn.metrics import average_precision_score

    from autoencoders.report import figures

    drawn = []
    monkeypatch.setattr(figures, "_save", lambda fig, path, overwrite: drawn.append(fig) or path)
    rng = np.random.default_rng(0)
    labels, scores = np.r_[np.zeros(200), np.ones(10)], np.r_[rng.normal(0, 1, 200), rng.normal(1, 1, 10)]
    figures.save_roc_pr_curves(labels == 1, scores, tmp_path / "roc_pr.png")
    legend = drawn[0].axes[1].get_legend().get_texts()[0].get_text()
    assert legend == f"AP {average_precision_score(labels, scores):.3f}" == "AP 0.228"


def test_report_rejects_labels_that_do_not_match_the_rows(small_images, tmp_path):
    model, X = _trained("deep", small_images, tmp_path)
    with pytest.raises(ValueError, match="y has 3 values for 256 rows"):
        write_report(tmp_path, model, X, np.arange(3))
    with pytest.raises(ValueError, match=r"label_names name the codes 0..1; y must hold only those"):
        write_report(tmp_path, model, X, np.arange(len(X)) % 3, label_names=["cat", "dog"])


def test_ae_report_rebuilds_the_report_of_a_run_on_its_own_data(tmp_path):
    run = tmp_path / "run"
    runner = CliRunner()
    trained = runner.invoke(cli, ["train", "--epochs", "2", "--hidden", "16", "--code-size", "2", "--quiet",
                                  "--no-report", "--out", str(run)])
    assert trained.exit_code == 0, trained.output
    assert not (run / REPORT_FILE).exists()
    result = runner.invoke(cli, ["report", str(run), "--out", str(tmp_path / "elsewhere")])
    assert result.exit_code == 0, result.output
    assert "%|" not in result.output  # no progress bar when the output is not a terminal
    html = (tmp_path / "elsewhere" / REPORT_FILE).read_text(encoding="utf-8")
    assert "deep autoencoder on digits" in html
    assert "Configuration" in _section_titles(html)


def test_ae_report_keeps_a_report_already_in_another_folder_unless_overwrite(tmp_path):
    run, elsewhere = tmp_path / "run", tmp_path / "elsewhere"
    runner = CliRunner()
    trained = runner.invoke(cli, ["train", "--epochs", "1", "--hidden", "8", "--code-size", "2", "--quiet",
                                  "--no-report", "--out", str(run)])
    assert trained.exit_code == 0, trained.output
    elsewhere.mkdir()
    (elsewhere / REPORT_FILE).write_text("keep me")
    refused = runner.invoke(cli, ["report", str(run), "--out", str(elsewhere)])
    assert refused.exit_code == 2 and "already exists; pass --overwrite" in refused.output
    assert [p.name for p in elsewhere.iterdir()] == [REPORT_FILE] and (elsewhere / REPORT_FILE).read_text() == "keep me"
    for args in (["--out", str(elsewhere), "--overwrite"], []):  # RUN's own report is always refreshed
        result = runner.invoke(cli, ["report", str(run), *args])
        assert result.exit_code == 0, result.output
    assert "Configuration" in (elsewhere / REPORT_FILE).read_text(encoding="utf-8")


def test_ae_report_reads_the_csv_a_run_trained_on_with_its_label_column(tmp_path):
    rows = np.random.default_rng(0).normal(size=(40, 5))
    table = tmp_path / "rows.csv"
    np.savetxt(table, np.column_stack([rows, np.arange(40) % 2]), delimiter=",", header="a,b,c,d,e,kind",
               comments="")
    runner, run = CliRunner(), tmp_path / "run"
    trained = runner.invoke(cli, ["train", "--data", str(table), "--label-column", "kind", "--epochs", "2",
                                  "--hidden", "8", "--code-size", "2", "--no-report", "--out", str(run)])
    assert trained.exit_code == 0, trained.output
    result = runner.invoke(cli, ["report", str(run)])
    assert result.exit_code == 0, result.output
    html = (run / REPORT_FILE).read_text(encoding="utf-8")
    assert "First-layer weights" not in _section_titles(html)  # tabular rows are not images
    assert "2 distinct" in html  # the labels were read from the recorded column, not taken as a feature


def test_a_table_report_says_which_rows_it_shows_and_draws_the_encoded_columns_by_name(tmp_path, monkeypatch):
    """`ae train`'s report showed the test rows and `ae report`'s every row, training rows too, both as 'rows
    pictured: N'; a table's one-hot matrix was drawn as 'the data's own units' along unnamed features 0, 1, ..."""
    from autoencoders.report import sections

    rng = np.random.default_rng(0)
    table = tmp_path / "rows.csv"
    table.write_text("size,colour\n" + "".join(f"{rng.normal():.3f},{'red' if i % 3 else 'blue'}\n" for i in range(30)))
    drawn = []
    for name in ("save_reconstructions", "save_image_grid"):  # inputs and reconstructions; a VAE's samples
        draw = getattr(sections, name)
        monkeypatch.setattr(sections, name, lambda *args, draw=draw, feature_names, **options: drawn.append(
            feature_names) or draw(*args, feature_names=feature_names, **options))
    run, runner = tmp_path / "run", CliRunner()
    pictured = []
    for command in (["train", "--data", str(table), "--objective", "vae", "--epochs", "1", "--hidden", "4",
                     "--code-size", "1", "--quiet", "--out", str(run)], ["report", str(run)]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 0, result.output
        html = (run / REPORT_FILE).read_text(encoding="utf-8")
        pictured.append(re.search(r"rows pictured</th><td>([^<]*)", html).group(1))
        assert "as the model sees the table (model units)" in html
        assert "split</th><td>none (no splits)" in html  # was 'train', the --split option's default
    assert pictured == ["6 (the test rows, held out from training)",
                        "30 (all rows of the data the run was trained on, training rows too)"]
    assert drawn == [["size", "colour=blue", "colour=red"]] * 6  # reconstructions, samples, interpolation; twice


def test_the_code_map_names_the_classes_of_an_image_folder(tmp_path, monkeypatch):
    """Class folders (and a table's text labels) were shown in the legend as their codes 0, 1, ..."""
    from PIL import Image

    from autoencoders.report import sections

    for label in ("cats", "dogs"):
        (tmp_path / "images" / label).mkdir(parents=True)
        for i in range(6):
            Image.fromarray(np.full((6, 6), 40 * i, np.uint8)).save(tmp_path / "images" / label / f"{i}.png")
    shown = []
    draw = sections.save_code_map
    monkeypatch.setattr(sections, "save_code_map", lambda codes, labels, path, overwrite: shown.append(labels) or draw(
        codes, labels, path, overwrite=overwrite))
    for command in (["train", "--data", str(tmp_path / "images"), "--epochs", "1", "--hidden", "8", "--code-size",
                     "2", "--quiet", "--out", str(tmp_path / "run")], ["report", str(tmp_path / "run")]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 0, result.output
    assert len(shown) == 2 and all(set(labels) <= {"cats", "dogs"} for labels in shown)


def test_ae_report_names_a_folder_without_a_model(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")


def _make_run_arguments() -> list[str]:
    """The `ae train ...` arguments of the Makefile's `run` target, so this test follows `make run`."""
    recipe = re.search(r"^run:.*\n\t\$\(BIN\)/ae (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert recipe, "the Makefile's run target no longer calls $(BIN)/ae"
    return shlex.split(recipe.group(1))


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    pytest.skip("no Chromium on this machine and it could not be installed here "
                "(`make test` runs `apt-get install chromium` where apt-get is available as root)")


@pytest.mark.slow
def test_the_make_run_report_opens_in_headless_chromium_without_errors(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras")
    browser_path = _chromium()
    arguments = _make_run_arguments()
    # Same model, data and options as `make run`, two epochs for speed (the report's layout does not depend on them).
    arguments += ["--epochs", "2"]
    arguments[arguments.index("--out") + 1] = str(tmp_path / "run")
    trained = CliRunner().invoke(cli, arguments)
    assert trained.exit_code == 0, trained.output
    assert "%|" not in trained.output  # progress bars stay quiet when the output is not a terminal
    report = tmp_path / "run" / REPORT_FILE

    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
                if message.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("requestfailed", lambda request: problems.append(f"failed request: {request.url}"))
        page.goto(report.as_uri(), wait_until="load")
        images = page.evaluate("Array.from(document.images, i => [i.alt, i.complete && i.naturalWidth > 0])")
        title = page.title()
        browser.close()

    assert title == "deep autoencoder on digits"
    assert len(images) >= 5
    assert [alt for alt, shown in images if not shown] == []
    assert problems == []


def test_the_code_map_of_wide_codes_is_repeatable_and_leaves_numpy_alone():
    # PCA chose its randomised solver for wide codes and drew from NumPy's global generator: the report's code map
    # changed from run to run and the caller's random state moved.
    from autoencoders.report.figures import code_projection

    codes = np.random.default_rng(0).random((1000, 600))
    np.random.seed(5)  # noqa: NPY002 (the legacy global generator is what is tested)
    before = np.random.get_state()  # noqa: NPY002
    first, _ = code_projection(codes)
    after = np.random.get_state()  # noqa: NPY002
    assert (before[1] == after[1]).all() and before[2] == after[2]
    np.random.seed(6)  # noqa: NPY002
    assert np.array_equal(code_projection(codes)[0], first)


def test_the_code_map_of_codes_that_do_not_vary_says_so_without_a_warning():
    # a sequence+sparse run whose every code unit had died after one epoch: `ae report` let scikit-learn's PCA warn
    # "invalid value encountered in divide" and titled the map "PCA ... (nan% of its variance)"
    from autoencoders.report.figures import code_projection

    points, method = code_projection(np.zeros((6, 4)))
    assert points.shape == (6, 2) and method == "first two code dimensions (the codes do not vary)"


@pytest.mark.parametrize("channels, signed", [(1, False), (3, False), (3, True)])
def test_the_image_grid_draws_each_tile_where_the_tiler_puts_it(tmp_path, monkeypatch, channels, signed):
    # the grid is the data layer's tiler over the (n, C, H, W) tiles as given (colour clipped to [0, 1], signed ones
    # averaged over channels and scaled to [-1, 1]), NaN (white) between them: no layout of its own
    from matplotlib.axes import Axes

    from autoencoders.data.images import tile_images
    from autoencoders.report import figures

    drawn = []
    imshow = Axes.imshow
    monkeypatch.setattr(Axes, "imshow", lambda ax, image, **kw: drawn.append(np.array(image)) or imshow(ax, image,
                                                                                                         **kw))
    images = np.random.default_rng(0).random((5, channels, 4, 3)) * 1.4 - 0.2  # beyond [0, 1] on both sides
    figures.save_image_grid(images, tmp_path / "grid.png", columns=2, signed=signed)
    mosaic = drawn[0]  # (H', W') or (H', W', 3)
    assert mosaic.shape[:2] == (3 * 5 - 1, 2 * 4 - 1)
    if signed:
        tiles = images.mean(axis=1, keepdims=True)
        tiles /= np.abs(tiles).max(axis=(1, 2, 3), keepdims=True)
    else:
        tiles = images if channels == 1 else np.clip(images, 0, 1)
    expected = tile_images(tiles, 2, margin=1, fill=np.nan)
    expected = expected[0] if channels == 1 or signed else np.nan_to_num(expected, nan=1.0).transpose(1, 2, 0)
    np.testing.assert_array_equal(mosaic, expected)
    third = mosaic[5:9, 0:3]  # the third image (second row, first column), as given
    np.testing.assert_array_equal(third if channels == 1 or signed else third.transpose(2, 0, 1),
                                  tiles[2, 0] if channels == 1 or signed else tiles[2])
    assert np.isnan(mosaic[4, 0]) if channels == 1 or signed else (mosaic[4, 0] == 1).all()  # a white margin


def test_a_vae_report_gives_its_test_nll_on_a_bounded_said_share_of_its_rows(small_images, tmp_path, monkeypatch):
    """Generative 46: a VAE's report gave the reconstruction term as its test loss and no likelihood; it now gives
    the importance-weighted NLL and the ELBO, on at most LIKELIHOOD_ROWS of its rows, and says what the loss is."""
    from autoencoders import metrics
    from autoencoders.report import sections

    model, X = _trained("vae", small_images, tmp_path)
    monkeypatch.setattr(sections, "LIKELIHOOD_ROWS", 40)  # fewer than the report's 256 rows
    html = write_report(tmp_path, model, X, progress=False, overwrite=True).read_text("utf-8")
    assert "Likelihood" in _section_titles(html)
    wanted = metrics.likelihood_metrics(model, X, max_rows=40)
    assert f"{wanted['nll_nats']:.6g}" in html and f"{wanted['elbo_nats']:.6g}" in html
    assert "40 of the 256 rows shown" in html and "100 importance samples" in html
    assert "without the KL term" in html
