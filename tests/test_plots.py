import numpy as np
import pandas as pd
import pytest

from selectivity.plots import fig2
from selectivity.plots.style import alpha_colors


def fake_runs(n_seeds=5):
    rng = np.random.default_rng(0)
    rows = []
    for a, acc, si in [(-10, 0.80, 0.02), (-1, 0.905, 0.07), (-0.1, 0.91, 0.18), (0, 0.91, 0.22), (1, 0.7, 0.4)]:
        for s in range(n_seeds):
            rows.append({"experiment": "fake", "alpha": float(a), "seed": s,
                         "test_accuracy": acc + rng.normal(0, 0.002), "test_mean_si": si + rng.normal(0, 0.005)})
    return pd.DataFrame(rows)


def test_fig2_renders_from_a_table_and_writes_its_statistics(tmp_path):
    runs = tmp_path / "runs.csv"
    fake_runs().to_csv(runs, index=False)
    stats = fig2.make(runs, tmp_path / "fig2.pdf", tmp_path / "fig2.csv", zoom_max_abs_alpha=1, n_bootstrap=500)
    assert (tmp_path / "fig2.pdf").read_bytes()[:5] == b"%PDF-"
    table = pd.read_csv(tmp_path / "fig2.csv")
    assert list(table["alpha"]) == [-10.0, -1.0, -0.1, 0.0]  # positive alphas are not in Figure 2
    row = table.set_index("alpha").loc[-10.0]
    assert row["stars"] == "**" and row["p_corrected"] < 5e-6 and row["n"] == 5
    assert table.set_index("alpha").loc[-0.1, "p_corrected"] > 0.05
    for col in ("accuracy_ci_low", "accuracy_ci_high", "mean_si", "mean_si_ci_low", "t_statistic"):
        assert col in table.columns
    assert (table["accuracy_ci_low"] <= table["accuracy_mean"]).all()
    numeric = table.select_dtypes("number").columns
    pd.testing.assert_frame_equal(stats[numeric].reset_index(drop=True), table[numeric], check_dtype=False)


def test_fig2_without_baseline_is_an_error(tmp_path):
    runs = tmp_path / "runs.csv"
    fake_runs().query("alpha != 0").to_csv(runs, index=False)
    with pytest.raises(ValueError, match="alpha = 0"):
        fig2.make(runs, tmp_path / "f.pdf", tmp_path / "f.csv")
    assert not (tmp_path / "f.pdf").exists()


def test_alpha_colours_blue_for_negative_red_for_positive():
    colors = alpha_colors([-10, -0.1, 0, 0.1, 10])
    r, g, b, _ = colors[-10]
    assert b > r
    r, g, b, _ = colors[10]
    assert r > b
    assert sum(colors[-10][:3]) < sum(colors[-0.1][:3])  # larger |alpha| is darker
