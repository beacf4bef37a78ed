"""Figure 3: is class selectivity rotated off-axis? PWCCA distances between networks.

The unit of replication is the network (the paper's 20 seeds per alpha), not the pair: for every
network i trained at alpha, per layer l,

    within_il  = mean distance from i to its replicates at alpha, rho(alpha, alpha)
    between_il = mean distance from i to the alpha = 0 networks, rho(alpha, alpha_0)
    ratio_il   = between_il / within_il                      (the CCA distance ratio)

(a) per layer at the example alpha: mean over networks of within_il and between_il, bootstrapped CI
over networks; (b) per alpha < 0: the ratio averaged over layers, mean_l ratio_il, its mean and
bootstrapped CI over networks, and a paired t-test over networks (n = seeds) of mean_l between_il
against mean_l within_il (stars at the caption's level, uncorrected p as the caption states it;
the CSV also gives the Bonferroni-corrected p over the alphas); (c) the ratio per layer, mean and CI
over networks, one line per alpha.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..stats import bonferroni, bootstrap_ci, paired_t, stars
from .panels import STAT_COLUMNS, layer_lines, per_alpha
from .style import alpha_colors, alpha_label, new_figure


def network_distances(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per (alpha, network, layer): within, between, ratio (see the module docstring).

    pairs: PWCCA rows (alpha, layer_index, kind, seed_a, seed_b, distance) of alphas < 0, where
    within rows pair two seeds at alpha and baseline rows pair seed_a at alpha with seed_b at 0."""
    within = pairs[pairs["kind"] == "within"]
    both_ends = pd.concat([within.rename(columns={"seed_a": "network"}),
                           within.rename(columns={"seed_b": "network"})])
    w = both_ends.groupby(["alpha", "network", "layer_index"])["distance"].mean().rename("within")
    base = pairs[pairs["kind"] == "baseline"].rename(columns={"seed_a": "network"})
    b = base.groupby(["alpha", "network", "layer_index"])["distance"].mean().rename("between")
    out = pd.concat([w, b], axis=1).dropna().reset_index()
    out["ratio"] = out["between"] / out["within"]
    return out


def _ratio_rows(per_net: pd.DataFrame, experiment: str, star_levels, opts: dict) -> pd.DataFrame:
    rows = []
    for a, sub in per_net.groupby("alpha", sort=True):
        nets = sub.groupby("network")[["within", "between", "ratio"]].mean()  # mean over layers
        low, high = bootstrap_ci(nets["ratio"], opts["ci"], opts["n_bootstrap"], opts["seed"])
        t, p = paired_t(nets["between"], nets["within"])
        rows.append({"panel": "b", "experiment": experiment, "quantity": "cca_distance_ratio", "alpha": a,
                     "n": len(nets), "mean": nets["ratio"].mean(), "ci_low": low, "ci_high": high,
                     "test": "paired t-test over networks: rho(alpha, 0) vs rho(alpha, alpha)", "statistic": t,
                     "p": p})
    out = pd.DataFrame(rows)
    out["p_corrected"] = bonferroni(out["p"])
    out["stars"] = [stars(p, star_levels) if np.isfinite(p) and t > 0 else "" for p, t in zip(out["p"], out["statistic"])]
    return out.reindex(columns=STAT_COLUMNS)


def pwcca_figure(data):
    opts, pairs = data.opts, data.pwcca
    pairs = pairs[pairs["alpha"] < 0]
    experiment = ",".join(map(str, pairs["experiment"].unique()))
    alphas = sorted(pairs["alpha"].unique())
    if not alphas:
        raise ValueError("Figure 3 needs PWCCA results for at least one alpha < 0")
    example = data.options.get("example_alpha", -10.0)
    example = example if example in alphas else alphas[0]
    per_net = network_distances(pairs).assign(experiment=experiment)
    ex = per_net[per_net["alpha"] == example]
    per_layer = [per_alpha(ex, kind, "a", opts, by=("alpha", "layer_index"), quantity=f"pwcca_distance_{kind}")
                 for kind in ("within", "between")]
    ratios = _ratio_rows(per_net, experiment, data.stars, opts)
    layer_ratios = per_alpha(per_net, "ratio", "c", opts, by=("alpha", "layer_index"),
                             quantity="cca_distance_ratio_layer")

    fig, axes = new_figure(3, ratios=[1.2, 1, 1.2])
    ax = axes[0]
    tag = alpha_label(example)
    for stats, color, label in ((per_layer[0], "#b39ddb", f"ρ(α{tag}, α{tag})"), (per_layer[1], "#4a148c", f"ρ(α{tag}, α0)")):
        sub = stats.sort_values("layer_index")
        x = sub["layer_index"].to_numpy() + 1
        ax.plot(x, sub["mean"], "-o", ms=3, color=color, label=label)
        ax.fill_between(x, sub["ci_low"], sub["ci_high"], color=color, alpha=0.25, lw=0)
    ax.set_xlabel("layer")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("mean CCA distance ρ (per network)")
    ax.legend(frameon=False)
    ax = axes[1]
    colors = alpha_colors(alphas)
    for i, r in enumerate(ratios.itertuples()):
        ax.errorbar(i, r.mean, yerr=[[r.mean - r.ci_low], [r.ci_high - r.mean]], fmt="o", color=colors[r.alpha],
                    capsize=3, mec="purple" if r.alpha == example else colors[r.alpha], mew=2)
        if r.stars:
            ax.annotate(r.stars, (i, r.ci_high), textcoords="offset points", xytext=(0, 3), ha="center")
    ax.axhline(1.0, color="0.5", ls="--", lw=1)
    ax.set_xticks(range(len(alphas)), [alpha_label(a) for a in alphas])
    ax.set_xlabel("regularization scale α")
    ax.set_ylabel("CCA distance ratio (mean over layers)")
    layer_lines(axes[2], layer_ratios, colors, "CCA distance ratio per layer")
    axes[2].axhline(1.0, color="0.5", ls="--", lw=1)
    stats = pd.concat([*per_layer, ratios, layer_ratios], ignore_index=True)
    rows = data.pwcca.groupby("layer_index")["rows"].first()
    stats["pwcca_reading"] = data.pwcca["reading"].iloc[0]
    stats["pwcca_rows"] = stats["layer_index"].map(rows).astype("Int64")  # per-layer rows; empty for (b)
    axes[0].set_title(_reading_label(data.pwcca["reading"].iloc[0], rows), fontsize="small")
    return fig, axes, stats


def _reading_label(reading: str, rows: pd.Series) -> str:
    if reading == "images":
        return f"PWCCA over test images ({rows.max():,} rows, spatial means)"
    return f"PWCCA over (image, position) rows: {rows.min():,}–{rows.max():,} per layer"
