import json

import pandas as pd
import pytest

from conftest import run_cli
from selectivity.data import synthetic
from selectivity.training.checkpoint import load_model


def test_prepare_data_with_a_bad_archive_fails_cleanly(tmp_path):
    archive = tmp_path / "cifar-10-python.tar.gz"
    synthetic.write_archive(archive)
    out = tmp_path / "cifar10.npz"
    proc = run_cli("prepare-data", "--dataset", "cifar10", "--source", archive, "--out", out, check=False)
    assert proc.returncode == 1
    assert f"selectivity prepare-data: error: {archive}: MD5" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_prepare_data_and_train_from_the_command_line(tmp_path, synthetic_npz):
    out = tmp_path / "digits.npz"
    proc = run_cli("prepare-data", "--dataset", "digits", "--out", out)
    assert "train/val/test" in proc.stdout and out.exists()
    bad = {"model": "resnet20", "dataset": "synthetic", "alpha": 0, "seed": 0, "epoch": 1}
    proc = run_cli("train", "--data", synthetic_npz, "--out-dir", tmp_path / "r", "--settings", json.dumps(bad),
                   check=False)
    assert proc.returncode == 1 and "unknown run-config keys ['epoch']" in proc.stderr
    wrong = dict(bad, dataset="digits")
    wrong.pop("epoch")
    proc = run_cli("train", "--data", synthetic_npz, "--out-dir", tmp_path / "r", "--settings", json.dumps(wrong),
                   check=False)
    assert proc.returncode == 1 and "holds dataset 'synthetic'" in proc.stderr


def fake_run(d, alpha, seed, experiment="e"):
    """A run folder with summary.json and units.csv (two layers: a = 2 units, b = 1 unit)."""
    import pandas as pd

    d.mkdir(parents=True, exist_ok=True)
    (d / "summary.json").write_text(json.dumps({
        "experiment": experiment, "dataset": "d", "model": "m", "alpha": alpha, "seed": seed, "test_accuracy": 0.5,
        "test_mean_si": 0.2, "best_epoch": 3, "best_val_accuracy": 0.6, "epochs": 4, "config_hash": "h",
        "unit_layers": [["a", 2], ["b", 1]]}))
    from selectivity.analysis.quantities import UNIT_COLUMNS

    units = pd.DataFrame({"layer_index": [0, 0, 1], "layer": ["a", "a", "b"], "unit": [0, 1, 0],
                          "si": [0.2, 0.0, 0.5], "dead": [False, True, False], "si_alive": [0.2, None, 0.5],
                          "precision": [0.3, None, 0.5], "preferred_class": [1, 0, 2], "si_null": [0.1, 0.0, 0.2],
                          "precision_all": [0.3, 0.1, 0.5]})
    units.reindex(columns=UNIT_COLUMNS, fill_value=0.0).to_csv(d / "units.csv", index=False)  # a later column: 0
    return d / "summary.json"


def collect_cli(tmp_path, *paths, check=True):
    return run_cli("collect-runs", "--runs-out", tmp_path / "runs.csv", "--layers-out", tmp_path / "layers.csv",
                   *paths, check=check)


def test_collect_runs_and_layers_tables(tmp_path):
    import pandas as pd

    paths = [fake_run(tmp_path / f"alpha_{a}" / f"seed_{s}", a, s) for a, s in [(0.0, 1), (-1.0, 0), (0.0, 0)]]
    collect_cli(tmp_path, *paths)
    runs, layers = pd.read_csv(tmp_path / "runs.csv"), pd.read_csv(tmp_path / "layers.csv")
    assert list(zip(runs["alpha"], runs["seed"])) == [(-1.0, 0), (0.0, 0), (0.0, 1)]
    r = runs.iloc[0]
    assert r["mean_si"] == pytest.approx((0.1 + 0.5) / 2)  # mean over layers of the layer means
    assert r["mean_si_alive"] == pytest.approx((0.2 + 0.5) / 2) and r["dead_fraction"] == pytest.approx(0.25)
    assert r["units_mean_si"] == pytest.approx(0.7 / 3) and r["units_mean_si_alive"] == pytest.approx(0.35)
    assert r["units_mean_precision"] == pytest.approx(0.4)  # the dead unit left out
    assert r["n_units"] == 3 and r["n_si_outside"] == 0
    assert len(layers) == 6 and list(layers.columns[:3]) == ["experiment", "alpha", "seed"]
    (tmp_path / "broken.json").write_text(json.dumps({"alpha": 0}))
    proc = collect_cli(tmp_path, tmp_path / "broken.json", check=False)
    assert proc.returncode == 1 and "broken.json: lacks the keys" in proc.stderr and "Traceback" not in proc.stderr


