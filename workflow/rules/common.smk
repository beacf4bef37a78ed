import os

# Configuration, paths and input functions shared by all rules.
import json
import re
import sys
from pathlib import Path

SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)

from snakemake.logging import logger
from snakemake.settings.types import DeploymentMethod

from selectivity import layout
from selectivity.cli import execution_flags
from selectivity.config import (
    dataset_args,
    enabled_figures,
    figure_experiments,
    figure_params,
    robustness_missing,
    robustness_settings,
    run_config,
    seed_packs,
    seeds,
    skipped_figures,
    validate_config,
)
from selectivity.layout import ALPHA_PATTERN, parse_alpha, select_alphas
from selectivity.data.registry import DATASETS
from selectivity.plots.specs import FIGURES, KINDS
from selectivity.training.config import UNHASHED, hashed

# Jobs import the package from this checkout (src/), and run with the interpreter that runs
# Snakemake, or with the env's own python when --software-deployment-method conda activates one.
USES_CONDA = DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method
PATH_PREFIX = (
    "" if USES_CONDA else f"export PATH='{Path(sys.executable).parent}':$PATH; "
)
shell.prefix(
    f"set -euo pipefail; {PATH_PREFIX}export PYTHONPATH='{SRC}'${{{{PYTHONPATH:+:$PYTHONPATH}}}}; "
)

validate_config(
    config,
    workflow.source_path("../schemas/config.schema.yaml"),
    source=", ".join(map(str, workflow.configfiles)) or "config",
)
for _fig, _missing in skipped_figures(config).items():
    logger.warning(
        f"{_fig} is skipped (not built by `all`): it shows experiments {_missing}, "
        "which the config does not declare"
    )
for _fig in config["figures"]:
    if _fig not in skipped_figures(config) and robustness_missing(config, _fig):
        logger.warning(
            f"{_fig} is skipped (not built by `all`): it shows experiments "
            f"{robustness_missing(config, _fig)}, which robustness.experiments does not list"
        )

RESULTS = config["results_dir"]
FIGURES_DIR = config["figures_dir"]
LOGS = config["logs_dir"]
ANALYSIS = config["analysis"]
ROBUSTNESS = config["robustness"]
ENV = "../../envs/selectivity.yaml"


def pattern(template, **fields):
    """A layout template with the config's folders filled in, the other fields as wildcards."""
    folders = dict(
        results=RESULTS, figures=FIGURES_DIR, data=config["data_dir"], **fields
    )
    return layout.path(template, **folders)


RUN = pattern(layout.RUN)

# Source files are inputs of the rules that use them, at the grain of what each computes: editing
# a metric reruns the analysis, not training. A rule's code inputs are computed from the source
# (selectivity.code_inputs): the import closure of the CLI command it runs, less the modules that
# only read, check or write files or hold names and figure specs (code_inputs.NOT_INPUTS).
from selectivity import code_inputs


def code(command, *modules):
    """The code inputs of a rule that runs ``command`` (and loads ``modules`` by name), relative
    to the working directory: a project moved or copied as a whole (results included) keeps its
    inputs, so nothing reruns."""
    paths = set(code_inputs.command_inputs(command))
    paths |= set(code_inputs.module_inputs(*modules))
    return sorted(os.path.relpath(p) for p in paths)


# The same inputs either way (a changed set of inputs would itself rerun every run); with
# rerun_training_on_code_change false they are ancient(): their edits no longer rerun training.
TRAIN_CODE = [
    path if ANALYSIS["rerun_training_on_code_change"] else ancient(path)
    for path in code("train")
]


def experiment(name):
    try:
        return config["experiments"][name]
    except KeyError:
        raise ValueError(f"experiment {name!r} is not in the config's `experiments`")


def dataset_file(wildcards):
    return pattern(layout.DATASET, dataset=experiment(wildcards.experiment)["dataset"])


def _split_run_config(wildcards):
    cfg = run_config(
        config, wildcards.experiment, parse_alpha(wildcards.alpha), int(wildcards.seed)
    )
    return hashed(cfg), {k: v for k, v in cfg.items() if k in UNHASHED}


def own_training_rules(exp):
    """Experiments whose runs write more than model, log and summary (probe_size, save_epochs), or
    train in packs (pack_seeds > 1), train by one rule per pack of seeds (a pack of 1 without
    pack_seeds): rule `train` declares the outputs every run has."""
    return exp["pack_seeds"] > 1 or len(layout.training_outputs(exp["training"])) > 3


