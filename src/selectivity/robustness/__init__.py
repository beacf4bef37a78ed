"""Robustness of trained networks: the 19 corruptions of CIFAR-10-C / Tiny ImageNet-C (Hendrycks &
Dietterich 2019) and their sets, the official corrupted test sets, FGSM / PGD attacks, measures that
separate robustness from clean accuracy (drops, CE / mCE), and the dimensionality of unit-layer
representations and of the change that perturbations cause in them."""

from .attacks import accuracy_under_attack, as_pixels, fgsm, normalizer, pgd
from .corruptions import corrupt, draws
from .dimensionality import (dimensionality, layer_dimensionality, n_components, participation_ratio,
                             pca_variances)
from .measures import corruption_errors, level_measures, measures_table, network_summary
from .official import load_cifar10_c, load_corrupted, load_tiny_imagenet_c
from .params import BENCHMARK, CORRUPTIONS, EXTRA, FAMILIES, SETS, TABLES, corruption_set

__all__ = [
    "CORRUPTIONS", "BENCHMARK", "EXTRA", "SETS", "FAMILIES", "TABLES", "corruption_set", "corrupt", "draws",
    "load_corrupted", "load_cifar10_c", "load_tiny_imagenet_c",
    "fgsm", "pgd", "accuracy_under_attack", "normalizer", "as_pixels",
    "level_measures", "corruption_errors", "network_summary", "measures_table",
    "pca_variances", "n_components", "participation_ratio", "dimensionality", "layer_dimensionality",
]
