"""Audit 33b: every (backbone, objective) pair, the sequence backbone's remove_level with each objective, and every
preset, through every interface, with tiny settings (a few dozen rows, 1 or 2 epochs, 8x8 images, windows (2, 32)).

Columns: Python training (float32, float64 and integer inputs; every loss and every objective setting in VARIANTS;
the same seed twice gives the same weights; finite losses), save/load (codes, decodings, reconstructions, errors and
seeded samples bit for bit), sampling and interpolation (a prior where the objective has one, else a named refusal
and a density over the codes), ONNX (model, encoder, decoder against onnxruntime), the CLI (`ae train`, `ae export
--part all`, `ae encode`, `ae generate`, and `ae train --resume` to the weights of an uninterrupted run) and the
scikit-learn transformer (codes' dtype follows the input's, save/load, clone, get_params = the fitted fields). A
pair the library refuses is checked to be refused with the same message by Python, the CLI (before any training:
no model file) and the transformer. A second table fits the detector and the imputer with each backbone.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/audit_pairs.py [--only mlp+vae vanilla ...]

Each cell: ok (with the number of settings run), refused (the start of the message), or FAIL (the error).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from click.testing import CliRunner
from sklearn.base import clone

import autoencoders as ae
from _common import print_table
from autoencoders import registry
from autoencoders.applications import fit_code_density, generate, interpolate
from autoencoders.cli import cli
from autoencoders.export import PARTS, export_onnx, max_abs_difference
from autoencoders.sklearn import AutoencoderImputer, AutoencoderOutlierDetector, AutoencoderTransformer

SHAPES = {"mlp": (1, 8, 8), "conv": (1, 8, 8), "sequence": (2, 32)}  # 64 values each
SMALL = {"mlp": {"hidden": (8,)}, "conv": {"channels": (4,)}, "sequence": {"channels": (4,)}}
# Settings of each objective tried besides its defaults (Python, save/load, ONNX).
VARIANTS = {"plain": [{"code_activation": "sigmoid"}], "sparse": [{"penalty": "kl"}, {"penalty": "topk", "k": 2}],
            "contractive": [{"code_activation": "tanh", "projections": 2}],
            "vae": [{"learn_scale": True}, {"optimal_scale": True}, {"free_bits": 0.1}], "vq": []}
LOSSES = ("mse", "bce", "l1")
CODE_SIZE = 6


@dataclass
class Spec:
    """One model to audit: a preset or a pair, with options."""

    label: str
    preset: str | None
    backbone: str
    objective: str
    options: dict = field(default_factory=dict)

    def names(self) -> dict:  # a preset's own parts are implied; a part swapped in is named
        if self.preset is None or registry.model_parts(self.preset) != (self.backbone, self.objective):
            return {"backbone": self.backbone, "objective": self.objective}
        return {}

    def model_options(self, **more) -> dict:
        """Options for create_model: small sizes (a preset without hidden layers keeps none), a code_dim that
        divides the code, the spec's own, then ``more``."""
        small = dict(SMALL[self.backbone])
        found = registry.get_preset(self.preset) if self.preset else None
        if found and found.backbone == self.backbone and found.defaults.get("hidden") == ():
            small = {}
        vq = {"code_dim": 2} if self.objective == "vq" else {}
        return {**small, **vq, **self.options, **more}

    def create(self, **more) -> ae.Autoencoder:
        return ae.create_model(self.preset, **self.names(), input_shape=SHAPES[self.backbone], code_size=CODE_SIZE,
                               seed=0, **self.model_options(**more))

    def renamed(self) -> dict:
        """Each option the preset's family named otherwise, at a value other than its default."""
        if self.preset is None:
            return {}
        owners = registry.option_owners(self.backbone, self.objective)
        values = {}
        for name in registry.get_preset(self.preset).renames:
            cls = registry.get_backbone(self.backbone) if owners[name] == "backbone" else \
                registry.get_objective(self.objective).config_class
            found = {f.name: f for f in dataclasses.fields(cls)}[name]
            values[name] = next(choice for choice in reversed(found.metadata["choices"]) if choice != found.default)
        return values

    def cli_args(self, **more) -> list[str]:
        names = ["--model", self.preset] if self.preset else ["--backbone", self.backbone, "--objective",
                                                              self.objective]
        if self.preset and registry.model_parts(self.preset) != (self.backbone, self.objective):
            names += ["--backbone", self.backbone, "--objective", self.objective]
        args = []
        for name, value in self.model_options(**more).items():
            flag = "--" + name.replace("_", "-")
            args += [flag] if value is True else [flag, ",".join(map(str, value)) if isinstance(value, tuple)
                                                  else str(value)]
        return [*names, *args, "--code-size", str(CODE_SIZE)]


