"""PWCCA distances between trained runs, per unit layer (paper Sec. 4.2, A.2).

For one alpha: all C(n, 2) within-alpha replicate pairs ("within") and, unless alpha is the
baseline, all n x n_0 pairs between alpha and alpha = 0 ("baseline"). Each run's layers are
prepared once (centring, covariance, whitening) and reused for every pair; layers run in parallel
threads.
"""

from __future__ import annotations

import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..cca import DEFAULT_EPSILON, prepare, pwcca_prepared
from .activations import load_activations

PAIR_COLUMNS = ["layer_index", "layer", "kind", "seed_a", "seed_b", "distance"]


def seed_of(path: str | Path) -> int:
    """The seed of a run from its results path (…/seed_<s>/activations.npz)."""
    m = re.search(r"seed_([0-9]+)", str(Path(path).parent.name))
    if not m:
        raise ValueError(f"{path}: cannot tell the seed (expected …/seed_<s>/activations.npz)")
    return int(m.group(1))


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


def pwcca_pairs(alpha_paths: list[str | Path], baseline_paths: list[str | Path] = (),
                epsilon: float = DEFAULT_EPSILON, threads: int = 1) -> pd.DataFrame:
    """Long table of distances: one row per (layer, pair). baseline_paths empty: within pairs only."""
    runs = {seed_of(p): load_activations(p) for p in alpha_paths}
    base = {seed_of(p): load_activations(p) for p in baseline_paths}
    names = list(next(iter(runs.values())).layers)
    for s, a in [*runs.items(), *base.items()]:
        if list(a.layers) != names:
            raise ValueError(f"seed {s}: layers {list(a.layers)} differ from {names}")
    jobs = [(i, n, {s: a.layers[n] for s, a in runs.items()}, {s: a.layers[n] for s, a in base.items()})
            for i, n in enumerate(names)]
    with threadpool_limits(1), ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        parts = list(pool.map(lambda job: _layer_pairs(*job, epsilon), jobs))
    return pd.DataFrame([row for part in parts for row in part], columns=PAIR_COLUMNS)
