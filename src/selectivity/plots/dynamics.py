"""Figures of selectivity over training (the follow-up's question, Ranadive et al. 2023): the probe's
mean SI per epoch per alpha, and the final test accuracy of alpha schedules.

``si_dynamics_figure`` reads an experiment's per-epoch table (``files.epochs``); ``schedules_figure``
the runs tables of several experiments, each one schedule (``training.alpha_schedule``) at one alpha.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..files.epochs import NETWORK
from ..files.runs import require_last
from ..stats import bootstrap_ci, compare_to_control, pairwise_tests, paired_t, paired_t_interval, stars
from .panels import STAT_COLUMNS, stat_rows
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
    return stat_rows(pd.DataFrame(out), panel, rows, quantity, keep=("epoch",))


def _band(ax, stats: pd.DataFrame, x: str, color, label: str, style: str = "-") -> None:
    stats = stats.sort_values(x)
    ax.plot(stats[x], stats["mean"], style, color=color, label=label, lw=1.5)
    ax.fill_between(stats[x], stats["ci_low"], stats["ci_high"], color=color, alpha=0.2, lw=0)


def early_epoch(option: int | None, last_epoch: int) -> int:
    """The fixed early epoch of the rise-and-decline tests: the figure's ``early_epoch`` option, or
    (None) a quarter of the epochs."""
    return option or max(1, int(last_epoch) // 4)


def rise_and_decline(network: pd.DataFrame, early_epoch: int, opts: dict) -> pd.DataFrame:
    """At one alpha, the network SI per seed (one row per seed and epoch, columns seed, epoch,
    mean_si): does it rise from the initialized network and then decline by the last epoch? Two
    readings of "the peak": the epoch where the seeds' mean peaks (chosen from the same data, which
    favours finding a decline), and a fixed ``early_epoch`` chosen before looking. For each, paired
    t-tests over seeds: peak vs epoch 0 (rise) and last epoch vs peak (decline), with the t interval
    of the mean paired difference (the test's own interval: a bootstrap over 3 networks is too narrow)."""
    wide = network.pivot(index="seed", columns="epoch", values="mean_si").sort_index(axis=1)
    last = int(wide.columns.max())
    mean_curve = wide.mean()
    readings = {"peak of the mean curve": int(mean_curve.idxmax()), f"fixed epoch {early_epoch}": early_epoch}
    rows = []
    for reading, peak in readings.items():
        for test, a, b in (("rise: peak vs epoch 0", peak, 0), ("decline: last epoch vs peak", last, peak)):
            diff = wide[a] - wide[b]
            t, p = paired_t(wide[a], wide[b])
            low, high = paired_t_interval(diff.to_numpy(float), opts["ci"])
            rows.append({"reading": reading, "peak_epoch": peak, "last_epoch": last, "test": f"{test}, paired t",
                         "n": len(diff), "mean": float(diff.mean()), "ci_low": low, "ci_high": high,
                         "statistic": t, "p": p})
    return pd.DataFrame(rows)


def to_final_panel(ax, to_final: pd.DataFrame, colors: dict, opts: dict, parts: list) -> str:
    """Panel d: per alpha, the distance of each run's save_epochs network to the run's model, its
    best-validation epoch (mean over unit layers per network; mean and bootstrapped CI over
    networks), for the table's first measure and reading (every measure and reading go to
    ``parts``, the statistics). Returns what it shows."""
    per_net = to_final.groupby(["experiment", "alpha", "seed", "epoch", "measure", "reading"], as_index=False,
                               sort=False)["distance"].mean()
    measure, reading = to_final["measure"].iloc[0], to_final["reading"].iloc[0]
    alphas = sorted(per_net["alpha"].unique())
    dodge = {a: 0.12 * (i - (len(alphas) - 1) / 2) for i, a in enumerate(alphas)}  # points side by side
    for (m, r), sub in per_net.groupby(["measure", "reading"], sort=False):
        for alpha, rows in sub.groupby("alpha", sort=True):
            s = per_epoch(rows, "distance", "d", f"{m} distance to the run's model ({r} reading), mean over layers",
                          opts)
            parts.append(s)
            if (m, r) == (measure, reading):
                s = s.sort_values("epoch")
                ax.errorbar(s["epoch"] + dodge[alpha], s["mean"], yerr=[s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]],
                            fmt="o-", color=colors[alpha], capsize=3, label=f"α={alpha_label(alpha)}")
    return f"{measure} ({reading})"


