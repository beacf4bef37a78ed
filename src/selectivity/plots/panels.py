"""Panels shared by the paper's figures, and the long statistics table every figure writes.

Statistics table (one CSV per figure): panel, experiment, quantity, alpha, layer_index, n, mean,
ci_low, ci_high, test, statistic, p, p_corrected, stars. ``quantity`` is the table column (or the
derived quantity) a row summarizes; ``n`` the number of networks (or of values) behind it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from ..stats import STATS_DEFAULTS, bootstrap_ci, compare_signs, compare_to_control, stars
from .style import alpha_colors, alpha_label

STAT_COLUMNS = ["panel", "experiment", "quantity", "alpha", "layer_index", "n", "mean", "ci_low", "ci_high",
                "test", "statistic", "p", "p_corrected", "stars"]
TEST_NAMES = {"t": "t-test vs alpha=0, Bonferroni", "ranksum": "Wilcoxon rank-sum vs alpha=0, Bonferroni"}
SIGN_TEST_NAMES = {"t": "t-test alpha<0 vs alpha>0 at equal |alpha|, Bonferroni",
                   "ranksum": "Wilcoxon rank-sum alpha<0 vs alpha>0 at equal |alpha|, Bonferroni"}


def stats_options(stats: dict | None = None) -> dict:
    """Keyword arguments of the statistics functions, from the config's `stats` section."""
    s = {**STATS_DEFAULTS, **(stats or {})}
    return {"ci": s["ci"], "n_bootstrap": s["n_bootstrap"], "seed": s["bootstrap_seed"], "equal_var": s["equal_var"]}


def versus_control(runs: pd.DataFrame, value: str, panel: str, star_levels, opts: dict, test: str = "t",
                   quantity: str | None = None) -> pd.DataFrame:
    """Mean and CI of ``value`` per alpha, with a test of each alpha against alpha = 0."""
    if 0 not in set(runs["alpha"]):
        raise ValueError(f"no alpha = 0 runs: panel {panel} compares against the alpha = 0 baseline")
    out = compare_to_control(runs, value, test=test, **opts)
    out["stars"] = [stars(p, star_levels) if pd.notna(p) else "" for p in out["p_corrected"]]
    out["test"] = [TEST_NAMES[test] if a != 0 else "control" for a in out["alpha"]]
    return stat_rows(out, panel, runs, quantity or value)


