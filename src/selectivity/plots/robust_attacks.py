"""Accuracy under gradient attacks (robust_attacks): per attack (FGSM, PGD), the test accuracy
against the L-infinity budget eps (in 1/255 pixel units; 0: clean images), then the relative drop
(clean - attacked) / clean against eps, for each alpha. Bands: bootstrapped CIs over networks; at
every eps, t-test of each alpha against alpha = 0, Bonferroni-corrected."""

from __future__ import annotations

import pandas as pd

from ..robustness.measures import level_measures
from .panels import ROBUST_COLUMNS, level_lines, versus_control_per_level
from .style import alpha_colors, new_figure

NAMES = {"fgsm": "FGSM", "pgd": "PGD"}


def robust_attacks_figure(data):
    rob, opts = data.robustness[0], data.opts
    attacks = [n for n in pd.unique(rob.loc[rob["kind"] == "attack", "name"]) if n != "none"]
    if not attacks:
        raise ValueError(f"{data.params['name']}: the robustness table holds no attacks")
    exp = ",".join(map(str, rob["experiment"].unique()))
    levels = level_measures(rob, "attack")
    clean = levels.groupby(["alpha", "seed"], as_index=False)["clean"].first().rename(columns={"clean": "value"})
    colors = alpha_colors(rob["alpha"].unique())
    fig, axes = new_figure(2 * len(attacks), width=4.5)
    stats = []
    panels = [(a, "accuracy") for a in attacks] + [(a, "relative_drop") for a in attacks]
    for ax, letter, (attack, column) in zip(axes, "abcdefgh", panels):
        sub = levels[levels["name"] == attack][["alpha", "seed", "level", column]].rename(columns={column: "value"})
        if column == "accuracy":
            sub = pd.concat([clean.assign(level=0), sub], ignore_index=True)
        quantity = "adversarial_accuracy" if column == "accuracy" else "relative_drop"
        s = versus_control_per_level(sub.assign(experiment=exp), letter, data.stars, opts, attack, quantity,
                                     test=data.params["test"])
        ylabel = (f"test accuracy under {NAMES.get(attack, attack)}" if column == "accuracy"
                  else f"relative drop under {NAMES.get(attack, attack)}")
        level_lines(ax, s, colors, "ε (1/255" + ("; 0: clean)" if column == "accuracy" else ")"), ylabel)
        stats.append(s)
    return fig, axes, pd.concat(stats, ignore_index=True)[ROBUST_COLUMNS]
