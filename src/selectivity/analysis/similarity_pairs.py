"""Representational similarity between trained runs, per unit layer (paper Sec. 4.2, A.2), and the
table that holds it: its columns, writer, reader and checks.

For one alpha: all C(n, 2) within-alpha replicate pairs ("within") and, unless alpha is the
baseline, all n x n_0 pairs between alpha and alpha = 0 ("baseline"), for every reading of the
datapoints (``similarity_rows``) and every measure (``selectivity.similarity``). Each network's
rows come from one forward pass of its checkpoint, the same rows for every network; each network's
layer is prepared once per reading and one cross product per pair serves every measure; layers run
in parallel threads.
The table's format: ``selectivity.files.similarity``.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..inputs import require
from ..defaults import SIMILARITY_IMAGES_PER_PASS
from ..similarity import (DEFAULT_EPSILON, DEFAULT_MEASURES, DEFAULT_MIN_ROWS, DEFAULT_ROWS_PER_NEURON, distances, prepare,
                          rows_wanted)
from ..names import SIMILARITY_READINGS
from .similarity_rows import layer_rows
from ..files.similarity import COLUMNS

Rows = dict[str, dict[str, np.ndarray]]  # reading -> unit layer -> [R, U] datapoints of one network


def network_rows(model_path: str | Path, data, readings=SIMILARITY_READINGS, rows_per_neuron: int = DEFAULT_ROWS_PER_NEURON,
                 min_rows: int = DEFAULT_MIN_ROWS, device: str = "cpu", batch_size: int = SIMILARITY_IMAGES_PER_PASS, seed: int | None = None,
                 alpha: float | None = None) -> Rows:
    """One trained network's rows per reading and layer (``similarity_rows.layer_rows``), checked:
    the checkpoint must be of ``data``'s dataset and, where given, of that seed and alpha."""
    from .activations import load_network, run_identity

    model, info, transform = load_network(model_path, data, device)
    run = run_identity(info)
    if seed is not None:
        require(run.get("seed", seed) == seed, model_path, f"holds the run of seed {run.get('seed')}, not of seed {seed}")
    if alpha is not None:
        require(run.get("alpha", alpha) == alpha, model_path, f"holds a run at alpha {run.get('alpha')}, not {alpha}")
    return layer_rows(model, data.test.images, data.name, readings, rows_per_neuron, min_rows, batch_size, transform)


def _layer_pairs(reading: str, i: int, name: str, runs: dict[int, np.ndarray], baseline: dict[int, np.ndarray],
                 measures, epsilon: float, wanted: int) -> list[dict]:
    rows, neurons = next(iter(runs.values())).shape
    if "pwcca" in measures and neurons >= rows:
        raise ValueError(f"layer {name!r} has {rows:,} datapoints for {neurons:,} neurons under the {reading!r} "
                         f"reading: PWCCA needs more datapoints than neurons. Drop 'pwcca' from "
                         f"analysis.similarity_measures, or this reading from analysis.similarity_readings, or use a "
                         f"larger test set")
    prep = {s: prepare(a, measures, epsilon) for s, a in runs.items()}
    base = {s: prepare(a, measures, epsilon) for s, a in baseline.items()}
    pairs = [("within", a, b, prep[a], prep[b]) for a, b in itertools.combinations(sorted(prep), 2)]
    pairs += [("baseline", a, b, prep[a], base[b]) for a in sorted(prep) for b in sorted(base)]
    out = []
    for kind, a, b, side_a, side_b in pairs:
        for measure, d in distances(side_a, side_b, measures).items():
            out.append({"reading": reading, "measure": measure, "layer_index": i, "layer": name, "kind": kind,
                        "seed_a": a, "seed_b": b, "neurons": neurons, "rows": rows, "rows_wanted": wanted,
                        "distance": d})
    return out


def pairs_table(runs: dict[int, Rows], baseline: dict[int, Rows] | None = None, measures=DEFAULT_MEASURES,
                rows_per_neuron: int = DEFAULT_ROWS_PER_NEURON, min_rows: int = DEFAULT_MIN_ROWS,
                epsilon: float = DEFAULT_EPSILON, threads: int = 1) -> pd.DataFrame:
    """Long table of distances (``files.similarity.COLUMNS`` without experiment and alpha), from every network's rows
    by seed.

    runs / baseline: {seed: {reading: {layer: [R, U]}}}; every network must have the same readings
    and layers, each with the same rows R (the same datapoints, in the same order) and units U.
    baseline None or empty: within pairs only."""
    baseline = baseline or {}
    measures = tuple(measures)
    if not runs or (len(runs) < 2 and not baseline):
        raise ValueError("similarity needs at least two networks")
    first = next(iter(runs.values()))
    for label, nets in (("seed", runs), ("alpha = 0 seed", baseline)):
        for s, net in nets.items():
            for reading in first:
                if reading not in net or list(net[reading]) != list(first[reading]):
                    raise ValueError(f"network of {label} {s} has readings/layers {({r: list(v) for r, v in net.items()})},"
                                     f" the others {({r: list(v) for r, v in first.items()})}")
                for n, a in net[reading].items():
                    if a.shape != first[reading][n].shape:
                        raise ValueError(f"layer {n!r} ({reading}) of {label} {s} has datapoints x units {a.shape}, "
                                         f"the others {first[reading][n].shape}")
    jobs = [(reading, i, n, {s: a[reading][n] for s, a in runs.items()}, {s: a[reading][n] for s, a in baseline.items()},
             measures, epsilon, rows_wanted(layers[n].shape[1], rows_per_neuron, min_rows))
            for reading, layers in first.items() for i, n in enumerate(layers)]
    with threadpool_limits(1), ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        parts = list(pool.map(lambda job: _layer_pairs(*job), jobs))
    return pd.DataFrame([row for part in parts for row in part]).reindex(columns=COLUMNS[2:])


def similarity_pairs(model_paths: list[str | Path], seeds: list[int], data_path: str | Path,
                     baseline_paths: list[str | Path] = (), baseline_seeds: list[int] = (), readings=SIMILARITY_READINGS,
                     measures=DEFAULT_MEASURES, rows_per_neuron: int = DEFAULT_ROWS_PER_NEURON,
                     min_rows: int = DEFAULT_MIN_ROWS, epsilon: float = DEFAULT_EPSILON, threads: int = 1,
                     alpha: float | None = None, device: str = "cpu", batch_size: int = SIMILARITY_IMAGES_PER_PASS) -> pd.DataFrame:
    """Similarity pairs of the networks in ``model_paths`` (one per seed, at ``alpha``) with each
    other and with the alpha = 0 networks in ``baseline_paths``, on the test set of ``data_path``."""
    from ..training.speed import resolve_device
    from ..data import load_prepared

    for paths, ss in ((model_paths, seeds), (baseline_paths, baseline_seeds)):
        if len(paths) != len(ss) or len(set(ss)) != len(ss):
            raise ValueError(f"give one distinct seed per checkpoint: {len(paths)} files, seeds {list(ss)}")
    device = resolve_device(device)
    data = load_prepared(data_path)

    def nets(paths, ss, a):
        return {int(s): network_rows(p, data, readings, rows_per_neuron, min_rows, device, batch_size, int(s), a)
                for p, s in zip(paths, ss)}

    runs = nets(model_paths, seeds, alpha)
    base = nets(baseline_paths, baseline_seeds, 0.0 if alpha is not None else None)
    return pairs_table(runs, base, measures, rows_per_neuron, min_rows, epsilon, threads)


__all__ = ["network_rows", "pairs_table", "similarity_pairs"]
