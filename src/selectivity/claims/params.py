"""What the claims table needs from the (validated) config, resolved into one JSON-serializable
dict: the claims rule's params, so a change of any of it rebuilds the table. Imports nothing heavy
(the Snakefile reads it at parse time)."""

from __future__ import annotations

from ..config import enabled_figures, figure_experiments, figure_params, seeds, similarity_settings
from ..layout import select_alphas
from ..plots.specs import FIGURES, KINDS


def claims_params(config: dict) -> dict:
    """experiments: per experiment with alpha = 0 runs (every claim compares with them; a schedule's
    experiment at one alpha has none) its model, dataset, leaky flag, alphas and seeds; similarity: the
    experiments the enabled similarity figures show (their alphas <= 0 and the settings the tables
    must have been computed under); robustness: robustness.experiments with the robust_si figure's
    options (attack, eps, corruption set; defaults where that figure is not configured); dynamics:
    the experiments with a per-epoch probe (training.probe_size) and alpha = 0 runs, with the
    si_dynamics figure's early_epoch; schedules: per enabled schedules figure its experiments, labels,
    alpha, test and runs; and the statistics options, the configured network mean and the claims
    section."""
    exps = config["experiments"]
    enabled = enabled_figures(config)
    similarity = {}
    for fig in enabled:
        if KINDS[FIGURES[fig].kind].similarity:
            for e in figure_experiments(config["figures"][fig]):
                similarity[e] = {"alphas": [float(a) for a in select_alphas(exps[e]["alphas"], "penalize")],
                                 "seeds": seeds(exps[e])}
    robust_fig = next((f for f in enabled if FIGURES[f].kind == "robust_si"), None)
    options = {k: v["default"] for k, v in KINDS["robust_si"].options.items()}
    if robust_fig:
        options.update({k: v for k, v in config["figures"][robust_fig].items() if k in options})
    dynamics_fig = next((f for f in enabled if FIGURES[f].kind == "si_dynamics"), None)
    early_epoch = config["figures"][dynamics_fig].get("early_epoch") if dynamics_fig else None
    schedules = {}
    for fig in enabled:
        if FIGURES[fig].kind == "schedules":
            fp = figure_params(config, fig)
            schedules[fig] = {"experiments": fp["experiments"], "labels": fp["labels"],
                              "alpha": fp["options"].get("alpha"), "test": fp["test"], "expected": fp["expected"]}
    return {
        "experiments": {
            name: {"model": x["model"], "dataset": x["dataset"],
                   "leaky": x["model_options"].get("activation") == "leaky_relu",
                   "alphas": [float(a) for a in x["alphas"]], "seeds": seeds(x)}
            for name, x in exps.items() if 0 in x["alphas"]},  # every claim compares with alpha = 0
        # claim 9a: the experiments with a per-epoch probe and alpha = 0 runs; 9b: the schedules figures
        "dynamics": {name: {"alphas": [float(a) for a in x["alphas"]], "seeds": seeds(x), "early_epoch": early_epoch}
                     for name, x in exps.items() if x["training"]["probe_size"] and 0 in x["alphas"]},
        "schedules": schedules,
        "similarity": similarity,
        "similarity_settings": similarity_settings(config["analysis"]),
        "robustness": {e: options for e in config["robustness"]["experiments"] if e in exps},
        "network_mean": config["analysis"]["network_mean"],
        "stats": dict(config["stats"]),
        "claims": dict(config["claims"]),
    }
