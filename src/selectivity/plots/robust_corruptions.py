"""Robustness to corruptions (robust_corruptions), over the corruption set of option
``corruptions`` (benchmark: the 15 of every published CIFAR-10-C mean, extra, all), which the table
must hold in full: (a) accuracy and (b) relative drop (clean - corrupted) / clean against the
severity, each network's mean over the set; (c) mCE and (d) relative mCE (Hendrycks & Dietterich,
the alpha = 0 networks as the baseline) per alpha; then the relative drop per corruption family.
Bands and error bars: bootstrapped CIs over networks; t-tests of each alpha against alpha = 0,
Bonferroni-corrected (per severity in the line panels)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..robustness.measures import corruption_errors, level_measures, network_summary, set_members
from ..robustness.params import FAMILIES
from .panels import ROBUST_COLUMNS, alpha_points, level_lines, versus_control, versus_control_per_level
from .style import alpha_colors


def per_level(levels: pd.DataFrame, members, column: str) -> pd.DataFrame:
    """Each network's mean of ``column`` over ``members`` per severity: alpha, seed, level, value."""
    sub = levels[levels["name"].isin(members)]
    return sub.groupby(["alpha", "seed", "level"], as_index=False)[column].mean().rename(columns={column: "value"})


def robust_corruptions_figure(data):
    rob, opts = data.robustness[0], data.opts
    set_name = data.options["corruptions"]
    members = set_members(rob, set_name, data.params["name"])
    exp = ",".join(map(str, rob["experiment"].unique()))
    levels = level_measures(rob, "corruption")
    errors = corruption_errors(levels)
    summary = network_summary(levels, errors, members).assign(experiment=exp)
    clean = levels.groupby(["alpha", "seed"], as_index=False)["clean"].first().rename(columns={"clean": "value"})
    families = {f: [n for n in m if n in members] for f, m in FAMILIES.items()}
    families = {f: m for f, m in families.items() if m}
    colors = alpha_colors(rob["alpha"].unique())
    n_panels = 4 + len(families)
    fig, grid = plt.subplots(2, (n_panels + 1) // 2, figsize=(4.2 * ((n_panels + 1) // 2), 8.4), squeeze=False)
    axes = list(grid.flat)
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    label = f"{set_name}: {len(members)} corruptions"
    stats = []

    def lines(ax, letter, values, quantity, name, ylabel):
        s = versus_control_per_level(values.assign(experiment=exp), letter, data.stars, opts, name, quantity,
                                     test=data.params["test"])
        level_lines(ax, s, colors, "severity" + (" (0: clean)" if (values["level"] == 0).any() else ""), ylabel)
        ax.set_xticks(sorted(values["level"].unique()))
        stats.append(s)

    acc = pd.concat([clean.assign(level=0), per_level(levels, members, "accuracy")], ignore_index=True)
    lines(axes[0], "a", acc, "corrupted_accuracy", set_name, f"test accuracy ({label})")
    lines(axes[1], "b", per_level(levels, members, "relative_drop"), "relative_drop", set_name,
          f"relative drop (clean − corrupted) / clean ({label})")
    for ax, letter, column, ylabel in ((axes[2], "c", "mce", "mCE (α = 0 networks: 1)"),
                                       (axes[3], "d", "relative_mce", "relative mCE (α = 0 networks: 1)")):
        s = versus_control(summary, column, letter, data.stars, opts, test=data.params["test"], quantity=column)
        alpha_points(ax, s, colors, f"{ylabel}, {label}", show_stars=True)
        ax.axhline(1, color="0.6", lw=0.8, ls=":")
        stats.append(s.assign(name=set_name, level=float("nan")))
    for ax, letter, (family, names) in zip(axes[4:], "efghij", families.items()):
        lines(ax, letter, per_level(levels, names, "relative_drop"), "relative_drop", family,
              f"relative drop ({family}: {len(names)})")
    return fig, axes[:n_panels], pd.concat(stats, ignore_index=True)[ROBUST_COLUMNS]
