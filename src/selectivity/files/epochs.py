"""The per-epoch selectivity table (``selectivity_epochs.csv`` of a run, ``epochs_all.csv`` of an
experiment): columns, writer, reader and checks, and the collection of an experiment's runs. What
the rows hold: ``selectivity.training.probe``.

One row per (run, epoch, layer): the epoch's alpha (the schedule's), the probe's mean SI of the layer
(``layer`` "network": mu_SI, the mean over layers, Eq. 3; ``layer_index`` -1) and the probe's accuracy.
Epoch 0 is the initialized network (``epoch_alpha`` 0: no regularizer has acted); epoch e the network
after e epochs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

EPOCH_COLUMNS = ["experiment", "alpha", "seed", "epoch", "epoch_alpha", "layer", "layer_index", "mean_si",
                 "probe_accuracy", "probe_size"]
NETWORK = "network"


def epoch_rows(experiment: str, alpha: float, seed: int, epoch: int, epoch_alpha: float,
               pairs: list[tuple[str, float]], probe_accuracy: float, probe_size: int) -> list[dict]:
    """One epoch's rows: ``pairs`` from ``training.probe.probe_selectivity``."""
    return [{"experiment": experiment, "alpha": alpha, "seed": seed, "epoch": epoch, "epoch_alpha": epoch_alpha,
             "layer": name, "layer_index": -1 if name == NETWORK else i, "mean_si": si,
             "probe_accuracy": probe_accuracy, "probe_size": probe_size} for i, (name, si) in enumerate(pairs)]


def write_epochs(rows: list[dict] | pd.DataFrame, path: str | Path) -> None:
    """The table, written atomically (CSV)."""
    from ..io import write_csv

    write_csv(pd.DataFrame(rows, columns=EPOCH_COLUMNS), path)


def read_epochs(path: str | Path, alphas=None, seeds=None) -> pd.DataFrame:
    """A per-epoch table (a run's or an experiment's), checked: the columns, finite values, every
    (run, epoch, layer) once, every run holding the same layers in every epoch, epochs 0..E; with
    ``alphas`` and ``seeds``, exactly those runs (each once)."""
    from .runs import check_runs

    from ..inputs import read_csv, require

    df = read_csv(path, EPOCH_COLUMNS)
    df["layer"] = df["layer"].astype(str)
    require(bool(np.isfinite(df[["mean_si", "probe_accuracy", "epoch_alpha"]].to_numpy(float)).all()), path,
            "holds non-finite values")
    key = ["experiment", "alpha", "seed", "epoch", "layer"]
    dup = df[df.duplicated(key, keep=False)]
    require(dup.empty, path, f"holds rows more than once, e.g. {dup[key].head(1).values.tolist()}")
    layers = df.groupby(["experiment", "alpha", "seed", "epoch"])["layer"].apply(tuple)
    require(layers.nunique() == 1, path, "its epochs do not all hold the same layers")
    for run, epochs in df.groupby(["experiment", "alpha", "seed"])["epoch"]:
        got = sorted(set(epochs))
        require(got == list(range(len(got))), path, f"run {run} holds epochs {got}, not 0..{len(got) - 1}")
    check_runs(df[["experiment", "alpha", "seed"]].drop_duplicates(), path, alphas, seeds)
    return df


def collect_epochs(paths: list[str | Path], experiment: str, alphas, seeds) -> pd.DataFrame:
    """The experiment's per-epoch table: every run's, checked (each of ``alphas`` x ``seeds`` once,
    all of ``experiment``), concatenated and sorted."""
    from .runs import collect_run_tables

    frames = collect_run_tables(paths, read_epochs, experiment, alphas, seeds, "per-epoch tables")
    return pd.concat(frames, ignore_index=True).sort_values(["alpha", "seed", "epoch", "layer_index"],
                                                            kind="stable", ignore_index=True)
