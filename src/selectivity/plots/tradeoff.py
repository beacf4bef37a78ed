"""Test accuracy against class selectivity across the whole alpha grid (the Tiny ImageNet figures
and the blog's figure): (a) every network as a point (its mean class selectivity, its test
accuracy) coloured by alpha, with each alpha's mean and CI in both directions; (b) the same for
|alpha| <= zoom_max_abs_alpha, where the effect of small changes in selectivity shows. Stars on an
alpha's accuracy: t-test against alpha = 0, Bonferroni-corrected, at the caption's levels."""

from __future__ import annotations

import pandas as pd

from .panels import per_alpha, scatter_ci, versus_control, zoom_rows
from .style import alpha_colors, new_figure


def tradeoff_figure(data):
    runs, opts = data.runs[0], data.opts
    zoom = data.options["zoom_max_abs_alpha"]
    si_column = data.column("si")
    acc = versus_control(runs, "test_accuracy", "a", data.stars, opts, test=data.params["test"])
    si = per_alpha(runs, si_column, "a", opts)
    colors = alpha_colors(runs["alpha"].unique())
    fig, axes = new_figure(2, ratios=[1.3, 1])
    for ax, shown in ((axes[0], runs), (axes[1], runs[runs["alpha"].abs() <= zoom])):
        alphas = set(shown["alpha"])
        ax.scatter(shown[si_column], shown["test_accuracy"], s=8, alpha=0.35, lw=0,
                   c=[colors[a] for a in shown["alpha"]])
        scatter_ci(ax, si[si["alpha"].isin(alphas)], acc[acc["alpha"].isin(alphas)], colors, data.label("si"),
                   "test accuracy")
    axes[1].text(0.98, 0.02, f"|α| ≤ {zoom:g}", transform=axes[1].transAxes, ha="right", fontsize=8)
    return fig, axes, pd.concat([acc, si, zoom_rows(pd.concat([acc, si]), zoom)], ignore_index=True)
