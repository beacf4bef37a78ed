"""Figure A4: mean class selectivity per layer (a) and over the network (b) for alpha >= 0 (VGG16)."""

from .selectivity_figure import selectivity_figure


def make(inputs, out_pdf, out_csv, **params):
    return selectivity_figure(inputs, out_pdf, out_csv, sign="promote", metric="mean_si", title="Regularizing to increase class selectivity (VGG16)", **params)
