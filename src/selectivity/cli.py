"""Command line: ``selectivity <command>`` (also ``python -m selectivity``). The Snakemake rules
call exactly one command each; every command writes its outputs atomically.

One contract for every command:

- files are flags named for what they hold (``--data``, ``--model``, ``--acts``, ``--out``), or, for
  the commands that collect many tables, positional arguments;
- what a command computes is set by its own flags, or, for the four commands whose settings are a
  section of the config (train: a run config; robustness: ``robustness:``; plot: a figure's spec;
  claims-table: ``claims:``), by one ``--settings`` JSON object (the text, or ``@FILE``), never by
  both;
- where and how fast it runs (``--device``, ``--threads``, per-pass batch sizes, ...) is always a
  flag: it cannot change what is computed, and the workflow passes it as no rerun trigger (train
  has one flag per run-config key of ``training.config.UNHASHED``; a run config may hold those
  keys too, as a run's summary does, and a flag given overrides its key).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .data.registry import DATASETS
from .defaults import (ANALYSIS, DATASET, DUMP_IMAGES_PER_PASS, ROBUSTNESS, SELECTIVITY_EPS,
                       SIMILARITY_IMAGES_PER_PASS)
from .layout import SCHEMA
from .names import SIMILARITY_READINGS
from .training.config import UNHASHED, option_schema


def _settings_json(text: str) -> dict:
    """An argparse type: a JSON object given as its text or as ``@FILE``."""
    source = "the argument"
    if text.startswith("@"):
        source = text[1:]
        try:
            text = Path(source).read_text()
        except OSError as e:
            raise argparse.ArgumentTypeError(f"cannot read {source}: {e}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"{source} is not JSON ({e}): give a JSON object or @FILE") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"{source}: expected a JSON object, got {type(value).__name__}")
    return value


def _flag_value(schema: dict):
    """The argparse type of an option whose value has this JSON schema (a string, number, integer
    or boolean, or null where the schema allows it: written ``null``)."""
    types = schema.get("type", "string")  # an enum of strings may name no type
    types = types if isinstance(types, list) else [types]
    base = next(t for t in types if t != "null")
    convert = {"string": str, "integer": int, "number": float,
               "boolean": lambda v: {"true": True, "false": False}[v.lower()]}[base]

    def value(text: str):
        if "null" in types and text.lower() == "null":
            return None
        try:
            return convert(text)
        except (KeyError, ValueError):
            raise argparse.ArgumentTypeError(f"expected {' or '.join(types)}, got {text!r}") from None

    value.__name__ = base
    return value


def add_execution_options(parser: argparse.ArgumentParser) -> None:
    """One flag per run-config key that cannot change a run's result (``UNHASHED``: where and how
    fast it runs, and the experiment's name), from the key's schema; a flag left out keeps the run
    config's default."""
    for key in UNHASHED:
        schema = option_schema(key)
        kwargs = {"choices": schema["enum"]} if "enum" in schema else {}
        if "boolean" in str(schema.get("type")):
            kwargs["metavar"] = "true|false" + ("|null" if "null" in schema["type"] else "")
        default = json.dumps(schema["default"]) if schema["default"] is None else schema["default"]
        parser.add_argument(f"--{key.replace('_', '-')}", dest=key, type=_flag_value(schema),
                            default=argparse.SUPPRESS, help=f"{schema.get('description', key)} (default: {default})",
                            **kwargs)


def execution_flags(execution: dict) -> str:
    """The command-line flags of ``add_execution_options`` for these execution keys (what the
    workflow passes: ``null``, ``true``, ``false`` for those values)."""
    import shlex

    unknown = sorted(set(execution) - set(UNHASHED))
    if unknown:
        raise ValueError(f"{unknown} are not run-config keys that cannot change the result ({list(UNHASHED)})")
    words = []
    for key, value in execution.items():
        text = json.dumps(value) if value is None or isinstance(value, bool) else str(value)
        words += [f"--{key.replace('_', '-')}", shlex.quote(text)]
    return " ".join(words)


