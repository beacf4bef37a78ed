import copy
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from selectivity.config import ConfigError, run_config, seeds, validate_config, load_schema
from selectivity.layout import format_alpha, parse_alpha, run_dir, select_alphas
from selectivity.training.config import RunConfig, hashed

SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"


def load(name):
    return yaml.safe_load((ROOT / name).read_text())


@pytest.mark.parametrize("name", ["config.yaml", "config/demo.yaml", "config/tiny.yaml"])
def test_shipped_configs_are_valid(name):
    validate_config(load(name), SCHEMA, name)


def test_paper_config_is_the_paper_recipe():
    c = validate_config(load("config.yaml"), SCHEMA)
    r, v = c["experiments"]["resnet20"], c["experiments"]["vgg16"]
    assert r["dataset"] == v["dataset"] == "cifar10" and seeds(r) == list(range(20))
    assert len(r["alphas"]) == 23 and sorted(r["alphas"]) == r["alphas"] and 0 in r["alphas"]
    t = r["training"]
    assert (t["epochs"], t["batch_size"], t["lr"], t["momentum"], t["weight_decay"]) == (200, 256, 0.1, 0.9, 1e-4)
    assert t["lr_milestones"] == [100, 150] and t["lr_gamma"] == 0.1
    assert v["training"]["lr"] == 0.01
    assert c["datasets"]["cifar10"]["val_size"] == 5000


def test_defaults_are_filled_everywhere():
    c = {"datasets": {"digits": {}}, "experiments": {"resnet20": {"dataset": "digits", "model": "resnet20", "alphas": [0]}}}
    validate_config(c, SCHEMA)
    assert c["results_dir"] == "results" and c["datasets"]["digits"]["split_seed"] == 0
    e = c["experiments"]["resnet20"]
    assert e["seeds"] == 20 and e["threads"] == 1 and e["model_options"]["activation"] == "relu"
    assert e["training"]["epochs"] == 200 and e["training"]["selectivity_eps"] == 1e-7
    assert c["stats"]["ci"] == 0.95 and c["figures"]["fig2"]["experiment"] == "resnet20"


@pytest.mark.parametrize(
    "edit, key",
    [
        (lambda c: c["experiments"]["resnet20"]["training"].update(lr=-1), "experiments.resnet20.training.lr"),
        (lambda c: c["experiments"]["vgg16"].update(model="vgg19"), "experiments.vgg16.model"),
        (lambda c: c["experiments"]["resnet20"].update(alphas="x"), "experiments.resnet20.alphas"),
        (lambda c: c["experiments"]["resnet20"]["training"].update(epoch=3), "experiments.resnet20.training"),
        (lambda c: c["experiments"]["resnet20"].update(dataset="mnist"), "experiments.resnet20.dataset"),
        (lambda c: c["figures"]["fig2"].update(experiments=["vgg16"]), "figures.fig2: Additional properties are not allowed ('experiments'"),
        (lambda c: c["experiments"]["resnet20"].update(alphas=[-1, 1]), "figures.fig2: experiment 'resnet20' needs alpha 0"),
        (lambda c: c["experiments"]["resnet20"]["training"].update(lr_milestones=[150, 100]), "lr_milestones"),
        (lambda c: c["experiments"]["resnet20"].update(seeds=[0, 0]), "experiments.resnet20.seeds: [0] given more than once"),
        (lambda c: c["experiments"]["resnet20"].update(alphas=[0, -1, -1.0]), "experiments.resnet20.alphas: [-1.0] given more"),
        (lambda c: c["analysis"].update(network_mean="pooled"), "analysis.network_mean"),
        (lambda c: c["experiments"]["resnet20"].update(seeds=1), "figures.fig3: experiment 'resnet20' needs at least 2 seeds"),
        (lambda c: c["analysis"].update(pwcca_reading="images"), "analysis.pwcca_reading: replaced by "
                                                                 "analysis.similarity_readings"),
        (lambda c: c["analysis"].update(pwcca_rows=4096), "analysis.pwcca_rows: replaced by analysis.rows_per_neuron"),
        (lambda c: c["analysis"].update(similarity_measures=["svcca"]), "analysis.similarity_measures.0"),
        (lambda c: c["analysis"].update(similarity_readings=[]), "analysis.similarity_readings"),
        (lambda c: c["analysis"].update(min_rows=1), "analysis.min_rows"),
    ],
)
def test_errors_name_the_key(edit, key):
    c = copy.deepcopy(load("config.yaml"))
    edit(c)
    with pytest.raises(ConfigError, match=r"my\.yaml") as e:
        validate_config(c, SCHEMA, "my.yaml")
    assert key in str(e.value)


def test_run_config_round_trip():
    c = validate_config(load("config.yaml"), SCHEMA)
    cfg = RunConfig.from_dict(run_config(c, "vgg16", -0.5, 7))
    assert (cfg.model, cfg.dataset, cfg.alpha, cfg.seed, cfg.lr) == ("vgg16", "cifar10", -0.5, 7, 0.01)
    with pytest.raises(ValueError, match="unknown run-config keys"):
        RunConfig.from_dict({**cfg.to_dict(), "lerning_rate": 1})


