"""The paper's visual language: negative alpha in blues, positive alpha in reds, intensity by |alpha|;
alpha = 0 in dark grey."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..io import atomic_path  # noqa: E402
from ..layout import format_alpha  # noqa: E402

BASELINE_COLOR = "0.25"


def alpha_colors(alphas) -> dict[float, tuple]:
    """Colour of each alpha: Blues for alpha < 0, Reds for alpha > 0, darker for larger |alpha|
    (log scale over the magnitudes present)."""
    mags = sorted({abs(a) for a in alphas if a != 0})
    lo, hi = (math.log(mags[0]), math.log(mags[-1])) if mags else (0.0, 0.0)
    colors = {}
    for a in alphas:
        if a == 0:
            colors[a] = matplotlib.colors.to_rgba(BASELINE_COLOR)
            continue
        t = 0.5 if hi == lo else (math.log(abs(a)) - lo) / (hi - lo)
        cmap = plt.get_cmap("Blues" if a < 0 else "Reds")
        colors[a] = cmap(0.35 + 0.6 * t)
    return colors


def alpha_label(alpha: float) -> str:
    return format_alpha(alpha)


def new_figure(ncols: int, width: float = 5.0, height: float = 4.2, ratios=None):
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False,
                             gridspec_kw={"width_ratios": ratios} if ratios else None)
    return fig, list(axes[0])


def finish(fig, axes, title: str, out_pdf, out_csv, stats) -> None:
    """Panel letters, title, then the statistics CSV and the PDF (both atomic). axes: the panels in
    order (lettered a, b, ...), or (letter, panel) pairs where a figure letters them itself."""
    from ..io import write_csv

    pairs = [item if isinstance(item, tuple) else ("abcdefghijklmnopqrstuvwxyz"[i], item) for i, item in enumerate(axes)]
    for letter, ax in pairs:
        ax.set_title(letter, loc="left", fontweight="bold")
    fig.suptitle(title, fontsize=10)
    lines = title.count("\n") + 1  # keep the panels below the title: about 0.17 in per line of 10 pt
    fig.tight_layout(rect=(0, 0, 1, 1 - (0.17 * lines + 0.05) / fig.get_figheight()))
    write_csv(stats, out_csv)
    save_pdf(fig, out_pdf)


def save_pdf(fig, path: str | Path) -> None:
    """Save atomically, without a creation date so identical figures give identical files."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="pdf", bbox_inches="tight", metadata={"CreationDate": None})
    plt.close(fig)
