"""The similarity table: its columns, writer, reader and checks (imports no torch: figure jobs read it).

The epoch table (EPOCH_COLUMNS): the distance of each run's network after a ``save_epochs`` epoch
to its final network (the best-validation epoch's, the run's model).

The pairs table: one row per reading, measure, unit layer and pair of networks: experiment, alpha, reading, measure,
layer_index, layer, kind ("within": two seeds at alpha; "baseline": seed_a at alpha, seed_b at
alpha = 0), seed_a, seed_b, neurons (the layer's), rows (datapoints compared), rows_wanted (what the
row rule asks; ``rows`` < ``rows_wanted`` means the layer had fewer and all were used), distance.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..inputs import read_csv, require
from ..similarity import rows_wanted

COLUMNS = ["experiment", "alpha", "reading", "measure", "layer_index", "layer", "kind", "seed_a", "seed_b", "neurons",
           "rows", "rows_wanted", "distance"]
# the epoch table (similarity of a run's network after epoch k to its final network): one row per
# seed, epoch, reading, measure and unit layer
EPOCH_COLUMNS = ["experiment", "alpha", "seed", "epoch", "reading", "measure", "layer_index", "layer", "neurons",
                 "rows", "rows_wanted", "distance"]


def write_pairs(df: pd.DataFrame, experiment: str, alpha: float, path: str | Path) -> pd.DataFrame:
    """The table with its experiment and alpha, written atomically to ``path``."""
    from ..io import write_csv

    df = df.assign(experiment=experiment, alpha=float(alpha)).reindex(columns=COLUMNS)
    write_csv(df, path)
    return df


def _check_settings(df: pd.DataFrame, p, settings: dict) -> None:
    """The table was computed under the configured readings, measures and row rule (``settings``),
    every row of a layer over the same datapoints."""
    for key in ("readings", "measures"):
        if key in settings:
            have, want = set(df[key[:-1]]), set(settings[key])
            require(have == want, p, f"was computed for the {key} {sorted(have)}, the config asks for "
                                     f"{sorted(want)} (analysis.similarity_{key})")
    if "rows_per_neuron" in settings:
        want = df["neurons"].map(lambda u: rows_wanted(u, settings["rows_per_neuron"], settings["min_rows"]))
        require(bool((df["rows_wanted"] == want).all()), p,
                f"was computed under another row rule than the config's (analysis.rows_per_neuron "
                f"{settings['rows_per_neuron']}, min_rows {settings['min_rows']})")
        require(bool((df["rows"] <= df["rows_wanted"]).all()), p, "has layers with more rows than the row rule asks")
    require(bool((df.groupby(["reading", "measure", "layer_index"])["rows"].nunique() == 1).all()), p,
            "has pairs of one layer computed over different numbers of datapoints")


def write_epoch_pairs(df: pd.DataFrame, experiment: str, alpha: float, path: str | Path) -> pd.DataFrame:
    """The epoch table with its experiment and alpha, written atomically to ``path``."""
    from ..io import write_csv

    df = df.assign(experiment=experiment, alpha=float(alpha)).reindex(columns=EPOCH_COLUMNS)
    write_csv(df, path)
    return df


def read_epoch_pairs(paths: list[str | Path], alphas=None, seeds=None, epochs=None,
                     settings: dict | None = None) -> pd.DataFrame:
    """Epoch tables of one experiment (one per alpha), checked: computed under ``settings`` (as
    ``read_pairs``); with ``alphas``, ``seeds`` and ``epochs``, exactly those alphas, and every
    (seed, epoch) once on every reading, measure and layer."""
    frames = []
    for p in paths:
        df = read_csv(p, EPOCH_COLUMNS)
        _check_settings(df, p, settings or {})
        key = ["seed", "epoch", "reading", "measure", "layer_index"]
        dup = df[df.duplicated(key, keep=False)]
        require(dup.empty, p, f"holds rows more than once, e.g. {dup[key].head(1).values.tolist()}")
        if seeds is not None and epochs is not None:
            want = {(int(s), int(k)) for s in seeds for k in epochs}
            per_layer = df.groupby(["reading", "measure", "layer_index"])[["seed", "epoch"]].apply(
                lambda g: set(zip(g["seed"].astype(int), g["epoch"].astype(int))))
            require(bool((per_layer == want).all()), p, f"does not hold every (seed, epoch) of seeds "
                                                        f"{sorted(map(int, seeds))} x epochs {sorted(map(int, epochs))} "
                                                        "on every layer, reading and measure")
        frames.append(df)
    if not frames:
        raise ValueError("no epoch similarity tables given")
    out = pd.concat(frames, ignore_index=True)
    if alphas is not None:
        have, want = sorted(set(out["alpha"].astype(float))), sorted(map(float, alphas))
        require(have == want and len(frames) == len(want), paths[0],
                f"the epoch similarity tables hold alphas {have} in {len(frames)} tables, the figure wants {want}")
    return out


def read_pairs(paths: list[str | Path], expected: dict | None = None, settings: dict | None = None) -> pd.DataFrame:
    """Similarity tables of one experiment, checked: every expected alpha present, with every within
    pair C(n, 2) and, for alpha != 0, every pair with the alpha = 0 networks, on every reading,
    measure and layer; computed under the configured readings, measures and row rule (``settings``:
    readings, measures, rows_per_neuron, min_rows); every pair of a layer over the same datapoints."""
    expected, settings = expected or {}, settings or {}
    seeds = sorted(expected.get("seeds", []))
    frames = []
    for p in paths:
        df = read_csv(p, COLUMNS)
        _check_settings(df, p, settings)
        groups = df.groupby(["reading", "measure", "layer_index"])
        if seeds:
            n = len(seeds)
            n_within = df[df["kind"] == "within"].groupby(["reading", "measure", "layer_index"]).size()
            require(len(n_within) == groups.ngroups and bool((n_within == n * (n - 1) // 2).all()), p,
                    f"does not hold the {n * (n - 1) // 2} within-alpha pairs of seeds {seeds} on every layer, "
                    f"reading and measure")
            if (df["alpha"] != 0).any():
                n_base = df[df["kind"] == "baseline"].groupby(["reading", "measure", "layer_index"]).size()
                require(len(n_base) == groups.ngroups and bool((n_base == n * n).all()), p,
                        f"does not hold the {n * n} pairs with the alpha = 0 networks on every layer, reading and "
                        f"measure")
        frames.append(df)
    if not frames:
        raise ValueError("no similarity tables given")
    pairs = pd.concat(frames, ignore_index=True)
    want = {float(a) for a in expected.get("alphas", [])}
    if want:
        have = set(pairs["alpha"].astype(float))
        require(want <= have, paths[0], f"the similarity tables lack alphas {sorted(want - have)}")
    return pairs



__all__ = ["COLUMNS", "EPOCH_COLUMNS", "write_pairs", "read_pairs", "write_epoch_pairs", "read_epoch_pairs"]
