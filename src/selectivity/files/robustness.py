"""The robustness table (one run's, an experiment's, or its measures): columns, writer, reader
and checks, and the collection of an experiment's runs. What the rows hold:
``selectivity.robustness.evaluate`` (accuracy, attacks, dimensionality) and
``selectivity.robustness.measures`` (drops, CE / mCE)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROBUSTNESS_COLUMNS = ["experiment", "alpha", "seed", "kind", "name", "level", "layer", "measure", "value"]
ROW_KINDS = ("corruption", "attack", "dimensionality")


def write_robustness(df: pd.DataFrame, path: str | Path) -> None:
    """The table, written atomically (CSV)."""
    from ..io import write_csv

    write_csv(df, path)


def read_robustness(path: str | Path, alphas=None, seeds=None) -> pd.DataFrame:
    """A robustness table (one run's or an experiment's), checked: the columns, known kinds, finite
    values, every row once, every run holding the same rows; with ``alphas`` and ``seeds``, exactly
    those runs (each once)."""
    from ..inputs import read_csv, require
    from .runs import check_runs

    df = read_csv(path, ROBUSTNESS_COLUMNS)
    df["layer"] = df["layer"].fillna("").astype(str)
    kinds = set(df["kind"])
    require(kinds <= set(ROW_KINDS), path, f"holds unknown kinds {sorted(kinds - set(ROW_KINDS))}")
    require(bool(np.isfinite(df["value"].to_numpy(float)).all()), path, "holds non-finite values")
    key = ["experiment", "alpha", "seed", "kind", "name", "level", "layer", "measure"]
    dup = df[df.duplicated(key, keep=False)]
    require(dup.empty, path, f"holds rows more than once, e.g. {dup[key].head(1).values.tolist()}")
    per_run = df.groupby(["experiment", "alpha", "seed"])[key[3:]].apply(
        lambda g: tuple(sorted(map(tuple, g.astype(str).values))))
    require(per_run.nunique() == 1, path, "its runs do not all hold the same corruptions, attacks and layers")
    check_runs(per_run.reset_index()[["experiment", "alpha", "seed"]], path, alphas, seeds)
    return df


def collect_robustness(paths: list[str | Path], experiment: str, alphas, seeds) -> pd.DataFrame:
    """The experiment's robustness table: every run's table, checked (each of ``alphas`` x ``seeds``
    exactly once, all of ``experiment``), concatenated and sorted."""
    from ..inputs import input_error

    frames, seen = [], {}
    for p in paths:
        df = read_robustness(p)
        runs = df[["experiment", "alpha", "seed"]].drop_duplicates()
        if len(runs) != 1 or runs["experiment"].iloc[0] != experiment:
            raise input_error(p, f"holds runs {runs.values.tolist()}, not one run of experiment {experiment!r}")
        key = (float(runs["alpha"].iloc[0]), int(runs["seed"].iloc[0]))
        if key in seen:
            raise input_error(p, f"holds the run (alpha, seed) = {key}, which {seen[key]} holds too: a run may be "
                                 "counted once")
        seen[key] = p
        frames.append(df)
    if not frames:
        raise ValueError("no robustness tables given")
    want = {(float(a), int(s)) for a in alphas for s in seeds}
    missing, extra = sorted(want - set(seen)), sorted(set(seen) - want)
    if missing or extra:
        raise ValueError(f"the robustness tables of {experiment!r} do not hold the configured runs (alphas "
                         f"{sorted(map(float, alphas))} x seeds {sorted(map(int, seeds))}): missing {missing[:5]}, "
                         f"unexpected {extra[:5]}")
    return pd.concat(frames, ignore_index=True).sort_values(["alpha", "seed"], kind="stable", ignore_index=True)
