"""The SLURM path against a real single-node SLURM cluster started here (tests/slurm/local_cluster.sh):
the tiny preset through `--profile profiles/slurm`, and a training job cancelled mid-run that the
retried submission resumes. Skipped, with the reason, where the daemons cannot run (not root, or
Debian's slurm-wlm / slurmdbd / munge / mariadb-server not installed: `make system-deps`)."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from conftest import ROOT, run_cli

pytestmark = pytest.mark.slow
SCRIPT = ROOT / "tests/slurm/local_cluster.sh"
DAEMONS = ("slurmctld", "slurmd", "slurmdbd", "sbatch", "sacct", "munged", "mariadbd")


@pytest.fixture(scope="module")
def slurm_env(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the SLURM test needs root to start munge, MariaDB and the SLURM daemons")
    missing = [d for d in DAEMONS if not (shutil.which(d) or Path("/usr/sbin", d).exists())]
    if missing:
        pytest.skip(f"SLURM daemons not installed ({', '.join(missing)}): run `make system-deps` as root")
    if Path("/etc/slurm/slurm.conf").exists():
        pytest.skip("/etc/slurm/slurm.conf exists: another SLURM is configured on this machine")
    cluster = tmp_path_factory.mktemp("slurm")
    started = subprocess.run(["bash", str(SCRIPT), "start", str(cluster)], capture_output=True, text=True, timeout=240)
    try:
        assert started.returncode == 0, f"local SLURM did not start:\n{started.stdout}\n{started.stderr}"
        env = dict(os.environ, SLURM_CONF=str(cluster / "slurm.conf"),
                   PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
        yield env
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(cluster)], timeout=120)


def copy_repo(dest: Path) -> Path:
    for name in ("workflow", "src", "config", "envs", "profiles"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Snakefile", dest / "Snakefile")
    return dest


def slurm_snakemake(repo, env, *targets, config="config/tiny.yaml"):
    return [sys.executable, "-m", "snakemake", "--profile", "profiles/slurm", "--configfile", config,
            "--replace-workflow-config", "--slurm-init-seconds-before-status-checks", "2", *targets]


def sacct(env, *fields):
    out = subprocess.run(["sacct", "-n", "-X", "-P", f"--format={','.join(fields)}"], env=env, capture_output=True,
                         text=True, check=True).stdout
    return [line.split("|") for line in out.splitlines() if line.strip()]


def pack_config(repo: Path, pack: int) -> str:
    """config/tiny.yaml with the resnet20 experiment's seeds packed `pack` per training job."""
    text = (repo / "config/tiny.yaml").read_text()
    old = "    seeds: 2\n    training: &tiny"
    assert old in text
    (repo / f"config/pack{pack}.yaml").write_text(text.replace(old, f"    seeds: 2\n    pack_seeds: {pack}\n    training: &tiny", 1))
    return f"config/pack{pack}.yaml"