def _similarity_parser(sub, name: str, help: str, models_help: str):
    """A similarity command's parser (similarity, similarity-to-final): the runs it compares, what it
    computes with, and where it writes."""
    from .similarity import MEASURES

    s = sub.add_parser(name, help=help)
    s.add_argument("--alpha", type=float, required=True)
    s.add_argument("--experiment", default="", help="experiment name recorded in the table")
    s.add_argument("--data", required=True, help="prepared dataset .npz (its test set gives the datapoints)")
    s.add_argument("--models", nargs="+", required=True, help=models_help)
    s.add_argument("--seeds", nargs="+", type=int, required=True, help="the seed of each --models file, in order")
    s.add_argument("--readings", nargs="+", choices=list(SIMILARITY_READINGS), default=list(ANALYSIS["similarity_readings"]),
                   help="datapoints of a conv layer: (image, position) rows and/or per-image spatial means")
    s.add_argument("--measures", nargs="+", choices=list(MEASURES), default=list(ANALYSIS["similarity_measures"]))
    s.add_argument("--rows-per-neuron", type=int, default=ANALYSIS["rows_per_neuron"],
                   help="rows per layer: max(--min-rows, this x the layer's neurons), or all it has")
    s.add_argument("--min-rows", type=int, default=ANALYSIS["min_rows"], help="the fewest rows the rule asks for a layer")
    s.add_argument("--out", required=True)
    s.add_argument("--epsilon", type=float, default=ANALYSIS["pwcca_epsilon"], help="PWCCA's epsilon")
    s.add_argument("--threads", type=int, default=ANALYSIS["similarity_threads"])
    s.add_argument("--device", default=ANALYSIS["device"], help="cpu, cuda, cuda:N or auto")
    s.add_argument("--batch-size", type=int, default=SIMILARITY_IMAGES_PER_PASS, help="test images per forward pass")
    return s


def _name_path_pairs(items: list[str], option: str) -> dict[str, list[str]]:
    """NAME=PATH items of a repeatable option, by name (a name may repeat)."""
    out: dict[str, list[str]] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise SystemExit(f"{option} {item!r}: expected NAME=PATH")
        out.setdefault(name, []).append(path)
    return out


def _section_settings(args, resolve) -> dict:
    """``--settings``, or the same settings resolved by ``resolve(config)`` from ``--config`` (a
    workflow config, validated against ``--schema``)."""
    if args.settings is not None:
        return args.settings
    import yaml

    from .config import load_schema, validate_config

    with open(args.config) as f:
        return resolve(validate_config(yaml.safe_load(f), load_schema(args.schema), args.config))


def _prepare_data(args) -> None:
    from .data import prepare_dataset

    val = None if args.val_size is None else (int(args.val_size) if args.val_size >= 1 else args.val_size)
    d = prepare_dataset(args.dataset, args.out, source=args.source, raw_dir=args.raw_dir,
                        split_seed=args.split_seed, val_size=val, synthetic_per_batch=args.synthetic_per_batch,
                        synthetic_test_size=args.synthetic_test_size, md5=args.md5)  # None: not given
    sizes = {k: len(getattr(d, k).labels) for k in ("train", "val", "test")}
    print(f"{args.out}: {d.name} {d.image_shape} train/val/test = {sizes['train']}/{sizes['val']}/{sizes['test']}")


def _train(args) -> None:
    import torch

    from .data import load_prepared
    from .training.config import RunConfig
    from .training.loop import train_runs

    if args.threads:
        torch.set_num_threads(args.threads)
    raws = args.settings
    if len(raws) != len(args.out_dir):
        raise ValueError(f"--out-dir: {len(args.out_dir)} run director{'y' if len(args.out_dir) == 1 else 'ies'} for "
                         f"{len(raws)} run config{'' if len(raws) == 1 else 's'}: give one directory per config, "
                         "in the same order")
    execution = {k: getattr(args, k) for k in UNHASHED if hasattr(args, k)}
    cfgs = [RunConfig.from_dict({**raw, **execution}) for raw in raws]
    data = load_prepared(args.data)
    for cfg in cfgs:
        if data.name != cfg.dataset:
            raise ValueError(f"{args.data} holds dataset {data.name!r} but the run config names {cfg.dataset!r}")
    train_runs(cfgs, data, args.out_dir)


