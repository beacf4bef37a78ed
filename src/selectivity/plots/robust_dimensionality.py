"""Dimensionality against alpha per layer (robust_dimensionality): (a) the dimensionality
(option ``measure``: the participation ratio, or the number of principal components for the
configured variance fraction) of each unit layer's representation of clean test images, one line
per alpha; then one panel per configured perturbation, the dimensionality of the change it causes
(perturbed - clean activations); last, the mean over layers against alpha for the clean
representation and every change, with a t-test of each alpha against alpha = 0 (Bonferroni).
Bands and error bars: bootstrapped CIs over networks."""

from __future__ import annotations

import pandas as pd

from .panels import ROBUST_COLUMNS, alpha_points, layer_lines, per_alpha, versus_control
from .style import alpha_colors, new_figure


def robust_dimensionality_figure(data):
    rob, opts = data.robustness[0], data.opts
    dims = rob[rob["kind"] == "dimensionality"].copy()
    want = data.options.get("measure", "participation_ratio")
    measures = [m for m in dims["measure"].unique() if m.startswith(want)]
    if not measures:
        raise ValueError(f"{data.params['name']}: the robustness table holds no dimensionality {want!r}")
    dims = dims[dims["measure"] == measures[0]]
    order = {layer: i for i, layer in enumerate(pd.unique(dims["layer"]))}
    dims["layer_index"] = dims["layer"].map(order)
    perturbations = list(dims[["name", "level"]].drop_duplicates().itertuples(index=False, name=None))
    colors = alpha_colors(rob["alpha"].unique())
    fig, axes = new_figure(len(perturbations) + 1, width=4.2)
    stats, means = [], []
    for ax, letter, (name, level) in zip(axes, "abcdefg", perturbations):
        sub = dims[(dims["name"] == name) & (dims["level"] == level)]
        what = "clean representation" if name == "clean" else f"change by {name} {level:g}"
        s = per_alpha(sub, "value", letter, opts, by=("alpha", "layer_index"), quantity=measures[0])
        layer_lines(ax, s, colors, f"{measures[0].replace('_', ' ')} ({what})")
        stats.append(s.assign(name=name, level=level))
        net = sub.groupby(["alpha", "seed"], as_index=False)["value"].mean().assign(
            experiment=",".join(map(str, rob["experiment"].unique())))
        means.append((name, level, net))
    last = axes[len(perturbations)]
    letter = "abcdefgh"[len(perturbations)]
    for i, (name, level, net) in enumerate(means):
        s = versus_control(net, "value", letter, data.stars, opts, test=data.params["test"],
                           quantity=f"layer_mean_{measures[0]}").assign(name=name, level=level)
        stats.append(s)
        if i == 0:
            alpha_points(last, s, colors, f"mean over layers, {measures[0].replace('_', ' ')} (clean)",
                         show_stars=True)
    return fig, axes, pd.concat(stats, ignore_index=True)[ROBUST_COLUMNS]
