"""Which table column a figure plots for a quantity, and the axis label that says what it is.

A network's value of a per-unit quantity has two readings (config key ``analysis.network_mean``):
"layers" = Eq. 3, the mean over layers of each layer's mean (columns mean_si, ... of the runs
table) and "units" = the mean over all units pooled (columns units_mean_si, ...); the quantities,
their columns and nouns are ``analysis.quantities.QUANTITIES``. Every figure
reads its network values through ``network_column`` and labels its axes with ``network_label``,
so one switch changes all figures and every axis says which reading it shows.
"""

from __future__ import annotations

from ..analysis.quantities import POOLED, QUANTITIES

NETWORK_MEAN_TEXT = {"layers": "mean of layer means", "units": "mean over all units"}
NETWORK_MEDIAN_TEXT = {"layers": "mean of layer medians", "units": "median over all units"}


def _check(quantity: str, reading: str) -> None:
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r}: choose one of {sorted(QUANTITIES)}")
    if reading not in NETWORK_MEAN_TEXT:
        raise ValueError(f"unknown network mean {reading!r}: choose one of {sorted(NETWORK_MEAN_TEXT)}")


def network_column(quantity: str, reading: str) -> str:
    """The runs-table column of a network's value: network_column("si", "units") == "units_mean_si"."""
    _check(quantity, reading)
    column = QUANTITIES[quantity].summary
    return column if reading == "layers" else POOLED + column


def network_label(quantity: str, reading: str) -> str:
    """Axis label: "class selectivity index (mean of layer means)"."""
    _check(quantity, reading)
    how = (NETWORK_MEDIAN_TEXT if QUANTITIES[quantity].how == "median" else NETWORK_MEAN_TEXT)[reading]
    return f"{QUANTITIES[quantity].noun} ({how})"


def layer_column(quantity: str) -> str:
    _check(quantity, "layers")
    return QUANTITIES[quantity].summary


def layer_label(quantity: str) -> str:
    noun = QUANTITIES[quantity].noun
    return noun if quantity == "dead_fraction" else f"mean {noun} per layer"
