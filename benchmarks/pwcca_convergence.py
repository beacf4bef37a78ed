"""Convergence of Figure 3's numbers in the PWCCA row count, and the cost of the two ways to get rows.

    python benchmarks/pwcca_convergence.py --results results/demo/resnet20 --data data/demo/digits.npz \
        --alpha -10 --out docs/performance/pwcca_convergence_demo.csv

For one alpha < 0 of a trained experiment (its model.pt files and those of alpha = 0), computes the
PWCCA pairs under the "positions" reading with the row count doubling (--rows; the smaller counts
are one random subset of the largest draw, the same for every network), and once under the
"images" reading, and prints per setting: the mean within distance rho(alpha, alpha), the mean
distance to the alpha = 0 networks rho(alpha, alpha0), the CCA distance ratio (per network, mean
over layers, as Figure 3(b)) with its SD over networks, and the seconds taken. The curve has
converged where doubling the rows moves the ratio by less than its standard error over networks.

It also measures the cost of the two strategies for the rows: recomputing them from the
checkpoints in the PWCCA job (what the pipeline does: the time of one network's forward pass and
gather) against storing them in each run's activation dump (the bytes of one network's rows).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from selectivity.analysis.pwcca_pairs import network_rows, pairs_table  # noqa: E402
from selectivity.data import load_prepared  # noqa: E402
from selectivity.plots.pwcca import network_distances  # noqa: E402


def seed_models(results: Path, alpha: float) -> dict[int, Path]:
    folder = results / f"alpha_{alpha:g}"
    models = {int(p.parent.name.split("_")[1]): p for p in sorted(folder.glob("seed_*/model.pt"))}
    if len(models) < 2:
        sys.exit(f"{folder}: fewer than two seed_*/model.pt (train the experiment first)")
    return models


def summarize(pairs: pd.DataFrame, alpha: float) -> dict:
    per_net = network_distances(pairs.assign(alpha=alpha))
    nets = per_net.groupby("network")[["within", "between", "ratio"]].mean()
    return {"within": nets["within"].mean(), "between": nets["between"].mean(), "ratio": nets["ratio"].mean(),
            "ratio_sd": nets["ratio"].std(ddof=1), "networks": len(nets),
            "layers_above_1": int((per_net.groupby("layer_index")["ratio"].mean() > 1).sum()),
            "layers": per_net["layer_index"].nunique()}


def paper_scale_cost(rows: int, images: int = 1000) -> None:
    """Time one network's rows on CIFAR-10-sized inputs (an untrained full-width ResNet20, random
    32 x 32 images; cost does not depend on the weights) and extrapolate to the paper config."""
    import torch

    from selectivity.analysis.pwcca_rows import layer_rows
    from selectivity.models import build_model

    model = build_model("resnet20", 10, 3)
    x = torch.randn(images, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    layer_rows(model, x[:100], "cifar10", "positions", rows)  # warm-up
    t0 = time.perf_counter()
    out = layer_rows(model, x, "cifar10", "positions", rows)
    per_image = (time.perf_counter() - t0) / images
    channels = sum(a.shape[1] for a in out.values())
    stored = rows * channels * 4
    print(f"paper scale (ResNet20, CIFAR-10, {torch.get_num_threads()} threads): rows of one network over 10,000 "
          f"test images: {per_image * 10_000:.1f} s recomputed here ({1 / per_image:.0f} images/s); stored: "
          f"{stored / 1e6:.1f} MB per run ({rows} rows x {channels} channels x 4 B)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", type=Path, required=True, help="an experiment's results folder")
    ap.add_argument("--data", type=Path, required=True, help="its prepared dataset .npz")
    ap.add_argument("--alpha", type=float, default=-10.0)
    ap.add_argument("--rows", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096, 8192, 16384])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, help="CSV of the curve")
    ap.add_argument("--paper-scale-rows", type=int, default=4096, help="rows for the paper-scale cost estimate")
    args = ap.parse_args()
    paper_scale_cost(args.paper_scale_rows)

    data = load_prepared(args.data)
    models, base = seed_models(args.results, args.alpha), seed_models(args.results, 0.0)
    records = []
    rng = np.random.default_rng(0)
    for reading, top in (("images", 1), ("positions", max(args.rows))):
        t0 = time.perf_counter()
        runs = {s: network_rows(p, data, reading, top) for s, p in models.items()}
        t_rows = (time.perf_counter() - t0) / len(runs)
        baseline = {s: network_rows(p, data, reading, top) for s, p in base.items()}
        # smaller row counts: one random subset of the largest draw, the same for every network (a
        # uniform subset of a uniform draw is a uniform draw), so each network is run once
        for rows in sorted(args.rows) if reading == "positions" else [len(data.test.labels)]:
            keep = {n: np.sort(rng.choice(len(a), rows, replace=False)) if len(a) > rows else slice(None)
                    for n, a in next(iter(runs.values())).items()}
            def subset(nets):
                return {s: {n: a[keep[n]] for n, a in net.items()} for s, net in nets.items()}
            t1 = time.perf_counter()
            sub = subset(runs)
            pairs = pairs_table(sub, subset(baseline), reading, threads=args.threads)
            t_pairs = time.perf_counter() - t1
            buffer = io.BytesIO()
            np.savez(buffer, **{f"layer_{i}": a for i, a in enumerate(next(iter(sub.values())).values())})
            layer_rows = pairs.groupby("layer_index")["rows"].first()
            records.append({"reading": reading, "rows": rows, "rows_min": int(layer_rows.min()),
                            "rows_max": int(layer_rows.max()), **summarize(pairs, args.alpha),
                            "rows_s_per_network": t_rows, "pairs_s": t_pairs,
                            "stored_bytes_per_network": buffer.getbuffer().nbytes})
            r = records[-1]
            print(f"{reading:9s} rows {rows:6d}: ratio {r['ratio']:.3f} ± {r['ratio_sd']:.3f} (SD, {r['networks']} "
                  f"networks), within {r['within']:.4f}, between {r['between']:.4f}, layers > 1: "
                  f"{r['layers_above_1']}/{r['layers']}; pairs {t_pairs:.1f} s, "
                  f"{r['stored_bytes_per_network'] / 1e6:.2f} MB/network if stored", flush=True)
        print(f"{reading}: recomputing the rows took {t_rows:.1f} s per network (one forward pass over the test set)")
    df = pd.DataFrame(records)
    df.insert(0, "alpha", args.alpha)
    df.insert(0, "results", str(args.results))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(args.out, index=False)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
