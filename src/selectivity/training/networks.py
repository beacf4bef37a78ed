"""The networks a training process trains, behind one protocol (``Networks``): one run's model
(``SingleModel``) or K seeds of one (experiment, alpha) as one stack (``SeedStack``). Both build
their step with ``training_step`` around the same regularized loss (``loss.minibatch_loss``).

A stack of K networks in one process:

The K models' parameters and buffers are stacked on a leading seed dimension ([K, ...],
``torch.func.stack_module_state``); one forward pass is ``vmap`` of ``functional_call`` over the
stack, so every seed sees its own minibatch [B, ...] and its own BatchNorm statistics, and the
selectivity term of each seed is computed from its own unit activations (the same ``UnitRecorder``
and ``minibatch_loss`` as a single run). One backward of the summed losses gives each seed exactly
its own gradient, and one SGD step over the stacked tensors is K independent SGD steps (SGD is
elementwise). PyTorch lowers a vmapped convolution with stacked weights to one grouped convolution.

Each run's ``model`` stays a normal ``nn.Module`` whose parameters and buffers are views of its
slice of the stack: validation, the best-epoch copy, evaluation and the saved files are those of
a single run.
"""

from __future__ import annotations

import copy
from typing import Callable, Iterator, Protocol

import torch
from torch import Tensor
from torch.func import functional_call, stack_module_state, vmap

from ..errors import Preempted
from ..units import UnitRecorder
from .config import RunConfig
from .loss import minibatch_loss
from .speed import compiled_step, match_parameter_layout, sgd


class Networks(Protocol):
    """What the training loop needs of the networks it trains (one run's or a stack's)."""

    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    recorder: UnitRecorder
    step: Callable[[Tensor, Tensor], Tensor]  # (x, y) -> batch sums [4] or [K, 4]; forward and backward
    alpha: EpochAlpha  # the regularizer's alpha in the current epoch


    def batches(self, per_run: list[Iterator[tuple[Tensor, Tensor]]]) -> Iterator[tuple[Tensor, Tensor]]:
        """One epoch's minibatches of every run, in the layout ``step`` takes."""

    def optimizer_state(self, k: int) -> dict:
        """Run k's optimizer state, in a single run's ``optimizer.state_dict()`` layout."""

    def load_optimizer_states(self, states: list[dict]) -> None:
        """Restore the runs' optimizer states (each in a single run's layout)."""


def training_step(
    optimizer: torch.optim.Optimizer,
    forward: Callable,
    mode: str,
    warn: Callable[[str], None],
    passthrough: tuple[type[BaseException], ...] = (),
) -> Callable:
    """step(x, y): zero the gradients, run ``forward(x, y) -> (loss, batch_sums)`` (compiled as
    ``compiled_step`` says for ``mode``) and ``loss.backward()``; returns batch_sums. The optimizer
    step is the caller's."""

    def make_step(fwd: Callable) -> Callable:
        def step(x, y):
            optimizer.zero_grad(set_to_none=True)
            loss, batch_sums = fwd(x, y)
            loss.backward()
            return batch_sums

        return step

    return compiled_step(make_step, forward, mode, warn=warn, passthrough=passthrough)


class EpochAlpha:
    """The alpha the loss reads in the current epoch. Constant alpha (no schedule): the float, as
    before schedules existed. A schedule: a 0-dim float32 tensor on the device that ``set_epoch``
    refills in place (no host-device synchronisation, and a compiled step keeps its graph)."""

    def __init__(self, cfg: RunConfig, device: torch.device):
        self.per_epoch = cfg.epoch_alphas()
        self.value = torch.tensor(self.per_epoch[0], device=device) if cfg.alpha_schedule else cfg.alpha

    def set_epoch(self, epoch: int) -> float:
        """Make ``value`` epoch's alpha (0-based); returns it (a float, for the log)."""
        if isinstance(self.value, Tensor):
            self.value.fill_(self.per_epoch[epoch])
        return self.per_epoch[epoch]


def check_stackable(cfgs: list[RunConfig]) -> None:
    """Runs of one stack differ in their seed only (one schedule, one batch shape, one model)."""
    first = {k: v for k, v in cfgs[0].to_dict().items() if k != "seed"}
    for cfg in cfgs[1:]:
        other = {k: v for k, v in cfg.to_dict().items() if k != "seed"}
        diff = sorted(k for k in first if first[k] != other[k])
        if diff:
            raise ValueError(f"runs trained as one stack must differ only in their seed; seed {cfg.seed} differs "
                             f"from seed {cfgs[0].seed} in {diff}")
    seeds = [cfg.seed for cfg in cfgs]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"a stack holds each seed once, got seeds {seeds}")


