"""Figure 3: is class selectivity rotated off-axis? Representational distances between networks,
under every configured similarity measure and reading of the datapoints (one row of panels each).

The unit of replication is the network (the paper's 20 seeds per alpha), not the pair: for every
network i trained at alpha, per measure, reading and layer l,

    within_il  = mean distance from i to its replicates at alpha, rho(alpha, alpha)
    between_il = mean distance from i to the alpha = 0 networks, rho(alpha, alpha_0)
    ratio_il   = between_il / within_il                      (the distance ratio)

Per (measure, reading): (a) per layer at the example alpha: mean over networks of within_il and
between_il, bootstrapped CI over networks; (b) per alpha < 0: the ratio averaged over layers,
mean_l ratio_il, its mean and bootstrapped CI over networks, and a paired t-test over networks
(n = seeds) of mean_l between_il against mean_l within_il (stars on its p, as the paper's caption
states the test, only where rho(alpha, alpha_0) > rho(alpha, alpha); the CSV also gives the p
Bonferroni-corrected over the alphas of that measure and reading); (c) the
ratio per layer, mean and CI over networks, one line per alpha.

What a ratio > 1 means differs by measure: CCA (PWCCA) is invariant to every invertible linear map,
so a ratio > 1 says the alpha-regularized representation is not an invertible linear transform of
the unregularized one (selectivity was not just rotated, or otherwise linearly mixed, off the unit
axes). Linear CKA and orthogonal Procrustes are invariant only to orthogonal maps (and isotropic
scaling): a ratio > 1 under them alone could also come from an invertible but non-orthogonal
change (e.g. rescaled directions), so they rule out rotations only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.ticker import MaxNLocator

from ..similarity import MEASURES
from ..stats import bonferroni, bootstrap_ci, paired_t, stars
from .panels import STAT_COLUMNS, layer_lines, per_alpha
from .style import alpha_colors, alpha_label

SHORT = {"pwcca": "PWCCA", "cka": "linear CKA", "cka_debiased": "debiased linear CKA", "procrustes": "Procrustes"}
READING_TEXT = {"positions": "(image, position) rows", "images": "images (spatial means)"}
COLUMNS = [*STAT_COLUMNS, "measure", "reading", "rows", "rows_wanted"]


def network_distances(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per (measure, reading, alpha, network, layer): within, between, ratio (module doc).

    pairs: similarity rows (measure, reading, alpha, layer_index, kind, seed_a, seed_b, distance) of
    alphas < 0, where within rows pair two seeds at alpha and baseline rows pair seed_a at alpha with
    seed_b at 0. Pairs without a distance (a side without variance) are left out of the means."""
    pairs = pairs.assign(**{c: pairs.get(c, "") for c in ("measure", "reading") if c not in pairs})
    keys = ["measure", "reading", "alpha", "network", "layer_index"]
    within = pairs[pairs["kind"] == "within"]
    both_ends = pd.concat([within.rename(columns={"seed_a": "network"}),
                           within.rename(columns={"seed_b": "network"})])
    w = both_ends.groupby(keys)["distance"].mean().rename("within")
    base = pairs[pairs["kind"] == "baseline"].rename(columns={"seed_a": "network"})
    b = base.groupby(keys)["distance"].mean().rename("between")
    out = pd.concat([w, b], axis=1).dropna().reset_index()
    out["ratio"] = out["between"] / out["within"]
    return out


def ratio_rows(per_net: pd.DataFrame, experiment: str, star_levels, opts: dict) -> pd.DataFrame:
    """Panel (b) of one measure and reading: per alpha, the layer-averaged ratio over networks and
    the paired t-test of between against within (Bonferroni over the alphas)."""
    rows = []
    for a, sub in per_net.groupby("alpha", sort=True):
        nets = sub.groupby("network")[["within", "between", "ratio"]].mean()  # mean over layers
        low, high = bootstrap_ci(nets["ratio"], opts["ci"], opts["n_bootstrap"], opts["seed"])
        t, p = paired_t(nets["between"], nets["within"])
        rows.append({"panel": "b", "experiment": experiment, "quantity": "distance_ratio", "alpha": a,
                     "n": len(nets), "mean": nets["ratio"].mean(), "ci_low": low, "ci_high": high,
                     "test": "paired t-test over networks: rho(alpha, 0) vs rho(alpha, alpha)", "statistic": t,
                     "p": p})
    out = pd.DataFrame(rows)
    out["p_corrected"] = bonferroni(out["p"])
    out["stars"] = [stars(p, star_levels) if np.isfinite(p) and t > 0 else "" for p, t in zip(out["p"], out["statistic"])]
    return out


