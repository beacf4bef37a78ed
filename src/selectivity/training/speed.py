"""Where and how fast a run computes: device, memory format, precision, torch.compile (``Speed``,
built once per run by ``speed_settings``). Nothing here changes the algorithm but precision, which
changes the arithmetic and is part of the run's hash.

- device "auto": CUDA when available (the least-used visible GPU, see ``gpu_slots``), else CPU.
- channels_last None ("auto"): on for CUDA (tensor-core convolutions want NHWC), off for CPU,
  where it measured no consistent gain (docs/performance.md).
- precision "bf16": autocast of the forward pass to bfloat16 (weights, optimizer and the
  selectivity term stay float32); "fp32": no autocast.
- compile: a torch.compile mode for the training step ("default", "reduce-overhead",
  "max-autotune", "max-autotune-no-cudagraphs") or "none"; if compiling (or compiled code) fails,
  the run goes on eagerly with a warning.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable

import torch

from .config import RunConfig

PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}
COMPILE_MODES = ("none", "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def resolve_device(device: str) -> torch.device:
    """"auto" -> the least-used visible CUDA device, else CPU; anything else as given."""
    if device == "auto":
        if not torch.cuda.is_available():
            return torch.device("cpu")
        from .gpu_slots import acquire_gpu

        index = acquire_gpu(torch.cuda.device_count())
        torch.cuda.set_device(index)  # kernels, caches and compiled graphs of this process land there
        return torch.device("cuda", index)
    return torch.device(device)


def configure(device: torch.device) -> None:
    """Backend settings for speed: cuDNN picks the fastest convolution algorithms for the fixed
    input shapes (PyTorch's defaults otherwise: TF32 in cuDNN convolutions, not in matmuls)."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True


def use_channels_last(setting: bool | None, device: torch.device) -> bool:
    return device.type == "cuda" if setting is None else bool(setting)


def autocast(device: torch.device, precision: str):
    """Context for the forward pass at ``precision`` ("fp32": a no-op)."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}: choose one of {sorted(PRECISIONS)}")
    dtype = PRECISIONS[precision]
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def compiled_step(
    make_step: Callable[[Callable], Callable],
    forward: Callable,
    mode: str,
    warn: Callable[[str], None],
    passthrough: tuple[type[BaseException], ...] = (),
) -> Callable:
    """The training step ``make_step(forward)``, with ``forward`` compiled by
    ``torch.compile(mode=mode, dynamic=False)``; mode "none": the eager step.

    Compilation is lazy (the forward graph at the first calls and at a new batch shape, the backward
    graph inside ``loss.backward()``), so every call of the compiled step is guarded: if it raises
    anything but a ``passthrough`` exception, the step warns once, redoes that call eagerly and
    stays eager. (A failure after the forward pass ran leaves that batch's BatchNorm statistics
    updated twice: the price of going on instead of stopping.)
    """
    if mode not in COMPILE_MODES:
        raise ValueError(f"unknown compile mode {mode!r}: choose one of {COMPILE_MODES}")
    eager = make_step(forward)
    if mode == "none":
        return eager
    try:
        fast = make_step(torch.compile(forward, mode=mode, dynamic=False))
    except Exception as e:  # torch.compile unsupported here (platform, Python version)
        warn(f"torch.compile unavailable ({type(e).__name__}: {e}); training eagerly")
        return eager
    use_eager = False

    def step(*args, **kwargs):
        nonlocal use_eager
        if use_eager:
            return eager(*args, **kwargs)
        try:
            return fast(*args, **kwargs)
        except passthrough:
            raise
        except Exception as e:  # noqa: BLE001 -- any compiler or compiled-code failure: go on eagerly
            first_line = (str(e).splitlines() or [""])[0][:200]
            warn(f"torch.compile(mode={mode!r}) failed ({type(e).__name__}: {first_line}); training eagerly")
            use_eager = True
            return eager(*args, **kwargs)

    return step


def match_parameter_layout(optimizer: torch.optim.Optimizer) -> None:
    """Give every momentum buffer its parameter's strides (after ``load_state_dict``: a state saved
    from an NCHW run may resume channels-last; the fused CUDA SGD needs equal strides)."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            buf = optimizer.state.get(p, {}).get("momentum_buffer")
            if buf is not None and buf.stride() != p.stride():
                optimizer.state[p]["momentum_buffer"] = torch.empty_like(p).copy_(buf)


def sgd(params, lr: float, momentum: float, weight_decay: float, device: torch.device) -> torch.optim.SGD:
    """SGD with the fused CUDA kernel where available (one launch for all parameters)."""
    params = list(params)
    if device.type == "cuda":
        try:
            return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay, fused=True)
        except (RuntimeError, TypeError, ValueError):
            pass
    return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)


@dataclass(frozen=True)
class Speed:
    """Where and how fast a run computes; nothing here changes the algorithm but ``precision``,
    which is part of the run hash."""

    device: torch.device
    channels_last: bool
    precision: str
    compile: str

    @property
    def memory_format(self) -> torch.memory_format:
        return torch.channels_last if self.channels_last else torch.contiguous_format

    def autocast(self):
        return autocast(self.device, self.precision)


def speed_settings(cfg: RunConfig) -> Speed:
    """The run's speed options resolved and applied (device chosen, backend configured)."""
    device = resolve_device(cfg.device)
    configure(device)
    return Speed(device, use_channels_last(cfg.channels_last, device), cfg.precision, cfg.compile)
