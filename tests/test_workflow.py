"""The Snakemake workflow: dry runs on the paper and demo configs, and a tiny end-to-end run."""

import os
import re
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
    assert outputs and len(train_outputs(text)) == 21
    for path in outputs:
        assert path.startswith(("results/demo/", "figures/demo/", "data/digits")), path


def test_invalid_config_fails_with_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "config/tiny.yaml").read_text().replace("epochs: 2", "epochs: -2"))
    proc = snakemake("-n", "--configfile", bad, "--replace-workflow-config", cwd=tmp_path, check=False)
    assert proc.returncode != 0
    assert "experiments.tiny.training.epochs" in proc.stdout + proc.stderr
    assert "bad.yaml" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_tiny_end_to_end_run(tmp_path):
    snakemake("--configfile", ROOT / "config/tiny.yaml", "--replace-workflow-config", "--cores", "2", cwd=tmp_path)
    figures, results = tmp_path / "figures/tiny", tmp_path / "results/tiny/tiny"
    assert (figures / "fig2.pdf").read_bytes()[:5] == b"%PDF-"
    stats = pd.read_csv(figures / "fig2.csv")
    assert list(stats["alpha"]) == [-1.0, 0.0] and list(stats["n"]) == [2, 2]
    runs = pd.read_csv(results / "runs_all.csv")
    assert sorted(set(runs["alpha"])) == [-1.0, 0.0, 1.0] and len(runs) == 6
    assert runs["test_accuracy"].between(0, 1).all() and runs["test_mean_si"].notna().all()
    for alpha in ("-1", "0", "1"):
        for seed in (0, 1):
            run = results / f"alpha_{alpha}" / f"seed_{seed}"
            assert {p.name for p in run.iterdir()} == {"model.pt", "log.csv", "summary.json"}
    assert (tmp_path / "logs/tiny/train/tiny/alpha_-1/seed_0.log").exists()
    # everything is up to date: a second run has nothing to do
    again = snakemake("-n", "--configfile", ROOT / "config/tiny.yaml", "--replace-workflow-config", cwd=tmp_path)
    assert "Nothing to be done" in again.stdout + again.stderr


def test_workflow_passes_snakemake_lint():
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=ROOT, capture_output=True, text=True)
    assert "Congratulations, your workflow is in a good condition" in proc.stdout + proc.stderr, proc.stdout[-3000:]
