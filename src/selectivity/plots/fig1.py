"""Figure 1: mean class selectivity per layer (a) and over the network (b) for alpha <= 0 (ResNet20)."""

from .selectivity_figure import selectivity_figure


def make(inputs, out_pdf, out_csv, **params):
    return selectivity_figure(inputs, out_pdf, out_csv, sign="penalize", metric="mean_si", title="Manipulating class selectivity by regularizing against it (ResNet20)", **params)
