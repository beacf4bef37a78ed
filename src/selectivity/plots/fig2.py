"""Figure 2: effects of reducing class selectivity on test accuracy (alpha <= 0).

(a) test accuracy per alpha (violins with an inner box plot, blue intensity by |alpha|);
(b) the same for the alphas with |alpha| <= zoom_max_abs_alpha;
(c) test accuracy vs test-set mean class selectivity, mean and 95 % CI per alpha.
Stars: t-test against alpha = 0, Bonferroni-corrected; * p < 0.05, ** p < 5e-6 (the caption's levels).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import seaborn as sns

from ..stats import compare_to_control, stars
from ..tables import read_runs, write_csv
from .style import alpha_colors, alpha_label, plt, save_pdf

STAR_LEVELS = [(0.05, "*"), (5e-6, "**")]


def statistics(runs: pd.DataFrame, ci: float = 0.95, n_bootstrap: int = 10000, seed: int = 0,
               equal_var: bool = True) -> pd.DataFrame:
    """One row per alpha: accuracy and mean-SI means with bootstrapped CIs; accuracy t-test vs alpha = 0."""
    kw = dict(ci=ci, n_bootstrap=n_bootstrap, seed=seed, equal_var=equal_var)
    acc = compare_to_control(runs, "test_accuracy", **kw)
    si = compare_to_control(runs, "test_mean_si", **kw)
    out = acc.rename(columns={"mean": "accuracy_mean", "ci_low": "accuracy_ci_low", "ci_high": "accuracy_ci_high",
                              "statistic": "t_statistic"})
    out["mean_si"] = si["mean"].to_numpy()
    out["mean_si_ci_low"] = si["ci_low"].to_numpy()
    out["mean_si_ci_high"] = si["ci_high"].to_numpy()
    out["stars"] = [stars(p, STAR_LEVELS) if pd.notna(p) else "" for p in out["p_corrected"]]
    out.insert(1, "test", ["control" if a == 0 else "t-test vs alpha=0, Bonferroni" for a in out["alpha"]])
    return out


def _violins(ax, runs: pd.DataFrame, stats: pd.DataFrame, colors: dict, title: str) -> None:
    order = sorted(runs["alpha"].unique())
    labels = [alpha_label(a) for a in order]
    data = runs.assign(alpha_label=runs["alpha"].map(alpha_label))
    palette = {alpha_label(a): colors[a] for a in order}
    sns.violinplot(data=data, x="alpha_label", y="test_accuracy", hue="alpha_label", order=labels,
                   hue_order=labels, palette=palette, inner="box", cut=0, legend=False, ax=ax)
    top = runs["test_accuracy"].max()
    span = max(1e-3, top - runs["test_accuracy"].min())
    for i, a in enumerate(order):
        mark = stats.loc[stats["alpha"] == a, "stars"]
        if len(mark) and mark.iloc[0]:
            ax.text(i, top + 0.04 * span, mark.iloc[0], ha="center", va="bottom", fontsize=11)
    ax.set_ylim(top=top + 0.12 * span)
    ax.set_xlabel("regularization scale α")
    ax.set_ylabel("test accuracy")
    ax.set_title(title, loc="left")


def make(runs_csv: str | Path, out_pdf: str | Path, out_csv: str | Path, zoom_max_abs_alpha: float = 1.0,
         ci: float = 0.95, n_bootstrap: int = 10000, seed: int = 0, equal_var: bool = True) -> pd.DataFrame:
    runs = read_runs(runs_csv)
    runs = runs[runs["alpha"] <= 0]
    if 0 not in set(runs["alpha"]):
        raise ValueError(f"{runs_csv}: no alpha = 0 runs, the baseline Figure 2 compares against")
    stats = statistics(runs, ci, n_bootstrap, seed, equal_var)
    colors = alpha_colors(stats["alpha"])
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), gridspec_kw={"width_ratios": [1.4, 1, 1]})
    experiment = runs["experiment"].iloc[0] if "experiment" in runs else ""
    _violins(axes[0], runs, stats, colors, "a")
    zoom = runs[runs["alpha"].abs() <= zoom_max_abs_alpha]
    _violins(axes[1], zoom, stats, colors, f"b   |α| ≤ {zoom_max_abs_alpha:g}")
    ax = axes[2]
    for _, r in stats.iterrows():
        ax.errorbar(r["mean_si"], r["accuracy_mean"],
                    xerr=[[r["mean_si"] - r["mean_si_ci_low"]], [r["mean_si_ci_high"] - r["mean_si"]]],
                    yerr=[[r["accuracy_mean"] - r["accuracy_ci_low"]], [r["accuracy_ci_high"] - r["accuracy_mean"]]],
                    fmt="o", color=colors[r["alpha"]], ecolor=colors[r["alpha"]], capsize=2,
                    label=f"α={alpha_label(r['alpha'])}{' ' + r['stars'] if r['stars'] else ''}")
    ax.set_xlabel("mean class selectivity (test set)")
    ax.set_ylabel("test accuracy")
    ax.set_title("c", loc="left")
    ax.legend(fontsize=7, ncol=2, frameon=False)
    n_lo, n_hi = int(stats["n"].min()), int(stats["n"].max())
    n_text = f"{n_lo}" if n_lo == n_hi else f"{n_lo}–{n_hi}"
    fig.suptitle(f"Effects of reducing class selectivity on test accuracy ({experiment}; "
                 f"n = {n_text} seeds per α; "
                 f"* p < 0.05, ** p < 5e-6 vs α = 0, t-test, Bonferroni)", fontsize=10)
    fig.tight_layout()
    write_csv(stats, out_csv)
    save_pdf(fig, out_pdf)
    return stats
