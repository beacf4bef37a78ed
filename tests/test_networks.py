"""Seeds trained as one stack (selectivity.training.networks) are the single runs of those seeds."""

import json

import pytest
import torch

from conftest import run_cli
from selectivity.training.checkpoint import load_model, load_resume_state
from selectivity.data import load_prepared
from selectivity.errors import Preempted
from selectivity.training.config import RunConfig
from selectivity.training.networks import SeedStack, SingleModel, check_stackable
from selectivity.training.loop import STATE_FILE, epoch_batches, prepare_run, train_run, train_runs
from selectivity.training.speed import speed_settings

TINY = dict(model="resnet20", dataset="synthetic", model_options={"width": 0.25}, epochs=2, batch_size=32, lr=0.05,
            lr_milestones=[1], checkpoint_interval_s=0, alpha=-1.0)
SEEDS = (0, 1, 2)
quiet = lambda _: None  # noqa: E731


def cfg(**kw) -> RunConfig:
    return RunConfig.from_dict({**TINY, **kw})


def weight_diff(a: dict, b: dict) -> float:
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a)


@pytest.mark.parametrize("alpha", [-1.0, 0.0, 2.0])
def test_stacked_steps_are_the_single_runs_steps_in_float64(synthetic_npz, tmp_path, alpha):
    """Same initial weights, same batches (each seed's order and augmentation), six SGD steps: in
    float64 every seed's weights, BatchNorm statistics and batch sums equal its single run's."""
    data = load_prepared(synthetic_npz)
    cfgs = [cfg(seed=s, alpha=alpha) for s in SEEDS]
    speed = speed_settings(cfgs[0])
    singles = [prepare_run(c, data, tmp_path / f"single{c.seed}", speed, quiet) for c in cfgs]
    stacked = [prepare_run(c, data, tmp_path / f"stack{c.seed}", speed, quiet) for c in cfgs]
    for run in singles + stacked:
        run.model.double()
    assert weight_diff(singles[1].model.state_dict(), stacked[1].model.state_dict()) == 0  # its seed's init
    assert weight_diff(singles[0].model.state_dict(), singles[1].model.state_dict()) > 0.01
    nets = [SingleModel(run, speed, quiet) for run in singles]
    stack = SeedStack(stacked, speed, quiet)
    for epoch in range(2):
        ref_sums = []
        for run, net in zip(singles, nets):
            sums = []
            with net.recorder:
                for x, y in epoch_batches(run, epoch):
                    sums.append(net.step(x.double(), y))
                    net.optimizer.step()
            ref_sums.append(torch.stack(sums))
        with stack.recorder:
            sums = []
            for x, y in stack.batches([epoch_batches(run, epoch) for run in stacked]):
                sums.append(stack.step(x.double(), y))
                stack.optimizer.step()
        got = torch.stack(sums, dim=1)  # [K, steps, 4]
        assert torch.allclose(got, torch.stack(ref_sums), rtol=1e-9, atol=1e-9)
    for single, run in zip(singles, stacked):
        assert weight_diff(single.model.state_dict(), run.model.state_dict()) < 1e-10
    # each run's model is its slice of the stack (views): the stack's tensors hold the same values
    assert torch.equal(stack.params["conv1.weight"][2], stacked[2].model.conv1.weight)
    assert torch.equal(stack.buffers["bn1.running_var"][1], stacked[1].model.bn1.running_var)


def test_a_stacked_run_writes_what_its_single_run_writes(synthetic_npz, tmp_path):
    """A one-epoch run at lr 0.005 (three steps; float32 rounding grows fast on this 4-channel network, where a
    1e-7 relative change of the initial weights grows to 1e-2 in six steps, hence the float64 test):
    the same files, best epoch and test accuracy, weights equal within 1e-4."""
    data = load_prepared(synthetic_npz)
    cfgs = [cfg(seed=s, epochs=1, lr=0.005) for s in SEEDS]
    stacked = train_runs(cfgs, data, [tmp_path / f"stack{s}" for s in SEEDS], progress=quiet)
    for c, got in zip(cfgs, stacked):
        ref = train_run(c, data, tmp_path / f"single{c.seed}", progress=quiet)
        assert {p.name for p in (tmp_path / f"stack{c.seed}").iterdir()} == {"model.pt", "log.csv", "summary.json"}
        assert got["seed"] == c.seed and got["config_hash"] == ref["config_hash"]
        assert got["best_epoch"] == ref["best_epoch"] and got["test_accuracy"] == ref["test_accuracy"]
        assert got["test_mean_si"] == pytest.approx(ref["test_mean_si"], abs=2e-4)
        a, _ = load_model(tmp_path / f"single{c.seed}/model.pt")
        b, _ = load_model(tmp_path / f"stack{c.seed}/model.pt")
        assert weight_diff(a.state_dict(), b.state_dict()) < 1e-4
        assert json.loads((tmp_path / f"stack{c.seed}/summary.json").read_text()) == got


