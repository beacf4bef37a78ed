"""Figure A9: dead units (ResNet20, alpha >= 0): (a) proportion of dead units per layer; (b) mean
class selectivity over the network's live units only (all units pooled, as Fig. A1b), per alpha; (c) test accuracy against that mean, with
t-tests against alpha = 0 (Bonferroni)."""

from __future__ import annotations

import pandas as pd

from ..tables import read_runs, read_table
from .panels import alpha_points, layer_lines, per_alpha, scatter_ci, select_sign, stats_options, versus_control
from .style import alpha_colors, finish, new_figure

STAR_LEVELS = [(2e-4, "*"), (5e-7, "**")]  # the caption's thresholds


def make(inputs, out_pdf, out_csv, **params):
    opts = stats_options(params)
    runs = select_sign(read_runs(inputs["runs"][0]), "promote")
    layers = select_sign(read_table(inputs["layers"][0]), "promote")
    dead = per_alpha(layers, "dead_fraction", "a", opts, by=("alpha", "layer_index"))
    si_alive = versus_control(runs, "units_mean_si_alive", "b", [], opts)
    acc = versus_control(runs, "test_accuracy", "c", STAR_LEVELS, opts)
    colors = alpha_colors(runs["alpha"].unique())
    fig, axes = new_figure(3)
    layer_lines(axes[0], dead, colors, "proportion of dead units")
    alpha_points(axes[1], si_alive, colors, "mean class selectivity (live units)")
    scatter_ci(axes[2], si_alive, acc, colors, "mean class selectivity (live units)", "test accuracy")
    stats = pd.concat([dead, si_alive, acc], ignore_index=True)
    finish(fig, axes, "Removing dead units stabilizes the effect of large positive α (ResNet20; "
                      "* p < 2e-4, ** p < 5e-7 vs α = 0, t-test, Bonferroni)", out_pdf, out_csv, stats)
    return stats