def test_hash_covers_what_changes_results_only():
    base = RunConfig(model="resnet20", dataset="cifar10", alpha=-1.0, seed=0)
    for speed in ({"device": "cuda"}, {"channels_last": True}, {"compile": "max-autotune"},
                  {"checkpoint_interval_s": 0}, {"eval_batch_size": 10}):
        assert RunConfig(**{**base.to_dict(), **speed}).hash() == base.hash()
    for change in ({"alpha": -2.0}, {"seed": 1}, {"lr": 0.2}, {"model_options": {"width": 2}}, {"epochs": 3},
                   {"precision": "bf16"}):
        assert RunConfig(**{**base.to_dict(), **change}).hash() != base.hash()


def test_split_options_are_hashed_unless_at_their_defaults():
    """train_size and val_draw change the hash; at their defaults a run keeps the hash it had before
    they existed (its resume state and summary stay valid) and the workflow's rerun trigger is unchanged."""
    base = RunConfig(model="resnet20", dataset="cifar10", alpha=-1.0, seed=0)
    assert base.hash() == "6b2ddbade238c883"  # the hash of this config before train_size and val_draw
    for change in ({"train_size": 1000}, {"val_draw": "per_run"}):
        assert RunConfig(**{**base.to_dict(), **change}).hash() != base.hash()
    assert RunConfig(**{**base.to_dict(), "train_size": 1000}).hash() != RunConfig(
        **{**base.to_dict(), "train_size": 2000}).hash()
    c = validate_config(load("config.yaml"), SCHEMA)
    full = run_config(c, "resnet20", -1, 0)
    assert full["train_size"] is None and full["val_draw"] == "fixed"
    assert not {"train_size", "val_draw"} & set(hashed(full))
    c["experiments"]["resnet20"]["training"].update(train_size=500, val_draw="per_run")
    assert {"train_size": 500, "val_draw": "per_run"}.items() <= hashed(run_config(c, "resnet20", -1, 0)).items()


def test_md5_is_a_tiny_imagenet_key():
    c = load("config.yaml")
    c["datasets"]["tiny_imagenet"] = {"md5": "0123456789abcdef0123456789abcdef"}
    validate_config(copy.deepcopy(c), SCHEMA)
    c["datasets"]["cifar10"]["md5"] = "0123456789abcdef0123456789abcdef"
    with pytest.raises(ConfigError, match="datasets.cifar10.md5: only tiny_imagenet takes an md5"):
        validate_config(c, SCHEMA)
    c["datasets"]["cifar10"]["md5"] = "not-a-checksum"
    with pytest.raises(ConfigError, match="datasets.cifar10.md5"):
        validate_config(c, SCHEMA)


@pytest.mark.parametrize("alpha, text", [(-30, "-30"), (-0.5, "-0.5"), (0, "0"), (0.1, "0.1"), (2.0, "2"), (1e-5, "1e-05")])
def test_alpha_text_round_trips(alpha, text):
    assert format_alpha(alpha) == text and parse_alpha(text) == alpha


@pytest.mark.parametrize("bad", ["-0.50", "1.0", "+1", "abc", "-0"])
def test_non_canonical_alpha_is_rejected(bad):
    with pytest.raises(ValueError):
        parse_alpha(bad)


def test_layout():
    assert run_dir("results", "resnet20", -0.1, 3) == Path("results/resnet20/alpha_-0.1/seed_3")
    alphas = [-1, -0.5, 0, 0.5, 1]
    assert select_alphas(alphas, "penalize") == [-1, -0.5, 0]
    assert select_alphas(alphas, "promote") == [0, 0.5, 1]
    assert select_alphas(alphas, "all") == alphas


def test_figures_of_missing_experiments_are_skipped():
    from selectivity.config import enabled_figures, figure_params, skipped_figures

    c = validate_config(load("config.yaml"), SCHEMA)
    assert len(enabled_figures(c)) == 35 and enabled_figures(c)[:6] == ["fig1", "fig2", "fig3", "fig4", "fig5", "figA1"]
    del c["experiments"]["vgg16"]
    enabled = enabled_figures(c)
    assert "figA3" not in enabled and "figA12" not in enabled and "fig2" in enabled and len(enabled) == 29
    assert enabled[-18:-8] == ["tin_resnet18", "tin_resnet18_si", "tin_resnet18_tradeoff", "tin_resnet50",
                               "tin_resnet50_si", "tin_resnet50_tradeoff", "robust_corruptions", "robust_attacks",
                               "robust_si", "robust_dimensionality"]
    assert enabled[-8:] == [f"tin_{m}_robust_{k}" for m in ("resnet18", "resnet50")
                            for k in ("corruptions", "attacks", "si", "dimensionality")]
    assert skipped_figures(c)["figA12"] == ["vgg16"] and len(skipped_figures(c)) == 8
    assert skipped_figures(c)["dynamics_schedules"] == ["dynamics", "dynamics_early", "dynamics_late"]
    p = figure_params(c, "fig3")
    assert p["options"]["example_alpha"] == -10 and p["stats"]["n_bootstrap"] == 10000
    assert p["expected"]["resnet20"]["alphas"] == [-30, -20, -10, -5, -2, -1, -0.5, -0.4, -0.3, -0.2, -0.1, 0]
    assert p["expected"]["resnet20"]["seeds"] == list(range(20))


