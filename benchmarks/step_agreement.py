"""A few training steps of one run on two devices or in two arithmetics, compared (the checks of
``gpu_check.py``).

The same run (one seed: the same initial weights, the seed's minibatches in the same order with
the same crops and flips) trains S steps through the trainer's own pieces (``train.prepare_run``,
``SingleModel`` or ``stack.SeedStack``, ``epoch_batches``, the training step, the optimizer) once
as a reference in float64 (rounding 1e-16: exact for this purpose) and once per variant (another
device, float32 with or without TF32 convolutions, bf16 autocast, channels-last, torch.compile, a
stack of K seeds).

``compare`` measures step 1's cross-entropy, mean selectivity and gradient (computed from the
same weights and the same inputs, so they differ by rounding alone), every step's loss, and the
weights after S steps. The gradient of a network with ReLUs and max-pools is not a continuous
function of rounding: where rounding moves a pre-activation across 0, or changes which element of
a pooling window is the largest, the backward signal takes another path. So a reduced-precision
gradient is compared with the float64 gradient computed with the variant's own decisions
(``decisions``: ReLU signs and max-pool positions), which leaves the rounding of the arithmetic
alone; the share of flipped decisions is reported beside it. The tolerances (``tolerances``,
``steps_tolerance``) follow from the rounding unit of the arithmetic and the network's shape, not
from the differences seen: docs/performance.md ("CUDA against CPU") derives them.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from selectivity.data.prepared import PreparedData
from selectivity.training.config import RunConfig
from selectivity.training.loop import epoch_batches, prepare_run
from selectivity.training.networks import SeedStack, SingleModel
from selectivity.training.speed import Speed, configure

# Unit roundoff (the largest relative error of one rounding) of each number format.
UNIT_ROUNDOFF = {"fp64": 2.0**-53, "fp32": 2.0**-24, "tf32": 2.0**-11, "bf16": 2.0**-8}
# arithmetic -> formats of (convolution / matmul operands, stored activations, accumulation)
ARITHMETIC = {"fp64": ("fp64", "fp64", "fp64"), "fp32": ("fp32", "fp32", "fp32"),
              "tf32": ("tf32", "fp32", "fp32"), "bf16": ("bf16", "bf16", "fp32")}
GAIN_PERTURBATION = 1e-6  # relative size of the step-1 gradient perturbation that measures the gain


def network_depth(model: nn.Module) -> tuple[int, int]:
    """(L, n): the number of convolutions and linear layers, and the longest dot product of any
    of them in the forward pass (in_channels / groups x kernel height x kernel width, or in_features)."""
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    lengths = [m.in_features if isinstance(m, nn.Linear) else m.in_channels // m.groups * math.prod(m.kernel_size)
               for m in layers]
    return len(layers), max(lengths)


def tolerances(model: nn.Module, arithmetic: str, batch_size: int, side: int, input_rel_diff: float = 0.0) -> dict:
    """Bounds on the rounding error of step 1 (first order, worst case over the L layers):

    forward (relative error of the CE; absolute error of mu_SI) = (L + 1) x (2 u_op + 2 u_store
    + sqrt(n) u_acc); gradient (norm-wise relative, same ReLU decisions): the same with n the
    longest reduction of the backward pass (a weight gradient sums over batch x positions:
    batch_size x side^2). ``input_rel_diff``: a measured difference of the inputs, carried
    through the L + 1 layers."""
    operands, storage, accumulation = (UNIT_ROUNDOFF[f] for f in ARITHMETIC[arithmetic])
    depth, n = network_depth(model)
    rounding = 2 * operands + 2 * storage
    carried = (depth + 1) * input_rel_diff
    return {"forward": (depth + 1) * (rounding + math.sqrt(n) * accumulation) + carried,
            "gradient": (depth + 1) * (rounding + math.sqrt(max(n, batch_size * side**2)) * accumulation) + carried}


def steps_tolerance(gradient: float, gain: float, steps: int, weight_over_update: float,
                    weights: str = "fp64") -> float:
    """Bound on the relative difference of the S-step weight updates, where no ReLU decision
    flips (float64): each of the S steps adds a gradient error <= ``gradient``, which grows at most
    by ``gain`` (measured, at least 1), and the weights' own rounding (u x |w| / |update| per step)."""
    return steps * (max(1.0, gain) * gradient + UNIT_ROUNDOFF[weights] * weight_over_update)


