"""Figure A10: leaky ReLUs do not rescue the accuracy lost by increasing selectivity (ResNet20):
(a) test accuracy against alpha >= 0 for several negative slopes b (one experiment per slope,
intensity of red by b); (b) mean class selectivity against alpha for the detail experiment
(b = 0.5 in the paper), with t-tests against alpha = 0 (Bonferroni)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..tables import read_runs
from .panels import alpha_points, per_alpha, select_sign, stats_options, versus_control
from .style import alpha_colors, alpha_label, finish, new_figure

STAR_LEVELS = [(1e-3, "*"), (2e-4, "**"), (5e-10, "***")]  # the caption's thresholds


def make(inputs, out_pdf, out_csv, labels=None, detail_index: int = -1, **params):
    """inputs["runs"]: one runs table per slope (in order); labels: one legend label per table."""
    opts = stats_options(params)
    tables = [select_sign(read_runs(p), "promote") for p in inputs["runs"]]
    labels = labels or [t["experiment"].iloc[0] for t in tables]
    fig, axes = new_figure(2)
    parts = []
    cmap = plt.get_cmap("Reds")
    alphas = sorted(set().union(*[set(t["alpha"]) for t in tables]))
    xs = {a: i for i, a in enumerate(alphas)}
    for i, (t, label) in enumerate(zip(tables, labels)):
        s = per_alpha(t, "test_accuracy", "a", opts).sort_values("alpha")
        color = cmap(0.35 + 0.6 * (i + 1) / len(tables))
        axes[0].errorbar([xs[a] for a in s["alpha"]], s["mean"], yerr=[s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]],
                         fmt="-o", color=color, capsize=3, label=label)
        parts.append(s)
    axes[0].set_xticks(range(len(alphas)), [alpha_label(a) for a in alphas])
    axes[0].set_xlabel("regularization scale α")
    axes[0].set_ylabel("test accuracy")
    axes[0].legend(frameon=False, fontsize=8)
    detail = tables[detail_index]
    si = versus_control(detail, "test_mean_si", "b", STAR_LEVELS, opts)
    alpha_points(axes[1], si, alpha_colors(detail["alpha"].unique()), f"mean class selectivity ({labels[detail_index]})",
                 show_stars=True)
    stats = pd.concat([*parts, si], ignore_index=True)
    finish(fig, axes, "Reviving dead units does not rescue the performance deficit of increased selectivity "
                      "(* p < 1e-3, ** p < 2e-4, *** p < 5e-10 vs α = 0, t-test, Bonferroni)", out_pdf, out_csv, stats)
    return stats
