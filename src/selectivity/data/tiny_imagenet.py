"""Tiny ImageNet (CS231n, Stanford: 200 ImageNet classes, 64x64 RGB JPEGs) from the official
``tiny-imagenet-200.zip``.

The archive holds ``tiny-imagenet-200/wnids.txt`` (the 200 WordNet ids), ``train/<wnid>/images/*.JPEG``
(500 per class) and ``val/images/*.JPEG`` with ``val/val_annotations.txt`` (tab-separated: file, wnid,
bounding box). The 10k labelled val images are the test set (as in the paper); ``test/`` has no labels
and is not read. Classes are the wnids in sorted order. The JPEGs are decoded straight from the zip
(no extraction) by a few threads; grayscale, CMYK and other modes are converted to RGB.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .download import download, verify_md5
from .errors import DatasetError

URL = "http://cs231n.stanford.edu/tiny-imagenet-200.zip"
# The widely published MD5 of the official zip; it could not be confirmed offline when this was written.
# A copy with another checksum is refused unless `datasets.tiny_imagenet.md5` names that checksum.
MD5 = "90528d7ca1a48142e341f4ef8d21d0de"
ARCHIVE = "tiny-imagenet-200.zip"
FOLDER = "tiny-imagenet-200"
WNIDS = f"{FOLDER}/wnids.txt"
TRAIN = f"{FOLDER}/train/"
VAL_IMAGES = f"{FOLDER}/val/images/"
VAL_ANNOTATIONS = f"{FOLDER}/val/val_annotations.txt"
SIZE = 64


def _fix() -> str:
    return (f"Download it again from {URL} or set `datasets.tiny_imagenet.source` to a good copy of {ARCHIVE} "
            f"(and `datasets.tiny_imagenet.md5` if your official copy's checksum differs from the published {MD5}).")


def _text(zf: zipfile.ZipFile, archive: Path, member: str) -> list[str]:
    try:
        data = zf.read(member)
    except KeyError:
        raise DatasetError(f"{archive}: member {member} is missing; not the official Tiny ImageNet archive. "
                           f"{_fix()}") from None
    return data.decode("utf-8", errors="replace").splitlines()


def _classes(zf: zipfile.ZipFile, archive: Path) -> list[str]:
    wnids = [line.strip() for line in _text(zf, archive, WNIDS) if line.strip()]
    duplicates = sorted({w for w in wnids if wnids.count(w) > 1})
    if not wnids or duplicates:
        raise DatasetError(f"{archive}: {WNIDS} lists {'no class' if not wnids else f'{duplicates} twice'}. {_fix()}")
    return sorted(wnids)


def _train_members(names: list[str], classes: list[str], archive: Path) -> list[list[str]]:
    """The train JPEGs of each class (in ``classes`` order), sorted by name."""
    index = {c: i for i, c in enumerate(classes)}
    per_class: list[list[str]] = [[] for _ in classes]
    for name in names:
        if not name.startswith(TRAIN) or not name.lower().endswith(".jpeg"):
            continue
        parts = name[len(TRAIN):].split("/")
        if len(parts) != 3 or parts[1] != "images":
            raise DatasetError(f"{archive}: {name} is not at train/<wnid>/images/<file>. {_fix()}")
        if parts[0] not in index:
            raise DatasetError(f"{archive}: {name} belongs to {parts[0]}, which {WNIDS} does not list. {_fix()}")
        per_class[index[parts[0]]].append(name)
    empty = [c for c, members in zip(classes, per_class) if not members]
    if empty:
        others = f" (and {len(empty) - 1} other classes of {WNIDS})" if len(empty) > 1 else ""
        raise DatasetError(f"{archive}: class {empty[0]}{others} has no training images: {TRAIN}{empty[0]}/images/ "
                           f"is empty or missing. {_fix()}")
    return [sorted(m) for m in per_class]


def _val_members(zf: zipfile.ZipFile, names: list[str], classes: list[str], archive: Path) -> tuple[list[str], list[int]]:
    """(JPEG members, labels) of the labelled val images, in the order of val_annotations.txt."""
    index = {c: i for i, c in enumerate(classes)}
    images = {n for n in names if n.startswith(VAL_IMAGES) and n.lower().endswith(".jpeg")}
    members, labels = [], []
    for number, line in enumerate(_text(zf, archive, VAL_ANNOTATIONS), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        where = f"{archive}: {VAL_ANNOTATIONS} line {number}"
        if len(fields) < 2:
            raise DatasetError(f"{where} is not `file<TAB>wnid<TAB>...`: {line[:80]!r}. {_fix()}")
        member = VAL_IMAGES + fields[0].strip()
        wnid = fields[1].strip()
        if wnid not in index:
            raise DatasetError(f"{where} names class {wnid}, which {WNIDS} does not list. {_fix()}")
        if member not in images:
            raise DatasetError(f"{where} names {member}, which the archive does not hold. {_fix()}")
        members.append(member)
        labels.append(index[wnid])
    if len(set(members)) != len(members):
        raise DatasetError(f"{archive}: {VAL_ANNOTATIONS} lists an image twice. {_fix()}")
    unlabelled = sorted(images - set(members))
    if not members or unlabelled:
        what = "no image" if not members else f"no label for {len(unlabelled)} images (e.g. {unlabelled[0]})"
        raise DatasetError(f"{archive}: {VAL_ANNOTATIONS} gives {what}. {_fix()}")
    return members, labels


def decode(data: bytes, where: str) -> np.ndarray:
    """One JPEG (any mode: grayscale, CMYK, ... become RGB) -> uint8 [3, 64, 64]."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            rgb = img.convert("RGB") if img.mode != "RGB" else img
            rgb.load()
            array = np.asarray(rgb, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        raise DatasetError(f"{where}: not a readable JPEG ({type(e).__name__}: {e}). {_fix()}") from e
    if array.shape != (SIZE, SIZE, 3):
        raise DatasetError(f"{where}: image of {array.shape[1]}x{array.shape[0]} pixels, expected {SIZE}x{SIZE}. "
                           f"{_fix()}")
    return array.transpose(2, 0, 1)


def _decode_into(archive: Path, members: list[str], out: np.ndarray, start: int, stop: int) -> None:
    """Decode members[start:stop] into out[start:stop] (one zip handle per thread)."""
    with zipfile.ZipFile(archive) as zf:
        for i in range(start, stop):
            try:
                data = zf.read(members[i])
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
                raise DatasetError(f"{archive}: member {members[i]} is truncated or corrupt "
                                   f"({type(e).__name__}: {e}). {_fix()}") from e
            out[i] = decode(data, f"{archive}: {members[i]}")


def decode_all(archive: Path, members: list[str], threads: int | None = None) -> np.ndarray:
    """uint8 [len(members), 3, 64, 64]: the JPEG members decoded by ``threads`` threads (default: CPUs,
    at most 8). Pillow's decoder releases the GIL, so threads scale with cores."""
    threads = max(1, min(threads or os.cpu_count() or 1, 8, len(members) or 1))
    out = np.empty((len(members), 3, SIZE, SIZE), np.uint8)
    bounds = np.linspace(0, len(members), threads + 1).astype(int)
    with ThreadPoolExecutor(threads) as pool:
        jobs = [pool.submit(_decode_into, archive, members, out, a, b) for a, b in zip(bounds[:-1], bounds[1:])]
        for job in jobs:
            job.result()
    return out


def read_archive(archive: str | Path, md5: str | None = MD5, threads: int | None = None) -> dict:
    """Parse the archive into {"train": (x, y), "test": (x, y), "classes": [...]}.

    x: uint8 [N, 3, 64, 64] (train: class by class, files sorted; test: the order of
    val_annotations.txt); y: int64 [N], indices into ``classes`` (the sorted wnids). ``md5`` (None to
    skip) is checked before parsing.
    """
    archive = Path(archive)
    if not archive.exists():
        raise DatasetError(f"{archive}: Tiny ImageNet archive not found. {_fix()}")
    if md5 is not None:
        verify_md5(archive, md5, ARCHIVE, _fix())
    try:
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
            classes = _classes(zf, archive)
            train = _train_members(names, classes, archive)
            val_members, val_labels = _val_members(zf, names, classes, archive)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise DatasetError(f"{archive}: truncated, corrupt or not a zip archive ({type(e).__name__}: {e}). "
                           f"{_fix()}") from e
    train_members = [m for members in train for m in members]
    train_labels = np.repeat(np.arange(len(classes)), [len(m) for m in train])
    x = decode_all(archive, train_members + val_members, threads)
    n = len(train_members)
    return {"train": (x[:n], train_labels.astype(np.int64)), "test": (x[n:], np.asarray(val_labels, np.int64)),
            "classes": classes}


def locate(source: str | None, raw_dir: Path, md5: str = MD5) -> Path:
    """The archive: ``source`` if given (a local path), else downloaded into ``raw_dir``."""
    if source:
        return Path(source)
    return download(URL, raw_dir / ARCHIVE, md5)


def prepare(source: str | None, raw_dir: Path, split_seed: int, md5: str | None = None) -> tuple[dict, dict]:
    """The registry's reader: the archive's images, its path and MD5 (None: the published one)."""
    md5 = md5 or MD5
    archive = locate(source, raw_dir, md5)
    return read_archive(archive, md5=md5), {"source": str(archive), "md5": md5}