# rule `train` leaves their runs to one rule per pack of seeds (train.smk)
SEED_PACKS = [
    (name, pack)
    for name, exp in config["experiments"].items()
    if own_training_rules(exp)
    for pack in seed_packs(exp)
]
# the `experiment` wildcard of rule `train` (r"(?!x)x", which matches nothing, if all are packed)
UNPACKED_EXPERIMENTS = (
    "|".join(
        re.escape(name)
        for name, exp in config["experiments"].items()
        if not own_training_rules(exp)
    )
    or r"(?!x)x"
)


def pack_rule_name(name, pack):
    """train_<experiment>_seeds_<seeds> (characters other than letters, digits and _ become _)."""
    return re.sub(r"\W", "_", f"train_{name}_seeds_{'_'.join(map(str, pack))}")


def pack_outputs(name, pack):
    """Every run folder's training outputs, for the pack's seeds ({alpha} stays a wildcard)."""
    return [
        pattern(template, experiment=name, seed=s)
        for s in pack
        for template in layout.training_outputs(experiment(name)["training"])
    ]


def pack_run_dirs(name, pack):
    return " ".join(pattern(layout.RUN, experiment=name, seed=s) for s in pack)


def pack_run_configs(name, pack):
    """The run_config_json of each seed of the pack, in order (params: a change reruns the pack)."""

    def configs(wildcards):
        return [run_config_json(Wildcards(name, wildcards.alpha, s)) for s in pack]

    return configs


def pack_execution(name, pack):
    """execution_args, the same for every seed of the pack (derived: no rerun trigger)."""

    def execution(wildcards, threads):
        return execution_args(Wildcards(name, wildcards.alpha, pack[0]), threads)

    return execution


class Wildcards:
    """The wildcards of one run, for the input functions of a pack's rule."""

    def __init__(self, experiment, alpha, seed):
        self.experiment, self.alpha, self.seed = experiment, alpha, seed


def run_config_json(wildcards):
    """The keys that can change a run's result (a change reruns the run)."""
    return json.dumps(_split_run_config(wildcards)[0], sort_keys=True)


def execution_args(wildcards, threads):
    """The keys that cannot change a run's result (device, eval_batch_size, ...) as train's flags.
    A param computed from `threads` is a derived param, left out of the params rerun trigger: a
    change of these keys reruns nothing (tests/test_workflow.py checks it)."""
    return execution_flags(_split_run_config(wildcards)[1])


def analysis_device(wildcards, threads):
    """The activation dump's device: where it runs, not what it computes (derived: no trigger)."""
    return ANALYSIS["device"]


def robustness_device(wildcards, threads):
    """The robustness jobs' device: where they run, not what they compute (derived: no trigger)."""
    return ROBUSTNESS["device"]


def run_files(name, subset, template):
    """One file of every run of an experiment whose alpha is in the subset (all/penalize/promote)."""
    exp = experiment(name)
    return [
        pattern(template, experiment=name, alpha=a, seed=s)
        for a in select_alphas(exp["alphas"], subset)
        for s in seeds(exp)
    ]


def alpha_files(name, alpha, template):
    """One file of every seed of one (experiment, alpha)."""
    return [
        pattern(template, experiment=name, alpha=alpha, seed=s)
        for s in seeds(experiment(name))
    ]


def seeds_arg(wildcards):
    return " ".join(map(str, seeds(experiment(wildcards.experiment))))


def figure_tables(fig):
    """Input function of a figure rule: its tables, by input name (one per experiment)."""
    spec, kind = FIGURES[fig], KINDS[FIGURES[fig].kind]

    def inputs(wildcards):
        names = figure_experiments(config["figures"][fig])
        missing = [n for n in names if n not in config["experiments"]]
        if missing:
            raise ValueError(
                f"{fig} shows experiments {missing}, which are not in the config's `experiments`"
            )
        templates = {
            "runs": layout.RUNS_TABLE,
            "layers": layout.LAYERS_TABLE,
            "robustness": layout.ROBUSTNESS_TABLE,
            "epochs": layout.EPOCHS_TABLE,
        }
        out = {
            table: [
                pattern(templates[table], experiment=e, subset=spec.subset)
                for e in names
            ]
            for table in kind.tables
        }
        if kind.to_final and resolved_figure(fig).get("options", {}).get(kind.to_final):
            out["to_final"] = [
                pattern(layout.TO_FINAL_TABLE, experiment=e, alpha=a)
                for e in names[:1]
                for a in experiment(e)["alphas"]
            ]
        if kind.similarity:
            out["similarity"] = [
                pattern(layout.SIMILARITY_TABLE, experiment=e, alpha=a)
                for e in names
                for a in select_alphas(experiment(e)["alphas"], "penalize")
            ]
        return out

    return inputs


