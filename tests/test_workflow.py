"""The Snakemake workflow: dry runs on the paper and demo configs, and a tiny end-to-end run."""

import os
import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from conftest import ROOT


def snakemake(*args, cwd, check=True):
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {args} failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}")
    return proc


def train_outputs(dry_run_text: str) -> list[str]:
    """The model.pt outputs of the train jobs listed by a dry run."""
    return re.findall(r"output: (\S+/model\.pt)", dry_run_text)


def test_fig2_dry_run_on_the_paper_config_needs_exactly_the_240_resnet20_runs(tmp_path):
    proc = snakemake("figures/fig2.pdf", "-n", "--configfile", ROOT / "config.yaml", cwd=tmp_path)
    text = proc.stdout + proc.stderr
    models = train_outputs(text)
    assert len(models) == 240 == len(set(models))
    alphas = set()
    for path in models:
        m = re.fullmatch(r"results/resnet20/alpha_(-?[0-9.e-]+)/seed_([0-9]+)/model\.pt", path)
        assert m, path
        alphas.add(float(m.group(1)))
        assert 0 <= int(m.group(2)) < 20
    assert alphas == {-30, -20, -10, -5, -2, -1, -0.5, -0.4, -0.3, -0.2, -0.1, 0}
    assert "vgg16" not in text
    assert re.search(r"^train\s+240$", text, re.M)


def test_demo_writes_only_to_its_own_folders(tmp_path):
    # the profile names config/demo.yaml relative to the checkout, where users run it from
    proc = snakemake("-n", "--profile", "profiles/demo", "--directory", tmp_path, cwd=ROOT)
    text = proc.stdout + proc.stderr
    outputs = [p for line in re.findall(r"output: (.+)", text) for p in line.split(", ")]
    assert outputs and len(train_outputs(text)) == 42
    for path in outputs:
        assert path.startswith(("results/demo/", "figures/demo/", "data/demo/")), path
    from selectivity.plots.registry import FIGURES

    assert {f"figures/demo/{fig}.pdf" for fig in FIGURES} <= set(outputs)


def test_invalid_config_fails_with_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "config/tiny.yaml").read_text().replace("epochs: 2", "epochs: -2"))
    proc = snakemake("-n", "--configfile", bad, "--replace-workflow-config", cwd=tmp_path, check=False)
    assert proc.returncode != 0
    assert "experiments.resnet20.training.epochs" in proc.stdout + proc.stderr
    assert "bad.yaml" in proc.stdout + proc.stderr


def job_counts(text: str) -> dict[str, int]:
    """The "Job stats" table of a (dry) run: rule -> number of jobs."""
    if "Job stats:" not in text:
        return {}
    table = text.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


@pytest.fixture(scope="module")
def tiny_repo(tmp_path_factory):
    """A copy of the workflow and package with the tiny preset (every figure) run to completion."""
    repo = tmp_path_factory.mktemp("repo")
    for name in ("workflow", "src", "config", "envs"):
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Snakefile", repo / "Snakefile")
    tiny_run(repo, "--cores", "2")
    return repo


def tiny_run(repo, *args, config="config/tiny.yaml", check=True):
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--configfile", config, "--replace-workflow-config",
                           *args], cwd=repo, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}")
    return proc.stdout + proc.stderr


@pytest.mark.slow
def test_tiny_end_to_end_run_builds_every_figure(tiny_repo):
    from selectivity.plots.registry import FIGURES

    figures, results = tiny_repo / "figures/tiny", tiny_repo / "results/tiny/resnet20"
    for fig in FIGURES:
        assert (figures / f"{fig}.pdf").read_bytes()[:5] == b"%PDF-", fig
        assert len(pd.read_csv(figures / f"{fig}.csv")) > 0, fig
    stats = pd.read_csv(figures / "fig2.csv")
    assert list(stats[stats.panel == "a"]["alpha"]) == [-1.0, 0.0]
    runs = pd.read_csv(results / "runs_all.csv")
    assert sorted(set(runs["alpha"])) == [-1.0, 0.0, 1.0] and len(runs) == 6
    assert runs["test_accuracy"].between(0, 1).all()
    # the analysis' SI over the test set is the training definition's, on the same activations
    assert (runs["mean_si"] - runs["test_mean_si"]).abs().max() < 1e-5
    for alpha in ("-1", "0", "1"):
        for seed in (0, 1):
            run = results / f"alpha_{alpha}" / f"seed_{seed}"
            assert {p.name for p in run.iterdir()} == {"model.pt", "log.csv", "summary.json", "activations.npz",
                                                       "units.csv"}
    pwcca = pd.read_csv(results / "pwcca/alpha_-1.csv")
    assert set(pwcca["kind"]) == {"within", "baseline"} and len(pwcca) == 19 * (1 + 4)
    assert (tiny_repo / "logs/tiny/train/resnet20/alpha_-1/seed_0.log").exists()
    assert "Nothing to be done" in tiny_run(tiny_repo, "-n")
    tiny_run(tiny_repo, "--report", "report.html")
    assert (tiny_repo / "report.html").stat().st_size > 10_000


def edited(path):
    """Context: ``path`` gets an extra comment line while inside (a real edit: Snakemake compares
    checksums, so touching alone reruns nothing); its content is restored afterwards."""
    import contextlib

    @contextlib.contextmanager
    def ctx():
        original = path.read_text()
        path.write_text(original + "\n# an edit\n")
        try:
            yield
        finally:
            path.write_text(original)

    return ctx()


@pytest.mark.slow
def test_editing_one_figure_reruns_only_that_figure(tiny_repo):
    with edited(tiny_repo / "src/selectivity/plots/fig4.py"):
        assert job_counts(tiny_run(tiny_repo, "-n")) == {"figure_fig4": 1, "all": 1}


@pytest.mark.slow
def test_editing_the_precision_metric_reruns_metrics_and_figures_but_no_training(tiny_repo):
    with edited(tiny_repo / "src/selectivity/analysis/precision.py"):
        jobs = job_counts(tiny_run(tiny_repo, "-n"))
    assert jobs["unit_metrics"] == 20  # every run of every experiment
    assert jobs["collect_runs"] >= 4 and jobs["figure_figA7"] == 1
    for rule in ("train", "dump_activations", "pwcca", "prepare_data"):
        assert rule not in jobs


@pytest.mark.slow
def test_changing_one_experiments_training_reruns_only_its_runs(tiny_repo):
    text = (tiny_repo / "config/tiny.yaml").read_text()
    edited = text.replace(
        "negative_slope: 0.5}\n    alphas: [0, 1]\n    seeds: 2\n    training: *tiny",
        "negative_slope: 0.5}\n    alphas: [0, 1]\n    seeds: 2\n    training: {epochs: 3, batch_size: 32, "
        "lr: 0.05, lr_milestones: [1]}")
    assert edited != text
    (tiny_repo / "config/edited.yaml").write_text(edited)
    out = tiny_run(tiny_repo, "-n", config="config/edited.yaml")
    jobs = job_counts(out)
    assert jobs["train"] == 4
    assert all("/leaky_b/" in p for p in train_outputs(out))
    assert "figure_figA10" in jobs and "figure_fig2" not in jobs


def test_workflow_passes_snakemake_lint():
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=ROOT, capture_output=True, text=True)
    assert "Congratulations, your workflow is in a good condition" in proc.stdout + proc.stderr, proc.stdout[-3000:]
