"""Figure A11: test accuracy against |alpha| when promoting (red) or penalizing (blue) class
selectivity in ResNet20; stars: each alpha against alpha = 0, Wilcoxon rank-sum, Bonferroni."""

from .signs_figure import signs_vs_control_figure

STAR_LEVELS = [(0.05, "*"), (6e-6, "**")]  # the caption's thresholds


def make(inputs, out_pdf, out_csv, **params):
    params.pop("zoom_max_abs_alpha", None)
    return signs_vs_control_figure(inputs, out_pdf, out_csv, STAR_LEVELS,
                                   "Promoting vs penalizing class selectivity (ResNet20)", **params)
