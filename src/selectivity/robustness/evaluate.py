"""One trained run's robustness, as a tidy table (the workflow's ``robustness`` job): accuracy per
corruption and severity (computed, or the official CIFAR-10-C / Tiny-ImageNet-C files), accuracy
per attack and eps, and the dimensionality of every unit layer's representation of clean test
images and of the change that configured perturbations cause in it.

Rows (the format, its writer and reader: ``selectivity.files.robustness``): the run's identity
(experiment, alpha, seed), then
- kind "corruption": name = a corruption, level = its severity, measure "accuracy"; name "none",
  level 0: the clean accuracy on the same images;
- kind "attack": name = fgsm / pgd, level = eps in 1/255 pixel units, measure "accuracy"; name
  "none", level 0: the clean accuracy on the attacked images;
- kind "dimensionality": name "clean" (level 0) or the perturbation (a corruption at a severity, an
  attack at an eps), layer = the unit layer, measure "participation_ratio", "components_<f>" or
  "units" (the clean representation; the change perturbed - clean for the others).
"""

from __future__ import annotations

import json

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..data.augment import to_nhwc
from ..defaults import ROBUSTNESS
from ..files.robustness import ROBUSTNESS_COLUMNS

# The workflow's robustness settings (config `robustness`, less `experiments` and `device`).
# what a robustness job computes: the config's `robustness` section less the keys that change
# which runs get a job and where it runs (selectivity.defaults), with lists as the config holds them
SETTINGS_DEFAULTS = json.loads(json.dumps({k: v for k, v in ROBUSTNESS.items() if k not in ("experiments", "device")}))


def _subset(n: int, size: int | None, seed: int) -> torch.Tensor:
    """The first ``size`` of a fixed permutation of range(n) (all of them, in order, for None)."""
    if size is None or size >= n:
        return torch.arange(n)
    return torch.randperm(n, generator=torch.Generator().manual_seed(int(seed)))[:size].sort().values


def _corrupted(data, name: str, severity: int, idx: torch.Tensor, s: dict, device) -> tuple[torch.Tensor, torch.Tensor]:
    """(uint8 [n, H, W, C] corrupted images, labels) of the test images ``idx``."""
    from .corruptions import corrupt

    if s.get("official_dir"):
        return _official(data, name, severity, idx, s["official_dir"])
    seed = s["seed"] * 1000 + severity
    images = corrupt(to_nhwc(data.test.images[idx]).to(device), name, severity, seed=seed, table=s.get("table"))
    return images.cpu(), data.test.labels[idx]


def _official(data, name: str, severity: int, idx: torch.Tensor, directory) -> tuple[torch.Tensor, torch.Tensor]:
    """The official corrupted copies of the test images ``idx``: CIFAR-10-C by position (its labels
    must be the test labels, in order), Tiny-ImageNet-C by file name (val_<i>.JPEG, each in its
    class folder)."""
    from ..errors import DatasetError
    from .official import load_cifar10_c, load_tiny_imagenet_c, match_test_files, tiny_imagenet_test_files

    test_labels, sel = data.test.labels.numpy(), idx.numpy()
    where = Path(directory) / name
    if data.name == "tiny_imagenet":
        images, labels, files = load_tiny_imagenet_c(directory, name, severity, data.classes, with_files=True)
        names = data.meta.get("test_files") or tiny_imagenet_test_files(len(test_labels))
        where = where / str(severity)
        images, labels = match_test_files(images, labels, files, [names[i] for i in sel], test_labels[sel], where)
    elif data.name == "cifar10":
        images, labels = load_cifar10_c(directory, name, severity)
        where = Path(directory) / f"{name}.npy"
        if len(labels) != len(test_labels):
            raise DatasetError(f"{where}: holds {len(labels)} images per severity, the test set {len(test_labels)}: "
                               f"CIFAR-10-C matches the CIFAR-10 test set image by image")
        if not np.array_equal(labels, test_labels):
            raise DatasetError(f"{Path(directory) / 'labels.npy'}: the labels do not follow the CIFAR-10 test set's "
                               f"order ({int((labels != test_labels).sum())} of {len(labels)} differ)")
        images, labels = images[sel], labels[sel]
    else:
        raise ValueError(f"robustness.official_dir: the official files are CIFAR-10-C (cifar10) and Tiny-ImageNet-C "
                         f"(tiny_imagenet); the {data.name} test set has none: set official_dir to null")
    want = tuple(to_nhwc(data.test.images[:1]).shape[1:])
    if images.shape[1:] != want:
        raise DatasetError(f"{where}: images of {images.shape[1:]}, the test images are {want}")
    return torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(labels)


