"""The per-layer summary of one network's units (``selectivity analyze``): mean SI with its spread
over units, precision and the dead fraction, one point per unit layer in network order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import new_figure


def layer_summary(units: pd.DataFrame) -> pd.DataFrame:
    """One row per unit layer of a ``one_pass.unit_stats`` table: units, mean / median / quartiles of
    SI, mean precision (live units; NaN without precision), dead fraction."""
    g = units.groupby(["layer_index", "layer"], sort=True)
    live = units[~units["dead"].astype(bool)].groupby(["layer_index", "layer"], sort=True)
    out = pd.DataFrame({"units": g.size(), "mean_si": g["si"].mean(), "median_si": g["si"].median(),
                        "si_q25": g["si"].quantile(0.25), "si_q75": g["si"].quantile(0.75),
                        "mean_precision": live["precision"].mean(), "dead_fraction": g["dead"].mean()})
    return out.reset_index()


def layer_summary_figure(units: pd.DataFrame):
    """(a) SI per unit layer: mean and interquartile range over its units; (b) mean precision of
    live units (if measured); (c) dead fraction. Returns (figure, axes, the layer_summary table);
    ``style.finish`` titles and writes it."""
    summary = layer_summary(units)
    x = np.arange(len(summary))
    fig, axes = new_figure(3, width=max(4.0, 0.25 * len(summary) + 2), height=3.6)
    axes[0].errorbar(x, summary["mean_si"], yerr=[summary["mean_si"] - summary["si_q25"],
                                                   summary["si_q75"] - summary["mean_si"]], fmt="o-", capsize=2)
    axes[0].set_ylabel(f"class selectivity index ({units['reduction'].iloc[0]} over positions)")
    axes[1].plot(x, summary["mean_precision"], "o-")
    axes[1].set_ylabel("mean precision (live units)")
    axes[2].bar(x, summary["dead_fraction"])
    axes[2].set_ylabel("dead fraction")
    for ax in axes:
        ax.set_xticks(x, summary["layer"], rotation=90, fontsize=6)
        ax.set_xlabel("unit layer")
    return fig, axes, summary
