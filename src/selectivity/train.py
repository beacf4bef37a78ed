"""Training with the class-selectivity knob: loss = CE - alpha * mu_SI (paper Eq. 2).

mu_SI (Eq. 3) is computed on every minibatch from the unit activations recorded by
``UnitRecorder``; alpha < 0 penalizes class selectivity, alpha > 0 promotes it. The run keeps the
parameters of the epoch with the best validation accuracy and reports the test accuracy and
test-set mean SI of that model. It trains and validates on the prepared file's splits, or on the
run's own (``train_size``, ``val_draw``: see ``selectivity.data.run_splits``).

Resumable: at the end of every epoch that ends ``checkpoint_interval_s`` seconds or more after the
previous save (0: every epoch), and after the last epoch, the complete state (model, optimizer,
scheduler, RNG, best-so-far, log) is saved atomically to ``train_state.pt`` in the run directory
(not one of the run's outputs). A run started again continues after the last saved epoch and ends with exactly the
same summary as an uninterrupted run (on CPU). The state is deleted once the outputs exist.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import signal
import sys
import time
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from .accel import autocast, compiled_step, configure, match_parameter_layout, resolve_device, sgd, use_channels_last
from .checkpoint import load_state, save_model
from .errors import NonFiniteLossError, Preempted
from .data import AUGMENT_DEFAULTS, PreparedData
from .data.augment import (batch_class_counts, epoch_generator, epoch_plan, normalize, normalize_nhwc, to_nhwc,
                           train_batches)
from .data.run_splits import run_splits
from .io import torch_save, write_json, write_text
from .metrics import layer_selectivity, mean_selectivity
from .models import build_model, count_parameters
from .runconfig import RunConfig
from .units import UnitRecorder, collect_activations

STATE_FILE = "train_state.pt"
OUTPUT_FILES = ("model.pt", "log.csv", "summary.json")
LOG_COLUMNS = ("epoch", "lr", "loss", "ce", "mean_si", "train_accuracy", "val_accuracy", "train_seconds", "seconds")
# train_seconds: the epoch's minibatch steps; seconds: the whole epoch (validation, state saving too)


def _rng_state() -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


@torch.no_grad()
def accuracy(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, transform, batch_size: int,
             precision_context=contextlib.nullcontext) -> float:
    """Top-1 accuracy in eval mode. images: uint8 on the model's device, in the layout
    ``transform`` maps to the model's input ([N, C, H, W] for ``normalize``)."""
    was_training = model.training
    model.eval()
    correct = torch.zeros((), dtype=torch.long, device=images.device)
    for s in range(0, images.shape[0], batch_size):
        with precision_context():
            logits = model(transform(images[s : s + batch_size]))
        correct += (logits.argmax(1) == labels[s : s + batch_size]).sum()
    model.train(was_training)
    return correct.item() / max(1, images.shape[0])


