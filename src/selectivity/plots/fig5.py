"""Figure 5: promoting vs penalizing class selectivity (ResNet20): (a) test accuracy against |alpha|
for alpha < 0 (blue) and alpha > 0 (red), Wilcoxon rank-sum at equal |alpha|; (b) test accuracy
against mean class selectivity for every alpha."""

from .signs_figure import signs_figure

STAR_LEVELS = [(6e-6, "**")]  # the caption's threshold


def make(inputs, out_pdf, out_csv, **params):
    return signs_figure(inputs, out_pdf, out_csv, STAR_LEVELS,
                        "Increasing class selectivity harms test accuracy more than reducing it (ResNet20)",
                        second_panel="selectivity", **params)