def _collect_runs(args) -> None:
    from .analysis.collect import collect
    from .io import write_csv

    runs, layers = collect(args.summaries)
    write_csv(runs, args.runs_out)
    write_csv(layers, args.layers_out)
    print(f"{args.runs_out}: {len(runs)} runs, alphas {sorted(runs['alpha'].unique().tolist())}")


def _dump_activations(args) -> None:
    from .analysis.activations import dump_activations

    acts = dump_activations(args.model, args.data, args.out, args.batch_size, args.dtype, args.device)
    print(f"{args.out}: {len(acts.layers)} layers x {len(acts.labels)} test images")


def _unit_metrics(args) -> None:
    from .files.activations import load_activations
    from .analysis.unit_metrics import unit_table
    from .io import write_csv

    units = unit_table(load_activations(args.acts), n_top=args.precision_n, eps=args.eps,
                       null_permutations=args.null_permutations, null_seed=args.null_seed)
    write_csv(units, args.out)
    print(f"{args.out}: {len(units)} units, {int(units['dead'].sum())} dead")


def _similarity(args) -> None:
    import time

    from .analysis.similarity_pairs import similarity_pairs
    from .files.similarity import write_pairs

    t0 = time.perf_counter()
    try:
        df = similarity_pairs(args.models, args.seeds, args.data, args.baseline_models or [], args.baseline_seeds or [],
                              args.readings, args.measures, args.rows_per_neuron, args.min_rows, args.epsilon,
                              args.threads, args.alpha, args.device, args.batch_size)
    except ValueError as e:
        raise SystemExit(f"{args.out}: not computed: {e}") from e
    write_pairs(df, args.experiment, args.alpha, args.out)
    print(f"{args.out}: {len(df)} rows ({', '.join(args.measures)}; readings {', '.join(args.readings)}) in "
          f"{time.perf_counter() - t0:.1f} s ({args.threads} threads)")


def _similarity_to_final(args) -> None:
    import time

    from .analysis.similarity_pairs import epoch_similarity
    from .files.similarity import write_epoch_pairs

    if len(args.epoch_models) != len(args.epochs) * len(args.seeds):
        raise SystemExit(f"--epoch-models: {len(args.epoch_models)} files for epochs {args.epochs} x seeds "
                         f"{args.seeds}: give every epoch's models, epoch by epoch, each in the order of --seeds")
    n = len(args.seeds)
    epoch_paths = {k: args.epoch_models[i * n:(i + 1) * n] for i, k in enumerate(args.epochs)}
    t0 = time.perf_counter()
    try:
        df = epoch_similarity(args.models, args.seeds, epoch_paths, args.data, args.readings, args.measures,
                              args.rows_per_neuron, args.min_rows, args.epsilon, args.threads, args.alpha, args.device,
                              args.batch_size)
    except ValueError as e:
        raise SystemExit(f"{args.out}: not computed: {e}") from e
    write_epoch_pairs(df, args.experiment, args.alpha, args.out)
    print(f"{args.out}: {len(df)} rows (epochs {args.epochs} vs final; {', '.join(args.measures)}) in "
          f"{time.perf_counter() - t0:.1f} s ({args.threads} threads)")


def _robustness(args) -> None:
    import time

    from .files.robustness import write_robustness
    from .robustness.evaluate import robustness_table

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    df = robustness_table(args.model, args.data, args.settings, args.device)
    write_robustness(df, args.out)
    print(f"{args.out}: {len(df)} rows ({', '.join(f'{k} {n}' for k, n in df['kind'].value_counts().items())}) "
          f"in {time.perf_counter() - t0:.1f} s")


def _collect_robustness(args) -> None:
    from .files.robustness import collect_robustness, write_robustness

    df = collect_robustness(args.tables, args.experiment, args.alphas, args.seeds)
    write_robustness(df, args.out)
    print(f"{args.out}: {len(df)} rows of {len(df[['alpha', 'seed']].drop_duplicates())} runs")


