"""The claims table: every claim of ``claims.registry``, per experiment it applies to and per
variant of the analysis choices that can change its verdict, decided by ``claims.rules`` over the
statistics the figures compute (``stats``, ``plots.similarity``, ``plots.robust_si``), from the
same checked tables, without retraining.

One row per (claim, experiment, variant): CLAIMS_COLUMNS. ``configured`` marks the variant that
matches the config (its network mean; the paper's Bonferroni correction and rank-sum test;
precision over live units; for robustness the claim's own networks, α ≤ 0, unadjusted). Figure 3's
claim has every configured measure and reading as configured: which reading the paper used is
unknown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..plots.panels import stats_options
from ..plots.quantities import network_column
from ..stats import compare_signs, compare_to_control
from . import rules
from .registry import CLAIMS
from .table import COLUMNS as CLAIMS_COLUMNS

CORRECTIONS = {"bonferroni": "p_corrected", "none": "p"}
PAPER_MODELS = {"vgg16": "VGG16", "resnet18": "ResNet18 (Tiny ImageNet)", "resnet50": "ResNet50 (Tiny ImageNet)"}


def _variant(**axes) -> str:
    return ", ".join(f"{k}={v}" for k, v in axes.items())


class Table:
    """Rows of the claims table as they are decided."""

    def __init__(self):
        self.rows = []

    def add(self, claim: str, experiment: str, verdict: rules.Verdict, configured: bool, **axes) -> None:
        c = CLAIMS[claim]
        self.rows.append({"claim": claim, "experiment": experiment, "variant": _variant(**axes),
                          "configured": bool(configured), **verdict.row(), "figures": " ".join(c.figures),
                          "source": c.source, "words": c.words})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=CLAIMS_COLUMNS)


def _side(runs: pd.DataFrame, side: int) -> pd.DataFrame:
    return runs[np.sign(runs["alpha"]) * side >= 0]


def _selectivity_claims(t: Table, name: str, runs: pd.DataFrame, p: dict, opts: dict) -> None:
    """Claims 1a, 1b, 2a, 2b, 3a, 3b, 4, 8a-8d of one ReLU experiment."""
    level, cfg_mean = p["claims"]["level"], p["network_mean"]
    acc = runs.assign(test_accuracy=100 * runs["test_accuracy"])
    neg, pos = _side(runs, -1), _side(runs, 1)
    has_neg, has_pos = (runs["alpha"] < 0).any(), (runs["alpha"] > 0).any()
    acc_neg = compare_to_control(_side(acc, -1), "test_accuracy", **opts) if has_neg else None
    acc_pos = compare_to_control(_side(acc, 1), "test_accuracy", **opts) if has_pos else None
    for mean in ("layers", "units"):
        si = network_column("si", mean)
        for corr, pcol in CORRECTIONS.items():
            axes, conf = dict(network_mean=mean, correction=corr), mean == cfg_mean and corr == "bonferroni"
            if has_neg:
                stats = compare_to_control(neg, si, **opts)
                t.add("1a", name, rules.direction(stats, -1, -1, level, pcol, "mean SI"), conf, **axes)
                ratios = _si_ratios(neg, si, opts)
                t.add("1b", name, rules.reduction_at_no_cost(acc_neg, ratios, p["claims"]["selectivity_factor"],
                                                             level, pcol), conf, no_impact="not significant", **axes)
                if corr == "bonferroni":  # the equivalence reading needs no correction
                    margin = p["claims"]["small_drop"]
                    cis = {a: _drop_ci(acc, a, opts) for a in ratios["alpha"]}
                    costly = {a: True if lo > margin else False if hi <= margin else None for a, (lo, hi) in cis.items()}
                    t.add("1b", name, rules.reduction_at_no_cost(acc_neg, ratios,
                                                                 p["claims"]["selectivity_factor"], level, pcol, costly),
                          False, no_impact=f"drop CI ≤ {p['claims']['small_drop']:g} points", network_mean=mean)
                prec = {"live": network_column("precision", mean), "all": network_column("precision_all", mean)}
                for which, column in prec.items():
                    t.add("8c", name, rules.direction(compare_to_control(neg, column, **opts), -1, -1, level, pcol,
                                                      "mean precision"), conf and which == "live",
                          precision=which, **axes)
            else:
                for c in ("1a", "1b", "8c"):
                    t.add(c, name, rules.not_configured("no α < 0 runs"), conf, **axes)
            if has_pos:
                stats = compare_to_control(pos, si, **opts)
                t.add("3a", name, rules.direction(stats, 1, 1, level, pcol, "mean SI"), conf, **axes)
                dead = compare_to_control(pos, network_column("dead_fraction", mean), **opts)
                t.add("8a", name, rules.direction(dead, 1, 1, level, pcol, "dead fraction"), conf, **axes)
                for which, column in {"live": network_column("precision", mean),
                                      "all": network_column("precision_all", mean)}.items():
                    stats_p = compare_to_control(pos, column, **opts)
                    smallest = stats_p[stats_p["alpha"] > 0]["alpha"].min()
                    t.add("8d", name, rules.direction(stats_p[stats_p["alpha"].isin([0, smallest])], 1, 1, level,
                                                      pcol, "mean precision"),
                          conf and which == "live", precision=which, **axes)
            else:
                for c in ("3a", "8a", "8d"):
                    t.add(c, name, rules.not_configured("no α > 0 runs"), conf, **axes)
        axes, conf = dict(network_mean=mean), mean == cfg_mean
        t.add("2a", name, _null_verdict(runs, acc_neg, mean, level, opts) if has_neg
              else rules.not_configured("no α < 0 runs"), conf, **axes)
        t.add("8b", name, _consistency(pos, mean, opts) if has_pos else rules.not_configured("no α > 0 runs"), conf,
              **axes)
    t.add("2b", name, _small_drop(acc, p["claims"]["small_drop"], opts) if has_neg
          else rules.not_configured("no α < 0 runs"), True)
    for corr, pcol in CORRECTIONS.items():
        conf = corr == "bonferroni"
        t.add("3b", name, rules.direction(acc_pos, 1, -1, level, pcol, "test accuracy (%)") if has_pos
              else rules.not_configured("no α > 0 runs"), conf, correction=corr)
        for test in ("ranksum", "t"):
            signs = compare_signs(acc, "test_accuracy", opts["ci"], opts["n_bootstrap"], opts["seed"], test=test,
                                  equal_var=opts["equal_var"])
            t.add("4", name, rules.promoting_costs_more(signs, level, pcol) if len(signs)
                  else rules.not_configured("no |α| on both sides"), conf and test == "ranksum", test=test,
                  correction=corr)


def _si_ratios(runs: pd.DataFrame, si: str, opts: dict) -> pd.DataFrame:
    """Per alpha != 0: SI(alpha = 0) / SI(alpha), the ratio of the means, with a t interval on the
    log ratio (delta method, Welch's degrees of freedom): with 3 networks a side a percentile
    bootstrap is far too narrow."""
    control = runs.loc[runs["alpha"] == 0, si].to_numpy(float)
    rows = []
    for a, sub in runs[runs["alpha"] != 0].groupby("alpha"):
        vals = sub[si].to_numpy(float)
        ratio = control.mean() / vals.mean()
        low, high = _log_ratio_ci(control, vals, opts["ci"])
        rows.append({"alpha": a, "ratio": ratio, "ci_low": low, "ci_high": high, "n": len(vals)})
    return pd.DataFrame(rows, columns=["alpha", "ratio", "ci_low", "ci_high", "n"])


def _log_ratio_ci(a: np.ndarray, b: np.ndarray, ci: float) -> tuple[float, float]:
    """t interval of mean(a) / mean(b), on the log scale (delta method, Welch df)."""
    if len(a) < 2 or len(b) < 2 or a.mean() <= 0 or b.mean() <= 0:
        return np.nan, np.nan
    va, vb = a.var(ddof=1) / (len(a) * a.mean() ** 2), b.var(ddof=1) / (len(b) * b.mean() ** 2)
    se = np.sqrt(va + vb)
    if se == 0:
        r = a.mean() / b.mean()
        return r, r
    df = se ** 4 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = sps.t.ppf(0.5 + ci / 2, df) * se
    log_ratio = np.log(a.mean() / b.mean())
    return float(np.exp(log_ratio - half)), float(np.exp(log_ratio + half))


def _drop_ci(acc: pd.DataFrame, alpha: float, opts: dict) -> tuple[float, float]:
    """t interval of acc(0) - acc(alpha) in points (Student's or Welch's, as stats.equal_var)."""
    control = acc.loc[acc["alpha"] == 0, "test_accuracy"].to_numpy(float)
    vals = acc.loc[acc["alpha"] == alpha, "test_accuracy"].to_numpy(float)
    if len(control) < 2 or len(vals) < 2:
        return np.nan, np.nan
    res = sps.ttest_ind(control, vals, equal_var=opts["equal_var"])
    interval = res.confidence_interval(opts["ci"])
    return float(interval.low), float(interval.high)


def _null_verdict(runs: pd.DataFrame, acc_neg: pd.DataFrame, mean: str, level: float, opts: dict) -> rules.Verdict:
    a = float(runs["alpha"].min())
    sub = runs[runs["alpha"] == a]
    null = sub[network_column("si_null", mean)].to_numpy(float)
    if np.isnan(null).all():
        return rules.not_configured("no SI null (analysis.si_null_permutations: 0)")
    diff = sub[network_column("si", mean)].to_numpy(float) - null
    if len(diff) > 1 and diff.std() > 0:
        p = float(sps.ttest_1samp(diff, 0.0, alternative="greater").pvalue)
        interval = sps.ttest_1samp(diff, 0.0).confidence_interval(opts["ci"])  # two-sided t interval
        ci = (float(interval.low), float(interval.high))
    else:  # identical differences: no spread to test against
        p, ci = (0.0 if len(diff) > 1 and diff.mean() > 0 else np.nan), (float(diff.mean()), float(diff.mean()))
    row = acc_neg.set_index("alpha").loc[a]
    costs = bool(row["mean"] < acc_neg.set_index("alpha").loc[0, "mean"] and np.isfinite(row["p_corrected"])
                 and row["p_corrected"] < level)
    return rules.not_above_null(diff, ci, p, a, level, costs)


def _small_drop(acc: pd.DataFrame, threshold: float, opts: dict) -> rules.Verdict:
    a = float(acc["alpha"].min())
    control = acc.loc[acc["alpha"] == 0, "test_accuracy"].to_numpy(float)
    vals = acc.loc[acc["alpha"] == a, "test_accuracy"].to_numpy(float)
    p = sps.ttest_ind(control, vals, equal_var=opts["equal_var"]).pvalue if len(vals) > 1 else np.nan
    return rules.small_cost(float(control.mean() - vals.mean()), _drop_ci(acc, a, opts), float(p), len(vals), a,
                            threshold)


def _consistency(pos: pd.DataFrame, mean: str, opts: dict) -> rules.Verdict:
    """8b: Spearman rho(alpha, SI of live units) - rho(alpha, SI), networks resampled."""
    alive, si = network_column("si_alive", mean), network_column("si", mean)
    x = pos[["alpha", alive, si]].dropna().to_numpy(float)
    if len(x) < 4:
        return rules.not_configured("fewer than 4 networks with α ≥ 0")

    def rho(x, y):  # NaN where a resample leaves one side constant
        return sps.spearmanr(x, y)[0] if np.ptp(x) > 0 and np.ptp(y) > 0 else np.nan

    def diff(rows):
        return rho(rows[:, 0], rows[:, 1]) - rho(rows[:, 0], rows[:, 2])

    rng = np.random.default_rng(opts["seed"])
    boots = [diff(x[rng.integers(0, len(x), len(x))]) for _ in range(min(opts["n_bootstrap"], 2000))]
    boots = np.asarray(boots, float)[np.isfinite(boots)]
    tail = (1 - opts["ci"]) / 2 * 100
    ci = (float(np.percentile(boots, tail)), float(np.percentile(boots, 100 - tail))) if len(boots) else (np.nan, np.nan)
    return rules.interval_sign(float(diff(x)), ci, len(x), "Spearman ρ(α, SI live units) − ρ(α, SI all units), α ≥ 0")


def _similarity_claims(t: Table, name: str, pairs: pd.DataFrame, p: dict, opts: dict) -> None:
    from ..plots.similarity import network_distances, ratio_rows

    per_net = network_distances(pairs)
    for (measure, reading), sub in per_net.groupby(["measure", "reading"], sort=True):
        ratios = ratio_rows(sub, name, [], opts)
        for corr, pcol in CORRECTIONS.items():
            t.add("5", name, rules.ratio_above_one(ratios, p["claims"]["level"], pcol), corr == "bonferroni",
                  measure=measure, reading=reading, correction=corr)


def _robustness_claims(t: Table, name: str, runs: pd.DataFrame, rob: pd.DataFrame, p: dict, opts: dict) -> None:
    from ..plots.robust_si import SUBSETS, covariate_fit, network_robustness, regression

    o = p["robustness"][name]
    corr, att, eps, members = network_robustness(rob, o["corruptions"], o["attack"], o["eps"], "claims")
    level = p["claims"]["level"]
    for claim, table, sign_drop, what in (("7a", corr, 1, f"corruptions ({o['corruptions']}, {len(members)})"),
                                          ("7b", att, -1, f"{o['attack'].upper()} ε = {eps:g}/255")):
        for mean in ("layers", "units"):
            si = network_column("si", mean)
            for measure, sign in (("relative_drop", sign_drop), ("accuracy", -sign_drop)):
                values = table.rename(columns={measure: "value"})[["alpha", "seed", "value", "clean"]].merge(
                    runs[["experiment", "alpha", "seed", si]], on=["alpha", "seed"], validate="one_to_one")
                for subset, keep in (("α≤0", SUBSETS["penalize"]),):  # the claim's networks (decreased SI);
                    # fits over α ≥ 0 / all networks answer another question: robust_si.csv holds them
                    sub = values[keep(values["alpha"].astype(float))]
                    for adjustment in ("none", "clean accuracy"):
                        axes = dict(measure=measure, networks=subset, adjustment=adjustment, network_mean=mean)
                        conf = subset == "α≤0" and adjustment == "none" and mean == p["network_mean"]
                        if len(sub) < 3 or sub[si].nunique() < 2:
                            t.add(claim, name, rules.not_configured("fewer than 3 networks"), conf, **axes)
                            continue
                        if adjustment == "none":
                            fit = regression(sub, si, "value", "", opts["ci"], measure).set_index("quantity")
                            row = fit.loc["slope"]
                        else:
                            fit = covariate_fit(sub, si, "value", "clean", "", opts["ci"], measure).set_index("quantity")
                            row = fit.loc["partial_slope"]
                        statistic = f"slope of {measure.replace('_', ' ')} under {what} on mean SI"
                        t.add(claim, name, rules.slope_sign(float(row["mean"]), (float(row["ci_low"]),
                                                            float(row["ci_high"])), float(row["p"]), int(row["n"]),
                                                            sign, level, statistic), conf, **axes)


def _leaky_claims(t: Table, name: str, runs: pd.DataFrame, p: dict, opts: dict) -> None:
    t.add("8e", name, rules.all_zero(runs["dead_fraction"].to_numpy(float), "largest dead fraction of a network"),
          True)
    acc = runs.assign(test_accuracy=100 * runs["test_accuracy"])
    has_pos = (runs["alpha"] > 0).any()
    for corr, pcol in CORRECTIONS.items():
        verdict = (rules.direction(compare_to_control(_side(acc, 1), "test_accuracy", **opts), 1, -1,
                                   p["claims"]["level"], pcol, "test accuracy (%)")
                   if has_pos else rules.not_configured("no α > 0 runs"))
        t.add("8f", name, verdict, corr == "bonferroni", correction=corr)


def _same_laws(t: Table, p: dict, opts: dict, runs: dict[str, pd.DataFrame]) -> None:
    """Claim 6 (the configured verdicts of 1a-4 per VGG16 / Tiny ImageNet experiment) and 6b."""
    frame = t.frame()
    for model, label in PAPER_MODELS.items():
        names = [n for n, x in p["experiments"].items() if x["model"] == model and not x["leaky"]]
        if not names:
            t.add("6", label, rules.not_configured(f"no {label} experiment in the config"), True)
            if model != "vgg16":
                t.add("6b", label, rules.not_configured(f"no {label} experiment in the config"), True)
            continue
        for name in names:
            mine = frame[(frame["experiment"] == name) & frame["configured"]
                         & frame["claim"].isin(["1a", "1b", "2a", "2b", "3a", "3b", "4"])]
            verdict = rules.combine(list(mine["verdict"]))
            counts = mine["verdict"].value_counts()
            t.add("6", name, rules.Verdict(verdict, "claims 1a–4 (configured variants)", n=len(mine),
                                           detail=", ".join(f"{k}: {v}" for k, v in counts.items())), True)
            if model != "vgg16":
                acc = runs[name].assign(test_accuracy=100 * runs[name]["test_accuracy"])
                stats = compare_to_control(_side(acc, -1), "test_accuracy", **opts)
                for corr, pcol in CORRECTIONS.items():
                    t.add("6b", name, rules.gain(stats, p["claims"]["level"], pcol, "test accuracy (points)"),
                          corr == "bonferroni", correction=corr)


def _dynamics_claims(t: Table, name: str, epochs: pd.DataFrame, p: dict, opts: dict) -> None:
    """Claim 9a on one experiment's per-epoch table: at alpha = 0, the rise-and-decline tests of the
    si_dynamics figure, in both readings of the peak."""
    from ..files.epochs import NETWORK
    from ..plots.dynamics import early_epoch, rise_and_decline

    network = epochs[(epochs["layer"] == NETWORK) & (epochs["alpha"] == 0)]
    early = early_epoch(p["dynamics"][name]["early_epoch"], network["epoch"].max())
    tests = rise_and_decline(network, early, opts)
    for reading, sub in tests.groupby("reading", sort=False):
        rise = sub[sub["test"].str.startswith("rise")].iloc[0]
        decline = sub[sub["test"].str.startswith("decline")].iloc[0]
        statistic = (f"network SI (probe) at α = 0: epoch {int(decline['last_epoch'])} − epoch "
                     f"{int(decline['peak_epoch'])} (peak; rise from epoch 0 in detail)")
        t.add("9a", name, rules.rise_then_decline(rise, decline, p["claims"]["level"], statistic),
              reading.startswith("fixed"), peak=reading)


def _schedule_claims(t: Table, fig: str, runs: dict[str, pd.DataFrame], s: dict, p: dict, opts: dict) -> None:
    """Claim 9b on one schedules figure: its "late" schedule against its "early" one, at the
    figure's alpha, in both readings of a run's final network."""
    from ..plots.dynamics import READINGS, schedule_runs
    from ..stats import two_sample_test

    labels = [str(label) for label in s["labels"]]
    named = {label.lower(): label for label in labels}
    if "early" not in named or "late" not in named:
        t.add("9b", fig, rules.not_configured(f"figure {fig}'s labels {labels} name no 'early' and 'late' schedule"),
              True)
        return
    table, alpha = schedule_runs([runs[e] for e in s["experiments"]], labels, s["alpha"])
    for accuracy, _, reading in READINGS:
        early = 100 * table.loc[table["schedule"] == named["early"], accuracy].to_numpy(float)
        late = 100 * table.loc[table["schedule"] == named["late"], accuracy].to_numpy(float)
        if np.isnan(early).any() or np.isnan(late).any():
            verdict = rules.not_configured("the runs have not recorded the last epoch's network (summaries from "
                                           "before the last_* keys): retrain them")
        else:
            _, pval = two_sample_test(late, early, s["test"], opts["equal_var"])
            ci = (np.nan, np.nan)
            if len(early) > 1 and len(late) > 1:
                interval = sps.ttest_ind(late, early, equal_var=opts["equal_var"]).confidence_interval(opts["ci"])
                ci = (float(interval.low), float(interval.high))
            verdict = rules.slope_sign(float(late.mean() - early.mean()), ci, pval, len(late) + len(early), 1,
                                       p["claims"]["level"],
                                       f"test accuracy (points), late − early at α = {alpha:g} ({reading})",
                                       what="late − early")
        t.add("9b", fig, verdict, reading == READINGS[0][2], epoch_reading=reading)


def claims_table(params: dict, runs: dict[str, pd.DataFrame], pairs: dict[str, pd.DataFrame],
                 robustness: dict[str, pd.DataFrame], epochs: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The claims table (CLAIMS_COLUMNS). params: ``claims.params.claims_params``; runs: every
    experiment's checked runs table (all alphas), those of the schedules figures' experiments
    included; pairs: the similarity tables of params["similarity"]'s experiments; robustness: the
    robustness tables of params["robustness"]'s; epochs: the per-epoch tables of params["dynamics"]'s."""
    opts = stats_options(params["stats"])
    epochs = epochs or {}
    t = Table()
    for name, x in params["experiments"].items():
        (_leaky_claims if x["leaky"] else _selectivity_claims)(t, name, runs[name], params, opts)
    if not params["similarity"]:
        t.add("5", "", rules.not_configured("no Figure 3 (similarity figure) in the config"), True)
    for name in params["similarity"]:
        _similarity_claims(t, name, pairs[name], params, opts)
    if not params["robustness"]:
        for claim in ("7a", "7b"):
            t.add(claim, "", rules.not_configured("robustness.experiments is empty"), True)
    for name in params["robustness"]:
        _robustness_claims(t, name, runs[name], robustness[name], params, opts)
    if not any(x["leaky"] for x in params["experiments"].values()):
        for claim in ("8e", "8f"):
            t.add(claim, "", rules.not_configured("no leaky-ReLU experiment in the config"), True)
    _same_laws(t, params, opts, runs)
    if not params["dynamics"]:
        t.add("9a", "", rules.not_configured("no experiment with a per-epoch probe (training.probe_size) and "
                                             "α = 0 runs"), True)
    for name in params["dynamics"]:
        _dynamics_claims(t, name, epochs[name], params, opts)
    if not params["schedules"]:
        t.add("9b", "", rules.not_configured("no schedules figure in the config"), True)
    for fig, s in params["schedules"].items():
        _schedule_claims(t, fig, runs, s, params, opts)
    order = {c: i for i, c in enumerate(CLAIMS)}
    out = t.frame()
    return out.sort_values("claim", key=lambda s: s.map(order), kind="stable", ignore_index=True)


def build_claims(params: dict, runs: dict[str, str], similarity: dict[str, list[str]],
                 robustness: dict[str, str], epochs: dict[str, str] | None = None) -> pd.DataFrame:
    """The claims table from the files (each read and checked against the runs the config
    declares): runs tables by experiment (those of the schedules figures included), similarity
    tables (one per alpha <= 0), robustness tables and per-epoch tables of the experiments
    ``params`` lists."""
    from ..files.epochs import read_epochs
    from ..files.similarity import read_pairs
    from ..errors import InputError
    from ..files.robustness import read_robustness
    from ..files.runs import read_runs

    epochs = epochs or {}

    def need(kind: str, have: dict, want) -> None:
        missing = [e for e in want if e not in have]
        if missing:
            raise InputError(f"claims: no {kind} given for experiments {missing} (the config's claims need them; "
                             f"the workflow's rule `claims` passes them)")

    expected = {e: {"alphas": v["alphas"], "seeds": v["seeds"]} for e, v in params["experiments"].items()}
    for s in params["schedules"].values():
        for e, v in s["expected"].items():
            expected.setdefault(e, v)
    need("runs table", runs, expected)
    need("similarity tables", similarity, params["similarity"])
    need("robustness table", robustness, params["robustness"])
    need("per-epoch table", epochs, params["dynamics"])
    x = params["experiments"]
    tables = {e: read_runs(runs[e], v["alphas"], v["seeds"]) for e, v in expected.items()}
    per_epoch = {e: read_epochs(epochs[e], v["alphas"], v["seeds"]) for e, v in params["dynamics"].items()}
    pairs = {e: read_pairs(similarity[e], params["similarity"][e], params["similarity_settings"])
             for e in params["similarity"]}
    rob = {e: read_robustness(robustness[e], x[e]["alphas"], x[e]["seeds"]) for e in params["robustness"]}
    return claims_table(params, tables, pairs, rob, per_epoch)