def _attacked(model, pixels, labels, attack: str, eps: float, s: dict, normalize, device) -> torch.Tensor:
    """Adversarial float [N, C, H, W] pixels of ``attack`` at eps (1/255 units)."""
    from .attacks import fgsm, pgd

    out = []
    for b, start in enumerate(range(0, len(labels), s["batch_size"])):
        x = pixels[start:start + s["batch_size"]].to(device)
        y = labels[start:start + s["batch_size"]].to(device)
        if attack == "fgsm":
            out.append(fgsm(model, x, y, eps / 255, normalize=normalize).cpu())
        else:
            step = None if s.get("pgd_step_size") is None else s["pgd_step_size"] / 255
            out.append(pgd(model, x, y, eps / 255, steps=s["pgd_steps"], step_size=step,
                           random_start=s["pgd_random_start"], seed=s["seed"] * 1000 + b,
                           normalize=normalize).cpu())
    return torch.cat(out)


def robustness_table(model_path: str | Path, data_path: str | Path, settings: dict,
                     device: str = "cpu") -> pd.DataFrame:
    """The robustness table (``ROBUSTNESS_COLUMNS``) of one trained run; ``settings``: the keys of
    ``SETTINGS_DEFAULTS`` (missing ones take those defaults)."""
    from ..training.speed import resolve_device
    from ..analysis.activations import load_network, run_identity
    from ..data import load_prepared
    from ..evaluation import accuracy
    from .attacks import as_pixels, normalizer
    from .dimensionality import layer_dimensionality
    from .params import corruption_set

    unknown = sorted(set(settings) - set(SETTINGS_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown robustness settings {unknown} (known: {sorted(SETTINGS_DEFAULTS)}"
                         + ("; the device is an argument of its own, --device on the command line" if "device" in unknown
                            else "") + ")")
    s = {**SETTINGS_DEFAULTS, **settings}
    device = resolve_device(device)
    data = load_prepared(data_path)
    model, info, _ = load_network(model_path, data, device)
    model.eval()
    run = run_identity(info)
    normalize = normalizer(data.mean, data.std)
    rows = []

    def add(kind, name, level, measure, value, layer=""):
        rows.append({"kind": kind, "name": name, "level": level, "layer": layer, "measure": measure,
                     "value": float(value)})

    def acc(pixels: torch.Tensor, labels: torch.Tensor) -> float:  # pixels: float [n, C, H, W] in [0, 1]
        return accuracy(model, pixels, labels, lambda x: normalize(x.to(device)), s["batch_size"])

    n = len(data.test.labels)
    idx = _subset(n, s["corruption_images"], s["seed"])
    clean = as_pixels(to_nhwc(data.test.images[idx]))
    labels = data.test.labels[idx]
    corruptions = corruption_set(s["corruptions"])
    if corruptions:
        add("corruption", "none", 0, "accuracy", acc(clean, labels))
    for name in corruptions:
        for severity in s["severities"]:
            images, y = _corrupted(data, name, severity, idx, s, device)
            add("corruption", name, severity, "accuracy",
                acc(as_pixels(images), y))

    idx = _subset(n, s["attack_images"], s["seed"])
    pixels, labels = as_pixels(to_nhwc(data.test.images[idx])), data.test.labels[idx]
    if s["attacks"]:
        add("attack", "none", 0, "accuracy", acc(pixels, labels))
    for attack in s["attacks"]:
        for eps in s["eps"]:
            adv = _attacked(model, pixels, labels, attack, eps, s, normalize, device)
            add("attack", attack, eps, "accuracy", acc(adv, labels))

    fraction = s["variance_fraction"]
    dims = layer_dimensionality(model, pixels.to(device), None, fraction, batch_size=s["batch_size"],
                                transform=normalize)
    for r in dims.itertuples():
        add("dimensionality", "clean", 0, r.measure.removeprefix("clean_"), r.value, r.layer)
    for change in s["changes"]:
        if "corruption" in change:
            name = change["corruption"]
            images, _ = _corrupted(data, name, change["level"], idx, {**s, "official_dir": None}, device)
            perturbed = as_pixels(images)
        else:
            name = change["attack"]
            perturbed = _attacked(model, pixels, labels, name, change["level"], s, normalize, device)
        dims = layer_dimensionality(model, pixels.to(device), perturbed.to(device), fraction,
                                    batch_size=s["batch_size"], transform=normalize)
        for r in dims[dims["measure"].str.startswith("change_")].itertuples():
            add("dimensionality", name, change["level"], r.measure.removeprefix("change_"), r.value, r.layer)

    df = pd.DataFrame(rows)
    for i, key in enumerate(("experiment", "alpha", "seed")):
        df.insert(i, key, run.get(key, ""))
    return df[ROBUSTNESS_COLUMNS]
