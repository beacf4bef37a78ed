# Configuration, paths and input functions shared by all rules.
import json
import sys
from pathlib import Path

SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)

from snakemake.settings.types import DeploymentMethod

from selectivity.config import (
    dataset_args,
    enabled_figures,
    figure_experiments,
    figure_params,
    run_config,
    seeds,
    validate_config,
)
from selectivity.layout import ALPHA_PATTERN, format_alpha, parse_alpha, select_alphas
from selectivity.plots.registry import FIGURES as FIGURE_INPUTS

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

RESULTS = config["results_dir"]
FIGURES = config["figures_dir"]
DATA = config["data_dir"]
LOGS = config["logs_dir"]
RUN = f"{RESULTS}/{{experiment}}/alpha_{{alpha}}/seed_{{seed}}"
ENV = "../../envs/selectivity.yaml"
ANALYSIS = config["analysis"]

# Source files are inputs of the rules that use them, at the grain of what each computes;
# editing a figure's module reruns that figure; editing a metric reruns the analysis, not training.
PKG = Path(SRC) / "selectivity"


def code(*names):
    return [str(PKG / n) for n in names]


MODEL_CODE = code(
    "models/__init__.py",
    "models/layers.py",
    "models/resnet.py",
    "models/vgg.py",
    "units.py",
)
DATA_CODE = code(
    "data/__init__.py",
    "data/prepared.py",
    "data/cifar10.py",
    "data/fashion_mnist.py",
    "data/digits.py",
    "data/synthetic.py",
    "data/download.py",
)
TRAIN_CODE = (
    MODEL_CODE
    + code(
        "train.py",
        "metrics.py",
        "runconfig.py",
        "checkpoint.py",
        "accel.py",
        "data/augment.py",
    )
    if ANALYSIS["rerun_training_on_code_change"]
    else []
)
DUMP_CODE = MODEL_CODE + code(
    "analysis/activations.py", "checkpoint.py", "data/augment.py"
)
METRICS_CODE = code(
    "analysis/unit_metrics.py",
    "analysis/precision.py",
    "analysis/dead.py",
    "metrics.py",
)
TABLE_CODE = code("tables.py", "analysis/unit_metrics.py")
PWCCA_CODE = code("cca.py", "analysis/pwcca_pairs.py", "analysis/activations.py")
PLOT_CODE = code("plots/panels.py", "plots/style.py", "stats.py")


def experiment(name):
    try:
        return config["experiments"][name]
    except KeyError:
        raise ValueError(f"experiment {name!r} is not in the config's `experiments`")


def dataset_file(wildcards):
    return f"{DATA}/{experiment(wildcards.experiment)['dataset']}.npz"


def run_config_json(wildcards):
    cfg = run_config(
        config, wildcards.experiment, parse_alpha(wildcards.alpha), int(wildcards.seed)
    )
    return json.dumps(cfg, sort_keys=True)


def run_files(name, subset, filename="summary.json"):
    """One file of every run of an experiment whose alpha is in the subset (all/penalize/promote)."""
    exp = experiment(name)
    return [
        f"{RESULTS}/{name}/alpha_{format_alpha(a)}/seed_{s}/{filename}"
        for a in select_alphas(exp["alphas"], subset)
        for s in seeds(exp)
    ]


def alpha_files(name, alpha, filename):
    """One file of every seed of one (experiment, alpha)."""
    return [
        f"{RESULTS}/{name}/alpha_{format_alpha(alpha)}/seed_{s}/{filename}"
        for s in seeds(experiment(name))
    ]


def figure_tables(fig):
    """Input function of a figure rule: its tables, by input name (lists for multi-experiment figures)."""

    def inputs(wildcards):
        spec, needs = config["figures"][fig], FIGURE_INPUTS[fig]
        names = figure_experiments(spec)
        missing = [n for n in names if n not in config["experiments"]]
        if missing:
            raise ValueError(
                f"{fig} shows experiments {missing}, which are not in the config's `experiments`"
            )
        out = {
            name: [f"{RESULTS}/{e}/{name}_{subset}.csv" for e in names]
            for name, subset in needs["tables"].items()
        }
        if needs.get("pwcca"):
            out["pwcca"] = [
                f"{RESULTS}/{e}/pwcca/alpha_{format_alpha(a)}.csv"
                for e in names
                for a in select_alphas(experiment(e)["alphas"], "penalize")
            ]
        return out

    return inputs


def figure_code(fig):
    family = FIGURE_INPUTS[fig]["family"]
    return (
        code(f"plots/{fig}.py", *([f"plots/{family}.py"] if family else [])) + PLOT_CODE
    )


def figure_input_args(wildcards, input):
    """--input NAME=PATH for every table of a figure (code inputs left out)."""
    return " ".join(
        f"--input {name}={path}"
        for name, paths in input.items()
        if name != "code"
        for path in paths
    )


def all_targets():
    """Every figure whose experiments are configured, and every experiment's full tables."""
    figures = [f"{FIGURES}/{fig}.pdf" for fig in enabled_figures(config)]
    tables = [f"{RESULTS}/{name}/runs_all.csv" for name in config["experiments"]]
    return figures + tables
