"""The benchmarks run and measure what docs/performance.md and the README say they do."""

import os
import subprocess
import sys

import pandas as pd
import pytest
import torch

from conftest import ROOT
from selectivity.training.config import RunConfig
from selectivity.training.speed import Speed


def test_cluster_jobs_counts_packs_and_groups():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks/cluster_jobs.py"), "--config",
                          str(ROOT / "config/tiny.yaml"), "--pack", "1", "2"], capture_output=True, text=True,
                         check=True).stdout
    rows = {int(line.split()[0]): [int(v) for v in line.split()[1:]] for line in out.splitlines()[2:]}
    (jobs1, train1, one1, grouped1), (jobs2, train2, one2, grouped2) = rows[1], rows[2]
    assert train2 == train1 // 2 and jobs1 - jobs2 == train1 - train2  # packs of 2 halve the training jobs only
    assert one1 == jobs1 and grouped1 < one1 and grouped1 - grouped2 == train1 - train2
    # a training job's group holds its runs' dump and unit metrics (and robustness): 32 runs, 18 with robustness
    assert one1 - grouped1 == 2 * train1 + 18


@pytest.mark.slow
def test_stacked_seeds_benchmark_runs_every_mode(tmp_path):
    csv = tmp_path / "stack.csv"
    subprocess.run([sys.executable, str(ROOT / "benchmarks/stacked_seeds.py"), "--k", "2", "--images", "128",
                    "--epochs", "1", "--width", "0.25", "--batch-size", "64", "--threads", "1", "--csv", str(csv)],
                   capture_output=True, text=True, check=True)
    df = pd.read_csv(csv).set_index("mode")
    assert set(df.index) == {"separate_sequential", "separate_concurrent", "stacked", "conv_layer_vmap_vs_grouped"}
    assert df.loc["separate_sequential", "ratio_to_separate_sequential"] == 1
    assert df.loc["stacked", "images_per_s_wall"] > 0 and df.loc["stacked", "max_weight_diff_vs_separate"] < 1


# --- the GPU check (benchmarks/gpu_check.py) ----------------------------------------------------------

sys.path.insert(0, str(ROOT / "benchmarks"))
import gpu_check  # noqa: E402
import step_agreement as sa  # noqa: E402

# What the GPU machine lacks (docs/performance.md): importing these fails in the check's processes.
BARE_MACHINE = '''
import importlib.abc, sys
class _Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("snakemake", "jsonschema"):
            raise ModuleNotFoundError(f"No module named {name!r} (not on the GPU machine)", name=name)
sys.meta_path.insert(0, _Missing())
'''


def bare_machine(tmp_path, **extra) -> dict:
    """An environment whose Python processes cannot import snakemake or jsonschema."""
    site = tmp_path / "bare_site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(BARE_MACHINE)
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(ROOT / "src")]), **extra)


def run_gpu_check(tmp_path, *args, **env):
    return subprocess.run([sys.executable, str(ROOT / "benchmarks/gpu_check.py"), "--cpu-quick", *args],
                          capture_output=True, text=True, env=bare_machine(tmp_path, **env), cwd=ROOT, timeout=900)


