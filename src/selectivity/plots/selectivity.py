"""A selectivity metric per layer and over the network, against alpha (Figures 1, A1, A2, A4, A7,
A8): (a) the mean per layer (line and CI band per alpha), (b) the network's value in the configured
reading (``analysis.network_mean``), mean and CI per alpha, with the median beside it for the
selectivity index (a robust summary where units' SI leaves [0, 1]). The CSV also holds t-tests of
(b) against alpha = 0 and, for SI, the fraction of units outside [0, 1]."""

from __future__ import annotations

import pandas as pd

from .panels import alpha_points, layer_lines, note_outside, outside_unit_interval, per_alpha, versus_control
from .quantities import layer_column, layer_label
from .style import alpha_colors, new_figure


def selectivity_figure(data):
    runs, layers, opts, quantity = data.runs[0], data.layers[0], data.opts, data.params["quantity"]
    per_layer = per_alpha(layers, layer_column(quantity), "a", opts, by=("alpha", "layer_index"))
    network = versus_control(runs, data.column(quantity), "b", [], opts)
    parts = [per_layer, network]
    median = None
    if quantity == "si":
        median = per_alpha(runs, data.column("median_si"), "b", opts)
        outside = outside_unit_interval(runs, "b")
        parts += [median, outside]
    colors = alpha_colors(runs["alpha"].unique())
    fig, axes = new_figure(2, ratios=[1.3, 1])
    layer_lines(axes[0], per_layer, colors, layer_label(quantity))
    alpha_points(axes[1], network, colors, data.label(quantity), median=median)
    if quantity == "si":
        note_outside(axes[1], outside)
    return fig, axes, pd.concat(parts, ignore_index=True)