def test_collect_refuses_a_run_given_twice(tmp_path):
    a = fake_run(tmp_path / "x" / "seed_0", 0.0, 0)
    b = fake_run(tmp_path / "y" / "seed_0", 0.0, 0)  # e.g. `seeds: [0, 0]` in an old config
    proc = collect_cli(tmp_path, a, b, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{b}: holds the run (experiment, alpha, seed) = ('e', 0.0, 0), which {a} holds too" in proc.stderr
    proc = collect_cli(tmp_path, a, a, check=False)
    assert proc.returncode == 1 and "holds the run" in proc.stderr
    assert not (tmp_path / "runs.csv").exists()


def test_collect_refuses_a_truncated_units_table(tmp_path):
    path = fake_run(tmp_path / "seed_0", 0.0, 0)
    units = path.with_name("units.csv")
    units.write_text("\n".join(units.read_text().splitlines()[:3]) + "\n")  # the header and 2 of 3 units
    proc = collect_cli(tmp_path, path, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert (f"{units}: holds 1 layers / 2 units, but the run has 2 layers / 3 units" in proc.stderr
            and "the run's `unit_metrics` job rebuilds it" in proc.stderr)
    units.write_text("layer_index,layer,unit,si\n0,a,0,0.2\n")
    proc = collect_cli(tmp_path, path, check=False)
    # (a quantity added later appends its column to the list)
    assert "lacks the columns ['dead', 'si_alive', 'precision', 'preferred_class', 'si_null', 'precision_all'" in proc.stderr


@pytest.mark.parametrize("name", ["summary.json", "units.csv"])
def test_truncated_run_files_name_themselves(tmp_path, name):
    path = fake_run(tmp_path / "seed_0", 0.0, 0)
    f = path.with_name(name)
    f.write_bytes(f.read_bytes()[:40])
    proc = collect_cli(tmp_path, path, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert str(f) in proc.stderr and "delete it and run snakemake again" in proc.stderr


def test_a_truncated_model_names_itself(tmp_path, synthetic_npz):
    import torch

    from selectivity.training.checkpoint import save_model
    from selectivity.models import build_model

    model = build_model("resnet20", 10, 3, width=0.25)
    path = tmp_path / "model.pt"
    save_model(path, model, {"model": "resnet20", "num_classes": 10, "in_channels": 3,
                             "model_options": {"width": 0.25}, "dataset": "synthetic"})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    proc = run_cli("dump-activations", "--model", path, "--data", synthetic_npz, "--out", tmp_path / "a.npz",
                   check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert (f"{path}: unreadable, the file is truncated or corrupt" in proc.stderr
            and "the run's `train` job (it retrains the run) rebuilds it" in proc.stderr)
    assert not (tmp_path / "a.npz").exists()
    torch.save({"state_dict": {}}, path)
    proc = run_cli("dump-activations", "--model", path, "--data", synthetic_npz, "--out", tmp_path / "a.npz",
                   check=False)
    assert "lacks the entries ['model', 'num_classes', 'in_channels', 'model_options']" in proc.stderr


def test_a_truncated_dataset_names_itself(tmp_path, synthetic_npz):
    bad = tmp_path / "synthetic.npz"
    bad.write_bytes(synthetic_npz.read_bytes()[:5000])
    proc = run_cli("train", "--data", bad, "--out-dir", tmp_path / "r", "--settings",
                   json.dumps({"model": "resnet20", "dataset": "synthetic", "alpha": 0, "seed": 0}), check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{bad}: unreadable" in proc.stderr and "the `prepare_data` job rebuilds it" in proc.stderr


def _untrained(path, seed, alpha):
    import torch

    from selectivity.training.checkpoint import save_model
    from selectivity.models import build_model

    torch.manual_seed(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_model(path, build_model("resnet20", 10, 3, width=0.25),
               {"model": "resnet20", "num_classes": 10, "in_channels": 3, "model_options": {"width": 0.25},
                "dataset": "synthetic", "config": {"seed": seed, "alpha": alpha}})
    return path


def test_similarity_compares_networks_over_the_same_rows(tmp_path, synthetic_npz):
    models = [_untrained(tmp_path / f"a{s}.pt", s, -1.0) for s in (0, 1)]
    base = [_untrained(tmp_path / f"b{s}.pt", s, 0.0) for s in (0, 1)]
    out = tmp_path / "similarity.csv"
    rule = ("--rows-per-neuron", 1, "--min-rows", 300)
    run_cli("similarity", "--alpha", "-1", "--experiment", "e", "--data", synthetic_npz, "--models", *models,
            "--seeds", 0, 1, "--baseline-models", *base, "--baseline-seeds", 0, 1, *rule, "--out", out)
    df = pd.read_csv(out)
    assert len(df) == 19 * (1 + 4) * 3 * 2 and set(df["reading"]) == {"positions", "images"}
    assert set(df["measure"]) == {"pwcca", "cka", "procrustes"} and set(df["experiment"]) == {"e"}
    assert set(df[df.reading == "positions"]["rows"]) == {300}  # conv layers: more (image, position) pairs
    assert set(df[df.reading == "images"]["rows"]) == {20} and set(df["rows_wanted"]) == {300}  # all 20 test images
    # seed 0 at alpha = -1 and seed 0 at alpha = 0 are the same untrained network: distance 0
    same = df[(df["kind"] == "baseline") & (df["seed_a"] == df["seed_b"])]
    assert same["distance"].abs().max() < 1e-4
    within = df[df["kind"] == "within"].groupby(["measure", "reading"])["distance"]
    assert (within.median() > 0.01).all()  # two different untrained networks
    # (PWCCA over 20 images for up to 16 neurons is close to 0: CCA's bias with few datapoints per neuron)
    assert within.median()["pwcca", "images"] < within.median()["pwcca", "positions"]
    proc = run_cli("similarity", "--alpha", "-1", "--data", synthetic_npz, "--models", *models, "--seeds", 1, 0,
                   *rule, "--out", out, check=False)
    assert proc.returncode == 1 and f"{models[0]}: holds the run of seed 0, not of seed 1" in proc.stderr


# The command-line contract (cli.py's docstring): settings as one JSON object, execution as flags.
EXECUTION_VALUES = {"device": "cuda:1", "eval_batch_size": 500, "experiment": "an exp", "channels_last": None,
                    "compile": "max-autotune", "checkpoint_interval_s": 0.5}


@pytest.mark.parametrize("key", sorted(EXECUTION_VALUES))
@pytest.mark.parametrize("flip", [False, True])
def test_every_execution_key_of_a_run_is_a_train_flag_the_workflow_can_write(key, flip):
    """execution_flags (what the workflow passes) parses back to the same values, one flag per
    UNHASHED key; a flag left out stays out (the run config keeps its default)."""
    import shlex

    from selectivity.cli import build_parser, execution_flags
    from selectivity.training.config import UNHASHED

    assert set(EXECUTION_VALUES) == set(UNHASHED)
    value = (not flip) if key == "channels_last" and flip else EXECUTION_VALUES[key]
    words = shlex.split(execution_flags({key: value}))
    args = build_parser().parse_args(["train", "--data", "d.npz", "--out-dir", "r", "--settings", "{}", *words])
    assert getattr(args, key) == value and type(getattr(args, key)) is type(value)
    assert not any(hasattr(args, k) for k in UNHASHED if k != key)


def test_train_reads_its_settings_from_a_file_and_the_flags_override_them(tmp_path, synthetic_npz):
    cfg = {"model": "resnet20", "dataset": "synthetic", "alpha": -1.0, "seed": 0, "epochs": 1, "batch_size": 32,
           "model_options": {"width": 0.25}, "experiment": "from_json", "checkpoint_interval_s": 30}
    (tmp_path / "run.json").write_text(json.dumps(cfg))
    run_cli("train", "--data", synthetic_npz, "--out-dir", tmp_path / "r", "--settings", f"@{tmp_path / 'run.json'}",
            "--experiment", "from_flag", "--device", "cpu", "--threads", 1)
    summary = json.loads((tmp_path / "r/summary.json").read_text())
    _, info = load_model(tmp_path / "r/model.pt")
    assert summary["experiment"] == "from_flag" and info["config"]["experiment"] == "from_flag"
    assert info["config"]["checkpoint_interval_s"] == 30 and info["config"]["alpha"] == -1.0


@pytest.mark.parametrize("settings, message", [
    ("[1, 2]", "expected a JSON object, got list"),
    ("{'lr': 1}", "is not JSON"),
    ("@/nonexistent/run.json", "cannot read /nonexistent/run.json"),
])
def test_settings_that_are_no_json_object_are_refused_before_anything_runs(tmp_path, settings, message):
    for command in (["train", "--data", "d.npz", "--out-dir", tmp_path / "r"],
                    ["robustness", "--model", "m.pt", "--data", "d.npz", "--out", tmp_path / "o.csv"]):
        proc = run_cli(*command, "--settings", settings, check=False)
        assert proc.returncode == 2 and "argument --settings" in proc.stderr and message in proc.stderr


def test_robustness_refuses_an_unknown_setting_and_points_the_device_to_its_flag(tmp_path):
    proc = run_cli("robustness", "--model", "m.pt", "--data", "d.npz", "--out", tmp_path / "o.csv",
                   "--settings", json.dumps({"pgd_step": 2, "device": "cpu"}), check=False)
    assert proc.returncode == 1 and "unknown robustness settings ['device', 'pgd_step']" in proc.stderr
    assert "--device on the command line" in proc.stderr and not (tmp_path / "o.csv").exists()


def test_plot_names_a_malformed_input_pair(tmp_path):
    proc = run_cli("plot", "fig2", "--settings", "{}", "--input", "runs.csv", "--out", tmp_path / "f.pdf",
                   "--stats", tmp_path / "f.csv", check=False)
    assert proc.returncode != 0 and "--input 'runs.csv': expected NAME=PATH" in proc.stderr


def test_plot_settings_that_are_no_figure_spec_point_to_config(tmp_path):
    proc = run_cli("plot", "fig2", "--settings", "{}", "--input", "runs=r.csv", "--out", tmp_path / "f.pdf",
                   "--stats", tmp_path / "f.csv", check=False)
    assert proc.returncode == 1 and "lack the figure's keys ['kind'" in proc.stderr and "pass --config" in proc.stderr


def test_a_run_config_without_alpha_names_the_missing_key(tmp_path):
    proc = run_cli("train", "--data", "d.npz", "--out-dir", tmp_path / "r", "--settings",
                   '{"model": "resnet20", "dataset": "digits", "seed": 0}', check=False)
    assert proc.returncode == 1 and "the run config lacks ['alpha']" in proc.stderr


def test_figures_lists_every_figure_with_its_kind_and_the_defaults_of_its_options():
    from selectivity.plots.specs import FIGURES

    out = run_cli("figures").stdout.splitlines()
    rows = {line.split()[0]: line for line in out[1:]}
    assert set(rows) == set(FIGURES)
    assert "labels (always/early/late)" in rows["dynamics_schedules"] and " schedules " in rows["dynamics_schedules"]
    assert "similarity_to_final (False)" in rows["dynamics_si"] and "labels (ResNet20/VGG16)" in rows["figA12"]