# ---------------------------------------------------------------- one source per constant


def test_schema_agrees_with_the_package():
    """Training defaults, statistics defaults and the model options have one source in the package;
    the schema (which users read) must say the same. (Dataset and model names are generated from
    their registries: tests/test_registries.py.)"""
    from selectivity.models.registry import MODELS
    from selectivity.stats import STATS_DEFAULTS
    import dataclasses

    schema = load_schema(SCHEMA)["properties"]
    exp = schema["experiments"]["additionalProperties"]["properties"]
    assert set(exp["model_options"]["properties"]) == {o for spec in MODELS.values() for o in spec.options}
    training = exp["training"]["properties"]
    fields = {f.name: f.default for f in dataclasses.fields(RunConfig) if f.default is not dataclasses.MISSING}
    for key, spec in training.items():
        default = tuple(spec["default"]) if isinstance(spec["default"], list) else spec["default"]
        assert key in fields and fields[key] == default, key
    assert set(fields) - set(training) == {"experiment"}  # the run's name comes from the experiment's key
    assert {k: v["default"] for k, v in schema["stats"]["properties"].items()} == STATS_DEFAULTS
    from selectivity import similarity
    from selectivity.names import SIMILARITY_READINGS

    analysis = schema["analysis"]["properties"]
    assert analysis["similarity_measures"]["items"]["enum"] == list(similarity.MEASURES)
    assert analysis["similarity_measures"]["default"] == list(similarity.DEFAULT_MEASURES)
    assert analysis["similarity_readings"]["default"] == list(SIMILARITY_READINGS)
    assert analysis["rows_per_neuron"]["default"] == similarity.DEFAULT_ROWS_PER_NEURON
    assert analysis["min_rows"]["default"] == similarity.DEFAULT_MIN_ROWS
    from selectivity.analysis.unit_metrics import SI_NULL_PERMUTATIONS, SI_NULL_SEED

    assert (analysis["si_null_permutations"]["default"], analysis["si_null_seed"]["default"]) == (
        SI_NULL_PERMUTATIONS, SI_NULL_SEED)
    options = exp["model_options"]["properties"]
    assert options["activation"]["enum"] == ["relu", "leaky_relu"]


@pytest.mark.parametrize("section, change, message", [
    ("robustness", {"corruptions": ["gaussian_noise", "gausian_blur"]}, "robustness.corruptions.1: 'gausian_blur' is not one of"),
    ("robustness", {"corruptions": "benchmarks"}, "robustness.corruptions: 'benchmarks' is not one of ['benchmark'"),
    ("robustness", {"changes": [{"corruption": "gausian_noise", "level": 3}]},
     "robustness.changes.0.corruption: 'gausian_noise' is not one of"),
    ("figures", {"fig3": {"experiment": "resnet20", "example_alpha": -3}},
     "figures.fig3.example_alpha: -3 is not an alpha of experiment 'resnet20'"),
])
def test_a_bad_entry_of_a_choice_is_named(section, change, message):
    """oneOf keys (a set name or a list of names) name the bad entry, not only the key."""
    cfg = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    cfg.setdefault(section, {}).update(change)
    with pytest.raises(ConfigError) as e:
        validate_config(cfg, SCHEMA)
    assert message in str(e.value)


@pytest.mark.parametrize("training, figure, message", [
    ({"alpha_schedule": [{"epochs": 6, "scale": 0}, {"scale": 1}]}, {},
     "experiments.dynamics.training: alpha_schedule covers 6 epochs before its open last segment but the run trains 3"),
    ({"alpha_schedule": [{"epochs": 2, "scale": 1}]}, {},
     "experiments.dynamics.training: alpha_schedule covers 2 epochs but the run trains 3"),
    ({"save_epochs": [1, 9]}, {}, "experiments.dynamics.training: save_epochs [9] lie outside the run's epochs 1..3"),
    ({}, {"early_epoch": 10}, "figures.dynamics_si.early_epoch: 10 is after the last epoch (3) of experiment 'dynamics'"),
])
def test_keys_that_must_fit_the_epochs_are_checked_when_the_workflow_starts(training, figure, message):
    """A schedule, save_epochs or early_epoch that does not fit the run's epochs is a config error
    (before any job), not a failure of the training or figure job."""
    cfg = load("config/tiny_dynamics.yaml")
    cfg["experiments"]["dynamics"]["training"].update(training)
    cfg["figures"]["dynamics_si"].update(figure)
    with pytest.raises(ConfigError) as e:
        validate_config(cfg, SCHEMA)
    assert message in str(e.value)
    validate_config(load("config/tiny_dynamics.yaml"), SCHEMA)
