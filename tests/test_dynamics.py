"""Selectivity over training (issue: alpha schedules, SI per epoch, checkpoints at chosen epochs)."""

import json

import pandas as pd
import pytest
import torch

from selectivity.data import load_prepared
from selectivity.errors import Preempted
from selectivity.files.epochs import read_epochs
from selectivity.training.checkpoint import load_model
from selectivity.training.config import RunConfig, hashed
from selectivity.training.loop import EPOCHS_FILE, STATE_FILE, epoch_model_path, output_files, train_run, train_runs
from selectivity.training.probe import probe_indices, probe_selectivity
from selectivity.training.schedule import epoch_scales, normalize_schedule

TINY = dict(model="resnet20", dataset="synthetic", seed=3, model_options={"width": 0.25}, epochs=4,
            batch_size=32, lr=0.05, lr_milestones=[2, 3], checkpoint_interval_s=0, alpha=-2.0)
LATE = [{"epochs": 2, "scale": 0}, {"scale": 1}]
quiet = lambda _: None  # noqa: E731


def cfg(**kw) -> RunConfig:
    return RunConfig.from_dict({**TINY, **kw})


def _log(run_dir):
    return pd.read_csv(run_dir / "log.csv").drop(columns=["train_seconds", "seconds"])


# --- the schedule -----------------------------------------------------------------------------------

def test_a_schedule_gives_each_epoch_its_multiple_of_alpha():
    assert epoch_scales(normalize_schedule(LATE, 5), 5) == [0, 0, 1, 1, 1]
    assert epoch_scales(normalize_schedule([{"epochs": 1, "scale": 0.5}, {"epochs": 3, "scale": 2}], 4), 4) == \
        [0.5, 2, 2, 2]
    assert epoch_scales((), 3) == [1, 1, 1]
    assert cfg(alpha_schedule=LATE).epoch_alphas() == [0, 0, -2, -2]
    assert cfg().epoch_alphas() == [-2] * 4


@pytest.mark.parametrize("schedule, message", [
    ([{"scale": 1}, {"epochs": 2, "scale": 0}], "only the last segment may leave out epochs"),
    ([{"epochs": 3, "scale": 1}], "covers 3 epochs but the run trains 4"),
    ([{"epochs": 5, "scale": 1}, {"scale": 0}], "covers 5 epochs before its open last segment"),
    ([{"epochs": 2}], "give {epochs: n, scale: s}"),
    ([{"epochs": 0, "scale": 1}, {"scale": 1}], "epochs must be a whole number >= 1"),
])
def test_a_schedule_that_does_not_fit_the_run_is_refused(schedule, message):
    with pytest.raises(ValueError, match="alpha_schedule") as e:
        cfg(alpha_schedule=schedule)
    assert message in str(e.value)


def test_constant_alpha_keeps_its_hash_and_schedules_are_hashed():
    plain = cfg()
    assert not {"alpha_schedule", "probe_size", "save_epochs"} & set(hashed(plain.to_dict()))
    hashes = {plain.hash(), cfg(alpha_schedule=LATE).hash(), cfg(alpha_schedule=[{"epochs": 2, "scale": 1},
                                                                               {"scale": 0}]).hash(),
              cfg(probe_size=4).hash(), cfg(save_epochs=[2]).hash()}
    assert len(hashes) == 5
    # the config round trip keeps the schedule as the config writes it
    again = RunConfig.from_dict(json.loads(json.dumps(cfg(alpha_schedule=LATE).to_dict())))
    assert again == cfg(alpha_schedule=LATE) and again.to_dict()["alpha_schedule"] == LATE


@pytest.mark.slow
def test_the_log_shows_alpha_change_at_the_declared_epochs(synthetic_npz, tmp_path):
    train_run(cfg(alpha_schedule=LATE), load_prepared(synthetic_npz), tmp_path / "late", progress=quiet)
    log = _log(tmp_path / "late")
    assert log["alpha"].tolist() == [0.0, 0.0, -2.0, -2.0]
    # no regularizer in the first two epochs: loss = CE; then loss = CE + 2 mu_SI
    assert (log["loss"][:2] == log["ce"][:2]).all()
    assert log["loss"][2:].to_numpy() == pytest.approx((log["ce"] + 2 * log["mean_si"])[2:].to_numpy(), rel=1e-5)