def _interrupt_after_epoch(epoch: int):
    def progress(line: str) -> None:
        if f"epoch {epoch}/" in line:
            raise Preempted("test")

    return progress


def test_a_killed_stack_resumes_exactly(synthetic_npz, tmp_path):
    data = load_prepared(synthetic_npz)
    cfgs = [cfg(seed=s, epochs=3, lr_milestones=[2]) for s in SEEDS]
    dirs = [tmp_path / f"run{s}" for s in SEEDS]
    ref = train_runs(cfgs, data, [tmp_path / f"ref{s}" for s in SEEDS], progress=quiet)
    with pytest.raises(Preempted):
        train_runs(cfgs, data, dirs, progress=_interrupt_after_epoch(1))
    for d in dirs:  # every run of the stack saved its own state, in a single run's format
        state, _ = load_resume_state(d / STATE_FILE)
        assert state["epoch"] == 1 and not (d / "summary.json").exists()
    lines = []
    assert train_runs(cfgs, data, dirs, progress=lines.append) == ref
    assert sum("resuming after epoch 1/3" in line for line in lines) == len(SEEDS)
    assert not any((d / STATE_FILE).exists() for d in dirs)


def test_stack_and_single_runs_resume_each_others_states(synthetic_npz, tmp_path):
    data = load_prepared(synthetic_npz)
    cfgs = [cfg(seed=s, epochs=3, lr_milestones=[2]) for s in SEEDS]
    dirs = [tmp_path / f"run{s}" for s in SEEDS]
    with pytest.raises(Preempted):
        train_runs(cfgs, data, dirs, progress=_interrupt_after_epoch(1))
    stack_state, _ = load_resume_state(dirs[1] / STATE_FILE)
    # the saved optimizer state is one run's, not the stack's: [out, in, k, k] momentum buffers
    single = train_run(cfgs[1], data, tmp_path / "single", progress=quiet)  # (for the layout only)
    momentum = stack_state["optimizer"]["state"][0]["momentum_buffer"]
    assert momentum.shape == load_model(tmp_path / "single/model.pt")[0].conv1.weight.shape
    lines = []
    resumed = train_run(cfgs[1], data, dirs[1], progress=lines.append)  # a single run resumes the stack's state
    assert any("resuming after epoch 1/3" in line for line in lines)
    assert resumed["best_epoch"] >= 1 and resumed["seed"] == 1 and resumed["config_hash"] == single["config_hash"]
    # single runs' states (seeds 0 and 2 stopped at epoch 1, seed 1's state removed: it finished) do not
    # resume as a stack when one of them is missing: the stack starts again from epoch 0 and says so
    lines = []
    train_runs(cfgs, data, dirs, progress=lines.append)
    assert any("training all 3 runs from epoch 0" in line for line in lines)


def test_runs_of_a_stack_differ_only_in_their_seed():
    with pytest.raises(ValueError, match=r"seed 1 differs from seed 0 in \['alpha'\]"):
        check_stackable([cfg(seed=0), cfg(seed=1, alpha=2.0)])
    with pytest.raises(ValueError, match="each seed once"):
        check_stackable([cfg(seed=0), cfg(seed=0)])
    check_stackable([cfg(seed=0), cfg(seed=5)])


