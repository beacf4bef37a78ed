"""Accuracy under gradient attacks (robust_attacks): test accuracy against the L-infinity budget
eps (in 1/255 pixel units; 0: clean images) for each alpha, one panel per attack (FGSM, PGD).
Bands: bootstrapped CIs over networks; at every eps, t-test of each alpha against alpha = 0,
Bonferroni-corrected."""

from __future__ import annotations

import pandas as pd

from .panels import level_lines, network_values, versus_control_per_level
from .style import alpha_colors, new_figure

NAMES = {"fgsm": "FGSM", "pgd": "PGD"}


def robust_attacks_figure(data):
    rob, opts = data.robustness[0], data.opts
    attacks = [n for n in pd.unique(rob.loc[rob["kind"] == "attack", "name"]) if n != "none"]
    if not attacks:
        raise ValueError(f"{data.params['name']}: the robustness table holds no attacks")
    clean = network_values(rob, "attack", ["none"])
    colors = alpha_colors(rob["alpha"].unique())
    fig, axes = new_figure(len(attacks), width=4.5)
    stats = []
    for ax, letter, attack in zip(axes, "abcdefgh", attacks):
        values = pd.concat([clean, network_values(rob, "attack", [attack])], ignore_index=True)
        s = versus_control_per_level(values, letter, data.stars, opts, attack, "adversarial_accuracy",
                                     test=data.params["test"])
        level_lines(ax, s, colors, "ε (1/255; 0: clean)", f"test accuracy under {NAMES.get(attack, attack)}")
        stats.append(s)
    return fig, axes, pd.concat(stats, ignore_index=True)
