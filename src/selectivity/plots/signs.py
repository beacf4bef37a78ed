"""Promoting (alpha > 0, red) against penalizing (alpha < 0, blue) class selectivity at equal
|alpha| (Figures 5, A6, A11)."""

from __future__ import annotations

import pandas as pd

from .panels import per_alpha, scatter_ci, sign_lines, signs, split_violins, versus_control, zoom_rows
from .style import alpha_colors, new_figure


def sign_distributions_figure(data):
    """Figure 5: (a) test accuracy against |alpha|, distributions split by sign (solid line: mean,
    dashed: central two quartiles), Wilcoxon rank-sum alpha < 0 vs alpha > 0 at equal |alpha|;
    (b) test accuracy against the network's mean class selectivity for every alpha."""
    runs, opts = data.runs[0], data.opts
    acc = signs(runs, "test_accuracy", "a", data.stars, opts, test=data.params["test"])
    acc_all = per_alpha(runs, "test_accuracy", "b", opts)
    si_all = per_alpha(runs, data.column("si"), "b", opts)
    fig, axes = new_figure(2)
    split_violins(axes[0], runs, "test_accuracy", acc, "test accuracy")
    scatter_ci(axes[1], si_all, acc_all, alpha_colors(runs["alpha"].unique()), data.label("si"), "test accuracy")
    return fig, axes, pd.concat([acc, acc_all, si_all], ignore_index=True)


def sign_lines_figure(data):
    """Figure A6: (a) test accuracy against |alpha| for both signs, mean and CI, Wilcoxon rank-sum
    alpha < 0 vs alpha > 0 at equal |alpha|; (b) the same for |alpha| <= zoom_max_abs_alpha."""
    runs, opts = data.runs[0], data.opts
    zoom = data.options["zoom_max_abs_alpha"]
    acc = signs(runs, "test_accuracy", "a", data.stars, opts, test=data.params["test"])
    fig, axes = new_figure(2)
    sign_lines(axes[0], acc, "test accuracy")
    sign_lines(axes[1], acc[acc["alpha"].abs() <= zoom], "test accuracy")
    axes[1].text(0.98, 0.02, f"|α| ≤ {zoom:g}", transform=axes[1].transAxes, ha="right", fontsize=8)
    return fig, axes, pd.concat([acc, zoom_rows(acc, zoom)], ignore_index=True)


def sign_control_figure(data):
    """Figure A11: test accuracy against |alpha| for both signs; stars: each alpha against alpha = 0."""
    runs = data.runs[0]
    acc = versus_control(runs, "test_accuracy", "a", data.stars, data.opts, test=data.params["test"])
    fig, axes = new_figure(1, width=6.5)
    sign_lines(axes[0], acc, "test accuracy", star_from="own")
    return fig, axes, acc
