"""A selectivity metric per layer and over the network, against alpha (Figures 1, A1, A2, A4, A7,
A8): (a) mean per layer (line and CI band per alpha), (b) the mean over all units of the network
("computed across all units in a network instead of per layer", as the captions say). The CSV also
holds t-tests of (b) against alpha = 0."""

from __future__ import annotations

import pandas as pd

from ..tables import read_runs, read_table
from .panels import alpha_points, layer_lines, per_alpha, select_sign, stats_options, versus_control
from .style import alpha_colors, finish, new_figure

LABELS = {"mean_si": "class selectivity index", "mean_precision": "precision",
          "mean_si_alive": "class selectivity index (live units)", "dead_fraction": "proportion of dead units"}


def selectivity_figure(inputs: dict, out_pdf, out_csv, sign: str, metric: str, title: str, **params) -> pd.DataFrame:
    opts = stats_options(params)
    runs = select_sign(read_runs(inputs["runs"][0]), sign)
    layers = select_sign(read_table(inputs["layers"][0]), sign)
    per_layer = per_alpha(layers, metric, "a", opts, by=("alpha", "layer_index"))
    network = versus_control(runs, f"units_{metric}", "b", [], opts)
    colors = alpha_colors(runs["alpha"].unique())
    fig, axes = new_figure(2, ratios=[1.3, 1])
    layer_lines(axes[0], per_layer, colors, f"mean {LABELS[metric]}")
    alpha_points(axes[1], network, colors, f"mean {LABELS[metric]} (all units)")
    stats = pd.concat([per_layer, network], ignore_index=True)
    finish(fig, axes, f"{title} (error bars and bands: bootstrapped {opts['ci']:.0%} CI)", out_pdf, out_csv, stats)
    return stats
