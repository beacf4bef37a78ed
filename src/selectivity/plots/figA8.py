"""Figure A8: mean precision (A.5) per layer (a) and over the network (b) for alpha >= 0 (ResNet20)."""

from .selectivity_figure import selectivity_figure


def make(inputs, out_pdf, out_csv, **params):
    return selectivity_figure(inputs, out_pdf, out_csv, sign="promote", metric="mean_precision", title="Regularizing for class selectivity, measured by precision (ResNet20)", **params)
