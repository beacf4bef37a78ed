"""Accuracy under corruptions (robust_corruptions): test accuracy against the corruption severity
(0: clean images) for each alpha, (a) averaged over every corruption in the table, then one panel
per corruption family present (noise, blur, weather, digital; Hendrycks & Dietterich's). Each
network contributes its mean over the corruptions of the panel; bands: bootstrapped CIs over
networks; at every severity, t-test of each alpha against alpha = 0, Bonferroni-corrected."""

from __future__ import annotations

import pandas as pd

from ..robustness.params import FAMILIES
from .panels import level_lines, network_values, versus_control_per_level
from .style import alpha_colors, new_figure


def robust_corruptions_figure(data):
    rob, opts = data.robustness[0], data.opts
    names = [n for n in pd.unique(rob.loc[rob["kind"] == "corruption", "name"]) if n != "none"]
    if not names:
        raise ValueError(f"{data.params['name']}: the robustness table holds no corruptions")
    groups = {"all corruptions": names}
    groups.update({family: [n for n in members if n in names] for family, members in FAMILIES.items()})
    groups = {g: members for g, members in groups.items() if members}
    clean = network_values(rob, "corruption", ["none"])
    colors = alpha_colors(rob["alpha"].unique())
    fig, axes = new_figure(len(groups), width=4.2)
    stats = []
    for ax, (letter, (group, members)) in zip(axes, zip("abcdefgh", groups.items())):
        values = pd.concat([clean, network_values(rob, "corruption", members)], ignore_index=True)
        s = versus_control_per_level(values, letter, data.stars, opts, group, "corrupted_accuracy",
                                     test=data.params["test"])
        level_lines(ax, s, colors, "severity (0: clean)", f"test accuracy ({group})")
        ax.set_xticks(sorted(values["level"].unique()))
        stats.append(s)
    return fig, axes, pd.concat(stats, ignore_index=True)
