"""Activation dump: every unit layer's activations on the whole test set for a trained run,
spatially averaged per unit, in one .npz: ``layer_names`` [L], ``layer_<i>`` [N_test, U_i],
``labels`` [N_test], ``num_classes``, and ``run`` (JSON: the run's experiment, alpha, seed and
config hash, from its checkpoint), so an analysis can check which run a file holds."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..checkpoint import load_model
from ..data import load_prepared
from ..data.augment import normalize
from ..inputs import input_error, load_npz, require
from ..io import atomic_path
from ..units import collect_activations


@dataclass
class Activations:
    layers: dict[str, np.ndarray]  # name -> [N, U] float
    labels: np.ndarray  # [N] int64
    num_classes: int
    run: dict = field(default_factory=dict)  # experiment, alpha, seed, config_hash (empty if unknown)


def load_network(model_path: str | Path, data, device: str | torch.device = "cpu"):
    """A trained run's model (eval mode, on ``device``) and its checkpoint info, checked against the
    prepared dataset ``data`` it is evaluated on, and the transform from a test batch to its input."""
    model, info = load_model(model_path, device)
    if info.get("dataset", data.name) != data.name:
        raise input_error(model_path, f"was trained on {info['dataset']!r}, but the data given holds {data.name!r}")
    mean = torch.tensor(data.mean, device=device)
    std = torch.tensor(data.std, device=device)
    return model, info, lambda x: normalize(x.to(device), mean, std)


def run_identity(info: dict) -> dict:
    """The run a checkpoint holds: experiment, alpha, seed and config hash (those it records)."""
    cfg = info.get("config", {})
    run = {k: cfg[k] for k in ("experiment", "alpha", "seed") if k in cfg}
    if "config_hash" in info:
        run["config_hash"] = info["config_hash"]
    return run


def dump_activations(model_path: str | Path, data_path: str | Path, out: str | Path, batch_size: int = 1000,
                     dtype: str = "float32", device: str = "cpu") -> Activations:
    """Run the best-validation model over the test set and write its unit activations to ``out``.

    device: "cpu", "cuda", "cuda:N" or "auto" (CUDA when available)."""
    from ..accel import resolve_device

    device = resolve_device(device)
    data = load_prepared(data_path)
    model, info, transform = load_network(model_path, data, device)
    acts, _ = collect_activations(model, data.test.images.to(device), batch_size, transform=transform)
    result = Activations({n: a.numpy().astype(dtype) for n, a in acts.items()}, data.test.labels.numpy(),
                         data.num_classes, run_identity(info))
    save_activations(out, result)
    return result


def save_activations(out: str | Path, acts: Activations) -> None:
    arrays = {f"layer_{i}": a for i, a in enumerate(acts.layers.values())}
    with atomic_path(out) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, layer_names=np.array(list(acts.layers)), labels=acts.labels,
                     num_classes=np.array(acts.num_classes), run=np.array(json.dumps(acts.run, sort_keys=True)),
                     **arrays)


def load_activations(path: str | Path) -> Activations:
    """Read and check an activation dump: every layer [N, U] with N = the number of labels, finite
    values, labels in [0, num_classes). A bad file raises InputError naming it."""
    z = load_npz(path, ("layer_names", "labels", "num_classes"))
    names = [str(n) for n in z["layer_names"]]
    labels, num_classes = z["labels"], int(z["num_classes"])
    require(len(names) == len(set(names)) > 0, path, f"layer names {names} are empty or repeated")
    require(labels.ndim == 1 and len(labels) > 0, path, "its labels are not a non-empty vector")
    require(labels.min() >= 0 and labels.max() < num_classes, path, f"labels outside [0, {num_classes})")
    layers = {}
    for i, name in enumerate(names):
        key = f"layer_{i}"
        require(key in z, path, f"lacks layer {i} ({name!r}) of {len(names)}")
        a = z[key]
        require(a.ndim == 2 and a.shape[0] == len(labels), path,
                f"layer {name!r} has shape {a.shape}, expected [{len(labels)}, units]")
        require(bool(np.isfinite(a).all()), path, f"layer {name!r} holds NaN or infinite activations")
        layers[name] = a
    try:
        run = json.loads(str(z["run"])) if "run" in z else {}
    except ValueError as e:
        raise input_error(path, f"its run record is damaged ({e})") from e
    return Activations(layers, labels, num_classes, run)