def specs() -> list[Spec]:
    pairs = [Spec(f"{b}+{o}", None, b, o) for b, o in itertools.product(ae.list_backbones(), ae.list_objectives())]
    levels = [Spec(f"sequence+{o} (remove_level)", None, "sequence", o, {"remove_level": True})
              for o in ae.list_objectives()]
    presets = [Spec(p, p, *registry.model_parts(p)) for p in ae.list_models()]
    swapped = [Spec(f"{p} with {b}" if o == found.objective else f"{p} with {o}", p, b, o)
               for p in ae.list_models() if (found := registry.get_preset(p)).renames
               for b, o in itertools.product(ae.list_backbones(), ae.list_objectives())
               if (b == found.backbone) != (o == found.objective)]  # one part swapped
    return [*pairs, *levels, *presets, *swapped]


def rows(n: int, spec: Spec, dtype=np.float32, top: int = 3) -> np.ndarray:
    """``n`` samples of the spec's shape: floats in [0, 1), or integers 0 to ``top``."""
    X = np.random.default_rng(0).random((n, *SHAPES[spec.backbone]))
    return (X * top).round().astype(dtype) if np.issubdtype(dtype, np.integer) else X.astype(dtype)


def fit(model: ae.Autoencoder, X: np.ndarray, epochs: int = 1) -> ae.History:
    return ae.Trainer(model, ae.TrainConfig(epochs=epochs, batch_size=8, progress=False, seed=0)).fit(X)


def settings(spec: Spec, losses=LOSSES):
    """(loss, objective options) of every setting tried that the library accepts; refusals by name are skipped."""
    for loss, variant in itertools.product(losses, [{}, *VARIANTS[spec.objective]]):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                spec.create(loss=loss, **variant)
        except ae.ConfigError:  # e.g. learn_scale under bce: refused with its reason
            continue
        yield loss, variant


# ----------------------------------------------------------------------------------------------- the checks
def check_renamed(spec: Spec) -> None:
    """A renamed family option given to a preset (with a part swapped or not): accepted, and with another backbone
    swapped in it is that backbone's own option (not the code activation); each field it stands for, given itself,
    is kept (not overwritten by the preset's own default for the renamed option)."""
    for name, value in spec.renamed().items():
        config = spec.create(**{name: value}).config
        if spec.backbone != registry.get_preset(spec.preset).backbone:
            assert getattr(config.backbone, name) == value, f"{name}={value!r} did not set the {spec.backbone}'s"
        owners = registry.option_owners(spec.backbone, spec.objective)
        for target in registry.get_preset(spec.preset).renames[name]:
            if target != name and owners.get(target) == "objective":
                config = spec.create(**{target: value}).config
                assert getattr(config.objective, target) == value, f"{target}={value!r} was overwritten"


def check_python(spec: Spec) -> str:
    check_renamed(spec)
    n = 0
    for loss, variant in settings(spec):
        for dtype in (np.float32, np.float64, np.int64):
            X = rows(24, spec, dtype, top=1 if loss == "bce" else 3)  # bce's targets lie in [0, 1]
            first, second = spec.create(loss=loss, **variant), spec.create(loss=loss, **variant)
            history = fit(first, X)
            fit(second, X)
            losses = [v for values in (*history.train.values(), *history.val.values()) for v in values]
            assert np.isfinite(losses).all(), f"{loss} {variant} {dtype.__name__}: losses {losses}"
            same = all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values(),
                                                          strict=True))
            assert same, f"{loss} {variant}: the same seed gave other weights"
            codes = ae.encode(first, X)
            assert codes.shape == (len(X), CODE_SIZE) and ae.reconstruct(first, X).shape == X.shape
            n += 1
    return f"ok ({n})"