def _panel_stats(per_net: pd.DataFrame, example: float, experiment: str, star_levels, opts: dict):
    ex = per_net[per_net["alpha"] == example]
    per_layer = [per_alpha(ex, kind, "a", opts, by=("alpha", "layer_index"), quantity=f"distance_{kind}")
                 for kind in ("within", "between")]
    ratios = ratio_rows(per_net, experiment, star_levels, opts)
    layer_ratios = per_alpha(per_net, "ratio", "c", opts, by=("alpha", "layer_index"), quantity="distance_ratio_layer")
    return per_layer, ratios, layer_ratios


def _draw_row(axes, measure, reading, per_layer, ratios, layer_ratios, alphas, example, rows_text):
    name = f"{SHORT.get(measure, measure)}, {READING_TEXT.get(reading, reading)}"
    tag = alpha_label(example)
    ax = axes[0]
    for stats, color, label in ((per_layer[0], "#b39ddb", f"ρ(α{tag}, α{tag})"),
                                (per_layer[1], "#4a148c", f"ρ(α{tag}, α0)")):
        sub = stats.sort_values("layer_index")
        x = sub["layer_index"].to_numpy() + 1
        ax.plot(x, sub["mean"], "-o", ms=3, color=color, label=label)
        ax.fill_between(x, sub["ci_low"], sub["ci_high"], color=color, alpha=0.25, lw=0)
    ax.set_xlabel("layer")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(f"mean {SHORT.get(measure, measure)} distance ρ")
    ax.legend(frameon=False, fontsize=7)
    axes[1].set_title(f"{name}\n{rows_text}", fontsize=9)  # the row's title, over its middle panel
    ax = axes[1]
    colors = alpha_colors(alphas)
    for i, r in enumerate(ratios.sort_values("alpha").itertuples()):
        ax.errorbar(i, r.mean, yerr=[[r.mean - r.ci_low], [r.ci_high - r.mean]], fmt="o", color=colors[r.alpha],
                    capsize=3, mec="purple" if r.alpha == example else colors[r.alpha], mew=2)
        if r.stars:
            ax.annotate(r.stars, (i, r.ci_high), textcoords="offset points", xytext=(0, 3), ha="center")
    ax.axhline(1.0, color="0.5", ls="--", lw=1)
    ax.set_xticks(range(len(alphas)), [alpha_label(a) for a in alphas])
    ax.set_xlabel("regularization scale α")
    ax.set_ylabel("distance ratio (mean over layers)")
    layer_lines(axes[2], layer_ratios, colors, "distance ratio per layer")
    axes[2].axhline(1.0, color="0.5", ls="--", lw=1)


def _rows_text(pairs: pd.DataFrame) -> str:
    per_layer = pairs.groupby("layer_index")[["rows", "rows_wanted"]].first()
    short = int((per_layer["rows"] < per_layer["rows_wanted"]).sum())
    text = f"{per_layer['rows'].min():,}–{per_layer['rows'].max():,} datapoints per layer"
    return text + (f"; {short} layer(s) with fewer than the rule asks (all they have)" if short else "")


def similarity_figure(data):
    opts, pairs = data.opts, data.similarity
    pairs = pairs[pairs["alpha"] < 0]
    experiment = ",".join(map(str, pairs["experiment"].unique()))
    alphas = sorted(pairs["alpha"].unique())
    if not alphas:
        raise ValueError("Figure 3 needs similarity results for at least one alpha < 0")
    example = data.options["example_alpha"]
    example = example if example in alphas else alphas[0]
    measures = [m for m in MEASURES if m in set(pairs["measure"])]
    readings = [r for r in ("positions", "images") if r in set(pairs["reading"])]
    combos = [(m, r) for m in measures for r in readings]
    per_net = network_distances(pairs).assign(experiment=experiment)
    fig, grid = plt.subplots(len(combos), 3, figsize=(15, 4.3 * len(combos)), squeeze=False,
                             gridspec_kw={"width_ratios": [1.2, 1, 1.2]})
    frames, labelled = [], []
    for (measure, reading), axes in zip(combos, grid):
        sel = (per_net["measure"] == measure) & (per_net["reading"] == reading)
        per_layer, ratios, layer_ratios = _panel_stats(per_net[sel], example, experiment, data.stars, opts)
        sub_pairs = pairs[(pairs["measure"] == measure) & (pairs["reading"] == reading)]
        _draw_row(axes, measure, reading, per_layer, ratios, layer_ratios, alphas, example, _rows_text(sub_pairs))
        rows = sub_pairs.groupby("layer_index")[["rows", "rows_wanted"]].first()
        for part in (*per_layer, ratios, layer_ratios):
            part = part.reindex(columns=STAT_COLUMNS).assign(measure=measure, reading=reading)
            part["rows"] = part["layer_index"].map(rows["rows"]).astype("Int64")  # per layer; empty for (b)
            part["rows_wanted"] = part["layer_index"].map(rows["rows_wanted"]).astype("Int64")
            frames.append(part)
        labelled += list(zip("abc", axes))
    stats = pd.concat(frames, ignore_index=True).reindex(columns=COLUMNS)
    return fig, labelled, stats
