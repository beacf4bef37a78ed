import json

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


def test_collect_runs_table(tmp_path):
    paths = []
    for alpha, seed in [(0.0, 1), (-1.0, 0), (0.0, 0)]:
        p = tmp_path / f"{alpha}_{seed}.json"
        p.write_text(json.dumps({"experiment": "e", "dataset": "d", "model": "m", "alpha": alpha, "seed": seed,
                                 "test_accuracy": 0.5, "test_mean_si": 0.2, "best_epoch": 3,
                                 "best_val_accuracy": 0.6, "epochs": 4, "config_hash": "h"}))
        paths.append(p)
    out = tmp_path / "runs.csv"
    run_cli("collect-runs", "--out", out, *paths)
    import pandas as pd

    df = pd.read_csv(out)
    assert list(zip(df["alpha"], df["seed"])) == [(-1.0, 0), (0.0, 0), (0.0, 1)]
    (tmp_path / "broken.json").write_text(json.dumps({"alpha": 0}))
    proc = run_cli("collect-runs", "--out", tmp_path / "x.csv", tmp_path / "broken.json", check=False)
    assert proc.returncode == 1 and "broken.json: summary lacks" in proc.stderr
