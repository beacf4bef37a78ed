"""Statistics of the paper: bootstrapped confidence intervals, t-tests of each alpha against
alpha = 0 with Bonferroni correction (scipy / statsmodels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests


def bootstrap_ci(values, ci: float = 0.95, n_resamples: int = 10000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean. NaNs when fewer than 2 values or all equal."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2 or np.all(values == values[0]):
        return (float(values[0]), float(values[0])) if len(values) else (np.nan, np.nan)
    res = sps.bootstrap((values,), np.mean, confidence_level=ci, n_resamples=n_resamples,
                        method="percentile", random_state=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def stars(p: float, levels: list[tuple[float, str]]) -> str:
    """Significance marker: the marker of the smallest threshold that p is below. levels: [(thr, mark)]."""
    mark = ""
    for threshold, symbol in sorted(levels, reverse=True):
        if p < threshold:
            mark = symbol
    return mark


def compare_to_control(
    df: pd.DataFrame,
    value: str,
    group: str = "alpha",
    control: float = 0.0,
    ci: float = 0.95,
    n_bootstrap: int = 10000,
    seed: int = 0,
    equal_var: bool = True,
) -> pd.DataFrame:
    """Per group: n, mean, bootstrapped CI of ``value``; for groups other than ``control``, an
    independent t-test against the control group and its Bonferroni-corrected p-value (corrected
    over the number of groups tested).

    Returns one row per group, sorted by group: [group, n, mean, ci_low, ci_high, statistic, p, p_corrected].
    """
    rows = []
    ctrl = df.loc[df[group] == control, value].to_numpy(float)
    if len(ctrl) == 0:
        raise ValueError(f"no rows with {group} == {control} (the control group)")
    for g, sub in sorted(df.groupby(group), key=lambda kv: kv[0]):
        vals = sub[value].to_numpy(float)
        low, high = bootstrap_ci(vals, ci, n_bootstrap, seed)
        t, p = (np.nan, np.nan)
        if g != control:
            t, p = sps.ttest_ind(vals, ctrl, equal_var=equal_var)
        rows.append({group: g, "n": len(vals), "mean": vals.mean(), "ci_low": low, "ci_high": high,
                     "statistic": float(t), "p": float(p)})
    out = pd.DataFrame(rows)
    tested = out["p"].notna()
    out["p_corrected"] = np.nan
    if tested.any():
        out.loc[tested, "p_corrected"] = multipletests(out.loc[tested, "p"].fillna(1.0), method="bonferroni")[1]
    return out
