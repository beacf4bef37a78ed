"""CIFAR-10 from the official ``cifar-10-python.tar.gz`` (Krizhevsky 2009).

The archive holds ``cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}``: pickled
dicts with b"data" (uint8 [10000, 3072], channel-major 32x32) and b"labels". The pickles are read
with an unpickler that only admits the numpy array constructors, so no other code can run.
"""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

from .download import download, verify_md5
from .errors import DatasetError

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
MD5 = "c58f30108f718f92721af3b95e74349a"
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
TEST_BATCH = "test_batch"
META = "batches.meta"

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR-10 batch (refused to run it)")
        return super().find_class(module.replace("numpy.core.", "numpy._core."), name)


def _unpickle(data: bytes) -> dict:
    return _ArrayOnlyUnpickler(io.BytesIO(data), encoding="bytes").load()


def read_archive(archive: str | Path, md5: str | None = MD5) -> dict:
    """Parse the archive into {"train": (x, y), "test": (x, y), "classes": [...]}.

    x: uint8 [N, 3, 32, 32]; y: int64 [N]. ``md5`` (None to skip) is checked before parsing.
    """
    archive = Path(archive)
    fix = f"Download it again from {URL} or set `datasets.cifar10.source` to a good copy."
    if not archive.exists():
        raise DatasetError(f"{archive}: CIFAR-10 archive not found. {fix}")
    if md5 is not None:
        verify_md5(archive, md5, "cifar-10-python.tar.gz", fix)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = {m.name: m for m in tar.getmembers() if m.isfile()}

            def load(name: str) -> dict:
                key = f"{FOLDER}/{name}"
                if key not in members:
                    raise DatasetError(f"{archive}: member {key} is missing; not a CIFAR-10 python archive. {fix}")
                return _unpickle(tar.extractfile(members[key]).read())

            meta = load(META)
            train = [load(b) for b in TRAIN_BATCHES]
            test = load(TEST_BATCH)
    except DatasetError:
        raise
    except (tarfile.TarError, EOFError, OSError, pickle.UnpicklingError, KeyError, ValueError) as e:
        raise DatasetError(
            f"{archive}: truncated, corrupt or not a CIFAR-10 archive ({type(e).__name__}: {e}). {fix}"
        ) from e

    def arrays(batches: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        x = np.concatenate([np.asarray(b[b"data"], dtype=np.uint8) for b in batches])
        y = np.concatenate([np.asarray(b[b"labels"], dtype=np.int64) for b in batches])
        if x.ndim != 2 or x.shape[1] != 3072 or len(x) != len(y):
            raise DatasetError(f"{archive}: batches have shape {x.shape}, expected [N, 3072]. {fix}")
        return x.reshape(-1, 3, 32, 32), y

    classes = [c.decode() for c in meta[b"label_names"]]
    return {"train": arrays(train), "test": arrays([test]), "classes": classes}


def locate(source: str | None, raw_dir: Path) -> Path:
    """The archive: ``source`` if given (a local path), else downloaded into ``raw_dir``."""
    if source:
        return Path(source)
    return download(URL, raw_dir / "cifar-10-python.tar.gz", MD5)


def prepare(source: str | None, raw_dir: Path, split_seed: int) -> tuple[dict, dict]:
    """The registry's reader: the archive's images and its path."""
    archive = locate(source, raw_dir)
    return read_archive(archive), {"source": str(archive)}
