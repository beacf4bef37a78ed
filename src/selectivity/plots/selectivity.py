"""A selectivity metric per layer and over the network, against alpha (Figures 1, A1, A2, A4, A7,
A8): (a) the mean per layer (line and CI band per alpha), (b) the network's value in the configured
reading (``analysis.network_mean``), mean and CI per alpha, with the median beside it for the
selectivity index (a robust summary where units' SI leaves [0, 1]). For the selectivity index (all
units or live units) both panels draw the shuffled-label null (grey: the SI of a unit with no class
information at this test set's size, ``analysis.si_null``; it depends on the network's activations,
so it differs between alphas): (a) per layer and alpha, dotted in the alpha's colour; (b) per alpha,
the network's null. The CSV also holds t-tests of (b) against alpha = 0, the
null's rows (quantity si_null) and, for SI, the fraction of units outside [0, 1]."""

from __future__ import annotations

import pandas as pd

from .panels import alpha_points, layer_lines, note_outside, outside_unit_interval, per_alpha, versus_control
from .quantities import layer_column, layer_label, network_column
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
    if quantity in ("si", "si_alive"):
        parts += draw_null(axes, layers, runs, network, opts, data.params["network_mean"])
    alpha_points(axes[1], network, colors, data.label(quantity), median=median)
    if quantity == "si":
        note_outside(axes[1], outside)
    return fig, axes, pd.concat(parts, ignore_index=True)


def draw_null(axes, layers: pd.DataFrame, runs: pd.DataFrame, network: pd.DataFrame, opts: dict,
              network_mean: str) -> list[pd.DataFrame]:
    """The shuffled-label SI null on panels (a) (per layer, mean over the runs shown) and (b) (per
    alpha, in the figure's reading of the network mean); its statistics rows (quantity si_null)."""
    if layers["mean_si_null"].isna().all():
        return []
    per_layer = per_alpha(layers, "mean_si_null", "a", opts, by=("alpha", "layer_index"), quantity="si_null")
    per_run = per_alpha(runs, network_column("si_null", network_mean), "b", opts, quantity="si_null")
    colors = alpha_colors(runs["alpha"].unique())
    for alpha, sub in per_layer.groupby("alpha", sort=True):  # the null depends on the network: one per alpha
        sub = sub.sort_values("layer_index")
        axes[0].plot(sub["layer_index"] + 1, sub["mean"], ":", color=colors[alpha], lw=1.0)
    axes[0].plot([], [], ":", color="0.45", label="shuffled labels (null), per α")
    axes[0].legend(fontsize=7, ncol=2, frameon=False)
    order = {a: i for i, a in enumerate(sorted(network["alpha"]))}
    null = per_run.set_index("alpha")["mean"]
    axes[1].plot([order[a] for a in null.index if a in order], [null[a] for a in null.index if a in order], "_",
                 color="0.45", ms=14, mew=1.5, ls="none", label="shuffled labels (null)")
    return [per_layer, per_run]
