"""Decision rules of the claims table: plain functions from statistics (the tables the figures'
statistics functions return) to a verdict.

Every rule can say each of "holds", "fails" and "inconclusive" (tests/test_claims.py builds a
statistics table for each):

- holds: the data show the claimed effect at the significance level (corrected as the variant
  says) or, for a size, the confidence interval lies on the claimed side of the threshold;
- fails: the data show the opposite, significantly (or the interval lies on the other side);
- inconclusive: neither (too few seeds, or an effect within noise).

Each rule returns a ``Verdict``: the verdict, the deciding statistic's value with its CI, p and n,
and a sentence saying what decided it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

HOLDS, FAILS, INCONCLUSIVE, NOT_CONFIGURED = "holds", "fails", "inconclusive", "not configured"
VERDICTS = (HOLDS, FAILS, INCONCLUSIVE, NOT_CONFIGURED)


@dataclass(frozen=True)
class Verdict:
    verdict: str
    statistic: str  # what value/ci/p are
    value: float = np.nan
    ci_low: float = np.nan
    ci_high: float = np.nan
    p: float = np.nan
    n: int = 0
    detail: str = ""

    def row(self) -> dict:
        return asdict(self)


def not_configured(why: str) -> Verdict:
    return Verdict(NOT_CONFIGURED, "", detail=why)


def _significant(p, level: float) -> bool:
    return bool(np.isfinite(p) and p < level)


def _a(alpha: float) -> str:
    return f"{alpha:g}".replace("-", "−")


def direction(stats: pd.DataFrame, side: int, sign: int, level: float, p_column: str, what: str) -> Verdict:
    """"alpha of sign ``side`` moves ``what`` in direction ``sign`` (-1 lower, +1 higher) from
    alpha = 0": holds if every alpha on that side moves the mean that way and the most extreme
    alpha's difference is significant; fails if some alpha on that side differs significantly the
    other way; inconclusive otherwise.

    stats: ``stats.compare_to_control`` rows (alpha, n, mean, ci_low, ci_high, p, p_corrected)."""
    control = stats.loc[stats["alpha"] == 0]
    tested = stats[np.sign(stats["alpha"]) == side].sort_values("alpha", key=abs)
    if control.empty or tested.empty:
        return not_configured(f"no alpha {'<' if side < 0 else '>'} 0 runs or no alpha = 0 runs")
    c = float(control["mean"].iloc[0])
    moves = np.sign(tested["mean"] - c) == sign
    against = tested[(~moves) & tested[p_column].map(lambda p: _significant(p, level))]
    extreme = tested.iloc[-1]
    text = (f"{what} {c:.3g} at α = 0, {extreme['mean']:.3g} at α = {_a(extreme['alpha'])}; "
            f"{int(moves.sum())} of {len(tested)} α move it {'down' if sign < 0 else 'up'}")
    base = dict(statistic=f"{what} at α = {_a(extreme['alpha'])} (α = 0: {c:.3g})", value=float(extreme["mean"]),
                ci_low=float(extreme["ci_low"]), ci_high=float(extreme["ci_high"]), p=float(extreme[p_column]),
                n=int(extreme["n"]))
    if len(against):
        a = against.iloc[0]
        return Verdict(FAILS, **base, detail=f"{text}; α = {_a(a['alpha'])} moves it significantly the other way")
    if bool(moves.all()) and _significant(extreme[p_column], level):
        return Verdict(HOLDS, **base, detail=text)
    return Verdict(INCONCLUSIVE, **base, detail=text)


def reduction_at_no_cost(accuracy: pd.DataFrame, ratios: pd.DataFrame, factor: float,
                         level: float, p_column: str, costly: dict | None = None) -> Verdict:
    """"Some alpha < 0 cuts mean SI by >= ``factor`` with test accuracy not significantly below
    alpha = 0": per alpha < 0, the ratio SI(alpha = 0) / SI(alpha) with its bootstrapped CI
    (``ratios``: alpha, ratio, ci_low, ci_high, n) and the accuracy test (``accuracy``:
    compare_to_control rows). "No impact" is no significant accuracy drop (the paper's reading), or,
    with ``costly`` (alpha -> bool), whatever it says (e.g. the drop's CI exceeds a margin: the
    equivalence reading; None: undecided). Holds if some alpha has ratio CI low >= factor and no accuracy cost; fails if some alpha reaches the factor (CI high >= factor) and every such alpha
    costs accuracy significantly; inconclusive otherwise — also when no configured alpha cuts SI
    that far at all (the claim is that *some* alpha can: a grid without a strong enough alpha
    cannot refute it). The row reports the alpha of the largest ratio without a significant drop."""
    acc = accuracy.set_index("alpha")
    c = float(acc.loc[0, "mean"]) if 0 in acc.index else np.nan
    rows = []
    for r in ratios[ratios["alpha"] < 0].itertuples():
        a = acc.loc[r.alpha]
        if costly is not None:  # True: costs accuracy, False: free of cost, None: not decided by the data
            drop, is_free = costly[r.alpha] is True, costly[r.alpha] is False
        else:
            drop = bool(a["mean"] < c and _significant(a[p_column], level))
            is_free = not drop
        rows.append((r.alpha, r.ratio, r.ci_low, r.ci_high, r.n, drop, float(a[p_column]), is_free))
    if not rows or not np.isfinite(c):
        return not_configured("no alpha < 0 runs or no alpha = 0 runs")
    free = [r for r in rows if r[7]]
    best = max(free, key=lambda r: r[1]) if free else max(rows, key=lambda r: r[1])
    base = dict(statistic=f"SI(α = 0) / SI(α = {_a(best[0])}), accuracy p at that α", value=float(best[1]),
                ci_low=float(best[2]), ci_high=float(best[3]), p=best[6], n=int(best[4]))
    text = (f"largest cut without a significant accuracy drop: ×{best[1]:.2f} at α = {_a(best[0])}"
            if free else f"every α < 0 costs accuracy significantly (largest cut ×{best[1]:.2f})")
    if any(r[2] >= factor for r in free):
        winner = max((r for r in free if r[2] >= factor), key=lambda r: r[1])
        return Verdict(HOLDS, **{**base, "statistic": f"SI(α = 0) / SI(α = {_a(winner[0])}), accuracy p at that α",
                                 "value": float(winner[1]), "ci_low": float(winner[2]), "ci_high": float(winner[3]),
                                 "p": winner[6], "n": int(winner[4])},
                       detail=f"×{winner[1]:.2f} (CI low {winner[2]:.2f} ≥ {factor:g}) at α = {_a(winner[0])}, "
                              f"accuracy not significantly below α = 0")
    reaching = [r for r in rows if r[3] >= factor]
    if not reaching:
        return Verdict(INCONCLUSIVE, **base, detail=f"{text}; no configured α < 0 cuts SI by ×{factor:g} (a "
                                                    "stronger α is needed to decide)")
    if all(r[5] for r in reaching):
        return Verdict(FAILS, **base, detail=f"{text}; every α < 0 that reaches ×{factor:g} costs accuracy "
                                              "significantly")
    return Verdict(INCONCLUSIVE, **base, detail=text)


def not_above_null(difference: np.ndarray, ci: tuple[float, float], p_greater: float, alpha: float,
                   level: float, costs_accuracy: bool = False) -> Verdict:
    """"Near-zero selectivity" = not above the shuffled-label null: per network at the most negative
    alpha, SI - SI_null (``difference``, one per network), its CI and the one-sided test that it is
    > 0. Holds if the mean difference is at most 0 (SI at or below the null); fails if SI is
    significantly above the null although that alpha already costs accuracy significantly
    (``costs_accuracy``: a stronger alpha would cost more, so near-zero SI is not reached at a small
    cost); inconclusive otherwise (above the null within noise, or above it at an alpha that costs
    nothing yet: a stronger alpha is needed to decide)."""
    difference = np.asarray(difference, float)
    base = dict(statistic=f"SI − SI under shuffled labels at α = {_a(alpha)}", value=float(difference.mean()),
                ci_low=ci[0], ci_high=ci[1], p=p_greater, n=len(difference))
    if len(difference) < 2:
        return Verdict(INCONCLUSIVE, **base, detail="fewer than 2 networks")
    if difference.mean() <= 0:
        return Verdict(HOLDS, **base, detail=f"SI − null = {difference.mean():.3g} ≤ 0: at or below the null")
    if _significant(p_greater, level):
        if costs_accuracy:
            return Verdict(FAILS, **base, detail=f"SI exceeds the null by {difference.mean():.3g} (one-sided p = "
                                                   f"{p_greater:.2g}) at an α that already costs accuracy")
        return Verdict(INCONCLUSIVE, **base, detail=f"SI exceeds the null by {difference.mean():.3g} (one-sided p = "
                                                       f"{p_greater:.2g}): the configured α do not reach near-zero "
                                                       "selectivity (a stronger α is needed to decide)")
    return Verdict(INCONCLUSIVE, **base, detail=f"SI − null = {difference.mean():.3g}, above 0 within noise")


def small_cost(drop: float, ci: tuple[float, float], p: float, n: int, alpha: float, threshold: float) -> Verdict:
    """"Only a small accuracy drop" (the paper's ~2 points): the drop acc(0) - acc(alpha) in points
    with its CI. Holds if the CI's upper end is <= threshold; fails if its lower end is above it;
    inconclusive otherwise."""
    base = dict(statistic=f"accuracy drop (points) at α = {_a(alpha)}", value=drop, ci_low=ci[0], ci_high=ci[1],
                p=p, n=n)
    if not np.isfinite(ci[1]):
        return Verdict(INCONCLUSIVE, **base, detail="no confidence interval")
    if ci[1] <= threshold:
        return Verdict(HOLDS, **base, detail=f"drop {drop:.2f} points, CI up to {ci[1]:.2f} ≤ {threshold:g}")
    if ci[0] > threshold:
        return Verdict(FAILS, **base, detail=f"drop {drop:.2f} points, CI from {ci[0]:.2f} > {threshold:g}")
    return Verdict(INCONCLUSIVE, **base, detail=f"drop {drop:.2f} points, CI [{ci[0]:.2f}, {ci[1]:.2f}] spans "
                                                f"{threshold:g}")


def promoting_costs_more(signs: pd.DataFrame, level: float, p_column: str) -> Verdict:
    """"At equal |alpha|, promoting costs more accuracy than penalizing": per |alpha|,
    ``stats.compare_signs`` rows (negative_mean, positive_mean, p, p_corrected). Holds if at the
    largest |alpha| the promoted networks are less accurate, significantly, and no |alpha| is
    significantly the other way; fails if some |alpha| is significantly the other way;
    inconclusive otherwise."""
    both = signs.dropna(subset=["negative_mean", "positive_mean"]).sort_values("abs_alpha")
    if both.empty:
        return not_configured("no |α| with runs on both sides")
    worse = both["positive_mean"] < both["negative_mean"]
    against = both[(~worse) & both[p_column].map(lambda p: _significant(p, level))]
    top = both.iloc[-1]
    base = dict(statistic=f"accuracy α = −{top['abs_alpha']:g} minus α = +{top['abs_alpha']:g}",
                value=float(top["negative_mean"] - top["positive_mean"]), p=float(top[p_column]),
                n=int(min(top["negative_n"], top["positive_n"])))
    text = f"promoting is less accurate at {int(worse.sum())} of {len(both)} |α|"
    if len(against):
        return Verdict(FAILS, **base, detail=f"{text}; at |α| = {against.iloc[0]['abs_alpha']:g} penalizing is "
                                               "significantly less accurate")
    if bool(worse.iloc[-1]) and _significant(top[p_column], level):
        return Verdict(HOLDS, **base, detail=text)
    return Verdict(INCONCLUSIVE, **base, detail=text)


def ratio_above_one(ratios: pd.DataFrame, level: float, p_column: str) -> Verdict:
    """"rho(alpha, alpha_0) > rho(alpha, alpha) for every alpha < 0": per alpha < 0, the Figure 3
    ratio rows (alpha, mean ratio, CI, statistic = paired t of between vs within, p, p_corrected).
    Holds if every alpha has between > within significantly; fails if some alpha has it
    significantly below; inconclusive otherwise. The row reports the alpha with the weakest case."""
    rows = ratios[ratios["alpha"] < 0].sort_values("alpha")
    if rows.empty:
        return not_configured("no alpha < 0 similarity tables")
    above = rows["statistic"] > 0
    sig = rows[p_column].map(lambda p: _significant(p, level))
    weakest = rows.loc[(rows["mean"]).idxmin()]
    base = dict(statistic=f"distance ratio at α = {_a(weakest['alpha'])} (smallest)", value=float(weakest["mean"]),
                ci_low=float(weakest["ci_low"]), ci_high=float(weakest["ci_high"]), p=float(weakest[p_column]),
                n=int(weakest["n"]))
    text = "ratios " + ", ".join(f"{m:.2f} (α = {_a(a)})" for a, m in zip(rows["alpha"], rows["mean"]))
    if bool(((~above) & sig).any()):
        return Verdict(FAILS, **base, detail=f"{text}; some α has ρ(α, α₀) significantly below ρ(α, α)")
    if bool((above & sig).all()):
        return Verdict(HOLDS, **base, detail=text)
    return Verdict(INCONCLUSIVE, **base, detail=text)


def slope_sign(slope: float, ci: tuple[float, float], p: float, n: int, sign: int, level: float,
               statistic: str, what: str = "slope") -> Verdict:
    """A fitted slope (or any tested ``what``, e.g. a difference) claimed to have sign ``sign``: holds
    if it has, significantly; fails if it has the other sign, significantly; inconclusive otherwise."""
    base = dict(statistic=statistic, value=slope, ci_low=ci[0], ci_high=ci[1], p=p, n=n)
    if not np.isfinite(slope):
        return Verdict(INCONCLUSIVE, **base, detail=f"no {what} (too few networks)")
    text = f"{what} {slope:.3g}, p = {p:.2g}"
    if _significant(p, level):
        return Verdict(HOLDS if np.sign(slope) == sign else FAILS, **base, detail=text)
    return Verdict(INCONCLUSIVE, **base, detail=text)


def interval_sign(value: float, ci: tuple[float, float], n: int, statistic: str) -> Verdict:
    """A difference claimed to be > 0: holds if its CI lies above 0, fails if below, else inconclusive."""
    base = dict(statistic=statistic, value=value, ci_low=ci[0], ci_high=ci[1], n=n)
    if ci[0] > 0:
        return Verdict(HOLDS, **base, detail=f"{value:.3g}, CI above 0")
    if ci[1] < 0:
        return Verdict(FAILS, **base, detail=f"{value:.3g}, CI below 0")
    return Verdict(INCONCLUSIVE, **base, detail=f"{value:.3g}, CI [{ci[0]:.3g}, {ci[1]:.3g}] spans 0")


def all_zero(values: np.ndarray, statistic: str) -> Verdict:
    """A quantity claimed to be 0 in every network (leaky ReLUs leave no dead unit): holds if it is,
    fails otherwise (no noise: a unit is dead or not)."""
    values = np.asarray(values, float)
    base = dict(statistic=statistic, value=float(values.max()) if len(values) else np.nan, n=len(values))
    if not len(values):
        return not_configured("no networks")
    return Verdict(HOLDS if float(values.max()) == 0 else FAILS, **base,
                   detail=f"largest {values.max():.3g} over {len(values)} networks")


def gain(stats: pd.DataFrame, level: float, p_column: str, what: str = "test accuracy") -> Verdict:
    """"The best alpha < 0 raises test accuracy": the alpha < 0 of the highest mean against alpha = 0
    (compare_to_control rows). Holds if higher, significantly; fails if even the best is
    significantly lower; inconclusive otherwise. Value: the gain (best - alpha = 0)."""
    control, neg = stats[stats["alpha"] == 0], stats[stats["alpha"] < 0]
    if control.empty or neg.empty:
        return not_configured("no alpha < 0 runs or no alpha = 0 runs")
    best = neg.loc[neg["mean"].idxmax()]
    c = float(control["mean"].iloc[0])
    base = dict(statistic=f"{what} gain at α = {_a(best['alpha'])} (best α < 0)", value=float(best["mean"] - c),
                p=float(best[p_column]), n=int(best["n"]))
    text = f"{best['mean']:.3g} at α = {_a(best['alpha'])} vs {c:.3g} at α = 0"
    if _significant(best[p_column], level):
        return Verdict(HOLDS if best["mean"] > c else FAILS, **base, detail=text)
    return Verdict(INCONCLUSIVE, **base, detail=text)


def rise_then_decline(rise: dict, decline: dict, level: float, statistic: str) -> Verdict:
    """A quantity claimed to rise from the start to a peak and then decline by the end: two paired
    tests over networks, both needed (so no correction): holds if the rise (peak - start) is
    significantly above 0 and the decline (end - peak) significantly below; fails if either is
    significantly the other way; inconclusive otherwise. rise, decline: mean, ci_low, ci_high, p, n
    (``plots.dynamics.rise_and_decline`` rows). Value: the decline."""
    base = dict(statistic=statistic, value=float(decline["mean"]), ci_low=float(decline["ci_low"]),
                ci_high=float(decline["ci_high"]), p=float(decline["p"]), n=int(decline["n"]))
    text = (f"rise {rise['mean']:.3g} (p = {rise['p']:.2g}), decline {decline['mean']:.3g} "
            f"(p = {decline['p']:.2g})")
    rises, falls = _significant(rise["p"], level), _significant(decline["p"], level)
    if (rises and rise["mean"] < 0) or (falls and decline["mean"] > 0):
        return Verdict(FAILS, **base, detail=text + "; one of them goes significantly the other way")
    if rises and falls:
        return Verdict(HOLDS, **base, detail=text)
    return Verdict(INCONCLUSIVE, **base, detail=text)


def combine(verdicts: list[str]) -> str:
    """Several claims at once (the same laws for another model): holds if all hold, fails if any
    fails, not configured if none is configured, inconclusive otherwise."""
    configured = [v for v in verdicts if v != NOT_CONFIGURED]
    if not configured:
        return NOT_CONFIGURED
    if FAILS in configured:
        return FAILS
    return HOLDS if all(v == HOLDS for v in configured) else INCONCLUSIVE
