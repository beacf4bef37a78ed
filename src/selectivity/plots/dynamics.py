"""Figures of selectivity over training (the follow-up's question, Ranadive et al. 2023): the probe's
mean SI per epoch per alpha, and the final test accuracy of alpha schedules.

``si_dynamics_figure`` reads an experiment's per-epoch table (``files.epochs``); ``schedules_figure``
the runs tables of several experiments, each one schedule (``training.alpha_schedule``) at one alpha.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..files.epochs import NETWORK
from ..stats import bonferroni, bootstrap_ci, paired_t, stars, two_sample_test
from .panels import STAT_COLUMNS
from .style import BASELINE_COLOR, alpha_colors, alpha_label, new_figure

GROUP_NAMES = ("early", "middle", "late")


def layer_groups(layer_indices, groups: int) -> dict[int, str]:
    """Unit layers (0-based, network order) -> group name: ``groups`` contiguous groups of (nearly)
    equal size, early to late (names "early", "middle", "late" for 3, else "group 1".."group n")."""
    layers = sorted(set(int(i) for i in layer_indices))
    parts = np.array_split(np.array(layers), min(groups, len(layers)))
    names = GROUP_NAMES if len(parts) == 3 else tuple(f"group {i + 1}" for i in range(len(parts)))
    return {int(i): names[g] for g, part in enumerate(parts) for i in part}


def per_epoch(rows: pd.DataFrame, value: str, panel: str, quantity: str, opts: dict) -> pd.DataFrame:
    """Mean and bootstrapped CI over networks of ``value`` per (alpha, epoch): statistics rows with an
    ``epoch`` column."""
    out = []
    for (alpha, epoch), sub in rows.groupby(["alpha", "epoch"], sort=True):
        vals = sub[value].to_numpy(float)
        low, high = bootstrap_ci(vals, opts["ci"], opts["n_bootstrap"], opts["seed"])
        out.append({"alpha": alpha, "epoch": epoch, "n": len(vals), "mean": vals.mean(), "ci_low": low,
                    "ci_high": high})
    experiment = ",".join(map(str, rows["experiment"].unique()))
    return _long(pd.DataFrame(out), panel, quantity, experiment)


def _band(ax, stats: pd.DataFrame, x: str, color, label: str, style: str = "-") -> None:
    stats = stats.sort_values(x)
    ax.plot(stats[x], stats["mean"], style, color=color, label=label, lw=1.5)
    ax.fill_between(stats[x], stats["ci_low"], stats["ci_high"], color=color, alpha=0.2, lw=0)


def _long(rows: pd.DataFrame, panel: str, quantity: str, experiment: str) -> pd.DataFrame:
    rows = rows.copy()
    rows["panel"], rows["quantity"], rows["experiment"] = panel, quantity, experiment
    for col in STAT_COLUMNS:
        if col not in rows:
            rows[col] = "" if col in ("test", "stars") else np.nan
    return rows


def rise_and_decline(network: pd.DataFrame, early_epoch: int, opts: dict) -> pd.DataFrame:
    """At one alpha, the network SI per seed (one row per seed and epoch, columns seed, epoch,
    mean_si): does it rise from the initialized network and then decline by the last epoch? Two
    readings of "the peak": the epoch where the seeds' mean peaks (chosen from the same data, which
    favours finding a decline), and a fixed ``early_epoch`` chosen before looking. For each, paired
    t-tests over seeds: peak vs epoch 0 (rise) and last epoch vs peak (decline)."""
    wide = network.pivot(index="seed", columns="epoch", values="mean_si").sort_index(axis=1)
    last = int(wide.columns.max())
    mean_curve = wide.mean()
    readings = {"peak of the mean curve": int(mean_curve.idxmax()), f"fixed epoch {early_epoch}": early_epoch}
    rows = []
    for reading, peak in readings.items():
        for test, a, b in (("rise: peak vs epoch 0", peak, 0), ("decline: last epoch vs peak", last, peak)):
            diff = wide[a] - wide[b]
            t, p = paired_t(wide[a], wide[b])
            low, high = bootstrap_ci(diff.to_numpy(float), opts["ci"], opts["n_bootstrap"], opts["seed"])
            rows.append({"reading": reading, "peak_epoch": peak, "last_epoch": last, "test": f"{test}, paired t",
                         "n": len(diff), "mean": float(diff.mean()), "ci_low": low, "ci_high": high,
                         "statistic": t, "p": p})
    return pd.DataFrame(rows)


def si_dynamics_figure(data):
    """(a) The probe's network mean SI (Eq. 3) per epoch, one line per alpha (mean and bootstrapped
    CI over seeds); (b) at ``detail_alpha``, the mean SI of each layer group per epoch; (c) the
    probe's accuracy per epoch per alpha. The statistics hold every curve point and, per alpha, the
    rise-and-decline tests of ``rise_and_decline``."""
    opts, options = data.opts, data.options
    epochs = data.epochs[0]
    experiment = ",".join(map(str, epochs["experiment"].unique()))
    colors = alpha_colors(epochs["alpha"].unique())
    fig, axes = new_figure(3, width=4.6)
    network = epochs[epochs["layer"] == NETWORK]
    parts = []
    for alpha, sub in network.groupby("alpha", sort=True):
        s = per_epoch(sub, "mean_si", "a", "probe_mean_si", opts)
        _band(axes[0], s, "epoch", colors[alpha], f"α={alpha_label(alpha)}")
        parts.append(s)
        acc = per_epoch(sub, "probe_accuracy", "c", "probe_accuracy", opts)
        _band(axes[2], acc, "epoch", colors[alpha], f"α={alpha_label(alpha)}")
        parts.append(acc)
        early = options["early_epoch"] or max(1, int(sub["epoch"].max()) // 4)
        tests = rise_and_decline(sub, early, opts)
        tests["alpha"] = alpha
        tests["quantity"] = [f"network SI, {r} (epoch {e} of {last})" for r, e, last in
                             zip(tests["reading"], tests["peak_epoch"], tests["last_epoch"])]
        parts.append(tests.drop(columns=["reading", "peak_epoch", "last_epoch"]).assign(panel="a",
                                                                                         experiment=experiment))
    detail = options["detail_alpha"]
    alphas = sorted(network["alpha"].unique())
    detail = min(alphas, key=lambda a: abs(a - detail))
    units = epochs[(epochs["layer"] != NETWORK) & (epochs["alpha"] == detail)].copy()
    groups = layer_groups(units["layer_index"], options["layer_groups"])
    units["group"] = units["layer_index"].map(groups)
    per_seed = units.groupby(["experiment", "alpha", "seed", "epoch", "group"], as_index=False)["mean_si"].mean()
    for i, (group, sub) in enumerate(sorted(per_seed.groupby("group"),
                                            key=lambda kv: min(k for k, g in groups.items() if g == kv[0]))):
        s = per_epoch(sub, "mean_si", "b", f"probe_mean_si {group} layers", opts)
        _band(axes[1], s, "epoch", colors[detail], f"{group} layers", ("-", "--", ":", "-.")[i % 4])
        parts.append(s)
    for ax, ylabel in zip(axes, ("network mean SI (probe)", f"mean SI per layer group, α={alpha_label(detail)}",
                                 "probe accuracy")):
        ax.set_xlabel("epoch (0: initialized)")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=7, frameon=False)
    stats = pd.concat(parts, ignore_index=True)
    for col in STAT_COLUMNS:
        if col not in stats:
            stats[col] = np.nan
    stats["p_corrected"] = stats["p"]  # each test stands on its own (named in the test column)
    stats["stars"] = [stars(p, data.stars) if pd.notna(p) else "" for p in stats["p"]]
    return fig, axes, stats[[*STAT_COLUMNS, "epoch"]]


def schedule_runs(runs: list[pd.DataFrame], labels, alpha: float | None) -> tuple[pd.DataFrame, float]:
    """One table of the schedules at one alpha: "never" (alpha = 0 runs of the first experiment)
    then each experiment's runs at ``alpha`` (None: the most negative alpha every experiment holds),
    with a ``schedule`` column (the labels)."""
    shared = set.intersection(*[set(t["alpha"]) - {0.0} for t in runs])
    if alpha is None:
        if not shared:
            raise ValueError("the schedule experiments share no alpha other than 0: set the figure's option alpha")
        alpha = min(shared, key=lambda a: (a > 0, -abs(a)))
    parts = []
    base = runs[0][runs[0]["alpha"] == 0]
    if base.empty:
        raise ValueError(f"no alpha = 0 runs in experiment {runs[0]['experiment'].iloc[0]!r}: the unregularized "
                         "schedule ('never') comes from the first experiment's alpha = 0 runs")
    parts.append(base.assign(schedule="never"))
    for t, label in zip(runs, labels):
        sub = t[t["alpha"] == alpha]
        if sub.empty:
            raise ValueError(f"experiment {t['experiment'].iloc[0]!r} has no runs at alpha {alpha:g}")
        parts.append(sub.assign(schedule=label))
    return pd.concat(parts, ignore_index=True), alpha


def schedules_figure(data):
    """(a) Final test accuracy per schedule ("never": alpha = 0; then each experiment at one alpha),
    mean and bootstrapped CI over seeds, each schedule tested against "never" and every pair of
    regularized schedules against each other (t-tests, Bonferroni over all of them); (b) the same
    for the network SI of the test set."""
    opts, options, labels = data.opts, data.options, data.params["labels"]
    table, alpha = schedule_runs(data.runs, labels, options["alpha"])
    order = ["never", *labels]
    fig, axes = new_figure(2, width=4.8)
    parts = []
    for ax, value, panel, ylabel in ((axes[0], "test_accuracy", "a", "test accuracy"),
                                     (axes[1], data.column("si"), "b", data.label("si"))):
        rows = []
        for name in order:
            vals = table.loc[table["schedule"] == name, value].to_numpy(float)
            low, high = bootstrap_ci(vals, opts["ci"], opts["n_bootstrap"], opts["seed"])
            rows.append({"layer_index": np.nan, "n": len(vals), "mean": vals.mean(), "ci_low": low, "ci_high": high,
                         "test": "", "schedule": name})
        pairs = [("never", s) for s in labels] + [(a, b) for i, a in enumerate(labels) for b in labels[i + 1:]]
        tests = []
        for a, b in pairs:
            t, p = two_sample_test(table.loc[table["schedule"] == b, value], table.loc[table["schedule"] == a, value],
                                   data.params["test"], opts["equal_var"])
            tests.append({"schedule": f"{b} vs {a}", "statistic": t, "p": p,
                          "test": f"{data.params['test']}-test {b} vs {a}, Bonferroni over {len(pairs)}"})
        tests = pd.DataFrame(tests)
        tests["p_corrected"] = bonferroni(tests["p"])
        tests["stars"] = [stars(p, data.stars) if pd.notna(p) else "" for p in tests["p_corrected"]]
        summary = pd.DataFrame(rows)
        x = np.arange(len(order))
        colors = [BASELINE_COLOR] + [alpha_colors([alpha])[alpha]] * len(labels)
        ax.bar(x, summary["mean"], color=colors, alpha=0.6)
        ax.errorbar(x, summary["mean"], yerr=[summary["mean"] - summary["ci_low"], summary["ci_high"] - summary["mean"]],
                    fmt="none", color="k", capsize=4)
        for i, name in enumerate(order):
            ax.scatter(np.full(int((table["schedule"] == name).sum()), i), table.loc[table["schedule"] == name, value],
                       s=8, color="k", zorder=3)
        for i, name in enumerate(labels, start=1):
            star = tests.loc[tests["schedule"] == f"{name} vs never", "stars"].iloc[0]
            if star:
                ax.text(i, summary["ci_high"].iloc[i], star, ha="center", va="bottom")
        ax.set_xticks(x, order)
        ax.set_xlabel(f"schedule (α = {alpha_label(alpha)}; never: α = 0)")
        ax.set_ylabel(ylabel)
        low = min(summary["ci_low"].min(), table[value].min())
        high = max(summary["ci_high"].max(), table[value].max())
        ax.set_ylim(low - 0.1 * (high - low + 1e-9), high + 0.15 * (high - low + 1e-9))
        both = pd.concat([summary, tests], ignore_index=True)
        both["alpha"] = alpha
        parts.append(_long(both, panel, value, ",".join(map(str, table["experiment"].unique()))))
    # the model of each run is its best-validation epoch's (the paper's protocol): a schedule whose runs
    # chose an epoch before their regularized epochs shows unregularized networks. Their epochs, per schedule:
    chosen = table.groupby("schedule", sort=False)["best_epoch"].agg(["count", "mean", "min", "max"]).reindex(order)
    parts.append(_long(pd.DataFrame({"schedule": order, "n": chosen["count"].to_numpy(), "mean": chosen["mean"].to_numpy(),
                                     "ci_low": chosen["min"].to_numpy(), "ci_high": chosen["max"].to_numpy(),
                                     "test": "best-validation epoch of the runs (ci_low, ci_high: min, max)",
                                     "alpha": alpha}), "a", "best_epoch",
                       ",".join(map(str, table["experiment"].unique()))))
    axes[0].text(0.02, 0.02, "best epochs: " + ", ".join(f"{n} {int(lo)}–{int(hi)}" for n, lo, hi in
                                                        zip(order, chosen["min"], chosen["max"])),
                 transform=axes[0].transAxes, fontsize=6, va="bottom")
    stats = pd.concat(parts, ignore_index=True)
    return fig, axes, stats[[*STAT_COLUMNS, "schedule"]]
