"""Promoting (alpha > 0, red) against penalizing (alpha < 0, blue) class selectivity at equal |alpha|
(Figures 5, A6, A11)."""

from __future__ import annotations

import pandas as pd

from ..tables import read_runs
from .panels import per_alpha, scatter_ci, sign_lines, signs, stats_options, versus_control
from .style import alpha_colors, finish, new_figure


def signs_figure(inputs: dict, out_pdf, out_csv, star_levels, title: str, second_panel: str = "selectivity",
                 zoom_max_abs_alpha: float = 1.0, **params) -> pd.DataFrame:
    """(a) test accuracy vs |alpha| for both signs, Wilcoxon rank-sum alpha<0 vs alpha>0 (stars);
    (b) second_panel = "selectivity": accuracy vs mean SI for every alpha; "zoom": (a) for
    |alpha| <= zoom_max_abs_alpha."""
    opts = stats_options(params)
    runs = read_runs(inputs["runs"][0])
    acc = signs(runs, "test_accuracy", "a", star_levels, opts)
    fig, axes = new_figure(2)
    sign_lines(axes[0], acc, "test accuracy")
    parts = [acc]
    if second_panel == "selectivity":
        acc_all = per_alpha(runs, "test_accuracy", "b", opts)
        si_all = per_alpha(runs, "test_mean_si", "b", opts)
        scatter_ci(axes[1], si_all, acc_all, alpha_colors(runs["alpha"].unique()),
                   "mean class selectivity (test set)", "test accuracy")
        parts += [acc_all, si_all]
    else:
        sign_lines(axes[1], acc[acc["alpha"].abs() <= zoom_max_abs_alpha], "test accuracy")
    levels = ", ".join(f"{m} p < {t:g}" for t, m in sorted(star_levels, reverse=True))
    finish(fig, axes, f"{title} ({levels}, α < 0 vs α > 0, Wilcoxon rank-sum, Bonferroni)", out_pdf, out_csv,
           pd.concat(parts, ignore_index=True))
    return pd.concat(parts, ignore_index=True)


def signs_vs_control_figure(inputs: dict, out_pdf, out_csv, star_levels, title: str, **params) -> pd.DataFrame:
    """Test accuracy vs |alpha| for both signs; stars: each alpha against alpha = 0 (Wilcoxon rank-sum)."""
    opts = stats_options(params)
    runs = read_runs(inputs["runs"][0])
    acc = versus_control(runs, "test_accuracy", "a", star_levels, opts, test="ranksum")
    fig, axes = new_figure(1, width=6.5)
    sign_lines(axes[0], acc, "test accuracy", star_from="own")
    levels = ", ".join(f"{m} p < {t:g}" for t, m in sorted(star_levels, reverse=True))
    finish(fig, axes, f"{title} ({levels} vs α = 0, Wilcoxon rank-sum, Bonferroni)", out_pdf, out_csv, acc)
    return acc
