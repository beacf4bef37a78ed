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
"""

from __future__ import annotations

from pathlib import Path

from . import cifar10, digits, fashion_mnist, synthetic, tiny_imagenet
from ..defaults import DATASET
from .errors import DatasetError
from ..names import DATASETS as NAMES
from .prepared import PreparedData, load_prepared, save_prepared, split_indices

AUGMENT_DEFAULTS = {
    "cifar10": {"crop_padding": 4, "hflip": True},
    "synthetic": {"crop_padding": 4, "hflip": True},
    "fashion_mnist": {"crop_padding": 2, "hflip": True},
    "tiny_imagenet": {"crop_padding": 8, "hflip": True},  # CIFAR's 4 of 32 pixels, scaled to 64
    "digits": {"crop_padding": 1, "hflip": False},
}
DATASETS = NAMES  # the readers above cover exactly these (a test checks)


def _with_val(name, raw: dict, val_size, split_seed: int, meta: dict) -> tuple:
    x, y = raw["train"]
    idx = split_indices(y, {"val": val_size}, split_seed)
    splits = {"train": (x[idx["train"]], y[idx["train"]]), "val": (x[idx["val"]], y[idx["val"]]), "test": raw["test"]}
    meta = dict(meta, split_seed=split_seed, val_source_indices=idx["val"].tolist())
    return name, raw["classes"], splits, meta


def prepare_dataset(
    name: str,
    out: str | Path,
    source: str | None = None,
    raw_dir: str | Path | None = None,
    split_seed: int = DATASET["split_seed"],
    val_size: int | float | None = None,
    test_size: float = 0.2,
    synthetic_per_batch: int = DATASET["synthetic_per_batch"],
    synthetic_test_size: int = DATASET["synthetic_test_size"],
    md5: str | None = None,
) -> PreparedData:
    """Read dataset ``name`` from its source, split it, and write the prepared .npz to ``out``.

    source: local archive / directory (cifar10, fashion_mnist, tiny_imagenet, synthetic); None =
    download (or, for fashion_mnist, Debian's copy if installed; for synthetic, generate next to ``out``).
    val_size: validation images (int) or fraction (float); default 5000 (cifar10, fashion_mnist),
    10000 (tiny_imagenet: 50 per class), 10%.
    md5: tiny_imagenet only: the archive's expected MD5 (None: the published one).
    """
    out = Path(out)
    raw_dir = Path(raw_dir) if raw_dir else out.parent / "raw"
    augment = AUGMENT_DEFAULTS.get(name)
    if augment is None:
        raise ValueError(f"unknown dataset {name!r}: choose one of {list(DATASETS)}")
    meta = {"augment_defaults": augment}
    if md5 is not None and name != "tiny_imagenet":
        raise ValueError(f"md5 is an option of tiny_imagenet only, not of {name}")
    if name == "cifar10":
        archive = cifar10.locate(source, raw_dir)
        args = _with_val(name, cifar10.read_archive(archive), val_size or 5000, split_seed, dict(meta, source=str(archive)))
    elif name == "synthetic":
        archive = Path(source) if source else raw_dir / "synthetic-cifar-10-python.tar.gz"
        md5 = synthetic.write_archive(archive, synthetic_per_batch, synthetic_test_size, seed=split_seed)
        args = _with_val(name, cifar10.read_archive(archive, md5=md5), val_size or 0.1, split_seed,
                         dict(meta, source=str(archive), md5=md5))
    elif name == "tiny_imagenet":
        md5 = md5 or tiny_imagenet.MD5
        archive = tiny_imagenet.locate(source, raw_dir, md5)
        args = _with_val(name, tiny_imagenet.read_archive(archive, md5=md5), val_size or 10000, split_seed,
                         dict(meta, source=str(archive), md5=md5))
    elif name == "fashion_mnist":
        directory = fashion_mnist.locate(source, raw_dir)
        args = _with_val(name, fashion_mnist.read_directory(directory), val_size or 5000, split_seed,
                         dict(meta, source=str(directory)))
    else:  # digits
        raw = digits.read()
        x, y = raw["all"]
        idx = split_indices(y, {"val": val_size or 0.1, "test": test_size}, split_seed)
        splits = {k: (x[idx[k]], y[idx[k]]) for k in ("train", "val", "test")}
        args = (name, raw["classes"], splits, dict(meta, source="sklearn.datasets.load_digits", split_seed=split_seed))
    save_prepared(out, *args)
    return load_prepared(out)


__all__ = ["DATASETS", "AUGMENT_DEFAULTS", "DatasetError", "PreparedData", "load_prepared", "prepare_dataset"]
