"""One mechanism to collect unit activations, used by the regularizer and by the analysis.

A "unit" is one feature map (channel) of a layer; its activation for a sample is the mean over the
feature map's spatial positions. Layers of units are marked in a model by wrapping their
nonlinearity in ``Unit``; for any other model, name the modules whose outputs are units.
"""

from __future__ import annotations

from typing import Iterable

import torch
from torch import Tensor, nn


class Unit(nn.Module):
    """Wraps a nonlinearity and marks its output [N, U, H, W] (or [N, U]) as a layer of units."""

    def __init__(self, activation: nn.Module):
        super().__init__()
        self.activation = activation

    def forward(self, x: Tensor) -> Tensor:
        return self.activation(x)


def unit_layers(model: nn.Module) -> dict[str, nn.Module]:
    """The model's modules marked with ``Unit``, by qualified name, in forward-definition order."""
    return {name: m for name, m in model.named_modules() if isinstance(m, Unit)}


def spatial_mean(x: Tensor) -> Tensor:
    """[N, U, *spatial] -> [N, U]: each unit's activation averaged over its feature map.

    Reduced-precision (bf16 / fp16) activations are averaged and returned in float32."""
    dtype = torch.float32 if x.dtype in (torch.bfloat16, torch.float16) else x.dtype
    return x.mean(dim=tuple(range(2, x.dim())), dtype=dtype) if x.dim() > 2 else x.to(dtype)


class UnitRecorder:
    """Records the spatially averaged output [N, U] of each unit layer during forward passes.

    >>> with UnitRecorder(model) as rec:
    ...     logits = model(images)
    ...     acts = rec.activations  # {layer name: Tensor[N, U]}, from the latest forward pass

    layers: module names to record (default: every ``Unit`` in the model).
    detach: record without autograd history (analysis, or logging mu_SI when alpha = 0).
    """

    def __init__(self, model: nn.Module, layers: Iterable[str] | None = None, detach: bool = False):
        if layers is None:
            self.modules = unit_layers(model)
            if not self.modules:
                raise ValueError(
                    f"{type(model).__name__} has no Unit-marked layers: pass layers=[module names]"
                )
        else:
            self.modules = {name: model.get_submodule(name) for name in layers}
        self.detach = detach
        self.activations: dict[str, Tensor] = {}
        self._handles: list = []

    def _hook(self, name: str):
        def hook(module, inputs, output):
            out = output.detach() if self.detach else output
            self.activations[name] = spatial_mean(out)

        return hook

    def __enter__(self) -> "UnitRecorder":
        self._handles = [m.register_forward_hook(self._hook(n)) for n, m in self.modules.items()]
        return self

    def __exit__(self, *exc) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []


@torch.no_grad()
def collect_activations(
    model: nn.Module,
    images: Tensor,
    batch_size: int = 1000,
    layers: Iterable[str] | None = None,
    transform=None,
) -> tuple[dict[str, Tensor], Tensor]:
    """Unit activations of every layer over a whole dataset, in eval mode.

    images: [N, C, H, W] (any dtype; ``transform`` maps a batch to the model's input).
    Returns ({layer: Tensor[N, U] float32 on CPU}, logits [N, K] on CPU).
    """
    was_training = model.training
    model.eval()
    chunks: dict[str, list[Tensor]] = {}
    logits = []
    try:
        with UnitRecorder(model, layers, detach=True) as rec:
            for start in range(0, images.shape[0], batch_size):
                x = images[start : start + batch_size]
                x = transform(x) if transform is not None else x
                logits.append(model(x).float().cpu())
                for name, a in rec.activations.items():
                    chunks.setdefault(name, []).append(a.float().cpu())
    finally:
        model.train(was_training)
    return {n: torch.cat(c) for n, c in chunks.items()}, torch.cat(logits)
