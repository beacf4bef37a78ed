"""Statistics of the paper: bootstrapped confidence intervals, t-tests of each alpha against
alpha = 0 with Bonferroni correction (scipy / statsmodels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from .defaults import STATS

# The config's `stats` section (the schema's defaults must agree: a test checks).
STATS_DEFAULTS = STATS  # the config's `stats` section (selectivity.defaults)


def bootstrap_ci(values, ci: float = STATS["ci"], n_resamples: int = STATS["n_bootstrap"], seed: int = STATS["bootstrap_seed"]) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean. (v, v) for a single value or identical
    values, NaNs for no values."""
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


def two_sample_test(a, b, test: str = "t", equal_var: bool = True) -> tuple[float, float]:
    """(statistic, p) of an independent two-sample test: "t" (t-test) or "ranksum" (Wilcoxon rank-sum)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or len(b) < 2:
        return np.nan, np.nan
    if test == "t":
        r = sps.ttest_ind(a, b, equal_var=equal_var)
    elif test == "ranksum":
        r = sps.ranksums(a, b)
    else:
        raise ValueError(f"unknown test {test!r}: 't' or 'ranksum'")
    return float(r.statistic), float(r.pvalue)


def bonferroni(p: pd.Series) -> pd.Series:
    """Bonferroni-corrected p-values over the non-NaN entries (NaN stays NaN)."""
    from statsmodels.stats.multitest import multipletests

    out = pd.Series(np.nan, index=p.index)
    tested = p.notna()
    if tested.any():
        out[tested] = multipletests(p[tested], method="bonferroni")[1]
    return out


def compare_to_control(
    df: pd.DataFrame,
    value: str,
    group: str = "alpha",
    control: float = 0.0,
    ci: float = STATS["ci"],
    n_bootstrap: int = STATS["n_bootstrap"],
    seed: int = 0,
    equal_var: bool = True,
    test: str = "t",
) -> pd.DataFrame:
    """Per group: n, mean, bootstrapped CI of ``value``; for groups other than ``control``, an
    independent test (t-test or Wilcoxon rank-sum) against the control group and its
    Bonferroni-corrected p-value (corrected over the number of groups tested).

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
            t, p = two_sample_test(vals, ctrl, test, equal_var)
        rows.append({group: g, "n": len(vals), "mean": vals.mean(), "ci_low": low, "ci_high": high,
                     "statistic": t, "p": p})
    out = pd.DataFrame(rows)
    out["p_corrected"] = bonferroni(out["p"])
    return out


def pairwise_tests(df: pd.DataFrame, value: str, group: str, names, test: str = "t",
                   equal_var: bool = True) -> pd.DataFrame:
    """Every pair (a, b) of the groups ``names`` (a listed before b): an independent test of ``value``
    in group b against group a, Bonferroni-corrected over the pairs. One row per pair:
    [group ("b vs a"), statistic, p, p_corrected]."""
    names = list(names)
    rows = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            t, p = two_sample_test(df.loc[df[group] == b, value], df.loc[df[group] == a, value], test, equal_var)
            rows.append({group: f"{b} vs {a}", "statistic": t, "p": p})
    out = pd.DataFrame(rows, columns=[group, "statistic", "p"])
    out["p_corrected"] = bonferroni(out["p"]) if len(out) else []
    return out


def compare_signs(df: pd.DataFrame, value: str, ci: float = STATS["ci"], n_bootstrap: int = STATS["n_bootstrap"],
                  seed: int = 0, test: str = "ranksum", equal_var: bool = True) -> pd.DataFrame:
    """alpha < 0 against alpha > 0 at equal |alpha|: Wilcoxon rank-sum (the paper's; or ``test``
    "t") per |alpha| present on both sides, Bonferroni-corrected over those |alpha|. One row per
    |alpha| with both sides' n, mean, CI."""
    rows = []
    for mag in sorted({abs(a) for a in df["alpha"] if a != 0}):
        neg = df.loc[df["alpha"] == -mag, value].to_numpy(float)
        pos = df.loc[df["alpha"] == mag, value].to_numpy(float)
        row = {"abs_alpha": mag}
        for side, vals in (("negative", neg), ("positive", pos)):
            low, high = bootstrap_ci(vals, ci, n_bootstrap, seed) if len(vals) else (np.nan, np.nan)
            row.update({f"{side}_n": len(vals), f"{side}_mean": vals.mean() if len(vals) else np.nan,
                        f"{side}_ci_low": low, f"{side}_ci_high": high})
        row["statistic"], row["p"] = two_sample_test(neg, pos, test, equal_var) if len(neg) and len(pos) else (np.nan, np.nan)
        rows.append(row)
    out = pd.DataFrame(rows)
    out["p_corrected"] = bonferroni(out["p"]) if len(out) else []
    return out


def paired_t_interval(differences, ci: float = STATS["ci"]) -> tuple[float, float]:
    """The t confidence interval of the mean of paired ``differences`` (NaN with fewer than 2)."""
    d = np.asarray(differences, float)
    if len(d) < 2:
        return np.nan, np.nan
    if np.all(d == d[0]):
        return float(d[0]), float(d[0])
    interval = sps.ttest_1samp(d, 0.0).confidence_interval(ci)
    return float(interval.low), float(interval.high)


def paired_t(a, b) -> tuple[float, float]:
    """Paired t-test of a against b (same length). (statistic, p); NaN with fewer than 2 pairs."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2:
        return np.nan, np.nan
    r = sps.ttest_rel(a, b)
    return float(r.statistic), float(r.pvalue)

