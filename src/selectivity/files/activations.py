"""The activation dump of one run: every unit layer's activations on the whole test set, spatially
averaged per unit, in one .npz: ``layer_names`` [L], ``layer_<i>`` [N_test, U_i], ``labels``
[N_test], ``num_classes``, and ``run`` (JSON: the run's experiment, alpha, seed and config hash,
from its checkpoint), so an analysis can check which run a file holds. Written by
``selectivity.analysis.activations.dump_activations``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..inputs import input_error, load_npz, require
from ..io import atomic_path


@dataclass
class Activations:
    layers: dict[str, np.ndarray]  # name -> [N, U] float
    labels: np.ndarray  # [N] int64
    num_classes: int
    run: dict = field(default_factory=dict)  # experiment, alpha, seed, config_hash (empty if unknown)


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
