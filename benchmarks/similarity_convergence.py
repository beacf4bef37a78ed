"""Convergence of Figure 3's numbers in the datapoints per neuron, for every similarity measure and
reading, and the cost of recomputing rows from checkpoints.

    python benchmarks/similarity_convergence.py --results results/demo/resnet20 --data data/demo/digits.npz \
        --alpha -10 --out docs/performance/similarity_convergence_demo_resnet20.csv

For one alpha < 0 of a trained experiment (its model.pt files and those of alpha = 0), draws each
layer's rows at the largest --rows-per-neuron (the pipeline's draw, min_rows 2) once per network,
and for each smaller value a random subset of them (the same for every network: a uniform subset of
a uniform draw is a uniform draw), so every network runs once. For each (measure, reading, rows per
neuron) it prints and writes: the mean within distance rho(alpha, alpha), the mean distance to the
alpha = 0 networks rho(alpha, alpha0), the distance ratio (per network, mean over layers, as Figure
3(b)) with its SD over networks, the layers whose mean ratio is > 1, and the same ratio for each
group of layers of one width (``ratio_w<neurons>``), so wide layers' convergence is visible on its
own. A layer with fewer datapoints than asked uses all it has (``rows_short`` counts them); PWCCA
is left out of a layer with no more datapoints than neurons. The curve has converged where doubling
the rows moves the ratio by less than its standard error over networks.

    python benchmarks/similarity_convergence.py --table docs/performance/similarity_convergence_*.csv

prints the curves of written CSVs as one markdown table (what the README quotes): the ratio, mean ±
SD over networks, per (data, measure, reading) and rows per neuron.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from selectivity.analysis.similarity_pairs import network_rows  # noqa: E402
from selectivity.data import load_prepared  # noqa: E402
from selectivity.plots.similarity import network_distances  # noqa: E402
from selectivity.similarity import DEFAULT_MEASURES, distances, prepare  # noqa: E402


def seed_models(results: Path, alpha: float) -> dict[int, Path]:
    folder = results / f"alpha_{alpha:g}"
    models = {int(p.parent.name.split("_")[1]): p for p in sorted(folder.glob("seed_*/model.pt"))}
    if len(models) < 2:
        sys.exit(f"{folder}: fewer than two seed_*/model.pt (train the experiment first)")
    return models


def layer_pairs(runs: dict, base: dict, measures) -> list[dict]:
    """Distances of one layer: runs / base {seed: [R, U]}."""
    rows, neurons = next(iter(runs.values())).shape
    measures = [m for m in measures if m != "pwcca" or rows > neurons]
    prep = {s: prepare(a, measures) for s, a in runs.items()}
    prep_b = {s: prepare(a, measures) for s, a in base.items()}
    out = []
    seeds = sorted(prep)
    for i, a in enumerate(seeds):
        for b in seeds[i + 1:]:
            out += [{"kind": "within", "seed_a": a, "seed_b": b, "measure": m, "distance": d}
                    for m, d in distances(prep[a], prep[b], measures).items()]
        for b in sorted(prep_b):
            out += [{"kind": "baseline", "seed_a": a, "seed_b": b, "measure": m, "distance": d}
                    for m, d in distances(prep[a], prep_b[b], measures).items()]
    return out


def summarize(pairs: pd.DataFrame, alpha: float, widths: dict[int, int]) -> list[dict]:
    per_net = network_distances(pairs.assign(alpha=alpha))
    out = []
    for (measure, reading), sub in per_net.groupby(["measure", "reading"]):
        nets = sub.groupby("network")[["within", "between", "ratio"]].mean()
        rec = {"measure": measure, "reading": reading, "within": nets["within"].mean(),
               "between": nets["between"].mean(), "ratio": nets["ratio"].mean(), "ratio_sd": nets["ratio"].std(ddof=1),
               "networks": len(nets), "layers": sub["layer_index"].nunique(),
               "layers_above_1": int((sub.groupby("layer_index")["ratio"].mean() > 1).sum())}
        for width in sorted(set(widths.values())):
            idx = [i for i, w in widths.items() if w == width]
            group = sub[sub["layer_index"].isin(idx)].groupby("network")["ratio"].mean()
            rec[f"ratio_w{width}"] = group.mean() if len(group) else np.nan
        out.append(rec)
    return out


def table(paths: list[Path], column: str = "ratio") -> str:
    """The curves of written CSVs as a markdown table: one row per (file, measure, reading)."""
    frames = [pd.read_csv(p).assign(file=Path(p).stem.replace("similarity_convergence_", "")) for p in paths]
    df = pd.concat(frames, ignore_index=True)
    rpns = sorted(df["rows_per_neuron"].unique())
    lines = ["| data | measure | reading | " + " | ".join(f"{r}/neuron" for r in rpns) + " |",
             "| --- | --- | --- |" + " --- |" * len(rpns)]
    for (f, m, r), sub in df.groupby(["file", "measure", "reading"], sort=False):
        cells = {row.rows_per_neuron: f"{getattr(row, column):.2f} ± {row.ratio_sd:.2f}" if column == "ratio"
                 else f"{getattr(row, column):.3f}" for row in sub.itertuples()}
        lines.append(f"| {f} | {m} | {r} | " + " | ".join(cells.get(x, "–") for x in rpns) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", type=Path, nargs="+", help="print written curves as a markdown table, and stop")
    ap.add_argument("--column", default="ratio", help="with --table: ratio (± SD), within or between")
    ap.add_argument("--results", type=Path, help="an experiment's results folder")
    ap.add_argument("--data", type=Path, help="its prepared dataset .npz")
    ap.add_argument("--alpha", type=float, default=-10.0)
    ap.add_argument("--rows-per-neuron", type=int, nargs="+", default=[2, 4, 8, 16, 32, 64, 128, 256])
    ap.add_argument("--measures", nargs="+", default=list(DEFAULT_MEASURES))
    ap.add_argument("--out", type=Path, help="CSV of the curves")
    args = ap.parse_args()
    if args.table:
        print(table(args.table, args.column))
        return
    if not args.results or not args.data:
        ap.error("--results and --data are required (or --table)")
    data = load_prepared(args.data)
    models, base = seed_models(args.results, args.alpha), seed_models(args.results, 0.0)
    top = max(args.rows_per_neuron)
    t0 = time.perf_counter()
    runs = {s: network_rows(p, data, rows_per_neuron=top, min_rows=2) for s, p in models.items()}
    t_rows = (time.perf_counter() - t0) / len(runs)
    baseline = {s: network_rows(p, data, rows_per_neuron=top, min_rows=2) for s, p in base.items()}
    print(f"rows of one network (both readings, {top} per neuron): {t_rows:.1f} s (one forward pass over "
          f"{len(data.test.labels)} test images)", flush=True)
    rng = np.random.default_rng(0)
    records = []
    first = next(iter(runs.values()))
    for rpn in sorted(args.rows_per_neuron):
        t1 = time.perf_counter()
        frames = []
        short = 0
        for reading, layers in first.items():
            widths = {i: a.shape[1] for i, a in enumerate(layers.values())}
            for i, (name, a) in enumerate(layers.items()):
                want = rpn * a.shape[1]
                short += want > len(a)
                keep = np.sort(rng.choice(len(a), want, replace=False)) if len(a) > want else slice(None)
                pairs = layer_pairs({s: net[reading][name][keep] for s, net in runs.items()},
                                    {s: net[reading][name][keep] for s, net in baseline.items()}, args.measures)
                frames.append(pd.DataFrame(pairs).assign(reading=reading, layer_index=i, rows=len(a[keep])))
        pairs = pd.concat(frames, ignore_index=True)
        seconds = time.perf_counter() - t1
        for rec in summarize(pairs, args.alpha, widths):
            rows = pairs[pairs["reading"] == rec["reading"]].groupby("layer_index")["rows"].first()
            records.append({"rows_per_neuron": rpn, **rec, "rows_min": int(rows.min()), "rows_max": int(rows.max()),
                            "rows_short": short, "pairs_s": seconds})
            r = records[-1]
            print(f"{rpn:4d}/neuron {r['measure']:10s} {r['reading']:9s}: ratio {r['ratio']:.3f} ± {r['ratio_sd']:.3f} "
                  f"(SD, {r['networks']} nets), within {r['within']:.4f}, between {r['between']:.4f}, layers > 1: "
                  f"{r['layers_above_1']}/{r['layers']}, rows {r['rows_min']}-{r['rows_max']}; "
                  + ", ".join(f"{k[6:]} {v:.3f}" for k, v in r.items() if k.startswith("ratio_w")), flush=True)
    df = pd.DataFrame(records)
    df.insert(0, "alpha", args.alpha)
    df.insert(0, "results", str(args.results))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(args.out, index=False)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
