"""Robustness measures that separate robustness from clean accuracy, per network, from a robustness
table (``files.robustness.ROBUSTNESS_COLUMNS``).

- corruptions, per (corruption, severity): accuracy, error = 1 - accuracy, drop = clean - corrupted
  accuracy and relative drop = drop / clean (clean: the network's accuracy on the same clean images);
- per corruption c (Hendrycks & Dietterich 2019, with the alpha = 0 networks as the baseline
  model): CE_c = sum_s E_{s,c} / sum_s B_{s,c} and relative CE_c = sum_s (E_{s,c} - E_clean) /
  sum_s (B_{s,c} - B_clean), B: the mean error of the baseline networks; mCE and relative mCE: their
  means over a corruption set (relative CE is undefined, NaN, where the baseline does not degrade);
- attacks, per (attack, eps): accuracy, drop and relative drop against the clean attacked images.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RUN = ["experiment", "alpha", "seed"]
MEASURE_COLUMNS = ["experiment", "alpha", "seed", "kind", "name", "level", "measure", "value"]


def set_members(rob: pd.DataFrame, set_name: str, figure: str) -> tuple[str, ...]:
    """The corruptions of ``set_name``, all of which the robustness table must hold."""
    from .params import SETS

    members = SETS[set_name]
    present = set(rob.loc[rob["kind"] == "corruption", "name"]) - {"none"}
    missing = [n for n in members if n not in present]
    if missing:
        raise ValueError(f"{figure} averages over the {len(members)} corruptions of the {set_name!r} set; the "
                         f"robustness table lacks {missing}: add them to robustness.corruptions (or choose "
                         f"another set with the figure's option `corruptions`)")
    return members


def level_measures(rob: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Per network and (name, level) of ``kind`` ("corruption" / "attack"): accuracy, clean (the
    clean accuracy on the same images), error, drop, relative_drop. Wide table."""
    acc = rob[(rob["kind"] == kind) & (rob["measure"] == "accuracy")]
    clean = acc[acc["name"] == "none"][RUN + ["value"]].rename(columns={"value": "clean"})
    out = acc[acc["name"] != "none"][RUN + ["name", "level", "value"]].rename(columns={"value": "accuracy"})
    out = out.merge(clean, on=RUN, how="left", validate="many_to_one")
    if out["clean"].isna().any():
        raise ValueError(f"the robustness table lacks the clean accuracy (name 'none') of some {kind} rows")
    out["error"] = 1 - out["accuracy"]
    out["drop"] = out["clean"] - out["accuracy"]
    out["relative_drop"] = np.where(out["clean"] > 0, out["drop"] / out["clean"].where(out["clean"] > 0, 1), np.nan)
    return out.reset_index(drop=True)


def corruption_errors(levels: pd.DataFrame, baseline_alpha: float = 0.0) -> pd.DataFrame:
    """Per network and corruption: ce and relative_ce (module docstring), the baseline being the
    mean over the networks with alpha = ``baseline_alpha`` of each severity's error. Wide table."""
    base = levels[np.isclose(levels["alpha"].astype(float), baseline_alpha)]
    if base.empty:
        raise ValueError(f"no networks with alpha = {baseline_alpha:g}: the baseline of the corruption errors")
    b = base.groupby(["name", "level"]).agg(b_error=("error", "mean"), b_clean=("clean", "mean")).reset_index()
    b["b_clean_error"] = 1 - b["b_clean"]
    per = levels.merge(b, on=["name", "level"], how="left", validate="many_to_one")
    per["clean_error"] = 1 - per["clean"]
    sums = per.groupby(RUN + ["name"]).agg(e=("error", "sum"), b=("b_error", "sum"), e0=("clean_error", "sum"),
                                             b0=("b_clean_error", "sum")).reset_index()
    sums["ce"] = sums["e"] / sums["b"].where(sums["b"] > 0)
    degradation = sums["b"] - sums["b0"]
    sums["relative_ce"] = (sums["e"] - sums["e0"]) / degradation.where(degradation > 1e-12)
    return sums[RUN + ["name", "ce", "relative_ce"]]


def network_summary(levels: pd.DataFrame, errors: pd.DataFrame, names) -> pd.DataFrame:
    """Per network, over the corruptions ``names`` (and all their severities): mean accuracy, mean
    drop, mean relative drop, mCE and relative mCE (mean over the corruptions where it is defined).
    Wide table with one row per network."""
    names = list(names)
    lv = levels[levels["name"].isin(names)]
    er = errors[errors["name"].isin(names)]
    missing = sorted(set(names) - set(lv["name"]))
    if missing:
        raise ValueError(f"the robustness table lacks the corruptions {missing}")
    means = lv.groupby(RUN).agg(accuracy=("accuracy", "mean"), clean=("clean", "first"), drop=("drop", "mean"),
                                relative_drop=("relative_drop", "mean")).reset_index()
    ce = er.groupby(RUN).agg(mce=("ce", "mean"), relative_mce=("relative_ce", "mean"),
                             relative_ce_defined=("relative_ce", "count")).reset_index()
    return means.merge(ce, on=RUN, validate="one_to_one")


def measures_table(rob: pd.DataFrame, sets: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """The per-network measures as one tidy table (``MEASURE_COLUMNS``): kind "corruption" (per
    corruption and severity: accuracy, error, drop, relative_drop; per corruption, level 0: ce,
    relative_ce), "attack" (per attack and eps: accuracy, drop, relative_drop) and "corruption_set"
    (name: each set of ``sets`` whose corruptions the table holds; level 0: accuracy, drop,
    relative_drop, mce, relative_mce)."""
    frames = []
    present = set(rob.loc[rob["kind"] == "corruption", "name"]) - {"none"}
    if present:
        levels = level_measures(rob, "corruption")
        frames.append(_long(levels, "corruption", ["accuracy", "error", "drop", "relative_drop"]))
        errors = corruption_errors(levels)
        frames.append(_long(errors.assign(level=0), "corruption", ["ce", "relative_ce"]))
        for set_name, names in sets.items():
            if set(names) <= present:
                summary = network_summary(levels, errors, names).assign(name=set_name, level=0)
                frames.append(_long(summary, "corruption_set", ["accuracy", "drop", "relative_drop", "mce",
                                                                 "relative_mce"]))
    if (rob["kind"] == "attack").any():
        frames.append(_long(level_measures(rob, "attack"), "attack", ["accuracy", "drop", "relative_drop"]))
    if not frames:
        return pd.DataFrame(columns=MEASURE_COLUMNS)
    return pd.concat(frames, ignore_index=True)[MEASURE_COLUMNS]


def _long(wide: pd.DataFrame, kind: str, measures: list[str]) -> pd.DataFrame:
    out = wide.melt(id_vars=RUN + ["name", "level"], value_vars=measures, var_name="measure", value_name="value")
    return out.assign(kind=kind)
