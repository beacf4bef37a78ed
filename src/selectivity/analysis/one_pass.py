"""Per-unit class selectivity of any model in one streaming pass, never storing the activations.

``unit_stats(model, batches, num_classes, layers=...)`` runs ``model`` (eval mode, no gradients)
over ``batches`` of (images, labels), records the chosen layers with ``units.UnitRecorder`` (the one
mechanism that collects unit activations) and accumulates, per unit: the class-conditional sums
and counts (so the class-conditional means, the preferred class and SI, Eq. 1, through
``metrics.class_selectivity``), whether any activation is non-zero (dead units, A.6) and, with
``n_top``, the ``n_top`` largest activations and their labels (precision, A.5; ties go to the
earlier image, as ``analysis.precision`` breaks them). Memory: O(C x U + n_top x U) per layer.

Layers (``layers``): None (the model's ``Unit`` layers), module names, module types (every module
of that type, e.g. ``nn.ReLU``) or glob patterns over module names (``"layer*.relu"``), or a list
mixing them. A module called k > 1 times per forward pass gives layers ``name#1`` ... ``name#k``.
Spatial reduction: ``"mean"`` (the paper's) or ``"max"`` over each feature map.
"""

from __future__ import annotations

import fnmatch
from typing import Iterable

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn

from ..defaults import SELECTIVITY_EPS
from ..evaluation import eval_mode
from ..metrics import class_selectivity
from ..units import UnitRecorder, spatial_mean

REDUCTIONS = ("mean", "max")
COLUMNS = ["layer_index", "layer", "unit", "si", "preferred_class", "dead", "precision", "reduction"]


def spatial_max(x: Tensor) -> Tensor:
    """[N, U, *spatial] -> [N, U]: each unit's largest activation over its feature map (float32)."""
    x = x.float() if x.dtype in (torch.bfloat16, torch.float16) else x
    return x.amax(dim=tuple(range(2, x.dim()))) if x.dim() > 2 else x


def select_layers(model: nn.Module, layers) -> list[str] | None:
    """Module names for ``UnitRecorder`` from a selection (see the module docstring); None: the
    model's Unit layers. A selection that matches no module is an error naming it."""
    if layers is None:
        return None
    items = [layers] if isinstance(layers, (str, type)) else list(layers)
    named = [(n, m) for n, m in model.named_modules() if n]
    out: list[str] = []
    for item in items:
        if isinstance(item, type):
            found = [n for n, m in named if isinstance(m, item)]
        elif any(c in item for c in "*?["):
            found = [n for n, _ in named if fnmatch.fnmatchcase(n, item)]
        else:
            found = [item]  # a plain name: UnitRecorder checks it (with a "did you mean")
        if not found:
            raise ValueError(f"layers: {item!r} matches no module of {type(model).__name__}")
        out += [n for n in found if n not in out]
    return out


