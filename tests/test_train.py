import json
import os
import random
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import torch

from conftest import SRC, run_cli
from selectivity.training.checkpoint import STATE_KEYS, load_model
from selectivity.data import load_prepared
from selectivity.models import build_model
from selectivity.training.config import RunConfig
from selectivity.training.loop import STATE_FILE, NonFiniteLossError, train_run

pytestmark = pytest.mark.slow

TINY = dict(model="resnet20", dataset="synthetic", seed=3, model_options={"width": 0.25}, epochs=4,
            batch_size=32, lr=0.05, lr_milestones=[2, 3], checkpoint_interval_s=0)


def tiny_config(**kw) -> RunConfig:
    return RunConfig.from_dict({**TINY, "alpha": -1.0, **kw})


def test_run_outputs_and_safe_checkpoint(synthetic_npz, tmp_path):
    lines = []
    summary = train_run(tiny_config(), load_prepared(synthetic_npz), tmp_path, progress=lines.append)
    assert {p.name for p in tmp_path.iterdir()} == {"model.pt", "log.csv", "summary.json"}  # state removed
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    for key in ("test_accuracy", "test_mean_si", "best_epoch", "alpha", "seed", "config_hash"):
        assert key in summary
    assert summary["alpha"] == -1.0 and summary["seed"] == 3 and len(summary["test_layer_si"]) == 19
    # what the analysis must find for this run: the model's unit layers and their unit counts
    model = build_model("resnet20", 10, 3, **TINY["model_options"])
    from selectivity.units import unit_layers

    assert [name for name, _ in summary["unit_layers"]] == list(unit_layers(model))
    assert [n for _, n in summary["unit_layers"]][:2] == [4, 4] and summary["test_size"] == 20
    log = pd.read_csv(tmp_path / "log.csv")
    assert list(log.columns) == ["epoch", "lr", "alpha", "loss", "ce", "mean_si", "train_accuracy", "val_accuracy",
                                 "train_seconds", "seconds"]
    assert log["alpha"].tolist() == [-1.0] * 4  # constant alpha: every epoch's
    assert log["epoch"].tolist() == [1, 2, 3, 4]
    assert log["lr"].tolist() == pytest.approx([0.05, 0.05, 0.005, 0.0005])
    # loss = CE - alpha * mu_SI with alpha = -1
    assert (log["loss"] - (log["ce"] + log["mean_si"])).abs().max() < 1e-5  # float32 sums
    best = log.loc[log["val_accuracy"].idxmax()]
    assert summary["best_epoch"] == best["epoch"] and summary["best_val_accuracy"] == best["val_accuracy"]
    # checkpoints load without unpickling code, and the model reproduces the reported test accuracy
    torch.load(tmp_path / "model.pt", weights_only=True)
    model, info = load_model(tmp_path / "model.pt")
    data = load_prepared(synthetic_npz)
    x = (data.test.images.float() / 255 - torch.tensor(data.mean).view(1, -1, 1, 1)) / torch.tensor(data.std).view(1, -1, 1, 1)
    with torch.no_grad():
        acc = (model(x).argmax(1) == data.test.labels).float().mean().item()
    assert acc == pytest.approx(summary["test_accuracy"])
    assert info["config_hash"] == summary["config_hash"]
    assert any("epoch 4/4" in line and "eta" in line for line in lines)


def test_same_seed_same_result_and_alpha_changes_it(synthetic_npz, tmp_path):
    data = load_prepared(synthetic_npz)
    a = train_run(tiny_config(epochs=2), data, tmp_path / "a", progress=lambda _: None)
    b = train_run(tiny_config(epochs=2), data, tmp_path / "b", progress=lambda _: None)
    c = train_run(tiny_config(epochs=2, alpha=0.0), data, tmp_path / "c", progress=lambda _: None)
    assert a == b
    assert c["config_hash"] != a["config_hash"] and c["test_mean_si"] != a["test_mean_si"]


def test_non_finite_loss_names_the_run(synthetic_npz, tmp_path):
    cfg = tiny_config(lr=1e12, epochs=3, experiment="exp_x")
    with pytest.raises(NonFiniteLossError) as e:
        train_run(cfg, load_prepared(synthetic_npz), tmp_path, progress=lambda _: None)
    msg = str(e.value)
    for part in ("dataset=synthetic", "model=resnet20", "alpha=-1", "seed=3", "epoch 1", "exp_x"):
        assert part in msg
    assert not (tmp_path / "summary.json").exists()