@contextlib.contextmanager
def preemption_signals(signals=(signal.SIGTERM, signal.SIGUSR1)):
    """Turn SIGTERM / SIGUSR1 (what SLURM sends on preemption, time limit or scancel) into a
    ``Preempted`` exception, so the run stops with a message and a non-zero exit; the resume state
    of the last saved epoch is already on disk (at most ``checkpoint_interval_s`` and one epoch of work
    are lost)."""

    def handler(signum, frame):
        raise Preempted(f"received {signal.Signals(signum).name}")

    try:
        previous = {s: signal.signal(s, handler) for s in signals}
    except ValueError:  # not the main thread: leave signal handling alone
        yield
        return
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _format_eta(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def train_run(
    cfg: RunConfig,
    data: PreparedData,
    out_dir: str | Path,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Train one (alpha, seed) run; write model.pt, log.csv and summary.json to ``out_dir``.

    Returns the summary dict. Raises NonFiniteLossError if the loss becomes NaN or infinite.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    progress = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    device = resolve_device(cfg.device)
    tag = f"[{cfg.experiment} {cfg.describe()}]"
    config_hash = cfg.hash()
    augment = dict(AUGMENT_DEFAULTS.get(data.name, {"crop_padding": 0, "hflip": False}))
    if cfg.crop_padding is not None:
        augment["crop_padding"] = cfg.crop_padding
    if cfg.hflip is not None:
        augment["hflip"] = cfg.hflip

    data = run_splits(data, cfg.train_size, cfg.val_draw, cfg.seed)
    if cfg.train_size is not None or cfg.val_draw != "fixed":
        progress(f"{tag} {len(data.train.labels)} training images (train_size {cfg.train_size}), "
                 f"{len(data.val.labels)} validation images (val_draw {cfg.val_draw})")

    torch.manual_seed(cfg.seed)
    in_channels = data.image_shape[0]
    configure(device)
    channels_last = use_channels_last(cfg.channels_last, device)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model = build_model(cfg.model, data.num_classes, in_channels, **cfg.model_options)
    model = model.to(device, memory_format=memory_format)
    optimizer = sgd(model.parameters(), cfg.lr, cfg.momentum, cfg.weight_decay, device)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, list(cfg.lr_milestones), cfg.lr_gamma)
    mean = torch.tensor(data.mean, device=device)
    std = torch.tensor(data.std, device=device)
    transform = lambda x: normalize(x, mean, std)  # noqa: E731  (uint8 NCHW -> model input)
    transform_nhwc = lambda x: normalize_nhwc(x, mean, std, channels_last)  # noqa: E731
    precision_context = lambda: autocast(device, cfg.precision)  # noqa: E731
    train_x, train_y = to_nhwc(data.train.images).to(device), data.train.labels.to(device)
    val_x, val_y = to_nhwc(data.val.images).to(device), data.val.labels.to(device)

    state_path = out_dir / STATE_FILE
    start_epoch, best, log_rows = 0, {"epoch": -1, "val_accuracy": -1.0, "state_dict": None}, []
    state = load_state(state_path)
    if state is not None and state["config_hash"] != config_hash:
        progress(f"{tag} ignoring {state_path}: saved under another configuration ({state['config_hash']})")
        state = None
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        match_parameter_layout(optimizer)
        scheduler.load_state_dict(state["scheduler"])
        _set_rng_state(state["rng"])
        start_epoch, best, log_rows = state["epoch"], state["best"], state["log"]
        progress(f"{tag} resuming after epoch {start_epoch}/{cfg.epochs} from {state_path}")

    regularize = cfg.alpha != 0.0
    recorder = UnitRecorder(model, detach=not regularize)

    def forward_loss(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One minibatch: (loss to minimize, detached [4] sums: loss, ce, mu_SI (sample-weighted), correct)."""
        with precision_context():
            logits = model(x)
        ce = F.cross_entropy(logits.float(), y)
        si = mean_selectivity(recorder.activations, y, data.num_classes, cfg.selectivity_eps, check=False)
        loss = ce - cfg.alpha * si if regularize else ce
        n = x.shape[0]
        correct = (logits.argmax(1) == y).sum()
        return loss, torch.stack([loss * n, ce * n, si * n, correct.float()]).detach().double()

    def make_step(forward: Callable) -> Callable:
        def step(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            optimizer.zero_grad(set_to_none=True)
            loss, batch_sums = forward(x, y)
            loss.backward()
            return batch_sums

        return step

    step = compiled_step(make_step, forward_loss, cfg.compile, warn=lambda m: progress(f"{tag} {m}"),
                         passthrough=(Preempted,))
    labels_cpu = data.train.labels
    started = time.perf_counter()
    last_save = started
    try:
        with preemption_signals(), recorder:
            for epoch in range(start_epoch, cfg.epochs):
                t0 = time.perf_counter()
                lr = optimizer.param_groups[0]["lr"]
                model.train()
                plan = epoch_plan(len(labels_cpu), epoch_generator(cfg.seed, epoch), **augment)
                _check_minibatch_classes(labels_cpu[plan.order], cfg, tag, epoch)
                sums = torch.zeros(4, dtype=torch.float64, device=device)
                n = 0
                for x, y in train_batches(train_x, train_y, cfg.batch_size, plan.to(device), mean, std,
                                          augment["crop_padding"], channels_last, cfg.drop_last):
                    batch_sums = step(x, y)  # forward and backward
                    optimizer.step()
                    sums += batch_sums
                    n += x.shape[0]
                scheduler.step()
                loss_sum, ce_sum, si_sum, correct = sums.tolist()
                train_seconds = time.perf_counter() - t0
                if not math.isfinite(loss_sum):
                    raise NonFiniteLossError(
                        f"{tag} non-finite loss ({loss_sum}) in epoch {epoch + 1} of experiment {cfg.experiment}: "
                        f"dataset={cfg.dataset}, model={cfg.model}, alpha={cfg.alpha:g}, seed={cfg.seed}. "
                        f"Lower the learning rate or |alpha|; {_saved(state_path)}."
                    )
                val_acc = accuracy(model, val_x, val_y, transform_nhwc, cfg.eval_batch_size, precision_context)
                if val_acc > best["val_accuracy"]:
                    best = {"epoch": epoch + 1, "val_accuracy": val_acc,
                            "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}}
                seconds = time.perf_counter() - t0
                log_rows.append({"epoch": epoch + 1, "lr": lr, "loss": loss_sum / n, "ce": ce_sum / n, "mean_si": si_sum / n,
                                 "train_accuracy": correct / n, "val_accuracy": val_acc, "train_seconds": train_seconds,
                                 "seconds": seconds})
                now = time.perf_counter()
                if now - last_save >= cfg.checkpoint_interval_s or epoch + 1 == cfg.epochs:
                    torch_save(state_path, {
                        "config_hash": config_hash, "epoch": epoch + 1, "model": model.state_dict(),
                        "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                        "rng": _rng_state(), "best": best, "log": log_rows,
                    })
                    last_save = now
                done = epoch + 1 - start_epoch
                eta = (time.perf_counter() - started) / done * (cfg.epochs - epoch - 1)
                r = log_rows[-1]
                progress(f"{tag} epoch {epoch + 1}/{cfg.epochs} loss {r['loss']:.4f} ce {r['ce']:.4f} "
                         f"si {r['mean_si']:.4f} train {r['train_accuracy']:.4f} val {val_acc:.4f} lr {lr:.3g} "
                         f"{seconds:.1f}s ({n / train_seconds:,.0f} img/s) eta {_format_eta(eta)}")

    except Preempted as e:
        raise Preempted(f"{tag} stopped ({e}); {_saved(state_path)}: run the job again to resume") from None

    if best["state_dict"] is None:
        raise ValueError(f"{tag} no epoch was trained (epochs={cfg.epochs})")
    model.load_state_dict(best["state_dict"])
    summary = _evaluate_best(cfg, data, model, transform, device)
    summary.update(config_hash=config_hash, best_epoch=best["epoch"], best_val_accuracy=best["val_accuracy"],
                   num_parameters=count_parameters(model), train_images=len(data.train.labels),
                   val_images=len(data.val.labels))
    info = {"model": cfg.model, "num_classes": data.num_classes, "in_channels": in_channels,
            "model_options": dict(cfg.model_options), "config": cfg.to_dict(), "config_hash": config_hash,
            "dataset": data.name, "mean": list(data.mean), "std": list(data.std)}
    save_model(out_dir / "model.pt", model, info)
    write_text(out_dir / "log.csv", _csv(log_rows))
    write_json(out_dir / "summary.json", summary)
    state_path.unlink(missing_ok=True)
    progress(f"{tag} done: best epoch {best['epoch']}, test accuracy {summary['test_accuracy']:.4f}, "
             f"test mean SI {summary['test_mean_si']:.4f}")
    return summary


def _saved(state_path: Path) -> str:
    saved = load_state(state_path)
    return f"the state after epoch {saved['epoch']} is in {state_path}" if saved else "no resume state was saved"


def _check_minibatch_classes(labels_in_order: torch.Tensor, cfg: RunConfig, tag: str, epoch: int) -> None:
    """mu_SI needs two classes in every minibatch: checked on the host, once per epoch."""
    counts = batch_class_counts(labels_in_order, cfg.batch_size)
    if cfg.drop_last and len(labels_in_order) % cfg.batch_size:
        counts = counts[:-1]
    bad = (counts < 2).nonzero().flatten()
    if len(bad):
        raise ValueError(
            f"{tag} minibatch {int(bad[0])} of epoch {epoch + 1} holds a single class, where class selectivity is "
            f"undefined: raise batch_size ({cfg.batch_size}) or set drop_last: true (experiment {cfg.experiment})"
        )


def _evaluate_best(cfg: RunConfig, data: PreparedData, model, transform, device) -> dict:
    """Test accuracy and test-set selectivity (SI over the whole test set) of the chosen model."""
    test_x = data.test.images.to(device)
    acts, logits = collect_activations(model, test_x, cfg.eval_batch_size, transform=transform)
    labels = data.test.labels
    per_layer = layer_selectivity(acts, labels, data.num_classes, cfg.selectivity_eps)
    return {
        "experiment": cfg.experiment, "dataset": cfg.dataset, "model": cfg.model, "alpha": cfg.alpha,
        "seed": cfg.seed, "epochs": cfg.epochs, "device": device.type,
        "test_accuracy": (logits.argmax(1) == labels).float().mean().item(),
        "test_mean_si": per_layer.mean().item(),
        "test_layer_si": per_layer.tolist(),
        # what the analysis of this run must find: these layers with these unit counts, test_size rows
        "unit_layers": [[name, int(a.shape[1])] for name, a in acts.items()],
        "num_classes": data.num_classes, "test_size": int(labels.shape[0]),
    }


def _csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=LOG_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
