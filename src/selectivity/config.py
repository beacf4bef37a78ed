"""Workflow configuration: validation against the JSON schema with defaults filled in, cross-key
checks, and the effective run configuration of one (experiment, alpha, seed).

Errors name the config file and the key path (e.g. ``experiments.resnet20.training.lr``).
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, validators

from .layout import format_alpha


class ConfigError(ValueError):
    pass


def _with_defaults(cls):
    validate_properties = cls.VALIDATORS["properties"]

    def properties(validator, props, instance, schema):
        if isinstance(instance, dict):
            for name, sub in props.items():
                if isinstance(sub, dict) and "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, props, instance, schema)

    return validators.extend(cls, {"properties": properties})


_DefaultFillingValidator = _with_defaults(Draft202012Validator)


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def load_schema(path: str | Path) -> dict:
    with open(path) as f:
        return yaml.safe_load(f)


def validate_config(config: dict, schema: dict | str | Path, source: str = "config") -> dict:
    """Fill defaults into ``config`` (in place) and validate it; returns it. Raises ConfigError."""
    if not isinstance(schema, dict):
        schema = load_schema(schema)
    errors = sorted(_DefaultFillingValidator(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  {_key(e.absolute_path)}: {e.message}" for e in errors]
        raise ConfigError(f"{source}: invalid configuration:\n" + "\n".join(lines))
    problems = []
    for name, exp in config.get("experiments", {}).items():
        if exp["dataset"] not in config.get("datasets", {}):
            problems.append(f"  experiments.{name}.dataset: {exp['dataset']!r} is not a key of `datasets`")
        if len(set(exp["alphas"])) != len(exp["alphas"]):
            problems.append(f"  experiments.{name}.alphas: contains duplicates")
        milestones = exp["training"]["lr_milestones"]
        if milestones != sorted(milestones):
            problems.append(f"  experiments.{name}.training.lr_milestones: must be increasing, got {milestones}")
    for fig, spec in config.get("figures", {}).items():
        if ("experiment" in spec) == ("experiments" in spec):
            problems.append(f"  figures.{fig}: give exactly one of `experiment` or `experiments`")
        for exp in figure_experiments(spec):
            if exp in config.get("experiments", {}) and 0 not in config["experiments"][exp]["alphas"]:
                problems.append(f"  figures.{fig}: experiment {exp!r} needs alpha 0 (the baseline) in its alphas")
    if problems:
        raise ConfigError(f"{source}: invalid configuration:\n" + "\n".join(problems))
    return config


def figure_experiments(spec: dict) -> list[str]:
    return [spec["experiment"]] if "experiment" in spec else list(spec.get("experiments", []))


def enabled_figures(config: dict) -> list[str]:
    """Figures whose experiments are all configured (the others cannot be built)."""
    return [f for f, spec in config["figures"].items()
            if all(e in config["experiments"] for e in figure_experiments(spec))]


def figure_params(config: dict, fig: str) -> dict:
    """Parameters passed to a figure's ``make``: its config keys (less the experiments) and `stats`."""
    spec = {k: v for k, v in config["figures"][fig].items() if k not in ("experiment", "experiments")}
    return {**spec, **config["stats"]}


def seeds(experiment: dict) -> list[int]:
    s = experiment["seeds"]
    return list(range(s)) if isinstance(s, int) else list(s)


def run_config(config: dict, experiment: str, alpha: float, seed: int) -> dict:
    """The effective RunConfig dict of one run (see selectivity.runconfig.RunConfig)."""
    exp = config["experiments"][experiment]
    return dict(
        experiment=experiment,
        dataset=exp["dataset"],
        model=exp["model"],
        model_options=dict(exp["model_options"]),
        alpha=float(alpha),
        seed=int(seed),
        **exp["training"],
    )


def dataset_args(config: dict, dataset: str) -> list[str]:
    """CLI arguments of ``selectivity prepare-data`` for a dataset's config entry."""
    spec = config["datasets"][dataset]
    args = ["--split-seed", str(spec["split_seed"])]
    if spec.get("source"):
        args += ["--source", str(spec["source"])]
    if spec.get("val_size") is not None:
        args += ["--val-size", str(spec["val_size"])]
    if dataset == "synthetic":
        args += ["--synthetic-per-batch", str(spec["synthetic_per_batch"]),
                 "--synthetic-test-size", str(spec["synthetic_test_size"])]
    return args


__all__ = ["ConfigError", "validate_config", "run_config", "seeds", "dataset_args", "enabled_figures",
           "figure_experiments", "figure_params", "format_alpha"]
