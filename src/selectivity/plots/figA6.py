"""Figure A6: promoting vs penalizing class selectivity in VGG16: (a) test accuracy against |alpha|
for both signs, (b) the same for small |alpha|; Wilcoxon rank-sum at equal |alpha|."""

from .signs_figure import signs_figure

STAR_LEVELS = [(0.05, "*"), (1e-3, "**"), (1e-6, "***")]  # the caption's thresholds


def make(inputs, out_pdf, out_csv, **params):
    return signs_figure(inputs, out_pdf, out_csv, STAR_LEVELS,
                        "Regularizing to promote vs penalize class selectivity (VGG16)", second_panel="zoom", **params)