class _LayerStats:
    """Running statistics of one layer's units [U] over the batches seen."""

    def __init__(self, units: int, num_classes: int, n_top: int | None):
        self.sums = torch.zeros(num_classes, units, dtype=torch.float64)
        self.counts = torch.zeros(num_classes, dtype=torch.float64)
        self.nonzero = torch.zeros(units, dtype=torch.bool)
        self.n_top = n_top
        self.top = torch.empty(0, units)  # [<= n_top, U], descending per unit
        self.top_labels = torch.empty(0, units, dtype=torch.long)

    def add(self, acts: Tensor, labels: Tensor, num_classes: int) -> None:
        acts = acts.float().cpu()
        onehot = torch.nn.functional.one_hot(labels, num_classes).to(torch.float64)  # [B, C]
        self.sums += onehot.T @ acts.to(torch.float64)
        self.counts += onehot.sum(0)
        self.nonzero |= (acts != 0).any(0)
        if self.n_top:
            values = torch.cat([self.top, acts])  # earlier images first: a stable sort keeps ties in order
            lab = torch.cat([self.top_labels, labels[:, None].expand_as(acts)])
            order = torch.sort(values, dim=0, descending=True, stable=True).indices[: self.n_top]
            self.top, self.top_labels = values.gather(0, order), lab.gather(0, order)

    def table(self, num_classes: int, eps: float) -> dict:
        present = self.counts > 0
        if int(present.sum()) < 2:
            raise ValueError(f"class selectivity needs images of at least 2 classes, got {int(present.sum())}")
        means = self.sums / self.counts.clamp(min=1)[:, None]  # [C, U]; absent classes: 0 (left out of SI)
        classes = torch.arange(num_classes)[present]
        si = class_selectivity(means[present], classes, num_classes, eps)  # Eq. 1 on the class means
        out = {"si": si.numpy(), "preferred_class": classes[means[present].argmax(0)].numpy(),
               "dead": (~self.nonzero).numpy(), "class_means": means.numpy()}
        if self.n_top:
            if self.top.shape[0] < self.n_top:
                raise ValueError(f"n_top = {self.n_top} but the batches held only {self.top.shape[0]} images")
            counts = torch.stack([(self.top_labels == c).sum(0) for c in range(num_classes)])  # [C, U]
            out["precision"] = (counts.max(0).values.double() / self.n_top).numpy()
        return out


@torch.no_grad()
def unit_stats(model: nn.Module, batches: Iterable[tuple[Tensor, Tensor]], num_classes: int, layers=None,
               n_top: int | None = None, reduction: str = "mean", eps: float = SELECTIVITY_EPS,
               device: str | torch.device | None = None, transform=None) -> pd.DataFrame:
    """One row per unit (COLUMNS): SI (Eq. 1), preferred class, dead (A.6), precision over the top
    ``n_top`` images (A.5; NaN without ``n_top``), and the spatial reduction. ``df.attrs["class_means"]``
    holds each layer's class-conditional means [C, U]; ``df.attrs["images"]`` the images seen.

    batches: (images [B, ...], labels [B]) pairs; ``transform`` maps images to the model's input;
    ``device``: where the model runs (default: where its parameters are)."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if n_top is not None and n_top < 1:
        raise ValueError(f"n_top must be >= 1 (or None for no precision), got {n_top}")
    device = torch.device(device) if device is not None else next(model.parameters()).device
    reduce = spatial_mean if reduction == "mean" else spatial_max
    stats: dict[str, _LayerStats] = {}
    images = 0
    with eval_mode(model), UnitRecorder(model, select_layers(model, layers), detach=True, reduce=reduce) as rec:
        for x, y in batches:
            x = x.to(device)
            model(transform(x) if transform is not None else x)
            y = torch.as_tensor(y).long().cpu()
            if stats and rec.activations.keys() != stats.keys():
                raise ValueError(f"the layers recorded changed between batches: {list(stats)} then "
                                 f"{list(rec.activations)}")
            for name, a in rec.activations.items():
                if a.dim() != 2 or a.shape[0] != len(y):
                    raise ValueError(f"layer {name!r} gave activations {tuple(a.shape)} for {len(y)} labels")
                stats.setdefault(name, _LayerStats(a.shape[1], num_classes, n_top)).add(a, y, num_classes)
            images += len(y)
    if not stats:
        raise ValueError("no batches given")
    frames, class_means = [], {}
    for i, (name, s) in enumerate(stats.items()):
        t = s.table(num_classes, eps)
        class_means[name] = t.pop("class_means")
        units = len(t["si"])
        frames.append(pd.DataFrame({"layer_index": i, "layer": name, "unit": np.arange(units), **t}))
    df = pd.concat(frames, ignore_index=True).reindex(columns=COLUMNS)
    df["reduction"] = reduction
    df.attrs.update(class_means=class_means, images=images)
    return df


__all__ = ["COLUMNS", "REDUCTIONS", "select_layers", "spatial_max", "unit_stats"]
