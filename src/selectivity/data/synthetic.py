"""A tiny archive in the exact CIFAR-10 python format (tar.gz of protocol-2 pickles with bytes
keys), so tests and tiny presets run the real CIFAR-10 parser and checksum code offline.

Images are class-dependent (a per-class colour and stripe pattern plus noise) so that a network can
learn them in a few epochs.
"""

from __future__ import annotations

import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np

from ..defaults import DATASET
from ..io import atomic_path, file_digest
from .cifar10 import FOLDER, META, TEST_BATCH, TRAIN_BATCHES, read_archive

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def synthetic_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """uint8 [N, 3, 32, 32] images whose colour and stripe period depend on the label."""
    n = len(labels)
    base = (np.stack([labels * 25, 255 - labels * 25, (labels * 70) % 256], 1) % 256).astype(np.float32)
    rows = np.arange(32)[None, :] % (labels[:, None] + 2) == 0  # [N, 32]: stripe every label+2 rows
    img = np.broadcast_to(base[:, :, None, None], (n, 3, 32, 32)).copy() * 0.6
    img += 80.0 * rows[:, None, :, None]
    img += rng.normal(0, 20, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


class _Py2Pickler(pickle._Pickler):
    """Protocol-2 pickler that writes ``bytes`` as Python 2 ``str`` (BINSTRING) and numpy's array
    constructor under its Python 2 module name, as in the official CIFAR-10 batches."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj: bytes) -> None:
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", n) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str

    def save_global(self, obj, name=None):
        if getattr(obj, "__name__", None) == "_reconstruct" and "numpy" in getattr(obj, "__module__", ""):
            self.write(pickle.GLOBAL + b"numpy.core.multiarray\n_reconstruct\n")
            self.memoize(obj)
        else:
            super().save_global(obj, name)


def _pickled(obj) -> bytes:
    buf = io.BytesIO()
    _Py2Pickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def write_archive(path: str | Path, per_batch: int = 20, test_size: int = 20, seed: int = 0) -> str:
    """Write a CIFAR-10-format archive with 5 x ``per_batch`` train and ``test_size`` test images.

    Returns the archive's MD5 (the "official" checksum of this synthetic archive).
    """
    rng = np.random.default_rng(seed)
    files = {META: {b"label_names": [c.encode() for c in CLASSES], b"num_cases_per_batch": per_batch,
                    b"num_vis": 3072}}
    for i, name in enumerate([*TRAIN_BATCHES, TEST_BATCH]):
        n = test_size if name == TEST_BATCH else per_batch
        labels = np.arange(n) % 10
        rng.shuffle(labels)
        files[name] = {
            b"batch_label": f"synthetic batch {i + 1}".encode(),
            b"labels": labels.tolist(),
            b"data": synthetic_images(labels, rng).reshape(n, 3072),
            b"filenames": [f"img_{i}_{j}.png".encode() for j in range(n)],
        }
    with atomic_path(path) as tmp:
        with tarfile.open(tmp, "w:gz") as tar:
            for name, obj in files.items():
                data = _pickled(obj)
                info = tarfile.TarInfo(f"{FOLDER}/{name}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return file_digest(path, "md5")


def prepare(source: str | None, raw_dir: Path, split_seed: int,
            synthetic_per_batch: int = DATASET["synthetic_per_batch"],
            synthetic_test_size: int = DATASET["synthetic_test_size"]) -> tuple[dict, dict]:
    """The registry's reader: writes the archive (at ``source``, else in ``raw_dir``) and reads it."""
    archive = Path(source) if source else Path(raw_dir) / "synthetic-cifar-10-python.tar.gz"
    md5 = write_archive(archive, synthetic_per_batch, synthetic_test_size, seed=split_seed)
    return read_archive(archive, md5=md5), {"source": str(archive), "md5": md5}
