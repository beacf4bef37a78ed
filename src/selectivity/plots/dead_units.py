"""Dead units (Figure A9, alpha >= 0): (a) the proportion of dead units per layer; (b) the network's
class selectivity over its live units only, per alpha; (c) test accuracy against that value, with
t-tests against alpha = 0 (Bonferroni)."""

from __future__ import annotations

import pandas as pd

from .panels import alpha_points, layer_lines, per_alpha, scatter_ci, versus_control
from .quantities import layer_column, layer_label
from .style import alpha_colors, new_figure


def dead_units_figure(data):
    runs, layers, opts = data.runs[0], data.layers[0], data.opts
    dead = per_alpha(layers, layer_column("dead_fraction"), "a", opts, by=("alpha", "layer_index"))
    si_alive = versus_control(runs, data.column("si_alive"), "b", [], opts)
    acc = versus_control(runs, "test_accuracy", "c", data.stars, opts, test=data.params["test"])
    colors = alpha_colors(runs["alpha"].unique())
    fig, axes = new_figure(3)
    layer_lines(axes[0], dead, colors, layer_label("dead_fraction"))
    alpha_points(axes[1], si_alive, colors, data.label("si_alive"))
    scatter_ci(axes[2], si_alive, acc, colors, data.label("si_alive"), "test accuracy")
    return fig, axes, pd.concat([dead, si_alive, acc], ignore_index=True)
