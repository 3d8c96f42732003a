"""The applications of learned codes (autoencoders.applications) and their commands, on the 8x8 digits."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import autoencoders as ae
from autoencoders import applications as apps
from autoencoders.checkpoint import CheckpointError
from autoencoders.cli import cli
from autoencoders.errors import DataError
from conftest import fast_config, small_model


@pytest.fixture(scope="module")
def trained(digits) -> ae.Autoencoder:
    """A small deep autoencoder fitted on 512 digits until it reconstructs them well beyond their mean image
    (bce, so outputs lie in [0, 1])."""
    model = small_model("deep", loss="bce", code_size=8)
    ae.Trainer(model, fast_config(epochs=30, lr=5e-3)).fit(digits.X[:512])
    return model


@pytest.fixture
def run_dir(tmp_path, trained):
    ae.save_model(trained, tmp_path / "run")
    return tmp_path / "run"


@pytest.fixture
def digits_file(tmp_path, digits):
    path = tmp_path / "digits.npz"
    np.savez(path, X=digits.X[:200], y=digits.y[:200])
    return path


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return result.output


# ------------------------------------------------------------------------------------------------- inference
@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_a_bad_batch_size_is_named(trained, digits, batch_size):
    # Was ZeroDivisionError, torch.cat()'s 'expected a non-empty list' or "'float' object cannot be interpreted".
    with pytest.raises(ae.ConfigError, match=f"batch_size must be a whole number >= 1, got {batch_size!r}"):
        ae.encode(trained, digits.X[:10], batch_size=batch_size)


def test_counts_of_generated_and_interpolated_samples_must_be_whole(trained, digits):
    # 2.5 samples was numpy's "'float' object cannot be interpreted as an integer" after the density was used.
    density = apps.fit_code_density(trained, digits.X[:50], n_components=2)
    with pytest.raises(ae.ConfigError, match="n must be a whole number >= 1, got 2.5"):
        apps.generate(trained, 2.5, density)
    with pytest.raises(ae.ConfigError, match="steps must be a whole number >= 2, got 1"):
        apps.interpolate(trained, digits.X[0], digits.X[1], steps=1)
    with pytest.raises(ae.ConfigError, match="columns must be a whole number >= 1, got 0"):  # ZeroDivisionError
        apps.tile_images(digits.X[:4], columns=0)


# ------------------------------------------------------------------------------------------------- reduction
def test_pca_with_every_component_reconstructs_exactly_and_keeps_every_neighbourhood(digits):
    X = digits.X[:200]
    codes, reconstructions = apps.pca_codes(X, X, n_components=64)
    scores = apps.reduction_scores(X, codes, reconstructions)
    assert scores["sse_per_sample"] < 1e-8 and scores["trustworthiness"] == pytest.approx(1.0)


def test_a_two_dimensional_code_loses_more_than_a_wide_one(digits):
    X = digits.X[:300]
    narrow = apps.reduction_scores(X, *apps.pca_codes(X, X, 2))
    wide = apps.reduction_scores(X, *apps.pca_codes(X, X, 20))
    assert narrow["sse_per_sample"] > wide["sse_per_sample"] and narrow["trustworthiness"] < wide["trustworthiness"]


# ------------------------------------------------------------------------------------------------ clustering
def test_separated_groups_are_recovered_exactly():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 30)
    codes = labels[:, None] * 10.0 + rng.normal(size=(90, 4))
    scores = apps.clustering_scores(labels, apps.cluster_codes(codes, 3))
    assert scores == {"nmi": pytest.approx(1.0), "ari": pytest.approx(1.0)}


def test_clusters_do_not_depend_on_the_row_order(digits):
    # k-means++ draws its first centres by row position: shuffled rows gave other clusters (ARI 0.79 on 400 digits).
    X = digits.X[:300].reshape(300, -1)
    shuffled = np.random.default_rng(1).permutation(len(X))
    assert np.array_equal(apps.cluster_codes(X, 5)[shuffled], apps.cluster_codes(X[shuffled], 5))


def test_cluster_count_is_checked():
    with pytest.raises(ValueError, match="n_clusters"):
        apps.cluster_codes(np.zeros((5, 2)), 6)


def test_cluster_command_prints_sizes_and_scores(run_dir, digits_file, tmp_path):
    summary = json.loads(invoke("cluster", run_dir, "--data", digits_file, "--clusters", 4,
                                "--out", tmp_path / "c.npy"))
    assert sum(summary["cluster_sizes"]) == 200 and len(summary["cluster_sizes"]) == 4
    assert 0 < summary["nmi"] <= 1 and np.load(tmp_path / "c.npy").shape == (200,)


# ------------------------------------------------------------------------------------------------- retrieval
@pytest.mark.parametrize("method", ["exact", "hnsw"])
def test_each_item_is_its_own_nearest_neighbour(method):
    if method == "hnsw":
        pytest.importorskip("hnswlib")
    codes = np.random.default_rng(0).normal(size=(300, 5)).astype(np.float32)
    index = apps.CodeIndex(codes, method)
    neighbours, distances = index.query(codes, k=3)
    assert index.method == method and neighbours.shape == (300, 3)
    assert np.array_equal(neighbours[:, 0], np.arange(300)) and np.allclose(distances[:, 0], 0, atol=1e-3)
    assert np.all(np.diff(distances, axis=1) >= -1e-5)  # nearest first


def test_a_stored_query_is_its_own_first_neighbour_among_exact_ties():
    # Codes of a vector-quantised model tie exactly: five items share one code, and without ``items`` the search
    # returned the others first, so `ae search --query 4` left row 4 out of its own neighbours.
    codes = np.repeat(np.eye(3, dtype=np.float32), [5, 4, 3], axis=0)  # (12, 3), items 0-4 tie
    index = apps.CodeIndex(codes, "exact")
    plain, _ = index.query(codes[[4, 7]], k=3)
    neighbours, distances = index.query(codes[[4, 7]], k=3, items=np.array([4, 7]))
    assert neighbours[:, 0].tolist() == [4, 7] and np.allclose(distances, 0)
    assert len(set(neighbours[0])) == 3 and set(neighbours[0]) <= {0, 1, 2, 3, 4}
    assert neighbours[1].tolist() == [7, *[i for i in plain[1] if i != 7][:2]]  # the others keep their order


def test_approximate_search_finds_the_exact_neighbours():
    pytest.importorskip("hnswlib")
    rng = np.random.default_rng(1)
    codes, queries = rng.normal(size=(2000, 8)), rng.normal(size=(50, 8))
    exact, _ = apps.CodeIndex(codes, "exact").query(queries, 10)
    approximate, _ = apps.CodeIndex(codes, "hnsw").query(queries, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approximate, exact, strict=True)])
    assert recall > 0.95


def test_index_arguments_are_checked():
    with pytest.raises(ValueError, match="k must be between 1 and the collection size"):
        apps.CodeIndex(np.zeros((4, 2))).query(np.zeros((1, 2)), k=5)
    with pytest.raises(ValueError, match="unknown index method"):
        apps.CodeIndex(np.zeros((4, 2)), "annoy")
    with pytest.raises(ValueError, match="empty"):
        apps.CodeIndex(np.zeros((0, 2)))


def test_a_query_of_the_wrong_width_is_named():
    # A single 1-D query (8,) was read as 8 queries of 1 value: sklearn's 'X has 1 features, but NearestNeighbors
    # is expecting 8 features' (hnswlib's own error with the graph index).
    index = apps.CodeIndex(np.random.default_rng(0).random((20, 8)))
    with pytest.raises(ae.DataError, match=r"queries must be rows of 8 code values.*got shape \(8,\).*codes\[None\]"):
        index.query(np.zeros(8), k=2)
    with pytest.raises(ae.DataError, match=r"got shape \(3, 4\)"):
        index.query(np.zeros((3, 4)), k=2)
    assert index.query(np.zeros((1, 8)), k=2)[0].shape == (1, 2)


def test_precision_at_k_counts_neighbours_with_the_query_label():
    assert apps.precision_at_k(np.array([[1, 1, 2, 3], [0, 0, 0, 0]]), np.array([1, 0])) == pytest.approx(0.75)


def test_search_command_returns_the_query_row_first(run_dir, digits_file):
    found = json.loads(invoke("search", run_dir, "--data", digits_file, "--query", "3,17", "-k", 5))
    assert [result["neighbours"][0] for result in found["results"]] == [3, 17]
    assert [result["query"] for result in found["results"]] == [3, 17]  # each query named by its row
    assert all(len(result["labels"]) == 5 for result in found["results"])


def test_search_command_rejects_a_row_out_of_range(run_dir, digits_file):
    result = CliRunner().invoke(cli, ["search", str(run_dir), "--data", str(digits_file), "--query", "999"])
    assert result.exit_code == 1 and "query row 999 is out of range" in result.output
    result = CliRunner().invoke(cli, ["search", str(run_dir), "--data", str(digits_file), "--query", "3,,17"])
    assert result.exit_code == 2 and "has an empty row number" in result.output and "Traceback" not in result.output


# -------------------------------------------------------------------------------------------------- features
def test_linear_probe_separates_separable_features():
    labels = np.repeat([0, 1], 50)
    features = labels[:, None] + np.random.default_rng(0).normal(scale=0.05, size=(100, 3))
    assert apps.linear_probe_accuracy(features, labels, features, labels) == 1.0


@pytest.mark.slow
def test_fine_tuning_an_encoder_learns_the_labels(digits):
    classifier = apps.train_classifier(small_model("deep", code_size=8), digits.X[:600], digits.y[:600],
                                       config=fast_config(epochs=30, lr=3e-3))
    accuracy = np.mean(apps.predict_classes(classifier, digits.X[600:900]) == digits.y[600:900])
    assert accuracy > 0.7  # ten classes: chance is 0.1


@pytest.mark.parametrize("objective", ae.list_objectives())
def test_fine_tuning_trains_the_encoder_in_place(objective, digits):
    # A vq model's encoder got no gradient through its codebook lookup: only the head was trained, without a word.
    model = small_model(f"mlp+{objective}", code_size=8)
    ae.Trainer(model, fast_config(epochs=1)).fit(digits.X[:64])  # a vq model's codebook filled from the data
    before = ae.encode(model, digits.X[:10])
    apps.train_classifier(model, digits.X[:100], digits.y[:100], config=fast_config(epochs=2))
    assert not np.allclose(ae.encode(model, digits.X[:10]), before)


def test_predictions_come_in_eval_mode_and_leave_the_mode_as_it_was(digits):
    # predict_classes left the classifier in eval mode for good (a training loop after it ran without dropout).
    model = small_model("deep", code_size=8, dropout=0.5)
    classifier = apps.train_classifier(model, digits.X[:100], digits.y[:100], config=fast_config(epochs=1))
    classifier.train()
    first, again = (apps.predict_classes(classifier, digits.X[:50]) for _ in range(2))
    assert classifier.training and np.array_equal(first, again)  # no dropout in the predictions


def test_labels_must_be_class_indices(digits):
    with pytest.raises(ValueError, match="one non-negative integer class per sample"):
        apps.train_classifier(small_model("deep"), digits.X[:20], digits.y[:19])
    with pytest.raises(ValueError, match="one non-negative integer class per sample"):
        apps.train_classifier(small_model("deep"), digits.X[:20], digits.y[:20] - 5)
    # Was torch's 'IndexError: Target 9 is out of bounds' from inside the first training step.
    with pytest.raises(ae.ConfigError, match="n_classes 2 leaves out the labels above 1 .y holds labels up to 9"):
        apps.train_classifier(small_model("deep"), digits.X[:20], digits.y[:20], n_classes=2)


# ----------------------------------------------------------------------------------------------- compression
def test_decompress_returns_exactly_what_compress_reported(trained, digits, tmp_path):
    X = digits.X[:300]
    result = apps.compress(trained, X, tmp_path / "x.aec", step=0.5)
    decoded = apps.decompress(trained, result.path)
    assert np.array_equal(decoded, result.reconstructions)
    assert result.path.stat().st_size == result.n_bytes
    assert result.bits_per_value == pytest.approx(8 * result.n_bytes / X.size)
    assert result.psnr_db == pytest.approx(apps.psnr(X, decoded))


def test_flat_rows_compress_as_the_images_they_are(trained, digits, tmp_path):
    # Encoding took (n, 64) rows of an 8x8 model; then the PSNR raised numpy's broadcast error, the file written.
    flat = apps.compress(trained, digits.X[:50].reshape(50, -1), tmp_path / "flat.aec")
    images = apps.compress(trained, digits.X[:50], tmp_path / "images.aec")
    assert flat.psnr_db == images.psnr_db and flat.reconstructions.shape == (50, 1, 8, 8)


def test_psnr_is_given_only_for_values_in_the_unit_range(trained, digits, tmp_path):
    # Peak 1 was assumed for any data: standardised rows got a PSNR as the test metrics never give them one.
    assert apps.compress(trained, digits.X[:50] * 2 - 1, tmp_path / "signed.aec").psnr_db is None
    assert apps.compress(trained, digits.X[:50], tmp_path / "unit.aec").psnr_db > 0


def test_a_finer_step_costs_more_bits_and_gains_quality(trained, digits, tmp_path):
    coarse = apps.compress(trained, digits.X[:300], tmp_path / "coarse.aec", step=1.0)
    fine = apps.compress(trained, digits.X[:300], tmp_path / "fine.aec", step=0.1)
    assert fine.n_bytes > coarse.n_bytes and fine.psnr_db > coarse.psnr_db


def test_entropy_coding_beats_storing_the_symbols_raw(trained, digits, tmp_path):
    result = apps.compress(trained, digits.X[:500], tmp_path / "x.aec", step=0.5)
    one_byte_per_symbol = 500 * trained.config.code_size
    assert result.n_bytes < one_byte_per_symbol


def test_decompress_refuses_another_model_and_damaged_files(trained, digits, tmp_path):
    path = apps.compress(trained, digits.X[:50], tmp_path / "x.aec").path
    with pytest.raises(CheckpointError, match="compressed with another model"):
        apps.decompress(small_model("deep", loss="bce", code_size=8), path)
    (tmp_path / "other.aec").write_bytes(b"not a code file")
    with pytest.raises(ValueError, match="not a file written by"):
        apps.decompress(trained, tmp_path / "other.aec")
    (tmp_path / "cut.aec").write_bytes(path.read_bytes()[:20])
    with pytest.raises(ValueError, match="corrupt or truncated"):
        apps.decompress(trained, tmp_path / "cut.aec")


def test_decompress_refuses_a_flipped_bit_or_a_whole_word_cut_rather_than_decoding_other_samples(
        trained, digits, tmp_path):
    raw = apps.compress(trained, digits.X[:50], tmp_path / "x.aec").path.read_bytes()
    flipped = bytearray(raw)
    flipped[-9] ^= 1  # one bit of the ANS stream: it decoded into other samples without a sound
    for name, damaged in (("flipped.aec", bytes(flipped)), ("cut.aec", raw[:-4])):
        (tmp_path / name).write_bytes(damaged)
        with pytest.raises(DataError, match=f"{name} is corrupt or truncated: its content does not match"):
            apps.decompress(trained, tmp_path / name)


def test_a_flipped_bit_in_the_header_s_fingerprint_is_named_damage_not_another_model(trained, digits, tmp_path):
    # The fingerprint was compared before the checksum: a damaged file was blamed on the run decoding it.
    raw = bytearray(apps.compress(trained, digits.X[:50], tmp_path / "x.aec").path.read_bytes())
    at = raw.index(b'"fingerprint": "') + len(b'"fingerprint": "')
    raw[at] ^= 1  # one hex digit of the fingerprint
    (tmp_path / "flipped.aec").write_bytes(bytes(raw))
    with pytest.raises(DataError, match="flipped.aec is corrupt or truncated: its content does not match"):
        apps.decompress(trained, tmp_path / "flipped.aec")


def test_a_file_of_a_later_format_version_is_named_as_such(trained, digits, tmp_path):
    # "AECODE2" was "not a file written by autoencoders' compress": the newer release that wrote it went unnamed.
    raw = apps.compress(trained, digits.X[:50], tmp_path / "x.aec").path.read_bytes()
    (tmp_path / "later.aec").write_bytes(raw.replace(b"AECODE1\n", b"AECODE2\n", 1))
    with pytest.raises(DataError, match="later.aec was written in format version 2 .* reads version 1"):
        apps.decompress(trained, tmp_path / "later.aec")
    (tmp_path / "earlier.aec").write_bytes(raw.replace(b"AECODE1\n", b"AECODE0\n", 1))  # one bit flipped
    with pytest.raises(DataError, match="earlier.aec is not a file written by"):
        apps.decompress(trained, tmp_path / "earlier.aec")


def test_compress_refuses_pixels_as_stored_for_a_bce_model_as_encode_does(trained, digits, tmp_path):
    # compress turned the uint8 pixels to float32 before encoding them, so ae.encode's refusal never saw them: a
    # file of saturated codes was written, with no PSNR to tell (values above 1 have none).
    assert trained.config.loss == "bce"
    stored = np.rint(digits.X[:50] * 255).astype(np.uint8)
    with pytest.raises(DataError, match="pixels as stored"):
        apps.compress(trained, stored, tmp_path / "stored.aec")
    assert not (tmp_path / "stored.aec").exists()


def test_compress_and_decompress_commands_round_trip(run_dir, digits_file, digits, tmp_path):
    report = json.loads(invoke("compress", run_dir, "--data", digits_file, "--out", tmp_path / "d.aec"))
    assert report["bytes"] == (tmp_path / "d.aec").stat().st_size and report["n_samples"] == 200
    invoke("decompress", run_dir, tmp_path / "d.aec", "--out", tmp_path / "d.npy")
    decoded = np.load(tmp_path / "d.npy")
    assert decoded.shape == (200, 1, 8, 8)
    assert apps.psnr(digits.X[:200], decoded) == pytest.approx(report["psnr_db"], abs=1e-6)
    assert np.mean((digits.X[:200] - decoded) ** 2) == pytest.approx(report["mse"], rel=1e-5)


# ------------------------------------------------------------------------------------------------ generation
def test_samples_from_a_fitted_code_density_are_seeded(trained, digits):
    density = apps.fit_code_density(trained, digits.X[:300], n_components=3)
    first, again = apps.generate(trained, 5, density, seed=1), apps.generate(trained, 5, density, seed=1)
    assert first.shape == (5, 1, 8, 8) and np.array_equal(first, again)
    assert not np.array_equal(first, apps.generate(trained, 5, density, seed=2))


def test_the_code_density_does_not_depend_on_the_row_order(trained, digits):
    # Its mixture starts from k-means++, which draws centres by row position: shuffled rows gave another density.
    X = digits.X[:300]
    shuffled = np.random.default_rng(1).permutation(len(X))
    first, again = (apps.fit_code_density(trained, rows, n_components=4) for rows in (X, X[shuffled]))
    for name in ("weights_", "means_", "covariances_"):
        assert np.allclose(getattr(first, name), getattr(again, name), rtol=1e-6, atol=1e-9), name
    assert np.allclose(apps.generate(trained, 5, first), apps.generate(trained, 5, again), atol=1e-6)


def test_mixture_draws_follow_the_fitted_density():
    rng = np.random.default_rng(0)
    from sklearn.mixture import GaussianMixture

    points = rng.multivariate_normal([3, -1], [[2, 0.8], [0.8, 1]], size=4000)
    draws = apps.sample_density(GaussianMixture(1, covariance_type="full").fit(points), 20000)
    assert np.allclose(draws.mean(axis=0), [3, -1], atol=0.06)
    assert np.allclose(np.cov(draws, rowvar=False), [[2, 0.8], [0.8, 1]], atol=0.08)


@pytest.mark.parametrize("kind", ["tied", "diag", "spherical"])
def test_mixtures_of_every_covariance_type_are_drawn_from(kind):
    # Only 'full' covariances were read right: a (K, k) diag array went to the Cholesky factorisation as a matrix
    # (an error, or with K = k wrong draws without a word), tied and spherical raised numpy's errors.
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(0)
    points = np.concatenate([rng.normal([0, 0], [1, 0.1], (500, 2)), rng.normal([10, 5], [1, 0.1], (500, 2))])
    density = GaussianMixture(2, covariance_type=kind, random_state=0).fit(points)
    draws = apps.sample_density(density, 8000)
    first = draws[draws[:, 0] < 5]  # (about 4000, 2): the component at the origin
    origin = np.argmin(np.abs(density.means_).sum(axis=1))
    expected = np.full(2, np.sqrt(density.covariances_[origin])) if kind == "spherical" else [1, 0.1]
    assert np.allclose(first.std(axis=0), expected, rtol=0.06)


def test_a_deterministic_model_needs_a_density_and_the_vae_has_a_prior():
    with pytest.raises(ValueError, match="no prior to sample from"):
        apps.generate(small_model("deep"), 3)
    vae = small_model("vae")
    assert apps.has_sampler(vae) and apps.generate(vae, 3).shape == (3, 1, 8, 8)


def test_prior_samples_ignore_the_training_mode_and_leave_the_global_generator_alone():
    # A VAE in training mode sampled with dropout on: other samples for the same seed, torch's global generator drawn.
    model = small_model("vae", dropout=0.5).train()
    state = torch.get_rng_state()
    assert np.array_equal(apps.generate(model, 3, seed=1), apps.generate(model, 3, seed=1))
    assert torch.equal(torch.get_rng_state(), state) and model.training


def test_time_series_windows_can_be_generated_with_the_sequence_model():
    model = small_model("sequence")
    windows = np.sin(np.linspace(0, 60, 64 * 100)).reshape(100, 2, 32).astype(np.float32)
    generated = apps.generate(model, 4, apps.fit_code_density(model, windows, n_components=2))
    assert generated.shape == (4, 2, 32) and np.isfinite(generated).all()


def test_interpolation_starts_and_ends_at_the_reconstructions(trained, digits):
    path = apps.interpolate(trained, digits.X[0], digits.X[1], steps=5)
    ends = ae.reconstruct(trained, digits.X[:2])
    assert path.shape == (5, 1, 8, 8) and np.allclose(path[[0, -1]], ends, atol=1e-6)


def test_a_vq_model_decodes_only_codebook_entries_when_interpolating_and_generating(digits, monkeypatch):
    # The straight line between two codebook entries, and a mixture's draws, were decoded as they were: codes
    # between entries, which the decoder of a vq model never saw in training.
    model = small_model("mlp+vq", code_size=8, code_dim=2, codebook_size=16)
    ae.Trainer(model, fast_config(epochs=2)).fit(digits.X[:128])  # the first batch fills the codebook
    decoded, decode = [], model.decode
    monkeypatch.setattr(model, "decode", lambda codes: decoded.append(codes) or decode(codes))
    path = apps.interpolate(model, digits.X[0], digits.X[1], steps=6)
    apps.generate(model, 5, apps.fit_code_density(model, digits.X[:128], n_components=2))
    codes = torch.cat(decoded)  # (6 + 5, code_size): the interpolation's, then the generated ones
    assert len(codes) == 11 and torch.equal(model.objective.quantise(codes), codes)
    assert np.allclose(path[[0, -1]], ae.reconstruct(model, digits.X[:2]), atol=1e-6)


def test_a_topk_model_decodes_at_most_k_active_units_when_interpolating_and_generating(digits, monkeypatch):
    # Points between two top-k codes (up to 2k active units) and a mixture's draws (every unit active) were decoded
    # as they were, codes the decoder never saw. k close to code_size, so some codes keep negative values.
    model = small_model("sparse", penalty="topk", code_size=10, k=8)
    ae.Trainer(model, fast_config(epochs=2)).fit(digits.X[:128])
    assert (ae.encode(model, digits.X[:128]) < 0).any()  # kept negatives: a 0 must not outrank them
    decoded, decode = [], model.decode
    monkeypatch.setattr(model, "decode", lambda codes: decoded.append(codes) or decode(codes))
    path = apps.interpolate(model, digits.X[0], digits.X[1], steps=6)
    apps.generate(model, 5, apps.fit_code_density(model, digits.X[:128], n_components=2))
    codes = torch.cat(decoded)  # (6 + 5, code_size): the interpolation's, then the generated ones
    assert len(codes) == 11 and ((codes != 0).sum(dim=1) <= 8).all()
    assert np.allclose(path[[0, -1]], ae.reconstruct(model, digits.X[:2]), atol=1e-6)


def test_topk_keeps_the_largest_active_units_by_value():
    objective = small_model("sparse", input_shape=(4,), penalty="topk", code_size=6, k=3).objective
    codes = torch.tensor([[3.0, -1.0, 0.0, 2.0, -5.0, 0.5], [-2.0, 0.0, 0.0, 1.0, 0.0, -0.5]])
    expected = torch.tensor([[3.0, 0.0, 0.0, 2.0, 0.0, 0.5], [-2.0, 0.0, 0.0, 1.0, 0.0, -0.5]])  # k or fewer: kept
    assert torch.equal(objective.decodable(codes), expected)


@pytest.mark.parametrize("objective", ae.registry.list_objectives())
def test_codes_to_decode_stay_inside_the_code_activations_range(objective, digits):
    """Mixture draws and interpolations are brought inside the range the code activation gives (ReLU codes of an
    l1 model are never negative, sigmoid ones in [0, 1]); the encoder's own codes decode unchanged."""
    from autoencoders.models._blocks import RANGES

    options, built = {"sparse": {"penalty": "l1"}}.get(objective, {}), 0
    for activation in ("sigmoid", "relu", "tanh"):
        try:
            model = small_model(f"mlp+{objective}", code_size=4, code_activation=activation, **options)
        except (TypeError, ae.ConfigError):  # the objective has no code activation of its own (vq, vae, ...)
            continue
        low, high = RANGES[activation]
        draws = 3 * torch.randn(64, 4, generator=torch.Generator().manual_seed(0))
        kept = model.objective.decodable(draws)
        assert kept.min() >= low and (high is None or kept.max() <= high)
        own = ae.encode(model, digits.X[:16])
        assert torch.equal(model.objective.decodable(torch.as_tensor(own)), torch.as_tensor(own))
        built += 1
    assert built == 3 or objective not in ("plain", "contractive"), "those two take a code activation"
    sparse = small_model("sparse", code_size=4, penalty="kl").objective  # the kl penalty's sigmoid code
    assert sparse.decodable(torch.tensor([[-1.0, 0.5, 2.0, 0.0]])).tolist() == [[0.0, 0.5, 1.0, 0.0]]


