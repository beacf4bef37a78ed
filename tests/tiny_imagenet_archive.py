"""A small archive in the exact layout of the official tiny-imagenet-200.zip (real JPEGs written with
Pillow), so the tests run the real Tiny ImageNet parser offline.

Each class has its own colour (COLORS), so a decoded image's mean colour tells its class. The first
training image of the second class is a grayscale JPEG, the second one CMYK; the val annotations
list the images in another order than the zip holds them, and the labels are not in file order.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from selectivity.io import atomic_path, file_digest

# wnids.txt lists them unsorted: the parser must sort them
WNIDS = ["n02124075", "n01443537", "n09246464", "n04067472"]
COLORS = {"n01443537": (220, 40, 40), "n02124075": (40, 200, 60), "n04067472": (50, 60, 210),
          "n09246464": (200, 200, 40)}
GRAY = "tiny-imagenet-200/train/n02124075/images/n02124075_0.JPEG"
CMYK = "tiny-imagenet-200/train/n02124075/images/n02124075_1.JPEG"


def jpeg(color, rng: np.random.Generator, mode: str = "RGB", size: int = 64) -> bytes:
    """A size x size JPEG of ``color`` with a little noise, saved in ``mode`` (RGB, L or CMYK)."""
    pixels = np.clip(np.array(color)[None, None, :] + rng.normal(0, 8, (size, size, 3)), 0, 255).astype(np.uint8)
    img = Image.fromarray(pixels, "RGB")
    img = img.convert(mode) if mode != "RGB" else img
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95)
    return buf.getvalue()


def archive_files(per_class: int = 3, val_per_class: int = 2, seed: int = 0) -> dict[str, bytes]:
    """member name -> bytes of the archive, in the official layout (directories end with "/")."""
    rng = np.random.default_rng(seed)
    root = "tiny-imagenet-200/"
    files = {root: b"", f"{root}wnids.txt": "".join(f"{w}\n" for w in WNIDS).encode(),
             f"{root}words.txt": "".join(f"{w}\tthing {i}\n" for i, w in enumerate(WNIDS)).encode()}
    for w in WNIDS:
        folder = f"{root}train/{w}/"
        files[folder] = files[f"{folder}images/"] = b""
        files[f"{folder}{w}_boxes.txt"] = "".join(f"{w}_{i}.JPEG\t0\t0\t63\t63\n" for i in range(per_class)).encode()
        for i in range(per_class):
            name = f"{folder}images/{w}_{i}.JPEG"
            files[name] = jpeg(COLORS[w], rng, "L" if name == GRAY else "CMYK" if name == CMYK else "RGB")
    files[f"{root}val/"] = files[f"{root}val/images/"] = b""
    labels = [w for w in WNIDS for _ in range(val_per_class)]
    rng.shuffle(labels)
    lines = []
    for i, w in enumerate(labels):
        files[f"{root}val/images/val_{i}.JPEG"] = jpeg(COLORS[w], rng)
        lines.append(f"val_{i}.JPEG\t{w}\t0\t0\t63\t63\n")
    files[f"{root}val/val_annotations.txt"] = "".join(reversed(lines)).encode()  # not the zip's order
    files[f"{root}test/"] = files[f"{root}test/images/"] = b""
    files[f"{root}test/images/test_0.JPEG"] = jpeg((0, 0, 0), rng)  # unlabelled: never read
    return files


def write_zip(path: str | Path, files: dict[str, bytes]) -> str:
    """Write ``files`` as a deflated zip (as the official one); returns its MD5."""
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                zf.writestr(name, data)
    return file_digest(path, "md5")


def expected_val(files: dict[str, bytes]) -> list[tuple[str, str]]:
    """(file, wnid) of the labelled val images, in annotation order."""
    text = files["tiny-imagenet-200/val/val_annotations.txt"].decode()
    return [tuple(line.split("\t")[:2]) for line in text.splitlines()]
