"""Speed settings of a training run that do not change its algorithm: device, memory format,
torch.compile. (Precision does change the arithmetic and is part of the run's hash.)

- device "auto": CUDA when available (the least-used visible GPU, see ``gpu_slots``), else CPU.
- channels_last None ("auto"): on for CUDA (tensor-core convolutions want NHWC), off for CPU,
  where this build's NCHW convolutions measured faster (docs/performance.md).
- precision "bf16": autocast of the forward pass to bfloat16 (weights, optimizer and the
  selectivity term stay float32); "fp32": no autocast.
- compile: a torch.compile mode for the training step ("default", "reduce-overhead",
  "max-autotune", "max-autotune-no-cudagraphs") or "none"; if compiling fails, the run goes on
  eagerly with a warning.
"""

from __future__ import annotations

import contextlib
from typing import Callable

import torch

PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}
COMPILE_MODES = ("none", "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def resolve_device(device: str) -> torch.device:
    """"auto" -> the least-used visible CUDA device, else CPU; anything else as given."""
    if device == "auto":
        if not torch.cuda.is_available():
            return torch.device("cpu")
        from .gpu_slots import acquire_gpu

        return torch.device("cuda", acquire_gpu(torch.cuda.device_count()))
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


def compiled(fn: Callable, mode: str, warn: Callable[[str], None]) -> Callable:
    """``fn`` compiled with torch.compile(mode=...), falling back to ``fn`` itself (with a warning)
    if compiling or the first compiled call fails. mode "none": ``fn`` unchanged."""
    if mode not in COMPILE_MODES:
        raise ValueError(f"unknown compile mode {mode!r}: choose one of {COMPILE_MODES}")
    if mode == "none":
        return fn
    try:
        fast = torch.compile(fn, mode=mode)
    except Exception as e:  # torch.compile unsupported here (platform, Python version)
        warn(f"torch.compile unavailable ({type(e).__name__}: {e}); training eagerly")
        return fn
    state = {"ok": None}

    def call(*args, **kwargs):
        if state["ok"] is None:
            try:
                out = fast(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 -- any compiler failure: fall back
                warn(f"torch.compile(mode={mode!r}) failed ({type(e).__name__}: {str(e).splitlines()[0][:200]}); "
                     "training eagerly")
                state["ok"] = False
                return fn(*args, **kwargs)
            state["ok"] = True
            return out
        return fast(*args, **kwargs) if state["ok"] else fn(*args, **kwargs)

    return call


def sgd(params, lr: float, momentum: float, weight_decay: float, device: torch.device) -> torch.optim.SGD:
    """SGD with the fused CUDA kernel where available (one launch for all parameters)."""
    params = list(params)
    if device.type == "cuda":
        try:
            return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay, fused=True)
        except (RuntimeError, TypeError, ValueError):
            pass
    return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
