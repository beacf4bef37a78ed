"""The per-unit quantities of a run and how each is summarized: one entry per quantity, from which
the units, layers and runs tables take their columns, the summaries their aggregation and the
figures their axis nouns (``plots.quantities``). Imports nothing: the tables' formats read it.

A quantity is a column of the units table (one row per unit); per layer it is aggregated over the
layer's units (``how``: "mean" or "median", NaN left out: the dead units of ``si_alive`` and
``precision``) into the column ``summary`` of the layers table; per network it has two readings
(config key ``analysis.network_mean``): "layers" = Eq. 3, the mean over layers of the per-layer
values (runs-table column ``summary``), and "units" = the same aggregation over all units of the
network pooled (column ``POOLED + summary``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quantity:
    column: str  # the units-table column
    summary: str  # the layers-table and runs-table column
    how: str  # "mean" or "median" over units
    noun: str  # what an axis says it is


QUANTITIES = {
    "si": Quantity("si", "mean_si", "mean", "class selectivity index"),
    "median_si": Quantity("si", "median_si", "median", "class selectivity index"),
    "si_alive": Quantity("si_alive", "mean_si_alive", "mean", "class selectivity index, live units"),
    "precision": Quantity("precision", "mean_precision", "mean", "precision, live units"),
    "dead_fraction": Quantity("dead", "dead_fraction", "mean", "proportion of dead units"),
    "si_null": Quantity("si_null", "mean_si_null", "mean", "class selectivity index under shuffled labels"),
    "precision_all": Quantity("precision_all", "mean_precision_all", "mean", "precision, all units"),
}
POOLED = "units_"  # prefix of a runs-table column in the "units" reading

# The units and layers tables keep the column order of tables written before this registry
# existed; a new quantity's columns append.
UNIT_COLUMNS = ["layer_index", "layer", "unit", "si", "dead", "si_alive", "precision", "preferred_class", "si_null",
                "precision_all"]
UNIT_COLUMNS += [c for c in dict.fromkeys(q.column for q in QUANTITIES.values()) if c not in UNIT_COLUMNS]
LAYER_COLUMNS = ["layer_index", "layer", "n_units", "mean_si", "median_si", "mean_si_alive", "mean_precision",
                 "dead_fraction", "n_si_outside", "mean_si_null", "mean_precision_all"]
LAYER_COLUMNS += [q.summary for q in QUANTITIES.values() if q.summary not in LAYER_COLUMNS]
NETWORK_COLUMNS = [*(q.summary for q in QUANTITIES.values()), *(POOLED + q.summary for q in QUANTITIES.values()),
                   "n_units", "n_si_outside"]