def _collect_epochs(args) -> None:
    from .files.epochs import collect_epochs, write_epochs

    df = collect_epochs(args.tables, args.experiment, args.alphas, args.seeds)
    write_epochs(df, args.out)
    print(f"{args.out}: {len(df)} rows of {len(df[['alpha', 'seed']].drop_duplicates())} runs")


def _robustness_measures(args) -> None:
    from .files.robustness import read_robustness, write_robustness
    from .robustness.measures import measures_table
    from .robustness.params import SETS

    df = measures_table(read_robustness(args.table), SETS)
    write_robustness(df, args.out)
    print(f"{args.out}: {len(df)} rows of {len(df[['alpha', 'seed']].drop_duplicates())} networks "
          f"({', '.join(f'{k} {n}' for k, n in df['kind'].value_counts().items())})")


def _plot(args) -> None:
    from .plots.render import render

    from .config import figure_params

    inputs = _name_path_pairs(args.input, "--input")
    params = _section_settings(args, lambda config: figure_params(config, args.figure))
    missing = [k for k in ("kind", "experiments", "title", "caption") if k not in params]
    if missing:
        raise ValueError(f"--settings lack the figure's keys {missing}: they are the figure's resolved spec, "
                         f"which `--config CONFIG.yaml` builds from a workflow config (selectivity.config."
                         f"figure_params); pass --config instead of --settings")
    if params.get("name", args.figure) != args.figure:
        raise ValueError(f"--settings are those of figure {params['name']!r}, not {args.figure!r}")
    render({**params, "name": args.figure}, inputs, args.out, args.stats)
    print(f"{args.out}, {args.stats}")


def _figures(args) -> None:
    from .plots.specs import FIGURES, KINDS

    w = max(map(len, FIGURES)) + 1
    print(f"{'figure':{w}} {'kind':19} {'runs':9} {'experiments (paper)':40} options")
    for name, fig in sorted(FIGURES.items(), key=lambda kv: kv[1].order):
        defaults = {k: v.get("default", "none") for k, v in KINDS[fig.kind].options.items()}
        if "labels" in defaults:  # a figure's own default legend labels (the schema's default too)
            defaults["labels"] = "/".join(fig.labels) if fig.labels else "the experiments' names"
        options = ", ".join(f"{k} ({v})" for k, v in defaults.items()) or "-"
        print(f"{name:{w}} {fig.kind:19} {fig.subset:9} {', '.join(fig.experiments):40} {options}")


def _similarity_ratios(args) -> None:
    from .report import similarity_ratios

    print(similarity_ratios(args.stats))


def _claims_table(args) -> None:
    from .claims.evaluate import build_claims
    from .claims.table import format_table, html, write_claims
    from .io import atomic_path

    from .claims.params import claims_params

    params = _section_settings(args, claims_params)
    runs = {e: p[-1] for e, p in _name_path_pairs(args.runs, "--runs").items()}
    robustness = {e: p[-1] for e, p in _name_path_pairs(args.robustness, "--robustness").items()}
    epochs = {e: p[-1] for e, p in _name_path_pairs(args.epochs, "--epochs").items()}
    df = build_claims(params, runs, _name_path_pairs(args.similarity, "--similarity"), robustness, epochs)
    write_claims(df, args.out)
    if args.html:
        with atomic_path(args.html) as tmp:
            Path(tmp).write_text(html(df))
    print(format_table(df))
    print(f"{args.out}: {len(df)} rows, {int(df['configured'].sum())} configured")


def _claims(args) -> None:
    from .claims.table import format_table, read_claims

    print(format_table(read_claims(args.table), all_variants=args.all_variants))


def _claims_readme(args) -> None:
    from .claims.table import update_readme

    snapshots = {Path(p).stem: Path(p) for p in args.snapshots}
    differ = update_readme(Path(args.readme), snapshots, check=args.check)
    if args.check and differ:
        raise SystemExit(f"{args.readme}: the claims blocks of {differ} differ from their snapshots; run "
                         "`python -m selectivity claims-readme`")
    print(f"{args.readme}: {'checked' if args.check else 'updated'} {sorted(snapshots)}"
          + (f" ({differ} changed)" if differ and not args.check else ""))


