"""Which table column a figure plots for a quantity, and the axis label that says what it is.

A network's value of a per-unit quantity has two readings (config key ``analysis.network_mean``):
"layers" = Eq. 3, the mean over layers of each layer's mean (columns mean_si, ... of the runs
table) and "units" = the mean over all units pooled (columns units_mean_si, ...). Every figure
reads its network values through ``network_column`` and labels its axes with ``network_label``,
so one switch changes all figures and every axis says which reading it shows.
"""

from __future__ import annotations

QUANTITIES = {  # quantity -> (runs-table column in the "layers" reading, layers-table column, axis noun)
    "si": ("mean_si", "mean_si", "class selectivity index"),
    "median_si": ("median_si", "median_si", "class selectivity index"),
    "si_alive": ("mean_si_alive", "mean_si_alive", "class selectivity index, live units"),
    "precision": ("mean_precision", "mean_precision", "precision, live units"),
    "dead_fraction": ("dead_fraction", "dead_fraction", "proportion of dead units"),
    "si_null": ("mean_si_null", "mean_si_null", "class selectivity index under shuffled labels"),
    "precision_all": ("mean_precision_all", "mean_precision_all", "precision, all units"),
}
READINGS = {"layers": "mean of layer means", "units": "mean over all units"}
MEDIAN_READINGS = {"layers": "mean of layer medians", "units": "median over all units"}


def _check(quantity: str, reading: str) -> None:
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r}: choose one of {sorted(QUANTITIES)}")
    if reading not in READINGS:
        raise ValueError(f"unknown network mean {reading!r}: choose one of {sorted(READINGS)}")


def network_column(quantity: str, reading: str) -> str:
    """The runs-table column of a network's value: network_column("si", "units") == "units_mean_si"."""
    _check(quantity, reading)
    column = QUANTITIES[quantity][0]
    return column if reading == "layers" else f"units_{column}"


def network_label(quantity: str, reading: str) -> str:
    """Axis label: "class selectivity index (mean of layer means)"."""
    _check(quantity, reading)
    how = (MEDIAN_READINGS if quantity == "median_si" else READINGS)[reading]
    return f"{QUANTITIES[quantity][2]} ({how})"


def layer_column(quantity: str) -> str:
    _check(quantity, "layers")
    return QUANTITIES[quantity][1]


def layer_label(quantity: str) -> str:
    noun = QUANTITIES[quantity][2]
    return noun if quantity == "dead_fraction" else f"mean {noun} per layer"
