"""Figures comparing experiments against alpha: leaky-ReLU slopes (Figure A10) and models (Figure
A12). Each experiment is one line, mean and bootstrapped CI per alpha."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from .panels import alpha_points, note_outside, outside_unit_interval, per_alpha, versus_control
from .style import alpha_colors, alpha_label, new_figure

MODEL_COLORS = ["#00acc1", "#fb8c00", "#6d4c41", "#7cb342"]  # the paper's cyan (ResNet20), orange (VGG16)


def _lines(ax, tables, labels, colors, value, panel, opts, ylabel):
    """value against alpha, one line per table; returns the statistics rows."""
    alphas = sorted(set().union(*[set(t["alpha"]) for t in tables]))
    xs = {a: i for i, a in enumerate(alphas)}
    parts = []
    for t, label, color in zip(tables, labels, colors):
        s = per_alpha(t, value, panel, opts).sort_values("alpha")
        ax.errorbar([xs[a] for a in s["alpha"]], s["mean"], yerr=[s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]],
                    fmt="-o", color=color, capsize=3, label=label)
        parts.append(s)
    ax.set_xticks(range(len(alphas)), [alpha_label(a) for a in alphas], rotation=90 if len(alphas) > 12 else 0)
    ax.set_xlabel("regularization scale α")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=8)
    return parts


def leaky_figure(data):
    """Figure A10: (a) test accuracy against alpha >= 0, one line per negative slope b (intensity of
    red by b); (b) the detail experiment's network SI against alpha (mean and median), t-tests
    against alpha = 0 (Bonferroni), and the fraction of units whose SI leaves [0, 1]."""
    opts, labels = data.opts, data.params["labels"]
    cmap = plt.get_cmap("Reds")
    colors = [cmap(0.35 + 0.6 * (i + 1) / len(data.runs)) for i in range(len(data.runs))]
    fig, axes = new_figure(2)
    parts = _lines(axes[0], data.runs, labels, colors, "test_accuracy", "a", opts, "test accuracy")
    detail = data.options["detail_index"]
    runs = data.runs[detail]
    si = versus_control(runs, data.column("si"), "b", data.stars, opts, test=data.params["test"])
    median = per_alpha(runs, data.column("median_si"), "b", opts)
    outside = outside_unit_interval(runs, "b")
    alpha_points(axes[1], si, alpha_colors(runs["alpha"].unique()), data.label("si"), show_stars=True, median=median)
    axes[1].text(0.98, 0.02, labels[detail], transform=axes[1].transAxes, ha="right", va="bottom", fontsize=8)
    note_outside(axes[1], outside)
    return fig, axes, pd.concat([*parts, si, median, outside], ignore_index=True)


def models_figure(data):
    """Figure A12: (a) test accuracy and (b) network SI against alpha, one line per experiment."""
    opts, labels = data.opts, data.params["labels"]
    fig, axes = new_figure(2, width=6.5)
    colors = [MODEL_COLORS[i % len(MODEL_COLORS)] for i in range(len(data.runs))]
    parts = _lines(axes[0], data.runs, labels, colors, "test_accuracy", "a", opts, "test accuracy")
    parts += _lines(axes[1], data.runs, labels, colors, data.column("si"), "b", opts, data.label("si"))
    parts += [outside_unit_interval(t, "b") for t in data.runs]
    return fig, axes, pd.concat(parts, ignore_index=True)
