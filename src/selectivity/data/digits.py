"""scikit-learn's bundled 8x8 handwritten digits (1797 real images, no download).

Pixel values 0..16 are rescaled to 0..255 uint8; images are [1, 8, 8].
"""

from __future__ import annotations

import numpy as np


def read() -> dict:
    from sklearn.datasets import load_digits

    d = load_digits()
    x = np.round(d.images * (255.0 / 16.0)).astype(np.uint8)[:, None]
    return {"all": (x, d.target.astype(np.int64)), "classes": [str(c) for c in d.target_names]}


def prepare(source: str | None, raw_dir, split_seed: int) -> tuple[dict, dict]:
    """The registry's reader: all 1797 images (no source: they come with scikit-learn)."""
    return read(), {"source": "sklearn.datasets.load_digits"}
