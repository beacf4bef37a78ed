"""Workflow configuration: validation against the JSON schema with defaults filled in, cross-key
checks, the effective run configuration of one (experiment, alpha, seed) and the effective
parameters of one figure.

The schema's ``figures`` section is generated from ``selectivity.plots.specs`` (one entry per
figure, the options of its kind): an option a figure does not use is an error. Its dataset and
model names are the registries' (``selectivity.data.registry``, ``selectivity.models.registry``). Errors name the
config file and the key path (e.g. ``experiments.resnet20.training.lr``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, validators

from .data import registry as datasets
from .defaults import SECTIONS
from .layout import SCHEMA, format_alpha, select_alphas
from .models import registry as models
from .models.registry import model_display_name
from .plots.specs import FIGURES, KINDS, NETWORK_MEANS, ROBUSTNESS_KINDS, figure_experiments, figure_schema, stars_text, describe_test
from .training.config import check_epoch_keys, training_schema


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
    """The config schema: the file's types, bounds and descriptions, with the package's sections
    filled in: ``figures`` from the figure specs, the dataset and model names from the registries,
    ``experiments.<name>.training`` from the fields of ``RunConfig``, and the defaults of the
    sections in ``defaults.SECTIONS``. A file that gives one of those keys a default of its own is
    refused (two sources of one default)."""
    with open(path) as f:
        schema = yaml.safe_load(f)
    props = schema["properties"]
    props["datasets"]["propertyNames"]["enum"] = list(datasets.DATASETS)
    props["experiments"]["additionalProperties"]["properties"]["model"]["enum"] = list(models.MODELS)
    figures = props["figures"]
    figures["properties"] = {name: figure_schema(name) for name in FIGURES}
    figures["additionalProperties"] = False
    training = props["experiments"]["additionalProperties"]["properties"]["training"]
    training["properties"] = training_schema()
    training["additionalProperties"] = False
    for section, values in SECTIONS.items():
        node = props
        for key in section:
            node = node[key] if key in node else node["properties"][key]
        keys = node["properties"]
        where = ".".join(section)
        # every default has its key; a key without a package default has none at all (e.g. a
        # model's own option, defaulted by its factory)
        missing = sorted(set(values) - set(keys))
        undefaulted = sorted(k for k in set(keys) - set(values) if "default" in keys[k])
        if missing or undefaulted:
            raise ConfigError(f"{path}: the keys of {where} are {sorted(keys)}, but selectivity.defaults has "
                              f"defaults for {sorted(values)}: add or remove the key in both")
        for key, value in values.items():
            if "default" in keys[key]:
                raise ConfigError(f"{path}: {where}.{key} has a default of its own; its one source is "
                                  f"selectivity.defaults: remove it from the schema file")
            keys[key]["default"] = json.loads(json.dumps(value))  # tuples as lists, as a config holds them
    return schema


def schema_default(*key: str, schema: dict | None = None):
    """The default of a config key, e.g. ``schema_default("analysis", "device")`` (what a config that
    leaves it out gets; entries of ``datasets`` / ``experiments`` by the name ``*``)."""
    node = schema or load_schema(SCHEMA)
    for k in key:
        node = node["additionalProperties"] if k == "*" else node["properties"][k]
    return node["default"]


def _duplicates(values) -> list:
    seen, dup = set(), []
    for v in values:
        if v in seen and v not in dup:
            dup.append(v)
        seen.add(v)
    return dup


# keys of earlier versions -> what replaced them (a clearer message than "additional property")
RENAMED = {
    ("analysis", "pwcca_reading"): "analysis.similarity_readings (a list; both readings by default)",
    ("analysis", "pwcca_rows"): "analysis.rows_per_neuron and analysis.min_rows (rows scale with the layer's neurons)",
    ("analysis", "pwcca_threads"): "analysis.similarity_threads",
}


def _deepest(error):
    """For a oneOf / anyOf failure ("... is not valid under any of the given schemas"), the sub-error
    that names the bad entry, e.g. robustness.corruptions.1: 'gausian_blur' is not one of [...]: the
    deepest one, a type mismatch (the other branch's) only where nothing else is as deep."""
    leaves, stack = [], [error]
    while stack:
        e = stack.pop()
        if e.context:
            stack.extend(e.context)
        else:
            leaves.append(e)
    if error.context and leaves:
        return max(leaves, key=lambda e: (len(e.absolute_path), e.validator not in ("type", "additionalProperties")))
    return error


def validate_config(config: dict, schema: dict | str | Path, source: str = "config") -> dict:
    """Fill defaults into ``config`` (in place) and validate it; returns it. Raises ConfigError."""
    if not isinstance(schema, dict):
        schema = load_schema(schema)
    renamed = [f"  {'.'.join(key)}: replaced by {new}" for key, new in RENAMED.items()
               if isinstance(config.get(key[0]), dict) and key[1] in config[key[0]]]
    if renamed:
        raise ConfigError(f"{source}: invalid configuration:\n" + "\n".join(renamed))
    explicit_examples = {f: spec["example_alpha"] for f, spec in (config.get("figures") or {}).items()
                         if isinstance(spec, dict) and "example_alpha" in spec}  # before defaults fill it in
    errors = sorted(_DefaultFillingValidator(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  {_key(e.absolute_path)}: {e.message}" for e in map(_deepest, errors)]
        raise ConfigError(f"{source}: invalid configuration:\n" + "\n".join(lines))
    problems = []
    for name, spec in config.get("datasets", {}).items():
        if spec.get("md5") and "md5" not in datasets.DATASETS[name].options:
            problems.append(f"  datasets.{name}.md5: only {' and '.join(datasets.takers('md5'))} takes an md5 "
                            "(the others' are fixed)")
    for name, exp in config.get("experiments", {}).items():
        if exp["dataset"] not in config.get("datasets", {}):
            problems.append(f"  experiments.{name}.dataset: {exp['dataset']!r} is not a key of `datasets`")
        if dup := _duplicates(float(a) for a in exp["alphas"]):
            problems.append(f"  experiments.{name}.alphas: {dup} given more than once")
        if isinstance(exp["seeds"], list) and (dup := _duplicates(exp["seeds"])):
            problems.append(f"  experiments.{name}.seeds: {dup} given more than once (a run would count twice)")
        for option in exp["model_options"]:
            if option not in models.MODELS[exp["model"]].options:
                problems.append(f"  experiments.{name}.model_options.{option}: only "
                                f"{' and '.join(models.takers(option))} take a {option}, not {exp['model']}")
        milestones = exp["training"]["lr_milestones"]
        if milestones != sorted(milestones):
            problems.append(f"  experiments.{name}.training.lr_milestones: must be increasing, got {milestones}")
        training = exp["training"]
        try:
            check_epoch_keys(training["epochs"], training["alpha_schedule"], training["save_epochs"])
        except ValueError as e:
            problems.append(f"  experiments.{name}.training: {e} (epochs: {training['epochs']})")
    for exp in config.get("robustness", {}).get("experiments", []):
        if exp not in config.get("experiments", {}):
            problems.append(f"  robustness.experiments: {exp!r} is not a key of `experiments`")
    if dup := _duplicates(config.get("robustness", {}).get("experiments", [])):
        problems.append(f"  robustness.experiments: {dup} given more than once")
    for fig, spec in config.get("figures", {}).items():
        names = figure_experiments(spec)
        needs_baseline = names[:1] if KINDS[FIGURES[fig].kind].baseline == "first" else names
        for exp in names:
            if exp not in config.get("experiments", {}):
                continue
            if exp in needs_baseline and 0 not in config["experiments"][exp]["alphas"]:
                problems.append(f"  figures.{fig}: experiment {exp!r} needs alpha 0 (the baseline) in its alphas")
            if KINDS[FIGURES[fig].kind].similarity and len(seeds(config["experiments"][exp])) < 2:
                problems.append(f"  figures.{fig}: experiment {exp!r} needs at least 2 seeds (replicate pairs)")
        if fig in explicit_examples and names and names[0] in config.get("experiments", {}):
            grid = [float(a) for a in config["experiments"][names[0]]["alphas"]]
            if float(spec["example_alpha"]) not in grid:
                problems.append(f"  figures.{fig}.example_alpha: {spec['example_alpha']} is not an alpha of "
                                f"experiment {names[0]!r} ({grid})")
        if "labels" in spec and len(spec["labels"]) != len(names):
            problems.append(f"  figures.{fig}.labels: {len(spec['labels'])} labels for {len(names)} experiments")
        to_final = KINDS[FIGURES[fig].kind].to_final
        for exp in names if to_final and spec.get(to_final) else []:
            if exp in config.get("experiments", {}) and not config["experiments"][exp]["training"]["save_epochs"]:
                problems.append(f"  figures.{fig}.{to_final}: experiment {exp!r} saves no epoch models: set "
                                f"experiments.{exp}.training.save_epochs, or leave the option out")
        if spec.get("early_epoch") is not None and names and names[0] in config.get("experiments", {}):
            epochs = config["experiments"][names[0]]["training"]["epochs"]
            if spec["early_epoch"] > epochs:
                problems.append(f"  figures.{fig}.early_epoch: {spec['early_epoch']} is after the last epoch "
                                f"({epochs}) of experiment {names[0]!r}")
        if "detail_index" in spec and not -len(names) <= spec["detail_index"] < len(names):
            problems.append(f"  figures.{fig}.detail_index: {spec['detail_index']} is not an index of its "
                            f"{len(names)} experiments")
    if problems:
        raise ConfigError(f"{source}: invalid configuration:\n" + "\n".join(problems))
    return config


def enabled_figures(config: dict) -> list[str]:
    """Figures whose experiments are all configured (the others cannot be built), in paper order;
    a robustness figure also needs its experiments in ``robustness.experiments``."""
    return [f for f in sorted(config["figures"], key=lambda f: FIGURES[f].order)
            if all(e in config["experiments"] for e in figure_experiments(config["figures"][f]))
            and not robustness_missing(config, f)]


def robustness_missing(config: dict, fig: str) -> list[str]:
    """The experiments of a robustness figure that get no robustness jobs ([] for other figures)."""
    if FIGURES[fig].kind not in ROBUSTNESS_KINDS:
        return []
    listed = config.get("robustness", {}).get("experiments", [])
    return [e for e in figure_experiments(config["figures"][fig]) if e not in listed]


def robustness_settings(config: dict) -> dict:
    """The robustness job's settings: the config's ``robustness`` section less the keys that
    cannot change its table (experiments, device). JSON-serializable: the rule's params."""
    return {k: v for k, v in config["robustness"].items() if k not in ("experiments", "device")}


def skipped_figures(config: dict) -> dict[str, list[str]]:
    """Figures that cannot be built, with the experiments they show that the config lacks."""
    out = {}
    for f in sorted(config["figures"], key=lambda f: FIGURES[f].order):
        missing = [e for e in figure_experiments(config["figures"][f]) if e not in config["experiments"]]
        if missing:
            out[f] = missing
    return out


def seeds(experiment: dict) -> list[int]:
    s = experiment["seeds"]
    return list(range(s)) if isinstance(s, int) else list(s)


def seed_packs(experiment: dict) -> list[list[int]]:
    """The experiment's seeds in groups of ``pack_seeds`` (in the order of ``seeds``), each trained
    by one job as one stack; the last group may be smaller."""
    k = experiment.get("pack_seeds", 1)
    s = seeds(experiment)
    return [s[i : i + k] for i in range(0, len(s), k)]


def run_config(config: dict, experiment: str, alpha: float, seed: int) -> dict:
    """The effective RunConfig dict of one run (see selectivity.training.config.RunConfig)."""
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


def figure_params(config: dict, name: str) -> dict:
    """Everything a figure's drawing needs, resolved from its spec and the (validated) config: the
    spec's fields with title and caption filled in, its options, the runs it must find, the
    statistics options and the network-mean reading. JSON-serializable: the figure rule's params,
    so a change in one figure's spec or options reruns that figure only."""
    fig, kind = FIGURES[name], KINDS[FIGURES[name].kind]
    spec = config["figures"][name]
    experiments = figure_experiments(spec)
    exps = {e: config["experiments"][e] for e in experiments}
    models = dict.fromkeys(model_display_name(x["model"], None if kind.multi else x["model_options"])
                           for x in exps.values())
    reading = config["analysis"]["network_mean"]
    fields = dict(model=", ".join(models), ci=f"{config['stats']['ci'] * 100:g} %", network_mean=NETWORK_MEANS[reading],
                  stars=f"{stars_text(fig.stars)} {describe_test(fig)}." if fig.stars else "")
    if kind.similarity:
        fields["similarity"] = similarity_text(config["analysis"])
    if "zoom_max_abs_alpha" in kind.options:
        fields["zoom"] = f"{spec.get('zoom_max_abs_alpha', kind.options['zoom_max_abs_alpha']['default']):g}"
    caption = fig.caption.format(**fields).strip()
    if fig.finding:
        where, words = fig.finding
        caption += f" The paper reports ({where}): “{words}.”"
    if caption.startswith("("):  # "(a) ..." would become an enumerated list in reStructuredText
        caption = "\\" + caption
    params = {
        "name": name, "kind": fig.kind, "subset": fig.subset, "quantity": fig.quantity,
        "stars": [list(s) for s in fig.stars], "test": fig.test, "order": fig.order,
        "title": fig.title.format(**fields),
        "caption": f"{caption[:1].upper()}{caption[1:]} Numbers and tests: {name}.csv.",
        "experiments": experiments,
        "labels": list(spec.get("labels") or experiments) if kind.multi else experiments,
        "options": {k: spec[k] for k in kind.options if k in spec and k != "labels"},
        "expected": {e: {"alphas": [float(a) for a in select_alphas(x["alphas"], fig.subset)], "seeds": seeds(x)}
                     for e, x in exps.items()},
        "network_mean": reading,
        "stats": dict(config["stats"]),
    }
    if kind.similarity:  # only similarity figures rerun when the similarity keys change
        params["similarity"] = similarity_settings(config["analysis"])
    if kind.to_final and params["options"].get(kind.to_final):  # validate_config checks save_epochs
        for e, x in exps.items():
            params["expected"][e]["epochs"] = [int(k) for k in x["training"]["save_epochs"]]
        params["similarity"] = similarity_settings(config["analysis"])
    return params


def similarity_settings(analysis: dict) -> dict:
    """What the similarity jobs compute, as the figures check it (``read_pairs``'s settings)."""
    return {"readings": list(analysis["similarity_readings"]), "measures": list(analysis["similarity_measures"]),
            "rows_per_neuron": analysis["rows_per_neuron"], "min_rows": analysis["min_rows"]}


def similarity_text(analysis: dict) -> str:
    """How the similarity datapoints were taken, for captions: the readings and the row rule."""
    readings = {
        "positions": "(test image, position) rows with channels as neurons (reading \"positions\")",
        "images": "one row per test image, each channel's spatial mean (reading \"images\")",
    }
    listed = "; ".join(readings[r] for r in analysis["similarity_readings"])
    return (f"Datapoints: {listed}; per layer max({analysis['min_rows']:,}, {analysis['rows_per_neuron']} × its "
            "neurons) of them, or all it has, the same for every network; one row per test image for fully "
            "connected layers.")


def dataset_args(config: dict, dataset: str) -> list[str]:
    """CLI arguments of ``selectivity prepare-data`` for a dataset's config entry."""
    spec = config["datasets"][dataset]
    args = ["--split-seed", str(spec["split_seed"])]
    if spec.get("source"):
        args += ["--source", str(spec["source"])]
    if spec.get("val_size") is not None:
        args += ["--val-size", str(spec["val_size"])]
    for option in datasets.DATASETS[dataset].options:  # the reader's own (md5, synthetic_per_batch, ...)
        if spec.get(option) is not None:
            args += [f"--{option.replace('_', '-')}", str(spec[option])]
    return args


__all__ = ["ConfigError", "validate_config", "run_config", "seeds", "dataset_args", "enabled_figures",
           "skipped_figures", "robustness_missing", "robustness_settings", "figure_experiments", "figure_params",
           "format_alpha"]