def _config_schema(args) -> None:
    import yaml

    from .config import load_schema

    schema = load_schema(args.schema)
    for key in args.key:
        schema = schema["additionalProperties"] if key == "*" else schema["properties"][key]
    print(yaml.safe_dump(schema, sort_keys=False, width=110), end="")


def _summarize(args) -> None:
    from .report import summarize

    print(summarize(args.runs, args.network_mean))


def _analyze(args) -> None:
    """Per-unit class selectivity of a model of one's own (``analysis.one_pass``), from a factory
    ``module:function`` (called with --model-args), its weights and a prepared dataset's split."""
    import importlib

    import torch

    from .analysis.one_pass import unit_stats
    from .analysis.precision import default_n_top
    from .data import load_prepared
    from .data.augment import normalize
    from .io import write_csv

    module, sep, function = args.model.partition(":")
    if not sep:
        raise SystemExit(f"--model {args.model!r}: give module:factory, e.g. selectivity.models:build_model")
    try:
        factory = getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as e:
        raise SystemExit(f"--model {args.model!r}: {e}") from e
    model = factory(**args.model_args)
    state = torch.load(args.weights, map_location="cpu", weights_only=True)
    state = state.get("state_dict", state) if isinstance(state, dict) else state
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        raise SystemExit(f"--weights {args.weights}: does not fit the model of --model {args.model}: {e}") from e
    data = load_prepared(args.data)
    split = getattr(data, args.split)
    device = torch.device(args.device)
    model.to(device)
    mean, std = torch.tensor(data.mean, device=device), torch.tensor(data.std, device=device)
    batches = ((split.images[i:i + args.batch_size], split.labels[i:i + args.batch_size])
               for i in range(0, len(split.labels), args.batch_size))
    n_top = args.n_top if args.n_top is not None else default_n_top(split.labels.numpy(), data.num_classes)
    layers = args.layers or None
    if layers:
        types = {name: getattr(torch.nn, name) for name in layers if hasattr(torch.nn, name)}
        layers = [types.get(name, name) for name in layers]
    units = unit_stats(model, batches, data.num_classes, layers, n_top or None, args.reduction, device=device,
                       transform=lambda x: normalize(x.to(device), mean, std))
    write_csv(units, args.out)
    print(f"{args.out}: {len(units)} units in {units['layer'].nunique()} layers, {units.attrs['images']} "
          f"{args.split} images; network mean SI (mean over layers) {units.groupby('layer_index')['si'].mean().mean():.4f}")
    if args.figure:
        from .plots.layer_summary import layer_summary_figure
        from .plots.style import finish

        title = f"{args.model} on {data.name} ({args.split} split)"
        fig, axes, summary = layer_summary_figure(units)
        finish(fig, axes, title, args.figure, Path(args.figure).with_suffix(".csv"), summary)


def _summarize_epochs(args) -> None:
    from .report import epochs_summary

    print("\n".join(epochs_summary(path) for path in args.tables))