def check_save_load(spec: Spec) -> str:
    n = 0
    for loss, variant in settings(spec):
        model, X = spec.create(loss=loss, **variant), rows(24, spec)
        fit(model, X)
        with tempfile.TemporaryDirectory() as folder:
            loaded = ae.load_model(ae.save_model(model, Path(folder) / "m.safetensors"))
        assert loaded.config == model.config and loaded.name == model.name
        codes = ae.encode(model, X)
        pairs = [(f(loaded, X), f(model, X)) for f in (ae.encode, ae.reconstruct, ae.reconstruction_error)]
        pairs.append((ae.decode(loaded, codes), ae.decode(model, codes)))
        if model.objective.can_sample:
            pairs.append((generate(loaded, 3, seed=1), generate(model, 3, seed=1)))
        assert all(np.array_equal(a, b) for a, b in pairs), f"{loss} {variant}: outputs changed"
        n += 1
    return f"ok ({n})"


def check_sampling(spec: Spec) -> str:
    model, X = spec.create(loss="mse"), rows(24, spec)
    fit(model, X)
    if model.objective.can_sample:
        assert generate(model, 3, noise=True).shape == (3, *SHAPES[spec.backbone])
        drawn = generate(model, 3)
    else:
        try:
            generate(model, 3)
            raise AssertionError("a model without a prior sampled")
        except ae.ConfigError as refusal:
            assert "no prior" in str(refusal)
        drawn = generate(model, 3, fit_code_density(model, X, 2))
    path = interpolate(model, X[0], X[1], 4)
    ends = ae.reconstruct(model, X[:2])
    assert np.isfinite(drawn).all() and np.allclose(path[[0, -1]], ends, atol=1e-5)
    return "ok"


def check_onnx(spec: Spec) -> str:
    n = 0
    for _, variant in settings(spec, losses=("mse",)):
        model = spec.create(loss="mse", **variant)
        fit(model, rows(24, spec))
        with tempfile.TemporaryDirectory() as folder:
            for part in PARTS:
                difference = max_abs_difference(model, export_onnx(model, Path(folder) / f"{part}.onnx", part), part)
                assert difference <= 1e-5, f"{variant} {part}: {difference}"
        n += 1
    return f"ok ({n})"


def invoke(*args) -> str:
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    if result.exit_code != 0:
        raise RuntimeError(f"`ae {' '.join(map(str, args[:2]))}`: {result.output.strip()[-300:]}")
    return result.output


def check_cli(spec: Spec) -> str:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        np.save(folder / "x.npy", rows(40, spec))
        common = ["--data", folder / "x.npy", "--batch-size", "8", "--quiet", "--no-report", *spec.cli_args()]
        for n, more in enumerate([*VARIANTS[spec.objective], *([spec.renamed()] if spec.renamed() else [])]):
            data = ["--data", folder / "x.npy", "--epochs", 1, "--quiet", "--no-report"]  # loss auto
            invoke("train", *data, *spec.cli_args(**more), "--out", folder / f"variant{n}")
        invoke("train", *common, "--epochs", 2, "--out", folder / "whole")
        run = folder / "run"
        invoke("train", *common, "--epochs", 1, "--out", run)
        invoke("export", run, "--part", "all")
        invoke("encode", run, "--out", folder / "codes.npy")
        density = [] if ae.load_model(run).objective.can_sample else ["--fit-density", "--components", 2]
        invoke("generate", run, "-n", 3, *density, "--out", folder / "new.npy")
        invoke("train", "--out", run, "--resume", "--epochs", 2, "--quiet", "--no-report")
        whole, resumed = (ae.load_model(path).state_dict() for path in (folder / "whole", run))
        assert all(torch.equal(whole[k], resumed[k]) for k in whole), "resumed weights differ from a whole run's"
        assert np.load(folder / "codes.npy").shape == (40, CODE_SIZE)
        assert np.load(folder / "new.npy").shape == (3, *SHAPES[spec.backbone])
    return "ok"


def transformer(spec: Spec, **more) -> AutoencoderTransformer:
    parts = _by_part(spec, spec.model_options(**more))
    return AutoencoderTransformer(model=spec.preset, **spec.names(), code_size=CODE_SIZE, epochs=1, batch_size=8,
                                  input_shape=SHAPES[spec.backbone], backbone_options=parts["backbone"],
                                  objective_options=parts["objective"], random_state=0)


def _by_part(spec: Spec, options: dict) -> dict[str, dict]:
    owners = registry.option_owners(*registry.model_parts(spec.preset, spec.backbone, spec.objective))
    return {part: {k: v for k, v in options.items() if owners[k] == part} for part in ("backbone", "objective")}


