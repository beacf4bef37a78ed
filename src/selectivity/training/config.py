"""The effective configuration of one training run, and its hash.

The hash covers every field that can change the trained network; it is stored in the summary and
in the resume state, so a state saved under another configuration is never resumed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

from ..defaults import SELECTIVITY_EPS
from .schedule import SEGMENT_SCHEMA, epoch_scales, normalize_schedule, schedule_dicts

# Fields that cannot change the algorithm of a run (only where and how fast it runs, and floating
# point rounding): left out of the hash. ``precision`` changes the arithmetic and is hashed.
UNHASHED = ("device", "eval_batch_size", "experiment", "channels_last", "compile", "checkpoint_interval_s")
# Keys added after runs were made: left out of the hash (and of the workflow's rerun trigger) while
# they hold their default, which reproduces what runs did before the key existed, so those runs keep
# their hash and their resume state. Any other value is hashed. A new training key goes here.
HASHED_UNLESS_DEFAULT = ("train_size", "val_draw", "alpha_schedule", "probe_size", "save_epochs")


def hashed(d: dict) -> dict:
    """The keys of a run-config dict that can change the result (what the hash covers)."""
    return {k: v for k, v in d.items()
            if k not in UNHASHED and not (k in HASHED_UNLESS_DEFAULT and v == _as_json(_DEFAULTS[k]))}


def _as_json(value):
    return list(value) if isinstance(value, tuple) else value


def option(default, description: str | None = None, **schema):
    """A training key: its default, and the JSON schema of its value (``config.load_schema`` makes
    the config's ``experiments.<name>.training`` section of these)."""
    spec = dict(schema, **({"description": description} if description else {}))
    return field(default=default, metadata={"schema": spec})


def check_epoch_keys(epochs: int, alpha_schedule, save_epochs) -> tuple:
    """The keys that must fit the run's ``epochs`` (the workflow checks them at start, the run again):
    returns the normalized ``alpha_schedule``; a ValueError names the key that does not fit."""
    schedule = normalize_schedule(alpha_schedule, epochs)
    late = sorted(int(e) for e in save_epochs if not 1 <= int(e) <= epochs)
    if late:
        raise ValueError(f"save_epochs {late} lie outside the run's epochs 1..{epochs}")
    return schedule


@dataclass(frozen=True)
class RunConfig:
    model: str
    dataset: str
    alpha: float
    seed: int
    experiment: str = option("run", "the experiment's key in the config (recorded in the summary)", type="string")
    model_options: dict = field(default_factory=dict)
    epochs: int = option(200, type="integer", minimum=1)
    batch_size: int = option(256, type="integer", minimum=2)
    lr: float = option(0.1, type="number", exclusiveMinimum=0)
    momentum: float = option(0.9, type="number", minimum=0, maximum=1)
    weight_decay: float = option(1e-4, type="number", minimum=0)
    lr_milestones: tuple[int, ...] = option((100, 150), type="array", items={"type": "integer", "minimum": 1})
    lr_gamma: float = option(0.1, type="number", exclusiveMinimum=0)
    drop_last: bool = option(False, "drop the last incomplete minibatch", type="boolean")
    train_size: int | None = option(
        None, "train on a stratified subset of this many images of the training split, the same for every "
              "alpha and seed (drawn with the dataset's split_seed); null: all of them",
        type=["integer", "null"], minimum=1)
    val_draw: str = option(
        "fixed", "fixed: the prepared validation split, the same for every run; per_run: validation images "
                 "drawn with the run's seed from the training and validation images (as many per class as the "
                 "prepared split holds; the paper's Tiny ImageNet protocol; data/run_splits.py)",
        enum=["fixed", "per_run"])
    crop_padding: int | None = option(None, "null: dataset default", type=["integer", "null"], minimum=0)
    hflip: bool | None = option(None, "null: dataset default", type=["boolean", "null"])
    alpha_schedule: tuple = option(
        (), "alpha over the epochs: segments {epochs: n, scale: s}, the loss of those epochs CE - alpha * s * mu_SI "
            "(the last segment may leave out epochs: to the end); empty: alpha in every epoch "
            "(training/schedule.py)", type="array", items=SEGMENT_SCHEMA)
    probe_size: int = option(
        0, "after every epoch, the mean SI per layer and over the network (Eq. 3) and the accuracy on this many "
           "images of the prepared validation split, the same for every run of the dataset (stratified, in file "
           "order), written to selectivity_epochs.csv; 0: none", type="integer", minimum=0)
    save_epochs: tuple[int, ...] = option(
        (), "also save the model after these epochs (epoch_<k>/model.pt in the run folder), for the analysis of "
            "epoch k", type="array", items={"type": "integer", "minimum": 1}, uniqueItems=True)
    selectivity_eps: float = option(SELECTIVITY_EPS, "epsilon of Eq. 1", type="number", minimum=0)
    precision: str = option(
        "fp32", "bf16: autocast of the forward pass (the selectivity term stays fp32); part of the run hash "
                "(training.speed)", enum=["fp32", "bf16"])
    device: str = option("auto", "auto (the least-used GPU, else CPU), cpu, cuda, cuda:N", type="string")
    channels_last: bool | None = option(None, "NHWC memory format; null: on for CUDA", type=["boolean", "null"])
    compile: str = option(
        "none", "torch.compile mode of the training step (falls back to eager if compiling fails)",
        enum=["none", "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"])
    checkpoint_interval_s: float = option(
        60, "seconds between saves of the resume state (0: after every epoch)", type="number", minimum=0)
    eval_batch_size: int = option(1000, "images per pass when evaluating accuracy", type="integer", minimum=1)

    @classmethod
    def from_dict(cls, d: dict) -> "RunConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown run-config keys {unknown}; known keys: {sorted(names)}")
        required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING]
        if absent := [k for k in required if k not in d]:
            raise ValueError(f"the run config lacks {absent}: every run names {required} (train: in --settings)")
        d = dict(d)
        if "lr_milestones" in d:
            d["lr_milestones"] = tuple(int(m) for m in d["lr_milestones"])
        d["alpha"] = float(d["alpha"])
        if "save_epochs" in d:
            d["save_epochs"] = tuple(sorted(int(e) for e in d["save_epochs"]))
        return cls(**d)

    def __post_init__(self):
        object.__setattr__(self, "alpha_schedule", check_epoch_keys(self.epochs, self.alpha_schedule,
                                                                    self.save_epochs))

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["lr_milestones"] = list(self.lr_milestones)
        d["save_epochs"] = list(self.save_epochs)
        d["alpha_schedule"] = schedule_dicts(self.alpha_schedule)
        return d

    def epoch_alphas(self) -> list[float]:
        """The alpha of the regularizer in each epoch [epochs]: alpha times the schedule's scale."""
        return [self.alpha * s + 0.0 for s in epoch_scales(self.alpha_schedule, self.epochs)]  # no -0.0

    def hash(self) -> str:
        d = hashed(self.to_dict())
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    def describe(self) -> str:
        return f"dataset={self.dataset} model={self.model} alpha={self.alpha:g} seed={self.seed}"


_DEFAULTS = {f.name: f.default for f in dataclasses.fields(RunConfig)}
NOT_TRAINING_KEYS = ("model", "dataset", "alpha", "seed", "experiment", "model_options")  # set per experiment / run


def option_schema(key: str) -> dict:
    """The JSON schema of one run-config key made with ``option``, its default the field's (a list
    for a tuple, as the config holds it)."""
    f = next(f for f in dataclasses.fields(RunConfig) if f.name == key)
    default = list(f.default) if isinstance(f.default, tuple) else f.default
    return {**f.metadata["schema"], "default": default}


def training_schema() -> dict:
    """The JSON schema of the config's ``training`` section: one property per training key."""
    return {f.name: option_schema(f.name) for f in dataclasses.fields(RunConfig) if f.name not in NOT_TRAINING_KEYS}
