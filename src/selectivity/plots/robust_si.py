"""Robustness against class selectivity across networks (robust_si), one point per network against
its mean class selectivity (runs table): (a) relative drop under corruptions (each network's mean
over the corruption set of option ``corruptions`` and its severities), (b) relative drop under an
attack at one eps (option ``attack``, default PGD; option ``eps`` in 1/255 units, default the
middle of the table's grid), (c), (d) the same as absolute accuracies.

Every panel fits penalizing (alpha <= 0, blue) and promoting (alpha >= 0, red) networks separately
(and all networks, in the CSV only): the least-squares line of the measure on mean SI (slope, Pearson
r, p of the slope's t-test), and the two-regressor OLS of the measure on mean SI and the network's
clean accuracy (on the same images), whose SI coefficient, its p and the partial correlation say
whether selectivity predicts robustness at equal clean accuracy. Each alpha's mean with
bootstrapped CIs in both directions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..robustness.measures import level_measures, set_members
from .panels import ROBUST_COLUMNS, stat_rows, per_alpha, scatter_ci, versus_control
from .style import alpha_colors, new_figure

SUBSETS = {"penalize": lambda a: a <= 0, "promote": lambda a: a >= 0, "all": lambda a: a == a}
SI_COLUMNS = ROBUST_COLUMNS + ["subset"]
SIGN_COLORS = {"penalize": "tab:blue", "promote": "tab:red"}


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
    out = pd.concat([stat_rows(df[df["quantity"] == q], panel, values, q) for q in ("slope", "intercept", "r")])
    return out.assign(alpha=np.nan)


def covariate_fit(values: pd.DataFrame, x: str, y: str, covariate: str, panel: str, ci: float,
                  y_name: str) -> pd.DataFrame:
    """OLS of y on x and the covariate over networks (statsmodels): rows "partial_slope" (x's
    coefficient with its CI; statistic = t, p of its t-test) and "partial_r" (the partial
    correlation of y and x given the covariate, t / sqrt(t^2 + df), same p)."""
    import statsmodels.api as sm

    design = sm.add_constant(values[[x, covariate]].to_numpy(float), has_constant="add")
    n = len(values)
    test = f"OLS of {y_name} on {x} and the clean accuracy {covariate} over networks (t-test of the {x} coefficient)"
    if n <= 3 or np.linalg.matrix_rank(design) < 3:
        rows = [{"quantity": q, "mean": np.nan, "ci_low": np.nan, "ci_high": np.nan, "statistic": np.nan, "p": np.nan}
                for q in ("partial_slope", "partial_r")]
    else:
        fit = sm.OLS(values[y].to_numpy(float), design).fit()
        b, t, p = float(fit.params[1]), float(fit.tvalues[1]), float(fit.pvalues[1])
        low, high = (float(v) for v in fit.conf_int(1 - ci)[1])
        r = t / np.sqrt(t * t + fit.df_resid)
        rows = [{"quantity": "partial_slope", "mean": b, "ci_low": low, "ci_high": high, "statistic": t, "p": p},
                {"quantity": "partial_r", "mean": r, "ci_low": r, "ci_high": r, "statistic": t, "p": p}]
    df = pd.DataFrame([{**r, "n": n, "test": test, "p_corrected": r["p"]} for r in rows])
    return pd.concat([stat_rows(df[df["quantity"] == q], panel, values, q) for q in ("partial_slope", "partial_r")]
                     ).assign(alpha=np.nan)


def sign_fits(values: pd.DataFrame, si_column: str, panel: str, ci: float, quantity: str) -> pd.DataFrame:
    """Per subset (penalize, promote, all): the simple regression and the covariate fit."""
    frames = []
    for subset, keep in SUBSETS.items():
        sub = values[keep(values["alpha"].astype(float))]
        if len(sub) < 3 or sub[si_column].nunique() < 2:
            continue
        frames += [regression(sub, si_column, "value", panel, ci, quantity).assign(subset=subset),
                   covariate_fit(sub, si_column, "value", "clean", panel, ci, quantity).assign(subset=subset)]
    return pd.concat(frames, ignore_index=True)


def _draw_fits(ax, values, fits, si_column) -> None:
    lines = []
    for subset, color in SIGN_COLORS.items():
        f = fits[fits["subset"] == subset].set_index("quantity")
        if f.empty:
            continue
        sub = values[SUBSETS[subset](values["alpha"].astype(float))]
        xs = np.linspace(sub[si_column].min(), sub[si_column].max(), 2)
        ax.plot(xs, f.loc["intercept", "mean"] + f.loc["slope", "mean"] * xs, "--", color=color, lw=1)
        sign = "α ≤ 0" if subset == "penalize" else "α ≥ 0"
        lines.append(f"{sign}: slope {f.loc['slope', 'mean']:.3g}, r = {f.loc['r', 'mean']:.2f}, "
                     f"p = {f.loc['r', 'p']:.2g}; at equal clean acc.: r = {f.loc['partial_r', 'mean']:.2f}, "
                     f"p = {f.loc['partial_r', 'p']:.2g} (n = {int(f.loc['r', 'n'])})")
    ax.text(0.02, 0.02, "\n".join(lines), transform=ax.transAxes, fontsize=6, va="bottom")


def network_robustness(rob: pd.DataFrame, set_name: str, attack: str, eps, figure: str):
    """Per network (alpha, seed): accuracy, relative_drop and clean accuracy under the corruption set
    (mean over its corruptions and severities) and under ``attack`` at ``eps`` (None: the middle of
    the table's grid). Returns (corruptions, attack, eps, members)."""
    members = set_members(rob, set_name, figure)
    grid = sorted(rob.loc[(rob["kind"] == "attack") & (rob["name"] == attack), "level"].unique())
    if not grid:
        raise ValueError(f"{figure}: the robustness table holds no {attack} accuracies")
    eps = grid[(len(grid) - 1) // 2] if eps is None else eps
    if not np.isclose(grid, eps).any():
        raise ValueError(f"{figure}: eps {eps} is not in the table's {attack} grid {grid}")
    corr = level_measures(rob, "corruption")
    corr = corr[corr["name"].isin(members)].groupby(["alpha", "seed"], as_index=False)[
        ["accuracy", "relative_drop", "clean"]].mean()
    att = level_measures(rob, "attack")
    att = att[(att["name"] == attack) & np.isclose(att["level"].astype(float), eps)][
        ["alpha", "seed", "accuracy", "relative_drop", "clean"]]
    return corr, att, eps, members


def robust_si_figure(data):
    runs, rob, opts = data.runs[0], data.robustness[0], data.opts
    si_column = data.column("si")
    attack = data.options["attack"]
    set_name = data.options["corruptions"]
    corr, att, eps, members = network_robustness(rob, set_name, attack, data.options["eps"], data.params["name"])
    label = f"{set_name}: {len(members)} corruptions"
    attack_label = f"{attack.upper()}, ε = {eps:g}/255"
    panels = {
        "a": (corr, "relative_drop", f"relative drop under corruptions ({label})", "corruptions", np.nan),
        "b": (att, "relative_drop", f"relative drop under {attack_label}", attack, eps),
        "c": (corr, "accuracy", f"accuracy under corruptions ({label})", "corruptions", np.nan),
        "d": (att, "accuracy", f"accuracy under {attack_label}", attack, eps),
    }
    colors = alpha_colors(runs["alpha"].unique())
    fig, axes = new_figure(4, width=5.0)
    si = per_alpha(runs, si_column, "a", opts)
    stats = []
    for ax, (letter, (table, column, ylabel, name, level)) in zip(axes, panels.items()):
        values = table.rename(columns={column: "value"})[["alpha", "seed", "value", "clean"]].merge(
            runs[["experiment", "alpha", "seed", si_column]], on=["alpha", "seed"], validate="one_to_one")
        if len(values) != len(runs):
            raise ValueError(f"{data.params['name']}: the robustness and runs tables hold different runs")
        kind = "corrupted" if name == "corruptions" else "adversarial"
        quantity = f"{kind}_{column}" if column == "accuracy" else f"{kind}_relative_drop"
        means = versus_control(values, "value", letter, data.stars, opts, test=data.params["test"], quantity=quantity)
        ax.scatter(values[si_column], values["value"], s=8, alpha=0.35, lw=0, c=[colors[a] for a in values["alpha"]])
        scatter_ci(ax, si, means, colors, data.label("si"), ylabel)
        fits = sign_fits(values, si_column, letter, opts["ci"], quantity)
        _draw_fits(ax, values, fits, si_column)
        stats += [part.assign(name=name, level=level, subset=subset) for part, subset in
                  ((means, ""), (si.assign(panel=letter), ""))]
        stats.append(fits.assign(name=name, level=level))
    return fig, axes, pd.concat(stats, ignore_index=True)[SI_COLUMNS]
