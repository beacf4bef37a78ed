"""The dataset registry: name in the config -> ``DatasetSpec`` (imports nothing heavy: the
Snakefile, the config schema and the CLI read it). A new dataset is its reader module plus one
entry here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetSpec:
    # "module:function", called as function(source, raw_dir, split_seed, **options) -> (raw, meta):
    # raw {"train": (x, y), "test": (x, y), "classes": [...]} (or "all" in place of train and test),
    # x uint8 [N, C, H, W]; meta: what the prepared file records of the source ({"source": ...})
    reader: str
    crop_padding: int  # augmentation defaults: random-crop padding and horizontal flips
    hflip: bool
    val_size: int | float  # default validation images (int) or fraction, drawn from the train images
    test_size: float | None = None  # None: the source's test split; a fraction: drawn from "all" too
    options: tuple[str, ...] = ()  # the reader's own keyword options (prepare-data flags, config keys)

    @property
    def augment(self) -> dict:
        return {"crop_padding": self.crop_padding, "hflip": self.hflip}


DATASETS: dict[str, DatasetSpec] = {
    "cifar10": DatasetSpec("selectivity.data.cifar10:prepare", 4, True, 5000),
    "fashion_mnist": DatasetSpec("selectivity.data.fashion_mnist:prepare", 2, True, 5000),
    # crop padding: CIFAR's 4 of 32 pixels, scaled to 64; val: 50 images per class
    "tiny_imagenet": DatasetSpec("selectivity.data.tiny_imagenet:prepare", 8, True, 10000, options=("md5",)),
    "digits": DatasetSpec("selectivity.data.digits:prepare", 1, False, 0.1, test_size=0.2),
    "synthetic": DatasetSpec("selectivity.data.synthetic:prepare", 4, True, 0.1,
                             options=("synthetic_per_batch", "synthetic_test_size")),
}


def dataset_spec(name: str) -> DatasetSpec:
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}: choose one of {list(DATASETS)}") from None


def takers(option: str) -> list[str]:
    """The datasets whose reader takes ``option``."""
    return [name for name, spec in DATASETS.items() if option in spec.options]
