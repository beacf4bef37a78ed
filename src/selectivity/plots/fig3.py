"""Figure 3: is class selectivity rotated off-axis? PWCCA distances (ResNet20).

(a) mean CCA distance per layer between replicate pairs at alpha = example_alpha,
rho(alpha_r, alpha_r), and between alpha_r and alpha = 0 networks, rho(alpha_r, alpha_0), with CIs;
(b) the CCA distance ratio rho(alpha_r, alpha_0) : rho(alpha_r, alpha_r), averaged over layers, per
alpha < 0 (CI: bootstrap over layers). Test: paired t-test over layers of the mean between-alpha
distance against the mean within-alpha distance (the baseline), per alpha.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..stats import bootstrap_ci, paired_t
from ..tables import read_table
from .panels import STAT_COLUMNS, per_alpha, stats_options
from .style import alpha_colors, alpha_label, finish, new_figure

STAR_LEVELS = [(5e-6, "*")]


def make(inputs, out_pdf, out_csv, example_alpha: float = -10.0, **params):
    opts = stats_options(params)
    pairs = pd.concat([read_table(p, ("alpha", "layer_index", "kind", "distance")) for p in inputs["pwcca"]],
                      ignore_index=True)
    pairs = pairs[pairs["alpha"] <= 0]
    experiment = ",".join(map(str, pairs["experiment"].unique())) if "experiment" in pairs else ""
    alphas = sorted(a for a in pairs["alpha"].unique() if a < 0)
    if not alphas:
        raise ValueError("Figure 3 needs PWCCA results for at least one alpha < 0")
    if example_alpha not in alphas:
        example_alpha = alphas[0]
    ex = pairs[pairs["alpha"] == example_alpha]
    per_layer = {kind: per_alpha(ex[ex["kind"] == kind], "distance", "a", opts, by=("layer_index",),
                                 quantity=f"pwcca_distance_{kind}").assign(alpha=example_alpha)
                 for kind in ("within", "baseline")}
    # per alpha and layer: mean within-alpha distance, mean distance to alpha = 0, their ratio
    means = pairs.groupby(["alpha", "layer_index", "kind"])["distance"].mean().unstack("kind")
    rows = []
    for a in alphas:
        m = means.loc[a]
        ratio = (m["baseline"] / m["within"]).to_numpy()
        rows += [{"panel": "b", "experiment": experiment, "quantity": "cca_distance_ratio_layer", "alpha": a,
                  "layer_index": layer, "n": 1, "mean": r, "ci_low": r, "ci_high": r, "test": "", "stars": ""}
                 for layer, r in zip(m.index, ratio)]
        low, high = bootstrap_ci(ratio, opts["ci"], opts["n_bootstrap"], opts["seed"])
        t, p = paired_t(m["baseline"], m["within"])
        rows.append({"panel": "b", "experiment": experiment, "quantity": "cca_distance_ratio", "alpha": a,
                     "n": len(ratio), "mean": ratio.mean(), "ci_low": low, "ci_high": high,
                     "test": "paired t-test over layers: rho(alpha, 0) vs rho(alpha, alpha)",
                     "statistic": t, "p": p, "p_corrected": p,
                     "stars": "*" if p < STAR_LEVELS[0][0] and t > 0 else ""})
    ratios = pd.DataFrame(rows, columns=STAT_COLUMNS)
    fig, axes = new_figure(2)
    ax = axes[0]
    for kind, color, label in (("within", "#b39ddb", f"ρ(α{alpha_label(example_alpha)}, α{alpha_label(example_alpha)})"),
                               ("baseline", "#4a148c", f"ρ(α{alpha_label(example_alpha)}, α0)")):
        sub = per_layer[kind].sort_values("layer_index")
        x = sub["layer_index"].to_numpy() + 1
        ax.plot(x, sub["mean"], "-o", ms=3, color=color, label=label)
        ax.fill_between(x, sub["ci_low"], sub["ci_high"], color=color, alpha=0.25, lw=0)
    ax.set_xlabel("layer")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("mean CCA distance ρ")
    ax.legend(frameon=False)
    ax = axes[1]
    colors = alpha_colors(alphas)
    for i, r in enumerate(ratios[ratios["quantity"] == "cca_distance_ratio"].itertuples()):
        ax.errorbar(i, r.mean, yerr=[[r.mean - r.ci_low], [r.ci_high - r.mean]], fmt="o", color=colors[r.alpha],
                    capsize=3, mec="purple" if r.alpha == example_alpha else colors[r.alpha], mew=2)
        if r.stars:
            ax.annotate(r.stars, (i, r.ci_high), textcoords="offset points", xytext=(0, 3), ha="center")
    ax.axhline(1.0, color="0.5", ls="--", lw=1)
    ax.set_xticks(range(len(alphas)), [alpha_label(a) for a in alphas])
    ax.set_xlabel("regularization scale α")
    ax.set_ylabel("CCA distance ratio (mean over layers)")
    stats = pd.concat([*per_layer.values(), ratios], ignore_index=True)
    finish(fig, axes, "Class selectivity is suppressed, not rotated off-axis (ResNet20; "
                      "* p < 5e-6, paired t-test)", out_pdf, out_csv, stats)
    return stats