@pytest.mark.parametrize("pack, train_jobs", [(1, 4), (2, 2)])
def test_tiny_workflow_through_sbatch(slurm_env, tmp_path, pack, train_jobs):
    """Figure 2 of the tiny preset: every training job is one sbatch together with the activation
    dumps and unit metrics of its runs (group "run"); with pack_seeds 2 one job trains both seeds."""
    repo = copy_repo(tmp_path)
    before = len(sacct(slurm_env, "JobID"))
    proc = subprocess.run(slurm_snakemake(repo, slurm_env, "figures/tiny/fig2.pdf", config=pack_config(repo, pack)),
                          cwd=repo, env=slurm_env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert (repo / "figures/tiny/fig2.pdf").read_bytes()[:5] == b"%PDF-"
    for alpha in ("-1", "0"):
        for seed in (0, 1):
            assert (repo / f"results/tiny/resnet20/alpha_{alpha}/seed_{seed}/units.csv").exists()
    jobs = sacct(slurm_env, "JobID", "State", "AllocTRES")[before:]
    # prepare, the group jobs (a training job with the dumps and unit metrics of its runs), collect, fig2;
    # before groups and packing this was 15 submissions (prepare, 4 x (train, dump, metrics), collect, fig2)
    assert len(jobs) == 3 + train_jobs, jobs
    assert all(state == "COMPLETED" for _, state, _ in jobs)
    assert sum("gres/gpu" in tres for _, _, tres in jobs) == train_jobs  # the training groups got the (fake) GPU
    assert "submitted with SLURM jobid" in proc.stdout + proc.stderr
    if pack == 2:  # the packed runs are the single runs of their seeds (float rounding aside)
        for alpha in ("-1", "0"):
            ref = tmp_path / f"ref_{alpha}"
            cfg = {"model": "resnet20", "dataset": "synthetic", "alpha": float(alpha), "seed": 1,
                   "experiment": "resnet20", "model_options": {"width": 0.25, "activation": "relu",
                                                               "negative_slope": 0.01},
                   "epochs": 2, "batch_size": 32, "lr": 0.05, "lr_milestones": [1]}
            run_cli("train", "--data", repo / "data/tiny/synthetic.npz", "--out-dir", ref, "--settings",
                    json.dumps(cfg), "--threads", 1)
            got = json.loads((repo / f"results/tiny/resnet20/alpha_{alpha}/seed_1/summary.json").read_text())
            want = json.loads((ref / "summary.json").read_text())
            assert got["config_hash"] == want["config_hash"] and got["best_epoch"] == want["best_epoch"]
            assert abs(got["test_accuracy"] - want["test_accuracy"]) <= 0.05  # at most 2 of the 40 test images
            assert abs(got["test_mean_si"] - want["test_mean_si"]) < 0.02


@pytest.mark.parametrize("pack", [1, 2])
def test_cancelled_training_job_is_retried_and_resumes(slurm_env, tmp_path, pack):
    """scancel of a training job (pack 2: one job training seeds 0 and 1 as a stack): the retried
    submission resumes every run of the job from its saved epoch and ends as an uninterrupted job."""
    repo = copy_repo(tmp_path)
    config = (repo / pack_config(repo, pack)).read_text().replace(
        "training: &tiny {epochs: 2, batch_size: 32, lr: 0.05, lr_milestones: [1], checkpoint_interval_s: 0}",
        "training: &tiny {epochs: 40, batch_size: 32, lr: 0.05, lr_milestones: [20, 30], checkpoint_interval_s: 0}",
    ).replace(
        "model_options: {width: 0.25}\n    alphas: [-1, 0, 1]", "model_options: {width: 1.0}\n    alphas: [-1, 0, 1]")
    assert "epochs: 40" in config and "width: 1.0" in config
    (repo / "config/long.yaml").write_text(config)
    run = repo / "results/tiny/resnet20/alpha_-1/seed_0"
    before = len(sacct(slurm_env, "JobID"))
    proc = subprocess.Popen(slurm_snakemake(repo, slurm_env, str(run.relative_to(repo) / "summary.json"),
                                            config="config/long.yaml"),
                            cwd=repo, env=slurm_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 300
        cancelled_after = None
        while time.time() < deadline and cancelled_after is None:
            time.sleep(0.5)
            state_file = run / "train_state.pt"
            try:
                epoch = torch.load(state_file, weights_only=True)["epoch"] if state_file.exists() else 0
            except Exception:  # noqa: BLE001 - a state being replaced right now; look again
                continue
            if epoch >= 3:
                running = subprocess.run(["squeue", "-h", "-t", "R", "-o", "%i"], env=slurm_env, capture_output=True,
                                         text=True, check=True).stdout.split()
                assert len(running) == 1, running
                subprocess.run(["scancel", running[0]], env=slurm_env, check=True)
                cancelled_after = epoch
        assert cancelled_after is not None, "the training job never saved epoch 3"
        out, _ = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-5000:]
    states = [state for _, state in sacct(slurm_env, "JobID", "State")[before:]]
    assert any(s.startswith("CANCELLED") for s in states) and states[-1] == "COMPLETED", states
    log = (repo / f"logs/tiny/train/resnet20/alpha_-1/{'seed_0' if pack == 1 else 'seeds_0_1'}.log").read_text()
    assert log.count("resuming after epoch") == pack  # every run of the job
    resumed_from = int(log.split("resuming after epoch ")[1].split("/")[0])
    assert resumed_from >= cancelled_after  # at most the epoch in progress was lost
    # the resumed run ends exactly like an uninterrupted one
    cfg = {"model": "resnet20", "dataset": "synthetic", "alpha": -1.0, "seed": 0, "experiment": "resnet20",
           "model_options": {"width": 1.0, "activation": "relu", "negative_slope": 0.01}, "epochs": 40,
           "batch_size": 32, "lr": 0.05, "lr_milestones": [20, 30]}
    refs = [tmp_path / f"reference_{seed}" for seed in range(pack)]
    run_cli("train", "--data", repo / "data/tiny/synthetic.npz", "--out-dir", *refs, "--settings",
            *[json.dumps(dict(cfg, seed=seed)) for seed in range(pack)], "--threads", 1)
    for seed, ref in enumerate(refs):
        got = repo / f"results/tiny/resnet20/alpha_-1/seed_{seed}/summary.json"
        assert json.loads(got.read_text()) == json.loads((ref / "summary.json").read_text())
