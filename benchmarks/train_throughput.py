"""Training throughput: this project's trainer against a standard PyTorch CIFAR-10 pipeline.

Measured in one process on one device, on CIFAR-shaped data (uint8 3x32x32, 10 classes; random
pixels: throughput does not depend on what the pictures show):

  (a) ``selectivity.training.train_run`` (device-resident data, batched augmentation, the selectivity
      term every minibatch), with alpha = 0 and with alpha != 0, at the chosen precision /
      channels_last / compile settings;
  (b) a standard baseline written here: a Dataset over CPU tensors with per-sample random crop,
      flip and normalization, a DataLoader with worker processes (pinned memory on CUDA), fp32,
      NCHW, plain cross-entropy, torch.optim.SGD;
  (c) optionally, K concurrent trainer processes (alpha != 0) on the same device: the aggregate.

Prints training images/s and seconds per epoch (validation included) of each, the ratios a/b and
the regularizer's overhead (alpha != 0 against alpha = 0, same path), and writes a CSV.

    python benchmarks/train_throughput.py --preset smoke      # CPU, seconds (CI runs this)
    python benchmarks/train_throughput.py --preset cpu        # CPU, ResNet20 at full width, small N
    python benchmarks/train_throughput.py --preset full --concurrent 2 4 --compile max-autotune-no-cudagraphs
                                                              # a CUDA GPU, CIFAR-10 sizes
Steady state: the first epoch (warm-up, compilation) is left out; the median of the others counts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import pandas as pd
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from selectivity.training import gpu_slots  # noqa: E402
from selectivity.data.prepared import PreparedData, Split  # noqa: E402
from selectivity.models import build_model  # noqa: E402
from selectivity.training.config import RunConfig  # noqa: E402
from selectivity.training.loop import train_runs  # noqa: E402

# selectivity.config (and with it jsonschema) is imported only to validate a --sweep config
# (sweep_experiments): this script also runs on a bare GPU machine with torch, numpy, pandas and
# PyYAML alone (benchmarks/gpu_check.py imports it there).

PRESETS = {  # train images, val images, batch size, epochs, model width, baseline loader workers
    "smoke": dict(images=256, val_images=64, batch_size=64, epochs=2, width=0.25, workers=1),
    "cpu": dict(images=2048, val_images=512, batch_size=128, epochs=3, width=1.0, workers=1),
    "full": dict(images=45000, val_images=5000, batch_size=256, epochs=4, width=1.0, workers=8),
}
MEAN, STD = [0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]


SHAPES = {  # --shape: image side, classes, crop padding
    "cifar10": (32, 10, 4),
    "tiny_imagenet": (64, 200, 8),
}


def cifar_shaped(n_train: int, n_val: int, seed: int = 0, shape: str = "cifar10") -> PreparedData:
    """Random uint8 images of a dataset's shape (CIFAR-10: 3x32x32, 10 classes; Tiny ImageNet:
    3x64x64, 200 classes, most of them absent from or alone in a minibatch of 256)."""
    side, classes, padding = SHAPES[shape]
    g = torch.Generator().manual_seed(seed)

    def split(n):
        return Split(torch.randint(0, 256, (n, 3, side, side), dtype=torch.uint8, generator=g),
                     torch.randint(0, classes, (n,), generator=g))

    return PreparedData(shape, [str(c) for c in range(classes)], MEAN, STD, split(n_train), split(n_val),
                        split(n_val), {"augment_defaults": {"crop_padding": padding, "hflip": True}})


# ----------------------------------------------------------------------------------------------
# (a) this project's trainer


def run_trainer(args, model: str, alpha: float, data: PreparedData, stack: int = 1,
                on_epoch: Callable[[], None] | None = None) -> dict:
    """Train with ``selectivity.training`` (``stack`` > 1: seeds 0..stack-1 as one stack, ``pack_seeds``).
    images_per_s counts the images of all the stack's seeds. ``on_epoch()`` is called at the end of
    every epoch (it may raise to stop the run). compile_fallback: the trainer's warning if
    torch.compile failed and the run went on eagerly (then the row measured eager code), else ""."""
    cfgs = [RunConfig(model=model, dataset=data.name, alpha=alpha, seed=seed, epochs=args.epochs,
                      batch_size=args.batch_size, lr_milestones=(10_000,), model_options={"width": args.width},
                      precision=args.precision, device=args.device, compile=args.compile,
                      channels_last=args.channels_last, checkpoint_interval_s=60.0) for seed in range(stack)]
    first = f"[{cfgs[0].experiment} {cfgs[0].describe()}]"  # the first seed's progress lines
    epoch_ends = []  # wall-clock time at the end of every epoch (for the concurrent aggregate)
    fallbacks = []

    def progress(line: str) -> None:
        if "torch.compile" in line:
            fallbacks.append(line)
        if line.startswith(first) and re.search(r" epoch \d+/\d+ ", line):
            epoch_ends.append(time.time())
            if on_epoch:
                on_epoch()

    try:
        with tempfile.TemporaryDirectory() as tmp:
            train_runs(cfgs, data, [Path(tmp) / f"seed_{c.seed}" for c in cfgs], progress=progress)
            log = pd.read_csv(Path(tmp) / "seed_0" / "log.csv")
    finally:
        gpu_slots.release_all()  # this process trains again: give the GPU claim back
    steady = log.iloc[1:] if len(log) > 1 else log
    return {"images_per_s": stack * len(data.train.labels) / steady["train_seconds"].median(),
            "epoch_seconds": steady["seconds"].median(), "first_epoch_seconds": log["seconds"].iloc[0],
            "epoch_ends": epoch_ends, "compile_fallback": " | ".join(fallbacks)}


# ----------------------------------------------------------------------------------------------
# (b) the standard baseline: per-sample augmentation in DataLoader workers, fp32, NCHW


class AugmentedImages(Dataset):
    """torchvision-style CIFAR dataset: RandomCrop(32, padding=4), RandomHorizontalFlip, ToTensor,
    Normalize, one sample at a time."""

    def __init__(self, split: Split, train: bool, padding: int = 4):
        self.images, self.labels, self.train, self.padding = split.images, split.labels, train, padding
        self.mean, self.std = torch.tensor(MEAN).view(3, 1, 1), torch.tensor(STD).view(3, 1, 1)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        img = self.images[i]
        if self.train:
            p = self.padding
            img = F.pad(img, (p, p, p, p))
            dy, dx = random.randint(0, 2 * p), random.randint(0, 2 * p)
            side = self.images.shape[-1]
            img = img[:, dy:dy + side, dx:dx + side]
            if random.random() < 0.5:
                img = img.flip(2)
        return (img.float() / 255 - self.mean) / self.std, self.labels[i]


def run_baseline(args, model_name: str, data: PreparedData, on_epoch: Callable[[], None] | None = None) -> dict:
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if args.device == "auto" else args.device))
    torch.manual_seed(0)
    torch.backends.cudnn.benchmark = True  # common practice in CIFAR training scripts (and set by the trainer)
    model = build_model(model_name, data.num_classes, 3, width=args.width).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    loader_options = dict(num_workers=args.workers, pin_memory=device.type == "cuda",
                          persistent_workers=args.workers > 0)
    train = DataLoader(AugmentedImages(data.train, True, SHAPES[args.shape][2]), args.batch_size, shuffle=True,
                       **loader_options)
    val = DataLoader(AugmentedImages(data.val, False), 1000, **loader_options)
    train_times, epoch_times = [], []
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        model.train()
        for x, y in train:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        train_times.append(time.perf_counter() - t0)
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val:
                correct += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
        epoch_times.append(time.perf_counter() - t0)
        if on_epoch:
            on_epoch()
    steady = slice(1, None) if args.epochs > 1 else slice(None)
    median = lambda v: float(pd.Series(v[steady]).median())  # noqa: E731
    return {"images_per_s": len(data.train.labels) / median(train_times), "epoch_seconds": median(epoch_times),
            "first_epoch_seconds": epoch_times[0]}


# ----------------------------------------------------------------------------------------------
# (c) K concurrent trainer processes


def run_concurrent(args, model: str, k: int, deadline: float | None = None) -> dict:
    """K trainer processes on the one device of this benchmark. Aggregate images/s: all their
    steady-state epochs (validation included) over the span from the first of them to start until
    the last to end, so staggered starts and warm-ups can only lower it. ``deadline`` (a
    ``time.time()``): the processes still running then are killed and TimeoutError is raised."""
    device = args.device
    if device == "auto" and torch.cuda.is_available():
        device = f"cuda:{torch.cuda.current_device()}"  # not spread over GPUs: K runs share one
    cmd = [sys.executable, __file__, "--worker", "--models", model, "--alpha", str(args.alpha), "--device", device]
    for key in ("images", "val_images", "batch_size", "epochs", "width", "precision", "compile"):
        cmd += [f"--{key.replace('_', '-')}", str(getattr(args, key))]
    if args.channels_last is not None:
        cmd += ["--channels-last", str(args.channels_last).lower()]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
             for _ in range(k)]
    results = []
    for p in procs:
        try:
            out, _ = p.communicate(timeout=None if deadline is None else max(0.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            for q in procs:
                q.wait()
            raise TimeoutError(f"{k} concurrent trainer processes had not finished by the deadline: killed") from None
        if p.returncode:
            raise SystemExit(f"a concurrent worker failed (exit {p.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    steady_epochs = [len(r["epoch_ends"]) - 1 for r in results]
    if min(steady_epochs) < 1:
        raise SystemExit("--concurrent needs --epochs >= 2 (the first epoch is left out)")
    span = max(r["epoch_ends"][-1] for r in results) - min(r["epoch_ends"][0] for r in results)
    return {"images_per_s": args.images * sum(steady_epochs) / span,
            "epoch_seconds": max(r["epoch_seconds"] for r in results),
            "first_epoch_seconds": max(r["first_epoch_seconds"] for r in results),
            "compile_fallback": " | ".join(sorted({r["compile_fallback"] for r in results} - {""}))}


SWEEP_KEYS = ("model", "dataset", "alphas", "seeds", "training.epochs")


def sweep_experiments(config_path: str) -> tuple[dict, str]:
    """The experiments of a workflow config ({name: experiment dict}) and how they were read: validated
    against the schema (defaults filled in), or, where jsonschema is not installed (a bare GPU machine),
    read from the YAML as written, every key the sweep needs (``SWEEP_KEYS``) given explicitly."""
    import yaml

    raw = yaml.safe_load(Path(config_path).read_text())
    try:
        from selectivity.config import validate_config
    except ModuleNotFoundError as e:
        if (e.name or "").startswith("selectivity"):
            raise
        for name, exp in raw["experiments"].items():
            for key in SWEEP_KEYS:
                value = exp
                for part in key.split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                if value is None:
                    raise ValueError(f"{config_path}: experiments.{name}.{key} is not given; without {e.name} "
                                     "(not installed) the sweep reads only explicit keys: give it, or install "
                                     f"{e.name} to fill the schema's defaults") from None
        return raw["experiments"], f"read without schema validation ({e.name} not installed)"
    config = validate_config(raw, ROOT / "workflow" / "schemas" / "config.schema.yaml", source=config_path)
    return config["experiments"], "validated against the schema"


def run_epoch_seconds(row: dict, train_images: int) -> float:
    """Device-seconds one run's epoch of ``train_images`` images takes at a measured row's speed:
    one run's epoch; a stack's epoch shared by its seeds; or K concurrent processes' share of the
    aggregate (all validation included), scaled from the row's images to ``train_images``."""
    images, stack = row["images"], row.get("stack", 1)
    if row["processes"] > 1:
        seconds = images / row["images_per_s"]
    else:
        seconds = row["epoch_seconds"] / stack
    return seconds * train_images / images


