"""The package's default of every configurable setting outside training, one dict per section of
the workflow config (the training defaults are the fields of ``training.config.RunConfig``).

This is their one source: the library's functions default to these values, ``config.load_schema``
writes them into the config schema as its ``default``s (the schema file holds types, bounds and
descriptions only, and a schema file that gives one of these keys a default of its own is refused),
and the CLI's options default to them, so a config that leaves a key out, a library call that
leaves an argument out and a CLI call that leaves an option out all get the same value. Settings
that only the workflow reads (folders, seeds per experiment, cluster resources) keep their default
in the schema file. Imports only ``names``: the Snakefile reads it at parse time.
"""

from __future__ import annotations

from .names import SIMILARITY_READINGS


# epsilon of the selectivity index, Eq. 1 (the default of training.selectivity_eps)
SELECTIVITY_EPS = 1e-7

# test images per forward pass of the activation dumps and of the similarity jobs (not config keys:
# they change how fast a job runs, not its result)
DUMP_IMAGES_PER_PASS = 1000
SIMILARITY_IMAGES_PER_PASS = 500

# `experiments.<name>.model_options`: the options every model takes (a model's own, such as
# ResNet18's `stem`, default in its factory)
MODEL_OPTIONS = {"width": 1.0, "activation": "relu", "negative_slope": 0.01}

# `datasets.<name>`: how a dataset is prepared (selectivity.data.prepare_dataset)
DATASET = {
    "source": None,
    "md5": None,
    "split_seed": 0,
    "val_size": None,  # None: the dataset's own (selectivity.data)
    "synthetic_per_batch": 20,
    "synthetic_test_size": 20,
}

# `analysis`: activations, per-unit metrics and representational similarity
ANALYSIS = {
    "precision_n": None,  # None: the test images per class
    "si_null_permutations": 20,
    "si_null_seed": 0,
    "pwcca_epsilon": 1e-10,  # what the reference's tutorials pass to get_cca_similarity
    "similarity_threads": 2,
    "similarity_measures": ("pwcca", "cka", "procrustes"),
    "similarity_readings": SIMILARITY_READINGS,  # every reading
    "rows_per_neuron": 64,
    "min_rows": 1024,
    "activation_dtype": "float32",
    "device": "auto",
    "network_mean": "layers",
    "rerun_training_on_code_change": True,
}

# `robustness`: corruptions, attacks and dimensionality of a run (selectivity.robustness)
ROBUSTNESS = {
    "experiments": (),
    "corruptions": "benchmark",  # a set of robustness.params.SETS or a list of names
    "severities": (1, 2, 3, 4, 5),
    "table": None,
    "official_dir": None,
    "corruption_images": None,
    "attacks": ("fgsm", "pgd"),
    "eps": (1, 2, 4, 8),
    "pgd_steps": 10,
    "pgd_step_size": None,  # None: 2.5 eps / steps (Madry et al.)
    "pgd_random_start": True,
    "attack_images": 1000,
    "variance_fraction": 0.9,
    "changes": ({"corruption": "gaussian_noise", "level": 3}, {"attack": "pgd", "level": 2}),
    "seed": 0,
    "batch_size": 500,
    "device": "auto",
}

# `claims`: the decision rules of the claims table
CLAIMS = {"level": 0.05, "selectivity_factor": 2.5, "small_drop": 2.5}

# `stats`: intervals and tests of every figure
STATS = {"ci": 0.95, "n_bootstrap": 10000, "bootstrap_seed": 0, "equal_var": True}

# config section -> its defaults, where load_schema finds them (a section of per-name entries by
# the path of its entries' object)
SECTIONS = {
    ("datasets", "additionalProperties"): DATASET,
    ("experiments", "additionalProperties", "model_options"): MODEL_OPTIONS,
    ("analysis",): ANALYSIS,
    ("robustness",): ROBUSTNESS,
    ("claims",): CLAIMS,
    ("stats",): STATS,
}
