"""Tidy tables of runs, built from the runs' summary.json files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .io import atomic_path

RUN_COLUMNS = ["experiment", "dataset", "model", "alpha", "seed", "test_accuracy", "test_mean_si",
               "best_epoch", "best_val_accuracy", "epochs", "config_hash"]


def runs_table(summary_paths: list[str | Path]) -> pd.DataFrame:
    """One row per run (columns RUN_COLUMNS), sorted by experiment, alpha, seed."""
    rows = []
    for p in summary_paths:
        with open(p) as f:
            s = json.load(f)
        missing = [c for c in RUN_COLUMNS if c not in s]
        if missing:
            raise ValueError(f"{p}: summary lacks {missing}; rerun that training job")
        rows.append({c: s[c] for c in RUN_COLUMNS})
    if not rows:
        raise ValueError("no run summaries given")
    return pd.DataFrame(rows, columns=RUN_COLUMNS).sort_values(["experiment", "alpha", "seed"], ignore_index=True)


def write_csv(df: pd.DataFrame, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)


def read_runs(path: str | Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    missing = [c for c in ("alpha", "seed", "test_accuracy", "test_mean_si") if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: not a runs table (missing columns {missing}); build it with `selectivity collect-runs`")
    return df
