"""The effective configuration of one training run, and its hash.

The hash covers every field that can change the trained network; it is stored in the summary and
in the resume state, so a state saved under another configuration is never resumed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

# Fields that cannot change the algorithm of a run (only where and how fast it runs, and floating
# point rounding): left out of the hash. ``precision`` changes the arithmetic and is hashed.
UNHASHED = ("device", "eval_batch_size", "experiment", "channels_last", "compile", "checkpoint_interval_s")
# Keys added after runs were made: left out of the hash (and of the workflow's rerun trigger) while
# they hold these values, which reproduce what runs did before the keys existed, so those runs keep
# their hash and their resume state. Any other value is hashed.
HASHED_UNLESS = {"train_size": None, "val_draw": "fixed"}


def hashed(d: dict) -> dict:
    """The keys of a run-config dict that can change the result (what the hash covers)."""
    return {k: v for k, v in d.items()
            if k not in UNHASHED and not (k in HASHED_UNLESS and v == HASHED_UNLESS[k])}


@dataclass(frozen=True)
class RunConfig:
    model: str
    dataset: str
    alpha: float
    seed: int
    experiment: str = "run"
    model_options: dict = field(default_factory=dict)
    epochs: int = 200
    batch_size: int = 256
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 1e-4
    lr_milestones: tuple[int, ...] = (100, 150)
    lr_gamma: float = 0.1
    drop_last: bool = False
    train_size: int | None = None  # a fixed stratified subset of the training split (None: all of it)
    val_draw: str = "fixed"  # "fixed": the prepared val split; "per_run": drawn with the seed (data/run_splits.py)
    crop_padding: int | None = None  # None: the dataset's default (see selectivity.data)
    hflip: bool | None = None
    selectivity_eps: float = 1e-7
    precision: str = "fp32"  # "fp32" or "bf16" (autocast of the forward pass), see training.speed
    device: str = "auto"
    channels_last: bool | None = None  # None: on for CUDA, off for CPU
    compile: str = "none"  # a torch.compile mode, or "none"
    checkpoint_interval_s: float = 60.0  # seconds between saves of the resume state (0: every epoch)
    eval_batch_size: int = 1000

    @classmethod
    def from_dict(cls, d: dict) -> "RunConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown run-config keys {unknown}; known keys: {sorted(names)}")
        d = dict(d)
        if "lr_milestones" in d:
            d["lr_milestones"] = tuple(int(m) for m in d["lr_milestones"])
        d["alpha"] = float(d["alpha"])
        return cls(**d)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["lr_milestones"] = list(self.lr_milestones)
        return d

    def hash(self) -> str:
        d = hashed(self.to_dict())
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    def describe(self) -> str:
        return f"dataset={self.dataset} model={self.model} alpha={self.alpha:g} seed={self.seed}"