def test_a_stack_refuses_a_directory_twice_a_foreign_dataset_and_no_runs(synthetic_npz, tmp_path):
    data = load_prepared(synthetic_npz)
    with pytest.raises(ValueError, match="given for more than one run"):
        train_runs([cfg(seed=0), cfg(seed=1)], data, [tmp_path / "a", tmp_path / "x/../a"], progress=quiet)
    with pytest.raises(ValueError, match="names dataset 'digits', but the prepared data is 'synthetic'"):
        train_runs([cfg(seed=0, dataset="digits")], data, [tmp_path / "b"], progress=quiet)
    with pytest.raises(ValueError, match="no run config given"):
        train_runs([], data, [], progress=quiet)
    assert not (tmp_path / "a").exists()  # nothing was trained


def test_train_cli_trains_a_stack(synthetic_npz, tmp_path):
    configs = [json.dumps({**TINY, "seed": s, "epochs": 1}) for s in (0, 1)]
    run_cli("train", "--data", synthetic_npz, "--out-dir", tmp_path / "a", tmp_path / "b", "--settings", *configs,
            "--threads", 1)
    assert json.loads((tmp_path / "b/summary.json").read_text())["seed"] == 1
    bad = run_cli("train", "--data", synthetic_npz, "--out-dir", tmp_path / "c", "--settings", *configs,
                  check=False)
    assert bad.returncode != 0 and "give one directory per config" in bad.stderr


def test_float32_stack_drifts_from_its_single_run_no_more_than_rounding_does(synthetic_npz, tmp_path):
    """In float32 a stacked run and its single run drift apart (a grouped convolution rounds
    differently), but no more than the single run drifts from itself after a 1e-7 relative change
    of its initial weights: the drift is the training's sensitivity to rounding, not the stack."""
    data = load_prepared(synthetic_npz)
    cfgs = [cfg(seed=s) for s in SEEDS]
    speed = speed_settings(cfgs[0])
    single = prepare_run(cfgs[0], data, tmp_path / "single", speed, quiet)
    nudged = prepare_run(cfgs[0], data, tmp_path / "nudged", speed, quiet)
    with torch.no_grad():
        for p in nudged.model.parameters():
            p.mul_(1 + 1e-7)
    stacked = [prepare_run(c, data, tmp_path / f"stack{c.seed}", speed, quiet) for c in cfgs]
    nets = [SingleModel(single, speed, quiet), SingleModel(nudged, speed, quiet)]
    stack = SeedStack(stacked, speed, quiet)
    for epoch in range(2):
        for run, net in zip((single, nudged), nets):
            with net.recorder:
                for x, y in epoch_batches(run, epoch):
                    net.step(x, y)
                    net.optimizer.step()
        with stack.recorder:
            for x, y in stack.batches([epoch_batches(run, epoch) for run in stacked]):
                stack.step(x, y)
                stack.optimizer.step()
    rounding = weight_diff(single.model.state_dict(), nudged.model.state_dict())
    stack_drift = weight_diff(single.model.state_dict(), stacked[0].model.state_dict())
    assert 0 < stack_drift < 3 * rounding, (stack_drift, rounding)  # measured: 0.0049 against 0.043


@pytest.mark.parametrize("val_draw", ["fixed", "per_run"])
def test_a_stack_trains_each_seed_on_its_own_splits(synthetic_npz, tmp_path, val_draw):
    """train_size / val_draw reach every run of a stack as they reach its single run (the fixed
    subset is shared, a per-run validation draw is each seed's own)."""
    data = load_prepared(synthetic_npz)
    cfgs = [cfg(seed=s, epochs=1, lr=0.005, train_size=60, val_draw=val_draw) for s in (0, 1)]
    stacked = train_runs(cfgs, data, [tmp_path / f"stack{c.seed}" for c in cfgs], progress=quiet)
    for c, got in zip(cfgs, stacked):
        ref = train_run(c, data, tmp_path / f"single{c.seed}", progress=quiet)
        for key in ("config_hash", "train_images", "val_images", "best_epoch", "best_val_accuracy", "test_accuracy"):
            assert got[key] == ref[key], key
        stacked_log = (tmp_path / f"stack{c.seed}/log.csv").read_text().splitlines()[1].split(",")
        single_log = (tmp_path / f"single{c.seed}/log.csv").read_text().splitlines()[1].split(",")
        assert float(stacked_log[2]) == pytest.approx(float(single_log[2]), rel=1e-5)  # the epoch's training loss
