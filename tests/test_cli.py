import json

import pytest

from conftest import run_cli
from selectivity.data import synthetic


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
    proc = run_cli("train", "--data", synthetic_npz, "--out-dir", tmp_path / "r", "--config-json", json.dumps(bad),
                   check=False)
    assert proc.returncode == 1 and "unknown run-config keys ['epoch']" in proc.stderr
    wrong = dict(bad, dataset="digits")
    wrong.pop("epoch")
    proc = run_cli("train", "--data", synthetic_npz, "--out-dir", tmp_path / "r", "--config-json", json.dumps(wrong),
                   check=False)
    assert proc.returncode == 1 and "holds dataset 'synthetic'" in proc.stderr


def test_collect_runs_and_layers_tables(tmp_path):
    import pandas as pd

    paths = []
    for alpha, seed in [(0.0, 1), (-1.0, 0), (0.0, 0)]:
        d = tmp_path / f"alpha_{alpha}" / f"seed_{seed}"
        d.mkdir(parents=True)
        (d / "summary.json").write_text(json.dumps({
            "experiment": "e", "dataset": "d", "model": "m", "alpha": alpha, "seed": seed, "test_accuracy": 0.5,
            "test_mean_si": 0.2, "best_epoch": 3, "best_val_accuracy": 0.6, "epochs": 4, "config_hash": "h"}))
        pd.DataFrame({"layer_index": [0, 0, 1], "layer": ["a", "a", "b"], "unit": [0, 1, 0],
                      "si": [0.2, 0.0, 0.5], "dead": [False, True, False], "si_alive": [0.2, None, 0.5],
                      "precision": [0.3, 0.1, 0.5], "preferred_class": [1, 0, 2]}).to_csv(d / "units.csv", index=False)
        paths.append(d / "summary.json")
    runs_out, layers_out = tmp_path / "runs.csv", tmp_path / "layers.csv"
    run_cli("collect-runs", "--runs-out", runs_out, "--layers-out", layers_out, *paths)
    runs, layers = pd.read_csv(runs_out), pd.read_csv(layers_out)
    assert list(zip(runs["alpha"], runs["seed"])) == [(-1.0, 0), (0.0, 0), (0.0, 1)]
    r = runs.iloc[0]
    assert r["mean_si"] == pytest.approx((0.1 + 0.5) / 2)  # mean over layers of the layer means
    assert r["mean_si_alive"] == pytest.approx((0.2 + 0.5) / 2) and r["dead_fraction"] == pytest.approx(0.25)
    assert r["units_mean_si"] == pytest.approx(0.7 / 3) and r["units_mean_si_alive"] == pytest.approx(0.35)
    assert r["units_mean_precision"] == pytest.approx(0.3)
    assert len(layers) == 6 and list(layers.columns[:3]) == ["experiment", "alpha", "seed"]
    (tmp_path / "broken.json").write_text(json.dumps({"alpha": 0}))
    proc = run_cli("collect-runs", "--runs-out", tmp_path / "x.csv", "--layers-out", tmp_path / "y.csv",
                   tmp_path / "broken.json", check=False)
    assert proc.returncode == 1 and "broken.json: summary lacks" in proc.stderr
