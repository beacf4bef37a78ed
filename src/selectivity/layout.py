"""The one results layout, shared by the workflow, the CLI and the analysis.

    {results_dir}/{experiment}/alpha_{alpha}/seed_{seed}/model.pt      best-val model (weights_only)
                                                        /log.csv       per-epoch log
                                                        /summary.json  test accuracy, test mean SI, ...
                                                        /train_state.pt  resume state while training
    {results_dir}/{experiment}/runs_{subset}.csv   tidy table of the runs (subset: all, penalize, promote)
    {figures_dir}/fig2.pdf, fig2.csv               figure and the numbers / p-values it shows
"""

from __future__ import annotations

import math
import re
from pathlib import Path

ALPHA_PATTERN = r"-?[0-9]+(\.[0-9]+)?(e-?[0-9]+)?"
SUBSETS = {
    "all": lambda a: True,
    "penalize": lambda a: a <= 0,  # alpha < 0 and the alpha = 0 baseline (Fig. 2)
    "promote": lambda a: a >= 0,  # alpha > 0 and the alpha = 0 baseline (Fig. 4)
}


def format_alpha(alpha: float) -> str:
    """Canonical text of an alpha in paths: -30, -0.5, 0, 0.1, 1e-05 (shortest round-trip repr)."""
    alpha = float(alpha)
    if not math.isfinite(alpha):
        raise ValueError(f"alpha must be finite, got {alpha}")
    if alpha == 0:
        return "0"
    text = repr(alpha)
    return text[:-2] if text.endswith(".0") else text


def parse_alpha(text: str) -> float:
    """Inverse of format_alpha; rejects non-canonical spellings such as -0.50 or 1.0."""
    if not re.fullmatch(ALPHA_PATTERN, text):
        raise ValueError(f"alpha {text!r} is not a number")
    alpha = float(text)
    if format_alpha(alpha) != text:
        raise ValueError(f"alpha {text!r} is not in canonical form; write {format_alpha(alpha)!r}")
    return alpha


def run_dir(results_dir: str | Path, experiment: str, alpha: float, seed: int) -> Path:
    return Path(results_dir) / experiment / f"alpha_{format_alpha(alpha)}" / f"seed_{int(seed)}"


def select_alphas(alphas: list[float], subset: str) -> list[float]:
    try:
        keep = SUBSETS[subset]
    except KeyError:
        raise ValueError(f"unknown run subset {subset!r}: choose one of {sorted(SUBSETS)}") from None
    return [a for a in alphas if keep(a)]