def resolved_figure(fig):
    """The figure's resolved spec (selectivity.config.figure_params); {} if it is skipped."""
    return figure_params(config, fig) if fig in enabled_figures(config) else {}


def figure_code(fig):
    """The plot command's code and that of the figure's kind (its module, loaded by name)."""
    return code("plot", f"selectivity.plots.{KINDS[FIGURES[fig].kind].module}")


def figure_input_args(wildcards, input):
    """--input NAME=PATH for every table of a figure (code inputs left out)."""
    return " ".join(
        f"--input {name}={path}"
        for name, paths in input.items()
        if name != "code"
        for path in paths
    )


# the claims table (the claims rule): its resolved parameters, inputs and code
from selectivity.claims.params import claims_params

CLAIMS_PARAMS = claims_params(config)
CLAIMS_CODE = code("claims-table")


def claims_inputs():
    """(experiment, path) of every table the claims table reads, by kind: the runs table of every
    experiment with alpha = 0 runs and of the schedules figures' experiments, the similarity tables
    of the experiments Figure 3 shows, the robustness tables of robustness.experiments, the
    per-epoch tables of the experiments with a probe and alpha = 0 runs."""
    p = CLAIMS_PARAMS
    runs = dict.fromkeys(p["experiments"])
    for s in p["schedules"].values():
        runs.update(dict.fromkeys(s["experiments"]))
    return {
        "runs": [
            (e, pattern(layout.RUNS_TABLE, experiment=e, subset="all")) for e in runs
        ],
        "epochs": [
            (e, pattern(layout.EPOCHS_TABLE, experiment=e)) for e in p["dynamics"]
        ],
        "similarity": [
            (e, pattern(layout.SIMILARITY_TABLE, experiment=e, alpha=a))
            for e in p["similarity"]
            for a in select_alphas(experiment(e)["alphas"], "penalize")
        ],
        "robustness": [
            (e, pattern(layout.ROBUSTNESS_TABLE, experiment=e)) for e in p["robustness"]
        ],
    }


def claims_tables(wildcards):
    """Input function of the claims rule: claims_inputs' paths, by kind."""
    return {
        kind: [path for _, path in pairs] for kind, pairs in claims_inputs().items()
    }


def claims_input_args(wildcards, input):
    """--runs / --epochs / --similarity / --robustness EXPERIMENT=PATH for the claims table's inputs."""
    return " ".join(
        f"--{kind} {name}={path}"
        for kind, pairs in claims_inputs().items()
        for name, path in pairs
    )


def all_targets():
    """Every figure whose experiments are configured, every experiment's full tables, and every
    run's record (checkpoint, log, summary, unit metrics; robustness for the experiments of
    robustness.experiments): a run file that was lost (deleted after
    an "unreadable" error) is rebuilt by a plain `snakemake`, even when the tables are up to date.
    """
    figures = [pattern(layout.FIGURE, figure=fig) for fig in enabled_figures(config)]
    tables = [
        pattern(layout.RUNS_TABLE, experiment=name, subset="all")
        for name in config["experiments"]
    ]
    runs = [
        path
        for name in config["experiments"]
        for template in (layout.MODEL, layout.TRAIN_LOG, layout.SUMMARY, layout.UNITS)
        for path in run_files(name, "all", template)
    ]
    epochs = [
        path
        for name, exp in config["experiments"].items()
        for path in (
            [pattern(layout.EPOCHS_TABLE, experiment=name)]
            if exp["training"]["probe_size"]
            else []
        )
        + [
            path
            for k in exp["training"]["save_epochs"]
            for path in run_files(name, "all", layout.path(layout.EPOCH_UNITS, epoch=k))
        ]
    ]
    robustness = [
        path
        for name in ROBUSTNESS["experiments"]
        for path in [pattern(layout.ROBUSTNESS_TABLE, experiment=name)]
        + run_files(name, "all", layout.ROBUSTNESS)
    ]
    # a lost similarity table is rebuilt too
    similarity = [path for _, path in claims_inputs()["similarity"]]
    return (
        figures
        + tables
        + runs
        + epochs
        + robustness
        + similarity
        + [pattern(layout.CLAIMS)]
    )
