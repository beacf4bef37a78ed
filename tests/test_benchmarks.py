"""The packing benchmarks run and measure what docs/performance.md and the README say they do."""

import subprocess
import sys

import pandas as pd
import pytest

from conftest import ROOT


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
