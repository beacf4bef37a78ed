"""Training with the class-selectivity knob: loss = CE - alpha * mu_SI (paper Eq. 2).

mu_SI (Eq. 3) is computed on every minibatch from the unit activations recorded by
``UnitRecorder``; alpha < 0 penalizes class selectivity, alpha > 0 promotes it. A run keeps the
parameters of the epoch with the best validation accuracy and reports the test accuracy and
test-set mean SI of that model, and those of the last epoch's network too (``last_*``; the
reading a schedule that regularizes late needs). It trains and validates on the prepared file's splits, or on the
run's own (``train_size``, ``val_draw``: see ``selectivity.data.run_splits``).

``train_run`` trains one (alpha, seed) run; ``train_runs`` trains K seeds of one (experiment, alpha)
in one process, as one stack of K networks (``training.networks.SeedStack``: one vmapped forward/backward and
one optimizer step for all), each with its own initialization, data order and augmentation, and
writes each run's folder as ``train_run`` would (the same computation; in float32 the rounding of
grouped convolutions differs, and grows during training as between any two float32 runs).

Resumable: at the end of every epoch that ends ``checkpoint_interval_s`` seconds or more after the
previous save (0: every epoch), and after the last epoch, each run's complete state (model,
optimizer, scheduler, RNG, best-so-far, log) is saved atomically to ``train_state.pt`` in its run
directory (not one of the run's outputs). A run started again continues after the last saved epoch
and ends with exactly the same summary as an uninterrupted run (on CPU). The states of a stack are
those of single runs: a stack resumes single runs' states and the other way round. The state is
deleted once the outputs exist.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import torch
from torch import Tensor, nn

from ..data import PreparedData
from ..data.augment import (batch_class_counts, epoch_generator, epoch_plan, normalize, normalize_nhwc, to_nhwc,
                           train_batches)
from ..data.registry import DATASETS
from ..data.run_splits import run_splits
from ..errors import NonFiniteLossError, Preempted
from ..files.epochs import epoch_rows, write_epochs
from ..evaluation import accuracy
from ..io import remove_stale_temporaries, write_json, write_text
from ..layout import EPOCHS_FILE  # with probe_size > 0
from ..metrics import layer_selectivity
from ..models import build_model, count_parameters
from ..units import collect_activations
from .checkpoint import load_resume_state, save_model, save_resume_state
from .config import RunConfig
from .networks import Networks, SeedStack, SingleModel, check_stackable
from .probe import probe_indices, probe_selectivity
from .speed import Speed, speed_settings

STATE_FILE = "train_state.pt"
OUTPUT_FILES = ("model.pt", "log.csv", "summary.json")
LOG_COLUMNS = ("epoch", "lr", "alpha", "loss", "ce", "mean_si", "train_accuracy", "val_accuracy", "train_seconds", "seconds")
# alpha: the epoch's (the schedule's); train_seconds: the epoch's minibatch steps; seconds: the whole epoch
# (validation, the probe, state saving too)


def epoch_model_path(out_dir: str | Path, epoch: int) -> Path:
    """Where ``save_epochs`` keeps the model after ``epoch`` (1-based) in a run folder."""
    return Path(out_dir) / f"epoch_{epoch}" / "model.pt"


def output_files(cfg: RunConfig) -> list[str]:
    """The files a run of ``cfg`` writes in its folder (relative paths)."""
    extra = [EPOCHS_FILE] if cfg.probe_size else []
    return [*OUTPUT_FILES, *extra, *(f"epoch_{k}/model.pt" for k in cfg.save_epochs)]


# --- one run: its data, model and record ------------------------------------------------------------

@dataclass
class Run:
    """One (alpha, seed) run in training: its config, splits (images uint8 NHWC on the device),
    model, best epoch so far and per-epoch log."""

    cfg: RunConfig
    out_dir: Path
    data: PreparedData
    augment: dict
    model: nn.Module
    train_x: Tensor
    train_y: Tensor
    val_x: Tensor
    val_y: Tensor
    mean: Tensor
    std: Tensor
    channels_last: bool
    probe_x: Tensor | None = None  # [P, C, H, W] uint8 on the device (probe_size > 0)
    probe_y: Tensor | None = None  # [P] on the CPU
    best: dict = field(default_factory=lambda: {"epoch": -1, "val_accuracy": -1.0, "state_dict": None})
    log: list = field(default_factory=list)
    probe: list = field(default_factory=list)  # rows of selectivity_epochs.csv so far

    @property
    def tag(self) -> str:
        return f"[{self.cfg.experiment} {self.cfg.describe()}]"

    @property
    def state_path(self) -> Path:
        return self.out_dir / STATE_FILE

    def transform(self, nhwc: bool) -> Callable[[Tensor], Tensor]:
        """uint8 images -> model input ([N, H, W, C] with ``nhwc``, else [N, C, H, W])."""
        if nhwc:
            return lambda x: normalize_nhwc(x, self.mean, self.std, self.channels_last)
        return lambda x: normalize(x, self.mean, self.std)


def prepare_run(cfg: RunConfig, data: PreparedData, out_dir: str | Path, speed: Speed, progress,
                shared: dict | None = None) -> Run:
    """A run ready to train: its splits on the device and its model, initialized from its seed.
    ``shared`` (a dict, the same for every run of a stack) keeps one copy of splits and device
    tensors that several runs train on (e.g. a ``train_size`` subset, which the seed does not change)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tag = f"[{cfg.experiment} {cfg.describe()}]"
    for stale in remove_stale_temporaries(out_dir, (*OUTPUT_FILES, EPOCHS_FILE, STATE_FILE)):
        progress(f"{tag} removed {stale.name}, left by a run that was killed while writing it")
    augment = DATASETS[data.name].augment if data.name in DATASETS else {"crop_padding": 0, "hflip": False}
    if cfg.crop_padding is not None:
        augment["crop_padding"] = cfg.crop_padding
    if cfg.hflip is not None:
        augment["hflip"] = cfg.hflip
    copies = {} if shared is None else shared
    probe_key = ("probe", cfg.probe_size)
    if cfg.probe_size and probe_key not in copies:
        idx = probe_indices(data.val.labels, cfg.probe_size)  # the prepared split: the same for every run
        copies[probe_key] = (data.val.images[idx].to(speed.device), data.val.labels[idx])
    probe_x, probe_y = copies.get(probe_key, (None, None))
    split_key = ("splits", cfg.train_size, cfg.val_draw, None if cfg.val_draw == "fixed" else cfg.seed)
    if split_key not in copies:
        copies[split_key] = run_splits(data, cfg.train_size, cfg.val_draw, cfg.seed)
    data = copies[split_key]
    if cfg.train_size is not None or cfg.val_draw != "fixed":
        progress(f"{tag} {len(data.train.labels)} training images (train_size {cfg.train_size}), "
                 f"{len(data.val.labels)} validation images (val_draw {cfg.val_draw})")

    def on_device(t: Tensor, nhwc: bool) -> Tensor:
        key = (id(t), nhwc)
        if key not in copies:
            copies[key] = (to_nhwc(t) if nhwc else t).to(speed.device)
        return copies[key]

    torch.manual_seed(cfg.seed)
    model = build_model(cfg.model, data.num_classes, data.image_shape[0], **cfg.model_options)
    model = model.to(speed.device, memory_format=speed.memory_format)
    return Run(cfg, out_dir, data, augment, model,
              on_device(data.train.images, True), on_device(data.train.labels, False),
              on_device(data.val.images, True), on_device(data.val.labels, False),
              torch.tensor(data.mean, device=speed.device), torch.tensor(data.std, device=speed.device),
              speed.channels_last, probe_x, probe_y)


