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
from ..files.similarity import COLUMNS, EPOCH_COLUMNS

Rows = dict[str, dict[str, np.ndarray]]  # reading -> unit layer -> [R, U] datapoints of one network


def network_rows(model_path: str | Path, data, readings=SIMILARITY_READINGS, rows_per_neuron: int = DEFAULT_ROWS_PER_NEURON,
                 min_rows: int = DEFAULT_MIN_ROWS, device: str = "cpu", batch_size: int = SIMILARITY_IMAGES_PER_PASS, seed: int | None = None,
                 alpha: float | None = None, epoch: int | None = None) -> Rows:
    """One trained network's rows per reading and layer (``similarity_rows.layer_rows``), checked:
    the checkpoint must be of ``data``'s dataset and, where given, of that seed, alpha and epoch (a
    ``save_epochs`` model's)."""
    from .activations import load_network, run_identity

    model, info, transform = load_network(model_path, data, device)
    run = run_identity(info)
    if seed is not None:
        require(run.get("seed", seed) == seed, model_path, f"holds the run of seed {run.get('seed')}, not of seed {seed}")
    if alpha is not None:
        require(run.get("alpha", alpha) == alpha, model_path, f"holds a run at alpha {run.get('alpha')}, not {alpha}")
    if epoch is not None:
        require(info.get("epoch") == epoch, model_path, f"holds the network after epoch {info.get('epoch')}, not "
                                                         f"after epoch {epoch}")
    return layer_rows(model, data.test.images, data.name, readings, rows_per_neuron, min_rows, batch_size, transform)


def _layer_distances(reading: str, i: int, name: str, nets: dict, pairs: list[tuple], measures, epsilon: float,
                     wanted: int) -> list[dict]:
    """One layer under one reading: every measure's distance for each (label, key_a, key_b) of
    ``pairs``, between the networks' datapoints ``nets[key]`` ([R, U] each), each network prepared once."""
    rows, neurons = next(iter(nets.values())).shape
    if "pwcca" in measures and neurons >= rows:
        raise ValueError(f"layer {name!r} has {rows:,} datapoints for {neurons:,} neurons under the {reading!r} "
                         f"reading: PWCCA needs more datapoints than neurons. Drop 'pwcca' from "
                         f"analysis.similarity_measures, or this reading from analysis.similarity_readings, or use a "
                         f"larger test set")
    prep = {key: prepare(a, measures, epsilon) for key, a in nets.items()}
    out = []
    for label, a, b in pairs:
        for measure, d in distances(prep[a], prep[b], measures).items():
            out.append({"reading": reading, "measure": measure, "layer_index": i, "layer": name, "pair": (label, a, b),
                        "neurons": neurons, "rows": rows, "rows_wanted": wanted, "distance": d})
    return out


def _check_same_layers(nets: dict, label) -> None:
    """Every network has the first one's readings and layers, each with the same [R, U] shape."""
    first_key = next(iter(nets))
    first = nets[first_key]
    for key, net in nets.items():
        for reading in first:
            if reading not in net or list(net[reading]) != list(first[reading]):
                raise ValueError(f"network of {label(key)} has readings/layers {({r: list(v) for r, v in net.items()})},"
                                 f" the others {({r: list(v) for r, v in first.items()})}")
            for n, a in net[reading].items():
                if a.shape != first[reading][n].shape:
                    raise ValueError(f"layer {n!r} ({reading}) of {label(key)} has datapoints x units {a.shape}, "
                                     f"the others {first[reading][n].shape}")


def _distances(nets: dict, pairs: list[tuple], measures, rows_per_neuron: int, min_rows: int, epsilon: float,
               threads: int) -> list[dict]:
    """Every layer's distances (``_layer_distances``) of ``pairs`` of networks ``nets`` ({key: Rows}),
    layers in parallel threads."""
    first = next(iter(nets.values()))
    jobs = [(reading, i, n, {k: net[reading][n] for k, net in nets.items()}, pairs, measures, epsilon,
             rows_wanted(layers[n].shape[1], rows_per_neuron, min_rows))
            for reading, layers in first.items() for i, n in enumerate(layers)]
    with threadpool_limits(1), ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        parts = list(pool.map(lambda job: _layer_distances(*job), jobs))
    return [row for part in parts for row in part]


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
    nets = {("run", s): net for s, net in runs.items()} | {("base", s): net for s, net in baseline.items()}
    _check_same_layers(nets, lambda key: f"{'seed' if key[0] == 'run' else 'alpha = 0 seed'} {key[1]}")
    pairs = [("within", ("run", a), ("run", b)) for a, b in itertools.combinations(sorted(runs), 2)]
    pairs += [("baseline", ("run", a), ("base", b)) for a in sorted(runs) for b in sorted(baseline)]
    rows = _distances(nets, pairs, measures, rows_per_neuron, min_rows, epsilon, threads)
    for row in rows:
        kind, a, b = row.pop("pair")
        row.update(kind=kind, seed_a=a[1], seed_b=b[1])
    return pd.DataFrame(rows).reindex(columns=COLUMNS[2:])