@contextlib.contextmanager
def conv_precision(device: torch.device, arithmetic: str):
    """For the duration: cuDNN's float32 convolutions in TF32 ("tf32", PyTorch's default) or in
    full float32 ("fp32"). Float32 matmuls stay as PyTorch has them (full float32). Nothing changes
    on the CPU or for other arithmetics. (The flag is set through torch.backends.cudnn.allow_tf32,
    which keeps cuDNN's convolution and RNN settings equal: torch >= 2.9 refuses to read the flag,
    as torch.compile does, when only one of them was set through the newer per-operator API.)"""
    if device.type != "cuda" or arithmetic not in ("fp32", "tf32"):
        yield
        return
    before = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = arithmetic == "tf32"
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32 = before


@dataclass
class Steps:
    """What S steps of one run did, all float64 on the CPU. losses: [S, 3] per image (loss, CE,
    mu_SI) of every step; grad: [P] step 1's gradient of all parameters, flattened; start / end:
    [P] the parameters before the first and after the last step; state: every floating-point
    tensor of the model's state after the last step (BatchNorm statistics too); inputs / labels:
    step 1's minibatch; decisions: step 1's decisions of every ReLU (input > 0) and max-pool (the
    position of each window's largest input), if recorded."""

    losses: Tensor
    grad: Tensor
    start: Tensor
    end: Tensor
    state: dict[str, Tensor]
    inputs: Tensor
    labels: Tensor
    decisions: list[Tensor] | None = None
    warnings: list[str] = field(default_factory=list)


def _flat(tensors) -> Tensor:
    return torch.cat([t.detach().reshape(-1).double().cpu() for t in tensors])


def _signs(shape, generator) -> Tensor:
    return torch.randint(0, 2, shape, generator=generator, dtype=torch.float64) * 2 - 1


DECIDING = (nn.ReLU, nn.LeakyReLU, nn.MaxPool2d)  # the piecewise-linear layers of the models


def _decision(module: nn.Module, x: Tensor) -> Tensor:
    """What a piecewise-linear layer decided for input x: ReLU signs, max-pool argmax positions."""
    with torch.no_grad():
        if isinstance(module, nn.MaxPool2d):
            return F.max_pool2d(x, module.kernel_size, module.stride, module.padding, module.dilation,
                                ceil_mode=module.ceil_mode, return_indices=True)[1]
        return x > 0


def _with_decision(module: nn.Module, x: Tensor, decision: Tensor) -> Tensor:
    """The layer's output for input x had it decided ``decision`` (its gradient follows that path)."""
    decision = decision.to(x.device)
    if isinstance(module, nn.MaxPool2d):
        return x.flatten(2).gather(2, decision.flatten(2)).view(decision.shape)
    slope = module.negative_slope if isinstance(module, nn.LeakyReLU) else 0.0
    return x * torch.where(decision, 1.0, slope).to(x.dtype)


def train_steps_of(cfgs: list[RunConfig], data: PreparedData, speed: Speed, steps: int, arithmetic: str = "tf32",
                   double: bool = False, perturb_weights: float = 0.0, perturb_gradient: float = 0.0,
                   record_decisions: bool = False, decisions: list[Tensor] | None = None) -> list[Steps]:
    """S minibatch steps of the runs ``cfgs`` (one config: a single run; K: one stack of K seeds)
    from their initial weights, on ``speed``'s device, precision, layout and compile mode, with
    CUDA's float32 convolutions in ``arithmetic`` ("tf32", PyTorch's default, or "fp32"; see
    ``conv_precision``).

    double: model and inputs in float64 (a reference). perturb_weights: multiply every initial
    weight by 1 +- that (random signs: one rounding's worth). perturb_gradient: add to step 1's
    gradient a random vector of that norm relative to the gradient's. record_decisions: keep step
    1's decisions of the ReLUs and max-pools. decisions: make those layers decide so (a float64
    reference with a variant's decisions; steps=1). The last three: single eager runs only."""
    if decisions is not None and steps != 1:
        raise ValueError("decisions are step 1's: give steps=1")
    configure(speed.device)
    warnings: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:  # prepare_run makes the run folders; nothing is written
        shared: dict = {}
        runs = [prepare_run(c, data, Path(tmp) / f"seed_{c.seed}", speed, warnings.append, shared) for c in cfgs]
    if double:
        for run in runs:
            run.model.double()
    if perturb_weights:
        g = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for p in runs[0].model.parameters():
                p.mul_((1 + perturb_weights * _signs(p.shape, g)).to(p.dtype).to(p.device))
    deciding = [m for m in runs[0].model.modules() if isinstance(m, DECIDING)]
    recorded: list[Tensor] = []
    hooks = []
    if record_decisions:
        hooks = [m.register_forward_hook(lambda m, inp, out: recorded.append(_decision(m, inp[0]).cpu()))
                 for m in deciding]
    elif decisions is not None:
        hooks = [m.register_forward_hook(lambda m, inp, out, d=d: _with_decision(m, inp[0], d))
                 for m, d in zip(deciding, decisions, strict=True)]
    nets = SingleModel(runs[0], speed, warnings.append) if len(runs) == 1 else SeedStack(runs, speed, warnings.append)
    names = [name for name, _ in runs[0].model.named_parameters()]
    starts = [_flat(run.model.parameters()) for run in runs]
    losses, grads, first = [], [], None
    with conv_precision(speed.device, arithmetic), nets.recorder:
        batches = nets.batches([epoch_batches(run, 0) for run in runs])
        for step, (x, y) in enumerate(itertools.islice(batches, steps)):
            x = x.double() if double else x
            sums = nets.step(x, y).reshape(-1, 4)  # [K, 4]
            if step == 0:
                first = (x.detach().double().cpu().reshape(len(runs), *x.shape[-4:]), y.cpu().reshape(len(runs), -1))
                grads = _gradients(nets, runs, names)
                for h in hooks if record_decisions else ():
                    h.remove()
                if perturb_gradient:
                    _perturb_gradient(runs[0].model, perturb_gradient)
            nets.optimizer.step()
            losses.append(sums[:, :3].double().cpu() / y.shape[-1])
    for h in hooks:
        h.remove()
    if len(losses) < steps:
        raise ValueError(f"{len(losses)} minibatches of {cfgs[0].batch_size} for {steps} steps: give "
                         f"{steps * cfgs[0].batch_size} training images")
    per_step = torch.stack(losses, dim=1)  # [K, S, 3]
    return [Steps(per_step[k], grads[k], starts[k], _flat(run.model.parameters()),
                  {n: t.detach().double().cpu() for n, t in run.model.state_dict().items() if t.is_floating_point()},
                  first[0][k], first[1][k], recorded if record_decisions else None, warnings)
            for k, run in enumerate(runs)]


