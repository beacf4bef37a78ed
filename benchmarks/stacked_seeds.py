"""K seeds of one alpha: one stacked process (``pack_seeds: K``) against K separate processes.

All in one run of this script, on CIFAR-shaped random data (uint8 3x32x32, 10 classes) saved as a
prepared file, through the project's own CLI (``python -m selectivity train``), so every mode pays
what a cluster job pays (interpreter start, ``import torch``, evaluation, writing the run folder):

  separate_sequential  K processes one after another, each with all ``--threads``
  separate_concurrent  K processes at once, each with max(1, threads // K) threads
  stacked              one process training the K seeds as one stack, with all ``--threads``

Reports, per mode: wall seconds, aggregate training images/s over the whole wall time
(K x images x epochs / wall), the steady-state training images/s from the runs' log.csv (median
train_seconds of the epochs after the first), and the ratio to separate_sequential. For the stacked
mode also the largest weight difference of each seed's model from its separate run. Then a
layer-level comparison of the two ways to stack a convolution: ``vmap`` over stacked weights (what
``selectivity.training.networks`` does; PyTorch lowers it to a grouped convolution) against a hand-written
grouped convolution and K separate convolutions, forward and backward.

    python benchmarks/stacked_seeds.py --k 2 4 --images 2048 --epochs 3 --threads 2 \
        --csv docs/performance/stacked_seeds_cpu.csv
    python benchmarks/stacked_seeds.py --device cuda --k 2 4 8 16 --images 45000 --batch-size 256
                                           # on a GPU: the K where the stack stops gaining
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from selectivity.training.checkpoint import load_model  # noqa: E402
from selectivity.data.prepared import load_prepared, save_prepared  # noqa: E402


def write_data(path: Path, images: int, seed: int = 0) -> None:
    g = np.random.default_rng(seed)

    def split(n):
        return g.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8), g.integers(0, 10, n)

    save_prepared(path, "cifar10", [str(c) for c in range(10)],
                  {"train": split(images), "val": split(max(256, images // 8)), "test": split(512)})


def run_config(args, seed: int) -> dict:
    cfg = {"model": "resnet20", "dataset": args.dataset, "alpha": args.alpha, "seed": seed, "epochs": args.epochs,
           "batch_size": args.batch_size, "lr_milestones": [10_000], "model_options": {"width": args.width},
           "device": args.device}
    return cfg if args.train_size is None else dict(cfg, train_size=args.train_size)


def train_cmd(data: Path, dirs: list[Path], cfgs: list[dict], threads: int) -> list[str]:
    return [sys.executable, "-m", "selectivity", "train", "--data", str(data), "--out-dir", *map(str, dirs),
            "--settings", *map(json.dumps, cfgs), "--threads", str(threads)]


def steady_images_per_s(run_dir: Path, images: int) -> float:
    log = pd.read_csv(run_dir / "log.csv")
    steady = log.iloc[1:] if len(log) > 1 else log
    return images / steady["train_seconds"].median()


def run_mode(mode: str, args, k: int, data: Path, out: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    seeds = list(range(k))
    dirs = [out / mode / f"seed_{s}" for s in seeds]
    cfgs = [run_config(args, s) for s in seeds]
    t0 = time.perf_counter()
    if mode == "stacked":
        subprocess.run(train_cmd(data, dirs, cfgs, args.threads), env=env, check=True, capture_output=True)
    elif mode == "separate_sequential":
        for d, c in zip(dirs, cfgs):
            subprocess.run(train_cmd(data, [d], [c], args.threads), env=env, check=True, capture_output=True)
    else:
        procs = [subprocess.Popen(train_cmd(data, [d], [c], max(1, args.threads // k)), env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for d, c in zip(dirs, cfgs)]
        for p in procs:
            if p.wait() != 0:
                raise RuntimeError(p.stderr.read().decode())
    wall = time.perf_counter() - t0
    steady = [steady_images_per_s(d, args.images) for d in dirs]
    per_run = steady[0] if mode == "stacked" else None  # a stack's runs share one step time
    aggregate_steady = (k * per_run if mode == "stacked" else
                        (sum(steady) if mode == "separate_concurrent" else k / sum(1 / s for s in steady)))
    return {"mode": mode, "k": k, "wall_s": wall, "images_per_s_wall": k * args.images * args.epochs / wall,
            "images_per_s_steady": aggregate_steady, "dirs": dirs}


def conv_layer_benchmark(k: int, batch: int, channels: int, side: int, repeats: int) -> dict:
    """One 3x3 convolution, forward and backward, for K stacked networks: vmap, a hand-written
    grouped convolution, and K separate convolutions; median seconds of each."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(k, batch, channels, side, side, generator=g)
    w = torch.randn(k, channels, channels, 3, 3, generator=g, requires_grad=True)

    def vmapped():
        return torch.func.vmap(lambda xi, wi: F.conv2d(xi, wi, padding=1))(x, w)

    def grouped():  # [K, B, C, H, W] -> [B, K*C, H, W], one conv with groups=K
        xg = x.transpose(0, 1).reshape(batch, k * channels, side, side)
        y = F.conv2d(xg, w.reshape(k * channels, channels, 3, 3), padding=1, groups=k)
        return y.reshape(batch, k, channels, side, side).transpose(0, 1)

    def separate():  # what K separate processes compute: K convolutions
        return torch.stack([F.conv2d(x[i], w[i], padding=1) for i in range(k)])

    assert torch.allclose(vmapped(), grouped(), atol=1e-4) and torch.allclose(vmapped(), separate(), atol=1e-4)
    times = {}
    for name, fn in (("vmap", vmapped), ("grouped_conv", grouped), ("separate_convs", separate)):
        samples = []
        for _ in range(repeats + 1):
            w.grad = None
            t0 = time.perf_counter()
            fn().square().mean().backward()
            samples.append(time.perf_counter() - t0)
        times[name] = float(np.median(samples[1:]))
    return times


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--k", type=int, nargs="+", default=[2, 4])
    p.add_argument("--images", type=int, default=2048)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--alpha", type=float, default=-1.0)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--device", default="cpu", help="cpu, cuda, or auto (every mode on the same device)")
    p.add_argument("--data", help="a prepared dataset (.npz) instead of CIFAR-shaped random images")
    p.add_argument("--train-size", type=int, help="with --data: the runs' train_size (a stratified subset)")
    p.add_argument("--csv", help="write the rows here")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.data:
            data = Path(args.data)
            prepared = load_prepared(data)
            args.dataset = prepared.name
            args.images = args.train_size or len(prepared.train.labels)
        else:
            data = tmp / "cifar10.npz"
            write_data(data, args.images)
            args.dataset = "cifar10"
        for k in args.k:
            results = [run_mode(m, args, k, data, tmp / f"k{k}")
                       for m in ("separate_sequential", "separate_concurrent", "stacked")]
            base = results[0]["images_per_s_wall"]
            stacked = results[2]
            diffs = []
            for a_dir, b_dir in zip(results[0]["dirs"], stacked["dirs"]):
                a, _ = load_model(a_dir / "model.pt")
                b, _ = load_model(b_dir / "model.pt")
                sa, sb = a.state_dict(), b.state_dict()
                diffs.append(max((sa[n].double() - sb[n].double()).abs().max().item() for n in sa))
            for r in results:
                r.pop("dirs")
                r["ratio_to_separate_sequential"] = r["images_per_s_wall"] / base
                r["max_weight_diff_vs_separate"] = max(diffs) if r["mode"] == "stacked" else float("nan")
                rows.append(r)
            side = load_prepared(data).image_shape[-1]
            convs = conv_layer_benchmark(k, args.batch_size, int(16 * args.width), side, repeats=20)
            rows.append({"mode": "conv_layer_vmap_vs_grouped", "k": k, "wall_s": convs["vmap"],
                         "ratio_to_separate_sequential": float("nan"),
                         "images_per_s_wall": float("nan"), "images_per_s_steady": float("nan"),
                         "max_weight_diff_vs_separate": float("nan"),
                         "vmap_over_grouped": convs["vmap"] / convs["grouped_conv"],
                         "vmap_over_separate_convs": convs["vmap"] / convs["separate_convs"]})
    df = pd.DataFrame(rows)
    df["machine"] = f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}"
    df["settings"] = (f"{args.dataset}{' (random images)' if not args.data else ''}: resnet20 width {args.width}, alpha {args.alpha:g}, {args.images} images, {args.epochs} epochs, "
                      f"batch {args.batch_size}, {args.threads} threads")
    pd.set_option("display.width", 200)
    print(df.drop(columns=["machine", "settings"]).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(df["machine"].iloc[0], "|", df["settings"].iloc[0])
    if args.csv:
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(args.csv, index=False)
        print(f"wrote {args.csv}")


if __name__ == "__main__":
    main()