def per_alpha(runs: pd.DataFrame, value: str, panel: str, opts: dict, by=("alpha",), quantity=None) -> pd.DataFrame:
    """Mean and bootstrapped CI of ``value`` per group (no test)."""
    rows = []
    for key, sub in runs.groupby(list(by), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        vals = sub[value].dropna().to_numpy(float)
        low, high = bootstrap_ci(vals, opts["ci"], opts["n_bootstrap"], opts["seed"])
        rows.append({**dict(zip(by, key)), "n": len(vals), "mean": vals.mean() if len(vals) else np.nan,
                     "ci_low": low, "ci_high": high})
    return stat_rows(pd.DataFrame(rows), panel, runs, quantity or value)


def signs(runs: pd.DataFrame, value: str, panel: str, star_levels, opts: dict, test: str = "ranksum") -> pd.DataFrame:
    """alpha < 0 vs alpha > 0 at equal |alpha| (``test``: Wilcoxon rank-sum, the paper's, or "t";
    Bonferroni): two rows per |alpha|."""
    out = compare_signs(runs, value, test=test, **opts)
    rows = []
    for _, r in out.iterrows():
        for side, sgn in (("negative", -1), ("positive", 1)):
            rows.append({"alpha": sgn * r["abs_alpha"], "n": r[f"{side}_n"], "mean": r[f"{side}_mean"],
                         "ci_low": r[f"{side}_ci_low"], "ci_high": r[f"{side}_ci_high"],
                         "test": SIGN_TEST_NAMES[test],
                         "statistic": r["statistic"], "p": r["p"], "p_corrected": r["p_corrected"],
                         "stars": stars(r["p_corrected"], star_levels) if pd.notna(r["p_corrected"]) else ""})
    return stat_rows(pd.DataFrame(rows), panel, runs, value)


def outside_unit_interval(runs: pd.DataFrame, panel: str) -> pd.DataFrame:
    """Per alpha: the fraction of all units (of all its networks) whose SI lies outside [0, 1]
    (possible with leaky ReLUs, where Eq. 1's denominator can reach 0 or go negative)."""
    rows = []
    for alpha, sub in runs.groupby("alpha", sort=True):
        frac = sub["n_si_outside"].sum() / max(1, sub["n_units"].sum())
        rows.append({"alpha": alpha, "n": int(sub["n_units"].sum()), "mean": frac, "ci_low": frac, "ci_high": frac})
    return stat_rows(pd.DataFrame(rows), panel, runs, "fraction_of_units_with_si_outside_0_1")


def stat_rows(df: pd.DataFrame, panel: str, runs: pd.DataFrame, quantity: str, keep=()) -> pd.DataFrame:
    """``df``'s rows as statistics-table rows (STAT_COLUMNS, then the columns ``keep``): ``panel`` and
    ``quantity`` set, ``experiment`` from ``runs`` where ``df`` has none, missing columns empty."""
    df = df.copy()
    df["panel"] = panel
    df["quantity"] = quantity
    if "experiment" not in df:
        exps = runs["experiment"].unique() if "experiment" in runs else [""]
        df["experiment"] = ",".join(map(str, exps))
    for col in STAT_COLUMNS:
        if col not in df:
            df[col] = "" if col in ("test", "stars") else np.nan
    return df[[*STAT_COLUMNS, *keep]]


# ---------------------------------------------------------------- drawing


def violins(ax, runs: pd.DataFrame, value: str, stats: pd.DataFrame, colors: dict, ylabel: str) -> None:
    """One violin (with an inner box plot) per alpha, stars above from ``stats``."""
    order = sorted(runs["alpha"].unique())
    labels = [alpha_label(a) for a in order]
    data = runs.assign(alpha_label=runs["alpha"].map(alpha_label))
    sns.violinplot(data=data, x="alpha_label", y=value, hue="alpha_label", order=labels, hue_order=labels,
                   palette={alpha_label(a): colors[a] for a in order}, inner="box", cut=0, legend=False, ax=ax)
    _stars_above(ax, range(len(order)), order, stats, runs[value])
    ax.set_xlabel("regularization scale α")
    ax.set_ylabel(ylabel)


def split_violins(ax, runs: pd.DataFrame, value: str, stats: pd.DataFrame, ylabel: str) -> None:
    """Per |alpha| > 0, a violin split in two: alpha < 0 on the left (blue), alpha > 0 on the right
    (red); in each half a solid line at the mean and dashed lines at the quartiles (Fig. 5a)."""
    mags = sorted({abs(a) for a in runs["alpha"] if a != 0})
    palette = alpha_colors([-max(mags), max(mags)]) if mags else {}
    for x, m in enumerate(mags):
        for sgn, side in ((-1, "low"), (1, "high")):
            vals = runs.loc[runs["alpha"] == sgn * m, value].dropna().to_numpy(float)
            if not len(vals):
                continue
            color = palette[sgn * max(mags)]
            if len(vals) > 1 and np.ptp(vals) > 0:
                parts = ax.violinplot([vals], positions=[x], widths=0.8, side=side, showextrema=False)
                for body in parts["bodies"]:
                    body.set_facecolor(color)
                    body.set_edgecolor(color)
                    body.set_alpha(0.6)
            half = (-0.35, 0) if sgn < 0 else (0, 0.35)
            q1, q3 = np.quantile(vals, [0.25, 0.75])
            ax.hlines(vals.mean(), x + half[0], x + half[1], color="k", lw=1.2, linestyles="solid")
            ax.hlines([q1, q3], x + half[0], x + half[1], color="k", lw=0.8, linestyles="dashed")
    pairs = stats.assign(m=stats["alpha"].abs()).drop_duplicates("m")
    _stars_above(ax, range(len(mags)), mags, pairs.assign(alpha=pairs["m"]), runs[value])
    ax.set_xticks(range(len(mags)), [alpha_label(m) for m in mags])
    ax.set_xlabel("regularization scale magnitude |α|")
    ax.set_ylabel(ylabel)
    ax.plot([], [], color=palette.get(-max(mags), "b") if mags else "b", lw=6, alpha=0.6, label="α < 0")
    ax.plot([], [], color=palette.get(max(mags), "r") if mags else "r", lw=6, alpha=0.6, label="α > 0")
    ax.legend(frameon=False)


def _stars_above(ax, xs, alphas, stats, values) -> None:
    top, span = values.max(), max(1e-3, values.max() - values.min())
    marks = dict(zip(stats["alpha"], stats["stars"].fillna("")))
    for x, a in zip(xs, alphas):
        if marks.get(a):
            ax.text(x, top + 0.04 * span, marks[a], ha="center", va="bottom", fontsize=11)
    ax.set_ylim(top=top + 0.12 * span)


def alpha_points(ax, stats: pd.DataFrame, colors: dict, ylabel: str, show_stars: bool = False,
                 median: pd.DataFrame | None = None) -> None:
    """Mean with CI error bars per alpha, alphas as ordered categories; ``median``: per-alpha
    medians (a robust summary) drawn as open markers beside the means."""
    stats = stats.sort_values("alpha")
    for i, r in enumerate(stats.itertuples()):
        ax.errorbar(i, r.mean, yerr=[[r.mean - r.ci_low], [r.ci_high - r.mean]], fmt="o", color=colors[r.alpha],
                    capsize=3, label="mean" if i == 0 and median is not None else None)
        if show_stars and r.stars:
            ax.annotate(r.stars, (i, r.ci_high), textcoords="offset points", xytext=(0, 3), ha="center")
    if median is not None:
        med = median.set_index("alpha")["mean"]
        xs = [i + 0.25 for i, a in enumerate(stats["alpha"]) if a in med.index]
        ax.plot(xs, [med[a] for a in stats["alpha"] if a in med.index], "D", mfc="none", mec="0.3", ms=4,
                ls="none", label="median")
        ax.legend(frameon=False, fontsize=7)
    ax.set_xticks(range(len(stats)), [alpha_label(a) for a in stats["alpha"]])
    ax.set_xlabel("regularization scale α")
    ax.set_ylabel(ylabel)


def note_outside(ax, outside: pd.DataFrame) -> None:
    """Say on the panel when units' SI left [0, 1] (leaky ReLUs), with the largest fraction."""
    if len(outside) and outside["mean"].max() > 0:
        worst = outside.loc[outside["mean"].idxmax()]
        ax.text(0.02, 0.98, f"SI outside [0, 1]: up to {worst['mean']:.1%} of units (α = {alpha_label(worst['alpha'])})",
                transform=ax.transAxes, ha="left", va="top", fontsize=7, color="0.3")


def layer_lines(ax, stats: pd.DataFrame, colors: dict, ylabel: str) -> None:
    """Per-layer mean with a CI band, one line per alpha (layers numbered from 1)."""
    for alpha, sub in stats.groupby("alpha", sort=True):
        sub = sub.sort_values("layer_index")
        x = sub["layer_index"].to_numpy() + 1
        ax.plot(x, sub["mean"], "-o", ms=3, color=colors[alpha], label=f"α={alpha_label(alpha)}")
        ax.fill_between(x, sub["ci_low"], sub["ci_high"], color=colors[alpha], alpha=0.2, lw=0)
    ax.set_xlabel("layer")
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=7, ncol=2, frameon=False)


