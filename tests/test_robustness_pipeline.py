"""The robustness stage of the workflow: the per-run `robustness` command (its tidy table, the
run's identity, checked inputs), the experiment table (`collect-robustness`: every configured run
exactly once), the `robustness` config section and the figures' gating."""

import copy
import json

import pandas as pd
import pytest
import yaml

from conftest import ROOT, run_cli
from selectivity.config import ConfigError, enabled_figures, robustness_settings, skipped_figures, validate_config, load_schema
from selectivity.errors import InputError
from selectivity.files.robustness import ROBUSTNESS_COLUMNS, collect_robustness, read_robustness
from selectivity.robustness.evaluate import SETTINGS_DEFAULTS

SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"
SETTINGS = {"corruptions": ["gaussian_noise", "contrast"], "severities": [1, 5], "attacks": ["fgsm", "pgd"],
            "eps": [2, 8], "pgd_steps": 2, "attack_images": 12, "corruption_images": 15,
            "changes": [{"corruption": "gaussian_noise", "level": 3}, {"attack": "pgd", "level": 4}]}


def _model(path, seed, alpha, experiment="resnet20"):
    import torch

    from selectivity.training.checkpoint import save_model
    from selectivity.models import build_model

    torch.manual_seed(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_model(path, build_model("resnet20", 10, 3, width=0.25),
               {"model": "resnet20", "num_classes": 10, "in_channels": 3, "model_options": {"width": 0.25},
                "dataset": "synthetic", "config": {"experiment": experiment, "seed": seed, "alpha": alpha}})
    return path


@pytest.fixture(scope="module")
def run_table(tmp_path_factory, synthetic_npz):
    tmp = tmp_path_factory.mktemp("rob")
    model = _model(tmp / "alpha_-1/seed_0/model.pt", 0, -1.0)
    out = tmp / "alpha_-1/seed_0/robustness.csv"
    run_cli("robustness", "--model", model, "--data", synthetic_npz, "--out", out,
            "--settings", json.dumps(SETTINGS))
    return out


def test_the_run_table_is_tidy_and_names_its_run(run_table):
    df = pd.read_csv(run_table, keep_default_na=False)
    assert list(df.columns) == ROBUSTNESS_COLUMNS
    assert set(df["experiment"]) == {"resnet20"} and set(df["alpha"]) == {-1.0} and set(df["seed"]) == {0}
    acc = df[df["measure"] == "accuracy"]
    corr = acc[acc["kind"] == "corruption"]
    assert set(zip(corr["name"], corr["level"])) == {("none", 0), ("gaussian_noise", 1), ("gaussian_noise", 5),
                                                     ("contrast", 1), ("contrast", 5)}
    att = acc[acc["kind"] == "attack"]
    assert set(zip(att["name"], att["level"])) == {("none", 0), ("fgsm", 2), ("fgsm", 8), ("pgd", 2), ("pgd", 8)}
    assert acc["value"].between(0, 1).all() and (acc["layer"] == "").all()
    dims = df[df["kind"] == "dimensionality"]
    assert set(zip(dims["name"], dims["level"])) == {("clean", 0), ("gaussian_noise", 3), ("pgd", 4)}
    assert set(dims.loc[dims["name"] == "clean", "measure"]) == {"participation_ratio", "components_90", "units"}
    assert set(dims.loc[dims["name"] != "clean", "measure"]) == {"participation_ratio", "components_90"}
    assert (dims["layer"] != "").all() and dims["layer"].nunique() == 19  # every unit layer of ResNet20
    assert (dims["value"] >= 0).all()
    assert read_robustness(run_table)["kind"].nunique() == 3


def test_the_experiment_table_holds_every_configured_run_once(tmp_path, run_table):
    df = pd.read_csv(run_table, keep_default_na=False)
    paths = []
    for alpha, seed in ((-1.0, 0), (-1.0, 1), (0.0, 0), (0.0, 1)):
        p = tmp_path / f"a{alpha}_s{seed}.csv"
        df.assign(alpha=alpha, seed=seed).to_csv(p, index=False)
        paths.append(p)
    out = tmp_path / "robustness_all.csv"
    run_cli("collect-robustness", "--experiment", "resnet20", "--alphas", "-1", "0", "--seeds", "0", "1",
            "--out", out, *paths)
    table = read_robustness(out, alphas=[-1, 0], seeds=[0, 1])
    assert len(table) == 4 * len(df)
    with pytest.raises(ValueError, match="missing"):
        collect_robustness(paths[:3], "resnet20", [-1, 0], [0, 1])
    with pytest.raises(InputError, match="counted once"):
        collect_robustness(paths + paths[:1], "resnet20", [-1, 0], [0, 1])
    with pytest.raises(InputError, match="not one run of experiment 'vgg16'"):
        collect_robustness(paths, "vgg16", [-1, 0], [0, 1])
    proc = run_cli("collect-robustness", "--experiment", "resnet20", "--alphas", "-1", "0", "--seeds", "0", "1",
                   "--out", tmp_path / "bad.csv", *paths[:3], check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and not (tmp_path / "bad.csv").exists()


def test_a_bad_run_table_names_itself_and_its_job(tmp_path, run_table):
    df = pd.read_csv(run_table, keep_default_na=False)
    bad = tmp_path / "robustness.csv"
    df.drop(columns="measure").to_csv(bad, index=False)
    with pytest.raises(InputError, match=r"lacks the columns \['measure'\].*the run's `robustness` job rebuilds"):
        read_robustness(bad)
    df.assign(kind="weather").to_csv(bad, index=False)
    with pytest.raises(InputError, match="unknown kinds"):
        read_robustness(bad)


def test_a_truncated_model_stops_the_job_with_its_path(tmp_path, synthetic_npz):
    model = _model(tmp_path / "model.pt", 0, 0.0)
    model.write_bytes(model.read_bytes()[:1000])
    proc = run_cli("robustness", "--model", model, "--data", synthetic_npz, "--out", tmp_path / "r.csv",
                   check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and f"{model}: unreadable" in proc.stderr
    assert not (tmp_path / "r.csv").exists()


# ---------------------------------------------------------------- config


def load(name):
    return yaml.safe_load((ROOT / name).read_text())


def test_robustness_defaults_and_settings():
    c = validate_config(load("config.yaml"), SCHEMA)
    r = c["robustness"]
    assert r["experiments"] == ["resnet20", "tin_resnet18", "tin_resnet50"] and r["device"] == "auto" and r["eps"] == [1, 2, 4, 8]
    settings = robustness_settings(c)
    assert set(settings) == set(SETTINGS_DEFAULTS) and "device" not in settings
    schema = load_schema(SCHEMA)["properties"]["robustness"]["properties"]
    for key, spec in schema.items():
        assert spec.get("description"), key
        if key not in ("experiments", "device"):
            assert spec["default"] == SETTINGS_DEFAULTS[key], key
    from selectivity.robustness import CORRUPTIONS

    assert schema["corruptions"]["default"] == "benchmark"
    assert schema["corruptions"]["oneOf"][1]["items"]["enum"] == list(CORRUPTIONS)
    bare = validate_config({"experiments": {}}, SCHEMA)
    assert bare["robustness"]["experiments"] == []


@pytest.mark.parametrize("edit, key", [
    (lambda r: r.update(experiments=["nope"]), "robustness.experiments"),
    (lambda r: r.update(severities=[0]), "robustness.severities.0"),
    (lambda r: r.update(corruptions=["haze"]), "robustness.corruptions"),
    (lambda r: r.update(corruptions="fifteen"), "robustness.corruptions"),
    (lambda r: r.update(attacks=["cw"]), "robustness.attacks.0"),
    (lambda r: r.update(changes=[{"corruption": "contrast", "level": 9}]), "robustness.changes.0"),
    (lambda r: r.update(gpu=1), "robustness"),
])
def test_bad_robustness_keys_are_named(edit, key):
    c = load("config.yaml")
    edit(c["robustness"])
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        validate_config(c, SCHEMA)


def test_robustness_figures_need_their_experiment_listed():
    c = load("config/demo.yaml")
    c["robustness"]["experiments"] = []
    c = validate_config(c, SCHEMA)
    robust = {"robust_corruptions", "robust_attacks", "robust_si", "robust_dimensionality"}
    assert not robust & set(enabled_figures(c)) and not robust & set(skipped_figures(c))
    c["robustness"]["experiments"] = ["resnet20"]
    assert robust <= set(enabled_figures(c))
