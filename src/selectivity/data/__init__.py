"""Datasets, prepared once into one compact .npz with a fixed train / val / test split.

=============  ==========================================  =======================  ==================
name           source                                      split (train/val/test)   augmentation default
=============  ==========================================  =======================  ==================
cifar10        official cifar-10-python.tar.gz (MD5 check)  45k / 5k / 10k           crop pad 4 + h-flip
fashion_mnist  four IDX files (payload MD5 check)          55k / 5k / 10k           crop pad 2 + h-flip
tiny_imagenet  official tiny-imagenet-200.zip (MD5 check)  90k / 10k / 10k (val)    crop pad 8 + h-flip
digits         scikit-learn's bundled 8x8 digits           70% / 10% / 20%          crop pad 1, no flip
synthetic      tiny archive in CIFAR-10 format (tests)     90% / 10% / official     crop pad 4 + h-flip
=============  ==========================================  =======================  ==================

Validation (and for digits, test) splits are stratified random draws fixed by ``split_seed``
(Tiny ImageNet: 50 images per class; its labelled val images are the test set). A run may train on
a fixed subset or draw its own validation images: ``selectivity.data.run_splits``.

The datasets are the entries of ``registry.DATASETS`` (reader, augmentation and split defaults,
options); ``prepare.prepare_dataset`` reads one through its entry. The names below load their
module on first use (``selectivity.lazy``), so ``import selectivity.data.registry`` (the
workflow's) imports no numpy or torch.
"""

from ..lazy import lazy_exports

_EXPORTS = {
    "DATASETS": "registry", "dataset_spec": "registry",
    "DatasetError": "errors",
    "PreparedData": "prepared", "load_prepared": "prepared",
    "prepare_dataset": "prepare",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
