"""Benchmark of the similarity stage's PWCCA: the per-run precomputation in ``selectivity.similarity``
against the reference algorithm (google/svcca's steps, recomputed from scratch for every pair), on synthetic
ReLU activations with ResNet20's unit-layer widths.

    python benchmarks/similarity_stage.py                 # paper scale: 10,000 test images, 20 + 20 seeds
    python benchmarks/similarity_stage.py --images 2000 --seeds 5     # quick

It times one PWCCA job (one alpha: C(n,2) within pairs + n*n pairs against alpha = 0, all 19
layers) with this project's implementation, times the reference algorithm on a sample of pairs,
and prints the time per layer-pair of each and their ratio (same process, same machine); then the
time of all measures of the stage together (PWCCA, CKA, Procrustes from one cross product per pair).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from pwcca_reference import reference_pwcca as reference  # noqa: E402
from selectivity.similarity import DEFAULT_MEASURES, distances, prepare  # noqa: E402

RESNET20_WIDTHS = [16] * 7 + [32] * 6 + [64] * 6


def fake_runs(n_runs, n_images, widths, seed):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(32, n_images))
    return [[np.maximum(rng.normal(size=(w, 32)) @ latent + rng.normal(size=(w, n_images)), 0) for w in widths]
            for _ in range(n_runs)]


def one_job(alpha_runs, base_runs, measures) -> float:
    """Seconds of one job's pairs (every layer) under ``measures``, each side prepared once."""
    t0 = time.perf_counter()
    seeds = len(alpha_runs)
    for layer in range(len(RESNET20_WIDTHS)):
        prep_a = [prepare(run[layer].T, measures) for run in alpha_runs]
        prep_b = [prepare(run[layer].T, measures) for run in base_runs]
        for i in range(seeds):
            for j in range(i + 1, seeds):
                distances(prep_a[i], prep_a[j], measures)
            for j in range(seeds):
                distances(prep_a[i], prep_b[j], measures)
    return time.perf_counter() - t0


def pwcca(a, b) -> float:
    return distances(prepare(a.T, ("pwcca",)), prepare(b.T, ("pwcca",)), ("pwcca",))["pwcca"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=10000)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--reference-pairs", type=int, default=30, help="pairs per layer timed with the reference")
    args = ap.parse_args()
    alpha_runs = fake_runs(args.seeds, args.images, RESNET20_WIDTHS, 1)
    base_runs = fake_runs(args.seeds, args.images, RESNET20_WIDTHS, 2)
    n_pairs = args.seeds * (args.seeds - 1) // 2 + args.seeds ** 2
    layer_pairs = n_pairs * len(RESNET20_WIDTHS)

    ours = one_job(alpha_runs, base_runs, ("pwcca",))
    every = one_job(alpha_runs, base_runs, DEFAULT_MEASURES)

    pairs = [(layer, k % args.seeds, (k * 7 + 3) % args.seeds)
             for layer in range(len(RESNET20_WIDTHS)) for k in range(args.reference_pairs)]
    t0 = time.perf_counter()
    ref = [reference(alpha_runs[i][layer], base_runs[j][layer]) for layer, i, j in pairs]
    ref_per_pair = (time.perf_counter() - t0) / len(pairs)
    sampled = len(pairs)
    max_diff = max(abs(r - pwcca(alpha_runs[i][layer], base_runs[j][layer])) for r, (layer, i, j) in zip(ref, pairs))

    print(f"one PWCCA job (one alpha): {args.seeds} + {args.seeds} runs x {len(RESNET20_WIDTHS)} layers, "
          f"{args.images} images, {layer_pairs} layer-pairs")
    print(f"  selectivity.similarity, PWCCA (prepared per run): {ours:8.2f} s  "
          f"({ours / layer_pairs * 1e3:.2f} ms per layer-pair)")
    print(f"  reference algorithm, per pair     : {ref_per_pair * layer_pairs:8.2f} s  "
          f"({ref_per_pair * 1e3:.2f} ms per layer-pair, from {sampled} sampled pairs)")
    print(f"  speed-up: {ref_per_pair * layer_pairs / ours:.1f}x; max |difference| on sampled pairs: {max_diff:.2e}")
    print(f"  all of {', '.join(DEFAULT_MEASURES)} together: {every:8.2f} s ({every / ours:.2f}x PWCCA alone)")


if __name__ == "__main__":
    main()
