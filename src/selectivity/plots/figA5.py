"""Figure A5: test accuracy against alpha >= 0 (a, b) and against mean class selectivity (c), VGG16."""

from .accuracy_figure import accuracy_figure

STAR_LEVELS = [(0.05, "*"), (5e-4, "**"), (9e-6, "***")]  # the caption's thresholds


def make(inputs, out_pdf, out_csv, **params):
    return accuracy_figure(inputs, out_pdf, out_csv, sign="promote", star_levels=STAR_LEVELS, title="Effects of increasing class selectivity on test accuracy (VGG16)", **params)