def epoch_batches(run: Run, epoch: int) -> Iterator[tuple[Tensor, Tensor]]:
    """The run's shuffled, augmented, normalized minibatches of one epoch (its seed's order)."""
    labels = run.data.train.labels
    plan = epoch_plan(len(labels), epoch_generator(run.cfg.seed, epoch), **run.augment)
    _check_minibatch_classes(labels[plan.order], run.cfg, run.tag, epoch)
    return train_batches(run.train_x, run.train_y, run.cfg.batch_size, plan.to(run.train_x.device), run.mean,
                         run.std, run.augment["crop_padding"], run.channels_last, run.cfg.drop_last)


def train_steps(step: Callable, optimizer: torch.optim.Optimizer,
                batches: Iterator[tuple[Tensor, Tensor]]) -> tuple[Tensor, int, float]:
    """One epoch of minibatch steps. ``step(x, y)`` runs forward and backward and returns the batch
    sums ([4], or [K, 4] for a stack). Returns (sums [K, 4] float64 on the device, images per run,
    seconds)."""
    t0 = time.perf_counter()
    sums, n = None, 0
    for x, y in batches:
        batch_sums = step(x, y)
        optimizer.step()
        sums = batch_sums if sums is None else sums + batch_sums
        n += y.shape[-1]
    if sums is None:
        raise ValueError("an epoch without minibatches: the training split is empty or smaller than one batch")
    if sums.is_cuda:  # the seconds of the steps, not of their launches (the epoch's end reads the sums anyway)
        torch.cuda.synchronize(sums.device)
    return sums.reshape(-1, 4), n, time.perf_counter() - t0


