"""The README tells the truth: its numbers come from the project's own commands, its commands
name the right profile, and the paths it names exist."""

import re

import pandas as pd
import pytest

from conftest import ROOT, run_cli
from selectivity.files.runs import RUNS_TABLE_COLUMNS

README = (ROOT / "README.md").read_text()


def fake_runs_table(path):
    rows = []
    for alpha, accs in ((-1.0, (0.9, 0.8)), (0.0, (0.95, 0.93))):
        for seed, acc in enumerate(accs):
            row = dict.fromkeys(RUNS_TABLE_COLUMNS, 0)
            row.update(experiment="resnet20", alpha=alpha, seed=seed, test_accuracy=acc, mean_si=0.1 * (seed + 1),
                       units_mean_si=0.5, best_epoch=seed + 4)
            rows.append(row)
    pd.DataFrame(rows).to_csv(path, index=False)


def test_summarize_prints_mean_and_sd_over_seeds(tmp_path):
    fake_runs_table(tmp_path / "runs_all.csv")
    out = run_cli("summarize", tmp_path / "runs_all.csv").stdout
    assert out.splitlines()[0] == "SI: class selectivity index (mean of layer means); mean ± SD over seeds"
    line = next(l for l in out.splitlines() if l.strip().startswith("resnet20") and " -1 " in l)
    assert re.search(r"-1\s+2\s+85\.0 ±\s+7\.1\s+0\.150 ± 0\.071\s+4\.5$", line), line
    assert "machine: " in out
    units = run_cli("summarize", tmp_path / "runs_all.csv", "--network-mean", "units").stdout
    assert "(mean over all units)" in units and "0.500 ± 0.000" in units


def test_the_demo_numbers_are_the_summarize_commands_output():
    block = README.split("What the demo shows", 1)[1].split("```", 2)[1]
    lines = block.strip("\n").splitlines()
    assert lines[0] == "SI: class selectivity index (mean of layer means); mean ± SD over seeds"
    assert lines[1] == "results/demo/resnet20/runs_all.csv:" and lines[-1].startswith("machine: ")
    alphas = [float(l.split()[1]) for l in lines[3:-1]]
    assert alphas == [-10, -2, -0.5, 0, 0.5, 2, 10]  # config/demo.yaml's resnet20 grid
    assert "python -m selectivity summarize results/demo/resnet20/runs_all.csv" in README


def test_commands_and_claims():
    assert "snakemake --profile profiles/demo --report figures/demo/report.html" in README
    grid = README.split("`config.yaml` is the paper's setup", 1)[1][:400]
    assert "inferred" in grid
    assert "about two minutes" not in README


@pytest.mark.parametrize("path", sorted(set(re.findall(r"`((?:src/selectivity/|plots/|analysis/)[\w/]+\.py)`", README))))
def test_paths_the_readme_names_exist(path):
    candidates = [ROOT / path, ROOT / "src/selectivity" / path]
    assert any(p.exists() for p in candidates), path


def test_the_claims_blocks_are_generated_from_their_snapshots():
    """The README's "what the preset shows" blocks are docs/claims/<preset>.csv rendered by
    `python -m selectivity claims-readme` (after a preset's run, copy its figures/<preset>/claims.csv
    there and rerun the command)."""
    from selectivity.claims.table import update_readme

    blocks = set(re.findall(r"<!-- claims:(\w+) begin", README))
    snapshots = {p.stem: p for p in sorted((ROOT / "docs/claims").glob("*.csv"))}
    assert "demo" in blocks and blocks == set(snapshots)
    assert update_readme(ROOT / "README.md", snapshots, check=True) == []
