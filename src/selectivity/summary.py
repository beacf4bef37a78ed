"""A plain-text summary of runs tables: per experiment and alpha, the mean and standard deviation
over seeds of test accuracy and of the network's class selectivity, and the machine it ran on.
The README's numbers are this command's output (``selectivity summarize``)."""

from __future__ import annotations

import platform

from .plots.quantities import network_column, network_label
from .tables import read_runs


def machine() -> str:
    import os

    import torch

    return (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"torch {torch.__version__}")


def summarize(paths, network_mean: str = "layers") -> str:
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

