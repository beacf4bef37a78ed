"""Test accuracy against alpha for one sign of alpha (Figures 2, 4, A3, A5): (a) violins with an
inner box plot per alpha, (b) the same for |alpha| <= zoom_max_abs_alpha, (c) test accuracy against
the network's mean class selectivity, mean and CI per alpha. Stars: t-test against alpha = 0,
Bonferroni-corrected, at the caption's levels."""

from __future__ import annotations

import pandas as pd

from .panels import per_alpha, scatter_ci, versus_control, violins, zoom_rows
from .style import alpha_colors, new_figure


def accuracy_figure(data):
    runs, opts = data.runs[0], data.opts
    zoom = data.options["zoom_max_abs_alpha"]
    acc = versus_control(runs, "test_accuracy", "a", data.stars, opts, test=data.params["test"])
    si = per_alpha(runs, data.column("si"), "c", opts)
    colors = alpha_colors(runs["alpha"].unique())
    fig, axes = new_figure(3, ratios=[1.4, 1, 1])
    violins(axes[0], runs, "test_accuracy", acc, colors, "test accuracy")
    violins(axes[1], runs[runs["alpha"].abs() <= zoom], "test_accuracy", acc, colors, "test accuracy")
    axes[1].text(0.98, 0.02, f"|α| ≤ {zoom:g}", transform=axes[1].transAxes, ha="right", fontsize=8)
    scatter_ci(axes[2], si, acc, colors, data.label("si"), "test accuracy")
    return fig, axes, pd.concat([acc, zoom_rows(acc, zoom), si], ignore_index=True)
