"""A folder of a user's own pictures through every command (audit 54): gray, colour and mixed-mode folders, class
sub-folders, and what each command writes back, by file name and in the input's mode."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from autoencoders.applications import write_images
from autoencoders.cli import cli
from autoencoders.data import read_path
from autoencoders.data.files import read_image_folder
from autoencoders.data.images import read_image


def _pictures(folder, names, mode="L", size=(8, 8), seed=0):
    """Random pictures of ``mode`` saved under ``folder`` by their relative ``names``."""
    rng = np.random.default_rng(seed)
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (*size[::-1], 3), dtype=np.uint8)).convert(mode).save(folder / name)
    return folder


def _train(folder, run, *options):
    result = CliRunner().invoke(cli, ["train", "--data", str(folder), "--hidden", "8", "--code-size", "2",
                                      "--epochs", "1", "--out", str(run), "--quiet", "--no-report", *options])
    assert result.exit_code == 0, result.output
    return run


@pytest.fixture
def classed(tmp_path):
    """A folder of 6 gray pictures in two class folders, and a run trained on it."""
    names = ["dog/b.png", "cat/z.png", "cat/a.png", "dog/a.png", "cat/m.png", "dog/c.png"]
    folder = _pictures(tmp_path / "pets", names)
    return folder, _train(folder, tmp_path / "run")


def test_encode_cluster_and_detect_write_each_picture_s_file_beside_its_row(classed, tmp_path):
    # a CSV of codes or scores of an image folder held numbers alone: which picture each row was could only be
    # guessed from the sorted order the loader happened to use
    folder, run = classed
    runner = CliRunner()
    result = runner.invoke(cli, ["encode", str(run), "--data", str(folder), "--out", str(tmp_path / "codes.csv")])
    assert result.exit_code == 0, result.output
    codes = pd.read_csv(tmp_path / "codes.csv")
    assert list(codes.columns) == ["file", "code0", "code1"]
    assert sorted(codes["file"]) == ["cat/a.png", "cat/m.png", "cat/z.png", "dog/a.png", "dog/b.png", "dog/c.png"]
    result = runner.invoke(cli, ["detect", "--data", str(folder), "--out", str(tmp_path / "scores.csv")])
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert list(scores.columns[:2]) == ["row", "file"] and list(scores["file"]) == list(codes["file"])
    result = runner.invoke(cli, ["cluster", str(run), "--data", str(folder), "--clusters", "2",
                                 "--out", str(tmp_path / "clusters.csv")])
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(tmp_path / "clusters.csv")["file"]) == list(codes["file"])


def test_search_names_the_pictures_it_finds(classed):
    # ae search on a folder gave its neighbours as row numbers alone, which no user of a folder can map to a picture
    folder, run = classed
    result = CliRunner().invoke(cli, ["search", str(run), "--data", str(folder), "--query", "0", "-k", "3"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)["results"][0]
    files = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.png"))
    assert found["files"] == [files[row] for row in found["neighbours"]] and found["query_file"] == files[0]


def test_a_gray_folder_with_one_colour_picture_says_all_are_read_in_colour(tmp_path):
    # one RGB(A) file among gray ones turned the whole folder into 3 channels without a word
    folder = _pictures(tmp_path / "scans", [f"{i}.png" for i in range(5)])
    _pictures(folder, ["odd.png"], mode="RGB", seed=1)
    with pytest.warns(UserWarning, match=r"1 of 6 .*odd\.png.*three channels"):
        dataset = read_path(folder)
    assert dataset.X.shape == (6, 3, 8, 8)


def test_transparency_dropped_from_a_picture_is_warned_of(tmp_path):
    # an RGBA picture's alpha was dropped silently: its transparent pixels read as whatever colour they hide
    pixels = np.random.default_rng(0).integers(0, 256, (8, 8, 4), dtype=np.uint8)  # (H, W, RGBA)
    pixels[..., 3] = 255
    Image.fromarray(pixels, "RGBA").save(tmp_path / "opaque.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an opaque alpha channel loses nothing: no warning
        np.testing.assert_allclose(read_image(tmp_path / "opaque.png"), pixels[..., :3].transpose(2, 0, 1) / 255)
    pixels[0, 0, 3] = 0
    Image.fromarray(pixels, "RGBA").save(tmp_path / "logo.png")
    with pytest.warns(UserWarning, match=r"logo\.png.*transparen"):
        assert read_image(tmp_path / "logo.png").shape == (3, 8, 8)


def test_denoise_writes_a_16_bit_scan_back_in_16_bits(tmp_path):
    # a 16-bit gray PNG (a scan, a microscope image) came back 8-bit: 256 levels where it had 65536
    run = _train(_pictures(tmp_path / "scans", [f"{i}.png" for i in range(6)]), tmp_path / "run",
                 "--model", "denoising")
    deep = (np.random.default_rng(2).random((8, 8)) * 65535).astype(np.uint16)  # (H, W)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    _pictures(tmp_path, ["plain.png"], seed=3)
    for name in ("deep.png", "plain.png"):
        result = CliRunner().invoke(cli, ["denoise", str(run), str(tmp_path / name), str(tmp_path / f"out-{name}")])
        assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "out-deep.png") as written, Image.open(tmp_path / "out-plain.png") as plain:
        assert written.mode == "I;16" and plain.mode == "L"
        levels = np.asarray(written)
    assert levels.max() > 255 and len(np.unique(levels % 257)) > 1  # not 8-bit levels widened


@pytest.mark.parametrize("command", ["encode", "compress", "decompress", "denoise", "reconstruct", "generate"])
def test_overwrite_names_image_only_where_the_command_draws_one(command):
    # ae decompress --help said "--overwrite: Replace --out (and --image)", an option it does not have
    result = CliRunner().invoke(cli, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    has_image = "--image FILE" in result.output
    assert has_image == (command in ("reconstruct", "generate"))
    assert ("--image" in result.output.split("--overwrite", 1)[1].splitlines()[0]) == has_image


def test_denoise_cleans_a_folder_of_class_folders_into_the_same_layout(classed, tmp_path):
    # the folder a model trained on (pictures in class folders) was "no image files" to ae denoise
    folder, _ = classed
    run = _train(folder, tmp_path / "denoiser", "--model", "denoising")
    out = folder / "clean"  # inside IN: its pictures are not read again by a second run
    for again in ([], ["--overwrite"]):
        result = CliRunner().invoke(cli, ["denoise", str(run), str(folder), str(out), *again])
        assert result.exit_code == 0, result.output
        assert "wrote 6 denoised" in result.output
    written = sorted(path.relative_to(out).as_posix() for path in out.rglob("*"))
    assert written == ["cat", "cat/a.png", "cat/m.png", "cat/z.png", "dog", "dog/a.png", "dog/b.png", "dog/c.png"]


def test_gray_gifs_are_read_as_gray(tmp_path):
    # a GIF stores pixels as a palette, gray or not; gray GIFs were read as three equal colour channels: a colour
    # model, three times the input, for gray pictures
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (3, 8, 8), dtype=np.uint8)  # (n, H, W)
    for i, pixels in enumerate(gray):
        Image.fromarray(pixels).save(tmp_path / f"{i}.gif")
    dataset = read_path(tmp_path)
    assert dataset.X.shape == (3, 1, 8, 8)
    np.testing.assert_allclose(dataset.X[:, 0], gray / 255, atol=1e-6)
    Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).convert("P").save(tmp_path / "colour.gif")
    assert read_image(tmp_path / "colour.gif").shape == (3, 8, 8)  # a colour palette stays colour


def test_reconstruct_writes_each_picture_s_file_beside_its_pixels(classed, tmp_path):
    # as encode: a CSV of a folder's reconstructions was rows of pixel values with nothing to say whose
    folder, run = classed
    result = CliRunner().invoke(cli, ["reconstruct", str(run), "--data", str(folder), "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(tmp_path / "r.csv")
    assert list(rows.columns) == ["file", *(f"value{i}" for i in range(64))]  # 8x8 gray pixels, row by row
    assert rows["file"].iloc[0] == "cat/a.png" and rows.iloc[:, 1:].to_numpy().min() >= 0
    result = CliRunner().invoke(cli, ["reconstruct", str(run), "--data", str(folder), "--out", str(tmp_path / "r.npy")])
    assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "r.npy").shape == (6, 1, 8, 8)  # an .npy holds the images alone, as before


def test_denoise_names_an_input_that_is_no_image_first(tmp_path):
    # an .npy given as IN with a folder name as OUT was told "OUT must end in .png, ...", not what was wrong
    np.save(tmp_path / "rows.npy", np.zeros((2, 64)))
    (tmp_path / "run").write_text("not read: IN is refused first")
    arguments = [str(tmp_path / name) for name in ("run", "rows.npy", "out")]
    result = CliRunner().invoke(cli, ["denoise", *arguments])
    assert result.exit_code != 0 and "rows.npy is not an image file" in result.output, result.output


def test_read_image_folder_takes_a_path_as_text(tmp_path):
    # autoencoders.data.files.read_image_folder("pictures") failed: 'str' object has no attribute 'rglob'
    folder = _pictures(tmp_path / "pictures", ["a.png", "b.png"])
    dataset = read_image_folder(str(folder), grayscale=False)
    assert dataset.X.shape == (2, 3, 8, 8) and dataset.files == ["a.png", "b.png"]


def test_write_images_keeps_16_bits_of_gray_where_asked(tmp_path):
    images = np.linspace(0, 1, 64, dtype=np.float32).reshape(1, 1, 8, 8)
    write_images(np.concatenate([images, images]), [tmp_path / "a.png", tmp_path / "b.png"], bits=[16, 8])
    with Image.open(tmp_path / "a.png") as deep, Image.open(tmp_path / "b.png") as plain:
        assert (deep.mode, plain.mode) == ("I;16", "L")
        np.testing.assert_array_equal(np.asarray(deep), np.rint(images[0, 0] * 65535))
    with pytest.raises(ValueError, match="1 bit depths for 2 files"):
        write_images(np.concatenate([images, images]), [tmp_path / "c.png", tmp_path / "d.png"], bits=[16])


def test_a_transparent_colour_of_a_gif_is_warned_of(tmp_path):
    # a GIF marks transparency by one palette index, not an alpha channel
    picture = Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8)).convert("P")
    picture.save(tmp_path / "cut.gif", transparency=0)
    with pytest.warns(UserWarning, match=r"cut\.gif: 2% of its pixels are transparent"):
        read_image(tmp_path / "cut.gif")
