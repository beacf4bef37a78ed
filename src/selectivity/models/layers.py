"""Nonlinearities used by the models (paper Sec. 4.4: ReLU or leaky ReLU with negative slope b)."""

from __future__ import annotations

from ..defaults import MODEL_OPTIONS

from torch import nn

from ..units import Unit

ACTIVATIONS = ("relu", "leaky_relu")


def make_activation(activation: str = MODEL_OPTIONS["activation"], negative_slope: float = MODEL_OPTIONS["negative_slope"]) -> nn.Module:
    if activation == "relu":
        return nn.ReLU()
    if activation == "leaky_relu":
        return nn.LeakyReLU(negative_slope)
    raise ValueError(f"unknown activation {activation!r}: choose one of {ACTIVATIONS}")


def make_unit(activation: str = MODEL_OPTIONS["activation"], negative_slope: float = MODEL_OPTIONS["negative_slope"]) -> Unit:
    """A ``Unit``-marked nonlinearity: its output is one layer of units."""
    return Unit(make_activation(activation, negative_slope))