@pytest.mark.slow
def test_a_schedule_of_scale_one_trains_exactly_the_constant_run(synthetic_npz, tmp_path):
    """The scheduled path (alpha a device tensor refilled per epoch) computes what the constant path does."""
    data = load_prepared(synthetic_npz)
    const = train_run(cfg(), data, tmp_path / "const", progress=quiet)
    sched = train_run(cfg(alpha_schedule=[{"epochs": 1, "scale": 1}, {"scale": 1}]), data, tmp_path / "sched",
                      progress=quiet)
    assert {k: v for k, v in sched.items() if k != "config_hash"} == \
        {k: v for k, v in const.items() if k != "config_hash"}
    pd.testing.assert_frame_equal(_log(tmp_path / "const"), _log(tmp_path / "sched"))


# --- the probe --------------------------------------------------------------------------------------

def test_the_probe_is_stratified_in_file_order_and_needs_enough_images():
    labels = torch.tensor([2, 0, 0, 1, 2, 0, 1, 1, 2, 0])
    idx = probe_indices(labels, 6)
    assert idx.tolist() == [0, 1, 2, 3, 4, 6]  # first two of each class
    assert torch.bincount(labels[probe_indices(labels, 3)]).tolist() == [1, 1, 1]
    assert probe_indices(labels, 6).tolist() == idx.tolist()
    with pytest.raises(ValueError, match="probe_size 11 exceeds the 10 images"):
        probe_indices(labels, 11)


@pytest.mark.slow
def test_probe_table_saved_epochs_and_resume_mid_schedule(synthetic_npz, tmp_path):
    """Every epoch's probe rows, the models of save_epochs, and a run stopped mid-schedule that
    resumes ends with what the uninterrupted run wrote."""
    data = load_prepared(synthetic_npz)
    c = cfg(alpha_schedule=LATE, probe_size=8, save_epochs=[1, 3])
    ref = train_run(c, data, tmp_path / "ref", progress=quiet)
    table = read_epochs(tmp_path / "ref" / EPOCHS_FILE)
    assert sorted(set(table["epoch"])) == [0, 1, 2, 3, 4] and set(table["probe_size"]) == {8}
    assert table.groupby("epoch")["epoch_alpha"].first().tolist() == [0.0, 0.0, 0.0, -2.0, -2.0]
    per_epoch = table[table["layer"] != "network"].groupby("epoch")["mean_si"].mean()
    network = table[table["layer"] == "network"].set_index("epoch")["mean_si"]
    assert network.to_numpy() == pytest.approx(per_epoch.to_numpy(), abs=1e-6)  # Eq. 3: mean over layers
    assert {p.relative_to(tmp_path / "ref").as_posix() for p in (tmp_path / "ref").rglob("*") if p.is_file()} == \
        set(output_files(c))
    # the saved epoch-3 model is the one the probe measured after epoch 3
    model, info = load_model(epoch_model_path(tmp_path / "ref", 3))
    assert info["epoch"] == 3 and info["config"]["alpha_schedule"] == LATE
    idx = probe_indices(data.val.labels, 8)
    mean, std = torch.tensor(data.mean), torch.tensor(data.std)
    pairs, acc = probe_selectivity(model, data.val.images[idx], data.val.labels[idx], data.num_classes,
                                   c.selectivity_eps, 1000, lambda x: (x.float() / 255 - mean[:, None, None])
                                   / std[:, None, None])
    rows = table[table["epoch"] == 3]
    assert [p[0] for p in pairs] == rows["layer"].tolist()
    assert [p[1] for p in pairs] == pytest.approx(rows["mean_si"].tolist(), abs=1e-6)
    assert acc == rows["probe_accuracy"].iloc[0]

    def stop_after_epoch_2(line):
        if "epoch 2/" in line:
            raise Preempted("test")

    with pytest.raises(Preempted):
        train_run(c, data, tmp_path / "run", progress=stop_after_epoch_2)
    assert (tmp_path / "run" / STATE_FILE).exists() and epoch_model_path(tmp_path / "run", 1).exists()
    assert train_run(c, data, tmp_path / "run", progress=quiet) == ref
    pd.testing.assert_frame_equal(_log(tmp_path / "ref"), _log(tmp_path / "run"))
    pd.testing.assert_frame_equal(read_epochs(tmp_path / "ref" / EPOCHS_FILE), read_epochs(tmp_path / "run" / EPOCHS_FILE))
    for k in (1, 3):
        a, _ = load_model(epoch_model_path(tmp_path / "ref", k))
        b, _ = load_model(epoch_model_path(tmp_path / "run", k))
        assert all(torch.equal(a.state_dict()[n], b.state_dict()[n]) for n in a.state_dict())


