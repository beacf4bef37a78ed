"""The regularized loss of one minibatch: loss = CE - alpha * mu_SI (paper Eq. 2)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..metrics import mean_selectivity
from .config import RunConfig


def minibatch_loss(logits: Tensor, acts: dict[str, Tensor], y: Tensor, cfg: RunConfig,
                   num_classes: int, alpha: float | Tensor | None = None) -> tuple[Tensor, Tensor]:
    """loss = CE - alpha * mu_SI of one minibatch (logits [B, classes], acts {layer: [B, U]}, y [B]).

    alpha: the epoch's alpha, a float, or a 0-dim tensor on the device that the trainer refills each
    epoch of a schedule (``training.schedule``; no read back from the device); None: ``cfg.alpha``.

    Returns (loss to minimize, detached float64 [4]: the batch's sums of loss, CE, mu_SI (each
    weighted by the batch size) and its count of correct predictions)."""
    ce = F.cross_entropy(logits if logits.dtype == torch.float64 else logits.float(), y)  # never below fp32
    si = mean_selectivity(acts, y, num_classes, cfg.selectivity_eps, check=False)
    alpha = cfg.alpha if alpha is None else alpha
    loss = ce - alpha * si if isinstance(alpha, Tensor) or alpha != 0.0 else ce
    n = y.shape[0]
    correct = (logits.argmax(1) == y).sum()
    return loss, torch.stack([loss * n, ce * n, si * n, correct.float()]).detach().double()
