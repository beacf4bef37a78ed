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
    from .runs import collect_run_tables

    frames = collect_run_tables(paths, read_robustness, experiment, alphas, seeds, "robustness tables")
    return pd.concat(frames, ignore_index=True).sort_values(["alpha", "seed"], kind="stable", ignore_index=True)
