"""A network evaluated: eval mode for a block, and top-1 accuracy over a set of images in batches
(used by training's validation and test, the robustness job and the attacks)."""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import torch
from torch import Tensor, nn


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """The model in eval mode inside the block, back in its own mode after (however the block ends)."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@torch.no_grad()
def accuracy(model: nn.Module, images: Tensor, labels: Tensor, transform: Callable[[Tensor], Tensor],
             batch_size: int, precision_context: Callable = contextlib.nullcontext) -> float:
    """Top-1 accuracy in eval mode: the fraction of ``images`` [N, ...] whose logits' argmax is the
    label [N]. ``transform`` maps a batch of ``images`` to the model's input (on its device, in its
    layout); predictions are compared on the labels' device. 0 for no images."""
    correct = torch.zeros((), dtype=torch.long, device=labels.device)
    with eval_mode(model):
        for s in range(0, images.shape[0], batch_size):
            with precision_context():
                logits = model(transform(images[s : s + batch_size]))
            correct += (logits.argmax(1).to(labels.device) == labels[s : s + batch_size]).sum()
    return correct.item() / max(1, images.shape[0])