def _gradients(nets, runs, names: list[str]) -> list[Tensor]:
    if isinstance(nets, SeedStack):
        return [_flat(nets.params[n].grad[k] for n in names) for k in range(len(runs))]
    params = dict(runs[0].model.named_parameters())
    return [_flat(params[n].grad for n in names)]


def _perturb_gradient(model: nn.Module, relative: float) -> None:
    params = [p for p in model.parameters() if p.grad is not None]
    g = torch.Generator().manual_seed(0)
    noise = [torch.randn(p.shape, generator=g, dtype=torch.float64) for p in params]
    scale = relative * _flat(p.grad for p in params).norm() / _flat(noise).norm()
    with torch.no_grad():
        for p, z in zip(params, noise):
            p.grad.add_((scale * z).to(p.grad))


def gain(reference: Steps, perturbed: Steps, relative: float = GAIN_PERTURBATION) -> float:
    """How much a relative error of step 1's gradient grows by the last step: the relative
    difference of the S-step weight updates over the relative perturbation."""
    return float((perturbed.end - reference.end).norm() / (reference.end - reference.start).norm()) / relative


def decision_flips(reference: Steps, got: Steps) -> float:
    """Share of step 1's ReLU and max-pool decisions that differ between two runs that recorded them."""
    pairs = list(zip(reference.decisions, got.decisions, strict=True))
    return sum(int((a != b).sum()) for a, b in pairs) / sum(a.numel() for a, _ in pairs)


def compare(reference: Steps, got: Steps, gradient_reference: Steps | None = None) -> dict:
    """Differences of ``got`` from ``reference`` (same run: same initial weights and minibatches).
    The gradient is compared with ``gradient_reference`` where given (a float64 run with got's
    decisions), else with ``reference``."""
    ref_update = (reference.end - reference.start).norm()
    grad_ref = (gradient_reference or reference).grad
    return {
        "labels_equal": bool(torch.equal(got.labels, reference.labels)),
        "input_rel_diff": float((got.inputs - reference.inputs).abs().max() / reference.inputs.abs().max()),
        "ce_rel_diff_step1": float(abs(got.losses[0, 1] - reference.losses[0, 1]) / abs(reference.losses[0, 1])),
        "si_abs_diff_step1": float(abs(got.losses[0, 2] - reference.losses[0, 2])),
        "grad_rel_diff_step1": float((got.grad - grad_ref).norm() / grad_ref.norm()),
        "loss_max_abs_diff": float((got.losses[:, 0] - reference.losses[:, 0]).abs().max()),
        "weight_max_abs_diff": max(float((got.state[n] - reference.state[n]).abs().max()) for n in reference.state),
        "update_rel_diff": float((got.end - reference.end).norm() / ref_update),
        "weight_over_update": float(reference.end.norm() / ref_update),
    }
