"""The runs and layers tables of an experiment from its runs' summary.json and units.csv (format:
``selectivity.files.runs``): per run, the network values of ``unit_metrics.network_summary``; per
(run, unit layer), ``unit_metrics.layer_summary``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..files.runs import LAST_COLUMNS, LAYERS_TABLE_COLUMNS, RUN_COLUMNS, RUN_KEY, RUNS_TABLE_COLUMNS, read_summary, read_units
from ..inputs import input_error
from .unit_metrics import layer_summary, network_summary


def collect(summary_paths: list[str | Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(runs table, layers table) from summary.json files, each with units.csv beside it."""
    if not summary_paths:
        raise ValueError("no run summaries given")
    runs, layers, seen = [], [], {}
    for p in summary_paths:
        summary = read_summary(p)
        row = {c: summary[c] for c in RUN_COLUMNS} | {c: summary.get(c, float("nan")) for c in LAST_COLUMNS}
        key = tuple(row[c] for c in RUN_KEY)
        if key in seen:
            raise input_error(p, f"holds the run (experiment, alpha, seed) = {key}, which {seen[key]} holds too: "
                                 "a run may be counted once")
        seen[key] = p
        units = read_units(Path(p).with_name("units.csv"), summary["unit_layers"])
        row.update(network_summary(units))
        runs.append(row)
        layers.append(layer_summary(units).assign(experiment=row["experiment"], alpha=row["alpha"],
                                                  seed=row["seed"]))
    runs_df = pd.DataFrame(runs, columns=RUNS_TABLE_COLUMNS).sort_values(RUN_KEY, ignore_index=True)
    layers_df = pd.concat(layers, ignore_index=True)[LAYERS_TABLE_COLUMNS]
    return runs_df, layers_df.sort_values(RUN_KEY + ["layer_index"], ignore_index=True)