@pytest.mark.slow
def test_the_summary_reads_the_last_epochs_network_besides_the_best(synthetic_npz, tmp_path):
    """last_test_accuracy / last_test_mean_si are those of the network after the last epoch (saved
    here as epoch_4/model.pt), whichever epoch validated best; model.pt stays the best epoch's."""
    data = load_prepared(synthetic_npz)
    c = cfg(alpha_schedule=LATE, save_epochs=[4], epochs=4)
    summary = train_run(c, data, tmp_path / "run", progress=quiet)
    log = pd.read_csv(tmp_path / "run" / "log.csv")
    assert summary["last_epoch"] == 4 and summary["last_val_accuracy"] == log["val_accuracy"].iloc[-1]
    mean, std = torch.tensor(data.mean), torch.tensor(data.std)

    def test_accuracy(path):
        model, info = load_model(path)
        model.eval()
        with torch.no_grad():
            x = (data.test.images.float() / 255 - mean[:, None, None]) / std[:, None, None]
            return (model(x).argmax(1) == data.test.labels).float().mean().item(), info["epoch"]

    last, epoch = test_accuracy(epoch_model_path(tmp_path / "run", 4))
    best, best_epoch = test_accuracy(tmp_path / "run" / "model.pt")
    assert epoch == 4 and best_epoch == summary["best_epoch"]
    assert summary["last_test_accuracy"] == pytest.approx(last, abs=1e-6)
    assert summary["test_accuracy"] == pytest.approx(best, abs=1e-6)
    if summary["best_epoch"] == 4:
        assert summary["last_test_mean_si"] == summary["test_mean_si"]


def test_the_schedules_figure_reads_both_the_best_and_the_last_epoch():
    """A late schedule whose runs kept an unregularized epoch matches "never" in the best-epoch
    reading and differs in the last-epoch one; the tests against "never" and between schedules are
    Bonferroni-corrected in their own families."""
    from selectivity.files.runs import RUNS_TABLE_COLUMNS, require_last
    from selectivity.plots.dynamics import schedule_stats

    rows = []
    for name, best, last in (("never", 0.90, 0.90), ("early", 0.80, 0.80), ("late", 0.90, 0.70)):
        for seed in range(4):
            noise = 0.002 * (seed - 1.5)
            rows.append({**dict.fromkeys(RUNS_TABLE_COLUMNS, 0.0), "experiment": name, "seed": seed,
                         "schedule": name, "test_accuracy": best + noise, "last_test_accuracy": last + noise})
    table = pd.DataFrame(rows)
    opts = {"ci": 0.95, "n_bootstrap": 200, "seed": 0, "equal_var": True}
    best = schedule_stats(table, "test_accuracy", ["early", "late"], "t", [(0.05, "*")], opts).set_index("schedule")
    last = schedule_stats(table, "last_test_accuracy", ["early", "late"], "t", [(0.05, "*")], opts).set_index("schedule")
    assert list(best.index) == ["never", "early", "late", "late vs early"]
    assert best.loc["late", "p"] == pytest.approx(1.0) and best.loc["late", "stars"] == ""
    assert last.loc["late", "stars"] == "*" and last.loc["late", "mean"] == pytest.approx(0.70)
    assert last.loc["late vs early", "statistic"] < 0 < best.loc["late vs early", "statistic"]
    assert best.loc["early", "p_corrected"] == pytest.approx(min(1.0, 2 * best.loc["early", "p"]))
    assert best.loc["late vs early", "p_corrected"] == best.loc["late vs early", "p"]  # one pair
    require_last(table, "this test")
    with pytest.raises(ValueError, match="predates the last_\\* keys"):
        require_last(table.assign(last_test_accuracy=float("nan")), "this test")


