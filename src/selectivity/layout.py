"""The one results layout, shared by the workflow (rules), the CLI and the analysis.

    {data}/{dataset}.npz                                          prepared dataset
    {results}/{experiment}/alpha_{alpha}/seed_{seed}/model.pt      best-val model (weights_only)
                                                    /log.csv       per-epoch log
                                                    /summary.json  test accuracy, test mean SI, unit layers, ...
                                                    /activations.npz  test-set unit activations
                                                    /units.csv     per-unit metrics
                                                    /robustness.csv  accuracy under corruptions / attacks, dimensionality
                                                    /train_state.pt   resume state while training
                                                    /selectivity_epochs.csv  SI per epoch on the probe (probe_size > 0)
                                                    /epoch_{epoch}/model.pt, activations.npz, units.csv
                                                                   the model after epoch k (save_epochs), its analysis
    {results}/{experiment}/runs_{subset}.csv       one row per run (subset: all, penalize, promote)
    {results}/{experiment}/layers_{subset}.csv     one row per run and unit layer
    {results}/{experiment}/robustness_all.csv     every run's robustness table (robustness experiments)
    {results}/{experiment}/epochs_all.csv         every run's SI per epoch (experiments with probe_size > 0)
    {results}/{experiment}/similarity/alpha_{alpha}.csv  similarity distances per reading, measure, layer, pair
    {figures}/{figure}.pdf, {figure}.csv           figure and the numbers / p-values it shows

The templates are written once, here; ``path(template, **fields)`` fills the fields it is given
and leaves the others as ``{wildcards}`` (what the rules use).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from .data.registry import DATASETS

# the workflow's config schema (its package-owned parts are filled in by config.load_schema)
SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"

DATASET = "{data}/{dataset}.npz"
RUN = "{results}/{experiment}/alpha_{alpha}/seed_{seed}"
MODEL = RUN + "/model.pt"
TRAIN_LOG = RUN + "/log.csv"
SUMMARY = RUN + "/summary.json"
ACTIVATIONS = RUN + "/activations.npz"
UNITS = RUN + "/units.csv"
ROBUSTNESS = RUN + "/robustness.csv"
EPOCHS_FILE = "selectivity_epochs.csv"
RUN_EPOCHS = RUN + "/" + EPOCHS_FILE
EPOCH_RUN = RUN + "/epoch_{epoch}"  # the model after epoch k (save_epochs) and its analysis
EPOCH_MODEL = EPOCH_RUN + "/model.pt"
EPOCH_ACTIVATIONS = EPOCH_RUN + "/activations.npz"
EPOCH_UNITS = EPOCH_RUN + "/units.csv"
EPOCHS_TABLE = "{results}/{experiment}/epochs_all.csv"
RUNS_TABLE = "{results}/{experiment}/runs_{subset}.csv"
LAYERS_TABLE = "{results}/{experiment}/layers_{subset}.csv"
ROBUSTNESS_TABLE = "{results}/{experiment}/robustness_all.csv"
SIMILARITY_TABLE = "{results}/{experiment}/similarity/alpha_{alpha}.csv"
TO_FINAL_TABLE = "{results}/{experiment}/similarity/to_final_alpha_{alpha}.csv"  # save_epochs models vs final
FIGURE = "{figures}/{figure}.pdf"
FIGURE_STATS = "{figures}/{figure}.csv"
CLAIMS = "{figures}/claims.csv"
CLAIMS_PAGE = "{figures}/claims.html"

# file name (or pattern) -> the job that writes it: what a message says to rebuild a bad file
PRODUCERS = {
    "model.pt": "the run's `train` job (it retrains the run)",
    "log.csv": "the run's `train` job (it retrains the run)",
    "summary.json": "the run's `train` job (it retrains the run)",
    "train_state.pt": "the run's `train` job (from epoch 0: this is its resume state)",
    "activations.npz": "the run's `dump_activations` job",
    "units.csv": "the run's `unit_metrics` job",
    "robustness.csv": "the run's `robustness` job",
    "robustness_all.csv": "the experiment's `collect_robustness` job",
    EPOCHS_FILE: "the run's `train` job (it retrains the run)",
    "epochs_all.csv": "the experiment's `collect_epochs` job",
    "claims.csv": "the `claims` job",
    r"runs_\w+\.csv": "the experiment's `collect_runs` job",
    r"layers_\w+\.csv": "the experiment's `collect_runs` job",
    r"to_final_alpha_[^/]+\.csv": "the `similarity_to_final` job of that alpha",
    r"alpha_[^/]+\.csv": "the `similarity` job of that alpha",
    rf"({'|'.join(DATASETS)})\.npz": "the `prepare_data` job",
}

ALPHA_PATTERN = r"-?[0-9]+(\.[0-9]+)?(e-?[0-9]+)?"
SUBSETS = {
    "all": lambda a: True,
    "penalize": lambda a: a <= 0,  # alpha < 0 and the alpha = 0 baseline (Fig. 2)
    "promote": lambda a: a >= 0,  # alpha > 0 and the alpha = 0 baseline (Fig. 4)
}


class _Wildcards(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def path(template: str, **fields) -> str:
    """Fill ``template``'s fields that are given (an alpha in canonical form); keep the others as
    ``{name}``. path(RUN, results="results") == "results/{experiment}/alpha_{alpha}/seed_{seed}"."""
    if "alpha" in fields and not isinstance(fields["alpha"], str):
        fields["alpha"] = format_alpha(fields["alpha"])
    return template.format_map(_Wildcards({k: str(v) for k, v in fields.items()}))


def rebuild_hint(file: str | Path, missing: bool = False) -> str:
    """How to rebuild a file of the layout: 'delete it and run snakemake again: <job> rebuilds it'
    ('run snakemake: <job> builds it' for a missing file). If the file is the right one but not
    the kind of table the command reads, or was built for another config, the hint says so too."""
    name = Path(file).name
    for pattern, producer in PRODUCERS.items():
        if re.fullmatch(pattern, name):
            if missing:
                return f"run snakemake: {producer} builds it"
            return (f"if it is the right file, delete it and run snakemake again: {producer} rebuilds it "
                    "(check that the file and the config given belong together)")
    return "run snakemake to build it" if missing else "is it the right file? (if so, rebuild it)"


def format_alpha(alpha: float) -> str:
    """Canonical text of an alpha in paths: -30, -0.5, 0, 0.1, 1e-05 (shortest round-trip repr)."""
    alpha = float(alpha)
    if not math.isfinite(alpha):
        raise ValueError(f"alpha must be finite, got {alpha}")
    if alpha == 0:
        return "0"
    text = repr(alpha)
    return text[:-2] if text.endswith(".0") else text


def parse_alpha(text: str) -> float:
    """Inverse of format_alpha; rejects non-canonical spellings such as -0.50 or 1.0."""
    if not re.fullmatch(ALPHA_PATTERN, text):
        raise ValueError(f"alpha {text!r} is not a number")
    alpha = float(text)
    if format_alpha(alpha) != text:
        raise ValueError(f"alpha {text!r} is not in canonical form; write {format_alpha(alpha)!r}")
    return alpha


def run_dir(results_dir: str | Path, experiment: str, alpha: float, seed: int) -> Path:
    return Path(path(RUN, results=results_dir, experiment=experiment, alpha=alpha, seed=int(seed)))


def select_alphas(alphas: list[float], subset: str) -> list[float]:
    try:
        keep = SUBSETS[subset]
    except KeyError:
        raise ValueError(f"unknown run subset {subset!r}: choose one of {sorted(SUBSETS)}") from None
    return [a for a in alphas if keep(a)]


def training_outputs(training: dict) -> list[str]:
    """The templates of the files a run's training job writes, for an experiment's ``training``
    section: model, log, summary, and the per-epoch table and epoch models its keys ask for."""
    extra = [RUN_EPOCHS] if training.get("probe_size") else []
    return [MODEL, TRAIN_LOG, SUMMARY, *extra,
            *(path(EPOCH_MODEL, epoch=k) for k in sorted(training.get("save_epochs") or ()))]
