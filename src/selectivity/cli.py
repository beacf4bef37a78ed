"""Command line: ``selectivity <command>`` (also ``python -m selectivity``). The Snakemake rules
call exactly one command each; every command writes its outputs atomically."""

from __future__ import annotations

import argparse
import json
import sys


def _prepare_data(args) -> None:
    from .data import prepare_dataset

    val = None if args.val_size is None else (int(args.val_size) if args.val_size >= 1 else args.val_size)
    d = prepare_dataset(args.dataset, args.out, source=args.source, raw_dir=args.raw_dir,
                        split_seed=args.split_seed, val_size=val)
    sizes = {k: len(getattr(d, k).labels) for k in ("train", "val", "test")}
    print(f"{args.out}: {d.name} {d.image_shape} train/val/test = {sizes['train']}/{sizes['val']}/{sizes['test']}")


def _train(args) -> None:
    import torch

    from .data import load_prepared
    from .runconfig import RunConfig
    from .train import train_run

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.config_json:
        raw = json.loads(args.config_json)
    else:
        with open(args.config) as f:
            raw = json.load(f)
    cfg = RunConfig.from_dict(raw)
    data = load_prepared(args.data)
    if data.name != cfg.dataset:
        raise ValueError(f"{args.data} holds dataset {data.name!r} but the run config names {cfg.dataset!r}")
    train_run(cfg, data, args.out_dir)


def _collect_runs(args) -> None:
    from .tables import runs_table, write_csv

    df = runs_table(args.summaries)
    write_csv(df, args.out)
    print(f"{args.out}: {len(df)} runs, alphas {sorted(df['alpha'].unique().tolist())}")


def _plot(args) -> None:
    from .plots import fig2

    figures = {"fig2": fig2}
    kw = dict(ci=args.ci, n_bootstrap=args.n_bootstrap, seed=args.bootstrap_seed, equal_var=not args.welch)
    if args.figure == "fig2":
        kw["zoom_max_abs_alpha"] = args.zoom_max_abs_alpha
    figures[args.figure].make(args.runs, args.out, args.stats, **kw)
    print(f"{args.out}, {args.stats}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="selectivity", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("prepare-data", help="prepare a dataset into one .npz with a fixed split")
    s.add_argument("--dataset", required=True, choices=["cifar10", "fashion_mnist", "digits", "synthetic"])
    s.add_argument("--out", required=True, help="output .npz")
    s.add_argument("--source", help="local archive (cifar10) or IDX directory (fashion_mnist)")
    s.add_argument("--raw-dir", help="where downloads go (default: <out dir>/raw)")
    s.add_argument("--split-seed", type=int, default=0)
    s.add_argument("--val-size", type=float, help="validation images (>= 1) or fraction (< 1)")
    s.set_defaults(func=_prepare_data)

    s = sub.add_parser("train", help="train one (alpha, seed) run")
    s.add_argument("--data", required=True, help="prepared dataset .npz")
    s.add_argument("--out-dir", required=True, help="run directory: model.pt, log.csv, summary.json")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--config-json", help="run config as a JSON string (keys of selectivity.runconfig.RunConfig)")
    g.add_argument("--config", help="run config JSON file")
    s.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    s.set_defaults(func=_train)

    s = sub.add_parser("collect-runs", help="tidy CSV table of runs from their summary.json files")
    s.add_argument("--out", required=True)
    s.add_argument("summaries", nargs="+")
    s.set_defaults(func=_collect_runs)

    s = sub.add_parser("plot", help="draw a paper figure and write the statistics it shows")
    s.add_argument("figure", choices=["fig2"])
    s.add_argument("--runs", required=True, help="runs table CSV")
    s.add_argument("--out", required=True, help="figure PDF")
    s.add_argument("--stats", required=True, help="statistics CSV")
    s.add_argument("--zoom-max-abs-alpha", type=float, default=1.0)
    s.add_argument("--ci", type=float, default=0.95)
    s.add_argument("--n-bootstrap", type=int, default=10000)
    s.add_argument("--bootstrap-seed", type=int, default=0)
    s.add_argument("--welch", action="store_true", help="Welch's t-test instead of Student's")
    s.set_defaults(func=_plot)
    return p


def main(argv: list[str] | None = None) -> int:
    from .config import ConfigError
    from .data import DatasetError
    from .train import NonFiniteLossError

    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (DatasetError, ConfigError, NonFiniteLossError, FileNotFoundError, ValueError) as e:
        print(f"selectivity {args.command}: error: {e}", file=sys.stderr)
        return 1
    return 0