def si_dynamics_figure(data):
    """(a) The probe's network mean SI (Eq. 3) per epoch, one line per alpha (mean and bootstrapped
    CI over seeds); (b) at ``detail_alpha``, the mean SI of each layer group per epoch; (c) the
    probe's accuracy per epoch per alpha; (d, with the option similarity_to_final) the distance of
    the save_epochs networks to the runs' models (``to_final_panel``). The statistics hold every curve
    point and, per alpha, the rise-and-decline tests of ``rise_and_decline``."""
    opts, options = data.opts, data.options
    epochs = data.epochs[0]
    experiment = ",".join(map(str, epochs["experiment"].unique()))
    colors = alpha_colors(epochs["alpha"].unique())
    fig, axes = new_figure(3 if data.to_final is None else 4, width=4.6)
    network = epochs[epochs["layer"] == NETWORK]
    parts = []
    for alpha, sub in network.groupby("alpha", sort=True):
        s = per_epoch(sub, "mean_si", "a", "probe_mean_si", opts)
        _band(axes[0], s, "epoch", colors[alpha], f"α={alpha_label(alpha)}")
        parts.append(s)
        acc = per_epoch(sub, "probe_accuracy", "c", "probe_accuracy", opts)
        _band(axes[2], acc, "epoch", colors[alpha], f"α={alpha_label(alpha)}")
        parts.append(acc)
        early = early_epoch(options["early_epoch"], sub["epoch"].max())
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
    ylabels = ["network mean SI (probe)", f"mean SI per layer group, α={alpha_label(detail)}", "probe accuracy"]
    if data.to_final is not None:
        shown = to_final_panel(axes[3], data.to_final, colors, opts, parts)
        ylabels.append(f"{shown} distance to the run's model\n(its best-validation epoch)")
        axes[3].set_xlim(axes[0].get_xlim())  # the epochs of panels a-c
    for ax, ylabel in zip(axes, ylabels):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
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


# the two readings of a run's final network: (accuracy column, SI column, name)
READINGS = (("test_accuracy", "test_mean_si", "best-validation epoch"),
            ("last_test_accuracy", "last_test_mean_si", "last epoch"))


def schedule_stats(table: pd.DataFrame, value: str, labels, test: str, star_levels, opts: dict) -> pd.DataFrame:
    """Per schedule ("never", then ``labels``): n, mean and bootstrapped CI of ``value``, and a test
    against "never" (Bonferroni over the regularized schedules, ``stats.compare_to_control``); then
    every pair of regularized schedules tested against each other (Bonferroni over the pairs). One
    row per schedule, then one per pair ("late vs early": late tested against early)."""
    order = ["never", *labels]
    per = compare_to_control(table, value, group="schedule", control="never", test=test, **opts)
    per = per.set_index("schedule").reindex(order).reset_index()
    per["test"] = ["control" if name == "never" else f"{test}-test {name} vs never, Bonferroni over {len(labels)}"
                   for name in order]
    pairs = pairwise_tests(table, value, "schedule", labels, test, opts["equal_var"])
    pairs["test"] = [f"{test}-test {name}, Bonferroni over {len(pairs)} pairs" for name in pairs["schedule"]]
    out = pd.concat([per, pairs], ignore_index=True)
    out["stars"] = [stars(p, star_levels) if pd.notna(p) else "" for p in out["p_corrected"]]
    return out


