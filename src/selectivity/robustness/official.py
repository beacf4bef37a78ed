"""Readers of the official corrupted test sets (Hendrycks & Dietterich 2019), used instead of
computed corruptions where a user has them.

CIFAR-10-C: ``<corruption>.npy``, uint8 [5 n, 32, 32, 3] (n = 10000): severities 1..5 stacked,
each in the order of the CIFAR-10 test set, and ``labels.npy`` [5 n] (the test labels repeated per
severity) or [n]: matched to the test set by position.
Tiny-ImageNet-C: ``<corruption>/<severity>/<wnid>/val_<i>.JPEG`` (64x64 JPEGs, 50 per class; the
published script kept each Tiny ImageNet validation image's file name): matched to the test set by
file name (``match_test_files``).
A missing, truncated or ill-shaped file raises ``DatasetError`` naming it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import DatasetError
from .params import check_severity


def _check(name: str, severity: int) -> None:
    """Any official corruption name (all 19 of CIFAR-10-C, 15 of Tiny-ImageNet-C); severity 1..5."""
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"corruption must be a file or folder name such as 'gaussian_noise', got {name!r}")
    check_severity(severity)


def _load_npy(path: Path) -> np.ndarray:
    if not path.is_file():
        raise DatasetError(f"{path}: not found (official CIFAR-10-C file expected)")
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise DatasetError(f"{path}: unreadable, the file is truncated or not a .npy array "
                           f"({type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}); "
                           f"download it again") from e


def load_cifar10_c(directory: str | Path, name: str, severity: int) -> tuple[np.ndarray, np.ndarray]:
    """One corruption and severity of CIFAR-10-C: (uint8 [n, H, W, C] images, int64 [n] labels)."""
    _check(name, severity)
    directory = Path(directory)
    path, labels_path = directory / f"{name}.npy", directory / "labels.npy"
    images, labels = _load_npy(path), _load_npy(labels_path)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[0] % 5 or images.shape[-1] not in (1, 3):
        raise DatasetError(f"{path}: holds {images.dtype} {images.shape}, expected uint8 [5 n, H, W, 3] "
                           f"(5 severities stacked, e.g. [50000, 32, 32, 3])")
    n = images.shape[0] // 5
    if labels.ndim != 1 or labels.shape[0] not in (n, 5 * n) or not np.issubdtype(labels.dtype, np.integer):
        raise DatasetError(f"{labels_path}: holds {labels.dtype} {labels.shape}, expected integer labels "
                           f"[{5 * n}] or [{n}] for the {images.shape[0]} images of {path.name}")
    sl = slice((severity - 1) * n, severity * n)
    return np.array(images[sl]), np.array(labels[sl] if labels.shape[0] == 5 * n else labels, dtype=np.int64)


def load_tiny_imagenet_c(directory: str | Path, name: str, severity: int, wnids: Sequence[str],
                         with_files: bool = False):
    """One corruption and severity of Tiny-ImageNet-C: (uint8 [n, 64, 64, 3], int64 [n] labels[,
    file names]), label = position of the image's wnid folder in ``wnids`` (the training classes'
    order); the folders present in ``wnids`` order, files sorted by name within a folder. Every
    folder must be one of ``wnids`` and hold images; classes without a folder are left out."""
    from PIL import Image

    _check(name, severity)
    root = Path(directory) / name / str(severity)
    if not root.is_dir():
        raise DatasetError(f"{root}: not found (official Tiny-ImageNet-C layout "
                           f"<corruption>/<severity>/<wnid>/*.JPEG expected)")
    folders = {p.name for p in root.iterdir() if p.is_dir()}
    extra = sorted(folders - set(wnids))
    if extra:
        raise DatasetError(f"{root}: class folders {extra[:5]} are not among the {len(wnids)} given wnids")
    if not folders:
        raise DatasetError(f"{root}: holds no class folders (<wnid>/*.JPEG expected)")
    images, labels, files = [], [], []
    for label, wnid in enumerate(wnids):
        if wnid not in folders:
            continue
        folder = root / wnid
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpeg", ".jpg", ".png"))
        if not paths:
            raise DatasetError(f"{folder}: empty (class {wnid!r} has no images)")
        for f in paths:
            try:
                with Image.open(f) as im:
                    a = np.asarray(im.convert("RGB"))
            except OSError as e:
                raise DatasetError(f"{f}: unreadable image ({e}); download Tiny-ImageNet-C again") from e
            if images and a.shape != images[0].shape:
                raise DatasetError(f"{f}: {a.shape[1]}x{a.shape[0]} pixels, the others are "
                                   f"{images[0].shape[1]}x{images[0].shape[0]}")
            images.append(a)
            labels.append(label)
            files.append(f.name)
    out = (np.stack(images), np.array(labels, dtype=np.int64))
    return (*out, files) if with_files else out


def tiny_imagenet_test_files(n: int) -> list[str]:
    """The file names of the Tiny ImageNet test set (its labelled val/ images) in the prepared order:
    the order of ``val/val_annotations.txt``, which lists val_0.JPEG ... val_9999.JPEG in turn."""
    return [f"val_{i}.JPEG" for i in range(n)]


def match_test_files(images: np.ndarray, labels: np.ndarray, files: Sequence[str], test_files: Sequence[str],
                     test_labels: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """The official images of the test images named ``test_files`` (in that order), by file name;
    every one must be there once, with the label of the test image (else ``DatasetError``)."""
    index = {}
    for i, f in enumerate(files):
        if f in index:
            raise DatasetError(f"{where}: {f} is in two class folders")
        index[f] = i
    missing = [f for f in test_files if f not in index]
    if missing:
        raise DatasetError(f"{where}: lacks {len(missing)} of the {len(test_files)} test images, e.g. {missing[:3]} "
                           f"(a class folder or file missing: download Tiny-ImageNet-C again)")
    take = np.array([index[f] for f in test_files], dtype=np.int64)
    wrong = np.flatnonzero(labels[take] != np.asarray(test_labels))
    if len(wrong):
        f = test_files[wrong[0]]
        raise DatasetError(f"{where}: {len(wrong)} images are in another class folder than their test image's class, "
                           f"e.g. {f} (class {int(labels[take][wrong[0]])}, test label {int(test_labels[wrong[0]])}): "
                           f"not the Tiny-ImageNet-C of this test set")
    return images[take], labels[take]


def load_corrupted(directory: str | Path, name: str, severity: int,
                   wnids: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Official corrupted images of one corruption and severity: CIFAR-10-C when ``directory``
    holds ``<name>.npy``, else Tiny-ImageNet-C (``<name>/<severity>/<wnid>/``, needs ``wnids``).
    Returns (uint8 [n, H, W, C], int64 [n] labels)."""
    directory = Path(directory)
    if (directory / f"{name}.npy").exists() or wnids is None:
        return load_cifar10_c(directory, name, severity)
    return load_tiny_imagenet_c(directory, name, severity, wnids)
