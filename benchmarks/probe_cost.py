"""Cost of selectivity per epoch (training.probe_size): the demo's ResNet20 run on digits trained
with and without the probe, alternating, in one process; prints the mean epoch seconds of each and
their ratio (the target: the probe adds <= 5 % to an epoch).

    PYTHONPATH=src python benchmarks/probe_cost.py --data data/demo/digits.npz [--probe-size 100]
"""

from __future__ import annotations

import argparse
import tempfile

import pandas as pd
import torch

from selectivity.data import load_prepared
from selectivity.training.config import RunConfig
from selectivity.training.loop import train_run

DEMO = {"model": "resnet20", "dataset": "digits", "alpha": -2.0, "seed": 0, "model_options": {"width": 1.0},
        "batch_size": 64, "lr": 0.1, "lr_milestones": [5, 8], "device": "cpu", "checkpoint_interval_s": 1e9}


def epoch_seconds(data, probe_size: int, epochs: int) -> float:
    cfg = RunConfig.from_dict({**DEMO, "epochs": epochs, "probe_size": probe_size})
    with tempfile.TemporaryDirectory() as out:
        train_run(cfg, data, out, progress=lambda _: None)
        return float(pd.read_csv(f"{out}/log.csv")["seconds"].mean())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="the demo's prepared digits (data/demo/digits.npz)")
    p.add_argument("--probe-size", type=int, default=100)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    data = load_prepared(args.data)
    times = {0: [], args.probe_size: []}
    for _ in range(args.repeats):
        for size in (0, args.probe_size):
            times[size].append(epoch_seconds(data, size, args.epochs))
    base, probe = (sum(times[k]) / len(times[k]) for k in (0, args.probe_size))
    print(f"epoch seconds without probe {base:.3f}, with probe_size {args.probe_size} {probe:.3f}: "
          f"ratio {probe / base:.3f} ({(probe / base - 1) * 100:+.1f} %), {args.repeats} x {args.epochs} epochs each, "
          f"{args.threads} thread(s)")


if __name__ == "__main__":
    main()
