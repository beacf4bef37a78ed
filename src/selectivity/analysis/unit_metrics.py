"""Per-unit metrics of one run, as one tidy table (one row per unit), and their summaries per layer
and per network.

Units table: layer_index, layer, unit, si (Eq. 1 over the whole test set), dead (A.6), si_alive
(SI, NaN for dead units), precision (A.5; NaN for dead units, whose "top N images" are all ties and
so an artefact of the test-set order), preferred_class (argmax of the class-conditional means), si_null (the unit's mean SI under
shuffled test labels: ``si_null``, the level of a unit with no class information), precision_all
(precision of every unit, dead ones included: their top N images are ties, ranked by test-set
order; the reading that counts them, against ``precision``'s that leaves them out).

SI uses ``selectivity.metrics.class_selectivity``: the same definition as the training regularizer.
With ReLUs SI lies in [0, 1]; with leaky ReLUs activations can be negative, Eq. 1's denominator can
reach 0 or change sign and SI can leave [0, 1] (kept as the paper defines it; the summaries count
such units and give the median beside the mean).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..defaults import ANALYSIS, SELECTIVITY_EPS

SI_NULL_PERMUTATIONS, SI_NULL_SEED = ANALYSIS["si_null_permutations"], ANALYSIS["si_null_seed"]
from .dead import dead_units
from .quantities import LAYER_COLUMNS, NETWORK_COLUMNS, POOLED, QUANTITIES, UNIT_COLUMNS
from .precision import default_n_top, precision

def unit_table(acts, n_top: int | None = None, eps: float = SELECTIVITY_EPS, null_permutations: int = SI_NULL_PERMUTATIONS,
               null_seed: int = SI_NULL_SEED) -> pd.DataFrame:
    """acts: ``selectivity.analysis.activations.Activations``. One row per unit (UNIT_COLUMNS);
    si_null over ``null_permutations`` label permutations drawn with ``null_seed`` (0: NaN)."""
    import torch  # here, so that the tables (layer_summary) load without torch

    from ..metrics import class_conditional_means, class_selectivity
    from .si_null import label_permutations, shuffled_label_si

    n_top = n_top or default_n_top(acts.labels, acts.num_classes)
    labels = torch.from_numpy(acts.labels)
    perms = label_permutations(len(labels), null_permutations, null_seed)
    frames = []
    for i, (name, a) in enumerate(acts.layers.items()):
        a64 = torch.from_numpy(np.asarray(a, dtype=np.float64))
        si = class_selectivity(a64, labels, acts.num_classes, eps).numpy()
        means, _ = class_conditional_means(a64, labels, acts.num_classes)
        dead = dead_units(a)
        prec = precision(a, acts.labels, acts.num_classes, n_top)
        frames.append(pd.DataFrame({
            "layer_index": i, "layer": name, "unit": np.arange(a.shape[1]), "si": si, "dead": dead,
            "si_alive": np.where(dead, np.nan, si), "precision": np.where(dead, np.nan, prec),
            "preferred_class": means.argmax(0).numpy(),
            "si_null": shuffled_label_si(a64, labels, acts.num_classes, perms, eps).numpy(), "precision_all": prec,
        }))
    return pd.concat(frames, ignore_index=True)[UNIT_COLUMNS]


def _outside_unit_interval(si: pd.Series) -> pd.Series:
    return (si < 0) | (si > 1)


def layer_summary(units: pd.DataFrame) -> pd.DataFrame:
    """Per layer (LAYER_COLUMNS): n_units, every quantity's summary over the layer's units (mean SI,
    median SI, mean SI and mean precision of the live units, fraction of dead units, mean SI under
    shuffled labels, mean precision of all units) and how many units have SI outside [0, 1]."""
    units = units.assign(si_outside=_outside_unit_interval(units["si"]))
    g = units.groupby(["layer_index", "layer"], sort=True)
    out = g.agg(n_units=("unit", "size"), **{q.summary: (q.column, q.how) for q in QUANTITIES.values()},
                n_si_outside=("si_outside", "sum")).reset_index()
    return out[LAYER_COLUMNS]


def network_summary(units: pd.DataFrame) -> dict:
    """One run's network-level values (NETWORK_COLUMNS), in the two readings of "mean over the
    network": Eq. 3's mean over layers of each layer's value (mean_si, ...: the regularizer's
    mu_SI) and the value over all units pooled (units_mean_si, ...). Dead units are left out of
    the *_alive and precision values; a layer with no live unit is left out of their layer means."""
    layers = layer_summary(units)
    values = {q.summary: float(layers[q.summary].mean(skipna=True)) for q in QUANTITIES.values()}
    values.update({POOLED + q.summary: float(units[q.column].agg(q.how)) for q in QUANTITIES.values()})
    values.update(n_units=int(len(units)), n_si_outside=int(_outside_unit_interval(units["si"]).sum()))
    return {c: values[c] for c in NETWORK_COLUMNS}
