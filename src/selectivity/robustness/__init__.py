"""Robustness of trained networks: corruptions (CIFAR-10-C / Tiny ImageNet-C, Hendrycks & Dietterich
2019), the official corrupted test sets, FGSM / PGD attacks, and the dimensionality of unit-layer
representations and of the change a perturbation causes in them."""

from .attacks import accuracy_under_attack, as_pixels, fgsm, normalizer, pgd
from .corruptions import corrupt
from .dimensionality import (dimensionality, layer_dimensionality, n_components, participation_ratio,
                             pca_variances)
from .official import load_cifar10_c, load_corrupted, load_tiny_imagenet_c
from .params import CORRUPTIONS, FAMILIES, TABLES

__all__ = [
    "CORRUPTIONS", "FAMILIES", "TABLES", "corrupt", "load_corrupted", "load_cifar10_c", "load_tiny_imagenet_c",
    "fgsm", "pgd", "accuracy_under_attack", "normalizer", "as_pixels",
    "pca_variances", "n_components", "participation_ratio", "dimensionality", "layer_dimensionality",
]