def epoch_pairs_table(final: dict[int, Rows], at_epoch: dict[tuple[int, int], Rows], measures=DEFAULT_MEASURES,
                      rows_per_neuron: int = DEFAULT_ROWS_PER_NEURON, min_rows: int = DEFAULT_MIN_ROWS,
                      epsilon: float = DEFAULT_EPSILON, threads: int = 1) -> pd.DataFrame:
    """Long table of distances between each run's network after epoch k and its final network
    (``files.similarity.EPOCH_COLUMNS`` without experiment and alpha). final: {seed: Rows};
    at_epoch: {(seed, k): Rows}, every seed of which has a final network."""
    measures = tuple(measures)
    orphans = sorted({s for s, _ in at_epoch} - set(final))
    if not at_epoch or orphans:
        raise ValueError(f"similarity to the final network needs epoch networks and each one's final network "
                         f"(epoch networks of seeds {orphans} have none)")
    nets = {("final", s): net for s, net in final.items()} | {("epoch", s, k): net for (s, k), net in at_epoch.items()}
    _check_same_layers(nets, lambda key: f"seed {key[1]}" + (f" after epoch {key[2]}" if key[0] == "epoch" else ""))
    pairs = [("to_final", ("epoch", s, k), ("final", s)) for s, k in sorted(at_epoch)]
    rows = _distances(nets, pairs, measures, rows_per_neuron, min_rows, epsilon, threads)
    for row in rows:
        _, a, _ = row.pop("pair")
        row.update(seed=a[1], epoch=a[2])
    return pd.DataFrame(rows).reindex(columns=EPOCH_COLUMNS[2:])


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


def epoch_similarity(model_paths: list[str | Path], seeds: list[int], epoch_paths: dict[int, list[str | Path]],
                     data_path: str | Path, readings=SIMILARITY_READINGS, measures=DEFAULT_MEASURES,
                     rows_per_neuron: int = DEFAULT_ROWS_PER_NEURON, min_rows: int = DEFAULT_MIN_ROWS,
                     epsilon: float = DEFAULT_EPSILON, threads: int = 1, alpha: float | None = None,
                     device: str = "cpu", batch_size: int = SIMILARITY_IMAGES_PER_PASS) -> pd.DataFrame:
    """Distances between each run's network after epoch k (``epoch_paths[k]``: one model per seed,
    in the order of ``seeds``) and its final network (``model_paths``), on the test set of ``data_path``."""
    from ..training.speed import resolve_device
    from ..data import load_prepared

    for k, paths in epoch_paths.items():
        if len(paths) != len(seeds):
            raise ValueError(f"epoch {k}: {len(paths)} models for the seeds {list(seeds)}: give one per seed")
    if len(model_paths) != len(seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(f"give one distinct seed per final model: {len(model_paths)} files, seeds {list(seeds)}")
    device = resolve_device(device)
    data = load_prepared(data_path)

    def rows(path, seed, epoch=None):
        return network_rows(path, data, readings, rows_per_neuron, min_rows, device, batch_size, int(seed), alpha,
                            epoch)

    final = {int(s): rows(p, s) for p, s in zip(model_paths, seeds)}
    at_epoch = {(int(s), int(k)): rows(p, s, int(k)) for k, paths in epoch_paths.items() for p, s in zip(paths, seeds)}
    return epoch_pairs_table(final, at_epoch, measures, rows_per_neuron, min_rows, epsilon, threads)


__all__ = ["network_rows", "pairs_table", "similarity_pairs", "epoch_pairs_table", "epoch_similarity"]
