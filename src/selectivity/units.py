"""One mechanism to collect unit activations, used by the regularizer and by the analysis.

A "unit" is one feature map (channel) of a layer; its activation for a sample is the mean over the
feature map's spatial positions. Layers of units are marked in a model by wrapping their
nonlinearity in ``Unit``; for any other model, name the modules whose outputs are units.

Every call of a recorded module is a layer: a module that runs once per forward pass keeps its
name; one that runs k > 1 times (a torchvision-style block that reuses one ``nn.ReLU``) gives k
layers ``name#1`` ... ``name#k``, in call order. A recorded module that does not run in a forward
pass is an error.
"""

from __future__ import annotations

import difflib
from typing import Callable, Iterable

import torch
from torch import Tensor, nn

from .evaluation import eval_mode
from .defaults import DUMP_IMAGES_PER_PASS


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


def _named_layers(model: nn.Module, layers: str | Iterable[str]) -> dict[str, nn.Module]:
    """{name: module} for module names ("fc" or ["fc", ...]); a clear error for unknown names."""
    names = [layers] if isinstance(layers, str) else list(layers)
    if not names:
        raise ValueError("layers is empty: name at least one module, or pass layers=None for the Unit layers")
    valid = [n for n, _ in model.named_modules() if n]
    modules = {}
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"layers must be module names (str), got {type(name).__name__}")
        try:
            modules[name] = model.get_submodule(name)
        except AttributeError:
            some = difflib.get_close_matches(name, valid, n=5, cutoff=0.5) or valid[:8]
            raise ValueError(
                f"{type(model).__name__} has no module {name!r}; its modules include "
                f"{', '.join(map(repr, some))} ({len(valid)} in all, see model.named_modules())"
            ) from None
    return modules


class UnitRecorder:
    """Records the spatially averaged output [N, U] of each unit layer during forward passes
    (or, with ``reduce``, any other reduction of it).

    >>> with UnitRecorder(model) as rec:
    ...     logits = model(images)
    ...     acts = rec.activations  # {layer name: Tensor[N, U]}, from the latest forward pass

    layers: module names to record ("fc" or ["block1.relu", ...]; default: every ``Unit``).
    detach: record without autograd history (analysis, or logging mu_SI when alpha = 0).
    reduce: maps a layer's output [N, U, *spatial] to what is kept (default ``spatial_mean``:
    [N, U]); ``None`` keeps the whole output (feature maps, e.g. for PWCCA over positions).

    ``activations`` holds one entry per call, in call order, rebuilt at every forward pass of
    ``model``: a module called once is keyed by its name, one called k > 1 times by ``name#1`` ...
    ``name#k``. A recorded module that does not run in a forward pass raises ValueError at its end;
    calls outside a forward pass of ``model`` are not recorded.
    """

    def __init__(self, model: nn.Module, layers: str | Iterable[str] | None = None, detach: bool = False,
                 reduce: Callable[[Tensor], Tensor] | None = spatial_mean):
        if layers is None:
            self.modules = unit_layers(model)
            if not self.modules:
                raise ValueError(
                    f"{type(model).__name__} has no Unit-marked layers: pass layers=[module names]"
                )
        else:
            self.modules = _named_layers(model, layers)
        self.model = model
        self.detach = detach
        self.reduce = reduce if reduce is not None else (lambda x: x)
        self.activations: dict[str, Tensor] = {}
        self._repeats: dict[str, int] = {}  # this forward pass: name -> calls, for modules called > 1 time
        self._running = False  # inside a forward pass of model
        self._handles: list = []

    def _start(self, module, inputs) -> None:
        """Root forward pre-hook: a new forward pass, nothing recorded yet."""
        self.activations = {}
        self._repeats = {}
        self._running = True

    def _hook(self, name: str):
        def hook(module, inputs, output):
            if not self._running:  # called outside a forward pass of model: not recorded
                return
            out = output.detach() if self.detach else output
            acts = self.activations
            if name in acts:  # a repeated call; the first keeps the plain name until _finish
                k = self._repeats.get(name, 1) + 1
                self._repeats[name] = k
                acts[f"{name}#{k}"] = self.reduce(out)
            else:
                acts[name] = self.reduce(out)

        return hook

    def _finish(self, module, inputs, output) -> None:
        """Root forward hook: check that every layer ran, name repeated calls name#1 ... name#k."""
        self._running = False
        acts = self.activations
        missing = [name for name in self.modules if name not in acts]
        if missing:
            self.activations = {}
            which = ", ".join(map(repr, missing))
            raise ValueError(
                f"layer{'s' if len(missing) > 1 else ''} {which} did not run during the forward pass of "
                f"{type(self.model).__name__}: record only modules that the forward calls"
            )
        if self._repeats:
            self.activations = {(f"{n}#1" if n in self._repeats else n): a for n, a in acts.items()}

    def __enter__(self) -> "UnitRecorder":
        self._handles = [self.model.register_forward_pre_hook(self._start, prepend=True)]
        self._handles += [m.register_forward_hook(self._hook(n)) for n, m in self.modules.items()]
        self._handles.append(self.model.register_forward_hook(self._finish))  # after the layers' hooks
        return self

    def __exit__(self, *exc) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []
        self._running = False


@torch.no_grad()
def collect_activations(
    model: nn.Module,
    images: Tensor,
    batch_size: int = DUMP_IMAGES_PER_PASS,
    layers: str | Iterable[str] | None = None,
    transform=None,
) -> tuple[dict[str, Tensor], Tensor]:
    """Unit activations of every layer over a whole dataset, in eval mode.

    images: [N, C, H, W] (any dtype; ``transform`` maps a batch to the model's input).
    Returns ({layer: Tensor[N, U] float32 on CPU}, one entry per recorded layer as named by
    ``UnitRecorder``; logits [N, K] on CPU).
    """
    chunks: dict[str, list[Tensor]] = {}
    logits = []
    with eval_mode(model):
        with UnitRecorder(model, layers, detach=True) as rec:
            for start in range(0, images.shape[0], batch_size):
                x = images[start : start + batch_size]
                x = transform(x) if transform is not None else x
                logits.append(model(x).float().cpu())
                if chunks and rec.activations.keys() != chunks.keys():
                    raise ValueError(
                        f"the layers recorded changed between batches of {type(model).__name__}: "
                        f"{list(chunks)} then {list(rec.activations)}"
                    )
                for name, a in rec.activations.items():
                    chunks.setdefault(name, []).append(a.float().cpu())
    return {n: torch.cat(c) for n, c in chunks.items()}, torch.cat(logits)