def end_epoch(run: Run, epoch: int, lr: float, alpha: float, sums: Tensor, n: int, train_seconds: float,
              speed: Speed, started: float) -> dict:
    """Close a run's epoch: check the loss, validate, keep the best weights, measure the probe, save
    the model of a ``save_epochs`` epoch, log. Returns the log row."""
    loss_sum, ce_sum, si_sum, correct = sums.tolist()
    cfg = run.cfg
    if not math.isfinite(loss_sum):
        raise NonFiniteLossError(
            f"{run.tag} non-finite loss ({loss_sum}) in epoch {epoch + 1} of experiment {cfg.experiment}: "
            f"dataset={cfg.dataset}, model={cfg.model}, alpha={cfg.alpha:g}, seed={cfg.seed}. "
            f"Lower the learning rate or |alpha|; {_saved(run.state_path)}."
        )
    val_acc = accuracy(run.model, run.val_x, run.val_y, run.transform(nhwc=True), cfg.eval_batch_size,
                       speed.autocast)
    if val_acc > run.best["val_accuracy"]:
        run.best = {"epoch": epoch + 1, "val_accuracy": val_acc,
                    "state_dict": {k: v.detach().cpu().clone() for k, v in run.model.state_dict().items()}}
    if cfg.probe_size:
        measure_probe(run, epoch + 1, alpha)
    if epoch + 1 in cfg.save_epochs:
        save_model(epoch_model_path(run.out_dir, epoch + 1), run.model, dict(_model_info(run), epoch=epoch + 1))
    row = {"epoch": epoch + 1, "lr": lr, "alpha": alpha, "loss": loss_sum / n, "ce": ce_sum / n, "mean_si": si_sum / n,
           "train_accuracy": correct / n, "val_accuracy": val_acc, "train_seconds": train_seconds,
           "seconds": time.perf_counter() - started}
    run.log.append(row)
    return row


def measure_probe(run: Run, epoch: int, alpha: float) -> None:
    """Append the probe's rows after ``epoch`` epochs (0: the initialized network) to ``run.probe``."""
    cfg = run.cfg
    pairs, probe_acc = probe_selectivity(run.model, run.probe_x, run.probe_y, run.data.num_classes,
                                         cfg.selectivity_eps, cfg.eval_batch_size, run.transform(nhwc=False))
    run.probe += epoch_rows(cfg.experiment, cfg.alpha, cfg.seed, epoch, alpha, pairs, probe_acc, cfg.probe_size)


