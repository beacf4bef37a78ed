"""The format of the runs and layers tables (columns, readers, checks) and of the training summary
and units table they are built from (built by ``selectivity.analysis.collect``):

- runs table: one row per run: experiment, alpha, seed, test accuracy, training's test-set mean SI
  (of the best-validation epoch's network, the run's model), the same of the last epoch's network
  (LAST_COLUMNS), and the analysis' network values in both readings of "mean over the network" (see
  ``selectivity.analysis.unit_metrics.network_summary``): mean_si, median_si, mean_si_alive,
  mean_precision, dead_fraction (Eq. 3: mean over layers of the per-layer values) and
  units_mean_si, ... (over all units pooled), with n_units and n_si_outside (units whose SI
  leaves [0, 1]);
- layers table: one row per (run, unit layer): LAYER_COLUMNS of unit_metrics.

Every input is checked: a summary lacking keys, a units table missing layers or units, a run
given twice, or a table without the expected runs raises InputError naming the file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..analysis.quantities import LAYER_COLUMNS, NETWORK_COLUMNS, UNIT_COLUMNS
from ..inputs import input_error, read_csv, read_json, require

RUN_COLUMNS = ["experiment", "dataset", "model", "alpha", "seed", "test_accuracy", "test_mean_si",
               "best_epoch", "best_val_accuracy", "epochs", "config_hash"]
# the last epoch's network (the run's model is the best-validation epoch's): summaries written before
# these keys existed give NaN, and what reads them (``require_last``) says to retrain
LAST_COLUMNS = ["last_epoch", "last_val_accuracy", "last_test_accuracy", "last_test_mean_si"]
RUNS_TABLE_COLUMNS = RUN_COLUMNS + LAST_COLUMNS + NETWORK_COLUMNS
LAYERS_TABLE_COLUMNS = ["experiment", "alpha", "seed"] + LAYER_COLUMNS
SUMMARY_KEYS = RUN_COLUMNS + ["unit_layers"]
RUN_KEY = ["experiment", "alpha", "seed"]


def read_summary(path: str | Path) -> dict:
    return read_json(path, SUMMARY_KEYS)


def require_last(runs: pd.DataFrame, what: str) -> None:
    """Raise unless every run has the last epoch's reading (LAST_COLUMNS), naming the runs without it."""
    missing = runs[runs["last_test_accuracy"].isna()]
    if len(missing):
        raise ValueError(f"{what} reads the last epoch's network, which {len(missing)} run(s) have not recorded "
                         f"(e.g. experiment {missing['experiment'].iloc[0]!r}, alpha {missing['alpha'].iloc[0]:g}, "
                         f"seed {int(missing['seed'].iloc[0])}): their summary.json predates the last_* keys; "
                         "retrain them (snakemake --forcerun train) to get it")


def read_units(path: str | Path, unit_layers: list[tuple[str, int]]) -> pd.DataFrame:
    """A run's units.csv, checked against the unit layers its training summary lists: every layer,
    in order, with units 0..U-1, an SI for every unit, precision for every live unit."""
    units = read_csv(path, UNIT_COLUMNS)
    found = [(str(name), int(n)) for (_, name), n in units.groupby(["layer_index", "layer"], sort=True).size().items()]
    expected = [(str(name), int(n)) for name, n in unit_layers]
    if found != expected:
        missing = [e for e in expected if e not in found]
        raise input_error(path, f"holds {len(found)} layers / {len(units)} units, but the run has {len(expected)} "
                                f"layers / {sum(n for _, n in expected)} units (first layer missing or short: "
                                f"{missing[0] if missing else found[len(expected):][:1]})")
    numbered = units.groupby("layer_index")["unit"].apply(lambda u: sorted(u) == list(range(len(u))))
    require(bool(numbered.all()), path, "units are not numbered 0..U-1 within every layer")
    require(not units["si"].isna().any(), path, "some units have no selectivity index")
    dead = units["dead"].astype(bool)
    require(not units.loc[~dead, "precision"].isna().any(), path, "some live units have no precision")
    return units


def check_runs(df: pd.DataFrame, path: str | Path, alphas=None, seeds=None) -> pd.DataFrame:
    """A table with one row per run: no run twice; with ``alphas`` and ``seeds``, exactly those runs."""
    dup = df[df.duplicated(["alpha", "seed"] + (["experiment"] if "experiment" in df else []), keep=False)]
    require(dup.empty, path, f"holds runs more than once: {dup[['alpha', 'seed']].drop_duplicates().values.tolist()}")
    if alphas is not None and seeds is not None:
        have = set(zip(df["alpha"].astype(float), df["seed"].astype(int)))
        want = {(float(a), int(s)) for a in alphas for s in seeds}
        missing, extra = sorted(want - have), sorted(have - want)
        require(not missing and not extra, path,
                f"does not hold the configured runs ({len(want)}: alphas {sorted(map(float, alphas))} x seeds "
                f"{sorted(map(int, seeds))}); missing {missing[:5]}{'…' if len(missing) > 5 else ''}, "
                f"unexpected {extra[:5]}{'…' if len(extra) > 5 else ''}")
    return df


def read_runs(path: str | Path, alphas=None, seeds=None) -> pd.DataFrame:
    """A runs table (RUNS_TABLE_COLUMNS), checked; with ``alphas``/``seeds``, exactly those runs."""
    return check_runs(read_csv(path, RUNS_TABLE_COLUMNS), path, alphas, seeds)


def read_layers(path: str | Path, alphas=None, seeds=None) -> pd.DataFrame:
    """A layers table (LAYERS_TABLE_COLUMNS), checked: every run has the same layers."""
    df = read_csv(path, LAYERS_TABLE_COLUMNS)
    per_run = df.groupby(["experiment", "alpha", "seed"])["layer_index"].apply(lambda s: tuple(sorted(s)))
    require(per_run.nunique() == 1, path, "its runs do not all have the same unit layers")
    check_runs(per_run.reset_index(), path, alphas, seeds)
    return df


def collect_run_tables(paths, reader, experiment: str, alphas, seeds, what: str) -> list[pd.DataFrame]:
    """Every run's table read with ``reader(path)`` and checked: each holds one run of ``experiment``,
    no run twice, and together exactly ``alphas`` x ``seeds``. ``what`` names the tables in errors
    ("robustness tables"). Returns the tables in the order of ``paths``."""
    from ..inputs import input_error

    frames, seen = [], {}
    for p in paths:
        df = reader(p)
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
        raise ValueError(f"no {what} given")
    want = {(float(a), int(s)) for a in alphas for s in seeds}
    missing, extra = sorted(want - set(seen)), sorted(set(seen) - want)
    if missing or extra:
        raise ValueError(f"the {what} of {experiment!r} do not hold the configured runs (alphas "
                         f"{sorted(map(float, alphas))} x seeds {sorted(map(int, seeds))}): missing {missing[:5]}, "
                         f"unexpected {extra[:5]}")
    return frames