def sweep_cost(config_path: str, rows: list[dict], images: int | None = None) -> pd.DataFrame:
    """Device-hours (GPU-hours on a GPU) of every experiment of a workflow config at the measured
    speed: runs x epochs x the fastest measured regularized row's seconds per run-epoch
    (``run_epoch_seconds``: validation included), scaled from the row's images (``images`` where a
    row has none) to each run's train split. measured_with: that row's pipeline."""
    experiments, _ = sweep_experiments(config_path)
    table = []
    for name, exp in experiments.items():
        measured = [dict({"images": images}, **r) for r in rows if r["model"] == exp["model"] and r["regularized"]]
        if not measured:
            continue
        train_images = 45000 if exp["dataset"] == "cifar10" else measured[0]["images"]
        best = min(measured, key=lambda r: run_epoch_seconds(r, train_images))
        per_run_epoch = run_epoch_seconds(best, train_images)
        s = exp["seeds"]
        runs = len(exp["alphas"]) * (s if isinstance(s, int) else len(s))  # seeds: a count or a list
        hours = runs * exp["training"]["epochs"] * per_run_epoch / 3600
        table.append({"experiment": name, "model": exp["model"], "runs": runs, "epochs": exp["training"]["epochs"],
                      "device_seconds_per_run": hours * 3600 / runs, "device_hours": hours,
                      "measured_with": best.get("pipeline", "")})
    return pd.DataFrame(table)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS), default=None,
                   help="sizes (default: full on CUDA, cpu otherwise); explicit options below override it")
    p.add_argument("--models", nargs="+", default=["resnet20", "vgg16"])
    p.add_argument("--shape", choices=sorted(SHAPES), default="cifar10",
                   help="image size and classes of the random data (tiny_imagenet: 64x64, 200 classes)")
    p.add_argument("--images", type=int)
    p.add_argument("--val-images", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--epochs", type=int)
    p.add_argument("--width", type=float)
    p.add_argument("--workers", type=int, help="baseline DataLoader worker processes")
    p.add_argument("--alpha", type=float, default=1.0, help="the alpha != 0 of the regularized runs")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    p.add_argument("--compile", default="none")
    p.add_argument("--channels-last", type=lambda s: {"true": True, "false": False}[s.lower()], default=None,
                   help="true/false (default: on for CUDA)")
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    p.add_argument("--concurrent", type=int, nargs="*", default=[], help="also K concurrent trainer processes")
    p.add_argument("--skip-baseline", action="store_true")
    p.add_argument("--out", default=None, help="CSV of the results")
    p.add_argument("--sweep", default=None, metavar="CONFIG",
                   help="also print the device-hours (GPU-hours) of this workflow config's runs at the measured speed")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    cuda = torch.cuda.is_available() and args.device in ("auto", "cuda") or args.device.startswith("cuda")
    preset = PRESETS[args.preset or ("full" if cuda else "cpu")]
    for key, value in preset.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    data = cifar_shaped(args.images, args.val_images, shape=args.shape)
    if args.worker:
        print(json.dumps(run_trainer(args, args.models[0], args.alpha, data)))
        return
    device = "cuda" if torch.cuda.is_available() and args.device != "cpu" else "cpu"
    hardware = torch.cuda.get_device_name() if device == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"# {hardware}; torch {torch.__version__}; {args.images} train images, batch {args.batch_size}, "
          f"{args.epochs} epochs (first left out), width {args.width}, precision {args.precision}, "
          f"compile {args.compile}, channels_last {args.channels_last if args.channels_last is not None else 'auto'}",
          flush=True)
    rows = []
    for model in args.models:
        measured = {"trainer alpha=0": run_trainer(args, model, 0.0, data),
                    f"trainer alpha={args.alpha:g}": run_trainer(args, model, args.alpha, data)}
        if not args.skip_baseline:
            measured["baseline (DataLoader, fp32, NCHW)"] = run_baseline(args, model, data)
        for k in args.concurrent:
            measured[f"trainer alpha={args.alpha:g}, {k} processes (aggregate)"] = run_concurrent(args, model, k)
        base = measured.get("baseline (DataLoader, fp32, NCHW)")
        plain = measured["trainer alpha=0"]["images_per_s"]
        for what, r in measured.items():
            rows.append({"model": model, "pipeline": what, "images_per_s": r["images_per_s"],
                         "epoch_seconds": r["epoch_seconds"], "first_epoch_seconds": r["first_epoch_seconds"],
                         "vs_baseline": r["images_per_s"] / base["images_per_s"] if base else float("nan"),
                         "vs_trainer_alpha0": r["images_per_s"] / plain,
                         "hardware": hardware, "precision": args.precision, "compile": args.compile,
                         "batch_size": args.batch_size, "width": args.width, "images": args.images,
                         "processes": int(what.split(", ")[1].split()[0]) if "processes" in what else 1,
                         "regularized": what.startswith(f"trainer alpha={args.alpha:g}")})
            print(f"{model:9s} {what:48s} {r['images_per_s']:10,.0f} img/s  {r['epoch_seconds']:8.2f} s/epoch  "
                  f"x{rows[-1]['vs_baseline']:.2f} baseline", flush=True)
        reg = measured[f"trainer alpha={args.alpha:g}"]["images_per_s"]
        print(f"{model:9s} regularizer overhead (alpha={args.alpha:g} vs 0, same path): {plain / reg - 1:+.1%} time "
              "per image", flush=True)
    if args.out:
        pd.DataFrame(rows).to_csv(args.out, index=False)
        print(f"wrote {args.out}")
    if args.sweep:
        cost = sweep_cost(args.sweep, rows, args.images)
        print(f"\n# {args.sweep} at the fastest measured trainer setting per model (this hardware):")
        print(cost.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
        print(f"total: {cost['runs'].sum()} runs, {cost['device_hours'].sum():,.1f} device-hours (GPU-hours on a GPU)")


if __name__ == "__main__":
    main()
