"""Per-unit metrics of one run, as one tidy table (one row per unit):

layer_index, layer, unit, si (Eq. 1 over the whole test set), dead (A.6), si_alive (SI, NaN for
dead units), precision (A.5), preferred_class (argmax of the class-conditional means).

SI uses ``selectivity.metrics.class_selectivity``: the same definition as the training regularizer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dead import dead_units
from .precision import default_n_top, precision

UNIT_COLUMNS = ["layer_index", "layer", "unit", "si", "dead", "si_alive", "precision", "preferred_class"]


def unit_table(acts, n_top: int | None = None, eps: float = 1e-7) -> pd.DataFrame:
    """acts: ``selectivity.analysis.activations.Activations``. One row per unit (UNIT_COLUMNS)."""
    import torch  # here, so that the tables (layer_summary) load without torch

    from ..metrics import class_conditional_means, class_selectivity

    n_top = n_top or default_n_top(acts.labels, acts.num_classes)
    labels = torch.from_numpy(acts.labels)
    frames = []
    for i, (name, a) in enumerate(acts.layers.items()):
        a64 = torch.from_numpy(np.asarray(a, dtype=np.float64))
        si = class_selectivity(a64, labels, acts.num_classes, eps).numpy()
        means, _ = class_conditional_means(a64, labels, acts.num_classes)
        dead = dead_units(a)
        frames.append(pd.DataFrame({
            "layer_index": i, "layer": name, "unit": np.arange(a.shape[1]), "si": si, "dead": dead,
            "si_alive": np.where(dead, np.nan, si),
            "precision": precision(a, acts.labels, acts.num_classes, n_top),
            "preferred_class": means.argmax(0).numpy(),
        }))
    return pd.concat(frames, ignore_index=True)[UNIT_COLUMNS]


def layer_summary(units: pd.DataFrame) -> pd.DataFrame:
    """Per layer: n_units, mean_si, mean_si_alive (over live units), mean_precision, dead_fraction."""
    g = units.groupby(["layer_index", "layer"], sort=True)
    return g.agg(n_units=("unit", "size"), mean_si=("si", "mean"), mean_si_alive=("si_alive", "mean"),
                 mean_precision=("precision", "mean"), dead_fraction=("dead", "mean")).reset_index()


def network_summary(layers: pd.DataFrame) -> dict:
    """Network-level means (Eq. 3 style: the mean over layers of the per-layer means). Layers whose
    units are all dead are left out of mean_si_alive."""
    return {
        "mean_si": float(layers["mean_si"].mean()),
        "mean_si_alive": float(layers["mean_si_alive"].mean(skipna=True)),
        "mean_precision": float(layers["mean_precision"].mean()),
        "dead_fraction": float(layers["dead_fraction"].mean()),
    }