def test_interpolation_takes_ends_of_either_layout_and_names_a_wrong_one(trained, digits):
    # A flat end beside an image end was numpy's 'all input arrays must have the same shape'.
    path = apps.interpolate(trained, digits.X[0].ravel(), digits.X[1], steps=3)
    assert np.allclose(path, apps.interpolate(trained, digits.X[0], digits.X[1], steps=3))
    with pytest.raises(ae.DataError, match="the end point"):
        apps.interpolate(trained, digits.X[0], digits.X[1].ravel()[:10], steps=3)


def test_tiles_are_laid_out_row_by_row():
    images = np.arange(5, dtype=np.float32)[:, None, None, None] * np.ones((5, 1, 2, 3), np.float32)
    grid = apps.tile_images(images, columns=3)
    assert grid.shape == (1, 4, 9)
    assert grid[0, 0, 3] == 1 and grid[0, 2, 0] == 3 and grid[0, 3, 8] == 0  # empty cell is black
    spaced = apps.tile_images(images, columns=3, margin=2, fill=-1)  # 2 pixels of -1 between neighbours
    assert spaced.shape == (1, 2 * 2 + 2, 3 * 3 + 2 * 2)
    assert (spaced[0, :, 3:5] == -1).all() and (spaced[0, 2:4] == -1).all() and (spaced[0, 4:, 10:] == -1).all()
    np.testing.assert_array_equal(spaced[0, 4:, 5:8], 4)  # the fifth image: second row, second column


