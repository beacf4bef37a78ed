"""Figure A12: ResNet20 (cyan) against VGG16 (orange): (a) test accuracy and (b) mean class
selectivity against alpha, mean and bootstrapped CI per alpha."""

from __future__ import annotations

import pandas as pd

from ..tables import read_runs
from .panels import per_alpha, stats_options
from .style import alpha_label, finish, new_figure

MODEL_COLORS = ["#00acc1", "#fb8c00", "#6d4c41", "#7cb342"]


def make(inputs, out_pdf, out_csv, labels=None, **params):
    opts = stats_options(params)
    tables = [read_runs(p) for p in inputs["runs"]]
    labels = labels or [t["experiment"].iloc[0] for t in tables]
    alphas = sorted(set().union(*[set(t["alpha"]) for t in tables]))
    xs = {a: i for i, a in enumerate(alphas)}
    fig, axes = new_figure(2, width=6.5)
    parts = []
    for ax, value, ylabel, panel in ((axes[0], "test_accuracy", "test accuracy", "a"),
                                     (axes[1], "test_mean_si", "mean class selectivity", "b")):
        for t, label, color in zip(tables, labels, MODEL_COLORS):
            s = per_alpha(t, value, panel, opts).sort_values("alpha")
            ax.errorbar([xs[a] for a in s["alpha"]], s["mean"], yerr=[s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]],
                        fmt="-o", color=color, capsize=3, label=label)
            parts.append(s)
        ax.set_xticks(range(len(alphas)), [alpha_label(a) for a in alphas], rotation=90)
        ax.set_xlabel("regularization scale α")
        ax.set_ylabel(ylabel)
        ax.legend(frameon=False)
    stats = pd.concat(parts, ignore_index=True)
    finish(fig, axes, "Differences between models", out_pdf, out_csv, stats)
    return stats