def finish_run(run: Run, speed: Speed, progress) -> dict:
    """Evaluate the last epoch's network on the test set (the ``last_*`` keys), load the best
    epoch's weights and evaluate them (the paper's reading: ``test_accuracy``, ``test_mean_si``),
    write model.pt (the best epoch's), log.csv and summary.json (atomically), remove the resume
    state. Returns the summary."""
    cfg, data, model = run.cfg, run.data, run.model
    if run.best["state_dict"] is None:
        raise ValueError(f"{run.tag} no epoch was trained (epochs={cfg.epochs})")
    last_epoch = run.log[-1]["epoch"]
    last = None  # the last epoch's network, when it is not the best one (else the same numbers)
    if run.best["epoch"] != last_epoch:
        last = _evaluate_best(cfg, data, model, run.transform(nhwc=False), speed.device)
    model.load_state_dict(run.best["state_dict"])
    summary = _evaluate_best(cfg, data, model, run.transform(nhwc=False), speed.device)
    last = last or summary
    summary.update(last_epoch=last_epoch, last_val_accuracy=run.log[-1]["val_accuracy"],
                   last_test_accuracy=last["test_accuracy"], last_test_mean_si=last["test_mean_si"],
                   last_test_layer_si=last["test_layer_si"])
    summary.update(config_hash=cfg.hash(), best_epoch=run.best["epoch"], best_val_accuracy=run.best["val_accuracy"],
                   num_parameters=count_parameters(model), train_images=len(data.train.labels),
                   val_images=len(data.val.labels))
    save_model(run.out_dir / "model.pt", model, dict(_model_info(run), epoch=run.best["epoch"]))
    if cfg.probe_size:
        write_epochs(run.probe, run.out_dir / EPOCHS_FILE)
    write_text(run.out_dir / "log.csv", _csv(run.log))
    write_json(run.out_dir / "summary.json", summary)
    run.state_path.unlink(missing_ok=True)
    progress(f"{run.tag} done: best epoch {run.best['epoch']}, test accuracy {summary['test_accuracy']:.4f}, "
             f"test mean SI {summary['test_mean_si']:.4f}")
    return summary


def _model_info(run: Run) -> dict:
    """What a saved model carries besides its weights (``checkpoint.load_model`` rebuilds it from this)."""
    cfg, data = run.cfg, run.data
    return {"model": cfg.model, "num_classes": data.num_classes, "in_channels": data.image_shape[0],
            "model_options": dict(cfg.model_options), "config": cfg.to_dict(), "config_hash": cfg.hash(),
            "dataset": data.name, "mean": list(data.mean), "std": list(data.std)}


def _rng_state() -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _resume(runs: list[Run], nets, progress) -> int:
    """Restore the runs' saved states (all at one epoch, under their configs); returns the epoch to
    start from (0: none to resume)."""
    states = []
    for run in runs:
        state, why = load_resume_state(run.state_path, run.cfg.hash())
        if why:
            progress(f"{run.tag} {why}")
        states.append(state)
    if all(s is None for s in states):
        return 0
    epochs = {s["epoch"] if s else 0 for s in states}
    if len(epochs) > 1:  # a stack saves all its runs at once; a kill between two of the writes
        progress(f"{runs[0].tag} the saved states of this stack are at epochs "
                 f"{[s['epoch'] if s else 0 for s in states]}: training all {len(runs)} runs from epoch 0")
        return 0
    for run, state in zip(runs, states):
        run.model.load_state_dict(state["model"])
        run.best, run.log, run.probe = state["best"], state["log"], state.get("probe", [])
    nets.load_optimizer_states([s["optimizer"] for s in states])
    nets.scheduler.load_state_dict(states[0]["scheduler"])
    _set_rng_state(states[0]["rng"])
    epoch = states[0]["epoch"]
    for run in runs:
        progress(f"{run.tag} resuming after epoch {epoch}/{run.cfg.epochs} from {run.state_path}")
    return epoch


# --- the loop ----------------------------------------------------------------------------------------

def train_run(cfg: RunConfig, data: PreparedData, out_dir: str | Path,
              progress: Callable[[str], None] | None = None) -> dict:
    """Train one (alpha, seed) run; write model.pt, log.csv and summary.json to ``out_dir``.

    Returns the summary dict. Raises NonFiniteLossError if the loss becomes NaN or infinite.
    """
    return train_runs([cfg], data, [out_dir], progress)[0]