def test_state_from_another_config_is_not_resumed(synthetic_npz, tmp_path):
    data = load_prepared(synthetic_npz)
    ref = train_run(tiny_config(epochs=2), data, tmp_path / "ref", progress=lambda _: None)
    other = tmp_path / "run"
    other.mkdir()
    # a state saved by a run with another alpha, claiming all epochs are done
    stub = dict.fromkeys(STATE_KEYS)
    torch.save(dict(stub, config_hash="0" * 16, epoch=2), other / STATE_FILE)
    lines = []
    assert train_run(tiny_config(epochs=2), data, other, progress=lines.append) == ref
    assert any("another configuration" in line for line in lines)


def _train_proc(data, out_dir, cfg):
    env = dict(os.environ, PYTHONPATH=str(SRC))
    return subprocess.Popen(
        [sys.executable, "-m", "selectivity", "train", "--data", str(data), "--out-dir", str(out_dir),
         "--settings", json.dumps(cfg), "--threads", "1"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env,
    )


def test_killed_and_restarted_run_ends_with_identical_summary(synthetic_npz, tmp_path):
    cfg = {**TINY, "alpha": -2.0, "epochs": 6, "lr_milestones": [3, 5], "model_options": {"width": 0.5}}
    ref_dir, run_dir = tmp_path / "ref", tmp_path / "killed"
    run_cli("train", "--data", synthetic_npz, "--out-dir", ref_dir, "--settings", json.dumps(cfg), "--threads", 1)
    reference = json.loads((ref_dir / "summary.json").read_text())

    # 1) kill right after epoch 2 was reported (its state is saved before the line is printed)
    proc = _train_proc(synthetic_npz, run_dir, cfg)
    for line in proc.stderr:
        if "epoch 2/6" in line:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    assert (run_dir / STATE_FILE).exists() and not (run_dir / "summary.json").exists()
    # 2) kill at random moments (during start-up, mid-epoch, mid-save) until the run gets through
    rng = random.Random(0)
    resumed_lines = []
    for attempt in range(30):
        proc = _train_proc(synthetic_npz, run_dir, cfg)
        if attempt < 3:
            time.sleep(rng.uniform(1.0, 3.0))
            proc.send_signal(signal.SIGKILL)
        out = proc.communicate()[1]
        resumed_lines += [line for line in out.splitlines() if "resuming after epoch" in line]
        if (run_dir / "summary.json").exists():
            break
    assert resumed_lines, "the restarted run did not resume from the saved state"
    assert json.loads((run_dir / "summary.json").read_text()) == reference
    log_ref = pd.read_csv(ref_dir / "log.csv").drop(columns=["train_seconds", "seconds"])
    log_run = pd.read_csv(run_dir / "log.csv").drop(columns=["train_seconds", "seconds"])
    pd.testing.assert_frame_equal(log_ref, log_run)
    assert not (run_dir / STATE_FILE).exists()
    assert not list(run_dir.glob(".*.tmp"))


def test_sigterm_stops_cleanly_and_the_rerun_resumes(synthetic_npz, tmp_path):
    cfg = {**TINY, "alpha": 1.0, "epochs": 5, "lr_milestones": [3, 4], "model_options": {"width": 0.5}}
    ref_dir, run_dir = tmp_path / "ref", tmp_path / "run"
    run_cli("train", "--data", synthetic_npz, "--out-dir", ref_dir, "--settings", json.dumps(cfg), "--threads", 1)
    proc = _train_proc(synthetic_npz, run_dir, cfg)
    for line in proc.stderr:
        if "epoch 2/5" in line:
            proc.send_signal(signal.SIGTERM)
            break
    rest = proc.stderr.read()
    assert proc.wait() == 75  # EX_TEMPFAIL: run again
    assert "stopped (received SIGTERM)" in rest and "run the job again to resume" in rest
    assert (run_dir / STATE_FILE).exists() and not (run_dir / "summary.json").exists()
    out = run_cli("train", "--data", synthetic_npz, "--out-dir", run_dir, "--settings", json.dumps(cfg),
                  "--threads", 1)
    assert "resuming after epoch" in out.stderr
    assert json.loads((run_dir / "summary.json").read_text()) == json.loads((ref_dir / "summary.json").read_text())


def test_resume_state_is_saved_at_the_configured_interval(synthetic_npz, tmp_path, monkeypatch):
    import selectivity.training.loop as train_module

    saved_epochs = []
    real_save = train_module.save_resume_state
    monkeypatch.setattr(train_module, "save_resume_state", lambda path, **state: (saved_epochs.append(state["epoch"]),
                                                                                  real_save(path, **state)))
    train_run(tiny_config(epochs=3, checkpoint_interval_s=1e6), load_prepared(synthetic_npz), tmp_path / "a",
              progress=lambda _: None)
    assert saved_epochs == [3]  # only the last epoch (before the outputs are written)
    saved_epochs.clear()
    train_run(tiny_config(epochs=3), load_prepared(synthetic_npz), tmp_path / "b", progress=lambda _: None)
    assert saved_epochs == [1, 2, 3]


def test_speed_options_do_not_change_the_run(synthetic_npz, tmp_path):
    """channels_last and compile change neither the hash nor (beyond rounding) the result."""
    data = load_prepared(synthetic_npz)
    ref = train_run(tiny_config(epochs=1), data, tmp_path / "ref", progress=lambda _: None)
    nhwc = train_run(tiny_config(epochs=1, channels_last=True), data, tmp_path / "nhwc", progress=lambda _: None)
    assert nhwc["config_hash"] == ref["config_hash"]
    log_ref, log_nhwc = (pd.read_csv(tmp_path / d / "log.csv") for d in ("ref", "nhwc"))
    for column in ("loss", "ce", "mean_si"):  # the same minibatches and updates, other rounding
        assert log_nhwc[column][0] == pytest.approx(log_ref[column][0], rel=1e-3)
    assert nhwc["test_mean_si"] == pytest.approx(ref["test_mean_si"], abs=5e-3)


def test_compiled_training_step_matches_eager(synthetic_npz, tmp_path):
    """torch.compile of the step (hooks of the unit recorder included) trains the same network."""
    data = load_prepared(synthetic_npz)
    ref = train_run(tiny_config(epochs=1), data, tmp_path / "ref", progress=lambda _: None)
    lines = []
    fast = train_run(tiny_config(epochs=1, compile="default"), data, tmp_path / "fast", progress=lines.append)
    assert not any("training eagerly" in line for line in lines), lines
    assert fast["config_hash"] == ref["config_hash"]
    assert fast["test_mean_si"] == pytest.approx(ref["test_mean_si"], abs=1e-3)
    log_ref, log_fast = (pd.read_csv(tmp_path / d / "log.csv") for d in ("ref", "fast"))
    assert log_fast["mean_si"].tolist() == pytest.approx(log_ref["mean_si"].tolist(), abs=1e-3)


def test_bf16_precision_trains_and_is_part_of_the_hash(synthetic_npz, tmp_path):
    data = load_prepared(synthetic_npz)
    ref = train_run(tiny_config(epochs=1), data, tmp_path / "ref", progress=lambda _: None)
    bf16 = train_run(tiny_config(epochs=1, precision="bf16"), data, tmp_path / "bf16", progress=lambda _: None)
    assert bf16["config_hash"] != ref["config_hash"]
    # the selectivity term is computed in fp32 from bf16 activations: close to, not equal to, fp32
    log_ref, log_bf16 = (pd.read_csv(tmp_path / d / "log.csv") for d in ("ref", "bf16"))
    assert log_bf16["mean_si"][0] == pytest.approx(log_ref["mean_si"][0], abs=0.02)
    assert log_bf16["mean_si"][0] != log_ref["mean_si"][0]


def test_single_class_minibatch_is_a_clear_error(synthetic_npz, tmp_path):
    data = load_prepared(synthetic_npz)
    with pytest.raises(ValueError, match="single class.*raise batch_size"):
        train_run(tiny_config(epochs=1, batch_size=2), data, tmp_path, progress=lambda _: None)


def test_train_size_and_per_run_val_draw_reach_the_run(synthetic_npz, tmp_path):
    data = load_prepared(synthetic_npz)  # 90 train / 10 val images
    lines = []
    ref = train_run(tiny_config(epochs=1), data, tmp_path / "ref", progress=lambda _: None)
    run = train_run(tiny_config(epochs=1, train_size=50, val_draw="per_run"), data, tmp_path / "run",
                    progress=lines.append)
    assert (ref["train_images"], ref["val_images"]) == (90, 10)
    assert (run["train_images"], run["val_images"]) == (50, 10)
    assert run["config_hash"] != ref["config_hash"] and run["test_size"] == ref["test_size"] == 20
    assert any("50 training images (train_size 50), 10 validation images (val_draw per_run)" in line for line in lines)
    with pytest.raises(ValueError, match="train_size 91 is larger than the training split of synthetic"):
        train_run(tiny_config(epochs=1, train_size=91), data, tmp_path / "big", progress=lambda _: None)