def build_parser() -> argparse.ArgumentParser:
    from .similarity import MEASURES

    p = argparse.ArgumentParser(prog="selectivity", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("prepare-data", help="prepare a dataset into one .npz with a fixed split")
    s.add_argument("--dataset", required=True, choices=list(DATASETS))
    s.add_argument("--out", required=True, help="output .npz")
    s.add_argument("--source", help="local archive (cifar10, tiny_imagenet) or IDX directory (fashion_mnist)")
    s.add_argument("--md5", help="tiny_imagenet: the archive's expected MD5 (default: the published one)")
    s.add_argument("--raw-dir", help="where downloads go (default: <out dir>/raw)")
    s.add_argument("--split-seed", type=int, default=DATASET["split_seed"])
    s.add_argument("--val-size", type=float, help="validation images (>= 1) or fraction (< 1)")
    s.add_argument("--synthetic-per-batch", type=int, help="synthetic: images per train batch (x5; default 20)")
    s.add_argument("--synthetic-test-size", type=int, help="synthetic: test images (default 20)")
    s.set_defaults(func=_prepare_data)

    s = sub.add_parser("train", help="train one (alpha, seed) run, or several seeds of one alpha as one stack")
    s.add_argument("--data", required=True, help="prepared dataset .npz")
    s.add_argument("--out-dir", required=True, nargs="+",
                   help="run directory: model.pt, log.csv, summary.json (one per run config)")
    s.add_argument("--settings", nargs="+", required=True, type=_settings_json,
                   help="run config: a JSON object (its text or @FILE) of keys of selectivity.training.config."
                        "RunConfig (the flags below override theirs), one per --out-dir; several that differ only in their seed "
                        "train together as one stack (selectivity.training.networks)")
    add_execution_options(s)
    s.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    s.set_defaults(func=_train)

    s = sub.add_parser("dump-activations", help="test-set unit activations of a trained model (.npz)")
    s.add_argument("--model", required=True, help="model.pt of a run")
    s.add_argument("--data", required=True, help="prepared dataset .npz")
    s.add_argument("--out", required=True, help="activations .npz")
    s.add_argument("--batch-size", type=int, default=DUMP_IMAGES_PER_PASS, help="test images per forward pass")
    s.add_argument("--dtype", default=ANALYSIS["activation_dtype"], choices=["float32", "float16"])
    s.add_argument("--device", default=ANALYSIS["device"], help="cpu, cuda, cuda:N or auto")
    s.set_defaults(func=_dump_activations)

    s = sub.add_parser("unit-metrics", help="per-unit SI, dead units, precision of one run (CSV)")
    s.add_argument("--acts", required=True, help="activations .npz")
    s.add_argument("--out", required=True, help="units CSV")
    s.add_argument("--precision-n", type=int, default=ANALYSIS["precision_n"],
                   help="top-N images (default: test images per class)")
    s.add_argument("--eps", type=float, default=SELECTIVITY_EPS, help="epsilon of the selectivity index")
    s.add_argument("--null-permutations", type=int, default=ANALYSIS["si_null_permutations"],
                   help="label permutations of the SI null (0: none)")
    s.add_argument("--null-seed", type=int, default=ANALYSIS["si_null_seed"], help="seed of the SI null's permutations")
    s.set_defaults(func=_unit_metrics)

    s = _similarity_parser(sub, "similarity", "representational similarity (PWCCA, CKA, Procrustes) within an "
                           "alpha and against alpha = 0, per reading and layer (CSV)", "model.pt of the runs at this alpha")
    s.add_argument("--baseline-models", nargs="*", help="model.pt of the alpha = 0 runs (omit for alpha 0)")
    s.add_argument("--baseline-seeds", nargs="*", type=int, help="the seed of each --baseline-models file, in order")
    s.set_defaults(func=_similarity)

    s = _similarity_parser(sub, "similarity-to-final", "representational distance of each run's save_epochs models "
                           "to its final model, per reading, measure and layer (CSV)",
                           "the final model.pt of the runs at this alpha")
    s.add_argument("--epochs", nargs="+", type=int, required=True, help="the save_epochs epochs to compare")
    s.add_argument("--epoch-models", nargs="+", required=True,
                   help="epoch_<k>/model.pt files: for each --epochs epoch in turn, one per seed in --seeds order")
    s.set_defaults(func=_similarity_to_final)

    s = sub.add_parser("collect-runs", help="tidy runs and layers tables from run folders")
    s.add_argument("--runs-out", required=True, help="runs table CSV (one row per run)")
    s.add_argument("--layers-out", required=True, help="layers table CSV (one row per run and layer)")
    s.add_argument("summaries", nargs="+", help="summary.json files (units.csv must be beside each)")
    s.set_defaults(func=_collect_runs)

    s = sub.add_parser("robustness", help="one run's accuracy under corruptions and attacks, and its "
                                          "dimensionality per unit layer (tidy CSV)")
    s.add_argument("--model", required=True, help="model.pt of a run")
    s.add_argument("--data", required=True, help="prepared dataset .npz (its test set is perturbed)")
    s.add_argument("--out", required=True, help="robustness CSV")
    s.add_argument("--settings", type=_settings_json, default={},
                   help="the config's robustness settings: a JSON object (its text or @FILE) of keys of selectivity."
                        "robustness.evaluate.SETTINGS_DEFAULTS (missing keys take those defaults)")
    s.add_argument("--device", default=ROBUSTNESS["device"], help="cpu, cuda, cuda:N or auto")
    s.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    s.set_defaults(func=_robustness)

    for name, what, out, run_file, func in (
            ("collect-robustness", "robustness table", "robustness_all.csv", "robustness.csv", _collect_robustness),
            ("collect-epochs", "per-epoch selectivity table (training.probe_size > 0)", "epochs_all.csv",
             "selectivity_epochs.csv", _collect_epochs)):
        s = sub.add_parser(name, help=f"an experiment's {what} from its runs' tables")
        s.add_argument("--experiment", required=True)
        s.add_argument("--alphas", nargs="+", type=float, required=True, help="the configured alphas (each run once)")
        s.add_argument("--seeds", nargs="+", type=int, required=True, help="the configured seeds")
        s.add_argument("--out", required=True, help=out)
        s.add_argument("tables", nargs="+", help=f"{run_file} of every run")
        s.set_defaults(func=func)

    s = sub.add_parser("robustness-measures", help="per network: accuracy, error, drop and relative drop per "
                                                   "corruption and severity and per attack and eps, CE and mCE "
                                                   "(the alpha = 0 networks as the baseline) per corruption set")
    s.add_argument("table", help="an experiment's robustness_all.csv")
    s.add_argument("--out", required=True, help="measures CSV (experiment, alpha, seed, kind, name, level, measure, value)")
    s.set_defaults(func=_robustness_measures)

    s = sub.add_parser("plot", help="draw a paper figure and write the statistics it shows")
    s.add_argument("figure", help="a figure's name: fig1 ... figA12, robust_*, tin_* (`selectivity figures` lists "
                                  "them all)")
    s.add_argument("--input", action="append", default=[], help="NAME=PATH (repeat; a name may repeat)")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--settings", type=_settings_json,
                   help="the figure's resolved spec: a JSON object (its text or @FILE; what the workflow passes)")
    g.add_argument("--config", help="a workflow config (e.g. config.yaml) to resolve the figure's parameters from")
    s.add_argument("--schema", default=str(SCHEMA), help="the config schema (default: the workflow's)")
    s.add_argument("--out", required=True, help="figure PDF")
    s.add_argument("--stats", required=True, help="statistics CSV")
    s.set_defaults(func=_plot)

    s = sub.add_parser("config-schema", help="print the config schema with the package's defaults filled in "
                                             "(e.g. `config-schema experiments '*' training`)")
    s.add_argument("key", nargs="*", help="a section to print (entries of datasets / experiments: *)")
    s.add_argument("--schema", default=str(SCHEMA), help="the schema file (default: the workflow's)")
    s.set_defaults(func=_config_schema)

    s = sub.add_parser("figures", help="list the paper's figures, their kinds and options")
    s.set_defaults(func=_figures)

    s = sub.add_parser("similarity-ratios", help="Figure 3's distance ratio per measure, reading and alpha, from "
                                                 "its statistics CSV (what the README quotes)")
    s.add_argument("stats", help="the figure's CSV, e.g. figures/demo/fig3.csv")
    s.set_defaults(func=_similarity_ratios)

    s = sub.add_parser("claims-table", help="decide the paper's claims from the tables (writes the claims CSV)")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--settings", type=_settings_json,
                   help="the resolved claims settings: a JSON object (its text or @FILE; what the workflow passes)")
    g.add_argument("--config", help="a workflow config to resolve them from")
    s.add_argument("--schema", default=str(SCHEMA), help="the config schema (default: the workflow's)")
    s.add_argument("--runs", action="append", default=[], help="EXPERIMENT=runs_all.csv (one per experiment)")
    s.add_argument("--similarity", action="append", default=[], help="EXPERIMENT=similarity table (repeat)")
    s.add_argument("--robustness", action="append", default=[], help="EXPERIMENT=robustness_all.csv")
    s.add_argument("--epochs", action="append", default=[], help="EXPERIMENT=epochs_all.csv (training.probe_size > 0)")
    s.add_argument("--out", required=True, help="claims CSV")
    s.add_argument("--html", help="the report's claims page (HTML)")
    s.set_defaults(func=_claims_table)

    s = sub.add_parser("claims", help="print a claims table (figures/<preset>/claims.csv)")
    s.add_argument("table", help="claims CSV")
    s.add_argument("--all-variants", action="store_true", help="every variant, not only the configured ones")
    s.set_defaults(func=_claims)

    s = sub.add_parser("claims-readme", help="rewrite (--check: compare) the README's claims blocks from "
                                             "docs/claims/<preset>.csv")
    s.add_argument("snapshots", nargs="*", default=[str(p) for p in sorted((SCHEMA.parents[2] / "docs" / "claims")
                                                                          .glob("*.csv"))],
                   help="claims CSVs, one per preset (default: docs/claims/*.csv)")
    s.add_argument("--readme", default=str(SCHEMA.parents[2] / "README.md"))
    s.add_argument("--check", action="store_true", help="fail if a block differs, change nothing")
    s.set_defaults(func=_claims_readme)

    s = sub.add_parser("summarize", help="per-alpha mean and SD over seeds of a runs table (what the README quotes)")
    s.add_argument("runs", nargs="+", help="runs table(s) (results/<experiment>/runs_all.csv)")
    s.add_argument("--network-mean", default=ANALYSIS["network_mean"], choices=["layers", "units"],
                   help="which mean over the network to report as SI (default: layers, Eq. 3)")
    s.set_defaults(func=_summarize)

    s = sub.add_parser("analyze", help="per-unit class selectivity, precision and dead units of a model of your "
                                       "own, in one pass (CSV, and a per-layer figure)")
    s.add_argument("--model", required=True, help="module:factory that builds the model, e.g. "
                                                  "selectivity.models:build_model")
    s.add_argument("--model-args", type=_settings_json, default={},
                   help="keyword arguments of the factory: a JSON object (its text or @FILE)")
    s.add_argument("--weights", required=True, help="a state_dict file (torch.save), or a model.pt of this project")
    s.add_argument("--data", required=True, help="prepared dataset .npz (selectivity prepare-data)")
    s.add_argument("--split", choices=["test", "val", "train"], default="test")
    s.add_argument("--layers", nargs="*", help="module names, glob patterns (layer*.relu) or torch.nn types (ReLU); "
                                               "default: the model's Unit layers")
    s.add_argument("--n-top", type=int, help="precision's top N (default: images per class; 0: no precision)")
    s.add_argument("--reduction", choices=["mean", "max"], default="mean", help="over each feature map's positions")
    s.add_argument("--batch-size", type=int, default=DUMP_IMAGES_PER_PASS)
    s.add_argument("--device", default="cpu")
    s.add_argument("--out", required=True, help="the per-unit table (CSV)")
    s.add_argument("--figure", help="the per-layer summary figure (PDF; its numbers beside it as CSV)")
    s.set_defaults(func=_analyze)

    s = sub.add_parser("summarize-epochs", help="print the probe's SI and accuracy per epoch per alpha (mean ± SD)")
    s.add_argument("tables", nargs="+", help="epochs_all.csv (training.probe_size > 0)")
    s.set_defaults(func=_summarize_epochs)
    return p


def main(argv: list[str] | None = None) -> int:
    from .config import ConfigError
    from .errors import DatasetError, InputError, NonFiniteLossError, Preempted

    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except Preempted as e:
        print(f"selectivity {args.command}: {e}", file=sys.stderr)
        return Preempted.exit_code
    except (DatasetError, InputError, ConfigError, NonFiniteLossError, FileNotFoundError, ValueError, OSError) as e:
        print(f"selectivity {args.command}: error: {e}", file=sys.stderr)
        return 1
    return 0