def scatter_ci(ax, xstats: pd.DataFrame, ystats: pd.DataFrame, colors: dict, xlabel: str, ylabel: str) -> None:
    """y against x per alpha, with CIs in both directions; stars (from ystats) in the legend."""
    merged = xstats.merge(ystats, on="alpha", suffixes=("_x", "_y"))
    for r in merged.itertuples():
        ax.errorbar(r.mean_x, r.mean_y, xerr=[[r.mean_x - r.ci_low_x], [r.ci_high_x - r.mean_x]],
                    yerr=[[r.mean_y - r.ci_low_y], [r.ci_high_y - r.mean_y]], fmt="o", color=colors[r.alpha],
                    capsize=2, label=f"α={alpha_label(r.alpha)}{' ' + r.stars_y if r.stars_y else ''}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, ncol=2, frameon=False)


def sign_lines(ax, stats: pd.DataFrame, ylabel: str, star_from: str = "pair") -> None:
    """Value against |alpha| for alpha < 0 (blue) and alpha > 0 (red), CIs as error bars.

    star_from: "pair" puts a row's stars between the two signs (sign comparison), "own" above each point.
    """
    mags = sorted({abs(a) for a in stats["alpha"] if a != 0})
    xs = {m: i for i, m in enumerate(mags)}
    palette = alpha_colors([-max(mags), max(mags)]) if mags else {}
    for sgn, name in ((-1, "α < 0"), (1, "α > 0")):
        sub = stats[np.sign(stats["alpha"]) == sgn].sort_values("alpha", key=abs)
        if sub.empty:
            continue
        x = [xs[abs(a)] for a in sub["alpha"]]
        color = palette[sgn * max(mags)]
        ax.errorbar(x, sub["mean"], yerr=[sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]], fmt="-o",
                    color=color, capsize=3, label=name)
        if star_from == "own":
            for xi, r in zip(x, sub.itertuples()):
                if r.stars:
                    ax.annotate(r.stars, (xi, r.ci_high), textcoords="offset points", xytext=(0, 3), ha="center",
                                color=color)
    if star_from == "pair":
        hi = stats["ci_high"].max()
        for m in mags:
            mark = stats.loc[(stats["alpha"] == m) | (stats["alpha"] == -m), "stars"].fillna("")
            if len(mark) and mark.iloc[0]:
                ax.text(xs[m], hi, mark.iloc[0], ha="center", va="bottom")
    ax.set_xticks(range(len(mags)), [alpha_label(m) for m in mags])
    ax.set_xlabel("regularization scale magnitude |α|")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False)


