"""The `sequence` autoencoder with and without per-window level removal (the backbone's ``remove_level``) against
PCA of the same code size, on held-out NAB stretches (docs/benchmarks.md, "Sequence models: per-window level
removal"): the protocol of ``families_vae_sequence.py --part sequence --sequence-epochs auto`` (the first 70% of a
series for training, standardised with its statistics; windows of a day, at most 96 steps; code a quarter of the
window; the held-out 30% cut into windows a quarter of the window apart, reconstructed and overlap-averaged back).
Every method gets ``code_size`` numbers per window: with the level removed, one of them is the window's mean.

    cd benchmarks && OMP_NUM_THREADS=1 ../.venv/bin/python sequence_level.py --set choice|investigated|unseen [--seed 0]

Sets: ``investigated``: the six series of the investigation that proposed the option (in sample for it);
``choice``: the other shared NAB series, on which the choice is made; ``unseen``: the 29 series of ``--data``
(default ../nab_unseen, see the section "NAB series outside the shared ones" for how to fetch them).
"""

from __future__ import annotations

import argparse
import time
from functools import partial
from pathlib import Path

import numpy as np
import torch

import autoencoders as ae
from _common import print_table
from autoencoders.data import nab_series_names
from families_vae_sequence import NAB_DIR, NAB_SERIES, NabStretches, nab_stretches, pca_reconstruct
from sequence_vs_pca import centred, errors

UNSEEN = Path(__file__).resolve().parents[2] / "nab_unseen"
TRAINING = {"epochs": None, "batch_size": 64, "lr": 1e-3, "patience": 10, "progress": None}  # the library's defaults


def autoencoder_mse(data: NabStretches, remove_level: bool, seed: int) -> tuple[float, float]:
    """Held-out MSE of the sequence autoencoder at the library's defaults, and its training seconds."""
    ae.seed_everything(seed)
    model = ae.create_model("sequence", input_shape=(1, data.length), code_size=data.code_size, loss="mse",
                            remove_level=remove_level)
    began = time.perf_counter()
    ae.Trainer(model, ae.TrainConfig(**TRAINING, seed=seed)).fit(data.training_windows())
    return errors(partial(ae.reconstruct, model), data)["held-out MSE"], time.perf_counter() - began


def series_row(name: str, root: Path, seed: int = 0) -> dict:
    data = nab_stretches(name, root=root)
    windows = data.training_windows()  # (N, 1, L)
    levelled = windows - windows.mean(axis=-1, keepdims=True)
    pca = errors(pca_reconstruct(windows, data.code_size), data)["held-out MSE"]
    pca_level = errors(centred(pca_reconstruct(levelled, data.code_size - 1)), data)["held-out MSE"]
    off, off_s = autoencoder_mse(data, False, seed)
    on, on_s = autoencoder_mse(data, True, seed)
    return {"series": name.removesuffix(".csv"), "window / code": f"{data.length} / {data.code_size}",
            "PCA": pca, "PCA, level removed": pca_level, "AE off": off, "AE on": on,
            "off / PCA": off / pca, "on / PCA": on / pca, "on / off": on / off, "s": off_s + on_s}


def summary(rows: list[dict]) -> list[dict]:
    """Per method: the median ratio to PCA, and the series where it beats PCA, PCA with the level removed, and
    (for on) the autoencoder without the option."""
    n = len(rows)
    out = []
    for method in ("AE off", "AE on", "PCA, level removed"):
        ratios = np.array([row[method] / row["PCA"] for row in rows])
        out.append({"method": method, "series": n, "median ratio to PCA": float(np.median(ratios)),
                    "below PCA": f"{int((ratios < 1).sum())} / {n}",
                    "below PCA, level removed": f"{sum(row[method] < row['PCA, level removed'] for row in rows)} / {n}",
                    "below AE off": f"{sum(row[method] < row['AE off'] for row in rows)} / {n}"})
    return out


def chosen_series(which: str, root: Path) -> list[str]:
    if which == "investigated":
        return NAB_SERIES
    if which == "choice":
        return [name for name in nab_series_names(root) if name not in NAB_SERIES]
    return nab_series_names(root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=["choice", "investigated", "unseen"], required=True)
    parser.add_argument("--data", type=Path, default=None, help="NAB folder (default: the set's own)")
    parser.add_argument("--seed", type=int, default=0, help="the autoencoders' seed (the pre-registered run: 0)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    root = args.data or (UNSEEN if args.set == "unseen" else NAB_DIR)
    rows = []
    for name in chosen_series(args.set, root):
        rows.append(series_row(name, root, args.seed))
        print_table(rows[-1:], ".3g")
        print(flush=True)
    print_table(rows, ".3g")
    print()
    print_table(summary(rows), ".3f")


if __name__ == "__main__":
    main()