def _schedule_bars(ax, table: pd.DataFrame, value: str, stats: pd.DataFrame, order, alpha: float, ylabel: str,
                   ticks=None):
    """Bars (mean), CI whiskers and one dot per network per schedule, stars against "never"; ``ticks``:
    the schedules' tick labels (default: their names)."""
    summary = stats.set_index("schedule").loc[order]
    x = np.arange(len(order))
    colors = [BASELINE_COLOR] + [alpha_colors([alpha])[alpha]] * (len(order) - 1)
    ax.bar(x, summary["mean"], color=colors, alpha=0.6)
    ax.errorbar(x, summary["mean"], yerr=[summary["mean"] - summary["ci_low"], summary["ci_high"] - summary["mean"]],
                fmt="none", color="k", capsize=4)
    for i, name in enumerate(order):
        vals = table.loc[table["schedule"] == name, value]
        ax.scatter(np.full(len(vals), i), vals, s=8, color="k", zorder=3)
        if summary["stars"].iloc[i]:
            ax.text(i, summary["ci_high"].iloc[i], summary["stars"].iloc[i], ha="center", va="bottom")
    ax.set_xticks(x, ticks or order)
    ax.set_xlabel(f"schedule (α = {alpha_label(alpha)}; never: α = 0)")
    ax.set_ylabel(ylabel)
    low, high = min(summary["ci_low"].min(), table[value].min()), max(summary["ci_high"].max(), table[value].max())
    ax.set_ylim(low - 0.1 * (high - low + 1e-9), high + 0.15 * (high - low + 1e-9))


def schedules_figure(data):
    """Final test accuracy (a, b) and test-set mean SI over layers (c, d; Eq. 3, as training
    measures it) per schedule ("never": alpha = 0; then each experiment at one alpha), in two readings
    of a run's final network: its best-validation epoch (a, c; the paper's protocol, the run's
    model) and its last epoch (b, d). Mean and bootstrapped CI over seeds, tests of ``schedule_stats``.
    The statistics also hold the epochs the runs chose, per schedule."""
    opts, options, labels = data.opts, data.options, data.params["labels"]
    table, alpha = schedule_runs(data.runs, labels, options["alpha"])
    require_last(table, "figure kind schedules (panels b and d)")
    order = ["never", *labels]
    fig, axes = new_figure(4, width=3.9)
    experiment = ",".join(map(str, table["experiment"].unique()))
    # the best-validation epoch of each run: a schedule whose runs chose an epoch before their
    # regularized epochs shows unregularized networks in panels a and c (the tick labels say which)
    chosen = table.groupby("schedule", sort=False)["best_epoch"].agg(["count", "mean", "min", "max"]).reindex(order)
    best_ticks = [f"{n}\nbest {int(lo)}–{int(hi)}" if lo != hi else f"{n}\nbest {int(lo)}"
                  for n, lo, hi in zip(order, chosen["min"], chosen["max"])]
    last_ticks = [f"{n}\nepoch {int(table['last_epoch'].max())}" for n in order]
    parts = []
    panels = [(accuracy, "test accuracy", reading) for accuracy, _, reading in READINGS]
    panels += [(si, "test-set mean SI (Eq. 3)", reading) for _, si, reading in READINGS]
    for ax, panel, (value, ylabel, reading) in zip(axes, "abcd", panels):
        stats = schedule_stats(table, value, labels, data.params["test"], data.stars, opts)
        _schedule_bars(ax, table, value, stats, order, alpha, ylabel,
                       best_ticks if reading == READINGS[0][2] else last_ticks)
        ax.set_title(f"at the {reading}", fontsize=8)
        parts.append(stat_rows(stats.assign(alpha=alpha, experiment=experiment), panel, table, value,
                               keep=("schedule",)))
    parts.append(stat_rows(pd.DataFrame({"schedule": order, "n": chosen["count"].to_numpy(),
                                         "mean": chosen["mean"].to_numpy(), "ci_low": chosen["min"].to_numpy(),
                                         "ci_high": chosen["max"].to_numpy(), "alpha": alpha, "experiment": experiment,
                                         "test": "best-validation epoch of the runs (ci_low, ci_high: min, max)"}),
                           "a", table, "best_epoch", keep=("schedule",)))
    return fig, axes, pd.concat(parts, ignore_index=True)
