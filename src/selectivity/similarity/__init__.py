"""Representational similarity between two networks' activations, as distances.

Every function takes activations shaped ``[datapoints, neurons]`` (rows: the same datapoints, in
the same order, for both sides; the neuron counts may differ) and returns a distance, 0 for
identical representations:

- ``pwcca_distance``: 1 - projection-weighted CCA similarity (Morcos et al. 2018; the paper's
  measure, A.2); invariant to invertible linear (affine) maps of either side. In [0, 1].
- ``cka_distance``: 1 - linear CKA (Kornblith et al. 2019), ``debiased=True`` for the unbiased
  HSIC estimator; invariant to orthogonal maps and isotropic scaling. In [0, 1] (debiased: can
  leave it slightly).
- ``procrustes_distance``: orthogonal Procrustes distance on centred, unit-Frobenius-norm
  representations (Ding et al. 2021), 2 - 2 ||X^T Y||_*; ``angular=True`` for arccos ||X^T Y||_*.
  Invariant to orthogonal maps and isotropic scaling. In [0, 2].

For many pairs (every pair of many networks), ``prepare`` each side once and call ``distances``:
a pair then costs one cross product X^T Y, shared by every measure. For data too large to hold,
``minibatch_cka`` accumulates linear CKA over batches (Nguyen et al. 2021; memory: one batch).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..defaults import ANALYSIS
from .cka import cka_from_products, minibatch_cka
from .procrustes import procrustes_from_products
from .pwcca import DEFAULT_EPSILON, PwccaSide, pwcca_pair, pwcca_side

MEASURES = {
    "pwcca": "PWCCA distance, 1 - projection-weighted CCA similarity (Morcos et al. 2018)",
    "cka": "linear CKA distance, 1 - CKA (Kornblith et al. 2019)",
    "cka_debiased": "debiased linear CKA distance, 1 - CKA with the unbiased HSIC estimator",
    "procrustes": "orthogonal Procrustes distance, 2 - 2 ||X^T Y||_* on centred, normalized sides (Ding et al. 2021)",
}
DEFAULT_MEASURES = ANALYSIS["similarity_measures"]  # the config's analysis.similarity_measures, ...
DEFAULT_ROWS_PER_NEURON = ANALYSIS["rows_per_neuron"]
DEFAULT_MIN_ROWS = ANALYSIS["min_rows"]


def rows_wanted(neurons: int, rows_per_neuron: int = DEFAULT_ROWS_PER_NEURON, min_rows: int = DEFAULT_MIN_ROWS) -> int:
    """The datapoints the row rule asks for a layer of ``neurons`` neurons: max(min_rows,
    rows_per_neuron x neurons) (a layer with fewer available gets all it has)."""
    return max(int(min_rows), int(rows_per_neuron) * int(neurons))


@dataclass
class Side:
    """One representation prepared for pairs. m datapoints, n neurons."""

    centered: np.ndarray  # [m, n] float64, each neuron minus its mean
    gram: np.ndarray  # [n, n] centered.T @ centered
    row_sq: np.ndarray  # [m] squared norms of the centred datapoints (debiased CKA)
    pwcca: PwccaSide | None  # PWCCA's whitening (None unless asked for)

    @property
    def m(self) -> int:
        return self.centered.shape[0]

    @property
    def sq_norm(self) -> float:
        return float(np.trace(self.gram))


def _as_rows(x, name: str = "x") -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1:
        raise ValueError(f"{name} must be [datapoints, neurons] with at least 2 datapoints, got shape {x.shape}")
    return x


def prepare(x, measures=DEFAULT_MEASURES, epsilon: float = DEFAULT_EPSILON) -> Side:
    """Prepare one side x [datapoints, neurons] for ``distances`` under ``measures``. PWCCA needs
    fewer neurons than datapoints (ValueError otherwise)."""
    unknown = set(measures) - set(MEASURES)
    if unknown:
        raise ValueError(f"unknown similarity measures {sorted(unknown)}; known: {list(MEASURES)}")
    x = _as_rows(x)
    mean = x.mean(axis=0)
    centered = x - mean
    gram = centered.T @ centered
    pw = pwcca_side(centered, mean, gram, epsilon) if "pwcca" in measures else None
    return Side(centered=centered, gram=gram, row_sq=np.einsum("ij,ij->i", centered, centered), pwcca=pw)


def distances(a: Side, b: Side, measures=DEFAULT_MEASURES) -> dict[str, float]:
    """{measure: distance} of two prepared sides over the same datapoints."""
    if a.m != b.m:
        raise ValueError(f"the two sides have different datapoints: {a.m} vs {b.m}")
    cross = a.centered.T @ b.centered
    out = {}
    for measure in measures:
        if measure == "pwcca":
            if a.pwcca is None or b.pwcca is None:
                raise ValueError("prepare both sides with 'pwcca' among the measures")
            out[measure] = pwcca_pair(a.pwcca, b.pwcca, cross)
        elif measure in ("cka", "cka_debiased"):
            out[measure] = 1.0 - cka_from_products(cross, a.gram, b.gram, a.row_sq, b.row_sq,
                                                   debiased=measure == "cka_debiased")
        elif measure == "procrustes":
            out[measure] = procrustes_from_products(cross, a.sq_norm, b.sq_norm)
        else:
            raise ValueError(f"unknown similarity measure {measure!r}; known: {list(MEASURES)}")
    return out


def pwcca_distance(x, y, epsilon: float = DEFAULT_EPSILON) -> float:
    """PWCCA distance of x [m, p] and y [m, q] (p, q < m): 0 for inputs related by an invertible
    affine map, up to 1."""
    return distances(prepare(x, ("pwcca",), epsilon), prepare(y, ("pwcca",), epsilon), ("pwcca",))["pwcca"]


def linear_cka(x, y, debiased: bool = False) -> float:
    """Linear CKA similarity of x [m, p] and y [m, q] (1 for identical inputs)."""
    a, b = prepare(x, ()), prepare(y, ())
    return cka_from_products(a.centered.T @ b.centered, a.gram, b.gram, a.row_sq, b.row_sq, debiased)


def cka_distance(x, y, debiased: bool = False) -> float:
    """1 - linear CKA of x [m, p] and y [m, q]."""
    return 1.0 - linear_cka(x, y, debiased)


def procrustes_distance(x, y, angular: bool = False) -> float:
    """Orthogonal Procrustes distance of x [m, p] and y [m, q] (see the module docstring)."""
    a, b = prepare(x, ()), prepare(y, ())
    return procrustes_from_products(a.centered.T @ b.centered, a.sq_norm, b.sq_norm, angular)


__all__ = ["minibatch_cka", "MEASURES", "DEFAULT_MEASURES", "DEFAULT_EPSILON", "rows_wanted", "Side", "prepare", "distances", "pwcca_distance",
           "linear_cka", "cka_distance", "procrustes_distance"]