def test_generated_picture_lays_the_samples_out_with_white_margins(run_dir, digits_file, tmp_path):
    # the samples were tiled edge to edge, one digit running into the next
    from PIL import Image

    invoke("generate", run_dir, "--data", digits_file, "-n", 6, "--components", 2, "--out", tmp_path / "g.npy",
           "--image", tmp_path / "g.png")
    samples, picture = np.load(tmp_path / "g.npy"), np.asarray(Image.open(tmp_path / "g.png"))  # (6, 1, 8, 8)
    side = 8 * -(-256 // (6 * 8))  # six samples in a row, enlarged to 256 pixels at least
    assert picture.shape == (side, 6 * side + 5 * 2)
    for index, sample in enumerate(samples[:, 0]):
        left = index * (side + 2)
        expected = np.rint(np.clip(sample, 0, 1) * 255).repeat(side // 8, axis=0).repeat(side // 8, axis=1)
        np.testing.assert_array_equal(picture[:, left:left + side], expected)
        assert index == 5 or (picture[:, left + side:left + side + 2] == 255).all()


def test_generate_says_where_its_samples_come_from(run_dir, digits_file, tmp_path):
    """Audit 43: `ae generate` of a model without a prior fitted a mixture to the codes of the run's data without a
    word ("wrote 4 samples to g.npy"), as a VAE's prior samples are said; a user could take them for a prior's."""
    said = " ".join(invoke("generate", run_dir, "--data", digits_file, "-n", 4, "--components", 2, "--out",
                           tmp_path / "g.npy").split())
    assert f"wrote 4 samples to {tmp_path / 'g.npy'}: decoded draws from a 2-component Gaussian mixture fitted to " \
           f"the codes of {digits_file}" in said, said
    ae.save_model(small_model("vae"), tmp_path / "vae")
    said = " ".join(invoke("generate", tmp_path / "vae", "-n", 4, "--out", tmp_path / "v.npy").split())
    assert said.endswith(f"wrote 4 samples to {tmp_path / 'v.npy'}: decoded draws from the model's prior"), said


def test_generate_and_interpolate_commands_write_samples_and_pictures(run_dir, digits_file, tmp_path):
    invoke("generate", run_dir, "--data", digits_file, "-n", 6, "--components", 2, "--out", tmp_path / "g.npy",
           "--image", tmp_path / "g.png")
    assert np.load(tmp_path / "g.npy").shape == (6, 1, 8, 8) and (tmp_path / "g.png").stat().st_size > 0
    invoke("interpolate", run_dir, "--data", digits_file, "--start", 0, "--end", 5, "--steps", 4,
           "--out", tmp_path / "i.npy")
    assert np.load(tmp_path / "i.npy").shape == (4, 1, 8, 8)
    result = CliRunner().invoke(cli, ["generate", str(run_dir), "--data", "no-such-file.npy", "--noise", "--out",
                                      str(tmp_path / "n.npy")])  # refused before the data is read
    assert result.exit_code == 2 and "has no likelihood p(x|z) to draw from" in result.output


# ------------------------------------------------------------------------------------------------- denoising
def test_a_model_trained_without_corruption_refuses_to_denoise(trained, digits):
    with pytest.raises(ValueError, match="trained without corruption"):
        apps.denoise(trained, digits.X[:2])


def test_image_files_round_trip_through_png(digits, tmp_path):
    files = [tmp_path / f"{i}.png" for i in range(3)]
    apps.write_images(digits.X[:3], files)
    assert np.allclose(apps.read_images(apps.image_files(tmp_path), (1, 8, 8)), digits.X[:3], atol=1 / 255)
    with pytest.raises(ValueError, match="the model takes 16x16"):
        apps.read_images(files, (1, 16, 16))


@pytest.mark.slow
def test_denoise_command_cleans_a_folder_of_images(digits, tmp_path):
    model = small_model("denoising", loss="bce")
    ae.Trainer(model, fast_config(epochs=40, lr=3e-3)).fit(digits.X[:1200])
    ae.save_model(model, tmp_path / "run")
    clean = digits.X[1200:1216]  # digits the model never saw
    noisy = np.clip(clean + 0.3 * np.random.default_rng(0).normal(size=clean.shape), 0, 1)
    apps.write_images(noisy, [tmp_path / "in" / f"{i:02d}.png" for i in range(len(clean))])
    invoke("denoise", tmp_path / "run", tmp_path / "in", tmp_path / "out")
    cleaned = apps.read_images(apps.image_files(tmp_path / "out"), (1, 8, 8))
    assert cleaned.shape == clean.shape
    assert np.mean((cleaned - clean) ** 2) < 0.85 * np.mean((noisy - clean) ** 2)  # closer to the clean digits


def test_denoise_command_never_replaces_images_silently(digits, tmp_path):
    """Refused before the model is even read (RUN here is no model at all): an OUT folder that is IN, or that
    already holds an image of the same name without --overwrite."""
    apps.write_images(digits.X[:2], [tmp_path / "in" / f"{i}.png" for i in range(2)])
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "1.png").write_bytes(b"earlier")
    (tmp_path / "run").write_text("not a model")
    for target, message in ((tmp_path / "in", "OUT is the folder IN"), (tmp_path / "out", "1.png already exists")):
        result = CliRunner().invoke(cli, ["denoise", str(tmp_path / "run"), str(tmp_path / "in"), str(target)])
        assert result.exit_code == 2 and message in result.output, result.output
    assert (tmp_path / "out" / "1.png").read_bytes() == b"earlier" and len(list((tmp_path / "in").iterdir())) == 2


def test_compress_writes_a_vq_models_codebook_indices_and_decompresses_them_exactly(digits, tmp_path):
    model = small_model("mlp+vq", code_size=8, code_dim=2, codebook_size=16)
    ae.Trainer(model, fast_config(epochs=2)).fit(digits.X[:256])
    X = digits.X[:100]
    result = apps.compress(model, X, tmp_path / "codes.aec")
    np.testing.assert_array_equal(apps.decompress(model, result.path), result.reconstructions)
    np.testing.assert_array_equal(result.reconstructions, ae.reconstruct(model, X))  # the codes are exact
    # 4 indices of 16 entries: at most 16 bits a sample entropy-coded, plus a header and 16 counts
    assert result.n_bytes < 100 * 2 + 64 + 300


@pytest.mark.parametrize("given", [["--data", "other.npy"], ["--split", "test"], ["--data-dir", "."],
                                   ["--label-column", "y"]])
def test_generate_refuses_data_options_when_it_samples_a_prior(tmp_path, given):
    """Audit 43: `ae generate VAE_RUN --data X.npy` without --fit-density wrote prior samples and never read X.npy
    (one of 14x14 images for a 28x28 model went unnoticed); the README's mixture on X's codes needs --fit-density."""
    ae.save_model(small_model("vae"), tmp_path / "run")
    result = CliRunner().invoke(cli, ["generate", str(tmp_path / "run"), *given, "--out", str(tmp_path / "g.npy")])
    assert result.exit_code == 2, result.output
    assert (f"the model samples its own prior, so {given[0]} is not read: add --fit-density to sample a mixture "
            "fitted to the codes of --data") in " ".join(result.output.split()), result.output
    assert not (tmp_path / "g.npy").exists()


def test_generate_refuses_components_when_it_samples_a_prior(tmp_path):
    # --components was taken and ignored: a VAE samples its prior unless --fit-density is given.
    ae.save_model(small_model("vae"), tmp_path / "run")
    result = CliRunner().invoke(cli, ["generate", str(tmp_path / "run"), "--components", "3", "--out",
                                      str(tmp_path / "g.npy")])
    assert result.exit_code == 2 and "--components sizes the mixture of --fit-density" in result.output


def test_compress_refuses_a_step_for_a_vq_run(digits, tmp_path):
    # --step was taken and ignored: the codebook indices are coded as they are.
    model = small_model("mlp+vq", code_size=8, code_dim=2, codebook_size=16)
    ae.save_model(model, tmp_path / "run")
    result = CliRunner().invoke(cli, ["compress", str(tmp_path / "run"), "--data", "digits", "--step", "0.1",
                                      "--out", str(tmp_path / "x.aec")])
    assert result.exit_code == 2 and "codebook indices (vq), coded as they are without a step" in result.output
    assert not (tmp_path / "x.aec").exists()


# ------------------------------------------------------------------------------------------------- audit 40
def test_a_compression_result_prints_without_its_reconstructions(trained, digits, tmp_path):
    # Its repr was the dataclass's: every reconstructed value, a screenful per notebook cell.
    result = apps.compress(trained, digits.X[:100], tmp_path / "d.aec")
    assert "array" not in repr(result) and f"n_bytes={result.n_bytes}" in repr(result) and len(repr(result)) < 300


def test_an_estimator_given_for_a_model_is_named_with_what_to_pass(trained, digits, tmp_path):
    # Was AttributeError: 'NoneType' object has no attribute 'discrete_codes' (or 'can_sample', or no 'encode').
    from autoencoders.sklearn import AutoencoderTransformer

    estimator = AutoencoderTransformer(code_size=2, epochs=1, random_state=0)
    flat = digits.X[:64].reshape(64, -1)
    calls = [lambda: apps.compress(estimator, flat, tmp_path / "x.aec"), lambda: apps.generate(estimator, 2),
             lambda: apps.interpolate(estimator, flat[0], flat[1]), lambda: ae.encode(estimator, flat),
             lambda: apps.denoise(estimator, flat), lambda: apps.decompress(estimator, tmp_path / "x.aec"),
             lambda: apps.fit_code_density(estimator, flat),
             lambda: apps.train_classifier(estimator, flat, [0, 1] * 32)]
    for call in calls:
        with pytest.raises(TypeError, match="got an AutoencoderTransformer: a scikit-learn estimator's model is its "
                                            "model_, once fitted"):
            call()
    with pytest.raises(TypeError, match=r"got a str: a saved run is read with ae.load_model\(path\)"):
        ae.reconstruct("runs/mine", flat)


@pytest.mark.parametrize("wrap", [lambda codes: codes.tolist(), lambda codes: __import__("pandas").DataFrame(codes)])
def test_codes_as_a_list_or_a_data_frame_are_clustered_indexed_and_queried(wrap):
    # Were AttributeError: 'list' / 'DataFrame' object has no attribute 'reshape'.
    codes = np.repeat(np.eye(3), 4, axis=0) + np.random.default_rng(0).normal(0, 0.01, (12, 3))  # (12, 3)
    assert np.array_equal(apps.cluster_codes(wrap(codes), 3), apps.cluster_codes(codes, 3))
    index = apps.CodeIndex(wrap(codes))
    assert np.array_equal(index.query(wrap(codes[:2]), 2)[0], apps.CodeIndex(codes).query(codes[:2], 2)[0])


def test_codes_with_gaps_are_named_before_clustering_or_indexing():
    # Were scikit-learn's "Input X contains NaN. KMeans does not accept missing values ... HistGradientBoosting".
    codes = np.ones((6, 2))
    codes[4, 1] = np.nan
    with pytest.raises(ae.DataError, match=r"codes contains NaN in .*row 4"):
        apps.cluster_codes(codes, 2)
    with pytest.raises(ae.DataError, match=r"codes contains NaN in .*row 4"):
        apps.CodeIndex(codes)


def test_the_items_of_stored_queries_must_be_one_per_query():
    # Were zip()'s "argument 2 is shorter than argument 1" and "iteration over a 0-d array".
    index = apps.CodeIndex(np.random.default_rng(0).random((10, 2)))
    for items in ([0, 1], 0):
        with pytest.raises(ae.DataError, match=r"items must hold one stored item index per query \(3\)"):
            index.query(np.zeros((3, 2)), 2, items=items)
    with pytest.raises(ae.DataError, match=r"items must hold one stored item index per query"):
        index.query(np.zeros((1, 2)), 2, items=[10])


def test_psnr_refuses_outputs_of_another_shape():
    # Three samples against one broadcast silently into a figure for the first sample only.
    images = np.random.default_rng(0).random((3, 1, 8, 8))
    with pytest.raises(ae.DataError, match=r"psnr compares arrays of one shape, got \(3, 1, 8, 8\) and \(1, 1, 8, 8\)"):
        apps.psnr(images, images[:1])


def test_reduction_scores_name_codes_for_other_rows(digits):
    # Were scikit-learn's "n_neighors (5) should be less than n_samples / 2 (5.0)" for 9 codes of 10 rows.
    X = digits.X[:10]
    with pytest.raises(ae.DataError, match="10 samples, 9 codes and 10 reconstructions: one of each per sample"):
        apps.reduction_scores(X, np.zeros((9, 3)), X)


def test_interpolation_takes_each_end_as_a_batch_of_one_and_names_a_batch_of_more(trained, digits):
    # X[:1] was "the start point has 5 dimension(s) (1, 1, 1, 8, 8)"; X[:2] the same, naming no sample count.
    X = digits.X
    assert np.array_equal(apps.interpolate(trained, X[:1], X[1:2], 3), apps.interpolate(trained, X[0], X[1], 3))
    with pytest.raises(ae.DataError, match=r"the start point is one sample of shape \(1, 8, 8\) \(64 values\); got "
                                           r"shape \(2, 1, 8, 8\) \(128 values\)"):
        apps.interpolate(trained, X[:2], X[2])


def test_interpolation_names_an_end_of_another_shape_by_its_own_shape(trained, digits):
    """Audit 43: an end image of another shape with as many values, (1, 4, 16) for a model of (1, 8, 8) images, was
    said to have "samples of shape (4, 16)" and told to transpose channels-last arrays (n, H, W, C); an image kept
    channels-last, (8, 8, 3) for a (3, 8, 8) model, got X.transpose(0, 3, 1, 2), which fails on one image."""
    X = digits.X
    with pytest.raises(ae.DataError, match=r"^the end point is one sample of shape \(1, 8, 8\); got shape "
                                           r"\(1, 4, 16\): its 64 values in another layout, which a reshape would "
                                           r"scramble$"):
        apps.interpolate(trained, X[0], X[1].reshape(1, 4, 16))
    for same in (X[1].reshape(8, 8), X[1].reshape(8, 8, 1), X[1].ravel(), X[1:2]):  # the layouts that stay taken
        assert np.array_equal(apps.interpolate(trained, X[0], same, 3), apps.interpolate(trained, X[0], X[1], 3))
    colour = small_model("conv", input_shape=(3, 8, 8)).eval()
    image = np.random.default_rng(0).random((3, 8, 8), dtype=np.float32)
    with pytest.raises(ae.DataError, match=r"got shape \(8, 8, 3\).*np.moveaxis\(point, -1, 0\) puts its "
                                           r"channels first"):
        apps.interpolate(colour, image, np.moveaxis(image, 0, -1))


def test_a_density_unfitted_or_over_codes_of_another_width_is_named(trained, digits):
    # Were AttributeError: 'GaussianMixture' object has no attribute 'weights_', and "codes has samples of shape
    # (3,)" after the draws were made.
    from sklearn.mixture import GaussianMixture

    with pytest.raises(ae.ConfigError, match="the density is not fitted: fit_code_density"):
        apps.generate(trained, 2, density=GaussianMixture(2))
    other = apps.fit_density(np.random.default_rng(0).normal(size=(40, 3)), 2)
    with pytest.raises(ae.ConfigError, match="the density is over 3-D points; this model's codes have 8 values"):
        apps.generate(trained, 2, density=other)


def test_a_mixture_of_more_components_than_distinct_codes_is_named():
    """Audit 43: `ae generate` on a vq run trained 2 epochs on 2,400 MNIST digits (9 codebook entries in use) showed
    scikit-learn's ConvergenceWarning "Number of distinct clusters (9) found smaller than n_clusters (10)", naming
    no option of ours, and fitted a component of weight 0."""
    codes = np.repeat(np.eye(3), 10, axis=0)  # (30, 3): 3 distinct codes, as a vq model's codebook entries
    with pytest.raises(ae.ConfigError, match=r"the 30 points take 3 distinct values, fewer than the 4 mixture "
                                             r"components asked for \(n_components; ae generate's --components\)"):
        apps.fit_density(codes, 4)
    assert len(apps.fit_density(codes, 3).weights_) == 3


@pytest.mark.parametrize("count", [2.5, True, 0])
def test_counts_of_clusters_components_and_neighbours_must_be_whole(count):
    # 2.5 and True were scikit-learn's InvalidParameterError, "an integer is required" and "n_neighbors does not
    # take <class 'float'> value".
    codes = np.random.default_rng(0).normal(size=(20, 3))
    for name, call in [("n_clusters", lambda: apps.cluster_codes(codes, count)),
                       ("n_components", lambda: apps.fit_density(codes, count)),
                       ("k", lambda: apps.CodeIndex(codes).query(codes[:2], count))]:
        with pytest.raises(ae.ConfigError, match=f"{name} must be a whole number >= 1, got {count!r}"):
            call()


def test_generation_seeds_must_be_whole_numbers(trained, digits):
    # seed=None was torch's "manual_seed expected a long, but got NoneType" after the density was drawn from.
    density = apps.fit_code_density(trained, digits.X[:50], n_components=2)
    with pytest.raises(ae.ConfigError, match="seed must be a whole number >= 0, got None"):
        apps.generate(trained, 2, density, seed=None)


def test_compressing_to_a_folder_is_named_before_any_work(trained, digits, tmp_path, monkeypatch):
    # Was IsADirectoryError naming a temporary file: "'.../.a40.8898.bbbbec26.tmp' -> '...'" after the encoding.
    monkeypatch.setattr(apps.compression, "encode", lambda *args: pytest.fail("encoded before the path was checked"))
    with pytest.raises(IsADirectoryError, match=f"{tmp_path} is a folder; name the file to write, a path inside it"):
        apps.compress(trained, digits.X[:5], tmp_path)


def test_image_shapes_and_file_counts_are_named_before_images_are_read_or_written(digits, tmp_path):
    # A model's flat (64,) shape was "not enough values to unpack (expected 3, got 1)"; three images for two files
    # zip()'s "argument 2 is shorter than argument 1" after the first two were written; (n, H, W) images were
    # written as one image per row.
    with pytest.raises(ae.DataError, match=r"read_images takes an image shape \(channels, height, width\), got "
                                           r"\(64,\): that model does not take images"):
        apps.read_images([tmp_path / "a.png"], (64,))
    files = [tmp_path / "a.png", tmp_path / "b.png"]
    with pytest.raises(ae.DataError, match="3 images for 2 files"):
        apps.write_images(digits.X[:3], files)
    with pytest.raises(ae.DataError, match=r"images must be \(n, channels, height, width\) with 1, 3 or 4 channels, "
                                           r"got shape \(2, 8, 8\)"):
        apps.write_images(digits.X[:2, 0], files)
    assert not any(file.exists() for file in files)


def test_text_labels_are_named_with_how_to_number_them(digits):
    # Was "got object of shape (20,)": the labels' text was not named, nor what to do.
    names = np.array(["zero", "one"])[digits.y[:20] % 2]
    with pytest.raises(ae.DataError, match=r"y holds text \('zero'.*pandas.factorize\(y\)"):
        apps.train_classifier(small_model("deep"), digits.X[:20], names)


def test_the_scores_take_data_frames_and_lists_as_the_clustering_does(digits):
    # Were AttributeError: 'DataFrame' object has no attribute 'reshape' (and 'list' ... for precision_at_k).
    import pandas as pd

    flat = digits.X[:60].reshape(60, -1).astype(np.float64)
    frame, y = pd.DataFrame(flat), digits.y[:60]
    codes, reconstructions = apps.pca_codes(frame, frame, 5)
    assert np.array_equal(codes, apps.pca_codes(flat, flat, 5)[0]) and reconstructions.shape == (60, 64)
    assert apps.reduction_scores(frame, pd.DataFrame(codes), reconstructions) == apps.reduction_scores(
        flat, codes, reconstructions)
    assert apps.linear_probe_accuracy(frame[:40], y[:40], frame[40:], y[40:]) == apps.linear_probe_accuracy(
        flat[:40], y[:40], flat[40:], y[40:])
    assert apps.precision_at_k([[1, 1], [0, 2]], [1, 0]) == 0.75


def test_predicting_classes_needs_the_classifier_not_the_autoencoder(trained, digits):
    # Was AttributeError: 'Autoencoder' object has no attribute 'autoencoder'.
    with pytest.raises(TypeError, match="predict_classes takes the classifier train_classifier returned, got an "
                                        "Autoencoder"):
        apps.predict_classes(trained, digits.X[:5])


def test_a_negative_number_of_draws_is_named():
    # Was NumPy's "negative dimensions are not allowed".
    density = apps.fit_density(np.random.default_rng(0).normal(size=(40, 3)), 2)
    assert apps.sample_density(density, 0).shape == (0, 3)
    with pytest.raises(ae.ConfigError, match="n must be a whole number >= 0, got -1"):
        apps.sample_density(density, -1)


def test_reduction_scores_name_too_few_samples_for_the_neighbourhoods(digits):
    # Was scikit-learn's "n_neighbors (5) should be less than n_samples / 2 (5.0)", naming no way out.
    X = digits.X[:10]
    codes, reconstructions = apps.pca_codes(X, X, 3)
    with pytest.raises(ae.DataError, match="trustworthiness over 5 neighbours needs more than 10 samples, got 10; "
                                           "pass a smaller n_neighbors"):
        apps.reduction_scores(X, codes, reconstructions)
    assert 0 <= apps.reduction_scores(X, codes, reconstructions, n_neighbors=4)["trustworthiness"] <= 1


def test_images_as_nested_lists_are_tiled_and_written(tmp_path):
    # Were AttributeError: 'list' object has no attribute 'ndim' (the README: applications take lists too).
    images = np.random.default_rng(0).random((3, 1, 2, 2)).astype(np.float32)  # (n, C, H, W)
    np.testing.assert_array_equal(apps.tile_images(images.tolist(), columns=2), apps.tile_images(images, columns=2))
    files = [tmp_path / f"{i}.png" for i in range(3)]
    apps.write_images(images.tolist(), files)
    assert all(file.exists() for file in files)