@pytest.mark.slow
def test_a_stack_follows_the_schedule_and_measures_the_same_probe(synthetic_npz, tmp_path):
    data = load_prepared(synthetic_npz)
    cfgs = [cfg(seed=s, alpha_schedule=LATE, probe_size=6, epochs=4) for s in (0, 1)]
    train_runs(cfgs, data, [tmp_path / f"s{s}" for s in (0, 1)], progress=quiet)
    for s in (0, 1):
        single = tmp_path / f"single{s}"
        train_run(cfgs[s], data, single, progress=quiet)
        assert _log(tmp_path / f"s{s}")["alpha"].tolist() == [0.0, 0.0, -2.0, -2.0]
        got, want = read_epochs(tmp_path / f"s{s}" / EPOCHS_FILE), read_epochs(single / EPOCHS_FILE)
        assert got["seed"].eq(s).all()
        # float32 grouped convolutions round differently from single runs' (test_networks: the drift)
        assert got["mean_si"].to_numpy() == pytest.approx(want["mean_si"].to_numpy(), abs=1e-2)
        assert got["layer"].tolist() == want["layer"].tolist()


def test_collecting_per_epoch_tables_checks_every_configured_run_once(tmp_path):
    from selectivity.errors import InputError
    from selectivity.files.epochs import collect_epochs, epoch_rows, write_epochs

    paths = []
    for seed in (0, 1):
        rows = [r for e in range(3) for r in epoch_rows("dyn", -1.0, seed, e, -1.0 if e else 0.0,
                                                         [("l0", 0.2 + e / 10), ("network", 0.2 + e / 10)], 0.5, 8)]
        paths.append(tmp_path / f"s{seed}.csv")
        write_epochs(rows, paths[-1])
    table = collect_epochs(paths, "dyn", [-1.0], [0, 1])
    assert len(table) == 2 * 3 * 2 and table["seed"].tolist()[:6] == [0] * 6
    with pytest.raises(InputError, match="counted once"):
        collect_epochs([paths[0], paths[0]], "dyn", [-1.0], [0])
    with pytest.raises(ValueError, match=r"missing \[\(-1.0, 2\)\]"):
        collect_epochs(paths, "dyn", [-1.0], [0, 1, 2])
    write_epochs([r for r in epoch_rows("dyn", -1.0, 0, 2, -1.0, [("network", 0.1)], 0.5, 8)], tmp_path / "gap.csv")
    with pytest.raises(InputError, match=r"holds epochs \[2\], not 0..0"):
        collect_epochs([tmp_path / "gap.csv"], "dyn", [-1.0], [0])


def test_summarize_epochs_prints_each_alphas_curve_as_mean_and_sd_over_seeds(tmp_path):
    from conftest import run_cli
    from selectivity.files.epochs import epoch_rows, write_epochs

    rows = []
    for seed, bump in enumerate((0.10, 0.14)):
        for epoch in range(3):
            si = 0.2 + bump * (epoch == 1)
            rows += epoch_rows("dyn", 0.0, seed, epoch, 0.0, [("l0", si), ("network", si)], 0.5 + 0.1 * epoch, 50)
    write_epochs(rows, tmp_path / "epochs_all.csv")
    out = run_cli("summarize-epochs", tmp_path / "epochs_all.csv").stdout
    lines = {int(line.split()[2]): line for line in out.splitlines()[2:]}
    assert sorted(lines) == [0, 1, 2] and "50 validation images" in out
    assert "0.320 ± 0.028" in lines[1] and "60.0 ±   0.0" in lines[1]  # mean and SD over the two seeds