def _bind_views(model: torch.nn.Module, stacked: dict[str, Tensor], k: int) -> None:
    """Make the model's parameters and buffers views of slice k of the stacked tensors."""
    tensors = dict(model.named_parameters())
    tensors.update(model.named_buffers())
    for name, t in tensors.items():
        t.data = stacked[name].data[k]


class SeedStack:
    """The networks of K runs as one stack: ``step(x [K, B, ...], y [K, B])`` runs forward and
    backward for all and returns their batch sums [K, 4]; one optimizer and one LR schedule."""

    def __init__(self, runs, speed, warn: Callable[[str], None]):
        """runs: the K runs (``loop.Run``: their models, configs and data); speed: ``speed.Speed``."""
        cfg = runs[0].cfg
        self.models = [run.model for run in runs]
        self.params, self.buffers = stack_module_state(self.models)
        for k, model in enumerate(self.models):
            _bind_views(model, {**self.params, **self.buffers}, k)
        self.base = copy.deepcopy(self.models[0]).to("meta")  # the architecture; weights come from the stack
        self.base.train()
        self.optimizer = sgd(self.params.values(), cfg.lr, cfg.momentum, cfg.weight_decay, speed.device)
        self.scheduler = torch.optim.lr_scheduler.MultiStepLR(self.optimizer, list(cfg.lr_milestones), cfg.lr_gamma)
        self.recorder = UnitRecorder(self.base, detach=cfg.alpha == 0.0)
        self.alpha = EpochAlpha(cfg, speed.device)
        num_classes = runs[0].data.num_classes

        def one_seed(params, buffers, x, y):
            with speed.autocast():
                logits = functional_call(self.base, (params, buffers), (x,))
            return minibatch_loss(logits, self.recorder.activations, y, cfg, num_classes, self.alpha.value)

        def forward(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
            losses, sums = vmap(one_seed)(self.params, self.buffers, x, y)
            return losses.sum(), sums

        self.step = training_step(self.optimizer, forward, speed.compile, warn, passthrough=(Preempted,))

    def batches(self, per_run: list[Iterator[tuple[Tensor, Tensor]]]) -> Iterator[tuple[Tensor, Tensor]]:
        """The runs' minibatches (each run's own order and augmentation: ``loop.epoch_batches``),
        stacked: ([K, B, C, H, W], [K, B])."""
        for pairs in zip(*per_run, strict=True):
            yield torch.stack([x for x, _ in pairs]), torch.stack([y for _, y in pairs])

    def optimizer_state(self, k: int) -> dict:
        """Run k's optimizer state, in the layout of a single run's ``optimizer.state_dict()``."""
        sd = self.optimizer.state_dict()
        return {"state": {i: {name: v[k] if isinstance(v, Tensor) and v.dim() > 0 else v for name, v in s.items()}
                          for i, s in sd["state"].items()},
                "param_groups": sd["param_groups"]}

    def load_optimizer_states(self, states: list[dict]) -> None:
        """Stack the runs' optimizer states (as ``optimizer_state`` gives them, or single runs' own)."""
        first = states[0]
        stacked = {}
        for i, s in first["state"].items():
            stacked[i] = {name: torch.stack([st["state"][i][name] for st in states]) if isinstance(v, Tensor)
                          and v.dim() > 0 else v for name, v in s.items()}
        self.optimizer.load_state_dict({"state": stacked, "param_groups": first["param_groups"]})


class SingleModel:
    """One run's model, its optimizer and schedule, and its compiled or eager training step."""

    def __init__(self, run, speed, warn: Callable[[str], None]):
        """run: a ``loop.Run`` (its model, config and data); speed: ``speed.Speed``."""
        cfg = run.cfg
        self.model = run.model
        self.optimizer = sgd(self.model.parameters(), cfg.lr, cfg.momentum, cfg.weight_decay, speed.device)
        self.scheduler = torch.optim.lr_scheduler.MultiStepLR(self.optimizer, list(cfg.lr_milestones), cfg.lr_gamma)
        self.recorder = UnitRecorder(self.model, detach=cfg.alpha == 0.0)
        self.alpha = EpochAlpha(cfg, speed.device)
        num_classes = run.data.num_classes

        def forward(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
            with speed.autocast():
                logits = self.model(x)
            return minibatch_loss(logits, self.recorder.activations, y, cfg, num_classes, self.alpha.value)

        self.step = training_step(self.optimizer, forward, speed.compile, warn, passthrough=(Preempted,))

    def batches(self, per_run: list[Iterator[tuple[Tensor, Tensor]]]):
        return per_run[0]

    def optimizer_state(self, k: int) -> dict:
        return self.optimizer.state_dict()

    def load_optimizer_states(self, states: list[dict]) -> None:
        self.optimizer.load_state_dict(states[0])
        match_parameter_layout(self.optimizer)
