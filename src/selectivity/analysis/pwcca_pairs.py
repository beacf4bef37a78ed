"""PWCCA distances between trained runs, per unit layer (paper Sec. 4.2, A.2).

For one alpha: all C(n, 2) within-alpha replicate pairs ("within") and, unless alpha is the
baseline, all n x n_0 pairs between alpha and alpha = 0 ("baseline"). Each network's datapoints
are recomputed from its checkpoint over the same rows (``pwcca_rows``: every network of the job
sees the same test images at the same positions); each network's layers are prepared once
(centring, covariance, whitening) and reused for every pair; layers run in parallel threads.
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
from .pwcca_rows import layer_rows

PAIR_COLUMNS = ["layer_index", "layer", "kind", "seed_a", "seed_b", "reading", "rows", "distance"]

Rows = dict[str, np.ndarray]  # unit layer -> [R, U] datapoints of one network


def network_rows(model_path: str | Path, data, reading: str, rows: int, device: str = "cpu",
                 batch_size: int = 500, seed: int | None = None, alpha: float | None = None) -> Rows:
    """One trained network's PWCCA datapoints per layer (see ``pwcca_rows.layer_rows``), checked:
    the checkpoint must be of ``data``'s dataset and, where given, of that seed and alpha."""
    from .activations import load_network, run_identity

    model, info, transform = load_network(model_path, data, device)
    run = run_identity(info)
    if seed is not None:
        require(run.get("seed", seed) == seed, model_path, f"holds the run of seed {run.get('seed')}, not of seed {seed}")
    if alpha is not None:
        require(run.get("alpha", alpha) == alpha, model_path, f"holds a run at alpha {run.get('alpha')}, not {alpha}")
    return layer_rows(model, data.test.images, data.name, reading, rows, batch_size, transform)


def _layer_pairs(i: int, name: str, runs: dict[int, np.ndarray], baseline: dict[int, np.ndarray],
                 epsilon: float) -> list[dict]:
    prep = {s: prepare(a.T, epsilon) for s, a in runs.items()}
    m = next(iter(prep.values())).m
    rows = [{"layer_index": i, "layer": name, "kind": "within", "seed_a": a, "seed_b": b, "rows": m,
             "distance": pwcca_prepared(prep[a], prep[b])} for a, b in itertools.combinations(sorted(prep), 2)]
    if baseline:
        base = {s: prepare(a.T, epsilon) for s, a in baseline.items()}
        rows += [{"layer_index": i, "layer": name, "kind": "baseline", "seed_a": a, "seed_b": b, "rows": m,
                  "distance": pwcca_prepared(prep[a], base[b])} for a in sorted(prep) for b in sorted(base)]
    return rows


def pairs_table(runs: dict[int, Rows], baseline: dict[int, Rows] | None = None, reading: str = "positions",
                epsilon: float = DEFAULT_EPSILON, threads: int = 1) -> pd.DataFrame:
    """Long table of distances, one row per (layer, pair), from every network's datapoints by seed.

    runs / baseline: {seed: {layer: [R, U]}}; every network must have the same layers, and each
    layer the same rows R (the same datapoints, in the same order) and units U. baseline None or
    empty: within pairs only."""
    baseline = baseline or {}
    if not runs or (len(runs) < 2 and not baseline):
        raise ValueError("PWCCA needs at least two networks")
    first = next(iter(runs.values()))
    names = list(first)
    for label, nets in (("seed", runs), ("alpha = 0 seed", baseline)):
        for s, net in nets.items():
            if list(net) != names:
                raise ValueError(f"network of {label} {s} has layers {list(net)}, the others {names}")
            for n in names:
                if net[n].shape != first[n].shape:
                    raise ValueError(f"layer {n!r} of {label} {s} has datapoints x units {net[n].shape}, "
                                     f"the others {first[n].shape}")
    jobs = [(i, n, {s: a[n] for s, a in runs.items()}, {s: a[n] for s, a in baseline.items()})
            for i, n in enumerate(names)]
    with threadpool_limits(1), ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        parts = list(pool.map(lambda job: _layer_pairs(*job, epsilon), jobs))
    df = pd.DataFrame([row for part in parts for row in part])
    df["reading"] = reading
    return df.reindex(columns=PAIR_COLUMNS)


def pwcca_pairs(model_paths: list[str | Path], seeds: list[int], data_path: str | Path,
                baseline_paths: list[str | Path] = (), baseline_seeds: list[int] = (), reading: str = "positions",
                rows: int = 4096, epsilon: float = DEFAULT_EPSILON, threads: int = 1, alpha: float | None = None,
                device: str = "cpu", batch_size: int = 500) -> pd.DataFrame:
    """PWCCA pairs of the networks in ``model_paths`` (one per seed, at ``alpha``) with each other and
    with the alpha = 0 networks in ``baseline_paths``, on the test set of the prepared ``data_path``."""
    from ..accel import resolve_device
    from ..data import load_prepared

    for paths, ss in ((model_paths, seeds), (baseline_paths, baseline_seeds)):
        if len(paths) != len(ss) or len(set(ss)) != len(ss):
            raise ValueError(f"give one distinct seed per checkpoint: {len(paths)} files, seeds {list(ss)}")
    device = resolve_device(device)
    data = load_prepared(data_path)

    def nets(paths, ss, a):
        return {int(s): network_rows(p, data, reading, rows, device, batch_size, int(s), a) for p, s in zip(paths, ss)}

    runs = nets(model_paths, seeds, alpha)
    base = nets(baseline_paths, baseline_seeds, 0.0 if alpha is not None else None)
    return pairs_table(runs, base, reading, epsilon, threads)