def fitted_as_described(estimator: AutoencoderTransformer, X: np.ndarray) -> AutoencoderTransformer:
    """``estimator`` fitted on ``X`` (loss auto), its get_params(deep=True) checked against the fitted fields."""
    params = estimator.get_params(deep=True)
    config = estimator.fit(X).model_.config
    for part in ("backbone", "objective"):
        fitted = dataclasses.asdict(getattr(config, part))
        assert {k: params[f"{part}__{k}"] for k in fitted} == fitted, f"get_params is not the fitted {part}"
    return estimator


def check_sklearn(spec: Spec) -> str:
    X = rows(24, spec, np.float64).reshape(24, -1)
    for more in [*VARIANTS[spec.objective], *([spec.renamed()] if spec.renamed() else [])]:
        fitted_as_described(transformer(spec, **more), X)
    estimator = fitted_as_described(transformer(spec), X)
    codes = estimator.transform(X)
    assert codes.dtype == np.float64 and estimator.transform(X.astype(np.float32)).dtype == np.float32
    assert estimator.inverse_transform(codes).shape == X.shape and np.isfinite(estimator.score(X))
    assert np.array_equal(clone(estimator).fit(X).transform(X), codes), "the same random_state gave other codes"
    with tempfile.TemporaryDirectory() as folder:
        estimator.save(Path(folder) / "t")
        assert np.array_equal(AutoencoderTransformer.load(Path(folder) / "t").transform(X), codes)
    return "ok"


CHECKS = {"Python train": check_python, "save/load": check_save_load, "sample/interpolate": check_sampling,
          "ONNX": check_onnx, "CLI": check_cli, "sklearn": check_sklearn}


def refusal_everywhere(spec: Spec, message: str) -> str:
    """The same refusal from the CLI (before any model file is written) and the transformer, or FAIL."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        np.save(folder / "x.npy", rows(40, spec))
        result = CliRunner().invoke(cli, ["train", "--data", str(folder / "x.npy"), "--quiet", "--no-report",
                                          *map(str, spec.cli_args()), "--out", str(folder / "run")])
        cli_ok = result.exit_code == 1 and message in result.output and not (folder / "run").exists()
    try:
        transformer(spec).fit(rows(24, spec).reshape(24, -1))
        sklearn_ok = False
    except ae.ConfigError as error:
        sklearn_ok = str(error) == message
    return "refused, same message" if cli_ok and sklearn_ok else f"FAIL: cli {cli_ok}, sklearn {sklearn_ok}"


def audit(spec: Spec) -> dict[str, str]:
    row = {"model": spec.label}
    try:
        spec.create()
    except ae.ConfigError as refusal:
        message = str(refusal)
        row.update(dict.fromkeys(CHECKS, "-"))
        row["Python train"] = f"refused: {message[:56]}..."
        row["CLI"] = row["sklearn"] = refusal_everywhere(spec, message)
        return row
    except Exception as error:  # noqa: BLE001 (not a refusal by name: a fault)
        return {**row, **dict.fromkeys(CHECKS, f"FAIL: {type(error).__name__}: {str(error)[:200]}")}
    for name, check in CHECKS.items():
        try:
            row[name] = check(spec)
        except Exception as error:  # noqa: BLE001 (an audit reports every failure and goes on)
            row[name] = f"FAIL: {type(error).__name__}: {str(error)[:200]}"
    return row


def audit_estimators() -> list[dict[str, str]]:
    """The detector and the imputer (which size their layers from the data) with each backbone, on rows."""
    X = np.random.default_rng(0).random((24, 6))
    X[0, 1] = np.nan
    table = []
    for backbone in ae.list_backbones():
        row = {"backbone": backbone}
        for estimator in (AutoencoderOutlierDetector(steps=2, random_state=0),
                          AutoencoderImputer(epochs=1, random_state=0)):
            sizes = {"hidden": (8,)} if backbone == "mlp" else {"backbone_options": dict(SMALL[backbone])}
            try:
                clone(estimator).set_params(backbone=backbone, **sizes).fit(X)
                row[type(estimator).__name__] = "ok"
            except ae.ConfigError as refusal:
                row[type(estimator).__name__] = f"refused: {str(refusal)[:60]}"
            except Exception as error:  # noqa: BLE001
                row[type(estimator).__name__] = f"FAIL: {type(error).__name__}: {str(error)[:120]}"
        table.append(row)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="labels of the models to audit (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("error")  # as the test suite: an unexpected warning is a failure
    chosen = [spec for spec in specs() if not args.only or spec.label in args.only]
    print_table([audit(spec) for spec in chosen])
    print()
    print_table(audit_estimators())


if __name__ == "__main__":
    main()
