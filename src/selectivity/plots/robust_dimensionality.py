"""Dimensionality against alpha per layer (robust_dimensionality): (a) the dimensionality
(option ``measure``: the participation ratio, or the number of principal components for the
configured variance fraction) of each unit layer's representation of clean test images, one line
per alpha; then one panel per configured perturbation, the dimensionality of the change it causes
(perturbed - clean activations); then the mean over layers against alpha for the clean
representation and every change, with a t-test of each alpha against alpha = 0 (Bonferroni);
last, per layer, the Pearson r over networks between the layer's mean class selectivity (layers
table) and the dimensionality of its clean representation, for alpha <= 0, alpha >= 0 and all
networks (the companion paper's relation, strongest in early layers). Bands and error bars:
bootstrapped CIs over networks."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator
from scipy import stats as sps

from .panels import ROBUST_COLUMNS, alpha_points, layer_lines, per_alpha, versus_control
from .style import alpha_colors, new_figure

SUBSET_STYLE = {"penalize": ("tab:blue", "α ≤ 0"), "promote": ("tab:red", "α ≥ 0"), "all": ("k", "all networks")}
SUBSETS = {"penalize": lambda a: a <= 0, "promote": lambda a: a >= 0, "all": lambda a: a == a}


def layer_relation(dims: pd.DataFrame, layers: pd.DataFrame, si_column: str, panel: str, quantity: str) -> pd.DataFrame:
    """Per layer and subset: the regression over networks of the clean dimensionality on the
    layer's mean SI: rows "layer_slope" and "layer_r" (statistic r, p of the slope's t-test)."""
    clean = dims[dims["name"] == "clean"][["alpha", "seed", "layer", "layer_index", "value"]]
    merged = clean.merge(layers[["alpha", "seed", "layer", si_column]], on=["alpha", "seed", "layer"],
                         validate="one_to_one")
    if len(merged) != len(clean):
        raise ValueError("the layers and robustness tables do not hold the same unit layers of the same runs")
    rows = []
    experiment = ",".join(map(str, dims["experiment"].unique()))
    test = f"linear regression over networks of the layer's {quantity} on its {si_column} (t-test of the slope)"
    for subset, keep in SUBSETS.items():
        for index, sub in merged[keep(merged["alpha"].astype(float))].groupby("layer_index"):
            if len(sub) < 3 or sub[si_column].nunique() < 2 or sub["value"].nunique() < 2:
                continue
            fit = sps.linregress(sub[si_column].to_numpy(float), sub["value"].to_numpy(float))
            for q, v in (("layer_slope", fit.slope), ("layer_r", fit.rvalue)):
                rows.append({"panel": panel, "experiment": experiment, "quantity": q, "alpha": np.nan,
                             "layer_index": index, "n": len(sub), "mean": v, "ci_low": v, "ci_high": v, "test": test,
                             "statistic": fit.rvalue, "p": fit.pvalue, "p_corrected": fit.pvalue, "stars": "",
                             "name": "clean", "level": 0, "subset": subset})
    return pd.DataFrame(rows, columns=ROBUST_COLUMNS + ["subset"])


def robust_dimensionality_figure(data):
    rob, opts, layers = data.robustness[0], data.opts, data.layers[0]
    dims = rob[rob["kind"] == "dimensionality"].copy()
    want = data.options["measure"]
    measures = [m for m in dims["measure"].unique() if m.startswith(want)]
    if not measures:
        raise ValueError(f"{data.params['name']}: the robustness table holds no dimensionality {want!r}")
    dims = dims[dims["measure"] == measures[0]]
    order = {layer: i for i, layer in enumerate(pd.unique(dims["layer"]))}
    dims["layer_index"] = dims["layer"].map(order)
    perturbations = list(dims[["name", "level"]].drop_duplicates().itertuples(index=False, name=None))
    colors = alpha_colors(rob["alpha"].unique())
    fig, axes = new_figure(len(perturbations) + 2, width=4.2)
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
    ax, letter = axes[len(perturbations) + 1], "abcdefghi"[len(perturbations) + 1]
    dims = dims.assign(experiment=",".join(map(str, rob["experiment"].unique())))
    rel = layer_relation(dims, layers, data.column("si"), letter, measures[0])
    for subset, (color, label) in SUBSET_STYLE.items():
        sub = rel[(rel["quantity"] == "layer_r") & (rel["subset"] == subset)].sort_values("layer_index")
        if sub.empty:
            continue
        x = sub["layer_index"].to_numpy() + 1
        ax.plot(x, sub["mean"], "-o", ms=3, color=color, label=label)
        sig = sub["p"].to_numpy(float) < 0.05
        ax.plot(x[sig], sub["mean"].to_numpy()[sig], "o", ms=7, mfc="none", mec=color)
    ax.axhline(0, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel("layer")
    ax.set_ylabel(f"r (layer mean SI, {measures[0].replace('_', ' ')}); circled: p < 0.05")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=7, frameon=False)
    out = pd.concat([pd.concat(stats, ignore_index=True).assign(subset=""), rel], ignore_index=True)
    return fig, axes, out[ROBUST_COLUMNS + ["subset"]]
