"""PWCCA distances between trained runs, per unit layer (paper Sec. 4.2, A.2).

For one alpha: all C(n, 2) within-alpha replicate pairs ("within") and, unless alpha is the
baseline, all n x n_0 pairs between alpha and alpha = 0 ("baseline"). Each run's layers are
prepared once (centring, covariance, whitening) and reused for every pair; layers run in parallel
threads.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..cca import DEFAULT_EPSILON, prepare, pwcca_prepared
from ..inputs import require
from .activations import Activations, load_activations

PAIR_COLUMNS = ["layer_index", "layer", "kind", "seed_a", "seed_b", "distance"]


def load_runs(paths: list[str | Path], seeds: list[int], alpha: float | None = None) -> dict[int, Activations]:
    """The activation dumps of runs by seed; each file must hold that seed's run (and alpha)."""
    if len(paths) != len(seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(f"give one distinct seed per activation file: {len(paths)} files, seeds {list(seeds)}")
    runs = {}
    for p, s in zip(paths, seeds):
        a = load_activations(p)
        require(a.run.get("seed", s) == s, p, f"holds the run of seed {a.run.get('seed')}, not of seed {s}")
        if alpha is not None:
            require(a.run.get("alpha", alpha) == alpha, p, f"holds a run at alpha {a.run.get('alpha')}, not {alpha}")
        runs[int(s)] = a
    return runs


def _layer_pairs(i: int, name: str, runs: dict[int, np.ndarray], baseline: dict[int, np.ndarray],
                 epsilon: float) -> list[dict]:
    prep = {s: prepare(a.T, epsilon) for s, a in runs.items()}
    rows = [{"layer_index": i, "layer": name, "kind": "within", "seed_a": a, "seed_b": b,
             "distance": pwcca_prepared(prep[a], prep[b])} for a, b in itertools.combinations(sorted(prep), 2)]
    if baseline:
        base = {s: prepare(a.T, epsilon) for s, a in baseline.items()}
        rows += [{"layer_index": i, "layer": name, "kind": "baseline", "seed_a": a, "seed_b": b,
                  "distance": pwcca_prepared(prep[a], base[b])} for a in sorted(prep) for b in sorted(base)]
    return rows


def pwcca_pairs(alpha_paths: list[str | Path], seeds: list[int], baseline_paths: list[str | Path] = (),
                baseline_seeds: list[int] = (), epsilon: float = DEFAULT_EPSILON, threads: int = 1,
                alpha: float | None = None) -> pd.DataFrame:
    """Long table of distances: one row per (layer, pair). baseline_paths empty: within pairs only.

    seeds / baseline_seeds: the seed of each file, in order. Every file must hold the same layers
    over the same test images (same labels in the same order): PWCCA pairs rows image by image."""
    runs = load_runs(alpha_paths, seeds, alpha)
    base = load_runs(baseline_paths, baseline_seeds, 0.0 if alpha is not None else None)
    first = next(iter(runs.values()))
    names = list(first.layers)
    for p, a in zip([*alpha_paths, *baseline_paths], [*runs.values(), *base.values()]):
        require(list(a.layers) == names, p, f"has layers {list(a.layers)}, the other runs {names}")
        require(np.array_equal(a.labels, first.labels), p, "was computed on other test images than the other runs")
        for n in names:
            require(a.layers[n].shape[1] == first.layers[n].shape[1], p, f"layer {n!r} has another unit count")
    jobs = [(i, n, {s: a.layers[n] for s, a in runs.items()}, {s: a.layers[n] for s, a in base.items()})
            for i, n in enumerate(names)]
    with threadpool_limits(1), ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        parts = list(pool.map(lambda job: _layer_pairs(*job, epsilon), jobs))
    return pd.DataFrame([row for part in parts for row in part], columns=PAIR_COLUMNS)