def test_importing_the_gpu_check_imports_no_snakemake_or_jsonschema():
    code = ("import sys; sys.path.insert(0, 'benchmarks'); import gpu_check; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('snakemake', 'jsonschema')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT / "src"))).stdout
    assert out.strip() == "[]"


@pytest.fixture(scope="module")
def quick_check(tmp_path_factory):  # about a minute on 2 shared cores
    tmp = tmp_path_factory.mktemp("gpu_check")
    proc = run_gpu_check(tmp, "--out", str(tmp / "out"))
    return proc, tmp / "out"


@pytest.mark.slow
def test_gpu_check_quick_mode_runs_every_section_and_writes_its_files(quick_check):
    proc, out = quick_check
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert sorted(p.name for p in out.iterdir()) == sorted(gpu_check.OUTPUT_FILES)
    sections = pd.read_csv(out / "sections.csv", keep_default_na=False)
    plan = gpu_check.build_plan("cpu-quick", "default")
    assert list(sections["item"]) == [i["id"] for i in plan]  # every item of the plan, in order
    assert len(plan) == len(gpu_check.build_plan("gpu", "default"))  # the GPU mode's items, no fewer
    assert set(sections["status"]) == {"done", "skipped"}
    skipped = sections[sections["status"] == "skipped"]
    assert set(skipped["item"]) == {i["id"] for i in plan if i.get("skip")}  # none for lack of time
    assert skipped["reason"].str.contains("needs CUDA|CPU quick mode").all()
    done = sections[sections["status"] == "done"]
    assert set(done["section"]) == set(gpu_check.SECTIONS) - {"compile"}

    device = pd.read_csv(out / "device.csv").iloc[0]
    assert device["mode"] == "cpu-quick" and device["torch"] == torch.__version__ and device["device_name"]

    checks = pd.read_csv(out / "checks.csv")
    assert {"ce_rel_diff_step1", "si_abs_diff_step1", "grad_rel_diff_step1", "forward_tolerance", "gradient_tolerance",
            "decision_flip_fraction", "weight_max_abs_diff", "loss_max_abs_diff", "update_rel_diff",
            "steps_tolerance", "result"} <= set(checks.columns)
    checked = checks[checks["result"] != "reference"]
    assert (checked["result"] == "pass").all(), checked
    assert (checked["grad_rel_diff_step1"] <= checked["gradient_tolerance"]).all()
    float64 = checked[checked["arithmetic"] == "fp64"]
    assert len(float64) == 3 and (float64["update_rel_diff"] <= float64["steps_tolerance"]).all()
    assert float64["gradient_tolerance"].max() < 1e-11  # float64 rows are checked at float64 rounding
    reduced = checked[checked["model"] == "resnet20"].set_index("check").loc[["bf16 autocast",
                                                                               "float32 without TF32, NCHW"]]
    assert (reduced["grad_rel_diff_step1"] > 0).all() and reduced["steps_tolerance"].isna().all()
    # bf16 rounds more than float32, and its tolerance is the looser one
    assert reduced["gradient_tolerance"].iloc[0] > 1000 * reduced["gradient_tolerance"].iloc[1]

    tp = pd.read_csv(out / "throughput.csv", keep_default_na=False, na_values=[""])
    assert {"model", "pipeline", "images_per_s", "epoch_seconds", "vs_baseline", "vs_alpha0", "processes", "stack",
            "precision", "peak_gpu_memory_gib"} <= set(tp.columns)
    assert (tp["images_per_s"] > 0).all() and (tp["epoch_seconds"] > 0).all()
    base = tp[tp["pipeline"].str.startswith("baseline")]
    assert sorted(base["model"]) == ["resnet20", "vgg16"] and (base["vs_baseline"] == 1).all()
    trainer = tp[~tp["pipeline"].str.startswith("baseline")]
    assert trainer["vs_baseline"].notna().all()
    assert set(trainer["stack"]) == {1, 2} and set(trainer["processes"]) == {1, 2} and set(trainer["precision"]) == {
        "fp32", "bf16"}

    profile = pd.read_csv(out / "profile.csv")
    assert list(profile["rank"]) == list(range(1, len(profile) + 1)) and len(profile) > 5
    assert profile["self_cpu_ms"].is_monotonic_decreasing and profile["name"].str.startswith("aten::").any()

    sweep = pd.read_csv(out / "sweep.csv")
    assert sweep["setting"].nunique() == 3 and (sweep["device_hours"] > 0).all()
    for _, rows in sweep.groupby("setting"):
        assert rows["runs"].sum() == 1880  # the CIFAR-10 experiments of config.yaml; Tiny ImageNet is not measured
    summary = (out / "summary.md").read_text()
    assert "| model | pipeline | train images/s |" in summary and "## Correctness" in summary
    assert "read without schema validation (jsonschema not installed)" in summary  # as on the GPU machine
    assert "every check that ran passed" in proc.stdout and "CPU-hours" in proc.stdout


@pytest.mark.slow
def test_gpu_check_stops_a_section_at_its_budget_and_goes_on(tmp_path):
    """A worker stuck in an item is killed when its section's time is up: the item is recorded as
    stopped, what was measured before it stays written, and the next section runs in a new worker."""
    stuck = "checks: resnet20 CPU float64 channels-last against CPU float64"
    proc = run_gpu_check(tmp_path, "--sections", "checks,profile", "--section-budget", "checks=8", "profile=120",
                         "--out", str(tmp_path / "out"), **{gpu_check.TEST_STALL: stuck})
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    sections = pd.read_csv(tmp_path / "out/sections.csv", keep_default_na=False).set_index("item")
    assert set(sections["section"]) == {"checks", "profile"}
    assert sections.loc["checks: resnet20 reference: CPU float64", "status"] == "done"
    assert sections.loc[stuck, "status"] == "stopped" and "worker was killed" in sections.loc[stuck, "reason"]
    after = sections[(sections["section"] == "checks") & (sections["status"] == "skipped")]
    assert after["reason"].str.contains("not reached: the section's time ran out|needs CUDA|CPU quick mode").all()
    assert "not reached: the section's time ran out" in set(after["reason"])
    assert sections.loc["profile: resnet20 trainer alpha=1 fp32, one epoch", "status"] == "done"
    checks = pd.read_csv(tmp_path / "out/checks.csv")
    assert list(checks["result"]) == ["reference"]  # written before the stuck item
    assert len(pd.read_csv(tmp_path / "out/profile.csv")) > 0


CPU = Speed(torch.device("cpu"), False, "fp32", "none")


@pytest.fixture
def one_thread():
    """Toy networks: one thread is faster than two on a shared machine (no spinning workers)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny_run(model="resnet20", alpha=1.0, seed=0, batch_size=16) -> RunConfig:
    return RunConfig(model=model, dataset="cifar10", alpha=alpha, seed=seed, batch_size=batch_size,
                     model_options={"width": 0.25})


def test_step_checks_pass_float32_rounding_and_fail_a_different_computation(one_thread):
    """The step-1 tolerances let float32 rounding through and catch a wrong gradient (alpha 0.9
    instead of 1: a mis-scaled selectivity term) and a different minibatch (another seed's)."""
    data = tt_data(32)
    tol = sa.tolerances(gpu_check.build_model("resnet20", 10, 3, width=0.25), "fp32", 16, 32)
    ref = sa.train_steps_of([tiny_run()], data, CPU, 2, arithmetic="fp64", double=True, record_decisions=True)[0]
    got = sa.train_steps_of([tiny_run()], data, CPU, 2, arithmetic="fp32", record_decisions=True)[0]
    same_decisions = sa.train_steps_of([tiny_run()], data, CPU, 1, arithmetic="fp64", double=True,
                                       decisions=got.decisions)[0]
    right = sa.compare(ref, got, same_decisions)
    assert 0 < right["grad_rel_diff_step1"] < tol["gradient"] and right["ce_rel_diff_step1"] < tol["forward"]
    assert right["labels_equal"] and right["input_rel_diff"] == 0
    wrong = sa.compare(ref, sa.train_steps_of([tiny_run(alpha=0.9)], data, CPU, 2, arithmetic="fp32")[0])
    assert wrong["grad_rel_diff_step1"] > 10 * tol["gradient"]
    other = sa.compare(ref, sa.train_steps_of([tiny_run(seed=1)], data, CPU, 2, arithmetic="fp32")[0])
    assert not other["labels_equal"]


def test_replayed_decisions_reproduce_a_runs_own_gradient(one_thread):
    """A float64 run made to take its own ReLU and max-pool decisions computes its own gradient;
    made to take others, another one."""
    data = tt_data(8)
    cfg = tiny_run("vgg16", batch_size=8)
    ref = sa.train_steps_of([cfg], data, CPU, 1, arithmetic="fp64", double=True, record_decisions=True)[0]
    assert {d.dtype for d in ref.decisions} == {torch.bool, torch.int64}  # ReLU signs and max-pool positions
    replayed = sa.train_steps_of([cfg], data, CPU, 1, arithmetic="fp64", double=True, decisions=ref.decisions)[0]
    assert sa.compare(ref, replayed)["grad_rel_diff_step1"] < 1e-12
    flipped = [~d if d.dtype == torch.bool else d for d in ref.decisions]  # every ReLU decides the other way
    other = sa.train_steps_of([cfg], data, CPU, 1, arithmetic="fp64", double=True, decisions=flipped)[0]
    assert sa.compare(ref, other)["grad_rel_diff_step1"] > 0.1


def tt_data(n: int):
    import train_throughput

    return train_throughput.cifar_shaped(n, n)
