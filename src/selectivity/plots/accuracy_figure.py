"""Test accuracy against alpha for one sign of alpha (Figures 2, 4, A3, A5):
(a) violins with an inner box plot per alpha, (b) the same for |alpha| <= zoom_max_abs_alpha,
(c) test accuracy against test-set mean class selectivity, mean and CI per alpha.
Stars: t-test against alpha = 0, Bonferroni-corrected, at the caption's levels."""

from __future__ import annotations

import pandas as pd

from ..tables import read_runs
from .panels import per_alpha, scatter_ci, select_sign, stats_options, versus_control, violins
from .style import alpha_colors, finish, new_figure


def accuracy_figure(inputs: dict, out_pdf, out_csv, sign: str, star_levels, title: str,
                    zoom_max_abs_alpha: float = 1.0, **params) -> pd.DataFrame:
    opts = stats_options(params)
    runs = select_sign(read_runs(inputs["runs"][0]), sign)
    acc = versus_control(runs, "test_accuracy", "a", star_levels, opts)
    si = per_alpha(runs, "test_mean_si", "c", opts)
    colors = alpha_colors(runs["alpha"].unique())
    fig, axes = new_figure(3, ratios=[1.4, 1, 1])
    violins(axes[0], runs, "test_accuracy", acc, colors, "test accuracy")
    violins(axes[1], runs[runs["alpha"].abs() <= zoom_max_abs_alpha], "test_accuracy", acc, colors, "test accuracy")
    axes[1].text(0.98, 0.02, f"|α| ≤ {zoom_max_abs_alpha:g}", transform=axes[1].transAxes, ha="right", fontsize=8)
    scatter_ci(axes[2], si, acc, colors, "mean class selectivity (test set)", "test accuracy")
    levels = ", ".join(f"{m} p < {t:g}" for t, m in sorted(star_levels, reverse=True))
    stats = pd.concat([acc, si], ignore_index=True)
    n = sorted(set(acc["n"].astype(int)))
    finish(fig, axes, f"{title} (n = {'–'.join(map(str, [n[0], n[-1]] if len(n) > 1 else n))} per α; "
                      f"{levels} vs α = 0, t-test, Bonferroni)", out_pdf, out_csv, stats)
    return stats