def zoom_rows(stats: pd.DataFrame, zoom: float, panel: str = "b") -> pd.DataFrame:
    """The rows of ``stats`` that a zoomed panel shows (|alpha| <= zoom), labelled as that panel."""
    return stats[stats["alpha"].abs() <= zoom].assign(panel=panel)


# ---------------------------------------------------------------- robustness (robust_* kinds)

ROBUST_COLUMNS = STAT_COLUMNS + ["name", "level"]


def network_values(rob: pd.DataFrame, kind: str, names=None, measure: str = "accuracy",
                   by=("alpha", "seed", "level")) -> pd.DataFrame:
    """One value per network (and per ``by``): the mean of ``measure`` over the rows of ``kind``
    whose name is in ``names`` (all names but "none" if None)."""
    sub = rob[(rob["kind"] == kind) & (rob["measure"] == measure)]
    sub = sub[sub["name"].isin(names)] if names is not None else sub[sub["name"] != "none"]
    out = sub.groupby(list(by), as_index=False)["value"].mean()
    return out.assign(experiment=",".join(map(str, rob["experiment"].unique())))


def versus_control_per_level(values: pd.DataFrame, panel: str, star_levels, opts: dict, name: str,
                             quantity: str, test: str = "t") -> pd.DataFrame:
    """Per level: mean, CI of "value" per alpha and its test against alpha = 0 (Bonferroni over the
    alphas of that level); columns ROBUST_COLUMNS."""
    frames = [versus_control(sub, "value", panel, star_levels, opts, test=test, quantity=quantity)
              .assign(name=name, level=level) for level, sub in values.groupby("level", sort=True)]
    return pd.concat(frames, ignore_index=True)[ROBUST_COLUMNS]


def level_lines(ax, stats: pd.DataFrame, colors: dict, xlabel: str, ylabel: str) -> None:
    """Mean with a CI band against the level (severity, eps), one line per alpha; stars of the
    last level beside its point."""
    for alpha, sub in stats.groupby("alpha", sort=True):
        sub = sub.sort_values("level")
        x = sub["level"].to_numpy(float)
        ax.plot(x, sub["mean"], "-o", ms=3, color=colors[alpha], label=f"α={alpha_label(alpha)}")
        ax.fill_between(x, sub["ci_low"], sub["ci_high"], color=colors[alpha], alpha=0.15, lw=0)
        last = sub.iloc[-1]
        if isinstance(last["stars"], str) and last["stars"]:
            ax.annotate(last["stars"], (x[-1], last["mean"]), textcoords="offset points", xytext=(4, 0),
                        va="center", color=colors[alpha], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, ncol=2, frameon=False)
