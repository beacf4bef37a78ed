"""A plain-text summary of runs tables: per experiment and alpha, the mean and standard deviation
over seeds of test accuracy and of the network's class selectivity, and the machine it ran on.
The README's numbers are this command's output (``selectivity summarize``; per epoch:
``selectivity summarize-epochs``)."""

from __future__ import annotations

import platform

from .defaults import ANALYSIS
from .plots.quantities import network_column, network_label
from .files.runs import read_runs


def machine() -> str:
    import os

    import torch

    return (f"{platform.machine()}{f' ({cpu_model()})' if cpu_model() else ''}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, torch {torch.__version__}")


def cpu_model() -> str:
    """The CPU's model name (Linux), '' where it cannot be read: numbers trained on CPU depend on it."""
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        return ""


def summarize(paths, network_mean: str = ANALYSIS["network_mean"]) -> str:
    """One line per (experiment, alpha): n, test accuracy and SI as mean ± SD over seeds."""
    si = network_column("si", network_mean)
    lines = [f"SI: {network_label('si', network_mean)}; mean ± SD over seeds"]
    for path in paths:
        runs = read_runs(path)
        lines.append(f"{path}:")
        lines.append(f"  {'experiment':20} {'alpha':>7} {'n':>3}  {'test accuracy (%)':>18}  {'SI':>15}  best epoch")
        for (exp, alpha), g in runs.groupby(["experiment", "alpha"], sort=True):
            acc, s = g["test_accuracy"] * 100, g[si]
            lines.append(f"  {exp:20} {alpha:>7g} {len(g):>3}  {acc.mean():>9.1f} ± {acc.std(ddof=1) if len(g) > 1 else 0:>5.1f}"
                         f"  {s.mean():>7.3f} ± {s.std(ddof=1) if len(g) > 1 else 0:.3f}  {g['best_epoch'].median():>6g}")
    lines.append(f"machine: {machine()}")
    return "\n".join(lines)



def epochs_summary(path) -> str:
    """An experiment's per-epoch table (epochs_all.csv): one line per (alpha, epoch), the probe's
    network mean SI (Eq. 3) and accuracy as mean ± SD over seeds, and the epoch's alpha."""
    from .files.epochs import NETWORK, read_epochs

    table = read_epochs(path)
    network = table[table["layer"] == NETWORK]
    size = int(network["probe_size"].iloc[0])
    lines = [f"{path}: the probe's network mean SI (Eq. 3) and accuracy after each epoch (0: initialized), "
             f"{size} validation images; mean ± SD over seeds",
             f"  {'experiment':20} {'alpha':>7} {'epoch':>5} {'epoch α':>8} {'n':>3}  {'SI':>15}  {'probe accuracy (%)':>18}"]
    for (exp, alpha, epoch), g in network.groupby(["experiment", "alpha", "epoch"], sort=True):
        sd = (lambda v: v.std(ddof=1)) if len(g) > 1 else (lambda v: float("nan"))
        acc = g["probe_accuracy"] * 100
        epoch_alpha = ", ".join(f"{a:g}" for a in sorted(set(g["epoch_alpha"])))
        lines.append(f"  {exp:20} {alpha:>7g} {epoch:>5} {epoch_alpha:>8} {len(g):>3}  {g['mean_si'].mean():>7.3f} ± "
                     f"{sd(g['mean_si']):.3f}  {acc.mean():>9.1f} ± {sd(acc):>5.1f}")
    return "\n".join(lines)


def similarity_ratios(path) -> str:
    """Figure 3's distance ratios from its statistics CSV, one line per (measure, reading, alpha):
    the ratio over layers (mean and CI over networks), the layers whose mean ratio is above 1, and
    the paired t-test's p (uncorrected and Bonferroni-corrected over the alphas)."""
    import pandas as pd

    from .inputs import read_csv

    stats = read_csv(path, ["panel", "quantity", "alpha", "mean", "ci_low", "ci_high", "p", "p_corrected", "n",
                            "measure", "reading", "rows"])
    ratios = stats[stats["quantity"] == "distance_ratio"]
    layers = stats[stats["quantity"] == "distance_ratio_layer"]
    above = layers.assign(up=layers["mean"] > 1).groupby(["measure", "reading", "alpha"])["up"].agg(["sum", "size"])
    rows = layers.groupby(["measure", "reading"])["rows"].agg(["min", "max"])
    lines = [f"{path}: distance ratio rho(alpha, alpha0) : rho(alpha, alpha), mean over layers; mean [CI] over networks",
             f"  {'measure':12} {'reading':10} {'rows':>13} {'alpha':>6} {'n':>3}  {'ratio':>6} {'CI':>15}  "
             f"{'layers > 1':>10}  {'p':>8}  {'p corr.':>8}"]
    from .names import SIMILARITY_READINGS
    from .similarity import MEASURES

    order = {name: i for i, name in enumerate([*MEASURES, *SIMILARITY_READINGS])}
    ratios = ratios.sort_values(["measure", "reading", "alpha"], key=lambda c: c.map(order) if c.name != "alpha" else c)
    for r in ratios.itertuples():
        up = above.loc[(r.measure, r.reading, r.alpha)]
        n_up = f"{up['sum']}/{up['size']}"
        lo, hi = (int(v) for v in rows.loc[(r.measure, r.reading)])
        span = f"{lo:,}-{hi:,}"
        ci = f"[{r.ci_low:.2f}, {r.ci_high:.2f}]"
        lines.append(f"  {r.measure:12} {r.reading:10} {span:>13} {r.alpha:>6g} {r.n:>3}  {r.mean:>6.2f} {ci:>15}  "
                     f"{n_up:>10}  {r.p:>8.2g}  {r.p_corrected:>8.2g}")
    return "\n".join(lines) if not pd.isna(ratios["mean"]).all() else "\n".join(lines[:1] + ["  (no ratios)"])
