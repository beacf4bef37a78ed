"""Fashion-MNIST (Xiao et al. 2017) from its four IDX files (gzipped or not).

Checksums are of the decompressed IDX payloads, so the upstream .gz files and Debian's
re-compressed copies (package dataset-fashion-mnist, /usr/share/datasets/fashion-mnist) both verify.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np

from .download import download
from .errors import DatasetError

URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"
FILES = {  # name: (MD5 of the decompressed payload, MD5 of the upstream .gz)
    "train-images-idx3-ubyte": ("f4a8712d7a061bf5bd6d2ca38dc4d50a", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    "train-labels-idx1-ubyte": ("9018921c3c673c538a1fc5bad174d6f9", "25c81989df183df01b3e8a0aad5dffbe"),
    "t10k-images-idx3-ubyte": ("8181f5470baa50b63fa0f6fddb340f0a", "bef4ecab320f06d8554ea6380940ec79"),
    "t10k-labels-idx1-ubyte": ("15d484375f8d13e6eb1aabb0c3f46965", "bb300cfdad3c16e7a12a480ee83cd310"),
}
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def parse_idx(data: bytes, where: str) -> np.ndarray:
    """An IDX array of unsigned bytes (magic 0x0000080D with D dimensions)."""
    if len(data) < 4 or data[:3] != b"\x00\x00\x08":
        raise DatasetError(f"{where}: not an IDX file of unsigned bytes")
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if len(data) != header + int(np.prod(shape)):
        raise DatasetError(f"{where}: {len(data) - header} payload bytes for shape {shape}: truncated or corrupt")
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)


def read_file(directory: Path, name: str, md5: str | None) -> np.ndarray:
    fix = f"Reinstall Debian's dataset-fashion-mnist or download the file again from {URL}."
    for candidate in (directory / f"{name}.gz", directory / name):
        if candidate.exists():
            try:
                data = gzip.decompress(candidate.read_bytes()) if candidate.suffix == ".gz" else candidate.read_bytes()
            except (OSError, EOFError) as e:
                raise DatasetError(f"{candidate}: truncated or corrupt gzip file ({e}). {fix}") from e
            if md5 is not None and hashlib.md5(data).hexdigest() != md5:
                raise DatasetError(f"{candidate}: MD5 of the IDX payload is {hashlib.md5(data).hexdigest()}, expected {md5}. {fix}")
            return parse_idx(data, str(candidate))
    raise DatasetError(f"{directory}: neither {name}.gz nor {name} found. {fix}")


def read_directory(directory: str | Path, verify: bool = True) -> dict:
    """{"train": (x uint8 [60000, 1, 28, 28], y), "test": (x [10000, 1, 28, 28], y), "classes": [...]}."""
    d = Path(directory)
    arr = {n: read_file(d, n, md5 if verify else None) for n, (md5, _) in FILES.items()}
    return {
        "train": (arr["train-images-idx3-ubyte"][:, None], arr["train-labels-idx1-ubyte"].astype(np.int64)),
        "test": (arr["t10k-images-idx3-ubyte"][:, None], arr["t10k-labels-idx1-ubyte"].astype(np.int64)),
        "classes": CLASSES,
    }


def locate(source: str | None, raw_dir: Path) -> Path:
    """The directory with the IDX files: ``source``, else Debian's copy, else downloaded to raw_dir."""
    if source:
        return Path(source)
    if Path(DEBIAN_DIR).is_dir():
        return Path(DEBIAN_DIR)
    for name, (_, gz_md5) in FILES.items():
        download(URL + name + ".gz", raw_dir / f"{name}.gz", gz_md5)
    return raw_dir


def prepare(source: str | None, raw_dir: Path, split_seed: int) -> tuple[dict, dict]:
    """The registry's reader: the IDX files' images and their directory."""
    directory = locate(source, raw_dir)
    return read_directory(directory), {"source": str(directory)}
