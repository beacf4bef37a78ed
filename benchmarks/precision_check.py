"""Does bf16 autocast change accuracy or mean class selectivity beyond seed noise?

Trains the same (model, alpha, seed) grid at precision fp32 and bf16 with the project's trainer and
compares, per alpha, the bf16 - fp32 difference of test accuracy and test-set mean SI (paired by
seed) with the seed-to-seed standard deviation at fp32; prints a table and writes it as CSV.

    python benchmarks/precision_check.py --data data/demo/digits.npz --alphas 0 2 --seeds 5 --epochs 10
    # on a GPU, at paper scale:
    python benchmarks/precision_check.py --data data/cifar10.npz --alphas -10 0 10 --seeds 5 --epochs 200
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from selectivity.data import load_prepared  # noqa: E402
from selectivity.training.config import RunConfig  # noqa: E402
from selectivity.training.loop import train_run  # noqa: E402


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="a prepared dataset (.npz)")
    p.add_argument("--model", default="resnet20")
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--alphas", type=float, nargs="+", default=[0.0, 2.0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--device", default="auto")
    p.add_argument("--out", default="precision_check.csv")
    args = p.parse_args(argv)

    data = load_prepared(args.data)
    milestones = [max(1, args.epochs // 2), max(1, 3 * args.epochs // 4)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for alpha in args.alphas:
            for seed in range(args.seeds):
                for precision in ("fp32", "bf16"):
                    cfg = RunConfig(model=args.model, dataset=data.name, alpha=alpha, seed=seed, epochs=args.epochs,
                                    lr=args.lr, lr_milestones=tuple(milestones), precision=precision,
                                    device=args.device, model_options={"width": args.width})
                    s = train_run(cfg, data, Path(tmp) / f"{alpha}_{seed}_{precision}", progress=lambda _: None)
                    rows.append({"alpha": alpha, "seed": seed, "precision": precision,
                                 "test_accuracy": s["test_accuracy"], "test_mean_si": s["test_mean_si"]})
                    print(rows[-1], flush=True)
    runs = pd.DataFrame(rows)
    table = []
    for alpha, g in runs.groupby("alpha"):
        wide = g.pivot(index="seed", columns="precision")
        for metric in ("test_accuracy", "test_mean_si"):
            diff = wide[(metric, "bf16")] - wide[(metric, "fp32")]
            table.append({"alpha": alpha, "metric": metric, "fp32_mean": wide[(metric, "fp32")].mean(),
                          "bf16_mean": wide[(metric, "bf16")].mean(), "mean_difference": diff.mean(),
                          "fp32_seed_sd": wide[(metric, "fp32")].std(), "paired_t_p": stats.ttest_rel(
                              wide[(metric, "bf16")], wide[(metric, "fp32")]).pvalue if len(diff) > 1 else float("nan")})
    table = pd.DataFrame(table)
    table.to_csv(args.out, index=False)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))


if __name__ == "__main__":
    main()
