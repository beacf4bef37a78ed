# Configuration, paths and input functions shared by all rules.
import json
import sys
from pathlib import Path

SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)

from snakemake.settings.types import DeploymentMethod

from selectivity.config import dataset_args, run_config, seeds, validate_config
from selectivity.layout import ALPHA_PATTERN, format_alpha, parse_alpha, select_alphas

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


wildcard_constraints:
    experiment=r"[A-Za-z0-9_.\-]+",
    alpha=ALPHA_PATTERN,
    seed=r"[0-9]+",
    subset=r"all|penalize|promote",
    dataset=r"cifar10|fashion_mnist|digits|synthetic",


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


def all_targets():
    """Every configured figure, and the full runs table of every experiment."""
    figures = [f"{FIGURES}/{fig}.pdf" for fig in config["figures"]]
    tables = [f"{RESULTS}/{name}/runs_all.csv" for name in config["experiments"]]
    return figures + tables
