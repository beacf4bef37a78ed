"""Tidy tables of runs, built from each run's summary.json and units.csv:

- runs table: one row per run: experiment, alpha, seed, test accuracy, test-set mean SI (from
  training's summary), the analysis' network means in Eq. 3's way, the mean over layers of each
  layer's mean (mean_si, mean_si_alive, mean_precision, dead_fraction), and the means over all units
  of the network pooled (units_mean_si, units_mean_si_alive, units_mean_precision: what the captions
  of Figs. 1b, A1b, A2b, A4b, A7b, A8b and A9b plot, "mean computed across all units in a network");
- layers table: one row per (run, unit layer): n_units, mean_si, mean_si_alive, mean_precision,
  dead_fraction.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .analysis.unit_metrics import layer_summary, network_summary
from .io import atomic_path

RUN_COLUMNS = ["experiment", "dataset", "model", "alpha", "seed", "test_accuracy", "test_mean_si",
               "best_epoch", "best_val_accuracy", "epochs", "config_hash"]
ANALYSIS_COLUMNS = ["mean_si", "mean_si_alive", "mean_precision", "dead_fraction",
                    "units_mean_si", "units_mean_si_alive", "units_mean_precision"]


def read_summary(path: str | Path) -> dict:
    with open(path) as f:
        s = json.load(f)
    missing = [c for c in RUN_COLUMNS if c not in s]
    if missing:
        raise ValueError(f"{path}: summary lacks {missing}; rerun that training job")
    return {c: s[c] for c in RUN_COLUMNS}


def collect(summary_paths: list[str | Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(runs table, layers table) from summary.json files, each with units.csv beside it."""
    if not summary_paths:
        raise ValueError("no run summaries given")
    runs, layers = [], []
    for p in summary_paths:
        row = read_summary(p)
        units_path = Path(p).with_name("units.csv")
        if not units_path.exists():
            raise FileNotFoundError(f"{units_path}: unit metrics missing; run `selectivity unit-metrics` for this run")
        units = pd.read_csv(units_path)
        per_layer = layer_summary(units)
        row.update(network_summary(per_layer))
        row.update(units_mean_si=float(units["si"].mean()), units_mean_si_alive=float(units["si_alive"].mean()),
                   units_mean_precision=float(units["precision"].mean()))
        runs.append(row)
        layers.append(per_layer.assign(experiment=row["experiment"], alpha=row["alpha"], seed=row["seed"]))
    order = ["experiment", "alpha", "seed"]
    runs_df = pd.DataFrame(runs, columns=RUN_COLUMNS + ANALYSIS_COLUMNS).sort_values(order, ignore_index=True)
    layers_df = pd.concat(layers, ignore_index=True)
    layers_df = layers_df[order + [c for c in layers_df.columns if c not in order]]
    return runs_df, layers_df.sort_values(order + ["layer_index"], ignore_index=True)


def write_csv(df: pd.DataFrame, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)


def read_table(path: str | Path, required=("alpha", "seed")) -> pd.DataFrame:
    df = pd.read_csv(path)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}; build it with `selectivity collect-runs`")
    return df


def read_runs(path: str | Path) -> pd.DataFrame:
    return read_table(path, ("alpha", "seed", "test_accuracy", "test_mean_si"))
