"""Robustness of trained networks: the 19 corruptions of CIFAR-10-C / Tiny ImageNet-C (Hendrycks &
Dietterich 2019) and their sets, the official corrupted test sets, FGSM / PGD attacks, measures that
separate robustness from clean accuracy (drops, CE / mCE), and the dimensionality of unit-layer
representations and of the change that perturbations cause in them.

The names below load their module on first use (``selectivity.lazy``).
"""

from ..lazy import lazy_exports

_EXPORTS = {
    "accuracy_under_attack": "attacks", "as_pixels": "attacks", "fgsm": "attacks", "normalizer": "attacks",
    "pgd": "attacks",
    "corrupt": "corruptions", "draws": "corruptions",
    "dimensionality": "dimensionality", "layer_dimensionality": "dimensionality", "n_components": "dimensionality",
    "participation_ratio": "dimensionality", "pca_variances": "dimensionality",
    "corruption_errors": "measures", "level_measures": "measures", "measures_table": "measures",
    "network_summary": "measures",
    "load_cifar10_c": "official", "load_corrupted": "official", "load_tiny_imagenet_c": "official",
    "BENCHMARK": "params", "CORRUPTIONS": "params", "EXTRA": "params", "FAMILIES": "params", "SETS": "params",
    "TABLES": "params", "corruption_set": "params",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