def train_runs(cfgs: list[RunConfig], data: PreparedData, out_dirs: list[str | Path],
               progress: Callable[[str], None] | None = None) -> list[dict]:
    """Train runs that differ only in their seed, together: one run trains as in ``train_run``,
    K > 1 as one stack (``networks.SeedStack``). Writes each run's folder; returns the
    summaries in the order of ``cfgs``."""
    progress = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    if not cfgs:
        raise ValueError("no run config given: train_runs needs at least one")
    if len(cfgs) != len(out_dirs):
        raise ValueError(f"give one output directory per run config (got {len(cfgs)} configs, {len(out_dirs)} dirs)")
    resolved = [Path(d).resolve() for d in out_dirs]
    if len(set(resolved)) != len(resolved):
        twice = sorted({str(d) for d in resolved if resolved.count(d) > 1})
        raise ValueError(f"output directory {twice[0]} is given for more than one run: every run needs its own")
    for cfg in cfgs:
        if cfg.dataset != data.name:
            raise ValueError(f"the run config of seed {cfg.seed} names dataset {cfg.dataset!r}, but the prepared "
                             f"data is {data.name!r}")
    check_stackable(cfgs)
    speed = speed_settings(cfgs[0])
    shared: dict = {}
    runs = [prepare_run(cfg, data, out, speed, progress, shared) for cfg, out in zip(cfgs, out_dirs)]
    warn = lambda m: progress(f"{runs[0].tag} {m}")  # noqa: E731
    nets: Networks = SingleModel(runs[0], speed, warn) if len(runs) == 1 else SeedStack(runs, speed, warn)
    start_epoch = _resume(runs, nets, progress)
    cfg = cfgs[0]
    if cfg.probe_size and start_epoch == 0:
        for run in runs:  # epoch 0: the initialized network (no regularizer has acted: alpha 0)
            run.probe = []
            measure_probe(run, 0, 0.0)
    started = time.perf_counter()
    last_save = started
    try:
        with preemption_signals(), nets.recorder:
            for epoch in range(start_epoch, cfg.epochs):
                t0 = time.perf_counter()
                lr = nets.optimizer.param_groups[0]["lr"]
                alpha = nets.alpha.set_epoch(epoch)
                for run in runs:
                    run.model.train()
                batches = nets.batches([epoch_batches(run, epoch) for run in runs])
                sums, n, train_seconds = train_steps(nets.step, nets.optimizer, batches)
                nets.scheduler.step()
                rows = [end_epoch(run, epoch, lr, alpha, s, n, train_seconds, speed, t0) for run, s in zip(runs, sums)]
                now = time.perf_counter()
                if now - last_save >= cfg.checkpoint_interval_s or epoch + 1 == cfg.epochs:
                    for k, run in enumerate(runs):
                        save_resume_state(run.state_path, config_hash=run.cfg.hash(), epoch=epoch + 1,
                                          model=run.model.state_dict(), optimizer=nets.optimizer_state(k),
                                          scheduler=nets.scheduler.state_dict(), rng=_rng_state(), best=run.best,
                                          log=run.log, probe=run.probe)
                    last_save = now
                eta = (time.perf_counter() - started) / (epoch + 1 - start_epoch) * (cfg.epochs - epoch - 1)
                for run, r in zip(runs, rows):
                    progress(f"{run.tag} epoch {epoch + 1}/{cfg.epochs} loss {r['loss']:.4f} ce {r['ce']:.4f} "
                             f"si {r['mean_si']:.4f} train {r['train_accuracy']:.4f} val {r['val_accuracy']:.4f} "
                             f"lr {lr:.3g} {r['seconds']:.1f}s ({n * len(runs) / train_seconds:,.0f} img/s) "
                             f"eta {_format_eta(eta)}")
    except Preempted as e:
        others = f" (and the state of each of the other {len(runs) - 1} runs in its run directory)" if len(runs) > 1 else ""
        raise Preempted(f"{runs[0].tag} stopped ({e}); {_saved(runs[0].state_path)}{others}: "
                        f"run the job again to resume") from None
    return [finish_run(run, speed, progress) for run in runs]


# --- helpers ---------------------------------------------------------------------------------------

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


def _saved(state_path: Path) -> str:
    saved, _ = load_resume_state(state_path)
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
