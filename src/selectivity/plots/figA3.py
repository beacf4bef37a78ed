"""Figure A3: test accuracy against alpha <= 0 (a, b) and against mean class selectivity (c), VGG16."""

from .accuracy_figure import accuracy_figure

STAR_LEVELS = [(5e-3, "*"), (5e-6, "**"), (5e-60, "***")]  # the caption's thresholds


def make(inputs, out_pdf, out_csv, **params):
    return accuracy_figure(inputs, out_pdf, out_csv, sign="penalize", star_levels=STAR_LEVELS, title="Effects of reducing class selectivity on test accuracy (VGG16)", **params)
