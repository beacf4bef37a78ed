"""Robustness against class selectivity across networks (robust_si): (a) accuracy under
corruptions (each network's mean over every corruption and severity in its table) and (b) accuracy
under an attack at one eps (option ``attack``, default PGD; option ``eps`` in 1/255 units, default
the middle of the table's grid), each against the network's mean class selectivity (runs table).
One point per network, coloured by alpha, each alpha's mean with bootstrapped CIs in both
directions, and the least-squares line over networks with its slope, Pearson r and p."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from .panels import ROBUST_COLUMNS, _long, network_values, per_alpha, scatter_ci, versus_control
from .style import alpha_colors, new_figure


def regression(values: pd.DataFrame, x: str, y: str, panel: str, ci: float, y_name: str | None = None) -> pd.DataFrame:
    """Linear regression of y on x over networks: rows "slope" (with its CI from the standard error)
    and "intercept", and "r" (with its test: statistic = r, p of the slope's t-test)."""
    fit = sps.linregress(values[x].to_numpy(float), values[y].to_numpy(float))
    n = len(values)
    half = sps.t.ppf(0.5 + ci / 2, n - 2) * fit.stderr if n > 2 else np.nan
    test = f"linear regression of {y_name or y} on {x} over networks (Pearson r, t-test of the slope)"
    rows = [{"quantity": "slope", "mean": fit.slope, "ci_low": fit.slope - half, "ci_high": fit.slope + half},
            {"quantity": "intercept", "mean": fit.intercept, "ci_low": fit.intercept, "ci_high": fit.intercept},
            {"quantity": "r", "mean": fit.rvalue, "ci_low": fit.rvalue, "ci_high": fit.rvalue}]
    df = pd.DataFrame([{**r, "n": n, "test": test, "statistic": fit.rvalue, "p": fit.pvalue,
                        "p_corrected": fit.pvalue} for r in rows])
    out = pd.concat([_long(df[df["quantity"] == q], panel, values, q) for q in ("slope", "intercept", "r")])
    return out.assign(alpha=np.nan)


def robust_si_figure(data):
    runs, rob, opts = data.runs[0], data.robustness[0], data.opts
    si_column = data.column("si")
    attack = data.options.get("attack", "pgd")
    grid = sorted(rob.loc[(rob["kind"] == "attack") & (rob["name"] == attack), "level"].unique())
    if not grid:
        raise ValueError(f"{data.params['name']}: the robustness table holds no {attack} accuracies")
    eps = data.options.get("eps")
    eps = grid[(len(grid) - 1) // 2] if eps is None else eps
    if not np.isclose(grid, eps).any():
        raise ValueError(f"{data.params['name']}: eps {eps} is not in the table's {attack} grid {grid}")
    panels = {
        "a": ("corruption", network_values(rob, "corruption", by=("alpha", "seed")),
              "accuracy under corruptions (mean)", None),
        "b": ("attack", network_values(rob[np.isclose(rob["level"].astype(float), eps)], "attack", [attack],
                                       by=("alpha", "seed")),
              f"accuracy under {attack.upper()}, ε = {eps:g}/255", eps),
    }
    colors = alpha_colors(runs["alpha"].unique())
    fig, axes = new_figure(2, width=5.0)
    si = per_alpha(runs, si_column, "a", opts)
    stats = []
    for ax, (letter, (kind, values, label, level)) in zip(axes, panels.items()):
        values = values.merge(runs[["alpha", "seed", si_column]], on=["alpha", "seed"], validate="one_to_one")
        if len(values) != len(runs):
            raise ValueError(f"{data.params['name']}: the robustness and runs tables hold different runs")
        name = "corruptions" if kind == "corruption" else attack
        quantity = "corrupted_accuracy" if kind == "corruption" else "adversarial_accuracy"
        acc = versus_control(values, "value", letter, data.stars, opts, test=data.params["test"], quantity=quantity)
        ax.scatter(values[si_column], values["value"], s=8, alpha=0.35, lw=0,
                   c=[colors[a] for a in values["alpha"]])
        scatter_ci(ax, si, acc, colors, data.label("si"), label)
        fit = regression(values, si_column, "value", letter, opts["ci"], quantity)
        slope, r = (fit.loc[fit["quantity"] == q, "mean"].iloc[0] for q in ("slope", "r"))
        p = fit["p"].iloc[0]
        xs = np.linspace(values[si_column].min(), values[si_column].max(), 2)
        intercept = fit.loc[fit["quantity"] == "intercept", "mean"].iloc[0]
        ax.plot(xs, intercept + slope * xs, "k--", lw=1)
        ax.text(0.02, 0.02, f"slope {slope:.3g}, r = {r:.2f}, p = {p:.2g} (n = {len(values)})",
                transform=ax.transAxes, fontsize=7, va="bottom")
        stats += [part.assign(name=name, level=level if level is not None else np.nan)
                  for part in (acc, si.assign(panel=letter), fit)]
    return fig, axes, pd.concat(stats, ignore_index=True)[ROBUST_COLUMNS]
