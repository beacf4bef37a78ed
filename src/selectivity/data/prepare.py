"""``prepare_dataset``: a registered dataset read from its source, split, written as one .npz."""

from __future__ import annotations

from pathlib import Path

from ..defaults import DATASET
from ..lazy import resolve
from .prepared import PreparedData, load_prepared, save_prepared, split_indices
from .registry import dataset_spec, takers


def prepare_dataset(
    name: str,
    out: str | Path,
    source: str | None = None,
    raw_dir: str | Path | None = None,
    split_seed: int = DATASET["split_seed"],
    val_size: int | float | None = None,
    test_size: float | None = None,
    **options,
) -> PreparedData:
    """Read dataset ``name`` from its source, split it, and write the prepared .npz to ``out``.

    source: local archive / directory (cifar10, fashion_mnist, tiny_imagenet, synthetic); None =
    download (or, for fashion_mnist, Debian's copy if installed; for synthetic, generate next to ``out``).
    val_size: validation images (int) or fraction (float); None: the registry's (5000 for cifar10,
    fashion_mnist; 10000 for tiny_imagenet: 50 per class; 10%). test_size: digits only (None: 20%).
    options: the reader's own (``DatasetSpec.options``: md5 for tiny_imagenet, the archive's expected
    MD5; synthetic_per_batch and synthetic_test_size for synthetic); None = not given.
    """
    spec = dataset_spec(name)
    out = Path(out)
    raw_dir = Path(raw_dir) if raw_dir else out.parent / "raw"
    given = {k: v for k, v in options.items() if v is not None}
    for key in given:
        if key not in spec.options:
            owners = takers(key)
            raise ValueError(f"{key} is an option of {' and '.join(owners) or 'no dataset'} only, not of {name}")
    raw, source_meta = resolve(spec.reader)(source=source, raw_dir=raw_dir, split_seed=split_seed, **given)
    meta = dict({"augment_defaults": spec.augment}, **source_meta, split_seed=split_seed)
    if spec.test_size is None:  # the source's test split; validation images drawn from its train images
        x, y = raw["train"]
        idx = split_indices(y, {"val": val_size or spec.val_size}, split_seed)
        splits = {"train": (x[idx["train"]], y[idx["train"]]), "val": (x[idx["val"]], y[idx["val"]]),
                  "test": raw["test"]}
        meta["val_source_indices"] = idx["val"].tolist()
    else:
        x, y = raw["all"]
        idx = split_indices(y, {"val": val_size or spec.val_size,
                                "test": spec.test_size if test_size is None else test_size}, split_seed)
        splits = {k: (x[idx[k]], y[idx[k]]) for k in ("train", "val", "test")}
    save_prepared(out, name, raw["classes"], splits, meta)
    return load_prepared(out)
